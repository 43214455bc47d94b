using System;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>The streaming form gives exactly the numbers of the whole-sequence call.</summary>
public class StreamingTests
{
    [Fact]
    public void Step_outputs_equal_the_sequence_outputs()
    {
        ReferenceCase c = ReferenceCase.Load("many_to_many_same"); // Lstm(4, seq) -> TimeDistributed(Dense(3, sigmoid))
        var model = (ManyToManySame)KerasReferenceTests.Loaded(new ManyToManySame(), c);
        var stream = model.OpenStream();
        var y = new float[ManyToManySame.Streamer.StepOutputLength];
        for (int b = 0; b < c.Batch; b++)
        {
            stream.Reset();
            for (int t = 0; t < ManyToManySame.InputSteps; t++)
            {
                stream.Step(c.FloatInput.AsSpan((b * 6 + t) * 2, 2), y);
                KerasReferenceTests.AssertClose(c.Output.AsSpan((b * 6 + t) * 3, 3), y, $"sample {b} step {t}");
            }
        }
    }

    public static TheoryData<string> StreamModels => new() { nameof(StreamH8), nameof(StreamH8F3), nameof(StreamH32F2), nameof(StreamH64), nameof(StreamH32NoBias) };

    [Theory]
    [MemberData(nameof(StreamModels))]
    public void Step_outputs_equal_the_sequence_outputs_for_every_streaming_kernel(string name)
    {
        // Specialised register kernels (LSTM(8), LSTM(32)) and the general step, against the batch path (itself checked
        // against TF.js), over 30 steps with inputs large enough to saturate some gates.
        (ISequentialModel<float> model, int features, int units, Action<float[], float[]> step) = name switch
        {
            nameof(StreamH8) => Open(new StreamH8(), 1, 8, m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }),
            nameof(StreamH8F3) => Open(new StreamH8F3(), 3, 8, m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }),
            nameof(StreamH32F2) => Open(new StreamH32F2(), 2, 32, m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }),
            nameof(StreamH64) => Open(new StreamH64(), 1, 64, m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }),
            _ => Open(new StreamH32NoBias(), 1, 32, m => { var s = m.OpenStream(); return (x, y) => s.Step(x, y); }),
        };
        var rng = new Random(name.Length);
        float[] input = new float[30 * features];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(rng.NextDouble() * 4 - 2);
        float[] expected = new float[30 * units];
        model.Predict(input, expected);
        float[] x = new float[features], y = new float[units];
        for (int t = 0; t < 30; t++)
        {
            input.AsSpan(t * features, features).CopyTo(x);
            step(x, y);
            KerasReferenceTests.AssertClose(expected.AsSpan(t * units, units), y, $"{name} step {t}");
        }
    }

    private static (ISequentialModel<float>, int, int, Action<float[], float[]>) Open<T>(T model, int features, int units, Func<T, Action<float[], float[]>> open)
        where T : ISequentialModel<float>
    {
        // Larger recurrent weights than the orthogonal default, so that gates saturate and the cell grows.
        var weights = model.Weights;
        foreach (WeightInfo e in weights.Entries)
        {
            Span<float> v = weights[e.Name];
            for (int i = 0; i < v.Length; i++) v[i] *= 2.5f;
        }
        return (model, features, units, open(model));
    }

    [Fact]
    public void Last_step_equals_the_many_to_one_output_for_stacked_lstms()
    {
        ReferenceCase c = ReferenceCase.Load("stacked");
        var model = (Stacked)KerasReferenceTests.Loaded(new Stacked(), c);
        var stream = model.OpenStream();
        var y = new float[1];
        for (int b = 0; b < c.Batch; b++)
        {
            stream.Reset();
            for (int t = 0; t < 10; t++) stream.Step(c.FloatInput.AsSpan(b * 10 + t, 1), y);
            KerasReferenceTests.AssertClose(c.Output.AsSpan(b, 1), y, $"sample {b}");
        }
    }

    [Fact]
    public void Padding_tokens_leave_the_state_unchanged_as_masking_does()
    {
        ReferenceCase c = ReferenceCase.Load("embedding_mask"); // post-, pre- and mid-padded samples
        var model = (EmbeddingMask)KerasReferenceTests.Loaded(new EmbeddingMask(), c);
        var stream = model.OpenStream();
        var y = new float[1];
        int[] tokens = c.TokenInput;
        for (int b = 0; b < c.Batch; b++)
        {
            stream.Reset();
            for (int t = 0; t < 8; t++) stream.Step(tokens[b * 8 + t], y);
            KerasReferenceTests.AssertClose(c.Output.AsSpan(b, 1), y, $"sample {b}");
        }
    }

    [Fact]
    public void State_can_be_read_set_and_reset_as_plain_data()
    {
        var model = new Stacked(new ModelOptions { Seed = 3 });
        var stream = model.OpenStream();
        Assert.Equal(200, Stacked.Streamer.StateLength); // two LSTM(50): h and c each
        var y = new float[1];
        float[] xs = [0.1f, -0.4f, 0.9f, 0.3f, -0.2f];
        for (int t = 0; t < 3; t++) stream.Step(xs.AsSpan(t, 1), y);
        var saved = new float[Stacked.Streamer.StateLength];
        stream.GetState(saved);
        Assert.Contains(saved, v => v != 0);

        stream.Step(xs.AsSpan(3, 1), y);
        stream.Step(xs.AsSpan(4, 1), y);
        float first = y[0];

        stream.SetState(saved);
        stream.Step(xs.AsSpan(3, 1), y);
        stream.Step(xs.AsSpan(4, 1), y);
        Assert.Equal(first, y[0]);

        stream.Reset();
        Assert.All(stream.State.ToArray(), v => Assert.Equal(0f, v));

        var bad = new float[Stacked.Streamer.StateLength];
        bad[5] = float.NaN;
        Assert.Throws<ArgumentException>(() => stream.SetState(bad));
        Assert.Throws<ArgumentException>(() => stream.SetState(new float[3]));
        Assert.Throws<ArgumentException>(() => stream.Step(new float[2], y));
    }

    [Fact]
    public void Only_forward_lstm_models_have_a_streaming_form()
    {
        Assert.NotNull(typeof(Stacked).GetMethod("OpenStream"));
        Assert.Null(typeof(BidirectionalSum).GetMethod("OpenStream"));
        Assert.Null(typeof(GoBackwardsSeq).GetMethod("OpenStream"));
        Assert.Null(typeof(ManyToManySlice).GetMethod("OpenStream"));
    }
}
