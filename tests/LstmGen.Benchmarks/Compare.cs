using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace LstmGen.Benchmarks;

/// <summary>
/// Side-by-side run: times LstmGen's workloads (median of single calls, the peer's method), then the inference workloads
/// W1–W4 in ONNX Runtime at 1 and 2 intra-op threads (LstmGen's models and weights, exported with OnnxExport), then runs
/// the PyTorch peer script (and the TorchSharp peer with --torchsharp) in the same run, each first checking that it
/// computes LstmGen's functions, then times LstmGen's rows that a peer has once more, and prints the tables with the
/// ratios per workload (against LstmGen's time before and after the peers).
/// </summary>
public static class Compare
{
    public static int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        bool noPeer = args.Contains("--no-peer");
        bool noOnnx = args.Contains("--no-onnx");
        int onlyAt = Array.IndexOf(args, "--only");
        string[] only = onlyAt >= 0 && onlyAt + 1 < args.Length ? args[onlyAt + 1].Split(',') : [];
        double seconds = quick ? 0.2 : 1.0;
        Console.WriteLine($"LstmGen {typeof(Kernels).Assembly.GetName().Version} | .NET {Environment.Version} | {Environment.ProcessorCount} logical CPUs | " +
                          $"AVX-512: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated} | single thread");
        var ours = new List<(string Workload, string Variant, double MedianUs, double P10, double P90, int N)>();
        // The larger of two measurements: the first of a process has read as low as 152 GFLOP/s where the next read 201,
        // and the first pass's percentages of the peak are printed before the peak is measured again at the end.
        double peak = Math.Max(PeakFmaGflops(), PeakFmaGflops());
        Console.WriteLine($"Measured single-core FMA peak: {peak:F0} GFLOP/s ({(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512" : "AVX2")}, independent FMA chains in registers)");
        if (Environment.ProcessorCount > 1)
        {
            // What the cores give together (a VM's vCPUs may share a physical core or be slowed by other tenants): the
            // ceiling for the 2-worker rows, which are compared with the single-core peak.
            double[] each = new double[Environment.ProcessorCount];
            var threads = Enumerable.Range(0, each.Length).Select(t => new System.Threading.Thread(() => each[t] = PeakFmaGflops())).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            Console.WriteLine($"FMA peak of {each.Length} threads at once: {each.Sum():F0} GFLOP/s ({each.Sum() / peak:F2}x the single-core peak; per thread {string.Join(", ", each.Select(g => g.ToString("F0")))})");
        }
        foreach (Workload w in Workloads.All())
        {
            if (only.Length > 0 && !only.Contains(w.Name))
            {
                continue;
            }
            (double median, double p10, double p90, int n) = Time(w.Run, seconds);
            (median, p10, p90) = (median / w.StepsPerCall, p10 / w.StepsPerCall, p90 / w.StepsPerCall);
            ours.Add((w.Name, w.Variant, median, p10, p90, n));
            int flopsFactor = w.Variant.StartsWith("forward_backward", StringComparison.Ordinal) ? 3 : 1;
            string extra = w.Name == "W4"
                ? $"  {flopsFactor * Workloads.W4ForwardFlops / (median * 1e3):F0} GFLOP/s = {flopsFactor * Workloads.W4ForwardFlops / (median * 1e3) / peak:P0} of the single-core peak"
                : w.Name == "W3" ? $"  {1e6 / 48000 / median:F0}x real time at 48 kHz"
                : w.Name is "W5" or "W6" or "W7" or "W8" && w.Variant.StartsWith("train", StringComparison.Ordinal) ? $"  {1e6 / median:F0} training steps/s" : "";
            Console.WriteLine($"  {w.Name} {w.Variant,-38} median {median,10:F3} us{(w.StepsPerCall > 1 ? "/step" : "")}  (p10 {p10:F3}, p90 {p90:F3}, n={n}){extra}");
        }

        var onnx = new Dictionary<(string, string, string), double>();
        if (!noOnnx)
        {
            onnx = RunOnnx(only, seconds);
        }

        Dictionary<(string, string), double> peer = new();
        if (!noPeer)
        {
            peer = RunPeer(quick, only);
        }

        Dictionary<(string, string), double> torchSharp = new();
        if (args.Contains("--torchsharp"))
        {
            torchSharp = RunTorchSharpPeer(quick, only);
        }

        // The peers run after LstmGen, not interleaved with it, so a busy stretch of a shared machine can land on one side
        // only. With a peer, LstmGen's rows that a peer also has are timed again after the peers: the table shows both
        // medians, and each ratio against both ("before / after"); where they disagree, the machine moved in between.
        var after = new Dictionary<(string, string), double>();
        if (peer.Count > 0 || torchSharp.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("LstmGen again, after the peers (the rows a peer also has):");
            foreach (Workload w in Workloads.All())
            {
                var key = (w.Name, w.Variant.Split(' ')[0]);
                if ((only.Length > 0 && !only.Contains(w.Name)) || !(peer.ContainsKey(key) || torchSharp.ContainsKey(key)))
                {
                    continue;
                }
                double median = Time(w.Run, seconds).Median / w.StepsPerCall;
                after[(w.Name, w.Variant)] = median;
                Console.WriteLine($"  {w.Name} {w.Variant,-38} median {median,10:F3} us{(w.StepsPerCall > 1 ? "/step" : "")}");
            }
        }

        static string Column(Dictionary<(string, string), double> times, string workload, string variant, double oursUs, double? oursAfterUs, out string ratio)
        {
            if (!times.TryGetValue((workload, variant), out double t))
            {
                ratio = "-";
                return "-";
            }
            ratio = (t / oursUs).ToString("F1", CultureInfo.InvariantCulture) + "x" +
                    (oursAfterUs is double a ? " / " + (t / a).ToString("F1", CultureInfo.InvariantCulture) + "x" : "");
            return t.ToString("F1", CultureInfo.InvariantCulture);
        }

        static string Us(double us) => us.ToString(us < 10 ? "F3" : "F1", CultureInfo.InvariantCulture);

        Console.WriteLine();
        Console.WriteLine($"{"workload",-8} {"variant",-38} {"LstmGen us",12} {"after peers",12} {"PyTorch us",12} {"speed-up",13}" +
                          (torchSharp.Count > 0 ? $" {"TorchSharp us",14} {"speed-up",13}" : ""));
        foreach (var r in ours)
        {
            string baseVariant = r.Variant.Split(' ')[0];
            double? again = after.TryGetValue((r.Workload, r.Variant), out double a) ? a : null;
            string torch = Column(peer, r.Workload, baseVariant, r.MedianUs, again, out string ratio);
            string sharp = Column(torchSharp, r.Workload, baseVariant, r.MedianUs, again, out string sharpRatio);
            Console.WriteLine($"{r.Workload,-8} {r.Variant,-38} {Us(r.MedianUs),12} {(again is double g ? Us(g) : "-"),12} {torch,12} {ratio,13}" +
                              (torchSharp.Count > 0 ? $" {sharp,14} {sharpRatio,13}" : ""));
        }
        Console.WriteLine("PyTorch" + (torchSharp.Count > 0 ? " and TorchSharp" : "") + ": best of 1 and 2 threads (see the peers' own tables above for each); " +
                          "LstmGen: one thread unless the variant says 2 workers; speed-ups against LstmGen's time before / after the peers ran.");
        if (Workloads.Splitters.Count > 0)
        {
            Console.WriteLine("ProductSplitter, products and LSTM steps handed to the helper / run alone during back-offs (the helper late): " +
                string.Join("; ", Workloads.Splitters.Select(s => $"{s.Workloads} {s.Splitter.Splits} / {s.Splitter.RunAlone}")) + ".");
        }
        if (onnx.Count > 0)
        {
            // On a shared machine the first measurement may have run under load: the better of two is the core's peak.
            double again = PeakFmaGflops();
            Console.WriteLine();
            Console.WriteLine($"Single-core FMA peak measured again: {again:F0} GFLOP/s (first {peak:F0}); the table uses the higher.");
            PrintInferenceTable(onnx, peer, Math.Max(peak, again));
        }
        return 0;
    }

    /// <summary>One contender of an interleaved comparison: LstmGen on one thread or two workers, ONNX Runtime at 1 or 2 threads.</summary>
    private sealed record Contender(string Label, Action Run, int StepsPerCall);

    /// <summary>
    /// The inference workloads W1–W4 against ONNX Runtime at 1 and 2 intra-op threads, timed interleaved: per workload,
    /// five rounds in which each contender (LstmGen on one thread, LstmGen on two workers where the workload has it, ONNX
    /// Runtime at 1 and at 2 threads) takes its turn of single calls, so that on a shared machine all of them see the same
    /// load. Medians over all rounds, keyed by (workload, variant, contender label). Each ONNX Runtime workload's first call
    /// is checked against LstmGen's output first.
    /// </summary>
    private static Dictionary<(string, string, string), double> RunOnnx(string[] only, double seconds)
    {
        const int Rounds = 5;
        var result = new Dictionary<(string, string, string), double>();
        Console.WriteLine();
        Console.WriteLine($"ONNX Runtime {OnnxPeer.Version} (CPU execution provider; LstmGen's models and weights exported with OnnxExport; " +
                          $"pre-allocated OrtValues) against LstmGen, interleaved: {Rounds} rounds per workload, each contender in turn");
        bool Wanted(string name) => name is "W1" or "W2" or "W3" or "W4" && (only.Length == 0 || only.Contains(name));
        List<Workload> ours = Workloads.Inference().Concat(Workloads.Streaming()).Concat(Workloads.Large()).Where(w => Wanted(w.Name)).ToList();
        using var onnx = new OnnxPeer();
        IReadOnlyList<OnnxWorkload> one = onnx.Workloads(1, Wanted), two = onnx.Workloads(2, Wanted);
        foreach (OnnxWorkload o1 in one)
        {
            OnnxWorkload o2 = two.Single(w => w.Name == o1.Name && w.Variant == o1.Variant);
            var contenders = new List<Contender>();
            foreach (var (variant, label) in new[] { (o1.Variant, "LstmGen 1 thread"), (o1.Variant + " (2 workers)", "LstmGen 2 workers"), (o1.Variant + " (split products, 2 cores)", "LstmGen split products") })
            {
                if (ours.FirstOrDefault(w => w.Name == o1.Name && w.Variant == variant) is { } w)
                {
                    contenders.Add(new Contender(label, w.Run, w.StepsPerCall));
                }
            }
            double diff = 0;
            foreach (OnnxWorkload o in new[] { o1, o2 })
            {
                o.Run(); // first call: the output against LstmGen's
                float[] got = o.Output(), want = o.Reference();
                diff = Math.Max(diff, got.Zip(want, (a, b) => Math.Abs(a - b) / Math.Max(1.0, Math.Abs(b))).Max());
                contenders.Add(new Contender($"ONNX Runtime {o.Threads} thread{(o.Threads > 1 ? "s" : "")}", o.Run, o.StepsPerCall));
            }

            var samples = contenders.ToDictionary(c => c.Label, _ => new List<double>());
            foreach (Contender c in contenders)
            {
                for (int i = 0; i < 5; i++) c.Run(); // JIT tiers, ONNX Runtime's first-run allocations
                var warm = Stopwatch.StartNew();
                while (warm.Elapsed.TotalSeconds < seconds / 8) c.Run();
            }
            for (int round = 0; round < Rounds; round++)
            {
                foreach (Contender c in contenders)
                {
                    List<double> list = samples[c.Label];
                    int target = list.Count + 10;
                    var clock = Stopwatch.StartNew();
                    while ((clock.Elapsed.TotalSeconds < seconds / Rounds || list.Count < target) && list.Count < 100_000)
                    {
                        long start = Stopwatch.GetTimestamp();
                        c.Run();
                        list.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / c.StepsPerCall);
                    }
                }
            }
            var line = new List<string>();
            foreach (Contender c in contenders)
            {
                List<double> list = samples[c.Label];
                list.Sort();
                double median = list[list.Count / 2];
                result[(o1.Name, o1.Variant, c.Label)] = median;
                string flops = o1.Name == "W4" ? $", {Workloads.W4ForwardFlops / (median * 1e3):F0} GFLOP/s" : "";
                line.Add($"{c.Label} {median.ToString(median < 10 ? "F3" : "F1", CultureInfo.InvariantCulture)} (p10 {list[list.Count / 10]:F1}, p90 {list[list.Count * 9 / 10]:F1}, n={list.Count}{flops})");
            }
            Console.WriteLine($"  {o1.Name} {o1.Variant}{(o1.StepsPerCall > 1 ? " (us/step)" : " (us)")}: {string.Join("; ", line)}; ONNX Runtime's max diff vs LstmGen {diff:E1}");
        }
        return result;
    }

    /// <summary>
    /// The inference table against ONNX Runtime and PyTorch (markdown): LstmGen on one thread, on two workers and on two
    /// cores with split products, ONNX Runtime at 1 and 2 threads (all five timed interleaved), the ratio of ONNX Runtime's best to LstmGen's best, and
    /// PyTorch's best of 1 and 2 threads (its own process, after); W4 also in GFLOP/s against the peak.
    /// </summary>
    private static void PrintInferenceTable(Dictionary<(string, string, string), double> onnx, Dictionary<(string, string), double> peer, double peak)
    {
        static string Us(double us) => double.IsNaN(us) ? "-" : us.ToString(us < 10 ? "F3" : "F1", CultureInfo.InvariantCulture);
        static string Ratio(double peerUs, double oursUs) =>
            double.IsNaN(peerUs) || double.IsNaN(oursUs) ? "-" : (peerUs / oursUs).ToString("F2", CultureInfo.InvariantCulture) + "x";
        string Flops(double us) => double.IsNaN(us) ? "" : $" ({Workloads.W4ForwardFlops / (us * 1e3):F0} GFLOP/s, {Workloads.W4ForwardFlops / (us * 1e3) / peak:P0})";
        static double Best(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Min(a, b);

        Console.WriteLine();
        Console.WriteLine($"Inference against ONNX Runtime {OnnxPeer.Version} and PyTorch (medians in us, per step for W3; LstmGen and ONNX Runtime interleaved; " +
                          $"ratios: the peer's best over LstmGen's best, above 1 = LstmGen faster; single-core FMA peak measured {peak:F0} GFLOP/s):");
        Console.WriteLine();
        Console.WriteLine("| workload | LstmGen 1 thread | LstmGen 2 workers | LstmGen 2 cores, split products | ONNX Runtime 1 thread | ONNX Runtime 2 threads | ONNX Runtime best / LstmGen best | PyTorch best of 1/2 threads | PyTorch / LstmGen best |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (w, v) in onnx.Keys.Select(k => (k.Item1, k.Item2)).Distinct())
        {
            double Get(string label) => onnx.TryGetValue((w, v, label), out double us) ? us : double.NaN;
            double one = Get("LstmGen 1 thread"), two = Get("LstmGen 2 workers"), split = Get("LstmGen split products"),
                o1 = Get("ONNX Runtime 1 thread"), o2 = Get("ONNX Runtime 2 threads");
            double ours = Best(one, Best(two, split));
            double torch = peer.TryGetValue((w, v), out double t) ? t : double.NaN;
            bool flops = w == "W4";
            Console.WriteLine($"| {w} {v} | {Us(one)}{(flops ? Flops(one) : "")} | {Us(two)}{(flops ? Flops(two) : "")} | {Us(split)}{(flops ? Flops(split) : "")} | " +
                              $"{Us(o1)}{(flops ? Flops(o1) : "")} | {Us(o2)}{(flops ? Flops(o2) : "")} | {Ratio(Best(o1, o2), ours)} | {Us(torch)} | {Ratio(torch, ours)} |");
        }
    }

    /// <summary>Single-core FMA throughput: 8 independent vector FMA chains (enough to cover the FMA latency), in GFLOP/s.</summary>
    private static double PeakFmaGflops()
    {
        const int Iterations = 20_000_000;
        static float Run()
        {
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            {
                var m = System.Runtime.Intrinsics.Vector512.Create(0.9999f);
                var c = System.Runtime.Intrinsics.Vector512.Create(1e-4f);
                System.Runtime.Intrinsics.Vector512<float> a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c;
                for (int i = 0; i < Iterations; i++)
                {
                    a0 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a0, m, c); a1 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a1, m, c);
                    a2 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a2, m, c); a3 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a3, m, c);
                    a4 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a4, m, c); a5 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a5, m, c);
                    a6 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a6, m, c); a7 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a7, m, c);
                }
                return System.Runtime.Intrinsics.Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
            }
            var n = System.Runtime.Intrinsics.Vector256.Create(0.9999f);
            var d = System.Runtime.Intrinsics.Vector256.Create(1e-4f);
            System.Runtime.Intrinsics.Vector256<float> b0 = d, b1 = d, b2 = d, b3 = d, b4 = d, b5 = d, b6 = d, b7 = d;
            for (int i = 0; i < Iterations; i++)
            {
                b0 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b0, n, d); b1 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b1, n, d);
                b2 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b2, n, d); b3 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b3, n, d);
                b4 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b4, n, d); b5 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b5, n, d);
                b6 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b6, n, d); b7 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(b7, n, d);
            }
            return System.Runtime.Intrinsics.Vector256.Sum(b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7);
        }
        Run(); // JIT
        var clock = Stopwatch.StartNew();
        float sink = Run();
        double seconds = clock.Elapsed.TotalSeconds;
        int lanes = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 16 : 8;
        GC.KeepAlive(sink);
        return 8.0 * lanes * 2 * Iterations / seconds / 1e9;
    }

    /// <summary>
    /// Runs <paramref name="run"/> <paramref name="warmups"/> times and for a quarter of <paramref name="seconds"/>, at
    /// least half a second (JIT tiers), then times it for <paramref name="seconds"/> and at least
    /// <paramref name="minSamples"/> calls.
    /// </summary>
    internal static (double Median, double P10, double P90, int N) Time(Action run, double seconds, int warmups = 20, int minSamples = 50)
    {
        for (int i = 0; i < warmups; i++) run();
        var warm = Stopwatch.StartNew();
        // Half a second at least: --quick's 50 ms ended before the runtime had replaced the first workload's tier-0 code,
        // and its first row (W1 at batch 1) read 800 µs where the same code takes 77.
        while (warm.Elapsed.TotalSeconds < Math.Max(seconds / 4, 0.5)) run();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while ((total.Elapsed.TotalSeconds < seconds || samples.Count < minSamples) && samples.Count < 200_000)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        samples.Sort();
        return (samples[samples.Count / 2], samples[samples.Count / 10], samples[samples.Count * 9 / 10], samples.Count);
    }

    private static Dictionary<(string, string), double> RunPeer(bool quick, string[] only)
    {
        var result = new Dictionary<(string, string), double>();
        string? script = FindRepositoryFile("tests", "LstmGen.Benchmarks", "peer", "torch_peer.py");
        if (script is null || !File.Exists("/usr/bin/python3"))
        {
            Console.WriteLine("PyTorch peer not run: tests/LstmGen.Benchmarks/peer/torch_peer.py or /usr/bin/python3 not found.");
            return result;
        }
        string json = Path.Combine(Path.GetTempPath(), $"lstmgen-peer-{Environment.ProcessId}.json");
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { script, "--threads", "1,2", "--json", json },
            UseShellExecute = false,
        };
        if (quick) psi.ArgumentList.Add("--quick");
        if (only.Length > 0)
        {
            psi.ArgumentList.Add("--only");
            psi.ArgumentList.Add(string.Join(',', only));
        }
        string? check = TorchCheck.Write(only); // PyTorch recomputes LstmGen's outputs with LstmGen's weights
        if (check is not null)
        {
            psi.ArgumentList.Add("--check");
            psi.ArgumentList.Add(check);
        }
        if (!RunPeerProcess("PyTorch", psi, json, "; is python3-torch installed? (apt-get install python3-torch libopenblas0-pthread)"))
        {
            return result;
        }
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        ReadPeerResults(doc, result);
        PrintChecks("PyTorch", doc);
        if (check is not null) File.Delete(check);
        File.Delete(json);
        return result;
    }

    /// <summary>
    /// Prints a peer's same-function checks (its "checks" object: per workload, the largest |difference| between the
    /// peer's outputs with LstmGen's weights and LstmGen's outputs), each as same function or not within 1e-5.
    /// </summary>
    private static void PrintChecks(string peer, JsonDocument doc)
    {
        if (!doc.RootElement.TryGetProperty("checks", out JsonElement checks)) return;
        foreach (JsonProperty c in checks.EnumerateObject())
        {
            double diff = c.Value.GetProperty("max_abs_diff").GetDouble();
            Console.WriteLine($"{(diff <= 1e-5 ? "Same function" : "DIFFERENT FUNCTIONS (the timings compare different models)")}: {c.Name} {peer} with " +
                              $"LstmGen's weights vs LstmGen's outputs, max |diff| {diff:E1} over {c.Value.GetProperty("outputs").GetInt32()} outputs (bound 1e-5)");
        }
    }

    /// <summary>A peer's rows (torch_peer.py's JSON format): the best median over its thread counts, by (workload, variant).</summary>
    private static void ReadPeerResults(JsonDocument doc, Dictionary<(string, string), double> result)
    {
        foreach (JsonElement row in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            var key = (row.GetProperty("workload").GetString()!, row.GetProperty("variant").GetString()!);
            double median = row.GetProperty("median_us").GetDouble();
            result[key] = result.TryGetValue(key, out double best) ? Math.Min(best, median) : median;
        }
    }

    /// <summary>
    /// The TorchSharp peer (tests/LstmGen.TorchSharpPeer/run.sh: W1–W5 of torch_peer.py in TorchSharp 0.107, at 1 and 2
    /// threads), when <c>compare --torchsharp</c> asks for it; empty if it cannot run (the script says why).
    /// </summary>
    private static Dictionary<(string, string), double> RunTorchSharpPeer(bool quick, string[] only)
    {
        var result = new Dictionary<(string, string), double>();
        string[] known = ["W1", "W2", "W3", "W4", "W5"];
        string[] asked = only.Length > 0 ? only.Where(known.Contains).ToArray() : known;
        string? script = FindRepositoryFile("tests", "LstmGen.TorchSharpPeer", "run.sh");
        if (asked.Length == 0 || script is null)
        {
            Console.WriteLine("TorchSharp peer not run: no W1-W5 workload asked, or tests/LstmGen.TorchSharpPeer/run.sh not found.");
            return result;
        }
        string json = Path.Combine(Path.GetTempPath(), $"lstmgen-torchsharp-{Environment.ProcessId}.json");
        var psi = new ProcessStartInfo("bash") { ArgumentList = { script, "--threads", "1,2", "--json", json, "--only", string.Join(',', asked) }, UseShellExecute = false };
        if (quick) psi.ArgumentList.Add("--quick");
        string? check = TorchCheck.Write(asked); // TorchSharp recomputes LstmGen's outputs with LstmGen's weights
        if (check is not null)
        {
            psi.ArgumentList.Add("--check");
            psi.ArgumentList.Add(check);
        }
        if (!RunPeerProcess("TorchSharp", psi, json, "."))
        {
            if (check is not null) File.Delete(check);
            return result;
        }
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            ReadPeerResults(doc, result);
            PrintChecks("TorchSharp", doc);
        }
        if (check is not null) File.Delete(check);
        File.Delete(json);
        return result;
    }

    /// <summary>Runs a peer to completion; false (and says so) if it failed or wrote no <paramref name="json"/>.</summary>
    private static bool RunPeerProcess(string peer, ProcessStartInfo psi, string json, string failureHint)
    {
        Console.WriteLine();
        Console.WriteLine($"Running the {peer} peer: {psi.FileName} {string.Join(' ', psi.ArgumentList)}");
        using Process p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(json))
        {
            Console.WriteLine($"{peer} peer failed (exit {p.ExitCode}){failureHint}");
            return false;
        }
        return true;
    }

    /// <summary>A file of the repository (path parts from its root), found from the running build's folder upwards.</summary>
    private static string? FindRepositoryFile(params string[] parts)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine([d.FullName, .. parts]);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
