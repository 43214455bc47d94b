using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace LstmGen.Import;

/// <summary>
/// Reads the configs of the convolution, pooling, reshaping, normalisation and masking layers (Conv1D, MaxPooling1D,
/// AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten, Reshape, BatchNormalization,
/// LayerNormalization, Masking) into <see cref="FileLayer"/>s with the keys and value types of the generated
/// <see cref="LayerArchitecture.Config"/>; any argument value LstmGen does not have (channels_first, groups, an axis
/// other than the last, renorm, rms_scaling, keepdims, ...) is a <see cref="KerasUnsupportedLayerException"/> naming the
/// layer and the argument.
/// </summary>
internal static class KerasLayerReaderConv
{
    public static FileLayer Read(KerasLayer layer, int index, KerasFile file, bool keras2)
    {
        string cls = layer.ClassName;
        var f = new FileLayer(layer, cls, index);
        KerasLayerConfig c = layer.Config;
        switch (cls)
        {
            case "Conv1D":
            {
                ChannelsLast(layer, index, file);
                f.Config["filters"] = KerasLayerReader.Positive(layer, "filters", file, index);
                int k = OneInt(layer, "kernel_size", null, index, file);
                int s = OneInt(layer, "strides", 1, index, file);
                string padding = Padding(layer, index, file, causal: true);
                int d = OneInt(layer, "dilation_rate", 1, index, file);
                if (c.HasValue("groups") && c.GetInt("groups") != 1)
                {
                    throw KerasLayerReader.Unsupported(layer, index, file,
                        $"its groups is {c.GetInt("groups").ToString(CultureInfo.InvariantCulture)}; LstmGen's Conv1D is a full convolution (groups = 1)");
                }
                if (s > 1 && d > 1)
                {
                    throw KerasLayerReader.Unsupported(layer, index, file,
                        $"its strides ({s.ToString(CultureInfo.InvariantCulture)}) and dilation_rate ({d.ToString(CultureInfo.InvariantCulture)}) both exceed 1, which Keras refuses too");
                }
                f.Config["kernel_size"] = new[] { k };
                f.Config["strides"] = new[] { s };
                f.Config["padding"] = padding;
                f.Config["dilation_rate"] = new[] { d };
                f.Config["activation"] = KerasLayerReader.ReadActivation(layer, "activation", "linear", keras2, file, index);
                f.Config["use_bias"] = c.GetBool("use_bias", true);
                return f;
            }
            case "MaxPooling1D":
            case "AveragePooling1D":
            {
                ChannelsLast(layer, index, file);
                int p = OneInt(layer, "pool_size", 2, index, file);
                int s = OneInt(layer, "strides", p, index, file);
                f.Config["pool_size"] = new[] { p };
                f.Config["strides"] = new[] { s };
                f.Config["padding"] = Padding(layer, index, file, causal: false);
                return f;
            }
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D":
                ChannelsLast(layer, index, file);
                if (c.GetBool("keepdims", false))
                {
                    throw KerasLayerReader.Unsupported(layer, index, file, "its keepdims is true; LstmGen's global pooling gives a vector (keepdims = false)");
                }
                f.Config["keepdims"] = false;
                return f;
            case "Flatten":
                ChannelsLast(layer, index, file);
                return f;
            case "Reshape":
            {
                JsonElement t = c.Get("target_shape");
                if (t.ValueKind != JsonValueKind.Array || t.GetArrayLength() is not (1 or 2)
                    || t.EnumerateArray().Any(v => !v.TryGetInt32(out int x) || (x <= 0 && x != -1)))
                {
                    throw KerasLayerReader.Unsupported(layer, index, file,
                        $"its target_shape {t.GetRawText()} is not one or two sizes per sample (positive, or one -1); LstmGen's shapes are (features) or (steps, features)");
                }
                int[] shape = t.EnumerateArray().Select(v => v.GetInt32()).ToArray();
                if (shape.Count(x => x == -1) > 1)
                {
                    throw KerasLayerReader.Unsupported(layer, index, file, $"its target_shape {t.GetRawText()} has more than one -1");
                }
                f.Config["target_shape"] = shape;
                return f;
            }
            case "BatchNormalization":
            case "LayerNormalization":
            {
                bool batch = cls == "BatchNormalization";
                f.Config["axis"] = Axis(layer, index, file);
                if (batch)
                {
                    f.Config["momentum"] = c.HasValue("momentum") ? c.GetDouble("momentum") : 0.99;
                    if (c.GetBool("renorm", false))
                    {
                        throw KerasLayerReader.Unsupported(layer, index, file, "its renorm is true (batch renormalization); LstmGen's BatchNormalization has no renorm");
                    }
                    if (c.HasValue("virtual_batch_size"))
                    {
                        throw KerasLayerReader.Unsupported(layer, index, file, $"its virtual_batch_size is {c.Get("virtual_batch_size").GetRawText()}; LstmGen's BatchNormalization has no virtual batches");
                    }
                }
                else if (c.GetBool("rms_scaling", false))
                {
                    throw KerasLayerReader.Unsupported(layer, index, file, "its rms_scaling is true; LstmGen's LayerNormalization subtracts the mean (rms_scaling = false)");
                }
                double epsilon = c.HasValue("epsilon") ? c.GetDouble("epsilon") : 1e-3;
                if (!(epsilon > 0))
                {
                    throw KerasLayerReader.Unsupported(layer, index, file, $"its epsilon is {epsilon.ToString("R", CultureInfo.InvariantCulture)}, not positive");
                }
                f.Config["epsilon"] = epsilon;
                f.Config["center"] = c.GetBool("center", true);
                f.Config["scale"] = c.GetBool("scale", true);
                return f;
            }
            case "Masking":
            {
                double value = c.HasValue("mask_value") ? c.GetDouble("mask_value") : 0d;
                if (!double.IsFinite(value))
                {
                    throw KerasLayerReader.Unsupported(layer, index, file, $"its mask_value is {value.ToString(CultureInfo.InvariantCulture)}; LstmGen's Masking takes a finite value");
                }
                f.Config["mask_value"] = value;
                return f;
            }
            default:
                throw new InvalidOperationException(cls);
        }
    }

    /// <summary>
    /// Settles what depends on the layer's input (known once the layers before it are): a normalisation's axis given
    /// as a positive index (tf.keras writes <c>[2]</c>) becomes -1 when it is the last axis, and is refused otherwise;
    /// a Reshape's -1 becomes its size.
    /// </summary>
    /// <param name="fl">The layer as read.</param>
    /// <param name="input">Its input shape per sample (no batch).</param>
    /// <param name="file">The file, for messages.</param>
    public static void Resolve(FileLayer fl, IReadOnlyList<int> input, KerasFile file)
    {
        if (fl.ClassName is "BatchNormalization" or "LayerNormalization" && fl.Config["axis"] is int axis && axis != -1)
        {
            int last = input.Count; // with the batch axis 0
            if (axis != last)
            {
                throw KerasLayerReader.Unsupported(fl.Source, fl.Index, file,
                    $"its axis is {axis.ToString(CultureInfo.InvariantCulture)} for an input of shape (None, {string.Join(", ", input)}); LstmGen normalises over the last axis only (axis = -1)");
            }
            fl.Config["axis"] = -1;
        }
        if (fl.ClassName == "Reshape" && fl.Config["target_shape"] is int[] shape && shape.Contains(-1))
        {
            long size = input.Aggregate(1L, (a, b) => a * b);
            long known = shape.Where(x => x != -1).Aggregate(1L, (a, b) => a * b);
            if (known > 0 && size % known == 0)
            {
                fl.Config["target_shape"] = shape.Select(x => x == -1 ? (int)(size / known) : x).ToArray();
            }
        }
    }

    /// <summary>The attribute (and its arguments in <paramref name="args"/>) of one of these layers; null for another class.</summary>
    public static string? AttributeFor(string className, IReadOnlyDictionary<string, object> config, List<string> args)
    {
        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        static int First(IReadOnlyDictionary<string, object> config, string key) => ((int[])config[key])[0];
        void PaddingArg()
        {
            string p = (string)config["padding"];
            if (p != "valid")
            {
                args.Add("Padding = PaddingMode." + char.ToUpperInvariant(p[0]) + p[1..]);
            }
        }
        switch (className)
        {
            case "Conv1D":
                args.Add(I((int)config["filters"]));
                args.Add(I(First(config, "kernel_size")));
                if (First(config, "strides") != 1)
                {
                    args.Add("Strides = " + I(First(config, "strides")));
                }
                PaddingArg();
                if (First(config, "dilation_rate") != 1)
                {
                    args.Add("DilationRate = " + I(First(config, "dilation_rate")));
                }
                AttributeText.Act(args, config, "activation", "Activation", Activation.Linear);
                AttributeText.Flag(args, config, "use_bias", "UseBias", true);
                return "Conv1D";
            case "MaxPooling1D":
            case "AveragePooling1D":
                args.Add(I(First(config, "pool_size")));
                if (First(config, "strides") != First(config, "pool_size"))
                {
                    args.Add("Strides = " + I(First(config, "strides")));
                }
                PaddingArg();
                return className;
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D":
            case "Flatten":
                return className;
            case "Reshape":
                args.AddRange(((int[])config["target_shape"]).Select(I));
                return "Reshape";
            case "BatchNormalization":
            case "LayerNormalization":
                if (config.TryGetValue("axis", out object? a) && a is int axis && axis != -1)
                {
                    args.Add("Axis = " + I(axis));
                }
                if (config.TryGetValue("momentum", out object? m) && m is double momentum && momentum != 0.99)
                {
                    args.Add("Momentum = " + D(momentum));
                }
                if (config.TryGetValue("epsilon", out object? e) && e is double epsilon && epsilon != 1e-3)
                {
                    args.Add("Epsilon = " + D(epsilon));
                }
                AttributeText.Flag(args, config, "center", "Center", true);
                AttributeText.Flag(args, config, "scale", "Scale", true);
                return className;
            case "Masking":
                if (config.TryGetValue("mask_value", out object? v) && v is double value && value != 0)
                {
                    args.Add(D(value));
                }
                return "Masking";
            default:
                return null;
        }
    }

    /// <summary>The output shape per sample of one of these layers for an input of shape <paramref name="s"/>; null for another class.</summary>
    public static int[]? OutputShape(FileLayer fl, int[] s)
    {
        static int Out(int steps, int span, int stride, string padding) => padding switch
        {
            "same" or "causal" => (steps + stride - 1) / stride,
            _ => steps < span ? 0 : (steps - span) / stride + 1,
        };
        int First(string key) => ((int[])fl.Config[key])[0];
        switch (fl.ClassName)
        {
            case "Conv1D":
            {
                int span = (First("kernel_size") - 1) * First("dilation_rate") + 1;
                return [Out(s[0], span, First("strides"), (string)fl.Config["padding"]), (int)fl.Config["filters"]];
            }
            case "MaxPooling1D":
            case "AveragePooling1D":
                return [Out(s[0], First("pool_size"), First("strides"), (string)fl.Config["padding"]), s[1]];
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D":
                return [s[^1]];
            case "Flatten":
                return [s.Aggregate(1, (a, b) => a * b)];
            case "Reshape":
                return ((int[])fl.Config["target_shape"]).ToArray();
            case "BatchNormalization":
            case "LayerNormalization":
            case "Masking":
                return s.ToArray();
            default:
                return null;
        }
    }

    /// <summary>Why one of these layers cannot take an input of shape <paramref name="s"/> (LstmGen's shape rules), or null.</summary>
    public static string? CheckInput(FileLayer fl, int[] s)
    {
        string shape = "(" + string.Join(", ", s) + ")";
        switch (fl.ClassName)
        {
            case "Conv1D":
            case "MaxPooling1D":
            case "AveragePooling1D":
            case "GlobalMaxPooling1D":
            case "GlobalAveragePooling1D":
            case "Masking":
                if (s.Length != 2)
                {
                    return $"it needs a sequence (steps, features) but receives {shape}";
                }
                int[]? output = OutputShape(fl, s);
                return output is not null && output.Length == 2 && output[0] <= 0 ? $"its window does not fit in its input {shape} (no output step)" : null;
            case "Reshape":
            {
                var target = (int[])fl.Config["target_shape"];
                long size = s.Aggregate(1L, (a, b) => a * b), count = target.Aggregate(1L, (a, b) => a * b);
                return size != count ? $"its target_shape ({string.Join(", ", target)}) does not hold the {size.ToString(CultureInfo.InvariantCulture)} values of its input {shape}" : null;
            }
            default:
                return null;
        }
    }

    /// <summary>The weights of one of these layers (Keras's names and shapes), for an input with <paramref name="features"/> features.</summary>
    public static IEnumerable<(string Leaf, int[] Shape)> Weights(FileLayer fl, int features)
    {
        switch (fl.ClassName)
        {
            case "Conv1D":
                yield return ("kernel", [((int[])fl.Config["kernel_size"])[0], features, (int)fl.Config["filters"]]);
                if ((bool)fl.Config["use_bias"])
                {
                    yield return ("bias", [(int)fl.Config["filters"]]);
                }
                break;
            case "BatchNormalization":
            case "LayerNormalization":
                if ((bool)fl.Config["scale"])
                {
                    yield return ("gamma", [features]);
                }
                if ((bool)fl.Config["center"])
                {
                    yield return ("beta", [features]);
                }
                if (fl.ClassName == "BatchNormalization")
                {
                    yield return ("moving_mean", [features]);
                    yield return ("moving_variance", [features]);
                }
                break;
        }
    }

    private static void ChannelsLast(KerasLayer layer, int index, KerasFile file)
    {
        string? format = layer.Config.GetString("data_format", null);
        if (format is not (null or "channels_last"))
        {
            throw KerasLayerReader.Unsupported(layer, index, file, $"its data_format is '{format}'; LstmGen's sequences are channels_last (steps, features)");
        }
    }

    private static string Padding(KerasLayer layer, int index, KerasFile file, bool causal)
    {
        string padding = layer.Config.GetString("padding", "valid") ?? "valid";
        if (padding == "valid" || padding == "same" || (causal && padding == "causal"))
        {
            return padding;
        }
        throw KerasLayerReader.Unsupported(layer, index, file, $"its padding '{padding}' is not {(causal ? "valid, same or causal" : "valid or same")}");
    }

    /// <summary>An int argument written as an int or a list of one int (Keras's tuples); null in the file is <paramref name="defaultValue"/>.</summary>
    private static int OneInt(KerasLayer layer, string key, int? defaultValue, int index, KerasFile file)
    {
        if (!layer.Config.TryGetValue(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return defaultValue ?? throw KerasLayerReader.Unsupported(layer, index, file, $"its config has no {key}");
        }
        JsonElement one = v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 1 ? v[0] : v;
        if (one.ValueKind == JsonValueKind.Number && one.TryGetInt32(out int x) && x > 0)
        {
            return x;
        }
        throw KerasLayerReader.Unsupported(layer, index, file, $"its {key} is {v.GetRawText()}, not a positive int (or a list of one)");
    }

    /// <summary>A normalisation's axis: an int or a list of one int, as written (settled by <see cref="Resolve"/>).</summary>
    private static int Axis(KerasLayer layer, int index, KerasFile file)
    {
        if (!layer.Config.TryGetValue("axis", out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return -1;
        }
        JsonElement one = v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 1 ? v[0] : v;
        if (one.ValueKind == JsonValueKind.Number && one.TryGetInt32(out int x) && x != 0 && x >= -1)
        {
            return x;
        }
        throw KerasLayerReader.Unsupported(layer, index, file, $"its axis is {v.GetRawText()}; LstmGen normalises over the last axis only (axis = -1)");
    }
}
