using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace LstmGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/LstmGen.Benchmarks -- panels [--quick]</c>: the recurrent products of W1, W4,
/// W5 (LSTMs), W6 (GRU) and W7 (SimpleRNN; the same product forward and backward) as a batch runs them, T steps over
/// one recurrent kernel, two ways in alternation: <see cref="Kernels.Gemm"/> per step (which packs the kernel into
/// cache-sized panels at every step) and <see cref="Kernels.PackPanels"/> once then <see cref="Kernels.GemmPrepacked"/>
/// per step (the pack's time included). Alternating rounds share the machine's noise; the table gives the median and
/// the best round of each, per step.
/// </summary>
internal static class Panels
{
    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int rounds = quick ? 10 : 60;
        Console.WriteLine($"Recurrent products, per step ({rounds} alternating rounds; packed once: the pack's time shared by the round's steps)");
        Console.WriteLine($"{"product",-34} {"steps",5} {"per-step packing (median, best)",32} {"packed once (median, best)",28} {"ratio of medians",17}");
        foreach ((string what, int m, int n, int k, int steps) in new[]
        {
            ("W1 forward (32x128)·(128x512)", 32, 512, 128, 20),
            ("W1 backward (32x512)·(512x128)", 32, 128, 512, 20),
            ("W4 forward (64x512)·(512x2048)", 64, 2048, 512, 20),
            ("W4 backward (64x2048)·(2048x512)", 64, 512, 2048, 10),
            ("W5 forward (32x64)·(64x256)", 32, 256, 64, 32),
            ("W5 backward (32x256)·(256x64)", 32, 64, 256, 32),
            ("W6 GRU forward (32x64)·(64x192)", 32, 192, 64, 64),
            ("W6 GRU backward (32x192)·(192x64)", 32, 64, 192, 64),
            ("W7 SimpleRNN (32x64)·(64x64)", 32, 64, 64, 64),
        })
        {
            var rng = new Random(1);
            float[] a = Values(rng, m * k), b = Values(rng, k * n), c = new float[m * n], buffer = Kernels.AllocateAligned(k * n);
            var plain = new List<double>();
            var packed = new List<double>();
            for (int round = -2; round < rounds; round++) // two rounds of warm-up
            {
                var sw = Stopwatch.StartNew();
                for (int s = 0; s < steps; s++) Kernels.Gemm(a, b, c, m, n, k, accumulate: true);
                double tPlain = sw.Elapsed.TotalMilliseconds * 1000 / steps;
                sw.Restart();
                ReadOnlySpan<float> panels = Kernels.PackPanels(b, buffer, m, n, k);
                for (int s = 0; s < steps; s++) Kernels.GemmPrepacked(a, panels, b, c, m, n, k);
                double tPacked = sw.Elapsed.TotalMilliseconds * 1000 / steps;
                if (round >= 0)
                {
                    plain.Add(tPlain);
                    packed.Add(tPacked);
                }
            }
            plain.Sort();
            packed.Sort();
            double mp = plain[plain.Count / 2], mq = packed[packed.Count / 2];
            Console.WriteLine($"{what,-34} {steps,5} {$"{mp:F1} us, {plain[0]:F1} us",32} {$"{mq:F1} us, {packed[0]:F1} us",28} {mp / mq,17:F2}");
        }
        return 0;
    }

    private static float[] Values(Random rng, int length) => Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
}
