using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Export;
using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Benchmarks;

/// <summary>
/// One ONNX Runtime workload: LstmGen's model exported by <see cref="OnnxExport"/>, run at a given intra-op thread count.
/// <see cref="Output"/> reads the output of the last <see cref="Run"/>; <see cref="Reference"/> computes the same with
/// LstmGen (for a first call: W3's state carries on from call to call).
/// </summary>
public sealed record OnnxWorkload(string Name, string Variant, int Threads, Action Run, int StepsPerCall, Func<float[]> Output, Func<float[]> Reference);

/// <summary>
/// The inference workloads W1–W4 in ONNX Runtime: the same models and weights as LstmGen's (default-constructed, so the
/// same seeded initial weights; exported with <see cref="OnnxExport"/>), the same inputs, and the lowest-overhead call
/// ONNX Runtime has (pre-allocated OrtValues for inputs and outputs, no per-call allocation of tensors). W3 runs the
/// one-step models exported with <see cref="OnnxExportOptions.StateInputs"/>, feeding each step's final states back.
/// </summary>
public sealed class OnnxPeer : IDisposable
{
    private readonly List<IDisposable> _resources = new();
    private readonly RunOptions _run = new();

    public static string Version => OrtEnv.Instance().GetVersionString();

    public IReadOnlyList<OnnxWorkload> Workloads(int threads, Func<string, bool> wanted)
    {
        var list = new List<OnnxWorkload>();
        if (wanted("W1") || wanted("W2"))
        {
            var rng = new Random(1234); // the same inputs as Workloads.Inference()
            long[] tokens = new long[32 * W1Model.InputLength];
            for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(1, W1Model.Vocabulary);
            float[] series = new float[32 * W2Model.InputLength];
            for (int i = 0; i < series.Length; i++) series[i] = (float)rng.NextDouble();
            int[] ids = Array.ConvertAll(tokens, t => (int)t);
            if (wanted("W1"))
            {
                var model = new W1Model(new ModelOptions { MaxBatch = 32 });
                InferenceSession w1 = Session(model, threads);
                list.Add(Batch("W1", "infer_b1", threads, w1, Tensor(tokens.AsSpan(0, W1Model.InputLength).ToArray(), 1, W1Model.InputLength), [1, 1],
                    y => model.PredictBatch(ids.AsSpan(0, W1Model.InputLength), y, 1)));
                list.Add(Batch("W1", "infer_b32", threads, w1, Tensor(tokens, 32, W1Model.InputLength), [32, 1], y => model.PredictBatch(ids, y, 32)));
            }
            if (wanted("W2"))
            {
                var model = new W2Model(new ModelOptions { MaxBatch = 32 });
                InferenceSession w2 = Session(model, threads);
                list.Add(Batch("W2", "infer_b1", threads, w2, Tensor(series.AsSpan(0, W2Model.InputLength).ToArray(), 1, 10, 1), [1, 1],
                    y => model.PredictBatch(series.AsSpan(0, W2Model.InputLength), y, 1)));
                list.Add(Batch("W2", "infer_b32", threads, w2, Tensor(series, 32, 10, 1), [32, 1], y => model.PredictBatch(series, y, 32)));
            }
        }
        if (wanted("W3"))
        {
            list.Add(Stream(new W3Lstm8(), 8, threads, () => StreamReference(new W3Lstm8().OpenStream().Step, 8)));
            list.Add(Stream(new W3Lstm32(), 32, threads, () => StreamReference(new W3Lstm32().OpenStream().Step, 32)));
            list.Add(Stream(new W3Lstm64(), 64, threads, () => StreamReference(new W3Lstm64().OpenStream().Step, 64)));
        }
        if (wanted("W4"))
        {
            var rng = new Random(5);
            float[] x = new float[64 * W4Model.InputLength];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
            var model = new W4Model(new ModelOptions { MaxBatch = 64 });
            InferenceSession w4 = Session(model, threads);
            list.Add(Batch("W4", "forward", threads, w4, Tensor(x, 64, 100, 128), [64, 100, 512], y => model.PredictBatch(x, y, 64)));
        }
        return list;
    }

    /// <summary>W3: 1000 steps per call of the one-step model, each step's final states fed back as the next step's initial states.</summary>
    private const int Steps = 1000;

    private delegate void StepFn(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>W3's inputs: varying, so that the check of the output depends on every step's state (one store per step).</summary>
    private static readonly float[] StreamInputs = Enumerable.Range(0, Steps).Select(i => 0.3f + 0.25f * MathF.Sin(0.1f * i)).ToArray();

    /// <summary>LstmGen's stream over the same <see cref="Steps"/> steps: its last output.</summary>
    private static float[] StreamReference(StepFn step, int units)
    {
        var y = new float[units];
        for (int i = 0; i < Steps; i++) step(new[] { StreamInputs[i] }, y);
        return y;
    }

    private OnnxWorkload Stream(ISequentialModel model, int units, int threads, Func<float[]> reference)
    {
        InferenceSession session = Session(model, threads, stateInputs: true);
        float[] xs = { 0f }; // pinned by the OrtValue: writing it sets the input
        OrtValue x = Tensor(xs, 1, 1, 1);
        float[] inputs = StreamInputs;
        OrtValue y = Output(1, units);
        OrtValue[] a = { Output(1, units), Output(1, units) }, b = { Output(1, units), Output(1, units) };
        string[] inputNames = { "input", "lstm/h_in", "lstm/c_in" };
        string[] outputNames = { "output", "lstm/h_out", "lstm/c_out" };
        OrtValue[] inA = { x, a[0], a[1] }, outB = { y, b[0], b[1] }, inB = { x, b[0], b[1] }, outA = { y, a[0], a[1] };
        return new("W3", $"stream_h{units}", threads, () =>
        {
            for (int i = 0; i < Steps; i += 2)
            {
                xs[0] = inputs[i];
                session.Run(_run, inputNames, inA, outputNames, outB);
                xs[0] = inputs[i + 1];
                session.Run(_run, inputNames, inB, outputNames, outA);
            }
        }, Steps, () => y.GetTensorDataAsSpan<float>().ToArray(), reference);
    }

    private OnnxWorkload Batch(string name, string variant, int threads, InferenceSession session, OrtValue input, long[] outputShape,
        Action<float[]> reference)
    {
        OrtValue output = Output(outputShape);
        string[] inputNames = { "input" }, outputNames = { "output" };
        OrtValue[] inputs = { input }, outputs = { output };
        long size = outputShape.Aggregate(1L, (p, d) => p * d);
        return new(name, variant, threads, () => session.Run(_run, inputNames, inputs, outputNames, outputs), 1,
            () => output.GetTensorDataAsSpan<float>().ToArray(), () =>
            {
                var y = new float[size];
                reference(y);
                return y;
            });
    }

    private InferenceSession Session(ISequentialModel model, int threads, bool stateInputs = false)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _resources.Add(options);
        var session = new InferenceSession(OnnxExport.ToBytes(model, new OnnxExportOptions { StateInputs = stateInputs }), options);
        _resources.Add(session);
        return session;
    }

    private OrtValue Tensor(float[] data, params long[] shape) => Keep(OrtValue.CreateTensorValueFromMemory(data, shape));

    private OrtValue Tensor(long[] data, params long[] shape) => Keep(OrtValue.CreateTensorValueFromMemory(data, shape));

    private OrtValue Output(params long[] shape) => Tensor(new float[shape.Aggregate(1L, (p, d) => p * d)], shape);

    private OrtValue Keep(OrtValue value)
    {
        _resources.Add(value);
        return value;
    }

    public void Dispose()
    {
        for (int i = _resources.Count - 1; i >= 0; i--)
        {
            _resources[i].Dispose();
        }
        _resources.Clear();
        _run.Dispose();
    }
}
