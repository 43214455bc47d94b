using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// The PyTorch fixtures (tests/reference/make_torch_fixtures.py, torch 1.13): each module's state_dict as safetensors
/// and its outputs on a seeded input. The files are read with LstmGen's <see cref="SafeTensors"/> (index and values,
/// bit for bit against the JSON), and every output is recomputed here in double precision from PyTorch's formulas
/// (gate orders i, f, g, o and r, z, n, two biases, _reverse directions, stacked layers, Conv1d's cross-correlation),
/// matching PyTorch's float64 outputs to 1e-12: a checked reference for the PyTorch import.
/// </summary>
public sealed class TorchFixtureTests
{
    public static TheoryData<string> Cases => new(
        Directory.GetFiles(ImportPaths.TorchFixtures, "*.json").Select(Path.GetFileNameWithoutExtension)
            .Where(n => !n!.StartsWith("model_", StringComparison.Ordinal)) // whole models: TorchImportTests checks them
            .Order(StringComparer.Ordinal)!);

    private sealed record Fixture(JsonElement Json, Dictionary<string, (int[] Shape, double[] Values)> Weights);

    private static Fixture Load(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ImportPaths.TorchFixtures, name + ".json")));
        JsonElement json = doc.RootElement.Clone();
        string path = Path.Combine(ImportPaths.TorchFixtures, name + ".safetensors");

        IReadOnlyList<(string Name, int[] Shape, string DType)> index = SafeTensors.ReadIndex(path);
        var entries = new List<WeightInfo>();
        int offset = 0;
        foreach ((string n, int[] shape, string dtype) in index)
        {
            Assert.Equal("F32", dtype);
            var info = new WeightInfo(n, shape, offset, WeightInitializer.Zeros);
            entries.Add(info);
            offset += info.Length;
        }
        var store = new WeightStore(name, entries);
        SafeTensors.Load(store, path);
        Assert.Equal("pt", SafeTensors.ReadMetadata(path)["format"]);

        var weights = new Dictionary<string, (int[], double[])>(StringComparer.Ordinal);
        var stateDict = json.GetProperty("state_dict").EnumerateArray().ToList();
        Assert.Equal(stateDict.Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal), index.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (JsonElement t in stateDict)
        {
            string n = t.GetProperty("name").GetString()!;
            int[] shape = t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            float[] expected = t.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            float[] read = store.Get(n);
            Assert.Equal(shape, store.Find(n).Dimensions);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), read.Select(BitConverter.SingleToInt32Bits));
            weights[n] = (shape, read.Select(v => (double)v).ToArray());
        }
        return new Fixture(json, weights);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void State_dict_reads_and_outputs_follow_pytorch_formulas(string name)
    {
        Fixture f = Load(name);
        JsonElement input = f.Json.GetProperty("input");
        int[] inShape = input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        double[] x = input.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        JsonElement args = f.Json.GetProperty("args");
        string module = f.Json.GetProperty("module").GetString()!;

        Dictionary<string, double[]> outputs = module switch
        {
            "torch.nn.LSTM" or "torch.nn.GRU" or "torch.nn.RNN" => Recurrent(module, f.Weights, args, x, inShape[0], inShape[1]),
            "torch.nn.Linear" => new() { ["output"] = Linear(f.Weights, x, inShape[0]) },
            "torch.nn.Embedding" => new() { ["output"] = Embedding(f.Weights, x) },
            "torch.nn.Conv1d" => new() { ["output"] = Conv1d(f.Weights, x, inShape) },
            _ => throw new InvalidOperationException(module),
        };

        JsonElement expected32 = f.Json.GetProperty("expected");
        JsonElement expected64 = f.Json.GetProperty("expected_float64");
        Assert.Equal(expected32.EnumerateObject().Select(p => p.Name).Order(), outputs.Keys.Order());
        foreach ((string key, double[] actual) in outputs)
        {
            double[] e64 = expected64.GetProperty(key).GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            double[] e32 = expected32.GetProperty(key).GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(e64.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - e64[i]) <= 1e-12, $"{name} {key}[{i}]: {actual[i]:R} vs PyTorch float64 {e64[i]:R}");
                Assert.True(Math.Abs(actual[i] - e32[i]) <= 1e-5 + 1e-4 * Math.Abs(e32[i]), $"{name} {key}[{i}]: {actual[i]:R} vs PyTorch float32 {e32[i]:R}");
            }
        }
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>y[r] = W[r, :] · v (+ b[r]) for a (rows, cols) matrix.</summary>
    private static double Dot(double[] w, int row, int cols, double[] v, int vOffset = 0)
    {
        double s = 0;
        for (int c = 0; c < cols; c++)
        {
            s += w[row * cols + c] * v[vOffset + c];
        }
        return s;
    }

    /// <summary>nn.LSTM / nn.GRU / nn.RNN with batch_first=True: stacked layers, both directions, final states.</summary>
    private static Dictionary<string, double[]> Recurrent(string module, Dictionary<string, (int[] Shape, double[] Values)> w, JsonElement args,
        double[] x, int batch, int steps)
    {
        int hidden = args.GetProperty("hidden_size").GetInt32();
        int layers = args.GetProperty("num_layers").GetInt32();
        bool bidirectional = args.TryGetProperty("bidirectional", out JsonElement b) && b.GetBoolean();
        int directions = bidirectional ? 2 : 1;
        int gates = module switch { "torch.nn.LSTM" => 4, "torch.nn.GRU" => 3, _ => 1 };
        int features = args.GetProperty("input_size").GetInt32();
        bool relu = args.TryGetProperty("nonlinearity", out JsonElement nl) && nl.GetString() == "relu";
        double[] layerInput = x;
        var hN = new double[layers * directions * batch * hidden];
        var cN = new double[layers * directions * batch * hidden];
        for (int l = 0; l < layers; l++)
        {
            int inSize = l == 0 ? features : hidden * directions;
            var output = new double[batch * steps * hidden * directions];
            for (int d = 0; d < directions; d++)
            {
                string suffix = $"_l{l}" + (d == 1 ? "_reverse" : "");
                double[] wih = w["weight_ih" + suffix].Values, whh = w["weight_hh" + suffix].Values;
                double[] bih = w["bias_ih" + suffix].Values, bhh = w["bias_hh" + suffix].Values;
                Assert.Equal([gates * hidden, inSize], w["weight_ih" + suffix].Shape);
                for (int n = 0; n < batch; n++)
                {
                    var h = new double[hidden];
                    var c = new double[hidden];
                    for (int s = 0; s < steps; s++)
                    {
                        int t = d == 0 ? s : steps - 1 - s;
                        int xo = (n * steps + t) * inSize;
                        var gi = new double[gates * hidden];
                        var gh = new double[gates * hidden];
                        for (int r = 0; r < gates * hidden; r++)
                        {
                            gi[r] = Dot(wih, r, inSize, layerInput, xo) + bih[r];
                            gh[r] = Dot(whh, r, hidden, h) + bhh[r];
                        }
                        var next = new double[hidden];
                        for (int k = 0; k < hidden; k++)
                        {
                            switch (gates)
                            {
                                case 4: // i, f, g, o
                                {
                                    double i = Sigmoid(gi[k] + gh[k]);
                                    double fg = Sigmoid(gi[hidden + k] + gh[hidden + k]);
                                    double g = Math.Tanh(gi[2 * hidden + k] + gh[2 * hidden + k]);
                                    double o = Sigmoid(gi[3 * hidden + k] + gh[3 * hidden + k]);
                                    c[k] = fg * c[k] + i * g;
                                    next[k] = o * Math.Tanh(c[k]);
                                    break;
                                }
                                case 3: // r, z, n; the reset gate multiplies W_hn h + b_hn (Keras's reset_after=True)
                                {
                                    double r = Sigmoid(gi[k] + gh[k]);
                                    double z = Sigmoid(gi[hidden + k] + gh[hidden + k]);
                                    double nn = Math.Tanh(gi[2 * hidden + k] + r * gh[2 * hidden + k]);
                                    next[k] = (1 - z) * nn + z * h[k];
                                    break;
                                }
                                default:
                                    next[k] = relu ? Math.Max(0, gi[k] + gh[k]) : Math.Tanh(gi[k] + gh[k]);
                                    break;
                            }
                        }
                        h = next;
                        Array.Copy(h, 0, output, ((n * steps + t) * directions + d) * hidden, hidden);
                    }
                    Array.Copy(h, 0, hN, ((l * directions + d) * batch + n) * hidden, hidden);
                    Array.Copy(c, 0, cN, ((l * directions + d) * batch + n) * hidden, hidden);
                }
            }
            layerInput = output;
        }
        var result = new Dictionary<string, double[]> { ["output"] = layerInput, ["h_n"] = hN };
        if (gates == 4)
        {
            result["c_n"] = cN;
        }
        return result;
    }

    private static double[] Linear(Dictionary<string, (int[] Shape, double[] Values)> w, double[] x, int batch)
    {
        (int[] shape, double[] weight) = w["weight"];
        double[] bias = w["bias"].Values;
        int outF = shape[0], inF = shape[1];
        var y = new double[batch * outF];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outF; o++)
            {
                y[n * outF + o] = Dot(weight, o, inF, x, n * inF) + bias[o];
            }
        }
        return y;
    }

    private static double[] Embedding(Dictionary<string, (int[] Shape, double[] Values)> w, double[] ids)
    {
        (int[] shape, double[] table) = w["weight"];
        int dim = shape[1];
        return ids.SelectMany(id => table.Skip((int)id * dim).Take(dim)).ToArray();
    }

    private static double[] Conv1d(Dictionary<string, (int[] Shape, double[] Values)> w, double[] x, int[] inShape)
    {
        (int[] shape, double[] weight) = w["weight"];
        double[] bias = w["bias"].Values;
        int batch = inShape[0], inC = inShape[1], length = inShape[2];
        int outC = shape[0], k = shape[2];
        int outL = length - k + 1;
        var y = new double[batch * outC * outL];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outC; o++)
            {
                for (int t = 0; t < outL; t++)
                {
                    double s = bias[o];
                    for (int i = 0; i < inC; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            s += weight[(o * inC + i) * k + j] * x[(n * inC + i) * length + t + j];
                        }
                    }
                    y[(n * outC + o) * outL + t] = s;
                }
            }
        }
        return y;
    }
}
