using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// The threading contract (issue 14): a model instance serves one call at a time; a call from another thread while one
/// runs throws InvalidOperationException at once, so many threads hammering one instance get correct results or that
/// exception, never a wrong number. Replicas (CreateReplica) run in parallel with exact results.
/// </summary>
[Collection(nameof(AllocationCollection))] // alone: the stress wants both cores
public class ConcurrencyTests
{
    private const int Threads = 8, CallsPerThread = 1500;

    private static (Stacked Model, float[][] Inputs, float[][] Expected) Setup()
    {
        var model = new Stacked(new ModelOptions { Seed = 5 });
        var rng = new Random(11);
        float[][] inputs = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, Stacked.InputLength).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        float[][] expected = inputs.Select(x => model.Predict(x)).ToArray();
        return (model, inputs, expected);
    }

    /// <summary>Runs <paramref name="call"/> on many threads; returns (correct, refused); fails on a wrong result or another exception.</summary>
    private static (int Correct, int Refused) Hammer(Func<int, int, bool> call, int callsPerThread = CallsPerThread)
    {
        int correct = 0, refused = 0, wrong = 0;
        var errors = new ConcurrentQueue<Exception>();
        var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < callsPerThread; i++)
            {
                try
                {
                    if (call(t, i)) Interlocked.Increment(ref correct); else Interlocked.Increment(ref wrong);
                }
                catch (InvalidOperationException e) when (e.Message.Contains("already running a call on another thread", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();
        Assert.Empty(errors);
        Assert.Equal(0, wrong);
        Assert.Equal(Threads * callsPerThread, correct + refused);
        return (correct, refused);
    }

    [Fact]
    public void Predict_on_one_instance_from_many_threads_is_correct_or_refused()
    {
        (Stacked model, float[][] inputs, float[][] expected) = Setup();
        (int correct, int refused) = Hammer((t, i) =>
        {
            int k = (t * 7 + i) % inputs.Length;
            var y = new float[Stacked.OutputLength];
            model.Predict(inputs[k], y);
            return y.AsSpan().SequenceEqual(expected[k]);
        });
        Assert.True(correct > 0 && refused > 0, $"{correct} correct, {refused} refused: the threads did not overlap, the test showed nothing");
    }

    [Fact]
    public void PredictBatch_and_ComputeGradients_on_one_instance_are_correct_or_refused()
    {
        (Stacked model, float[][] inputs, float[][] expected) = Setup();
        float[] batch = inputs.SelectMany(x => x).ToArray();
        float[] all = expected.SelectMany(y => y).ToArray();
        float[] targets = all.Select(v => v + 0.25f).ToArray();
        float lossExpected = model.ComputeGradients(batch, targets, inputs.Length, Loss.MeanSquaredError);
        (int correct, int refused) = Hammer((t, i) =>
        {
            if ((t + i) % 2 == 0)
            {
                var y = new float[all.Length];
                model.PredictBatch(batch, y, inputs.Length);
                return y.AsSpan().SequenceEqual(all);
            }
            return model.ComputeGradients(batch, targets, inputs.Length, Loss.MeanSquaredError) == lossExpected;
        });
        Assert.True(correct > 0 && refused > 0, $"{correct} correct, {refused} refused");
    }

    [Fact]
    public void A_stream_stepped_from_many_threads_is_refused_not_corrupted()
    {
        var model = new ManyToOne(new ModelOptions { Seed = 3 });
        var stream = model.OpenStream();
        var steps = new ConcurrentQueue<int>();
        (int correct, int refused) = Hammer((t, i) =>
        {
            var y = new float[ManyToOne.Streamer.StepOutputLength];
            stream.Step(new float[ManyToOne.Streamer.StepInputLength], y);
            return float.IsFinite(y[0]);
        }, callsPerThread: 50_000); // a step takes about 100 ns: many more calls for the threads to overlap
        Assert.True(refused > 0, "the threads did not overlap");
        Assert.True(correct > 0);
    }

    [Fact]
    public void Replicas_on_separate_threads_are_exact()
    {
        (Stacked model, float[][] inputs, float[][] expected) = Setup();
        Stacked[] replicas = Enumerable.Range(0, Threads).Select(_ => model.CreateReplica()).ToArray();
        (int correct, int refused) = Hammer((t, i) =>
        {
            int k = (t * 5 + i) % inputs.Length;
            return replicas[t].Predict(inputs[k]).AsSpan().SequenceEqual(expected[k]);
        });
        Assert.Equal(0, refused);
        Assert.Equal(Threads * CallsPerThread, correct);
    }

    [Fact]
    public void Two_worker_Fit_calls_on_separate_models_at_once_train_as_they_do_alone()
    {
        // Fit keeps its worker pools between calls and hands idle ones to the next caller: calls running at once on every
        // thread (each on its own model) must each get a pool of their own and train exactly as one call alone does.
        var rng = new Random(4);
        float[] x = Enumerable.Range(0, 48 * Stacked.InputLength).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] y = Enumerable.Range(0, 48).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] Train()
        {
            var model = new Stacked(new ModelOptions { Seed = 5 });
            for (int i = 0; i < 6; i++)
            {
                model.Fit(x, y, new FitOptions { Loss = Loss.MeanSquaredError, Epochs = 1, BatchSize = 8, Seed = 2, Workers = 2, Optimizer = new Sgd(0.05f), Verbose = Verbosity.Silent });
            }
            return model.Weights.Parameters;
        }
        float[] alone = Train();
        (int correct, int refused) = Hammer((t, i) => Train().AsSpan().SequenceEqual(alone), callsPerThread: 1);
        Assert.Equal(0, refused);
        Assert.Equal(Threads, correct);
    }
}
