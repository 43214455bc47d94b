using LstmGen;

// The models of the GRU, SimpleRNN, activation and dropout reference cases (tests/reference/make_reference.mjs builds the
// same ones in TensorFlow.js: GRU with reset_after = false is tfjs's GRU, reset_after = true a tfjs cell written from
// Keras 3's GRUCell). Cases whose looped and unrolled code differ have a second declaration with the other unroll policy.
namespace LstmGen.Tests.Models;

// GRU, reset_after = true (Keras 3's default).
[Sequential, Input(7, 3), Gru(5), Dense(1)]
public partial class RefGruLast;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Gru(5), Dense(1)]
public partial class RefGruLastLooped;

[Sequential, Input(6, 3), Gru(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefGruSeq;

[Sequential, Input(8, 2), Gru(6, ReturnSequences = true), Gru(4), Dense(1)]
public partial class RefGruStacked;

[Sequential(Unroll = UnrollPolicy.Never), Input(8, 2), Gru(6, ReturnSequences = true), Gru(4), Dense(1)]
public partial class RefGruStackedLooped;

[Sequential, Input(24, 2), Gru(4), Dense(1)]
public partial class RefGruLongSequence;

[Sequential(Unroll = UnrollPolicy.Always), Input(24, 2), Gru(4), Dense(1)]
public partial class RefGruLongSequenceUnrolled;

[Sequential, Input(6, 3), Gru(5, GoBackwards = true), Dense(1)]
public partial class RefGruGoBackwardsLast;

[Sequential, Input(6, 3), Gru(4, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class RefGruGoBackwardsSeq;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Gru(4, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class RefGruGoBackwardsSeqLooped;

[Sequential, Input(6, 3), Bidirectional, Gru(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefGruBidirectionalConcatSeq;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Bidirectional, Gru(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefGruBidirectionalConcatSeqLooped;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Ave), Gru(4), Dense(1)]
public partial class RefGruBidirectionalAve;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Gru(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class RefGruEmbeddingMask;

[Sequential(Unroll = UnrollPolicy.Never), Input(8), Embedding(20, 4, MaskZero = true), Gru(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class RefGruEmbeddingMaskLooped;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Gru(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefGruEmbeddingMaskSeqOut;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Bidirectional, Gru(3), Dense(1)]
public partial class RefGruEmbeddingMaskBidirectional;

[Sequential, Input(6, 3), Gru(5, ReturnState = true)]
public partial class RefGruReturnState;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Gru(5, ReturnState = true)]
public partial class RefGruReturnStateLooped;

[Sequential, Input(6, 3), Gru(5, ReturnSequences = true, ReturnState = true)]
public partial class RefGruReturnStateSeq;

[Sequential, Input(5, 3), Gru(4, UseBias = false), Dense(1, UseBias = false)]
public partial class RefGruNoBias;

[Sequential]
[Input(6, 3)]
[Gru(4, RecurrentActivation = Activation.HardSigmoidKeras2, Activation = Activation.Relu, ReturnSequences = true)]
[Gru(3, Activation = Activation.Relu)]
[Dense(1)]
public partial class RefGruActivations;

// GRU, reset_after = false (Keras 2's default).
[Sequential, Input(7, 3), Gru(5, ResetAfter = false), Dense(1)]
public partial class RefGruBeforeLast;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Gru(5, ResetAfter = false), Dense(1)]
public partial class RefGruBeforeLastLooped;

[Sequential, Input(6, 3), Gru(4, ResetAfter = false, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefGruBeforeSeq;

[Sequential, Input(8, 2), Gru(6, ResetAfter = false, ReturnSequences = true), Gru(4, ResetAfter = false), Dense(1)]
public partial class RefGruBeforeStacked;

[Sequential, Input(6, 3), Gru(4, ResetAfter = false, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class RefGruBeforeGoBackwards;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Gru(4, ResetAfter = false, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class RefGruBeforeGoBackwardsLooped;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Sum), Gru(4, ResetAfter = false, ReturnSequences = true), Dense(2)]
public partial class RefGruBeforeBidirectionalSum;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Gru(5, ResetAfter = false), Dense(1, Activation = Activation.Sigmoid)]
public partial class RefGruBeforeEmbeddingMask;

[Sequential(Unroll = UnrollPolicy.Never), Input(8), Embedding(20, 4, MaskZero = true), Gru(5, ResetAfter = false), Dense(1, Activation = Activation.Sigmoid)]
public partial class RefGruBeforeEmbeddingMaskLooped;

[Sequential, Input(6, 3), Gru(5, ResetAfter = false, ReturnState = true)]
public partial class RefGruBeforeReturnState;

[Sequential, Input(5, 3), Gru(4, ResetAfter = false, UseBias = false), Dense(1, UseBias = false)]
public partial class RefGruBeforeNoBias;

[Sequential, Input(6, 3), Gru(4, ResetAfter = false, RecurrentActivation = Activation.HardSigmoidKeras2, Activation = Activation.Relu), Dense(1)]
public partial class RefGruBeforeActivations;

// SimpleRNN.
[Sequential, Input(7, 3), SimpleRnn(5), Dense(1)]
public partial class RefSimpleRnnLast;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), SimpleRnn(5), Dense(1)]
public partial class RefSimpleRnnLastLooped;

[Sequential, Input(6, 3), SimpleRnn(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefSimpleRnnSeq;

[Sequential, Input(8, 2), SimpleRnn(6, ReturnSequences = true), SimpleRnn(4), Dense(1)]
public partial class RefSimpleRnnStacked;

[Sequential(Unroll = UnrollPolicy.Never), Input(8, 2), SimpleRnn(6, ReturnSequences = true), SimpleRnn(4), Dense(1)]
public partial class RefSimpleRnnStackedLooped;

[Sequential, Input(24, 2), SimpleRnn(4), Dense(1)]
public partial class RefSimpleRnnLongSequence;

[Sequential(Unroll = UnrollPolicy.Always), Input(24, 2), SimpleRnn(4), Dense(1)]
public partial class RefSimpleRnnLongSequenceUnrolled;

[Sequential, Input(6, 3), SimpleRnn(4, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class RefSimpleRnnGoBackwards;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), SimpleRnn(4, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class RefSimpleRnnGoBackwardsLooped;

[Sequential, Input(6, 3), Bidirectional, SimpleRnn(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefSimpleRnnBidirectionalConcat;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Bidirectional, SimpleRnn(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefSimpleRnnBidirectionalConcatLooped;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Mul), SimpleRnn(4), Dense(1)]
public partial class RefSimpleRnnBidirectionalMul;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), SimpleRnn(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class RefSimpleRnnEmbeddingMask;

[Sequential(Unroll = UnrollPolicy.Never), Input(8), Embedding(20, 4, MaskZero = true), SimpleRnn(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class RefSimpleRnnEmbeddingMaskLooped;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), SimpleRnn(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class RefSimpleRnnEmbeddingMaskSeqOut;

[Sequential, Input(6, 3), SimpleRnn(5, ReturnState = true)]
public partial class RefSimpleRnnReturnState;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), SimpleRnn(5, ReturnState = true)]
public partial class RefSimpleRnnReturnStateLooped;

[Sequential, Input(6, 3), SimpleRnn(5, ReturnSequences = true, ReturnState = true)]
public partial class RefSimpleRnnReturnStateSeq;

[Sequential, Input(6, 3), SimpleRnn(5, Activation = Activation.Relu, ReturnSequences = true), SimpleRnn(3, Activation = Activation.Relu), Dense(1)]
public partial class RefSimpleRnnRelu;

[Sequential, Input(5, 3), SimpleRnn(4, UseBias = false), Dense(1, UseBias = false)]
public partial class RefSimpleRnnNoBias;

// Each new activation in a Dense layer and in an Activation layer.
[Sequential, Input(4), Dense(8, Activation = Activation.Elu), Dense(6), Activation(Activation.Elu), Dense(2)]
public partial class RefActivationElu;

[Sequential, Input(4), Dense(8, Activation = Activation.Selu), Dense(6), Activation(Activation.Selu), Dense(2)]
public partial class RefActivationSelu;

[Sequential, Input(4), Dense(8, Activation = Activation.Gelu), Dense(6), Activation(Activation.Gelu), Dense(2)]
public partial class RefActivationGelu;

[Sequential, Input(4), Dense(8, Activation = Activation.Softplus), Dense(6), Activation(Activation.Softplus), Dense(2)]
public partial class RefActivationSoftplus;

[Sequential, Input(4), Dense(8, Activation = Activation.Softsign), Dense(6), Activation(Activation.Softsign), Dense(2)]
public partial class RefActivationSoftsign;

[Sequential, Input(4), Dense(8, Activation = Activation.Swish), Dense(6), Activation(Activation.Swish), Dense(2)]
public partial class RefActivationSwish;

[Sequential, Input(4), Dense(8, Activation = Activation.HardSigmoid), Dense(6), Activation(Activation.HardSigmoid), Dense(2)]
public partial class RefActivationHardSigmoid;

[Sequential, Input(4), Dense(8, Activation = Activation.HardSigmoidKeras2), Dense(6), Activation(Activation.HardSigmoidKeras2), Dense(2)]
public partial class RefActivationHardSigmoidKeras2;

[Sequential, Input(4), Dense(8, Activation = Activation.LeakyRelu), Dense(6), Activation(Activation.LeakyRelu), Dense(2)]
public partial class RefActivationLeakyRelu;

[Sequential, Input(4), Dense(8, Activation = Activation.Exponential), Dense(6), Activation(Activation.Exponential), Dense(2)]
public partial class RefActivationExponential;

[Sequential]
[Input(6, 3)]
[Lstm(5, Activation = Activation.Softsign, RecurrentActivation = Activation.HardSigmoid, ReturnSequences = true)]
[Activation(Activation.Elu)]
[Lstm(4, Activation = Activation.Selu, RecurrentActivation = Activation.HardSigmoidKeras2)]
[Dense(1)]
public partial class RefLstmNewActivations;

[Sequential]
[Input(6, 3)]
[Gru(5, Activation = Activation.Gelu, RecurrentActivation = Activation.HardSigmoid, ReturnSequences = true)]
[Activation(Activation.Softsign)]
[Gru(4, Activation = Activation.Swish, RecurrentActivation = Activation.HardSigmoidKeras2, ResetAfter = false)]
[Dense(1)]
public partial class RefGruNewActivations;

[Sequential]
[Input(6, 3)]
[SimpleRnn(5, Activation = Activation.Softplus, ReturnSequences = true)]
[SimpleRnn(4, Activation = Activation.LeakyRelu, ReturnSequences = true)]
[Dense(2, Activation = Activation.Elu)]
public partial class RefSimpleRnnOtherActivations;

// Dropout layers: the identity in inference.
[Sequential, Input(6, 3), Lstm(5, ReturnSequences = true), Dropout(0.3), SpatialDropout1D(0.2), Gru(4), Dropout(0.5), Dense(1)]
public partial class RefDropoutLayers;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Lstm(5, ReturnSequences = true), Dropout(0.3), SpatialDropout1D(0.2), Gru(4), Dropout(0.5), Dense(1)]
public partial class RefDropoutLayersLooped;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), SpatialDropout1D(0.3), SimpleRnn(4, ReturnSequences = true), Dropout(0.2), TimeDistributed, Dense(2)]
public partial class RefDropoutMasked;
