using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LstmGen.Import;

/// <summary>How a file layer's weights are turned into LstmGen's (Keras's) layout.</summary>
internal enum WeightFix
{
    /// <summary>As stored.</summary>
    None,

    /// <summary>Keras 2's CuDNNLSTM: bias (8u) = input bias then recurrent bias; LSTM's bias is their sum (4u).</summary>
    CuDnnLstmBias,

    /// <summary>Keras 2's CuDNNGRU: bias (6u) = input bias then recurrent bias; GRU(reset_after=True)'s bias is (2, 3u).</summary>
    CuDnnGruBias,
}

/// <summary>
/// A file's layer read into LstmGen's terms: the Keras class LstmGen declares (<c>LSTM</c> for a <c>CuDNNLSTM</c>) and
/// its config with the keys and value types of <see cref="LayerArchitecture.Config"/> (activations as
/// <see cref="Activation"/>, with Keras 2's <c>hard_sigmoid</c> told apart).
/// </summary>
internal sealed class FileLayer
{
    public FileLayer(KerasLayer source, string className, int index)
    {
        Source = source;
        ClassName = className;
        Index = index;
    }

    /// <summary>The layer as read.</summary>
    public KerasLayer Source { get; }

    /// <summary>LstmGen's Keras class for it.</summary>
    public string ClassName { get; }

    /// <summary>0-based among the file's layers, InputLayer not counted.</summary>
    public int Index { get; }

    public Dictionary<string, object> Config { get; } = new(StringComparer.Ordinal);

    /// <summary>The wrapped layer of a Bidirectional (its forward layer) or TimeDistributed.</summary>
    public FileLayer? Inner { get; set; }

    public WeightFix Fix { get; set; }

    /// <summary>Things the import notes but accepts (a stateful RNN, a Dropout noise_shape): the config key and the note.</summary>
    public List<(string Key, string Text)> Notes { get; } = [];

    public string Describe => $"'{Source.Name}' ({Source.ClassName})";
}

/// <summary>Reads Keras layer configs into <see cref="FileLayer"/>s; anything LstmGen cannot declare is a <see cref="KerasUnsupportedLayerException"/>.</summary>
internal static class KerasLayerReader
{
    /// <summary>Config keys that only matter in training: a difference is a warning, not an error (unless strict).</summary>
    public static readonly HashSet<string> TrainingOnlyKeys = new(StringComparer.Ordinal) { "dropout", "recurrent_dropout", "rate", "unit_forget_bias", "seed" };

    private static readonly Dictionary<string, Activation> Activations = new(StringComparer.Ordinal)
    {
        ["linear"] = Activation.Linear,
        ["relu"] = Activation.Relu,
        ["tanh"] = Activation.Tanh,
        ["sigmoid"] = Activation.Sigmoid,
        ["softmax"] = Activation.Softmax,
        ["elu"] = Activation.Elu,
        ["selu"] = Activation.Selu,
        ["gelu"] = Activation.Gelu,
        ["softplus"] = Activation.Softplus,
        ["softsign"] = Activation.Softsign,
        ["swish"] = Activation.Swish,
        ["silu"] = Activation.Swish,
        ["leaky_relu"] = Activation.LeakyRelu,
        ["exponential"] = Activation.Exponential,
    };

    /// <summary>Keras classes LstmGen has, with what to say for well-known ones it has not.</summary>
    private static readonly Dictionary<string, string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        ["Conv1D"] = "LstmGen has no Conv1D layer (yet)",
        ["MaxPooling1D"] = "LstmGen has no pooling layers",
        ["AveragePooling1D"] = "LstmGen has no pooling layers",
        ["GlobalMaxPooling1D"] = "LstmGen has no pooling layers",
        ["GlobalAveragePooling1D"] = "LstmGen has no pooling layers",
        ["Flatten"] = "LstmGen has no Flatten layer",
        ["Reshape"] = "LstmGen has no Reshape layer",
        ["Masking"] = "LstmGen masks only token id 0 of an Embedding (MaskZero); it has no Masking layer for float inputs",
        ["BatchNormalization"] = "LstmGen has no normalization layers",
        ["LayerNormalization"] = "LstmGen has no normalization layers",
        ["Attention"] = "LstmGen has no attention layers",
        ["MultiHeadAttention"] = "LstmGen has no attention layers",
        ["ConvLSTM1D"] = "LstmGen has no convolutional recurrent layers",
        ["ConvLSTM2D"] = "LstmGen has no convolutional recurrent layers",
        ["Lambda"] = "a Lambda layer holds Python code, which cannot be read; if it is x[:, -n:, :], declare [SliceLast(n)]",
        ["LeakyReLU"] = "LstmGen has no LeakyReLU layer (an Activation(Activation.LeakyRelu) has slope 0.2)",
        ["ReLU"] = "LstmGen has no ReLU layer; declare [Activation(Activation.Relu)] if it has no max_value, negative_slope or threshold",
        ["RNN"] = "a generic RNN wraps a cell class, which LstmGen cannot check; LSTM, GRU and SimpleRNN are supported",
        ["StackedRNNCells"] = "LstmGen has no stacked cells; declare one recurrent layer per cell",
    };

    /// <summary>Reads one layer (not an InputLayer).</summary>
    /// <param name="layer">The file's layer.</param>
    /// <param name="index">Its position among the file's layers, InputLayer not counted.</param>
    /// <param name="file">The file (for its Keras version).</param>
    public static FileLayer Read(KerasLayer layer, int index, KerasFile file)
    {
        bool keras2 = file.UsesKeras2HardSigmoid;
        string cls = layer.ClassName;
        switch (cls)
        {
            case "LSTM":
            case "GRU":
            case "SimpleRNN":
            case "CuDNNLSTM":
            case "CuDNNGRU":
                return ReadRecurrent(layer, index, file, keras2);
            case "Dense":
            {
                var f = new FileLayer(layer, "Dense", index);
                f.Config["units"] = Positive(layer, "units", file, index);
                f.Config["activation"] = ReadActivation(layer, "activation", "linear", keras2, file, index);
                f.Config["use_bias"] = layer.Config.GetBool("use_bias", true);
                return f;
            }
            case "Embedding":
            {
                var f = new FileLayer(layer, "Embedding", index);
                f.Config["input_dim"] = Positive(layer, "input_dim", file, index);
                f.Config["output_dim"] = Positive(layer, "output_dim", file, index);
                f.Config["mask_zero"] = layer.Config.GetBool("mask_zero", false);
                return f;
            }
            case "Dropout":
            case "SpatialDropout1D":
            {
                var f = new FileLayer(layer, cls, index);
                f.Config["rate"] = layer.Config.GetDouble("rate");
                if (cls == "Dropout" && layer.Config.HasValue("noise_shape"))
                {
                    f.Notes.Add(("noise_shape", $"{f.Describe} has a noise_shape ({layer.Config.Get("noise_shape").GetRawText()}); LstmGen's Dropout drops values one by one in training (no effect on predictions)"));
                }
                return f;
            }
            case "Activation":
            {
                var f = new FileLayer(layer, "Activation", index);
                f.Config["activation"] = ReadActivation(layer, "activation", null, keras2, file, index);
                return f;
            }
            case "RepeatVector":
            {
                var f = new FileLayer(layer, "RepeatVector", index);
                f.Config["n"] = Positive(layer, "n", file, index);
                return f;
            }
            case "ZeroPadding1D":
            {
                var f = new FileLayer(layer, "ZeroPadding1D", index);
                JsonElement p = layer.Config.Get("padding");
                int left, right;
                if (p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out int both) && both >= 0)
                {
                    left = right = both;
                }
                else if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 2 && p[0].TryGetInt32(out left) && p[1].TryGetInt32(out right) && left >= 0 && right >= 0)
                {
                }
                else
                {
                    throw Unsupported(layer, index, file, $"its padding {p.GetRawText()} is not an int or a pair of ints");
                }
                f.Config["padding"] = new[] { left, right };
                return f;
            }
            case "Bidirectional":
                return ReadBidirectional(layer, index, file, keras2);
            case "TimeDistributed":
            {
                KerasLayer inner = layer.Layer ?? throw Unsupported(layer, index, file, "its config has no wrapped layer");
                if (inner.ClassName != "Dense")
                {
                    throw Unsupported(layer, index, file, $"it wraps a {inner.ClassName}; LstmGen's TimeDistributed wraps a Dense only");
                }
                var f = new FileLayer(layer, "TimeDistributed", index) { Inner = Read(inner, index, file) };
                return f;
            }
            default:
                throw Unsupported(layer, index, file, KnownUnsupported.TryGetValue(cls, out string? why) ? why : $"LstmGen has no {cls} layer");
        }
    }

    private static FileLayer ReadBidirectional(KerasLayer layer, int index, KerasFile file, bool keras2)
    {
        KerasLayer inner = layer.Layer ?? layer.ForwardLayer ?? throw Unsupported(layer, index, file, "its config has no wrapped layer");
        if (inner.ClassName is not ("LSTM" or "GRU" or "SimpleRNN" or "CuDNNLSTM" or "CuDNNGRU"))
        {
            throw Unsupported(layer, index, file, $"it wraps a {inner.ClassName}; LstmGen's Bidirectional wraps an LSTM, GRU or SimpleRNN");
        }
        string? mode = layer.Config.GetString("merge_mode", null);
        if (mode is not ("concat" or "sum" or "mul" or "ave"))
        {
            throw Unsupported(layer, index, file, mode is null
                ? "its merge_mode is None (two separate outputs); LstmGen merges with concat, sum, mul or ave"
                : $"its merge_mode '{mode}' is not concat, sum, mul or ave");
        }
        FileLayer forward = ReadRecurrent(inner, index, file, keras2);
        if (layer.BackwardLayer is KerasLayer back)
        {
            // Keras 3 writes the backward layer's config: it must be the forward one with go_backwards flipped.
            FileLayer backward = ReadRecurrent(back, index, file, keras2);
            if (back.ClassName != inner.ClassName || (bool)backward.Config["go_backwards"] == (bool)forward.Config["go_backwards"])
            {
                throw Unsupported(layer, index, file, $"its backward layer '{back.Name}' ({back.ClassName}) is not the forward layer run backwards");
            }
            foreach ((string key, object value) in forward.Config)
            {
                if (key != "go_backwards" && !KerasLayerReader.TrainingOnlyKeys.Contains(key) && !SameValue(value, backward.Config[key]))
                {
                    throw Unsupported(layer, index, file,
                        $"its backward layer '{back.Name}' has {key} = {FormatValue(backward.Config[key])} and its forward layer {key} = {FormatValue(value)}; LstmGen's Bidirectional runs the same layer both ways");
                }
            }
        }
        var f = new FileLayer(layer, "Bidirectional", index) { Inner = forward, Fix = forward.Fix };
        f.Config["merge_mode"] = mode;
        f.Notes.AddRange(forward.Notes);
        return f;
    }

    private static FileLayer ReadRecurrent(KerasLayer layer, int index, KerasFile file, bool keras2)
    {
        string cls = layer.ClassName;
        bool cudnn = cls.StartsWith("CuDNN", StringComparison.Ordinal);
        string kind = cls switch { "CuDNNLSTM" => "LSTM", "CuDNNGRU" => "GRU", _ => cls };
        var f = new FileLayer(layer, kind, index);
        KerasLayerConfig c = layer.Config;
        f.Config["units"] = Positive(layer, "units", file, index);
        if (cudnn)
        {
            // cuDNN's fixed activations (tanh, sigmoid), always a bias; GRU in the reset-after form.
            f.Config["activation"] = Activation.Tanh;
            f.Config["recurrent_activation"] = Activation.Sigmoid;
            f.Config["use_bias"] = true;
            f.Fix = kind == "LSTM" ? WeightFix.CuDnnLstmBias : WeightFix.CuDnnGruBias;
        }
        else
        {
            f.Config["activation"] = ReadActivation(layer, "activation", "tanh", keras2, file, index);
            if (kind != "SimpleRNN")
            {
                f.Config["recurrent_activation"] = ReadActivation(layer, "recurrent_activation", keras2 ? "hard_sigmoid" : "sigmoid", keras2, file, index);
            }
            f.Config["use_bias"] = c.GetBool("use_bias", true);
        }
        f.Config["return_sequences"] = c.GetBool("return_sequences", false);
        f.Config["return_state"] = c.GetBool("return_state", false);
        f.Config["go_backwards"] = c.GetBool("go_backwards", false);
        f.Config["dropout"] = cudnn ? 0d : c.HasValue("dropout") ? c.GetDouble("dropout") : 0d;
        f.Config["recurrent_dropout"] = cudnn ? 0d : c.HasValue("recurrent_dropout") ? c.GetDouble("recurrent_dropout") : 0d;
        if (kind == "LSTM")
        {
            f.Config["unit_forget_bias"] = c.GetBool("unit_forget_bias", true);
        }
        if (kind == "GRU")
        {
            // A GRU config without reset_after is from Keras 2.0-2.2, whose GRU is the reset-before form.
            f.Config["reset_after"] = cudnn || c.GetBool("reset_after", false);
        }
        if (c.GetBool("time_major", false))
        {
            throw Unsupported(layer, index, file, "it is time_major (inputs (steps, batch, features)); LstmGen's inputs are batch-major");
        }
        if (c.GetBool("stateful", false))
        {
            f.Notes.Add(("stateful", $"{f.Describe} is stateful in Keras (state carried from batch to batch); LstmGen's Predict starts every sequence from zeros (OpenStream carries the state)"));
        }
        return f;
    }

    private static int Positive(KerasLayer layer, string key, KerasFile file, int index)
    {
        int v = layer.Config.GetInt(key);
        if (v <= 0)
        {
            throw Unsupported(layer, index, file, $"its {key} is {v.ToString(CultureInfo.InvariantCulture)}, not positive");
        }
        return v;
    }

    /// <summary>The Keras activation name of a config value: a string, null (linear), or a serialized function object.</summary>
    private static Activation ReadActivation(KerasLayer layer, string key, string? defaultName, bool keras2, KerasFile file, int index)
    {
        string? name;
        if (!layer.Config.TryGetValue(key, out JsonElement v))
        {
            name = defaultName ?? throw Unsupported(layer, index, file, $"its config has no {key}");
        }
        else if (v.ValueKind == JsonValueKind.Null)
        {
            name = "linear";
        }
        else if (v.ValueKind == JsonValueKind.String)
        {
            name = v.GetString()!;
        }
        else if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("config", out JsonElement cfg))
        {
            // Keras 3 serialises a function as {"module": ..., "class_name": "function", "config": "relu", ...}.
            name = cfg.ValueKind == JsonValueKind.String ? cfg.GetString()
                : cfg.ValueKind == JsonValueKind.Object && cfg.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name is null)
            {
                throw Unsupported(layer, index, file, $"its {key} is {KerasLayerConfig.Describe(v)}, not an activation LstmGen knows");
            }
        }
        else
        {
            throw Unsupported(layer, index, file, $"its {key} is {KerasLayerConfig.Describe(v)}, not an activation name");
        }
        if (name == "hard_sigmoid")
        {
            return keras2 ? Activation.HardSigmoidKeras2 : Activation.HardSigmoid;
        }
        if (Activations.TryGetValue(name, out Activation a))
        {
            return a;
        }
        throw Unsupported(layer, index, file, $"its {key} '{name}' is not one of LstmGen's activations ({string.Join(", ", Activations.Keys.Append("hard_sigmoid").Order(StringComparer.Ordinal))})");
    }

    public static KerasUnsupportedLayerException Unsupported(KerasLayer layer, int index, KerasFile file, string reason)
    {
        string source = file.FileName is null ? "The file" : $"'{file.FileName}'";
        return new KerasUnsupportedLayerException(
            $"{source}: layer {index + 1} of the file, '{layer.Name}' ({layer.ClassName}, at {layer.JsonPath}), cannot be imported: {reason}.",
            file.FileName, layer.JsonPath, layer.ClassName, layer.Name, index, reason);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Values
    // ------------------------------------------------------------------------------------------------------------

    public static bool SameValue(object a, object b) => (a, b) switch
    {
        (int x, int y) => x == y,
        (double x, double y) => x == y,
        (bool x, bool y) => x == y,
        (string x, string y) => x == y,
        (Activation x, Activation y) => x == y,
        (int[] x, int[] y) => x.AsSpan().SequenceEqual(y),
        _ => false,
    };

    public static string FormatValue(object? v) => v switch
    {
        null => "(none)",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        Activation a => a.ToString(),
        int[] xs => "(" + string.Join(", ", xs.Select(x => x.ToString(CultureInfo.InvariantCulture))) + ")",
        string s => s,
        _ => v.ToString() ?? "",
    };
}

/// <summary>Writes LstmGen attribute declarations (<c>Lstm(50, ReturnSequences = true)</c>) from Keras configs.</summary>
internal static class AttributeText
{
    /// <summary>The attribute list of a layer, without brackets: <c>Bidirectional(MergeMode.Sum), Lstm(32)</c>.</summary>
    public static string For(string className, IReadOnlyDictionary<string, object> config, string? innerClass,
        IReadOnlyDictionary<string, object>? innerConfig, string? name = null, string? innerName = null)
    {
        switch (className)
        {
            case "Bidirectional":
            {
                string mode = config.TryGetValue("merge_mode", out object? m) && m is string s ? s : "concat";
                var args = new List<string>();
                if (mode != "concat")
                {
                    args.Add("MergeMode." + char.ToUpperInvariant(mode[0]) + mode[1..]);
                }
                AddName(args, name);
                string wrapper = args.Count == 0 ? "Bidirectional" : $"Bidirectional({string.Join(", ", args)})";
                return wrapper + ", " + For(innerClass!, innerConfig!, null, null, innerName);
            }
            case "TimeDistributed":
            {
                var args = new List<string>();
                AddName(args, name);
                string wrapper = args.Count == 0 ? "TimeDistributed" : $"TimeDistributed({string.Join(", ", args)})";
                return wrapper + ", " + For(innerClass!, innerConfig!, null, null, innerName);
            }
        }
        var a = new List<string>();
        string attr;
        switch (className)
        {
            case "Dense":
                attr = "Dense";
                a.Add(Int(config, "units"));
                Act(a, config, "activation", "Activation", Activation.Linear);
                Flag(a, config, "use_bias", "UseBias", true);
                break;
            case "Embedding":
                attr = "Embedding";
                a.Add(Int(config, "input_dim"));
                a.Add(Int(config, "output_dim"));
                Flag(a, config, "mask_zero", "MaskZero", false);
                break;
            case "LSTM":
            case "GRU":
            case "SimpleRNN":
                attr = className switch { "LSTM" => "Lstm", "GRU" => "Gru", _ => "SimpleRnn" };
                a.Add(Int(config, "units"));
                Flag(a, config, "return_sequences", "ReturnSequences", false);
                Flag(a, config, "return_state", "ReturnState", false);
                Flag(a, config, "go_backwards", "GoBackwards", false);
                Act(a, config, "activation", "Activation", Activation.Tanh);
                Act(a, config, "recurrent_activation", "RecurrentActivation", Activation.Sigmoid);
                Flag(a, config, "use_bias", "UseBias", true);
                Flag(a, config, "unit_forget_bias", "UnitForgetBias", true);
                Flag(a, config, "reset_after", "ResetAfter", true);
                Rate(a, config, "dropout", "Dropout");
                Rate(a, config, "recurrent_dropout", "RecurrentDropout");
                break;
            case "Dropout":
            case "SpatialDropout1D":
                attr = className;
                a.Add(Double(config, "rate"));
                break;
            case "Activation":
                attr = "Activation";
                a.Add("Activation." + ((Activation)config["activation"]));
                break;
            case "RepeatVector":
                attr = "RepeatVector";
                a.Add(Int(config, "n"));
                break;
            case "Lambda":
                attr = "SliceLast";
                a.Add(Int(config, "n"));
                break;
            case "ZeroPadding1D":
                attr = "ZeroPadding1D";
                var p = (int[])config["padding"];
                a.Add(p[0].ToString(CultureInfo.InvariantCulture));
                a.Add(p[1].ToString(CultureInfo.InvariantCulture));
                break;
            default:
                return className;
        }
        AddName(a, name);
        return a.Count == 0 ? attr : $"{attr}({string.Join(", ", a)})";
    }

    private static void AddName(List<string> args, string? name)
    {
        if (name is not null)
        {
            args.Add("Name = " + Literal(name));
        }
    }

    /// <summary>A C# string literal.</summary>
    public static string Literal(string s)
    {
        var b = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        b.Append(c);
                    }
                    break;
            }
        }
        return b.Append('"').ToString();
    }

    private static string Int(IReadOnlyDictionary<string, object> config, string key) => ((int)config[key]).ToString(CultureInfo.InvariantCulture);

    private static string Double(IReadOnlyDictionary<string, object> config, string key) => ((double)config[key]).ToString("R", CultureInfo.InvariantCulture);

    private static void Flag(List<string> args, IReadOnlyDictionary<string, object> config, string key, string property, bool defaultValue)
    {
        if (config.TryGetValue(key, out object? v) && v is bool b && b != defaultValue)
        {
            args.Add($"{property} = {(b ? "true" : "false")}");
        }
    }

    private static void Act(List<string> args, IReadOnlyDictionary<string, object> config, string key, string property, Activation defaultValue)
    {
        if (config.TryGetValue(key, out object? v) && v is Activation a && a != defaultValue)
        {
            args.Add($"{property} = Activation.{a}");
        }
    }

    private static void Rate(List<string> args, IReadOnlyDictionary<string, object> config, string key, string property)
    {
        if (config.TryGetValue(key, out object? v) && v is double d && d != 0)
        {
            args.Add($"{property} = {d.ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>The declaration of a model layer, e.g. <c>[Lstm(32)]</c>.</summary>
    public static string Of(LayerArchitecture layer) =>
        "[" + For(layer.ClassName, layer.Config, layer.Inner?.ClassName, layer.Inner?.Config) + "]";

    /// <summary>The declaration of a file layer, e.g. <c>[Gru(64, ResetAfter = false)]</c>.</summary>
    public static string Of(FileLayer layer) =>
        "[" + For(layer.ClassName, layer.Config, layer.Inner?.ClassName, layer.Inner?.Config) + "]";
}
