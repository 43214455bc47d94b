using LstmGen;

namespace LstmGen.Benchmarks;

/// <summary>W1: sentiment-style many-to-one over 20 token ids.</summary>
[Sequential, Input(20), Embedding(5000, 128), Lstm(128), Dense(1, Activation = Activation.Sigmoid)]
public partial class W1Model;

/// <summary>W2: stacked LSTMs for next-step forecasting, 10 steps of 1 feature.</summary>
[Sequential, Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class W2Model;

/// <summary>W2 with the time loop not unrolled, to measure what unrolling buys.</summary>
[Sequential(Unroll = UnrollPolicy.Never), Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class W2ModelLooped;

/// <summary>W3: streaming LSTM(8) on 1 feature, one step at a time.</summary>
[Sequential, Input(1, 1), Lstm(8)]
public partial class W3Lstm8;

/// <summary>W3: streaming LSTM(32).</summary>
[Sequential, Input(1, 1), Lstm(32)]
public partial class W3Lstm32;

/// <summary>W3: streaming LSTM(64).</summary>
[Sequential, Input(1, 1), Lstm(64)]
public partial class W3Lstm64;

/// <summary>W4: large LSTM(512) on 128 features, 100 steps (sequences out, as the PyTorch peer).</summary>
[Sequential, Input(100, 128), Lstm(512, ReturnSequences = true)]
public partial class W4Model;

/// <summary>W5: training throughput, LSTM(64) on 32 features, 64 steps, Dense(1).</summary>
[Sequential, Input(64, 32), Lstm(64), Dense(1)]
public partial class W5Model;

/// <summary>W6: GRU(64) (Keras 3 defaults: reset_after) on W5's shape, 64 steps of 32 features, Dense(1).</summary>
[Sequential, Input(64, 32), Gru(64), Dense(1)]
public partial class W6Gru;

/// <summary>W7: SimpleRNN(64) on W5's shape, Dense(1).</summary>
[Sequential, Input(64, 32), SimpleRnn(64), Dense(1)]
public partial class W7SimpleRnn;

/// <summary>W8: a CNN-LSTM forecaster, Conv1D(64, 3) (valid, linear) → LSTM(64) → Dense(1) on 100 steps of 8 features.</summary>
[Sequential, Input(100, 8), Conv1D(64, 3), Lstm(64), Dense(1)]
public partial class W8ConvLstm;
