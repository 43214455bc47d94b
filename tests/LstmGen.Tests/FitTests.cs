using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>Keras-style Fit/Evaluate: learning, validation, metrics, early stopping, progress, cancellation, data parallelism.</summary>
public class FitTests
{
    /// <summary>Next value of noisy sine waves from the previous 10 values: (x, y) for n samples.</summary>
    private static (float[] X, float[] Y) SineWindows(int n, int seed)
    {
        var rng = new Random(seed);
        float[] x = new float[n * 10], y = new float[n];
        for (int s = 0; s < n; s++)
        {
            double phase = rng.NextDouble() * 6.28, freq = 0.2 + 0.3 * rng.NextDouble();
            for (int t = 0; t < 10; t++) x[s * 10 + t] = (float)Math.Sin(phase + freq * t);
            y[s] = (float)Math.Sin(phase + freq * 10);
        }
        return (x, y);
    }

    [Fact]
    public void Fit_learns_and_reports_loss_metrics_and_validation()
    {
        (float[] x, float[] y) = SineWindows(256, 1);
        var model = new Stacked(new ModelOptions { Seed = 5 });
        var output = new StringWriter();
        History h = model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError,
            Optimizer = new Adam(0.01f),
            Epochs = 8,
            BatchSize = 32,
            ValidationSplit = 0.25,
            Metrics = [Metric.MeanAbsoluteError()],
            Output = output,
        });
        Assert.Equal(8, h.Epochs.Count);
        Assert.True(h["loss"][^1] < h["loss"][0] / 5, string.Join(", ", h["loss"]));
        Assert.True(h["val_loss"][^1] < 0.02, string.Join(", ", h["val_loss"]));
        Assert.True(h["mae"][^1] < h["mae"][0]);

        // The last epoch's val_loss is Evaluate on the held-out quarter (the last 64 samples).
        Evaluation e = model.Evaluate(x[(192 * 10)..], y[192..], Loss.MeanSquaredError, [Metric.MeanAbsoluteError()]);
        Assert.Equal(h["val_loss"][^1], e.Loss, 5);
        Assert.Equal(h["val_mae"][^1], e.Metrics["mae"], 5);

        string text = output.ToString();
        Assert.Contains("Epoch 1/8", text);
        Assert.Contains("6/6 [==============================]", text); // 192 training samples / 32
        Assert.Contains(" - loss: ", text);
        Assert.Contains(" - val_mae: ", text);
    }

    [Fact]
    public void Same_seed_same_weights_for_one_worker_and_for_two()
    {
        (float[] x, float[] y) = SineWindows(96, 2);
        float[] Train(int workers)
        {
            var model = new Stacked(new ModelOptions { Seed = 9 });
            model.Fit(x, y, new FitOptions { Loss = Loss.MeanSquaredError, Epochs = 2, BatchSize = 16, Seed = 3, Workers = workers, Verbose = Verbosity.Silent });
            return model.Weights.Parameters.ToArray();
        }
        float[] one = Train(1), oneAgain = Train(1), two = Train(2), twoAgain = Train(2);
        Assert.Equal(one, oneAgain);
        Assert.Equal(two, twoAgain);
        // Two workers sum the same gradients in another order: equal up to float rounding.
        float maxDiff = one.Zip(two, (a, b) => MathF.Abs(a - b)).Max();
        Assert.True(maxDiff < 1e-4f, $"1 vs 2 workers differ by {maxDiff}");
    }

    [Fact]
    public void Split_products_give_the_single_thread_weights_bit_for_bit()
    {
        // Sentiment (Embedding(5000,128) -> LSTM(128)): its products are large enough to be split.
        var rng = new Random(4);
        int[] tokens = Enumerable.Range(0, 48 * Sentiment.InputLength).Select(_ => rng.Next(0, 5000)).ToArray();
        float[] labels = Enumerable.Range(0, 48).Select(i => (float)(i % 2)).ToArray();
        float[] Train(bool split)
        {
            var model = new Sentiment(new ModelOptions { Seed = 5 });
            model.Fit(tokens, labels, new FitOptions { Loss = Loss.BinaryCrossEntropy, Epochs = 2, BatchSize = 16, Seed = 3, SplitProducts = split, Verbose = Verbosity.Silent });
            return model.Weights.Parameters.ToArray();
        }
        Assert.Equal(Train(false), Train(true));

        var bad = Assert.Throws<ArgumentException>(() => new Sentiment().Fit(tokens, labels,
            new FitOptions { Loss = Loss.BinaryCrossEntropy, Workers = 2, SplitProducts = true, Verbose = Verbosity.Silent }));
        Assert.Contains("SplitProducts", bad.Message);
    }

    [Fact]
    public void A_splitter_scope_splits_only_inside_it_and_gradients_match()
    {
        var model = new Sentiment(new ModelOptions { Seed = 6 });
        int[] tokens = Enumerable.Range(0, 8 * Sentiment.InputLength).Select(i => (i * 37) % 5000).ToArray();
        float[] labels = Enumerable.Range(0, 8).Select(i => (float)(i % 2)).ToArray();
        float loss1 = model.ComputeGradients(tokens, labels, 8, Loss.BinaryCrossEntropy);
        float[] g1 = model.Gradients.Parameters.ToArray();
        using var splitter = new ProductSplitter();
        float loss2;
        using (splitter.Enter())
        {
            loss2 = model.ComputeGradients(tokens, labels, 8, Loss.BinaryCrossEntropy);
        }
        Assert.Equal(loss1, loss2);
        Assert.Equal(g1, model.Gradients.Parameters.ToArray());
        splitter.Dispose();
        Assert.Throws<ObjectDisposedException>(() => splitter.Enter());
        // After the scope, products run on one thread again: a disposed splitter is not used.
        Assert.Equal(loss1, model.ComputeGradients(tokens, labels, 8, Loss.BinaryCrossEntropy));
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("simple_rnn")]
    public void Recurrent_products_from_packed_panels_give_the_unpacked_outputs_and_gradients_bit_for_bit(string layer)
    {
        // The recurrent layers pack their recurrent kernels once per batch (PackPanels) and run every step's product from
        // the panels (forward) and from the panels of the transposed kernel (backward); with panels turned off on the
        // thread (a test switch), they read the kernels as they are (the per-step Gemm). Same bits either way. Two
        // instances of the same seed, one call each: the same dropout masks (the GRU drops its recurrent state).
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            Assert.False(Kernels.PackPanels(new float[64 * 256], new float[64 * 256], 8, 256, 64).IsEmpty); // LSTM forward
            Assert.False(Kernels.PackPanels(new float[64 * 192], new float[64 * 192], 8, 192, 64).IsEmpty); // GRU forward
            Assert.False(Kernels.PackPanels(new float[64 * 64], new float[64 * 64], 8, 64, 64).IsEmpty); // SimpleRNN forward
            Assert.False(Kernels.PackPanels(new float[256 * 64], new float[256 * 64], 8, 64, 256).IsEmpty); // LSTM backward
        }
        ITrainableModel<float> Create() => layer switch
        {
            "lstm" => new PanelLstm(),
            "gru" => new PanelGru(),
            _ => new PanelSimpleRnn(),
        };
        var rng = new Random(11);
        ITrainableModel<float> model = Create();
        float[] x = Enumerable.Range(0, 8 * model.InputLength).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] y = Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble()).ToArray();
        var out1 = new float[8];
        float loss1 = model.ComputeGradients(x, y, 8, Loss.MeanSquaredError, outputs: out1);
        float[] g1 = model.Gradients.Parameters.ToArray();
        ITrainableModel<float> other = Create();
        var out2 = new float[8];
        float loss2;
        Kernels.PanelsOff = true;
        try
        {
            loss2 = other.ComputeGradients(x, y, 8, Loss.MeanSquaredError, outputs: out2);
        }
        finally
        {
            Kernels.PanelsOff = false;
        }
        Assert.Equal(out1, out2);
        Assert.Equal(loss1, loss2);
        Assert.Equal(g1, other.Gradients.Parameters.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lstm_input_projections_run_per_step_with_the_bits_of_one_projection_of_all_steps(bool looped)
    {
        // Where panels pay, an LSTM projects each step's input just before that step's recurrent product (large layers:
        // Kernels.PackProjection decides by size; a test switch forces it here, on this thread, for small ones). The same
        // outputs, loss and gradients as projecting all steps at once (panels off), in training (dropout masks drawn by
        // two instances of the same seed) and in inference, with masked steps, both directions and a reversed layer.
        bool panels = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;
        ITrainableModel<float> Create() => looped ? new StepProjectionLstmLooped() : new StepProjectionLstm();
        var rng = new Random(looped ? 31 : 30);
        const int Batch = 9;
        float[] x = Enumerable.Range(0, Batch * StepProjectionLstm.InputLength).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        for (int b = 0; b < Batch; b += 4)
        {
            x.AsSpan((b * 7 + 5) * 6, 2 * 6).Clear(); // the last two steps masked
        }
        float[] y = Enumerable.Range(0, Batch).Select(_ => (float)rng.NextDouble()).ToArray();
        (float[] Outputs, float Loss, float[] Gradients, float[] Predicted) Run(bool perStep)
        {
            Kernels.ProjectPerStepAlways = perStep;
            Kernels.PanelsOff = !perStep;
            try
            {
                ITrainableModel<float> model = Create();
                if (perStep && panels)
                {
                    Assert.False(Kernels.PackProjection(new float[6 * 64], Kernels.ProjectionPanelBuffer(Batch, 7, 64, 6), Batch, 7, 64, 6).IsEmpty);
                    Assert.False(Kernels.PackProjection(new float[32 * 128], Kernels.ProjectionPanelBuffer(Batch, 7, 128, 32), Batch, 7, 128, 32).IsEmpty);
                }
                var outputs = new float[Batch];
                float loss = model.ComputeGradients(x, y, Batch, Loss.MeanSquaredError, outputs: outputs);
                var predicted = new float[Batch];
                model.PredictBatch(x, predicted, Batch);
                return (outputs, loss, model.Gradients.Parameters.ToArray(), predicted);
            }
            finally
            {
                Kernels.ProjectPerStepAlways = false;
                Kernels.PanelsOff = false;
            }
        }
        var whole = Run(perStep: false);
        var perStep = Run(perStep: true);
        Assert.Equal(whole.Outputs, perStep.Outputs);
        Assert.Equal(whole.Loss, perStep.Loss);
        Assert.Equal(whole.Gradients, perStep.Gradients);
        Assert.Equal(whole.Predicted, perStep.Predicted);
        Assert.Contains(whole.Predicted, v => v != 0f);
        // Without the switch, small layers project all steps at once and large ones per step.
        Assert.True(Kernels.PackProjection(new float[6 * 64], new float[6 * 64], Batch, 7, 64, 6).IsEmpty);
        Assert.Equal(panels, !Kernels.PackProjection(new float[128 * 2048], new float[128 * 2048], 64, 100, 2048, 128).IsEmpty);
    }

    [Fact]
    public void A_splitter_splits_packed_products_and_lstm_steps_bit_for_bit()
    {
        // At batch 32 a ProductSplitter splits each step's recurrent product by packed panels (forward and backward), and
        // the rows of each LSTM step (forward and backward, masked rows included), between the thread and its helper.
        // The same outputs, loss and gradients as on one thread, with panels and with the kernels read in place.
        var rng = new Random(21);
        float[] x = Enumerable.Range(0, 32 * SplitLstm.InputLength).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        for (int b = 0; b < 32; b += 3)
        {
            // Some samples end in masked (all-zero) steps: those rows carry their state (forward) and get no gradient.
            x.AsSpan((b * 6 + 4) * 5, 2 * 5).Clear();
        }
        float[] y = Enumerable.Range(0, 32).Select(_ => (float)rng.NextDouble()).ToArray();
        (float[] Outputs, float Loss, float[] Gradients) Run(bool split, bool panelsOff, bool helperHeld = false)
        {
            var model = new SplitLstm();
            var outputs = new float[32];
            using var splitter = new ProductSplitter();
            splitter.Helper.Held = helperHeld;
            splitter.Helper.BacksOff = false; // every job goes to the helper or is taken back (the back-off's own test is below)
            Kernels.PanelsOff = panelsOff;
            try
            {
                using (split ? splitter.Enter() : default)
                {
                    float loss = model.ComputeGradients(x, y, 32, Loss.MeanSquaredError, outputs: outputs);
                    if (helperHeld)
                    {
                        // Every job went back to the calling thread after ClaimMicroseconds: 12 steps' products and
                        // cells, forward and backward, and the layers' projections and weight gradients. Only 32-column
                        // panels (AVX2 without AVX-512) split the backward's 64-column per-step products; 64-column panels
                        // (one) and unpacked products (under 128 columns) do not.
                        int expected = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && Kernels.PrepackedPanel == 32 ? 48 : 36;
                        Assert.True(splitter.Helper.JobsTakenBack >= expected, $"{splitter.Helper.JobsTakenBack} jobs taken back, expected {expected} or more");
                    }
                    return (outputs, loss, model.Gradients.Parameters.ToArray());
                }
            }
            finally
            {
                Kernels.PanelsOff = false;
            }
        }
        var one = Run(split: false, panelsOff: false);
        var inPlace = Run(split: false, panelsOff: true);
        var split = Run(split: true, panelsOff: false);
        var takenBack = Run(split: true, panelsOff: false, helperHeld: true);
        Assert.Equal(one.Outputs, takenBack.Outputs);
        Assert.Equal(one.Gradients, takenBack.Gradients);
        Assert.Equal(one.Outputs, split.Outputs);
        Assert.Equal(one.Loss, split.Loss);
        Assert.Equal(one.Gradients, split.Gradients);
        Assert.Equal(one.Outputs, inPlace.Outputs);
        Assert.Equal(one.Gradients, inPlace.Gradients);
        Assert.Contains(one.Outputs, v => v != 0f);
    }

    [Fact]
    public void A_splitter_backs_off_to_one_thread_after_two_late_jobs_and_splits_again_after_the_back_off()
    {
        // A held helper never takes a job, as if the OS never scheduled its thread: each job is taken back after
        // ClaimMicroseconds. The first, posted while the helper slept, is the cost of waking it and does not count; two
        // late jobs in a row start a back-off, during which products run on the calling thread without posting; after
        // it, products are posted again. Every product gives the one-thread result.
        var rng = new Random(5);
        const int m = 32, n = 256, k = 128; // 1 M multiply-adds: split inside a splitter scope
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] expected = new float[m * n];
        Kernels.Gemm(a, b, expected, m, n, k, accumulate: false);
        float[] c = new float[m * n];

        void Product(ProductSplitter splitter)
        {
            using (splitter.Enter())
            {
                Kernels.Gemm(a, b, c, m, n, k, accumulate: false);
            }
            Assert.Equal(expected, c);
        }

        void Until(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), what);
                Thread.Sleep(1);
            }
        }

        // Two late jobs in a row start a back-off (here one longer than the test), which skips the splits.
        using (var splitter = new ProductSplitter())
        {
            ColumnHelper helper = splitter.Helper;
            helper.Held = true;
            helper.NextBackOff = TimeSpan.FromMinutes(5);
            Until(() => helper.Sleeping, "the idle helper never went to sleep");
            Product(splitter); // posted to the sleeping helper and taken back: the wake-up's cost, not a late job
            Assert.Equal((1, 1, 0), (helper.JobsPosted, helper.JobsTakenBack, helper.RunAlone));
            Until(() => !helper.Sleeping, "the helper never woke up");
            Product(splitter); // late once: the splits go on
            Assert.Equal((2, 2, 0), (helper.JobsPosted, helper.JobsTakenBack, helper.RunAlone));
            Product(splitter); // late twice in a row: the back-off starts
            Assert.Equal((3, 3, 0), (helper.JobsPosted, helper.JobsTakenBack, helper.RunAlone));
            Product(splitter);
            Product(splitter);
            Assert.Equal((3, 3, 2), (helper.JobsPosted, helper.JobsTakenBack, helper.RunAlone));
            Assert.Equal((3, 2), (splitter.Splits, splitter.RunAlone));
            // The next back-off would be twice as long, capped.
            Assert.Equal(ColumnHelper.MaxBackOffMilliseconds, helper.NextBackOff.TotalMilliseconds, 3);
        }

        // A short back-off ends by itself: the product after it is posted to the helper again.
        using (var splitter = new ProductSplitter())
        {
            ColumnHelper helper = splitter.Helper;
            helper.Held = true;
            helper.NextBackOff = TimeSpan.FromMilliseconds(50);
            Until(() => helper.Sleeping, "the idle helper never went to sleep");
            Product(splitter);
            Until(() => !helper.Sleeping, "the helper never woke up");
            Product(splitter);
            Product(splitter); // the 50 ms back-off starts
            Thread.Sleep(200);
            helper.Held = false;
            Product(splitter);
            Assert.Equal(4, helper.JobsPosted);
            Assert.Equal(0, helper.RunAlone);
        }
    }

    [Fact]
    public void Lstm_steps_refuse_short_spans_inside_a_splitter_scope_too()
    {
        // The split rows run on pointers on the helper thread, so every span is checked before the split: a short
        // pre-activation buffer (or mask) is an ArgumentException, not a write past its end.
        const int Rows = 32, Units = 64;
        float[] z = new float[Rows * 4 * Units], c = new float[Rows * Units], h = new float[Rows * Units], dz = new float[z.Length];
        using var splitter = new ProductSplitter();
        using (splitter.Enter())
        {
            Assert.Throws<ArgumentException>(() => Kernels.LstmStep(z, c, h, c, h, Rows, Units, Activation.Tanh, Activation.Sigmoid, default, new float[z.Length - 1]));
            Assert.Throws<ArgumentException>(() => Kernels.LstmStep(z, c, h, c, h, Rows, Units, Activation.Tanh, Activation.Sigmoid, new byte[Rows - 1]));
            Assert.Throws<ArgumentException>(() => Kernels.LstmStepBackward(z, c, c, h, c, dz, Rows, Units, Activation.Tanh, Activation.Sigmoid, default, new float[z.Length - 1]));
            Kernels.LstmStep(z, c, h, c, h, Rows, Units, Activation.Tanh, Activation.Sigmoid, default, new float[z.Length]);
        }
    }

    [Fact]
    public void Panel_buffers_are_allocated_only_where_packing_pays_and_outputs_do_not_depend_on_them()
    {
        // A model for single samples never packs (fewer than 4 rows), so it holds no panels; one for batches of 8 holds
        // them where this CPU packs (AVX2 without AVX-512). The generated fields, read by name: __rp{layer} (forward) and
        // __rTp{layer} (backward), for both LSTM(64) layers.
        static float[] Field(PanelLstm m, string name) =>
            (float[])typeof(PanelLstm).GetField(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(m)!;
        var single = new PanelLstm(new ModelOptions { MaxBatch = 1 });
        var batched = new PanelLstm(new ModelOptions { MaxBatch = 8 });
        foreach (string name in new[] { "__rp1", "__rp2", "__rTp1", "__rTp2" })
        {
            Assert.Empty(Field(single, name));
            Assert.Empty(Field(single.CreateReplica(), name));
        }
        Assert.Equal(Kernels.PanelBuffer(8, 256, 64).Length, Field(batched, "__rp1").Length);
        Assert.Equal(Kernels.PanelBuffer(8, 256, 64).Length, Field(batched, "__rp2").Length);
        Assert.Equal(Kernels.PanelBuffer(8, 64, 256).Length, Field(batched, "__rTp1").Length);
        Assert.Equal(Kernels.PanelBuffer(8, 64, 256).Length, Field(batched, "__rTp2").Length);
        Assert.Equal(Kernels.PanelBuffer(8, 256, 64).Length, Field(batched.CreateReplica(), "__rp1").Length);

        // Same weights (same seed), one sample at a time against batches of 8: the same outputs, loss and gradients.
        var rng = new Random(12);
        float[] x = Enumerable.Range(0, 8 * PanelLstm.InputLength).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] y = Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] o1 = new float[8], o8 = new float[8];
        single.PredictBatch(x, o1, 8);
        batched.PredictBatch(x, o8, 8);
        for (int i = 0; i < 8; i++)
        {
            Assert.True(Math.Abs(o1[i] - o8[i]) <= 1e-6f, $"sample {i}: {o1[i]} one at a time, {o8[i]} in a batch of 8");
        }
        float l1 = single.ComputeGradients(x, y, 8, Loss.MeanSquaredError);
        float l8 = batched.ComputeGradients(x, y, 8, Loss.MeanSquaredError);
        Assert.True(Math.Abs(l1 - l8) <= 1e-6f * Math.Max(1, Math.Abs(l8)), $"loss {l1} against {l8}");
        float[] g1 = single.Gradients.Parameters.ToArray(), g8 = batched.Gradients.Parameters.ToArray();
        for (int i = 0; i < g8.Length; i++)
        {
            Assert.True(Math.Abs(g1[i] - g8[i]) <= 1e-5f * Math.Max(1, Math.Abs(g8[i])), $"gradient {i}: {g1[i]} against {g8[i]}");
        }
    }

    [Fact]
    public void Data_parallel_gradients_equal_single_worker_gradients()
    {
        // One Fit step with SGD: w1 - w0 = -lr * g, whatever the worker count.
        (float[] x, float[] y) = SineWindows(8, 3);
        float[] Step(int workers)
        {
            var model = new EncoderDecoderForFit(new ModelOptions { Seed = 1 });
            float[] before = model.Weights.Parameters.ToArray();
            model.Fit(x, y.SelectMany(v => new[] { v, v, v }).ToArray(), new FitOptions { Loss = Loss.MeanSquaredError, Optimizer = new Sgd(1f), BatchSize = 8, Shuffle = false, Workers = workers, Verbose = Verbosity.Silent });
            return model.Weights.Parameters.Zip(before, (a, b) => b - a).ToArray();
        }
        float[] g1 = Step(1), g3 = Step(3); // 8 samples over 3 workers: parts of 3, 3, 2
        for (int i = 0; i < g1.Length; i++) Assert.InRange(g3[i], g1[i] - 1e-6f, g1[i] + 1e-6f);
    }

    [Fact]
    public void Data_parallel_reduction_is_the_worker_order_sum_bit_for_bit()
    {
        // The gradient sum is split over the workers by parameter ranges: every element must still be
        // ((0 + g0·s0) + g1·s1) + g2·s2 in worker order. One SGD(1) step makes w0 - w1 that sum exactly.
        (float[] x, float[] y3) = SineWindows(8, 3);
        float[] y = y3.SelectMany(v => new[] { v, v, v }).ToArray();
        var model = new EncoderDecoderForFit(new ModelOptions { Seed = 1 });
        float[] before = model.Weights.Parameters.ToArray();
        model.Fit(x, y, new FitOptions { Loss = Loss.MeanSquaredError, Optimizer = new Sgd(1f), BatchSize = 8, Shuffle = false, Workers = 3, Verbose = Verbosity.Silent });

        var reference = new EncoderDecoderForFit(new ModelOptions { Seed = 1 });
        int inLen = x.Length / 8, tLen = y.Length / 8;
        float[] sum = new float[before.Length];
        int start = 0;
        foreach (int count in new[] { 3, 3, 2 }) // 8 samples over 3 workers
        {
            reference.ComputeGradients(x.AsSpan(start * inLen, count * inLen), y.AsSpan(start * tLen, count * tLen), count, Loss.MeanSquaredError);
            float share = (float)count / 8;
            float[] g = reference.Gradients.Parameters;
            for (int i = 0; i < sum.Length; i++) sum[i] += g[i] * share;
            start += count;
        }
        Assert.True(sum.Length > 64 * 3, "the model must be large enough for every worker to reduce a range");
        float[] after = model.Weights.Parameters;
        for (int i = 0; i < sum.Length; i++)
        {
            Assert.True(before[i] - 1f * sum[i] == after[i], $"parameter {i}: {after[i]:R} after the step, {before[i] - sum[i]:R} from the worker-order sum");
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd-momentum")]
    [InlineData("sgd")]
    [InlineData("rmsprop")]
    public void Data_parallel_optimiser_update_split_over_workers_is_bit_identical(string rule)
    {
        // WideLstm has 41 K parameters, every one with a gradient: with two workers each updates half. A clip value no
        // gradient reaches keeps the update on the calling thread (clipping is not split) without changing any number:
        // the reference.
        var rng = new Random(8);
        float[] x = Enumerable.Range(0, 48 * WideLstm.InputLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] y = Enumerable.Range(0, 48).Select(_ => (float)rng.NextDouble()).ToArray();
        Optimizer Make(float? clip) => rule switch
        {
            "adam" => new Adam(0.01f) { ClipValue = clip },
            "adamw" => new AdamW(0.01f) { ClipValue = clip },
            "sgd-momentum" => new Sgd(0.1f, momentum: 0.9f, nesterov: true) { ClipValue = clip },
            "sgd" => new Sgd(0.1f) { ClipValue = clip },
            _ => new RmsProp(0.01f) { ClipValue = clip },
        };
        float[] Train(float? clip)
        {
            var model = new WideLstm(new ModelOptions { Seed = 5 });
            Assert.True(model.Weights.Count >= 2 * Optimizer.MinParametersPerWorker);
            model.Fit(x, y, new FitOptions { Loss = Loss.MeanSquaredError, Epochs = 2, BatchSize = 16, Seed = 3, Workers = 2, Optimizer = Make(clip), Verbose = Verbosity.Silent });
            return model.Weights.Parameters.ToArray();
        }
        float[] split = Train(null), serial = Train(1e30f);
        int first = Enumerable.Range(0, split.Length).FirstOrDefault(i => split[i] != serial[i], -1);
        Assert.True(first < 0, $"{rule}: parameter {first} differs: {(first < 0 ? 0 : split[first]):R} split vs {(first < 0 ? 0 : serial[first]):R} on one thread");
    }

    [Fact]
    public void A_Fit_that_reuses_an_earlier_calls_replica_trains_as_on_a_fresh_model()
    {
        // Fit keeps a model's replicas between calls: nothing of the earlier call may carry into the next (the replica's
        // gradients, workspaces, packed weights). Model b gets a's weights after a's first call and trains its first.
        var rng = new Random(12);
        float[] x1 = Enumerable.Range(0, 48 * WideLstm.InputLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] y1 = Enumerable.Range(0, 48).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] x2 = Enumerable.Range(0, 40 * WideLstm.InputLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] y2 = Enumerable.Range(0, 40).Select(_ => (float)rng.NextDouble()).ToArray();
        FitOptions Options() => new() { Loss = Loss.MeanSquaredError, Epochs = 2, BatchSize = 16, Seed = 3, Workers = 2, Optimizer = new Sgd(0.05f), Verbose = Verbosity.Silent };
        var a = new WideLstm(new ModelOptions { Seed = 5 });
        a.Fit(x1, y1, Options());
        var b = new WideLstm(new ModelOptions { Seed = 9 });
        a.Weights.Parameters.CopyTo(b.Weights.Parameters, 0);
        float[] afterFirst = a.Weights.Parameters.ToArray();
        a.Fit(x2, y2, Options());
        b.Fit(x2, y2, Options());
        Assert.Equal(b.Weights.Parameters, a.Weights.Parameters);
        Assert.NotEqual(afterFirst, a.Weights.Parameters); // the second call trained
    }

    [Fact]
    public void Early_stopping_stops_and_restores_the_best_weights()
    {
        (float[] x, float[] y) = SineWindows(128, 4);
        var model = new Stacked(new ModelOptions { Seed = 2 });
        double bestLoss = double.MaxValue;
        History h = model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError,
            Optimizer = new Sgd(2.5f), // far too large: the loss soon stops improving
            Epochs = 30,
            ValidationSplit = 0.25,
            EarlyStopping = new EarlyStopping { Patience = 1, RestoreBestWeights = true },
            Verbose = Verbosity.Silent,
            OnEpochEnd = log => bestLoss = Math.Min(bestLoss, log["val_loss"]),
        });
        Assert.NotNull(h.StoppedEpoch);
        Assert.True(h.StoppedEpoch < 30);
        Assert.NotNull(h.RestoredEpoch);
        Assert.Equal(h["val_loss"].Min(), h["val_loss"][h.RestoredEpoch!.Value - 1]);
        Evaluation e = model.Evaluate(x[(96 * 10)..], y[96..], Loss.MeanSquaredError);
        Assert.Equal(bestLoss, e.Loss, 5); // the restored weights are the best epoch's
    }

    [Fact]
    public void Cancellation_stops_between_batches()
    {
        (float[] x, float[] y) = SineWindows(64, 5);
        using var cts = new CancellationTokenSource();
        var model = new Stacked();
        History h = model.Fit(x, y, new FitOptions
        {
            Loss = Loss.MeanSquaredError,
            Epochs = 10,
            Verbose = Verbosity.Silent,
            CancellationToken = cts.Token,
            OnEpochEnd = log => { if (log.Epoch == 2) cts.Cancel(); },
        });
        Assert.True(h.Cancelled);
        Assert.Equal(2, h.Epochs.Count);
    }

    [Fact]
    public void Binary_accuracy_on_a_separable_token_task()
    {
        // Label 1 when token 7 appears in the sequence: the masked embedding model learns it.
        var rng = new Random(6);
        int n = 256;
        int[] tokens = new int[n * 8];
        float[] labels = new float[n];
        for (int s = 0; s < n; s++)
        {
            int length = rng.Next(3, 9);
            for (int t = 0; t < length; t++) tokens[s * 8 + t] = rng.Next(1, 20) is var v && v == 7 ? 8 : v;
            if (rng.Next(2) == 1) { tokens[s * 8 + rng.Next(length)] = 7; labels[s] = 1; }
        }
        var model = new EmbeddingMask(new ModelOptions { Seed = 3 });
        History h = model.Fit(tokens, labels, new FitOptions
        {
            Loss = Loss.BinaryCrossEntropy,
            Optimizer = new Adam(0.02f),
            Epochs = 25,
            Metrics = [Metric.BinaryAccuracy()],
            Verbose = Verbosity.Silent,
        });
        Assert.True(h["binary_accuracy"][^1] > 0.95, string.Join(", ", h["binary_accuracy"]));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        var model = new Stacked();
        var ex = Assert.Throws<ArgumentException>(() => model.Fit(new float[25], new float[2], new FitOptions { Loss = Loss.MeanSquaredError }));
        Assert.Contains("not a positive multiple of the 10", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => model.Fit(new float[30], new float[2], new FitOptions { Loss = Loss.MeanSquaredError }));
        Assert.Contains("3 samples need 3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => model.Fit(new float[30], new float[3], new FitOptions { Loss = Loss.MeanSquaredError, EarlyStopping = new EarlyStopping() }));
        Assert.Contains("monitors 'val_loss', which is not logged", ex.Message);
    }
}

public class FitInputErrorTests
{
    [Fact]
    public void Bad_inputs_are_named_by_their_index_in_the_dataset()
    {
        var x = new float[40 * 10];
        x[333] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => new Stacked().Fit(x, new float[40], new FitOptions { Loss = Loss.MeanSquaredError, Verbose = Verbosity.Silent }));
        Assert.Contains("x[333] is NaN", ex.Message);

        var tokens = new int[10 * 8];
        tokens[5 * 8 + 2] = 99;
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingMask().Fit(tokens, new float[10], new FitOptions { Loss = Loss.BinaryCrossEntropy, Verbose = Verbosity.Silent }));
        Assert.Contains("Token id 99 at sample 5, step 2", ex2.Message);
    }
}

public class ParallelPredictorTests
{
    [Fact]
    public void Parallel_batches_equal_single_threaded_batches_exactly()
    {
        ReferenceCase c = ReferenceCase.Load("embedding_mask"); // token input, masking
        var model = (EmbeddingMask)KerasReferenceTests.Loaded(new EmbeddingMask(new ModelOptions { MaxBatch = 2 }), c);
        int[] tokens = Enumerable.Range(0, 25).SelectMany(i => c.TokenInput.Skip(i % c.Batch * 8).Take(8)).ToArray();
        var expected = new float[25];
        model.PredictBatch(tokens, expected, 25);
        using var parallel = new ParallelPredictor<int>(model, workers: 3);
        var actual = new float[25];
        parallel.PredictBatch(tokens, actual, 25);
        Assert.Equal(expected, actual);
        KerasReferenceTests.AssertClose(c.Output, actual.AsSpan(0, c.Batch), "parallel vs Keras");

        var x = new float[4 * 21];
        x[30] = float.NaN;
        using var p2 = new ParallelPredictor<float>(new ManyToOne(), workers: 2);
        var ex = Assert.Throws<ArgumentException>(() => p2.PredictBatch(x, new float[4], 4));
        Assert.Contains("is NaN", ex.Message);
    }

    [Fact]
    public void Small_batches_use_fewer_workers_and_still_equal_single_threaded_batches()
    {
        // Four workers, batches of 1 to 17 rows: ⌈b / 4⌉ workers run (one for b ≤ 4); every output still equals PredictBatch,
        // and the rows a smaller call leaves to idle workers are not stale from a larger call before it.
        var model = new ManyToOne(new ModelOptions { Seed = 2 });
        var rng = new Random(12);
        using var parallel = new ParallelPredictor<float>(model, workers: 4);
        foreach (int batch in new[] { 17, 1, 4, 5, 9, 16, 2 })
        {
            float[] x = Enumerable.Range(0, batch * ManyToOne.InputLength).Select(_ => (float)rng.NextDouble()).ToArray();
            var expected = new float[batch];
            model.PredictBatch(x, expected, batch);
            var actual = Enumerable.Repeat(float.NaN, batch).ToArray();
            parallel.PredictBatch(x, actual, batch);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Two_core_single_predictions_equal_Predict_exactly_including_after_the_helper_sleeps()
    {
        // Sentiment: Embedding(5000, 128) -> LSTM(128): the input projection and every recurrent product are split.
        var model = new Sentiment();
        var rng = new Random(11);
        using var parallel = new ParallelPredictor<int>(model, workers: 2);
        var expected = new float[1];
        var actual = new float[1];
        for (int i = 0; i < 30; i++)
        {
            int[] tokens = Enumerable.Range(0, Sentiment.InputLength).Select(_ => rng.Next(0, 5000)).ToArray();
            model.Predict(tokens, expected);
            parallel.Predict(tokens, actual);
            Assert.Equal(expected[0], actual[0]);
            if (i % 10 == 9)
            {
                System.Threading.Thread.Sleep(5); // longer than the helper's spin: it sleeps, and the next call wakes it
            }
        }
        // A small model (products below the split threshold) and one worker: a plain Predict.
        var small = new ManyToOne();
        float[] x = Enumerable.Range(0, ManyToOne.InputLength).Select(i => (float)Math.Sin(i)).ToArray();
        var y1 = new float[ManyToOne.OutputLength];
        var y2 = new float[ManyToOne.OutputLength];
        small.Predict(x, y1);
        using (var p1 = new ParallelPredictor<float>(small, workers: 1)) p1.Predict(x, y2);
        Assert.Equal(y1, y2);
        using (var p3 = new ParallelPredictor<float>(small, workers: 2)) p3.Predict(x, y2);
        Assert.Equal(y1, y2);
        // Bad input is reported as Predict reports it.
        var ex = Assert.Throws<ArgumentException>(() => parallel.Predict(new int[3], actual));
        Assert.Contains("expected 20", ex.Message);
    }

}

/// <summary>
/// Allocation-free calls that run on several threads, counted on every thread of the process (issue 14: the test of
/// ParallelPredictor counted only the calling thread, so an allocation on a worker went unseen).
/// </summary>
[Collection(AllocationCollection.Name)]
public class MultiThreadAllocationTests
{
    [Fact]
    public void Two_core_single_predictions_allocate_nothing_after_the_first_on_any_thread()
    {
        var model = new Sentiment();
        using var parallel = new ParallelPredictor<int>(model, workers: 2);
        int[] tokens = Enumerable.Range(1, Sentiment.InputLength).ToArray();
        var y = new float[1];
        Assert.Equal(0, Allocations.During(() => parallel.Predict(tokens, y)));
        Assert.Equal(0, Allocations.DuringOnAllThreads(() => parallel.Predict(tokens, y)));
    }

    [Fact]
    public void Parallel_batches_allocate_nothing_after_the_first_on_any_thread()
    {
        var model = new Stacked(new ModelOptions { MaxBatch = 8 });
        using var parallel = new ParallelPredictor<float>(model, workers: 3);
        float[] x = Enumerable.Range(0, 40 * Stacked.InputLength).Select(i => MathF.Sin(i)).ToArray();
        var y = new float[40];
        Assert.Equal(0, Allocations.DuringOnAllThreads(() => parallel.PredictBatch(x, y, 40)));
    }

    [Fact]
    public void Split_training_steps_allocate_nothing_after_the_first_on_any_thread()
    {
        var model = new Sentiment(new ModelOptions { Seed = 2 });
        int[] tokens = Enumerable.Range(0, 8 * Sentiment.InputLength).Select(i => (i * 37) % 5000).ToArray();
        float[] labels = Enumerable.Range(0, 8).Select(i => (float)(i % 2)).ToArray();
        var adam = new Adam();
        using var splitter = new ProductSplitter();
        void Step()
        {
            using (splitter.Enter())
            {
                model.TrainStep(tokens, labels, 8, Loss.BinaryCrossEntropy, adam);
            }
        }
        Assert.Equal(0, Allocations.DuringOnAllThreads(Step, repeats: 1));
    }

    [Fact]
    public void Fit_on_two_workers_keeps_its_replica_and_threads_for_the_next_call()
    {
        // A replica's workspaces (sized for MaxBatch) and a new worker thread's kernel buffers were allocated by every
        // Fit call; short calls, as in a hand-written epoch loop, paid for them each time. Now the second call allocates
        // only its batch buffers and history.
        var model = new WideLstm(new ModelOptions { Seed = 5, MaxBatch = 256 });
        long before = GC.GetAllocatedBytesForCurrentThread();
        model.CreateReplica();
        long replica = GC.GetAllocatedBytesForCurrentThread() - before;
        var rng = new Random(8);
        float[] x = Enumerable.Range(0, 32 * WideLstm.InputLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] y = Enumerable.Range(0, 32).Select(_ => (float)rng.NextDouble()).ToArray();
        var options = new FitOptions { Loss = Loss.MeanSquaredError, BatchSize = 16, Workers = 2, Verbose = Verbosity.Silent };
        long fit = Allocations.DuringOnAllThreads(() => model.Fit(x, y, options), repeats: 1, rounds: 5);
        Assert.True(replica > 1_000_000, $"replica {replica} bytes"); // what a new replica per call would cost
        Assert.True(fit < replica / 10, $"a Fit call allocated {fit} bytes; a replica is {replica}");
    }

    [Fact]
    public void An_allocation_on_a_worker_thread_is_counted()
    {
        // The teeth of the two tests above: replicas that allocate 64 bytes per call on the worker threads only. The
        // calling thread's counter sees nothing; the count over every thread sees each of them.
        var model = new AllocatingReplicas(new ManyToOne());
        using var parallel = new ParallelPredictor<float>(model, workers: 3);
        float[] x = new float[12 * ManyToOne.InputLength]; // 12 rows: all 3 workers run (at least 4 rows each)
        var y = new float[12];
        Assert.Equal(0, Allocations.During(() => parallel.PredictBatch(x, y, 12), 20));
        Assert.True(Allocations.DuringOnAllThreads(() => parallel.PredictBatch(x, y, 12), repeats: 3) >= 2 * 3 * 64); // 2 workers, 3 calls
    }

    /// <summary>A model whose replicas (used on worker threads) allocate on every PredictBatch; the original does not.</summary>
    private sealed class AllocatingReplicas(ITrainableModel<float> inner, bool allocate = false) : ITrainableModel<float>
    {
        public static object? Sink;

        public WeightStore Weights => inner.Weights;
        public int InputLength => inner.InputLength;
        public int OutputLength => inner.OutputLength;
        public int OutputFeatures => inner.OutputFeatures;
        public int MaxBatch => inner.MaxBatch;
        public WeightStore Gradients => inner.Gradients;

        public void Predict(ReadOnlySpan<float> input, Span<float> output) => PredictBatch(input, output, 1);

        public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
        {
            if (allocate) Sink = new byte[40]; // 64 bytes with the array header
            inner.PredictBatch(inputs, outputs, batchSize);
        }

        public void ValidateInputs(ReadOnlySpan<float> inputs, string paramName) => inner.ValidateInputs(inputs, paramName);

        public ITrainableModel<float> CreateReplica() => new AllocatingReplicas(inner.CreateReplica(), allocate: true);

        public int TargetLength(Loss loss) => inner.TargetLength(loss);

        public ModelArchitecture Architecture => inner.Architecture;

        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Loss loss,
            Span<float> inputGradients = default, Span<float> outputs = default, bool training = true) =>
            inner.ComputeGradients(inputs, targets, batchSize, loss, inputGradients, outputs, training);

        public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Loss loss, Span<float> outputs = default) =>
            inner.ComputeLoss(inputs, targets, batchSize, loss, outputs);
    }
}

/// <summary>LSTM(96) on 10 features: 41 K parameters, all with a gradient at every step (no embedding rows left out).</summary>
[Sequential, Input(6, 10), Lstm(96), Dense(1)]
public partial class WideLstm;
