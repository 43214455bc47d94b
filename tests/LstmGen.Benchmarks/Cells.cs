using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;

namespace LstmGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/LstmGen.Benchmarks -- cells [--quick]</c>: the per-step pieces a training
/// step repeats, in alternating rounds (medians of the rounds' best of 7 repetitions):
/// the prepacked recurrent product of W1 at 30, 31 and 32 rows, per row (30 rows are ten 3-row blocks; 31 and 32 add a
/// 1- or 2-row tail, which should cost no more per row than the blocks); W2's recurrent products, whose column counts
/// (200 and 50) leave a tail narrower than a 4-vector block; the SimpleRNN step at W7's shape (32 × 64)
/// against the same copy with <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/> (what the step ran
/// before it used the LSTM cell's tanh); and the LSTM forward and backward steps at W5's shape (32 rows × 64 units),
/// per cell.
/// </summary>
internal static class Cells
{
    public static int Run(string[] args)
    {
        int rounds = args.Contains("--quick") ? 5 : 30;
        var rng = new Random(3);
        float[] Values(int n, float lo, float hi)
        {
            var v = Kernels.AllocateAligned(n);
            for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * (float)rng.NextDouble();
            return v;
        }

        // W1's recurrent product (rows × 128)·(128 × 512), the kernel packed once.
        float[] a = Values(32 * 128, 0, 1), r = Values(128 * 512, -0.5f, 0.5f), c = Kernels.AllocateAligned(32 * 512), buffer = Kernels.AllocateAligned(128 * 512);
        float[] packed = Kernels.PackPanels(r, buffer, 32, 512, 128).ToArray();
        // W7's SimpleRNN step and W5's LSTM steps.
        const int Rows = 32, Units = 64;
        float[] zs = Values(Rows * Units, -2, 2), hs = Kernels.AllocateAligned(Rows * Units);
        float[] z = Values(Rows * 4 * Units, -2, 2), zw = Kernels.AllocateAligned(z.Length), cPrev = Values(Rows * Units, -1, 1);
        float[] cell = Kernels.AllocateAligned(Rows * Units), h = Kernels.AllocateAligned(Rows * Units);
        float[] dh = Values(Rows * Units, -0.1f, 0.1f), dc = Kernels.AllocateAligned(Rows * Units), dz = Kernels.AllocateAligned(z.Length);

        // W2's recurrent products (LSTM(50): 200 gate columns, 6 full 32-column blocks and an 8-column tail; backward 50
        // columns, a 48-column block and a 2-column tail).
        float[] h50 = Values(32 * 200, 0, 1), r50 = Values(50 * 200, -0.5f, 0.5f), z50 = Kernels.AllocateAligned(32 * 200);

        // Each piece: its name, the call, and what its time is divided by (rows, cells or 1); ns for the per-cell ones.
        var pieces = new (string Name, Action Run, double Per, bool Ns)[]
        {
            ("product, 30 rows (per row)", () => Kernels.GemmPrepacked(a.AsSpan(0, 30 * 128), packed, r, c, 30, 512, 128), 30, false),
            ("product, 31 rows (per row)", () => Kernels.GemmPrepacked(a.AsSpan(0, 31 * 128), packed, r, c, 31, 512, 128), 31, false),
            ("product, 32 rows (per row)", () => Kernels.GemmPrepacked(a, packed, r, c, 32, 512, 128), 32, false),
            ("W2 forward (32x50)·(50x200)", () => Kernels.Gemm(h50.AsSpan(0, 32 * 50), r50, z50, 32, 200, 50, accumulate: true), 1, false),
            ("W2 backward (32x200)·(200x50)", () => Kernels.Gemm(h50, r50, z50.AsSpan(0, 32 * 50), 32, 50, 200, accumulate: false), 1, false),
            ("SimpleRNN step 32x64", () => Kernels.SimpleRnnStep(zs, default, hs, Rows, Units, Activation.Tanh, default), 1, false),
            ("  same, TensorPrimitives.Tanh", () => { zs.AsSpan().CopyTo(hs); TensorPrimitives.Tanh(hs, hs); }, 1, false),
            ("LSTM forward step 32x64 (per cell)", () => { z.AsSpan().CopyTo(zw); Kernels.LstmStep(zw, cPrev, default, cell, h, Rows, Units, Activation.Tanh, Activation.Sigmoid, default); }, Rows * Units, true),
            ("LSTM backward step 32x64 (per cell)", () => Kernels.LstmStepBackward(zw, cell, cPrev, dh, dc, dz, Rows, Units, Activation.Tanh, Activation.Sigmoid, default), Rows * Units, true),
        };
        var samples = pieces.Select(_ => new List<double>()).ToArray();
        foreach (var piece in pieces) for (int i = 0; i < 200; i++) piece.Run(); // JIT tiers
        for (int round = 0; round < rounds; round++)
        {
            for (int j = 0; j < pieces.Length; j++)
            {
                double best = double.MaxValue;
                for (int rep = 0; rep < 7; rep++)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int q = 0; q < 20; q++) pieces[j].Run();
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / 20);
                }
                samples[j].Add(best / pieces[j].Per);
            }
        }
        Console.WriteLine($"Per-step pieces ({rounds} alternating rounds, median of each round's best of 7; µs, ns per cell for the LSTM steps)");
        var median = new Dictionary<string, double>();
        for (int j = 0; j < pieces.Length; j++)
        {
            median[pieces[j].Name] = Median(samples[j]);
            string value = pieces[j].Ns ? $"{median[pieces[j].Name] * 1000:F2} ns" : $"{median[pieces[j].Name]:F3} µs";
            Console.WriteLine($"{pieces[j].Name,-40} {value,12}");
        }
        double Ratio(string over, string under) => median[over] / median[under];
        Console.WriteLine($"32 rows / 30 rows, per row: {Ratio("product, 32 rows (per row)", "product, 30 rows (per row)"):F3}; " +
                          $"31 / 30: {Ratio("product, 31 rows (per row)", "product, 30 rows (per row)"):F3}");
        Console.WriteLine($"SimpleRNN step: TensorPrimitives.Tanh / the cell's tanh: {Ratio("  same, TensorPrimitives.Tanh", "SimpleRNN step 32x64"):F2}");
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }
}
