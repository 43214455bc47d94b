using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace LstmGen.Import;

/// <summary>
/// PyTorch's <c>nn.Conv1d</c>, <c>nn.BatchNorm1d</c> and <c>nn.LayerNorm</c> for <see cref="TorchImport"/>: which
/// module fits a <c>[Conv1D]</c>, <c>[BatchNormalization]</c> or <c>[LayerNormalization]</c>, and the conversion to
/// Keras's layouts: Conv1d <c>weight</c> (out, in, k) → <c>kernel</c> (k, in, out), <c>bias</c> as is; BatchNorm1d
/// <c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c> → <c>gamma</c>, <c>beta</c>,
/// <c>moving_mean</c>, <c>moving_variance</c> (<c>num_batches_tracked</c>, a training counter, is ignored); LayerNorm
/// <c>weight</c>, <c>bias</c> → <c>gamma</c>, <c>beta</c>.
/// </summary>
internal static class TorchNormConv
{
    public static bool Handles(string className) => className is "Conv1D" or "BatchNormalization" or "LayerNormalization";

    private static string Shape(IReadOnlyList<int> s) => "(" + string.Join(", ", s) + ")";

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the layer takes, in PyTorch's terms; null for another class.</summary>
    public static string? Expected(LayerArchitecture layer, Func<string, IReadOnlyList<int>> shapeOf)
    {
        switch (layer.ClassName)
        {
            case "Conv1D":
            {
                IReadOnlyList<int> k = shapeOf(layer.Weights[0]);
                bool bias = (bool)layer.Config["use_bias"];
                return $"an nn.Conv1d({I(k[1])}, {I(k[2])}, kernel_size={I(k[0])}{(bias ? "" : ", bias=False")}) (weight ({I(k[2])}, {I(k[1])}, {I(k[0])}){(bias ? $", bias ({I(k[2])})" : "")})";
            }
            case "BatchNormalization":
            {
                int f = layer.InputShape[^1];
                bool affine = (bool)layer.Config["scale"];
                return $"an nn.BatchNorm1d({I(f)}{(affine ? "" : ", affine=False")}) ({(affine ? $"weight and bias ({I(f)}), " : "")}running_mean and running_var ({I(f)}))";
            }
            case "LayerNormalization":
            {
                int f = layer.InputShape[^1];
                return $"an nn.LayerNorm({I(f)}) (weight and bias ({I(f)}))";
            }
            default:
                return null;
        }
    }

    /// <summary>Why the module (its parameters: <c>weight</c>, <c>running_mean</c>, ... → tensor name) cannot be the layer, or null when it fits.</summary>
    public static string? Unfit(LayerArchitecture layer, IReadOnlyDictionary<string, string> ps, Func<string, int[]> shape, Func<string, IReadOnlyList<int>> shapeOf)
    {
        bool stats = ps.ContainsKey("running_mean") || ps.ContainsKey("running_var");
        switch (layer.ClassName)
        {
            case "Conv1D":
            {
                if (stats)
                {
                    return "it is a batch normalization (it has running_mean and running_var)";
                }
                if (!ps.TryGetValue("weight", out string? weight))
                {
                    return "it has no weight";
                }
                IReadOnlyList<int> k = shapeOf(layer.Weights[0]); // (k, in, out)
                int[] w = shape(weight);
                if (w.Length != 3 || w[0] != k[2] || w[1] != k[1] || w[2] != k[0])
                {
                    return $"its weight is {Shape(w)}, not (out, in, k) = ({I(k[2])}, {I(k[1])}, {I(k[0])})";
                }
                bool bias = ps.ContainsKey("bias");
                if (bias != (bool)layer.Config["use_bias"])
                {
                    return bias ? "it has a bias, and the layer has UseBias = false" : "it has no bias (bias=False): declare UseBias = false";
                }
                if (bias && !shape(ps["bias"]).SequenceEqual([k[2]]))
                {
                    return $"its bias is {Shape(shape(ps["bias"]))}, not ({I(k[2])})";
                }
                return null;
            }
            case "BatchNormalization":
            case "LayerNormalization":
            {
                bool batch = layer.ClassName == "BatchNormalization";
                int f = layer.InputShape[^1];
                if (batch && !(ps.ContainsKey("running_mean") && ps.ContainsKey("running_var")))
                {
                    return "it has no running_mean and running_var (an nn.BatchNorm1d with track_running_stats=False normalises with each batch's statistics, which LstmGen's inference does not)";
                }
                if (!batch && stats)
                {
                    return "it is a batch normalization (it has running_mean and running_var)";
                }
                bool weight = ps.ContainsKey("weight"), bias = ps.ContainsKey("bias");
                bool scale = (bool)layer.Config["scale"], center = (bool)layer.Config["center"];
                if (weight != scale || bias != center)
                {
                    string torch = weight && bias ? "a weight and a bias (affine)" : weight ? "a weight only" : bias ? "a bias only" : "no weight and no bias (affine=False)";
                    string declare = weight && bias ? "Center = true, Scale = true" : !weight && !bias ? "Center = false, Scale = false" : (weight ? "Center = false" : "Scale = false");
                    return $"it has {torch}, and the layer has Scale = {(scale ? "true" : "false")}, Center = {(center ? "true" : "false")}: declare {declare}";
                }
                foreach (string p in new[] { "weight", "bias", "running_mean", "running_var" })
                {
                    if (ps.TryGetValue(p, out string? t) && !shape(t).SequenceEqual([f]))
                    {
                        return $"its {p} is {Shape(shape(t))}, not ({I(f)}) (the layer's features)";
                    }
                }
                return null;
            }
            default:
                throw new InvalidOperationException(layer.ClassName);
        }
    }

    /// <summary>The layer's weights (LstmGen names, Keras layouts) from the module's tensors.</summary>
    public static IEnumerable<(string Name, float[] Values)> Convert(LayerArchitecture layer, IReadOnlyDictionary<string, string> ps, Func<string, float[]> values,
        Func<string, IReadOnlyList<int>> shapeOf)
    {
        IReadOnlyList<string> names = layer.Weights;
        switch (layer.ClassName)
        {
            case "Conv1D":
            {
                IReadOnlyList<int> k = shapeOf(names[0]); // (k, in, out)
                int taps = k[0], inputs = k[1], outputs = k[2];
                float[] w = values(ps["weight"]); // (out, in, k)
                var kernel = new float[w.Length];
                for (int o = 0; o < outputs; o++)
                {
                    for (int i = 0; i < inputs; i++)
                    {
                        for (int j = 0; j < taps; j++)
                        {
                            kernel[(j * inputs + i) * outputs + o] = w[(o * inputs + i) * taps + j];
                        }
                    }
                }
                yield return (names[0], kernel);
                if ((bool)layer.Config["use_bias"])
                {
                    yield return (names[1], (float[])values(ps["bias"]).Clone());
                }
                break;
            }
            default:
            {
                // Keras's order: gamma (scale), beta (center), then BatchNormalization's moving_mean, moving_variance.
                var source = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["gamma"] = "weight", ["beta"] = "bias", ["moving_mean"] = "running_mean", ["moving_variance"] = "running_var",
                };
                foreach (string name in names)
                {
                    yield return (name, (float[])values(ps[source[name[(name.LastIndexOf('/') + 1)..]]]).Clone());
                }
                break;
            }
        }
    }

    /// <summary>A note when the layer's epsilon is not PyTorch's default 1e-5 (the state_dict does not hold eps); null otherwise.</summary>
    public static string? EpsilonNote(LayerArchitecture layer)
    {
        if (layer.ClassName is not ("BatchNormalization" or "LayerNormalization") || layer.Config["epsilon"] is not double eps || eps == 1e-5)
        {
            return null;
        }
        string module = layer.ClassName == "BatchNormalization" ? "nn.BatchNorm1d" : "nn.LayerNorm";
        return $"its Epsilon is {eps.ToString("R", CultureInfo.InvariantCulture)}, but {module}'s default eps is 1e-5 and a state_dict does not hold eps: "
            + "declare Epsilon = 1e-5 if the PyTorch module used its default";
    }
}
