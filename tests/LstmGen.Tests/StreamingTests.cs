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
