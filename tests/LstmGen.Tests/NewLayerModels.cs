using LstmGen;

// Models of the new layers (GRU, SimpleRNN, Dropout, SpatialDropout1D, Activation, the new activations) for the gradient
// checks: every wrapper, mask, dropout and unrolling combination that has its own code path.
namespace LstmGen.Tests.Models;

[Sequential, Input(6, 3), Gru(5), Dense(1)]
public partial class GruLast;

[Sequential, Input(6, 3), Gru(4, ResetAfter = false, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class GruBeforeSeq;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Gru(4, ResetAfter = false, ReturnSequences = true, GoBackwards = true), Dense(2)]
public partial class GruBeforeBackLooped;

[Sequential, Input(6, 3), Bidirectional, Gru(4, ReturnSequences = true, Dropout = 0.2, RecurrentDropout = 0.3), Gru(3, ReturnState = true)]
public partial class GruBiDrop;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), SimpleRnn(5, ReturnSequences = true, RecurrentDropout = 0.25), Dropout(0.5), SimpleRnn(3, Activation = Activation.Tanh), Dense(1, Activation = Activation.Sigmoid)]
public partial class SimpleRnnMask;

[Sequential, Input(5, 3), Lstm(4, Activation = Activation.Gelu, RecurrentActivation = Activation.HardSigmoid, ReturnSequences = true, Dropout = 0.1), SpatialDropout1D(0.2), Activation(Activation.Swish), Gru(3, RecurrentActivation = Activation.HardSigmoidKeras2, Activation = Activation.Swish, ResetAfter = false), Dense(2, Activation = Activation.Softmax)]
public partial class Mixed;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), SimpleRnn(5, ReturnSequences = true, RecurrentDropout = 0.25), SimpleRnn(3), Dense(1)]
public partial class SimpleRnnMaskRecurrentDropout;


[Sequential, Input(8), Embedding(20, 4, MaskZero = true), SimpleRnn(5, ReturnSequences = true), Dropout(0.5), SimpleRnn(3), Dense(1)]
public partial class DropoutAfterMaskedSequence;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(5, ReturnSequences = true, RecurrentDropout = 0.25), Lstm(3), Dense(1)]
public partial class LstmMaskRecurrentDropout;

[Sequential, Input(4, 3), SimpleRnn(5, RecurrentDropout = 0.25), Dense(1)]
public partial class SimpleRnnRecurrentDropout;


[Sequential, Input(4, 3), SimpleRnn(5, Dropout = 0.25), Dense(1)]
public partial class SimpleRnnInputDropout;

[Sequential, Input(12, 3), Conv1D(5, 3, Activation = Activation.Tanh), MaxPooling1D(2), Lstm(4), Dense(1)]
public partial class ConvPoolLstm;

[Sequential, Input(11, 2), Conv1D(4, 3, Strides = 2, Padding = PaddingMode.Same), AveragePooling1D(2, Padding = PaddingMode.Same), Gru(3), Dense(2)]
public partial class ConvSameStrided;

[Sequential(Unroll = UnrollPolicy.Never), Input(9, 2), Conv1D(4, 2, Padding = PaddingMode.Causal, DilationRate = 2, Activation = Activation.Swish), GlobalAveragePooling1D, Dense(1)]
public partial class ConvCausalDilated;

[Sequential, Input(6, 3), BatchNormalization, Lstm(5, ReturnSequences = true), LayerNormalization, GlobalAveragePooling1D, Dense(1)]
public partial class Normalized;

[Sequential, Input(7, 3), Masking(0.0), Lstm(4, ReturnSequences = true), BatchNormalization, GlobalAveragePooling1D, Dense(1)]
public partial class MaskedFloats;

[Sequential, Input(4, 3), Reshape(6, 2), SimpleRnn(3, ReturnSequences = true), Flatten, Dense(4), Reshape(2, 2), Flatten, Dense(1)]
public partial class Reshaped;

[Sequential, Input(5, 3), Dense(4), GlobalMaxPooling1D, Dense(1)]
public partial class GlobalMax;

// Masked bidirectional sequences: Keras's Bidirectional forces zero_output_for_mask when it returns sequences.
[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Bidirectional, Lstm(3, ReturnSequences = true), Bidirectional(MergeMode.Sum), Gru(2, ReturnSequences = true, GoBackwards = true), TimeDistributed, Dense(1)]
public partial class MaskedBidirectionalSequences;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Bidirectional, Lstm(3, ReturnSequences = true)]
public partial class MaskedBidirectionalLstm;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(3, ReturnSequences = true)]
public partial class MaskedForwardLstm;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(3, ReturnSequences = true, GoBackwards = true)]
public partial class MaskedBackwardLstm;
