using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LstmGen.TorchSharpPeer;

/// <summary>
/// The workloads of tests/LstmGen.Benchmarks/peer/torch_peer.py (W1-W5: same models, shapes, losses, Adam, seed and
/// timing rule) in TorchSharp, as a .NET user would write them (a dispose scope per call). Prints a table and, with
/// --json FILE, writes the rows in torch_peer.py's format. Arguments: --threads 1,2 --only W1,W4 --quick --json FILE
/// --check FILE (LstmGen's weights, inputs and outputs, written by compare: see SameFunctionChecks).
/// </summary>
public static class Program
{
    private const int Seed = 1234;

    public static int Main(string[] args)
    {
        int[] threads = [1, 2];
        string[] only = [];
        string? json = null;
        string? check = null;
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--only": only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "--json": json = args[++i]; break;
                case "--quick": quick = true; break;
                case "--check": check = args[++i]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        var budget = new Budget(quick);
        Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version} (libtorch {torch.__version__}), threads {string.Join(",", threads)}");
        Dictionary<string, (double MaxAbsDiff, int Outputs)> checks = check is null ? [] : SameFunctionChecks(check);
        var rows = new List<Row>();
        var workloads = new (string Name, Func<int, Budget, IEnumerable<Row>> Run)[]
        {
            ("W1", RunW1), ("W2", RunW2), ("W3", RunW3), ("W4", RunW4), ("W5", RunW5),
        };
        foreach (int n in threads)
        {
            torch.set_num_threads(n);
            foreach (var (name, run) in workloads.Where(w => only.Length == 0 || only.Contains(w.Name)))
            {
                foreach (Row r in run(n, budget))
                {
                    rows.Add(r);
                    Console.WriteLine($"{r.Workload,-4} {r.Variant,-18} {r.Threads} thread(s) {r.MedianUs,12:F1} us (p10 {r.P10Us:F1}, p90 {r.P90Us:F1}, n={r.Iterations})");
                }
            }
        }
        if (json is not null)
        {
            var doc = new
            {
                peer = "TorchSharp",
                results = rows.Select(r => new { workload = r.Workload, variant = r.Variant, threads = r.Threads, median_us = r.MedianUs, p10_us = r.P10Us, p90_us = r.P90Us, iterations = r.Iterations }),
                checks = checks.ToDictionary(c => c.Key, c => new { max_abs_diff = c.Value.MaxAbsDiff, outputs = c.Value.Outputs }),
            };
            File.WriteAllText(json, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    private sealed record Row(string Workload, string Variant, int Threads, double MedianUs, double P10Us, double P90Us, int Iterations);

    /// <summary>torch_peer.py's budget: warm up 0.2 s (3 calls at least), then time calls for 1 s (7 at least).</summary>
    private sealed class Budget(bool quick)
    {
        public double TargetS { get; } = quick ? 0.2 : 1.0;
        public double WarmupS { get; } = quick ? 0.05 : 0.2;
        public int MaxIters { get; } = quick ? 20_000 : 200_000;
        public int MinIters { get; } = quick ? 2 : 7;
        public int MinWarmup { get; } = quick ? 1 : 3;
    }

    private static Row Measure(string workload, string variant, int threads, Budget budget, Action call)
    {
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < budget.MinWarmup || clock.Elapsed.TotalSeconds < budget.WarmupS; n++) call();
        var samples = new List<double>();
        clock.Restart();
        while (samples.Count < budget.MaxIters)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (samples.Count >= budget.MinIters && clock.Elapsed.TotalSeconds >= budget.TargetS) break;
        }
        samples.Sort();
        double Quantile(double q)
        {
            double pos = q * (samples.Count - 1);
            int lo = (int)pos, hi = Math.Min(lo + 1, samples.Count - 1);
            return samples[lo] + (samples[hi] - samples[lo]) * (pos - lo);
        }
        return new Row(workload, variant, threads, Quantile(0.5), Quantile(0.1), Quantile(0.9), samples.Count);
    }

    private static Action Infer(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        model.eval();
        return () =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.forward(x);
        };
    }

    private static Action Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss)
    {
        model.train();
        var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        return () =>
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            Tensor l = loss(model.forward(x), y);
            l.backward();
            optimizer.step();
        };
    }

    /// <summary>Embedding(5000, 128) → LSTM(128), last output → Dense(1) (sigmoid for inference, logits for training).</summary>
    private sealed class W1Model : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding emb = nn.Embedding(5000, 128);
        private readonly LSTM lstm = nn.LSTM(128, 128, batchFirst: true);
        private readonly Linear head = nn.Linear(128, 1);
        private readonly bool logits;

        public W1Model(bool logits) : base("W1") { this.logits = logits; RegisterComponents(); }

        public void Load(Dictionary<string, Tensor> w)
        {
            using var noGrad = torch.no_grad();
            emb.weight!.copy_(w["embedding/embeddings"]);
            LoadLstm(lstm, w, "lstm");
            LoadDense(head, w);
        }

        public override Tensor forward(Tensor tokens)
        {
            var (y, _, _) = lstm.forward(emb.forward(tokens));
            Tensor z = head.forward(y.select(1, -1));
            return logits ? z : torch.sigmoid(z);
        }
    }

    /// <summary>LSTM(1 → 50, sequences) → LSTM(50 → 50), last output → Dense(1).</summary>
    private sealed class W2Model : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM l1 = nn.LSTM(1, 50, batchFirst: true);
        private readonly LSTM l2 = nn.LSTM(50, 50, batchFirst: true);
        private readonly Linear head = nn.Linear(50, 1);

        public W2Model() : base("W2") => RegisterComponents();

        public void Load(Dictionary<string, Tensor> w)
        {
            using var noGrad = torch.no_grad();
            LoadLstm(l1, w, "lstm");
            LoadLstm(l2, w, "lstm_1");
            LoadDense(head, w);
        }

        public override Tensor forward(Tensor x)
        {
            var (y1, _, _) = l1.forward(x);
            var (y2, _, _) = l2.forward(y1);
            return head.forward(y2.select(1, -1));
        }
    }

    /// <summary>LSTM(32 → 64), last output → Dense(1).</summary>
    private sealed class W5Model : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM lstm = nn.LSTM(32, 64, batchFirst: true);
        private readonly Linear head = nn.Linear(64, 1);

        public W5Model() : base("W5") => RegisterComponents();

        public void Load(Dictionary<string, Tensor> w)
        {
            using var noGrad = torch.no_grad();
            LoadLstm(lstm, w, "lstm");
            LoadDense(head, w);
        }

        public override Tensor forward(Tensor x)
        {
            var (y, _, _) = lstm.forward(x);
            return head.forward(y.select(1, -1));
        }
    }

    /// <summary>Keras's LSTM weights (gates i, f, c, o = torch's i, f, g, o; one bias, torch's second zero) into <paramref name="lstm"/>.</summary>
    private static void LoadLstm(LSTM lstm, Dictionary<string, Tensor> w, string layer)
    {
        lstm.get_parameter("weight_ih_l0")!.copy_(w[layer + "/kernel"].t());
        lstm.get_parameter("weight_hh_l0")!.copy_(w[layer + "/recurrent_kernel"].t());
        lstm.get_parameter("bias_ih_l0")!.copy_(w[layer + "/bias"]);
        lstm.get_parameter("bias_hh_l0")!.zero_();
    }

    private static void LoadDense(Linear head, Dictionary<string, Tensor> w)
    {
        head.weight!.copy_(w["dense/kernel"].t());
        head.bias!.copy_(w["dense/bias"]);
    }

    /// <summary>
    /// --check FILE (written by compare, as for torch_peer.py): for W1, W2, W4 and W5, LstmGen's weights (Keras names and
    /// layout), a batch of inputs and LstmGen's outputs; this peer's models with those weights recompute the outputs. The
    /// largest |difference| per workload goes to the JSON's "checks", so compare can say whether the timings compare the
    /// same function. Other workloads in the file (W6-W8) are not models of this peer and are skipped.
    /// </summary>
    private static Dictionary<string, (double MaxAbsDiff, int Outputs)> SameFunctionChecks(string path)
    {
        var result = new Dictionary<string, (double, int)>();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (JsonProperty c in doc.RootElement.EnumerateObject())
        {
            if (c.Name is not ("W1" or "W2" or "W4" or "W5")) continue;
            using var scope = torch.NewDisposeScope();
            JsonElement e = c.Value;
            var w = new Dictionary<string, Tensor>();
            foreach (JsonElement entry in e.GetProperty("weights").EnumerateArray())
            {
                string[] parts = entry.GetProperty("name").GetString()!.Split('/');
                long[] shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                float[] values = entry.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                w[parts[^2] + "/" + parts[^1]] = torch.tensor(values).reshape(shape);
            }
            long[] inputShape = [e.GetProperty("batch").GetInt64(), .. e.GetProperty("inputShape").EnumerateArray().Select(d => d.GetInt64())];
            JsonElement[] input = e.GetProperty("input").EnumerateArray().ToArray();
            Tensor x = (e.GetProperty("tokenInput").GetBoolean()
                ? torch.tensor(input.Select(v => v.GetInt64()).ToArray())
                : torch.tensor(input.Select(v => v.GetSingle()).ToArray())).reshape(inputShape);
            float[] want = e.GetProperty("output").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Tensor y;
            using (torch.no_grad())
            {
                switch (c.Name)
                {
                    case "W1":
                        var m1 = new W1Model(logits: false);
                        m1.Load(w);
                        m1.eval();
                        y = m1.forward(x);
                        break;
                    case "W2":
                        var m2 = new W2Model();
                        m2.Load(w);
                        m2.eval();
                        y = m2.forward(x);
                        break;
                    case "W4":
                        var m4 = nn.LSTM(128, 512, batchFirst: true);
                        LoadLstm(m4, w, "lstm");
                        m4.eval();
                        (y, _, _) = m4.forward(x);
                        break;
                    default:
                        var m5 = new W5Model();
                        m5.Load(w);
                        m5.eval();
                        y = m5.forward(x);
                        break;
                }
            }
            double diff = (y.reshape(-1) - torch.tensor(want)).abs().max().item<float>();
            result[c.Name] = (diff, want.Length);
            Console.WriteLine($"check {c.Name}: TorchSharp with LstmGen's weights, max |diff| from LstmGen's outputs {diff:E1}");
        }
        return result;
    }

    private static IEnumerable<Row> RunW1(int threads, Budget budget)
    {
        const int steps = 20;
        foreach ((string variant, int batch) in new[] { ("infer_b1", 1), ("infer_b32", 32) })
        {
            torch.manual_seed(Seed);
            var m = new W1Model(logits: false);
            Tensor x = torch.randint(0, 5000, [batch, steps]);
            yield return Measure("W1", variant, threads, budget, Infer(m, x));
        }
        torch.manual_seed(Seed);
        var t = new W1Model(logits: true);
        Tensor xt = torch.randint(0, 5000, [32, steps]);
        Tensor yt = torch.randint(0, 2, [32, 1]).to_type(ScalarType.Float32);
        yield return Measure("W1", "train_b32", threads, budget, Train(t, xt, yt, (p, y) => nn.functional.binary_cross_entropy_with_logits(p, y)));
    }

    private static IEnumerable<Row> RunW2(int threads, Budget budget)
    {
        const int steps = 10;
        foreach ((string variant, int batch) in new[] { ("infer_b1", 1), ("infer_b32", 32) })
        {
            torch.manual_seed(Seed);
            var m = new W2Model();
            Tensor x = torch.randn(batch, steps, 1);
            yield return Measure("W2", variant, threads, budget, Infer(m, x));
        }
        torch.manual_seed(Seed);
        var t = new W2Model();
        Tensor xt = torch.randn(32, steps, 1), yt = torch.randn(32, 1);
        yield return Measure("W2", "train_b32", threads, budget, Train(t, xt, yt, (p, y) => nn.functional.mse_loss(p, y)));
    }

    private static IEnumerable<Row> RunW3(int threads, Budget budget)
    {
        const int inputs = 4096;
        foreach (int h in new[] { 8, 32, 64 })
        {
            torch.manual_seed(Seed);
            var cell = nn.LSTMCell(1, h);
            cell.eval();
            Tensor xs = torch.randn(inputs, 1, 1);
            Tensor[] xi = Enumerable.Range(0, inputs).Select(i => xs[i]).ToArray();
            Tensor hState = torch.zeros(1, h), cState = torch.zeros(1, h);
            int index = 0;
            yield return Measure("W3", $"stream_h{h}", threads, budget, () =>
            {
                using var noGrad = torch.no_grad();
                var (hn, cn) = cell.forward(xi[index], (hState, cState));
                hState.Dispose();
                cState.Dispose();
                (hState, cState) = (hn, cn);
                index = (index + 1) % inputs;
            });
        }
    }

    private static IEnumerable<Row> RunW4(int threads, Budget budget)
    {
        const int steps = 100, batch = 64, input = 128, hidden = 512;
        torch.manual_seed(Seed);
        var lstm = nn.LSTM(input, hidden, batchFirst: true);
        Tensor x = torch.randn(batch, steps, input);
        lstm.eval();
        yield return Measure("W4", "forward", threads, budget, () =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            lstm.forward(x);
        });
        lstm.train();
        yield return Measure("W4", "forward_backward", threads, budget, () =>
        {
            using var scope = torch.NewDisposeScope();
            lstm.zero_grad();
            var (y, _, _) = lstm.forward(x);
            y.sum().backward();
        });
    }

    private static IEnumerable<Row> RunW5(int threads, Budget budget)
    {
        torch.manual_seed(Seed);
        var m = new W5Model();
        Tensor x = torch.randn(32, 64, 32), y = torch.randn(32, 1);
        yield return Measure("W5", "train_b32", threads, budget, Train(m, x, y, (p, t) => nn.functional.mse_loss(p, t)));
    }
}
