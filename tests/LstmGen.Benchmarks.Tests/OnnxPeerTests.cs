using System;
using System.Linq;
using Xunit;

namespace LstmGen.Benchmarks.Tests;

/// <summary>
/// The ONNX Runtime workloads that `compare` times compute what LstmGen computes: each one's first call (the timed call
/// itself, pre-allocated OrtValues and, for W3, the state fed back step after step) against LstmGen on the same model,
/// weights and inputs, within 1e-5 (relative above 1), at 1 and 2 intra-op threads.
/// </summary>
public class OnnxPeerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_timed_OnnxRuntime_call_gives_LstmGen_outputs(int threads)
    {
        using var peer = new OnnxPeer();
        var workloads = peer.Workloads(threads, _ => true);
        Assert.Equal(["W1 infer_b1", "W1 infer_b32", "W2 infer_b1", "W2 infer_b32", "W3 stream_h8", "W3 stream_h32", "W3 stream_h64", "W4 forward"],
            workloads.Select(w => $"{w.Name} {w.Variant}"));
        foreach (OnnxWorkload w in workloads)
        {
            Assert.Equal(threads, w.Threads);
            w.Run();
            float[] got = w.Output(), want = w.Reference();
            Assert.Equal(want.Length, got.Length);
            Assert.Contains(want, v => v != 0f);
            for (int i = 0; i < want.Length; i++)
            {
                float bound = 1e-5f * MathF.Max(1f, MathF.Abs(want[i]));
                Assert.True(MathF.Abs(got[i] - want[i]) <= bound,
                    $"{w.Name} {w.Variant}, {threads} thread(s): element {i} is {got[i]:R} in ONNX Runtime, {want[i]:R} in LstmGen.");
            }
        }
    }
}
