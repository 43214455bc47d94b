using LstmGen;
using LstmGen.Data;

namespace TimeSeries;

/// <summary>Options of a run; the defaults are the sample's default run (under a minute on two cores).</summary>
public sealed record TimeSeriesOptions
{
    public string DataDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "data");
    public int Epochs { get; init; } = 30;
    public int Workers { get; init; } = 2;
    public string? ChartDirectory { get; init; } = "charts";
    public TextWriter? Output { get; init; } = Console.Out;
}

/// <summary>
/// Test-range root-mean-square error in the series' own units, beside two baselines: the naive last-value forecast
/// ("no change") and the drift forecast (the last value moved by the mean change of the training range per step, in the
/// representation the network sees: for log changes, the mean training return).
/// </summary>
public sealed record ForecastResult(string Series, string Kind, double Rmse, double NaiveRmse, double DriftRmse, int TestWindows, TimeSpan TrainingTime)
{
    public bool BeatsNaive => Rmse < NaiveRmse;

    public override string ToString() =>
        $"{Series,-26} {Kind,-22} RMSE {Rmse,8:F3}  naive last-value {NaiveRmse,8:F3}  ({(NaiveRmse - Rmse) / NaiveRmse,5:P1} lower)  drift {DriftRmse,8:F3}  ({TestWindows} test windows, trained {TrainingTime.TotalSeconds:F1}s)";
}

/// <summary>What the network sees: the levels themselves, or the changes of their logarithm (returns).</summary>
public enum Representation
{
    Levels,
    LogChanges,
}

/// <summary>
/// Forecasting real series with stacked LSTMs, as the Keras stock-price and airline-passenger examples, done so that the
/// numbers mean something: a min-max scaler fitted on the training range only; lookback windows whose targets are future
/// values; a time-ordered split (the last 20% is the test range); early stopping on a validation slice of the training
/// windows; the test RMSE in original units beside the naive forecast "every future value equals the last one seen".
/// Trending series (a stock index, passenger counts) are modelled as log changes, so the test range does not sit outside
/// the range the scaler and the network saw.
/// </summary>
public static class TimeSeriesSample
{
    public const int Lookback = 30;
    public const int Horizon = 5;
    public const int MonthlyLookback = 12;

    public static IReadOnlyList<ForecastResult> Run(TimeSeriesOptions options)
    {
        TextWriter log = options.Output ?? TextWriter.Null;
        string Data(string file) => Path.Combine(options.DataDirectory, file);
        float[] temperature = Csv.ReadColumn(Data("daily-min-temperatures.csv"), "Temp");
        float[] sp500 = Csv.ReadColumn(Data("sp500-daily.csv"), "Close");
        float[] passengers = Csv.ReadColumn(Data("airline-passengers.csv"), "Passengers");
        log.WriteLine($"Melbourne daily minimum temperature: {temperature.Length} days; S&P 500: {sp500.Length} daily closes; airline passengers: {passengers.Length} months.");
        DateTime[] days = Dates(Data("daily-min-temperatures.csv")), tradingDays = Dates(Data("sp500-daily.csv")), months = Dates(Data("airline-passengers.csv"));

        var results = new List<ForecastResult>
        {
            Forecast("Melbourne min temperature", "°C", temperature, days, Representation.Levels, horizon: 1, () => new NextStepModel(), Lookback, options, log),
            Forecast("Melbourne min temperature", "°C", temperature, days, Representation.Levels, horizon: 1, () => new ConvLstmModel(), Lookback, options, log, label: "CNN-LSTM"),
            Forecast("Melbourne min temperature", "°C", temperature, days, Representation.Levels, Horizon, () => new MultiStepModel(), Lookback, options, log),
            // 102 training windows: many more, smaller epochs, and more patience.
            Forecast("airline passengers", "thousands", passengers, months, Representation.LogChanges, horizon: 1, () => new MonthlyModel(), MonthlyLookback, options with { Epochs = options.Epochs * 8 }, log, batchSize: 8, patience: 30),
            Forecast("S&P 500 close", "index points", sp500, tradingDays, Representation.LogChanges, horizon: 1, () => new NextStepModel(), Lookback, options, log),
            Forecast("S&P 500 close", "index points", sp500, tradingDays, Representation.LogChanges, Horizon, () => new MultiStepModel(), Lookback, options, log),
        };
        log.WriteLine();
        foreach (ForecastResult r in results) log.WriteLine(r);
        return results;
    }

    /// <summary>The first column of a CSV file as dates (yyyy-MM-dd, or yyyy-MM for monthly series).</summary>
    private static DateTime[] Dates(string path)
    {
        using var reader = new StreamReader(path);
        return Csv.ReadRecords(reader).Skip(1)
            .Select(r => DateTime.ParseExact(r[0], ["yyyy-MM-dd", "yyyy-MM"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None))
            .ToArray();
    }

    private static ForecastResult Forecast(string name, string unit, float[] series, DateTime[] dates, Representation representation, int horizon,
        Func<ITrainableModel<float>> create, int lookback, TimeSeriesOptions options, TextWriter log, int batchSize = 32, int patience = 6, string? label = null)
    {
        string kind = (horizon == 1 ? "next step" : $"{horizon} steps ahead") + (label is null ? "" : $" {label}");
        log.WriteLine($"== {name}: {kind} ({(horizon == 1 ? "many-to-one" : "encoder-decoder, many-to-many")}), lookback {lookback}, {representation}");

        // z[i] is what the network sees for series index i + offset.
        int offset = representation == Representation.LogChanges ? 1 : 0;
        float[] z = representation == Representation.Levels
            ? series
            : Enumerable.Range(1, series.Length - 1).Select(i => MathF.Log(series[i]) - MathF.Log(series[i - 1])).ToArray();
        int testStart = (int)(z.Length * 0.8);
        // The drift baseline: the mean change per step over the training range (of the log for log changes).
        double drift = representation == Representation.LogChanges
            ? z.Take(testStart).Average(v => (double)v)
            : Enumerable.Range(1, testStart - 1).Average(i => (double)series[i] - series[i - 1]);
        var scaler = new MinMaxScaler();
        scaler.Fit(z.AsSpan(0, testStart), features: 1); // no peeking at the test range
        float[] scaled = scaler.Transform(z, features: 1);
        (float[] xTrain, float[] yTrain) = Windows.Create(scaled.AsSpan(0, testStart), features: 1, lookback, horizon);
        // Test windows end just before their targets; their inputs may reach back into the training range.
        (float[] xTest, float[] yTest) = Windows.Create(scaled.AsSpan(testStart - lookback), features: 1, lookback, horizon);

        ITrainableModel<float> model = create();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        History history = model.Fit(xTrain, yTrain, new FitOptions
        {
            Loss = Loss.MeanSquaredError,
            Optimizer = new Adam(0.002f),
            Epochs = options.Epochs,
            BatchSize = batchSize,
            Seed = 1,
            Workers = options.Workers,
            Verbose = options.Output is null ? Verbosity.Silent : Verbosity.OneLinePerEpoch,
            Output = log,
            ValidationSplit = 0.15,
            EarlyStopping = new EarlyStopping { Monitor = "val_loss", Patience = patience, RestoreBestWeights = true },
        });
        TimeSpan time = clock.Elapsed;
        log.WriteLine($"   {history.Epochs.Count} epochs (best val_loss {history["val_loss"].Min():F5} at epoch {history.RestoredEpoch}), {time.TotalSeconds:F1}s");

        int windows = yTest.Length / horizon;
        var predicted = new float[yTest.Length];
        model.PredictBatch(xTest, predicted, windows);
        float[] zHat = scaler.InverseTransform(predicted, features: 1);

        // Back to levels. Window w's last observed value is series[e] with e = testStart + w - 1 + offset.
        var actual = new List<double>();
        var forecast = new List<double>();
        var naive = new List<double>();
        var drifted = new List<double>();
        var targetDates = new DateTime[windows]; // the date of each window's first forecast step
        for (int w = 0; w < windows; w++)
        {
            int e = testStart + w - 1 + offset;
            targetDates[w] = dates[e + 1];
            double level = series[e], logLevel = Math.Log(series[e]);
            for (int k = 1; k <= horizon; k++)
            {
                double f;
                if (representation == Representation.Levels)
                {
                    f = zHat[w * horizon + k - 1];
                }
                else
                {
                    logLevel += zHat[w * horizon + k - 1];
                    f = Math.Exp(logLevel);
                }
                actual.Add(series[e + k]);
                forecast.Add(f);
                naive.Add(level);
                drifted.Add(representation == Representation.Levels ? level + drift * k : Math.Exp(Math.Log(series[e]) + drift * k));
            }
        }
        var result = new ForecastResult(name, kind, Rmse(forecast, actual), Rmse(naive, actual), Rmse(drifted, actual), windows, time);
        log.WriteLine($"   {result}");
        Charts(options, name, unit, kind, horizon, targetDates, actual.Where((_, i) => i % horizon == 0).ToArray(), forecast.Where((_, i) => i % horizon == 0).ToArray(), history, log);
        return result;
    }

    private static double Rmse(List<double> forecast, List<double> actual) =>
        Math.Sqrt(forecast.Zip(actual, (f, a) => (f - a) * (f - a)).Average());

    private static void Charts(TimeSeriesOptions options, string name, string unit, string kind, int horizon, DateTime[] dates, double[] actual, double[] forecast,
        History history, TextWriter log)
    {
        if (options.ChartDirectory is not { } dir) return;
        Directory.CreateDirectory(dir);
        string stem = Path.Combine(dir, new string($"{name}-{kind}".ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()));
        Svg.DateChart(stem + "-test.svg",
            $"{name}: {kind} forecast on the test range" + (horizon > 1 ? " (first step of each window)" : ""),
            dates, [new ChartSeries("actual", actual), new ChartSeries("LstmGen forecast", forecast)], $"{name} ({unit})");
        Svg.EpochChart(stem + "-loss.svg", $"{name}: {kind}, training loss",
            [new ChartSeries("loss", history["loss"].ToArray()), new ChartSeries("val_loss", history["val_loss"].ToArray())],
            "mean squared error (scaled data)",
            history.RestoredEpoch is int best ? (best, $"epoch {best}: best val_loss, restored") : null);
        log.WriteLine($"   charts: {stem}-test.svg, {stem}-loss.svg");
    }
}
