using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Export;
using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Benchmarks;

/// <summary>One ONNX Runtime workload: LstmGen's model exported by <see cref="OnnxExport"/>, run at a given intra-op thread count.</summary>
public sealed record OnnxWorkload(string Name, string Variant, int Threads, Action Run, int StepsPerCall = 1);

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
            if (wanted("W1"))
            {
                InferenceSession w1 = Session(new W1Model(), threads);
                list.Add(new("W1", "infer_b1", threads, Call(w1, Tensor(tokens.AsSpan(0, W1Model.InputLength).ToArray(), 1, W1Model.InputLength), Output(1, 1))));
                list.Add(new("W1", "infer_b32", threads, Call(w1, Tensor(tokens, 32, W1Model.InputLength), Output(32, 1))));
            }
            if (wanted("W2"))
            {
                InferenceSession w2 = Session(new W2Model(), threads);
                list.Add(new("W2", "infer_b1", threads, Call(w2, Tensor(series.AsSpan(0, W2Model.InputLength).ToArray(), 1, 10, 1), Output(1, 1))));
                list.Add(new("W2", "infer_b32", threads, Call(w2, Tensor(series, 32, 10, 1), Output(32, 1))));
            }
        }
        if (wanted("W3"))
        {
            list.Add(Stream(new W3Lstm8(), 8, threads));
            list.Add(Stream(new W3Lstm32(), 32, threads));
            list.Add(Stream(new W3Lstm64(), 64, threads));
        }
        if (wanted("W4"))
        {
            var rng = new Random(5);
            float[] x = new float[64 * W4Model.InputLength];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
            InferenceSession w4 = Session(new W4Model(), threads);
            list.Add(new("W4", "forward", threads, Call(w4, Tensor(x, 64, 100, 128), Output(64, 100, 512))));
        }
        return list;
    }

    /// <summary>W3: 1000 steps per call of the one-step model, each step's final states fed back as the next step's initial states.</summary>
    private OnnxWorkload Stream(ISequentialModel model, int units, int threads)
    {
        const int Steps = 1000;
        InferenceSession session = Session(model, threads, stateInputs: true);
        OrtValue x = Tensor(new[] { 0.3f }, 1, 1, 1);
        OrtValue y = Output(1, units);
        OrtValue[] a = { Output(1, units), Output(1, units) }, b = { Output(1, units), Output(1, units) };
        string[] inputNames = { "input", "lstm/h_in", "lstm/c_in" };
        string[] outputNames = { "output", "lstm/h_out", "lstm/c_out" };
        OrtValue[] inA = { x, a[0], a[1] }, outB = { y, b[0], b[1] }, inB = { x, b[0], b[1] }, outA = { y, a[0], a[1] };
        return new("W3", $"stream_h{units}", threads, () =>
        {
            for (int i = 0; i < Steps; i += 2)
            {
                session.Run(_run, inputNames, inA, outputNames, outB);
                session.Run(_run, inputNames, inB, outputNames, outA);
            }
        }, Steps);
    }

    private Action Call(InferenceSession session, OrtValue input, OrtValue output)
    {
        string[] inputNames = { "input" }, outputNames = { "output" };
        OrtValue[] inputs = { input }, outputs = { output };
        return () => session.Run(_run, inputNames, inputs, outputNames, outputs);
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
