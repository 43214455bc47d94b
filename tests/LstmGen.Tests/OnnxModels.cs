using LstmGen;

// Models for the ONNX export tests beyond the Keras reference cases: every recurrent cell, direction, merge mode,
// activation and wrapper the exporter maps (weights randomised with a seed in the tests, biases included).
namespace LstmGen.Tests.Models;

[Sequential, Input(6, 3), SimpleRnn(5, ReturnSequences = true), SimpleRnn(4, Activation = Activation.Relu), Dense(2)]
public partial class OnnxSimpleRnnStack;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Sum), SimpleRnn(4, ReturnSequences = true, GoBackwards = true), Bidirectional, SimpleRnn(3, UseBias = false), Dense(1)]
public partial class OnnxBidirectionalSimpleRnn;

[Sequential]
[Input(5, 3)]
[Bidirectional, Lstm(4, GoBackwards = true, ReturnSequences = true)]
[Bidirectional(MergeMode.Ave), Gru(3, ReturnSequences = true, GoBackwards = true)]
[Bidirectional(MergeMode.Mul), Gru(3, ResetAfter = false)]
[Dense(2)]
public partial class OnnxBidirectionalMixed;

[Sequential]
[Input(5, 3)]
[Lstm(4, Activation = Activation.Elu, RecurrentActivation = Activation.HardSigmoid, ReturnSequences = true)]
[Lstm(4, Activation = Activation.Softsign, RecurrentActivation = Activation.HardSigmoidKeras2, ReturnSequences = true, UnitForgetBias = false)]
[Gru(4, Activation = Activation.LeakyRelu, RecurrentActivation = Activation.Softplus, ReturnSequences = true)]
[Gru(4, Activation = Activation.Linear, RecurrentActivation = Activation.Sigmoid, ResetAfter = false, ReturnSequences = true, UseBias = false)]
[SimpleRnn(3, Activation = Activation.Softplus, ReturnSequences = true)]
[SimpleRnn(3, Activation = Activation.HardSigmoidKeras2)]
[Dense(2)]
public partial class OnnxRecurrentActivations;

[Sequential, Input(5, 3), Gru(4, ReturnSequences = true, ReturnState = true)]
public partial class OnnxGruState;

[Sequential, Input(5, 3), SimpleRnn(4, GoBackwards = true, ReturnState = true)]
public partial class OnnxSimpleRnnState;

[Sequential]
[Input(4, 3)]
[Dense(6, Activation = Activation.Selu)]
[Dense(6, Activation = Activation.Gelu)]
[Dropout(0.3)]
[Dense(6, Activation = Activation.Softplus)]
[SpatialDropout1D(0.2)]
[Dense(6, Activation = Activation.Softsign)]
[Dense(6, Activation = Activation.Swish)]
[Dense(6, Activation = Activation.LeakyRelu)]
[Dense(6, Activation = Activation.Elu)]
[Activation(Activation.HardSigmoid)]
[Dense(6, Activation = Activation.HardSigmoidKeras2)]
[Dense(6, Activation = Activation.Exponential)]
[Activation(Activation.Tanh)]
[TimeDistributed, Dense(3, Activation = Activation.Softmax)]
public partial class OnnxDenseActivations;

[Sequential]
[Input(5)]
[Dense(6, Activation = Activation.Gelu)]
[Activation(Activation.Swish)]
[Dropout(0.5)]
[Dense(6, Activation = Activation.Selu, UseBias = false)]
[Activation(Activation.Exponential)]
[Dense(4, Activation = Activation.Softmax)]
public partial class OnnxDense2D;

[Sequential, Input(4), Dense(3), RepeatVector(4), ZeroPadding1D(2, 1), Gru(5, ReturnSequences = true), SliceLast(2), Activation(Activation.Sigmoid)]
public partial class OnnxRepeatPadSlice;

[Sequential, Input(6), Embedding(30, 5), Bidirectional, Gru(4), Dense(1, Activation = Activation.Sigmoid)]
public partial class OnnxEmbeddingGru;

[Sequential, Input(5, 3), Lstm(4, Activation = Activation.Gelu)]
public partial class OnnxLstmGelu;

[Sequential, Input(5, 3), Gru(4, RecurrentActivation = Activation.Swish)]
public partial class OnnxGruSwish;

[Sequential, Input(5, 3), Bidirectional, SimpleRnn(4, Activation = Activation.Selu)]
public partial class OnnxSimpleRnnSelu;

[Sequential, Input(5, 3), Lstm(4, RecurrentActivation = Activation.Exponential)]
public partial class OnnxLstmExponential;

[Sequential, Input(1, 3), Lstm(8, ReturnSequences = true), Gru(5, ReturnSequences = true), SimpleRnn(4), Dense(2)]
public partial class OnnxStreamStep;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Bidirectional(MergeMode.Concat), Gru(3, ReturnSequences = true, GoBackwards = true), Bidirectional(MergeMode.Sum), SimpleRnn(3), Dense(1)]
public partial class OnnxMaskedBidirectionalGru;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Gru(5, ReturnSequences = true, ResetAfter = false), TimeDistributed, Dense(3, Activation = Activation.Tanh), Lstm(4, ReturnSequences = true, GoBackwards = true, ReturnState = true)]
public partial class OnnxMaskedState;

[Sequential, Input(1), Embedding(20, 4, MaskZero = true), Lstm(6), Dense(2)]
public partial class OnnxMaskedStream;
