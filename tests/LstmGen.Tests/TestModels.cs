using LstmGen;

namespace LstmGen.Tests.Models;

[Sequential(Seed = 7), Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class SeededStacked;

[Sequential, Input(6, 3), Lstm(8, UnitForgetBias = false), Dense(1)]
public partial class NoForgetBias;

[Sequential, Input(20), Embedding(5000, 128, MaskZero = true), Lstm(128), Dense(1, Activation = Activation.Sigmoid)]
public partial class Sentiment;

/// <summary>
/// Recurrent products from packed panels at batch 4 and more on AVX2: forward over 4 × 64 gate columns, backward over 64
/// unit columns, in both layers (a sequence-returning one feeding a many-to-one one).
/// </summary>
[Sequential(Seed = 3), Input(6, 5), Lstm(64, ReturnSequences = true), Lstm(64), Dense(1)]
public partial class PanelLstm;

/// <summary>
/// A masked LSTM stack for the column helper: at batch 32 every step has 32 × 64 cells (enough to split its rows between
/// two cores, forward and backward) and its recurrent products are split by packed panels.
/// </summary>
[Sequential(Seed = 9), Input(6, 5), Masking(0.0), Lstm(64, ReturnSequences = true), Lstm(64), Dense(1)]
public partial class SplitLstm;

/// <summary>
/// The GRU (reset after, Keras 3's default) and SimpleRNN versions: forward over 3 × 64 and 64 columns, backward over 64
/// unit columns; the second GRU drops its recurrent state in training (its backward takes the dropped-gradient path).
/// </summary>
[Sequential(Seed = 5), Input(6, 5), Gru(64, ReturnSequences = true), Gru(64, RecurrentDropout = 0.25), Dense(1)]
public partial class PanelGru;

/// <inheritdoc cref="PanelGru"/>
[Sequential(Seed = 7), Input(6, 5), SimpleRnn(64, ReturnSequences = true), SimpleRnn(64), Dense(1)]
public partial class PanelSimpleRnn;

[Sequential, Input(10, 1), Lstm(50, ReturnSequences = true, Name = "encoder"), Lstm(50), Dense(1, Name = "head")]
public partial class NamedLayers;

// Models of the loss reference cases (tests/reference/make_training_reference.mjs).
[Sequential, Input(4), Dense(5, Activation = Activation.Relu), Dense(3)]
public partial class Loss2DLinear;

[Sequential, Input(4), Dense(5, Activation = Activation.Relu), Dense(3, Activation = Activation.Sigmoid)]
public partial class Loss2DSigmoid;

[Sequential, Input(4), Dense(5, Activation = Activation.Relu), Dense(3, Activation = Activation.Softmax)]
public partial class Loss2DSoftmax;

[Sequential, Input(5, 3), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(3)]
public partial class LossSeqLinear;

[Sequential, Input(5, 3), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(3, Activation = Activation.Sigmoid)]
public partial class LossSeqSigmoid;

[Sequential, Input(5, 3), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(3, Activation = Activation.Softmax)]
public partial class LossSeqSoftmax;

[Sequential, Input(10, 1), Lstm(6), RepeatVector(3), Lstm(5, ReturnSequences = true), TimeDistributed, Dense(1)]
public partial class EncoderDecoderForFit;

[Sequential(Loss = LossKind.CategoricalCrossEntropy), Input(4), Dense(3, Activation = Activation.Softmax)]
public partial class DeclaredLossModel;

// Streaming kernels: the specialised LSTM(8) and LSTM(32) steps and the general one (tests/LstmGen.Tests/StreamingTests.cs).
[Sequential(Seed = 3), Input(30, 1), Lstm(8, ReturnSequences = true)]
public partial class StreamH8;

[Sequential(Seed = 4), Input(30, 3), Lstm(8, ReturnSequences = true)]
public partial class StreamH8F3;

[Sequential(Seed = 5), Input(30, 2), Lstm(32, ReturnSequences = true)]
public partial class StreamH32F2;

[Sequential(Seed = 6), Input(30, 1), Lstm(64, ReturnSequences = true)]
public partial class StreamH64;

[Sequential(Seed = 7), Input(30, 1), Lstm(32, ReturnSequences = true, UseBias = false)]
public partial class StreamH32NoBias;

/// <summary>
/// LSTMs whose input projections can run step by step (gates a multiple of 64 columns): masked, bidirectional, reversed,
/// with input and recurrent dropout, unrolled and looped, for the per-step projection's bit-for-bit test.
/// </summary>
[Sequential(Seed = 12), Input(7, 6), Masking(0.0), Bidirectional, Lstm(16, ReturnSequences = true, Dropout = 0.25, RecurrentDropout = 0.2), Lstm(32, GoBackwards = true, ReturnSequences = true), Lstm(16), Dense(1)]
public partial class StepProjectionLstm;

/// <summary><see cref="StepProjectionLstm"/> with its time loops not unrolled.</summary>
[Sequential(Seed = 12, Unroll = UnrollPolicy.Never), Input(7, 6), Masking(0.0), Bidirectional, Lstm(16, ReturnSequences = true, Dropout = 0.25, RecurrentDropout = 0.2), Lstm(32, GoBackwards = true, ReturnSequences = true), Lstm(16), Dense(1)]
public partial class StepProjectionLstmLooped;
