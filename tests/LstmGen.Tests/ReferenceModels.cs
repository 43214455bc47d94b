using LstmGen;

// The models of the Keras reference cases (tests/reference/make_reference.mjs builds the same ones in TensorFlow.js).
// Some cases have a second declaration with another unroll policy, so that both the unrolled and the looped code are
// checked against the same numbers.
namespace LstmGen.Tests.Models;

[Sequential, Input(4), Dense(8, Activation = Activation.Relu), Dense(3, Activation = Activation.Softmax)]
public partial class OneToOne;

[Sequential]
[Input(5)]
[Dense(4, Activation = Activation.Tanh)]
[Dense(4, Activation = Activation.Sigmoid)]
[Dense(3)]
[Dense(2, Activation = Activation.Relu, UseBias = false)]
public partial class DenseActivations2D;

[Sequential, Input(3), RepeatVector(5), Lstm(6, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class OneToMany;

[Sequential, Input(7, 3), Lstm(5), Dense(1)]
public partial class ManyToOne;

[Sequential(Unroll = UnrollPolicy.Never), Input(7, 3), Lstm(5), Dense(1)]
public partial class ManyToOneLooped;

[Sequential, Input(6, 2), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(3, Activation = Activation.Sigmoid)]
public partial class ManyToManySame;

[Sequential, Input(6, 4), Lstm(8, ReturnSequences = true), SliceLast(3), TimeDistributed, Dense(2)]
public partial class ManyToManySlice;

[Sequential, Input(4, 2), ZeroPadding1D(0, 3), Lstm(5, ReturnSequences = true), Dense(2, Activation = Activation.Tanh)]
public partial class ManyToManyPad;

[Sequential]
[Input(5, 2)]
[Lstm(6)]
[RepeatVector(3)]
[Lstm(6, ReturnSequences = true)]
[TimeDistributed, Dense(1)]
public partial class EncoderDecoder;

[Sequential, Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class Stacked;

[Sequential(Unroll = UnrollPolicy.Never), Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class StackedLooped;

[Sequential, Input(40, 3), Lstm(6), Dense(1)]
public partial class LongSequence;

[Sequential(Unroll = UnrollPolicy.Always), Input(40, 3), Lstm(6), Dense(1)]
public partial class LongSequenceUnrolled;

[Sequential, Input(33, 2), Lstm(4, ReturnSequences = true), Lstm(3, ReturnSequences = true), Dense(2, Activation = Activation.Softmax)]
public partial class LongStackedSeq;

[Sequential, Input(6, 3), Lstm(5, GoBackwards = true), Dense(1)]
public partial class GoBackwardsLast;

[Sequential, Input(6, 3), Lstm(5, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class GoBackwardsSeq;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Lstm(5, GoBackwards = true, ReturnSequences = true), Dense(2)]
public partial class GoBackwardsSeqLooped;

[Sequential]
[Input(5, 3)]
[Lstm(4, Activation = Activation.Relu, RecurrentActivation = Activation.Tanh, ReturnSequences = true)]
[Lstm(3, Activation = Activation.Sigmoid, RecurrentActivation = Activation.Sigmoid)]
[Dense(1)]
public partial class LstmActivations;

[Sequential, Input(5, 2), Lstm(4, Activation = Activation.Linear), Dense(1)]
public partial class LstmLinearActivation;

[Sequential, Input(5, 3), Lstm(4, UseBias = false), Dense(1, UseBias = false)]
public partial class LstmNoBias;

[Sequential, Input(6, 3), Lstm(5, ReturnState = true)]
public partial class ReturnStateModel;

[Sequential, Input(6, 3), Lstm(5, ReturnSequences = true, ReturnState = true)]
public partial class ReturnStateSeq;

[Sequential, Input(6, 3), Bidirectional, Lstm(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class BidirectionalConcatSeq;

[Sequential(Unroll = UnrollPolicy.Never), Input(6, 3), Bidirectional, Lstm(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class BidirectionalConcatSeqLooped;

[Sequential, Input(6, 3), Bidirectional, Lstm(4), Dense(1)]
public partial class BidirectionalConcatLast;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Sum), Lstm(4, ReturnSequences = true), Dense(2)]
public partial class BidirectionalSum;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Mul), Lstm(4), Dense(1)]
public partial class BidirectionalMul;

[Sequential, Input(6, 3), Bidirectional(MergeMode.Ave), Lstm(4, ReturnSequences = true), Lstm(3), Dense(1)]
public partial class BidirectionalAve;

[Sequential, Input(8), Embedding(20, 4), Lstm(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class EmbeddingLstm;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class EmbeddingMask;

[Sequential(Unroll = UnrollPolicy.Never), Input(8), Embedding(20, 4, MaskZero = true), Lstm(5), Dense(1, Activation = Activation.Sigmoid)]
public partial class EmbeddingMaskLooped;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(4, ReturnSequences = true), Lstm(3), Dense(1)]
public partial class EmbeddingMaskStacked;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(2)]
public partial class EmbeddingMaskSeqOut;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Bidirectional, Lstm(3), Dense(1, Activation = Activation.Sigmoid)]
public partial class EmbeddingMaskBidirectional;

[Sequential, Input(8), Embedding(20, 4, MaskZero = true), Lstm(4, GoBackwards = true), Dense(1)]
public partial class EmbeddingMaskGoBackwards;

[Sequential, Input(4, 3), Dense(5, Activation = Activation.Softmax), Dense(2, Activation = Activation.Relu)]
public partial class DenseSoftmaxSeq;
