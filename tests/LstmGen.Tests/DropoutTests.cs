using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests.Models
{
    // Probe models for the dropout tests: weights chosen (DropoutTests.SetProbeWeights) so that each layer's dropout mask
    // shows in the outputs. 8 steps of 32 features.
    [Sequential, Input(8, 32), Dense(32, UseBias = false), Dropout(0.3)]
    public partial class DropProbe30;

    [Sequential, Input(8, 32), Dense(32, UseBias = false), Dropout(0.75)]
    public partial class DropProbe75;

    [Sequential, Input(8, 32), Dense(32, UseBias = false), Dropout(0.5, Seed = 7)]
    public partial class DropProbeSeeded;

    [Sequential, Input(8, 32), Dense(32, UseBias = false), SpatialDropout1D(0.4)]
    public partial class SpatialDropProbe;

    // Input dropout of the recurrent layers: h_t = x_t ⊙ mask.
    [Sequential, Input(8, 32), SimpleRnn(32, Activation = Activation.Linear, UseBias = false, Dropout = 0.4, ReturnSequences = true)]
    public partial class SimpleRnnInputDropProbe;

    [Sequential, Input(8, 32), Gru(32, Activation = Activation.Linear, Dropout = 0.4, ReturnSequences = true)]
    public partial class GruInputDropProbe;

    [Sequential, Input(8, 32), Lstm(32, Activation = Activation.Linear, Dropout = 0.4, ReturnSequences = true)]
    public partial class LstmInputDropProbe;

    // Recurrent dropout: h_t = x_t + h_{t-1} ⊙ mask.
    [Sequential, Input(8, 32), SimpleRnn(32, Activation = Activation.Linear, UseBias = false, RecurrentDropout = 0.4, ReturnSequences = true)]
    public partial class SimpleRnnRecurrentDropProbe;

    [Sequential, Input(8, 32), Gru(32, Activation = Activation.Linear, RecurrentDropout = 0.4, ReturnSequences = true)]
    public partial class GruRecurrentDropProbe;

    [Sequential, Input(8, 32), Lstm(32, Activation = Activation.Linear, RecurrentDropout = 0.4, ReturnSequences = true)]
    public partial class LstmRecurrentDropProbe;

    // A stream and every inference path of a model with all kinds of dropout.
    [Sequential, Input(6, 3), Lstm(5, Dropout = 0.3, RecurrentDropout = 0.3, ReturnSequences = true), Dropout(0.5), Gru(4, Dropout = 0.2, RecurrentDropout = 0.4), Dense(2)]
    public partial class StreamDropModel;
}

namespace LstmGen.Tests
{
    /// <summary>
    /// Dropout (Keras semantics, issue 10): in training mode (<c>ComputeGradients(..., outputs, training: true)</c> returns
    /// the training-mode outputs) each value is dropped with probability rate and the others are scaled by exactly
    /// 1 / (1 - rate); SpatialDropout1D drops whole features at every step; the Dropout and RecurrentDropout masks of LSTM,
    /// GRU and SimpleRNN layers are fixed across the steps of a sequence and differ between the sequences of a batch and
    /// between calls; masks replay from the seed and <c>DropoutPasses</c>; a layer's own Seed is independent of the model
    /// seed; replicas draw their own masks; dropout is the identity in Predict, PredictBatch, ComputeLoss, Evaluate, streams
    /// and <c>training: false</c>. The probe models have weights chosen so that the masks show in the outputs. Everything
    /// is seeded: the binomial bounds (4.5 standard deviations) are deterministic checks.
    /// </summary>
    public class DropoutTests
    {
        private const int Steps = 8, Features = 32, Batch = 64;

        // ---------------------------------------------------------------------------------------------------------------
        // Probes: weights that make the masks visible
        // ---------------------------------------------------------------------------------------------------------------

        /// <summary>
        /// Dense: kernel = I. SimpleRNN: kernel = I, recurrent kernel = I for the recurrent-dropout probe (else 0), linear.
        /// GRU: z ≈ 0 (input bias -30), r ≈ 1 (+30), candidate kernel I (and candidate recurrent kernel I for the
        /// recurrent probe), linear: h ≈ candidate. LSTM: i, o ≈ 1 (+30), f ≈ 0 (-30), cell kernel I (and cell recurrent
        /// kernel I), linear: h = c ≈ g. So an input-dropout probe gives h_t = x_t ⊙ m and a recurrent one
        /// h_t = x_t + h_{t-1} ⊙ m.
        /// </summary>
        private static T Probe<T>(T model) where T : ISequentialModel
        {
            WeightStore w = model.Weights;
            Array.Clear(w.Parameters);
            const int u = Features;
            foreach (WeightInfo e in w.Entries)
            {
                Span<float> v = w[e.Name];
                string role = e.Name[(e.Name.LastIndexOf('/') + 1)..];
                bool recurrentProbe = model.GetType().Name.Contains("Recurrent", StringComparison.Ordinal);
                int gates = e.Dimensions.Count == 2 ? e.Dimensions[1] / u : 0;
                switch (model.Architecture.Layers[0].ClassName, role)
                {
                    case ("Dense", "kernel"):
                    case ("SimpleRNN", "kernel"):
                        Identity(v, u, 1, 0);
                        break;
                    case ("SimpleRNN", "recurrent_kernel"):
                        if (recurrentProbe) Identity(v, u, 1, 0);
                        break;
                    case ("GRU", "kernel"):
                        Identity(v, u, 3, 2); // gates z, r, h: the candidate block
                        break;
                    case ("GRU", "recurrent_kernel"):
                        if (recurrentProbe) Identity(v, u, 3, 2);
                        break;
                    case ("GRU", "bias"): // (2, 3u): input bias z = -30 (z ≈ 0), r = +30 (r ≈ 1)
                        v[..u].Fill(-30f);
                        v[u..(2 * u)].Fill(30f);
                        break;
                    case ("LSTM", "kernel"):
                        Identity(v, u, 4, 2); // gates i, f, c, o: the cell block
                        break;
                    case ("LSTM", "recurrent_kernel"):
                        if (recurrentProbe) Identity(v, u, 4, 2);
                        break;
                    case ("LSTM", "bias"):
                        v[..u].Fill(30f);
                        v[u..(2 * u)].Fill(-30f);
                        v[(3 * u)..].Fill(30f);
                        break;
                    default:
                        throw new InvalidOperationException($"{e.Name} ({gates} gates)");
                }
            }
            return model;
        }

        private static void Identity(Span<float> v, int u, int gates, int gate)
        {
            for (int i = 0; i < u; i++) v[i * gates * u + gate * u + i] = 1f;
        }

        private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

        /// <summary>Input 1 at the first step only (recurrent probes: the state then carries it through the masks).</summary>
        private static float[] FirstStepOnes(int batch)
        {
            var x = new float[batch * Steps * Features];
            for (int b = 0; b < batch; b++) x.AsSpan(b * Steps * Features, Features).Fill(1f);
            return x;
        }

        /// <summary>The model's outputs in training mode (dropout on) for one ComputeGradients call.</summary>
        private static float[] TrainingOutputs(ITrainableModel<float> model, float[] x, int batch)
        {
            var outputs = new float[batch * model.OutputLength];
            model.ComputeGradients(x, new float[batch * model.OutputLength], batch, Loss.MeanSquaredError, outputs: outputs, training: true);
            return outputs;
        }

        private static float[] PredictOutputs(ISequentialModel<float> model, float[] x, int batch)
        {
            var outputs = new float[batch * model.OutputLength];
            model.PredictBatch(x, outputs, batch);
            return outputs;
        }

        private static float Scale(double rate) => 1f / (1f - (float)rate);

        private static ulong Passes(object model) => (ulong)model.GetType().GetProperty("DropoutPasses")!.GetValue(model)!;

        /// <summary>|dropped - n·rate| within 4.5 binomial standard deviations.</summary>
        private static void AssertBinomial(int dropped, int n, double rate, string what)
        {
            double expected = n * rate, sd = Math.Sqrt(n * rate * (1 - rate));
            Assert.True(Math.Abs(dropped - expected) <= 4.5 * sd,
                $"{what}: {dropped} of {n} dropped ({(double)dropped / n:P2}), expected {expected:F0} ± {4.5 * sd:F0} (rate {rate}).");
        }

        // ---------------------------------------------------------------------------------------------------------------
        // Dropout: rate and scale
        // ---------------------------------------------------------------------------------------------------------------

        public static TheoryData<string, double> DropoutProbes => new() { { nameof(DropProbe30), 0.3 }, { nameof(DropProbe75), 0.75 } };

        private static ITrainableModel<float> Create(string name, ModelOptions? o = null) => name switch
        {
            nameof(DropProbe30) => Probe(new DropProbe30(o)),
            nameof(DropProbe75) => Probe(new DropProbe75(o)),
            nameof(DropProbeSeeded) => Probe(new DropProbeSeeded(o)),
            nameof(SpatialDropProbe) => Probe(new SpatialDropProbe(o)),
            nameof(SimpleRnnInputDropProbe) => Probe(new SimpleRnnInputDropProbe(o)),
            nameof(GruInputDropProbe) => Probe(new GruInputDropProbe(o)),
            nameof(LstmInputDropProbe) => Probe(new LstmInputDropProbe(o)),
            nameof(SimpleRnnRecurrentDropProbe) => Probe(new SimpleRnnRecurrentDropProbe(o)),
            nameof(GruRecurrentDropProbe) => Probe(new GruRecurrentDropProbe(o)),
            nameof(LstmRecurrentDropProbe) => Probe(new LstmRecurrentDropProbe(o)),
            _ => throw new ArgumentException(name),
        };

        [Theory]
        [MemberData(nameof(DropoutProbes))]
        public void Dropout_drops_the_rate_and_scales_the_rest_by_exactly_one_over_one_minus_rate(string name, double rate)
        {
            ITrainableModel<float> model = Create(name, new ModelOptions { Seed = 11, MaxBatch = Batch });
            float[] x = Ones(Batch * model.InputLength);
            Assert.Equal(x, PredictOutputs(model, x, Batch)); // the probe is the identity without dropout
            int dropped = 0, n = 0;
            var perPosition = new int[model.OutputLength];
            for (int call = 0; call < 5; call++)
            {
                float[] y = TrainingOutputs(model, x, Batch);
                for (int i = 0; i < y.Length; i++)
                {
                    if (y[i] == 0f) { dropped++; perPosition[i % perPosition.Length]++; }
                    else Assert.True(y[i] == Scale(rate), $"{name}: kept value {y[i]:R} at {i}, expected exactly 1 / (1 - {rate}) = {Scale(rate):R}.");
                }
                n += y.Length;
            }
            AssertBinomial(dropped, n, rate, name);
            // Every element is dropped independently: also at each step and each feature, over the 5 × 64 sequences.
            for (int t = 0; t < Steps; t++)
            {
                AssertBinomial(Enumerable.Range(0, Features).Sum(f => perPosition[t * Features + f]), 5 * Batch * Features, rate, $"{name} step {t}");
            }
            for (int f = 0; f < Features; f++)
            {
                AssertBinomial(Enumerable.Range(0, Steps).Sum(t => perPosition[t * Features + f]), 5 * Batch * Steps, rate, $"{name} feature {f}");
            }
        }

        [Fact]
        public void Dropout_masks_differ_between_steps_and_sequences()
        {
            ITrainableModel<float> model = Create(nameof(DropProbe30), new ModelOptions { Seed = 3, MaxBatch = Batch });
            float[] y = TrainingOutputs(model, Ones(Batch * model.InputLength), Batch);
            int n = Steps * Features;
            // Plain Dropout has no noise shape: a step's mask is not the previous step's, a sequence's not the previous one's.
            for (int b = 0; b < Batch; b++)
            {
                for (int t = 1; t < Steps; t++)
                {
                    Assert.False(y.AsSpan(b * n + t * Features, Features).SequenceEqual(y.AsSpan(b * n + (t - 1) * Features, Features)), $"sample {b} step {t}");
                }
                if (b > 0) Assert.False(y.AsSpan(b * n, n).SequenceEqual(y.AsSpan((b - 1) * n, n)), $"sample {b}");
            }
        }

        // ---------------------------------------------------------------------------------------------------------------
        // SpatialDropout1D: whole features at every step
        // ---------------------------------------------------------------------------------------------------------------

        [Fact]
        public void SpatialDropout1D_drops_whole_features_at_every_step()
        {
            const double rate = 0.4;
            ITrainableModel<float> model = Create(nameof(SpatialDropProbe), new ModelOptions { Seed = 5, MaxBatch = Batch });
            float[] x = Ones(Batch * model.InputLength);
            Assert.Equal(x, PredictOutputs(model, x, Batch));
            int dropped = 0, n = 0;
            float[]? previous = null;
            for (int call = 0; call < 32; call++) // 65 536 features: a rate 5% off is 13 standard deviations away
            {
                float[] y = TrainingOutputs(model, x, Batch);
                for (int b = 0; b < Batch; b++)
                {
                    for (int f = 0; f < Features; f++)
                    {
                        float first = y[b * Steps * Features + f];
                        Assert.True(first == 0f || first == Scale(rate), $"sample {b} feature {f}: {first:R}, expected 0 or exactly {Scale(rate):R}");
                        for (int t = 1; t < Steps; t++)
                        {
                            Assert.True(y[(b * Steps + t) * Features + f] == first, $"sample {b} feature {f}: step {t} is {y[(b * Steps + t) * Features + f]:R}, step 0 {first:R} (a feature is dropped at every step or at none)");
                        }
                        dropped += first == 0f ? 1 : 0;
                        n++;
                    }
                }
                if (previous is not null) Assert.False(previous.AsSpan().SequenceEqual(y), $"call {call} drew the masks of the call before");
                previous = y;
            }
            AssertBinomial(dropped, n, rate, "SpatialDropout1D features");
        }

        // ---------------------------------------------------------------------------------------------------------------
        // Recurrent layers: Dropout (input mask) and RecurrentDropout (state mask), fixed across the steps
        // ---------------------------------------------------------------------------------------------------------------

        public static TheoryData<string> InputDropoutProbes => new(nameof(SimpleRnnInputDropProbe), nameof(GruInputDropProbe), nameof(LstmInputDropProbe));

        public static TheoryData<string> RecurrentDropoutProbes => new(nameof(SimpleRnnRecurrentDropProbe), nameof(GruRecurrentDropProbe), nameof(LstmRecurrentDropProbe));

        /// <summary>The mask of each sequence: (batch, features), read from the probe's outputs; throws if not fixed across steps.</summary>
        private delegate bool[] MaskReader(float[] y, string what);

        [Theory]
        [MemberData(nameof(InputDropoutProbes))]
        public void Recurrent_input_dropout_has_one_mask_per_sequence(string name)
        {
            const double rate = 0.4;
            ITrainableModel<float> model = Create(name, new ModelOptions { Seed = 17, MaxBatch = Batch });
            float[] x = Ones(Batch * model.InputLength);
            // Dropout off: the probe passes its input through (GRU and LSTM up to their saturated gates, ~1e-13).
            AssertNear(x, PredictOutputs(model, x, Batch), name + " without dropout");
            // h_t = x_t ⊙ m: every step shows the mask, scaled by exactly 1 / (1 - rate) (SimpleRNN; GRU and LSTM to 1e-6).
            bool exact = name == nameof(SimpleRnnInputDropProbe);
            bool[] Read(float[] y, string what)
            {
                var keep = new bool[Batch * Features];
                for (int b = 0; b < Batch; b++)
                {
                    for (int f = 0; f < Features; f++)
                    {
                        float v0 = y[b * Steps * Features + f];
                        keep[b * Features + f] = v0 != 0f && MathF.Abs(v0) > 1e-6f;
                        float want = keep[b * Features + f] ? Scale(rate) : 0f;
                        for (int t = 0; t < Steps; t++)
                        {
                            float v = y[(b * Steps + t) * Features + f];
                            bool ok = exact ? v == want : MathF.Abs(v - want) <= 1e-6f * MathF.Max(1f, want);
                            Assert.True(ok, $"{what}: sample {b} feature {f} step {t} is {v:R}, expected {want:R} (the mask of step 0: one mask per sequence, kept values × 1 / (1 - rate))");
                        }
                    }
                }
                return keep;
            }
            CheckSequenceMasks(model, x, rate, name, Read);
        }

        [Theory]
        [MemberData(nameof(RecurrentDropoutProbes))]
        public void Recurrent_dropout_has_one_mask_per_sequence(string name)
        {
            const double rate = 0.4;
            ITrainableModel<float> model = Create(name, new ModelOptions { Seed = 19, MaxBatch = Batch });
            float[] x = FirstStepOnes(Batch);
            // Dropout off: h_t = x_t + h_{t-1} = 1 at every step.
            AssertNear(Ones(Batch * model.OutputLength), PredictOutputs(model, x, Batch), name + " without dropout");
            // h_0 = 1, h_t = h_{t-1} ⊙ m: a kept feature is multiplied by 1 / (1 - rate) at every step, a dropped one is 0 from
            // step 1 on; a mask that changed between steps would mix the two.
            float s = Scale(rate);
            bool[] Read(float[] y, string what)
            {
                var keep = new bool[Batch * Features];
                for (int b = 0; b < Batch; b++)
                {
                    for (int f = 0; f < Features; f++)
                    {
                        float v1 = y[(b * Steps + 1) * Features + f];
                        keep[b * Features + f] = MathF.Abs(v1) > 1e-6f;
                        float want = 1f;
                        for (int t = 0; t < Steps; t++)
                        {
                            if (t > 0) want = keep[b * Features + f] ? want * s : 0f;
                            float v = y[(b * Steps + t) * Features + f];
                            Assert.True(MathF.Abs(v - want) <= 1e-5f * MathF.Max(1f, want),
                                $"{what}: sample {b} feature {f} step {t} is {v:R}, expected {want:R} (h_t = h_(t-1) × the step-1 mask value {(keep[b * Features + f] ? s : 0f):R})");
                        }
                    }
                }
                return keep;
            }
            CheckSequenceMasks(model, x, rate, name, Read);
        }

        private static void AssertNear(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-6f, $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
            }
        }

        /// <summary>Over 32 calls (65 536 mask values: a rate 5% off is 13 standard deviations away): the rate (binomial), masks that differ between the sequences of a batch and between calls.</summary>
        private static void CheckSequenceMasks(ITrainableModel<float> model, float[] x, double rate, string name, MaskReader read)
        {
            int dropped = 0, n = 0;
            bool[]? previous = null;
            for (int call = 0; call < 32; call++)
            {
                bool[] keep = read(TrainingOutputs(model, x, Batch), $"{name} call {call}");
                dropped += keep.Count(k => !k);
                n += keep.Length;
                for (int b = 1; b < Batch; b++)
                {
                    Assert.False(keep.AsSpan(b * Features, Features).SequenceEqual(keep.AsSpan((b - 1) * Features, Features)), $"{name} call {call}: sequences {b - 1} and {b} have the same mask");
                }
                if (previous is not null) Assert.False(previous.AsSpan().SequenceEqual(keep), $"{name}: call {call} drew the masks of the call before");
                previous = keep;
            }
            AssertBinomial(dropped, n, rate, name);
        }

        // ---------------------------------------------------------------------------------------------------------------
        // Reproducibility: seed, DropoutPasses, a layer's Seed, replicas
        // ---------------------------------------------------------------------------------------------------------------

        [Fact]
        public void Masks_come_from_the_seed_and_DropoutPasses_replays_them()
        {
            var a = (DropProbe30)Create(nameof(DropProbe30), new ModelOptions { Seed = 5, MaxBatch = 16 });
            var same = (DropProbe30)Create(nameof(DropProbe30), new ModelOptions { Seed = 5, MaxBatch = 16 });
            var other = (DropProbe30)Create(nameof(DropProbe30), new ModelOptions { Seed = 6, MaxBatch = 16 });
            float[] x = Ones(Batch * DropProbe30.InputLength);
            Assert.Equal(0UL, a.DropoutPasses);
            float[] first = TrainingOutputs(a, x, Batch);
            Assert.Equal(4UL, a.DropoutPasses); // one pass per chunk of MaxBatch = 16 samples
            Assert.Equal(first, TrainingOutputs(same, x, Batch));
            Assert.NotEqual(first, TrainingOutputs(other, x, Batch));

            float[] second = TrainingOutputs(a, x, Batch);
            Assert.NotEqual(first, second);
            // Inference-mode passes draw nothing.
            a.ComputeGradients(x, new float[x.Length], Batch, Loss.MeanSquaredError, training: false);
            a.ComputeLoss(x, new float[x.Length], Batch, Loss.MeanSquaredError);
            Assert.Equal(8UL, a.DropoutPasses);
            a.DropoutPasses = 0;
            Assert.Equal(first, TrainingOutputs(a, x, Batch));
            Assert.Equal(second, TrainingOutputs(a, x, Batch));
            a.DropoutPasses = 4;
            Assert.Equal(second, TrainingOutputs(a, x, Batch));
        }

        [Fact]
        public void A_layer_Seed_makes_its_masks_independent_of_the_model_seed()
        {
            float[] x = Ones(Batch * DropProbeSeeded.InputLength);
            float[] seeded1 = TrainingOutputs(Create(nameof(DropProbeSeeded), new ModelOptions { Seed = 1, MaxBatch = Batch }), x, Batch);
            float[] seeded2 = TrainingOutputs(Create(nameof(DropProbeSeeded), new ModelOptions { Seed = 2, MaxBatch = Batch }), x, Batch);
            Assert.Equal(seeded1, seeded2);
            Assert.Contains(0f, seeded1);
            Assert.Contains(Scale(0.5), seeded1);
            // The same model without the layer's Seed follows the model seed.
            var plain = new[] { 1, 2 }.Select(s => TrainingOutputs(Create(nameof(DropProbe30), new ModelOptions { Seed = s, MaxBatch = Batch }), x, Batch)).ToArray();
            Assert.NotEqual(plain[0], plain[1]);
        }

        [Fact]
        public void Replicas_draw_their_own_masks()
        {
            var model = (DropProbe30)Create(nameof(DropProbe30), new ModelOptions { Seed = 9, MaxBatch = Batch });
            DropProbe30 r1 = model.CreateReplica(), r2 = model.CreateReplica();
            float[] x = Ones(Batch * DropProbe30.InputLength);
            float[] m = TrainingOutputs(model, x, Batch), a = TrainingOutputs(r1, x, Batch), b = TrainingOutputs(r2, x, Batch);
            Assert.Equal(1UL, r1.DropoutPasses);
            Assert.NotEqual(m, a);
            Assert.NotEqual(m, b);
            Assert.NotEqual(a, b);
            // Each replica is reproducible by itself.
            r1.DropoutPasses = 0;
            Assert.Equal(a, TrainingOutputs(r1, x, Batch));
        }

        // ---------------------------------------------------------------------------------------------------------------
        // Inference: dropout is the identity
        // ---------------------------------------------------------------------------------------------------------------

        [Theory]
        [InlineData(32)]
        [InlineData(3)] // chunks, the last one partial
        public void Dropout_is_the_identity_in_Predict_PredictBatch_ComputeLoss_Evaluate_streams_and_training_false(int maxBatch)
        {
            // The reference model with dropout layers (its Keras outputs are checked by KerasReferenceTests), and a model with
            // every kind of dropout and a stream.
            foreach (ISequentialModel m in new ISequentialModel[]
            {
                KerasReferenceTests.Loaded(new RefDropoutLayers(new ModelOptions { MaxBatch = maxBatch }), ReferenceCase.Load("dropout_layers")),
                new StreamDropModel(new ModelOptions { Seed = 4, MaxBatch = maxBatch }),
            })
            {
                var model = (ITrainableModel<float>)m;
                string name = model.GetType().Name;
                const int batch = 7;
                var rng = new Random(23);
                float[] x = Enumerable.Range(0, batch * model.InputLength).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
                float[] targets = Enumerable.Range(0, batch * model.OutputLength).Select(_ => (float)rng.NextDouble()).ToArray();
                float[] reference = PredictOutputs(model, x, batch);
                ulong passes = Passes(model);

                // Predict, one sample at a time.
                var one = new float[model.OutputLength];
                for (int b = 0; b < batch; b++)
                {
                    model.Predict(x.AsSpan(b * model.InputLength, model.InputLength), one);
                    Assert.Equal(reference.AsSpan(b * one.Length, one.Length).ToArray(), one);
                }
                // ComputeLoss and ComputeGradients(training: false): the same outputs, bit for bit, and the loss of them.
                var outputs = new float[reference.Length];
                float loss = model.ComputeLoss(x, targets, batch, Loss.MeanSquaredError, outputs);
                Assert.Equal(reference, outputs);
                double mse = reference.Select((v, i) => (double)(v - targets[i]) * (v - targets[i])).Sum() / reference.Length;
                Assert.True(Math.Abs(loss - mse) <= 1e-6 * mse, $"{name}: ComputeLoss {loss}, MSE of the Predict outputs {mse}");
                Array.Clear(outputs);
                float lossFalse = model.ComputeGradients(x, targets, batch, Loss.MeanSquaredError, outputs: outputs, training: false);
                Assert.Equal(reference, outputs);
                Assert.Equal(loss, lossFalse);
                // Evaluate: the loss of the Predict outputs.
                Assert.True(Math.Abs(model.Evaluate(x, targets, Loss.MeanSquaredError, batchSize: 4).Loss - mse) <= 1e-6 * mse, $"{name}: Evaluate");
                Assert.Equal(passes, Passes(model)); // none of these drew masks
                // Training mode does drop (so the comparisons above are not vacuous).
                float lossTrue = model.ComputeGradients(x, targets, batch, Loss.MeanSquaredError, outputs: outputs, training: true);
                Assert.NotEqual(reference, outputs);
                Assert.NotEqual(loss, lossTrue);
            }
        }

        [Fact]
        public void Dropout_is_the_identity_in_streams()
        {
            foreach ((ISequentialModel<float> model, Func<Action<float[], float[]>> open, int steps, int features, int perStep) in new (ISequentialModel<float>, Func<Action<float[], float[]>>, int, int, int)[]
            {
                Stream((RefDropoutLayers)KerasReferenceTests.Loaded(new RefDropoutLayers(), ReferenceCase.Load("dropout_layers")), 6, 3, 1),
                Stream(new StreamDropModel(new ModelOptions { Seed = 4 }), 6, 3, 2),
            })
            {
                // Train a step first so that the model has drawn masks (and a stream must not use them).
                var rng = new Random(29);
                float[] x = Enumerable.Range(0, model.InputLength).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
                var trainable = (ITrainableModel<float>)model;
                trainable.ComputeGradients(x, new float[model.OutputLength], 1, Loss.MeanSquaredError, training: true);
                float[] expected = PredictOutputs(model, x, 1);
                Action<float[], float[]> step = open();
                var y = new float[perStep];
                for (int t = 0; t < steps; t++) step(x.AsSpan(t * features, features).ToArray(), y);
                Assert.Equal(expected, y); // the last step's output is the model's output (a last-output GRU)
            }
        }

        private static (ISequentialModel<float>, Func<Action<float[], float[]>>, int, int, int) Stream(RefDropoutLayers m, int steps, int features, int perStep) =>
            (m, () => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }, steps, features, perStep);

        private static (ISequentialModel<float>, Func<Action<float[], float[]>>, int, int, int) Stream(StreamDropModel m, int steps, int features, int perStep) =>
            (m, () => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }, steps, features, perStep);
    }
}
