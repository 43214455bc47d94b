using LstmGen;

namespace TimeSeries;

/// <summary>
/// Next-step forecaster, the Keras stock-price example:
/// <code>Sequential([Input((30, 1)), LSTM(50, return_sequences=True), LSTM(50), Dense(1)])</code>
/// </summary>
[Sequential(Seed = 1), Input(TimeSeriesSample.Lookback, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
public partial class NextStepModel;

/// <summary>
/// The CNN-LSTM forecaster: a convolution picks local patterns of a few days, pooling halves the sequence, an LSTM reads
/// what is left. <code>Sequential([Input((30, 1)), Conv1D(32, 3, activation='relu'), MaxPooling1D(2), LSTM(50), Dense(1)])</code>
/// </summary>
[Sequential(Seed = 4), Input(TimeSeriesSample.Lookback, 1), Conv1D(32, 3, Activation = Activation.Relu), MaxPooling1D(2), Lstm(50), Dense(1)]
public partial class ConvLstmModel;

/// <summary>
/// Multi-step forecaster (encoder-decoder): the next <see cref="TimeSeriesSample.Horizon"/> values, future values as targets.
/// <code>Sequential([Input((30, 1)), LSTM(64), RepeatVector(5), LSTM(64, return_sequences=True), TimeDistributed(Dense(1))])</code>
/// </summary>
[Sequential(Seed = 2), Input(TimeSeriesSample.Lookback, 1), Lstm(64), RepeatVector(TimeSeriesSample.Horizon), Lstm(64, ReturnSequences = true), TimeDistributed, Dense(1)]
public partial class MultiStepModel;

/// <summary>Next-step forecaster for a monthly series: a year of lookback.</summary>
[Sequential(Seed = 3), Input(TimeSeriesSample.MonthlyLookback, 1), Lstm(32, ReturnSequences = true), Lstm(32), Dense(1)]
public partial class MonthlyModel;
