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
