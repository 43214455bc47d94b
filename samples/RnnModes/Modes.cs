using LstmGen;

namespace RnnModes;

/// <summary>The result of one mode: the held-out score, the target it must reach, and the training time.</summary>
public sealed record ModeResult(string Mode, string Task, string Metric, double Value, double Target, bool HigherIsBetter, TimeSpan Duration)
{
    public bool Passed => HigherIsBetter ? Value >= Target : Value <= Target;

    public override string ToString() =>
        $"{Mode,-26} {Task,-58} {Metric} {Value,8:F4} (target {(HigherIsBetter ? ">=" : "<=")} {Target}) {(Passed ? "ok" : "MISSED")}  {Duration.TotalSeconds:F1}s";
}

/// <summary>One small task per mode, where the mode matters; each trains with Fit and scores on held-out data.</summary>
public static class Modes
{
    public delegate ModeResult Runner(int epochs, TextWriter? log);

    public static readonly (string Name, int Epochs, Runner Run)[] All =
    [
        ("one-to-one", 40, OneToOne),
        ("one-to-many", 60, OneToMany),
        ("many-to-one", 40, ManyToOne),
        ("many-to-many-same", 40, ManyToManySame),
        ("many-to-many-shorter", 40, ManyToManyShorter),
        ("many-to-many-longer", 60, ManyToManyLonger),
        ("encoder-decoder", 80, EncoderDecoder),
    ];

    private static FitOptions Options(Loss loss, int epochs, TextWriter? log, float lr = 0.01f, IReadOnlyList<Metric>? metrics = null) => new()
    {
        Loss = loss,
        Optimizer = new Adam(lr),
        Epochs = epochs,
        BatchSize = 32,
        Seed = 1,
        Metrics = metrics ?? [],
        Verbose = log is null ? Verbosity.Silent : Verbosity.OneLinePerEpoch,
        Output = log,
    };

    /// <summary>Which of three regions a point of 4 features falls in (by the sign of two linear scores): a vector task.</summary>
    public static ModeResult OneToOne(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(11);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n * 4], y = new float[n];
            for (int i = 0; i < n; i++)
            {
                for (int f = 0; f < 4; f++) x[i * 4 + f] = (float)(rng.NextDouble() * 2 - 1);
                float a = x[i * 4] + x[i * 4 + 1], b = x[i * 4 + 2] - x[i * 4 + 3];
                y[i] = a > 0 ? (b > 0 ? 0 : 1) : 2;
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(2000);
        var (xTest, yTest) = Make(500);
        var model = new OneToOneModel();
        model.Fit(xTrain, yTrain, Options(Loss.SparseCategoricalCrossEntropy, epochs, log));
        double acc = model.Evaluate(xTest, yTest, Loss.SparseCategoricalCrossEntropy, [Metric.SparseCategoricalAccuracy()]).Metrics["sparse_categorical_accuracy"];
        return new("one-to-one (Dense)", "class of a 4-feature point (3 regions)", "accuracy", acc, 0.95, true, clock.Elapsed);
    }

    /// <summary>From one start value v, generate v, v+0.1, ..., v+0.5: a sequence out of a single input.</summary>
    public static ModeResult OneToMany(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(12);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n], y = new float[n * 6];
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)rng.NextDouble();
                for (int t = 0; t < 6; t++) y[i * 6 + t] = x[i] + 0.1f * t;
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(1000);
        var (xTest, yTest) = Make(200);
        var model = new OneToManyModel();
        model.Fit(xTrain, yTrain, Options(Loss.MeanSquaredError, epochs, log));
        double mae = model.Evaluate(xTest, yTest, Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]).Metrics["mae"];
        return new("one-to-many (RepeatVector)", "count up 6 steps of 0.1 from a start value", "MAE", mae, 0.01, false, clock.Elapsed);
    }

    /// <summary>The sum of 10 values: one output for the whole sequence.</summary>
    public static ModeResult ManyToOne(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(13);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n * 10], y = new float[n];
            for (int i = 0; i < n; i++)
            {
                for (int t = 0; t < 10; t++) { x[i * 10 + t] = (float)rng.NextDouble() * 0.2f; y[i] += x[i * 10 + t]; }
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(2000);
        var (xTest, yTest) = Make(400);
        var model = new ManyToOneModel();
        model.Fit(xTrain, yTrain, Options(Loss.MeanSquaredError, epochs, log));
        double mae = model.Evaluate(xTest, yTest, Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]).Metrics["mae"];
        return new("many-to-one", "sum of a 10-step sequence (values 0..0.2)", "MAE", mae, 0.01, false, clock.Elapsed);
    }

    /// <summary>The running sum at every step: one output per input step.</summary>
    public static ModeResult ManyToManySame(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(14);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n * 10], y = new float[n * 10];
            for (int i = 0; i < n; i++)
            {
                float sum = 0;
                for (int t = 0; t < 10; t++) { x[i * 10 + t] = (float)rng.NextDouble() * 0.2f; sum += x[i * 10 + t]; y[i * 10 + t] = sum; }
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(2000);
        var (xTest, yTest) = Make(400);
        var model = new ManyToManySameModel();
        model.Fit(xTrain, yTrain, Options(Loss.MeanSquaredError, epochs, log));
        double mae = model.Evaluate(xTest, yTest, Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]).Metrics["mae"];
        return new("many-to-many, same length", "running sum at each of 10 steps", "MAE", mae, 0.015, false, clock.Elapsed);
    }

    /// <summary>The running maximum at the last 3 of 10 steps: a shorter output sequence (SliceLast).</summary>
    public static ModeResult ManyToManyShorter(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(15);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n * 10], y = new float[n * 3];
            for (int i = 0; i < n; i++)
            {
                float max = 0;
                for (int t = 0; t < 10; t++)
                {
                    x[i * 10 + t] = (float)rng.NextDouble();
                    max = Math.Max(max, x[i * 10 + t]);
                    if (t >= 7) y[i * 3 + t - 7] = max;
                }
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(2000);
        var (xTest, yTest) = Make(400);
        var model = new ManyToManyShorterModel();
        model.Fit(xTrain, yTrain, Options(Loss.MeanSquaredError, epochs, log));
        double mae = model.Evaluate(xTest, yTest, Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]).Metrics["mae"];
        return new("many-to-many, shorter", "running max at the last 3 of 10 steps", "MAE", mae, 0.025, false, clock.Elapsed);
    }

    /// <summary>Echo the 5 inputs 3 steps late into 8 outputs: a longer output sequence (end padding), the LSTM must remember.</summary>
    public static ModeResult ManyToManyLonger(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(16);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n * 5], y = new float[n * 8];
            for (int i = 0; i < n; i++)
            {
                for (int t = 0; t < 5; t++) { x[i * 5 + t] = (float)rng.NextDouble(); y[i * 8 + t + 3] = x[i * 5 + t]; }
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(2000);
        var (xTest, yTest) = Make(400);
        var model = new ManyToManyLongerModel();
        model.Fit(xTrain, yTrain, Options(Loss.MeanSquaredError, epochs, log));
        double mae = model.Evaluate(xTest, yTest, Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]).Metrics["mae"];
        return new("many-to-many, longer", "echo 5 inputs 3 steps late (8 outputs)", "MAE", mae, 0.015, false, clock.Elapsed);
    }

    /// <summary>Reverse a sequence of 5 values: the decoder must read the whole input first (encoder-decoder).</summary>
    public static ModeResult EncoderDecoder(int epochs, TextWriter? log)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(17);
        (float[] x, float[] y) Make(int n)
        {
            float[] x = new float[n * 5], y = new float[n * 5];
            for (int i = 0; i < n; i++)
            {
                for (int t = 0; t < 5; t++) x[i * 5 + t] = (float)rng.NextDouble();
                for (int t = 0; t < 5; t++) y[i * 5 + t] = x[i * 5 + 4 - t];
            }
            return (x, y);
        }
        var (xTrain, yTrain) = Make(3000);
        var (xTest, yTest) = Make(400);
        var model = new EncoderDecoderModel();
        model.Fit(xTrain, yTrain, Options(Loss.MeanSquaredError, epochs, log, lr: 0.005f));
        double mae = model.Evaluate(xTest, yTest, Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]).Metrics["mae"];
        return new("encoder-decoder", "reverse a 5-step sequence", "MAE", mae, 0.02, false, clock.Elapsed);
    }
}
