using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Benchmarks.Tests;

/// <summary>
/// One quick correctness pass of each benchmarked model (the classes of tests/LstmGen.Benchmarks/Models.cs, through the
/// calls Workloads.cs times) against TensorFlow.js reference numbers: Reference/benchmarks.json, written by
/// tests/reference/make_benchmark_reference.mjs with formula weights, inputs and targets (<see cref="Formula"/>).
/// Tolerance as in tests/LstmGen.Tests: 1e-5, relative where |value| exceeds 1. Gradients (mostly below 1e-3; W4's below
/// 1.5e-4, its MSE being a mean over 3.3 M values, so that bound alone says little) must in addition be within
/// 1e-4 × the largest |value| of their tensor. The loss after one Adam step checks the update of the weights.
/// </summary>
public class BenchmarkModelTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;
    private const float GradientScaleTolerance = 1e-4f;

    private delegate void StepFn(ReadOnlySpan<float> x, Span<float> y);

    public static TheoryData<string> TrainedModels => new("W1Model", "W2Model", "W2ModelLooped", "W4Model", "W5Model", "W6Gru", "W7SimpleRnn", "W8ConvLstm");

    [Fact]
    public void Every_benchmarked_model_has_reference_numbers()
    {
        string[] benchmarked = typeof(W1Model).Assembly.GetTypes()
            .Where(t => typeof(ISequentialModel).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => t.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["W1Model", "W2Model", "W2ModelLooped", "W3Lstm32", "W3Lstm64", "W3Lstm8", "W4Model", "W5Model", "W6Gru", "W7SimpleRnn", "W8ConvLstm"], benchmarked);
        foreach (string name in benchmarked) Assert.NotNull(BenchmarkReference.Model(name));
        Assert.StartsWith("@tensorflow/tfjs 4.22.0", BenchmarkReference.Load().Engine, StringComparison.Ordinal);
    }

    [Fact]
    public void Formula_weights_are_the_scripts_values_bit_for_bit()
    {
        foreach (ModelReference m in BenchmarkReference.Load().Models)
        {
            for (int s = 0; s < m.Weights.Count; s++)
            {
                FormulaWeight w = m.Weights[s];
                foreach (double[] check in w.Check)
                {
                    float value = Formula.Weight((long)check[0], s, w.Scale[0], w.Scale[1]);
                    Assert.True(value == (float)check[1], $"{m.Name} {w.Name}[{check[0]}] is {value:R} by formula, the script wrote {check[1]:R}.");
                }
            }
        }
    }

    [Fact]
    public void W1_inference_at_batch_1_and_32_and_on_two_workers_matches_Keras()
    {
        ModelReference r = BenchmarkReference.Model("W1Model");
        Assert.Equal(W1Model.Vocabulary, r.Vocabulary);
        CheckInference(Loaded(new W1Model(new ModelOptions { MaxBatch = 32 }), r), r.TokenInputs(32), r, "W1Model");
    }

    [Theory]
    [InlineData("W2Model")]
    [InlineData("W2ModelLooped")]
    public void W2_inference_at_batch_1_and_32_and_on_two_workers_matches_Keras(string name)
    {
        ModelReference r = BenchmarkReference.Model(name);
        ITrainableModel<float> model = name == "W2Model" ? new W2Model(new ModelOptions { MaxBatch = 32 }) : new W2ModelLooped(new ModelOptions { MaxBatch = 32 });
        CheckInference(Loaded(model, r), r.FloatInputs(32), r, name);
    }

    [Theory]
    [InlineData("W6Gru")]
    [InlineData("W7SimpleRnn")]
    [InlineData("W8ConvLstm")]
    public void W6_to_W8_inference_at_batch_1_and_32_and_on_two_workers_matches_Keras(string name)
    {
        ModelReference r = BenchmarkReference.Model(name);
        var options = new ModelOptions { MaxBatch = 32 };
        ITrainableModel<float> model = name switch
        {
            "W6Gru" => new W6Gru(options),
            "W7SimpleRnn" => new W7SimpleRnn(options),
            _ => new W8ConvLstm(options),
        };
        CheckInference(Loaded(model, r), r.FloatInputs(32), r, name);
    }

    [Fact]
    public void W3_streaming_steps_give_the_sequence_outputs_of_Keras()
    {
        CheckStream(Loaded(new W3Lstm8(), BenchmarkReference.Model("W3Lstm8")), m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }, 8);
        CheckStream(Loaded(new W3Lstm32(), BenchmarkReference.Model("W3Lstm32")), m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }, 32);
        CheckStream(Loaded(new W3Lstm64(), BenchmarkReference.Model("W3Lstm64")), m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }, 64);
    }

    [Fact]
    public void W4_forward_at_batch_64_and_on_two_workers_matches_Keras()
    {
        ModelReference r = BenchmarkReference.Model("W4Model");
        var model = Loaded(new W4Model(new ModelOptions { MaxBatch = 64 }), r);
        float[] x = r.FloatInputs(64);
        var y = new float[64 * W4Model.OutputLength];
        model.PredictBatch(x, y, 64);
        CheckForward(r.ForwardAt(64), y, W4Model.OutputLength, "W4Model PredictBatch b64");

        using var parallel = new ParallelPredictor<float>(model, workers: 2);
        var yp = new float[y.Length];
        parallel.PredictBatch(x, yp, 64);
        CheckForward(r.ForwardAt(64), yp, W4Model.OutputLength, "W4Model ParallelPredictor (2 workers) b64");
        Assert.True(y.AsSpan().SequenceEqual(yp), "W4Model: ParallelPredictor's outputs differ from PredictBatch's.");
    }

    [Theory]
    [MemberData(nameof(TrainedModels))]
    public void Loss_and_gradients_of_one_batch_match_Keras(string name)
    {
        ModelReference r = BenchmarkReference.Model(name);
        TrainingReference t = r.Training!;
        Run(name, r, (model, inputs) =>
        {
            float loss = ComputeGradients(model, inputs, r);
            Log($"{name} {t.Loss.Type} loss {loss:R} (batch {t.Batch})", AssertClose([t.LossValue], [loss], $"{name} {t.Loss.Type} loss (batch {t.Batch})"));
            WeightStore gradients = GradientsOf(model);
            Assert.Equal(t.Gradients.Select(g => g.Name), gradients.Entries.Select(e => e.Name));
            foreach (GradientReference g in t.Gradients) CheckGradient(g, gradients.Get(g.Name), $"{name} d loss / d {g.Name}");
        });
    }

    [Theory]
    [MemberData(nameof(TrainedModels))]
    public void A_TrainStep_with_Adam_returns_the_loss_of_Keras_and_moves_the_weights_as_Keras(string name)
    {
        ModelReference r = BenchmarkReference.Model(name);
        TrainingReference t = r.Training!;
        Run(name, r, (model, inputs) =>
        {
            float before = model switch
            {
                ITrainableModel<int> m => m.TrainStep((int[])inputs, r.Targets(t.Batch * m.OutputLength), t.Batch, LossOf(t), new Adam()),
                ITrainableModel<float> m => m.TrainStep((float[])inputs, r.Targets(t.Batch * m.OutputLength), t.Batch, LossOf(t), new Adam()),
                _ => throw new InvalidOperationException(),
            };
            Log($"{name} TrainStep (Adam) loss {before:R}", AssertClose([t.LossValue], [before], $"{name} TrainStep (Adam) loss"));
            float after = ComputeGradients(model, inputs, r);
            Log($"{name} loss after one Adam step {after:R}", AssertClose([t.LossAfterAdamStep], [after], $"{name} loss after one Adam step"));
        });
    }

    // -----------------------------------------------------------------------------------------------------------------

    private static T Loaded<T>(T model, ModelReference r)
        where T : ISequentialModel
    {
        r.SetWeights(model);
        return model;
    }

    /// <summary>Builds the benchmarked model <paramref name="name"/> (MaxBatch = the training batch), sets the formula weights and runs <paramref name="body"/>.</summary>
    private static void Run(string name, ModelReference r, Action<ISequentialModel, Array> body)
    {
        var options = new ModelOptions { MaxBatch = r.Training!.Batch };
        int batch = r.Training.Batch;
        switch (name)
        {
            case "W1Model": body(Loaded(new W1Model(options), r), r.TokenInputs(batch)); break;
            case "W2Model": body(Loaded(new W2Model(options), r), r.FloatInputs(batch)); break;
            case "W2ModelLooped": body(Loaded(new W2ModelLooped(options), r), r.FloatInputs(batch)); break;
            case "W4Model": body(Loaded(new W4Model(options), r), r.FloatInputs(batch)); break;
            case "W5Model": body(Loaded(new W5Model(options), r), r.FloatInputs(batch)); break;
            case "W6Gru": body(Loaded(new W6Gru(options), r), r.FloatInputs(batch)); break;
            case "W7SimpleRnn": body(Loaded(new W7SimpleRnn(options), r), r.FloatInputs(batch)); break;
            case "W8ConvLstm": body(Loaded(new W8ConvLstm(options), r), r.FloatInputs(batch)); break;
            default: throw new ArgumentException("No benchmarked model " + name, nameof(name));
        }
    }

    private static Loss LossOf(TrainingReference t) => t.Loss.Type switch
    {
        "binary_crossentropy" => Loss.BinaryCrossEntropy,
        "mse" => Loss.MeanSquaredError,
        var type => throw new InvalidOperationException("Unknown loss " + type),
    };

    private static float ComputeGradients(ISequentialModel model, Array inputs, ModelReference r)
    {
        TrainingReference t = r.Training!;
        float[] targets = r.Targets(t.Batch * model.OutputLength);
        return model switch
        {
            ITrainableModel<int> m => m.ComputeGradients((int[])inputs, targets, t.Batch, LossOf(t)),
            ITrainableModel<float> m => m.ComputeGradients((float[])inputs, targets, t.Batch, LossOf(t)),
            _ => throw new InvalidOperationException(),
        };
    }

    private static WeightStore GradientsOf(ISequentialModel model) => model switch
    {
        ITrainableModel<int> m => m.Gradients,
        ITrainableModel<float> m => m.Gradients,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Predict on sample 0, PredictBatch at 32, and a ParallelPredictor with 2 workers at 32 and at batch 1 (identical to PredictBatch and Predict).</summary>
    private void CheckInference<T>(ITrainableModel<T> model, T[] inputs, ModelReference r, string name)
        where T : unmanaged
    {
        int n = model.OutputLength;
        var one = new float[n];
        model.Predict(inputs.AsSpan(0, model.InputLength), one);
        Log($"{name} Predict (batch 1)", AssertClose(r.ForwardAt(1).Output, one, $"{name} Predict (batch 1)"));
        AssertClose(r.ForwardAt(32).Output.AsSpan(0, n), one, $"{name} Predict vs sample 0 of batch 32");

        var batch = new float[32 * n];
        model.PredictBatch(inputs, batch, 32);
        Log($"{name} PredictBatch (batch 32)", AssertClose(r.ForwardAt(32).Output, batch, $"{name} PredictBatch (batch 32)"));

        using var parallel = new ParallelPredictor<T>(model, workers: 2);
        var split = new float[32 * n];
        parallel.PredictBatch(inputs, split, 32);
        Log($"{name} ParallelPredictor (2 workers, batch 32)", AssertClose(r.ForwardAt(32).Output, split, $"{name} ParallelPredictor (2 workers, batch 32)"));
        Assert.True(batch.AsSpan().SequenceEqual(split), $"{name}: ParallelPredictor's outputs differ from PredictBatch's.");

        var twoCore = new float[n];
        parallel.Predict(inputs.AsSpan(0, model.InputLength), twoCore); // batch 1, products split over two cores
        Assert.True(one.AsSpan().SequenceEqual(twoCore), $"{name}: ParallelPredictor.Predict differs from Predict.");
    }

    /// <summary>Steps a stream over the reference sequence (one sample) and compares each step's output with that step of Keras's return_sequences output.</summary>
    private void CheckStream<TModel>(TModel model, Func<TModel, StepFn> open, int units)
        where TModel : ISequentialModel<float>
    {
        string name = typeof(TModel).Name;
        ModelReference r = BenchmarkReference.Model(name);
        ForwardReference f = r.ForwardAt(1);
        Assert.Equal([r.StreamSteps, units], f.OutputShape);
        float[] x = r.FloatInputs(1);
        Assert.Equal(r.StreamSteps, x.Length);

        StepFn step = open(model);
        var y = new float[units];
        float worst = 0;
        for (int t = 0; t < r.StreamSteps; t++)
        {
            step(x.AsSpan(t, 1), y);
            worst = MathF.Max(worst, AssertClose(f.Output.AsSpan(t * units, units), y, $"{name} stream step {t}"));
        }
        Log($"{name} stream, {r.StreamSteps} steps", worst);

        // The model itself (one step) gives step 0.
        var first = new float[units];
        model.Predict(x.AsSpan(0, 1), first);
        AssertClose(f.Output.AsSpan(0, units), first, $"{name} Predict (one step)");
    }

    /// <summary>A forward output stored whole, or strided plus the complete last step of some samples.</summary>
    private void CheckForward(ForwardReference f, float[] actual, int outputLength, string what)
    {
        Assert.Equal(f.Batch * outputLength, actual.Length);
        if (f.Stride is int stride)
        {
            Assert.Equal((actual.Length + stride - 1) / stride, f.Output.Length);
            Log(what + $" (stride {stride})", AssertClose(f.Output, Strided(actual, stride), what + $" (stride {stride})"));
            int units = f.OutputShape[^1];
            foreach (LastStep last in f.LastStep)
            {
                Log(what + $" (sample {last.Sample}, last step)", AssertClose(last.Values, actual.AsSpan((last.Sample + 1) * outputLength - units, units), what + $" (sample {last.Sample}, last step)"));
            }
        }
        else
        {
            Log(what, AssertClose(f.Output, actual, what));
        }
    }

    private void CheckGradient(GradientReference g, float[] actual, string what)
    {
        Assert.Equal(g.Shape.Aggregate(1, (a, b) => a * b), actual.Length);
        float[] compared = actual;
        if (g.Stride is int stride)
        {
            Assert.Equal((actual.Length + stride - 1) / stride, g.Values.Length);
            compared = Strided(actual, stride);
        }
        else
        {
            Assert.Equal(actual.Length, g.Values.Length);
        }
        float scale = g.Values.Max(MathF.Abs);
        if (g.Rows is not null)
        {
            scale = MathF.Max(scale, g.RowValues!.SelectMany(v => v).Max(MathF.Abs));
        }
        CheckGradientValues(g.Values, compared, scale, what + (g.Stride is int s ? $" (stride {s})" : ""));
        if (g.Rows is not null)
        {
            int width = g.Shape[1];
            for (int k = 0; k < g.Rows.Length; k++)
            {
                CheckGradientValues(g.RowValues![k], actual.AsSpan(g.Rows[k] * width, width), scale, what + $" (row of token {g.Rows[k]})");
            }
        }
    }

    private void CheckGradientValues(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float scale, string what)
    {
        float worst = AssertClose(expected, actual, what);
        output.WriteLine($"{what}: max |diff| {worst:E2}, max |expected| {scale:E2}, ratio {(scale > 0 ? worst / scale : 0):E2}");
        float bound = GradientScaleTolerance * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(MathF.Abs(expected[i] - actual[i]) <= bound))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {MathF.Abs(expected[i] - actual[i]):E2} > {GradientScaleTolerance:E0} × max |expected| {scale:E2}).");
            }
        }
    }

    private static float[] Strided(float[] values, int stride)
    {
        var sampled = new float[(values.Length + stride - 1) / stride];
        for (int k = 0; k < sampled.Length; k++) sampled[k] = values[k * stride];
        return sampled;
    }

    /// <summary>The convention of tests/LstmGen.Tests: |diff| ≤ 1e-5 · max(1, |expected|). Returns the largest |diff|.</summary>
    private static float AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
            float tolerance = Tolerance * MathF.Max(1f, MathF.Abs(expected[i]));
            if (!(MathF.Abs(expected[i] - actual[i]) <= tolerance))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {MathF.Abs(expected[i] - actual[i]):E2} > {tolerance:E1}).");
            }
        }
        return worst;
    }

    private void Log(string what, float worst) => output.WriteLine($"{what}: max |diff| {worst:E2}");
}
