using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace LstmGen.Import;

/// <summary>
/// The <c>config</c> object of one Keras layer, with typed accessors. Every accessor that fails (missing key, wrong JSON
/// type, out of range) throws <see cref="KerasConfigException"/> naming the layer, the key and the JSON location.
/// </summary>
public sealed class KerasLayerConfig
{
    private readonly string _layerText;

    private readonly string _where;

    internal KerasLayerConfig(JsonElement config, string jsonPath, string layerText, string? fileName, string where)
    {
        Json = config;
        JsonPath = jsonPath;
        _layerText = layerText;
        FileName = fileName;
        _where = where;
    }

    /// <summary>The config object itself (independent of any document: safe to keep).</summary>
    public JsonElement Json { get; }

    /// <summary>The config object as JSON text, exactly as in the file.</summary>
    public string RawJson => Json.GetRawText();

    /// <summary>Where this config is in the model config, e.g. <c>config.layers[1].config</c>.</summary>
    public string JsonPath { get; }

    private string? FileName { get; }

    /// <summary>The keys present, in the file's order.</summary>
    public IEnumerable<string> Keys => Json.EnumerateObject().Select(p => p.Name);

    /// <summary>True when the key is present (even with a null value).</summary>
    public bool Has(string key) => Json.TryGetProperty(key, out _);

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool HasValue(string key) => Json.TryGetProperty(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>An integer value (a JSON number with no fractional part, within <see cref="int"/>'s range).</summary>
    public int GetInt(string key) => ToInt(Require(key), key);

    /// <summary>An integer value, or <paramref name="defaultValue"/> when the key is absent or null.</summary>
    public int GetInt(string key, int defaultValue) => TryGet(key, out JsonElement v) ? ToInt(v, key) : defaultValue;

    /// <summary>A number as float (e.g. a dropout rate).</summary>
    public float GetFloat(string key) => (float)GetDouble(key);

    /// <summary>A number as float, or <paramref name="defaultValue"/> when the key is absent or null.</summary>
    public float GetFloat(string key, float defaultValue) => TryGet(key, out JsonElement v) ? (float)ToDouble(v, key) : defaultValue;

    /// <summary>A number as double.</summary>
    public double GetDouble(string key) => ToDouble(Require(key), key);

    /// <summary>A boolean value.</summary>
    public bool GetBool(string key) => ToBool(Require(key), key);

    /// <summary>A boolean value, or <paramref name="defaultValue"/> when the key is absent or null (e.g. Keras 2.0's GRU has no <c>reset_after</c>: false).</summary>
    public bool GetBool(string key, bool defaultValue) => TryGet(key, out JsonElement v) ? ToBool(v, key) : defaultValue;

    /// <summary>A string value.</summary>
    public string GetString(string key) => ToStringValue(Require(key), key);

    /// <summary>A string value, or <paramref name="defaultValue"/> when the key is absent or null.</summary>
    public string? GetString(string key, string? defaultValue) => TryGet(key, out JsonElement v) ? ToStringValue(v, key) : defaultValue;

    /// <summary>A shape: an array of integers and nulls (null = a dimension left open, such as the batch or the steps).</summary>
    public int?[] GetShape(string key) => ToShape(Require(key), key);

    /// <summary>A shape, or null when the key is absent or null.</summary>
    public int?[]? GetShapeOrNull(string key) => TryGet(key, out JsonElement v) ? ToShape(v, key) : null;

    /// <summary>
    /// A dtype: a string (<c>"float32"</c>), or the name in a Keras 3 DTypePolicy object
    /// (<c>{"class_name": "DTypePolicy", "config": {"name": "float32"}}</c>); null when absent.
    /// </summary>
    public string? GetDType(string key = "dtype")
    {
        if (!TryGet(key, out JsonElement v))
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString();
        }
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("config", out JsonElement c) && c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String)
        {
            return n.GetString();
        }
        throw Error(key, $"is {Describe(v)}, not a dtype name or DTypePolicy");
    }

    /// <summary>Any value as a JSON element; throws when the key is absent.</summary>
    public JsonElement Get(string key) => Require(key);

    /// <summary>Any value as a JSON element, when present (null values included).</summary>
    public bool TryGetValue(string key, out JsonElement value) => Json.TryGetProperty(key, out value);

    private bool TryGet(string key, out JsonElement value) =>
        Json.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    private JsonElement Require(string key)
    {
        if (!Json.TryGetProperty(key, out JsonElement v))
        {
            throw new KerasConfigException($"{Where()}: layer {_layerText} has no '{key}' in its config (at {JsonPath}).", FileName, JsonPath);
        }
        return v;
    }

    private int ToInt(JsonElement v, string key)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt32(out int i))
            {
                return i;
            }
            if (v.TryGetDouble(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }
        throw Error(key, $"is {Describe(v)}, not an integer");
    }

    private double ToDouble(JsonElement v, string key)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d))
        {
            return d;
        }
        throw Error(key, $"is {Describe(v)}, not a number");
    }

    private bool ToBool(JsonElement v, string key) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error(key, $"is {Describe(v)}, not true or false"),
    };

    private string ToStringValue(JsonElement v, string key) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Error(key, $"is {Describe(v)}, not a string");

    private int?[] ToShape(JsonElement v, string key)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Error(key, $"is {Describe(v)}, not a shape (an array of integers and nulls)");
        }
        var shape = new int?[v.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in v.EnumerateArray())
        {
            if (d.ValueKind == JsonValueKind.Null)
            {
                shape[i++] = null;
            }
            else if (d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out int n) && n >= 0)
            {
                shape[i++] = n;
            }
            else
            {
                throw Error(key, $"is {v.GetRawText()}, not a shape (an array of non-negative integers and nulls)");
            }
        }
        return shape;
    }

    private string Where() => _where;

    private KerasConfigException Error(string key, string what) =>
        new($"{Where()}: '{key}' of layer {_layerText} {what} (at {JsonPath}.{key}).", FileName, JsonPath + "." + key);

    internal static string Describe(JsonElement v)
    {
        string text = v.GetRawText();
        if (text.Length > 60)
        {
            text = text[..57] + "...";
        }
        return v.ValueKind switch
        {
            JsonValueKind.Object => "an object " + text,
            JsonValueKind.Array => "an array " + text,
            JsonValueKind.Null => "null",
            _ => text,
        };
    }
}

/// <summary>
/// One layer of a Keras model as the file describes it: class, name, config, the layers it wraps, and its weights as
/// stored in the file. Nothing is interpreted: any class name is kept, supported by LstmGen or not.
/// </summary>
public sealed class KerasLayer
{
    internal KerasLayer(string className, string name, string? module, KerasLayerConfig config, string jsonPath, string rawJson,
        KerasLayer? layer, KerasLayer? forwardLayer, KerasLayer? backwardLayer)
    {
        ClassName = className;
        Name = name;
        Module = module;
        Config = config;
        JsonPath = jsonPath;
        RawJson = rawJson;
        Layer = layer;
        ForwardLayer = forwardLayer;
        BackwardLayer = backwardLayer;
    }

    /// <summary>Keras's class name: <c>LSTM</c>, <c>GRU</c>, <c>Dense</c>, <c>Bidirectional</c>, <c>InputLayer</c>, ...</summary>
    public string ClassName { get; }

    /// <summary>The layer's name (<c>config.name</c>, or the entry's <c>name</c> in old Functional configs).</summary>
    public string Name { get; }

    /// <summary>Keras 3's <c>module</c> (<c>keras.layers</c>); null in legacy configs.</summary>
    public string? Module { get; }

    /// <summary>The layer's config, with typed accessors.</summary>
    public KerasLayerConfig Config { get; }

    /// <summary>Where the layer entry is in the model config (<c>config.layers[2]</c>, <c>config.layers[1].config.layer</c>).</summary>
    public string JsonPath { get; }

    /// <summary>The whole layer entry (class_name, config, ...) as JSON text, exactly as in the file.</summary>
    public string RawJson { get; }

    /// <summary>The wrapped layer: <c>config.layer</c> of a <c>Bidirectional</c> or <c>TimeDistributed</c>; null otherwise.</summary>
    public KerasLayer? Layer { get; }

    /// <summary><c>config.forward_layer</c> of a Keras 3 <c>Bidirectional</c>; null when the config has none (Keras 2).</summary>
    public KerasLayer? ForwardLayer { get; }

    /// <summary>
    /// <c>config.backward_layer</c> of a <c>Bidirectional</c>; null when the config has none (Keras 2 and most Keras 3
    /// files: the backward layer is then <see cref="Layer"/>'s config with <c>go_backwards</c> flipped).
    /// </summary>
    public KerasLayer? BackwardLayer { get; }

    /// <summary>
    /// The layer's weights in the layer's own order (Keras's <c>layer.weights</c>: e.g. kernel, recurrent_kernel, bias;
    /// a Bidirectional's forward weights, then its backward weights). Empty for layers without weights, and for wrapped
    /// layers (their weights are the wrapper's).
    /// </summary>
    public IReadOnlyList<KerasWeight> Weights { get; internal set; } = [];

    /// <summary>
    /// The HDF5 group holding the layer's weights (<c>/layers/lstm_1</c>, <c>/model_weights/lstm</c>), or null when the
    /// file has no group for this layer.
    /// </summary>
    public string? WeightGroup { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({ClassName})";
}

/// <summary>A Keras model config: the model class, its input and its layers in model order.</summary>
public sealed class KerasModelConfig
{
    internal KerasModelConfig(string modelClass, string? name, int?[]? inputShape, string? inputDType, IReadOnlyList<KerasLayer> layers, string rawJson)
    {
        ModelClass = modelClass;
        Name = name;
        InputShape = inputShape;
        InputDType = inputDType;
        Layers = layers;
        RawJson = rawJson;
    }

    /// <summary><c>Sequential</c>, <c>Functional</c> (Keras 3) or <c>Model</c> (Keras 2 Functional).</summary>
    public string ModelClass { get; }

    /// <summary>The model's name (<c>sequential_1</c>); null when the config has none (Keras 2.0 Sequential lists).</summary>
    public string? Name { get; }

    /// <summary>
    /// The input shape of one sample, without the batch dimension (e.g. [60, 13], or [null, 13] when the steps are left
    /// open); null when the config does not say.
    /// </summary>
    public int?[]? InputShape { get; }

    /// <summary>The input layer's dtype (<c>float32</c>, <c>int32</c>); null when the config does not say.</summary>
    public string? InputDType { get; }

    /// <summary>
    /// The layers in model order, as listed in the config (an <c>InputLayer</c> included when the config has one);
    /// for a Functional model, in the order of its chain from input to output.
    /// </summary>
    public IReadOnlyList<KerasLayer> Layers { get; }

    /// <summary>The whole model config as JSON text, exactly as in the file.</summary>
    public string RawJson { get; }

    /// <summary>
    /// Parses a Keras model config (Keras 3 <c>config.json</c>, or the legacy <c>model_config</c> attribute) without any
    /// weights. Throws <see cref="KerasConfigException"/> for JSON that is not a Sequential or linear Functional model config.
    /// </summary>
    /// <param name="json">The config JSON text.</param>
    /// <param name="fileName">A name for messages (the file it came from); optional.</param>
    public static KerasModelConfig Parse(string json, string? fileName = null) => KerasConfigParser.Parse(json, fileName, null);
}

internal static class KerasConfigParser
{
    private static readonly string[] ModelClasses = ["Sequential", "Functional", "Model"];

    /// <param name="json">The config text.</param>
    /// <param name="fileName">The file, for <see cref="KerasFormatException.FileName"/>.</param>
    /// <param name="displayName">How messages name the config's source (e.g. "archive.keras:config.json"); default the file name.</param>
    public static KerasModelConfig Parse(string json, string? fileName, string? displayName)
    {
        ArgumentNullException.ThrowIfNull(json);
        displayName ??= fileName;
        string where = displayName is null ? "The model config" : $"The model config of '{displayName}'";
        JsonElement root;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new KerasConfigException($"{where} is not valid JSON: {ex.Message}", fileName, null, ex);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new KerasConfigException($"{where} is a JSON {Kind(root)}, not a Keras model config (an object with 'class_name' and 'config').", fileName, "$");
        }
        if (!root.TryGetProperty("class_name", out JsonElement cls) || cls.ValueKind != JsonValueKind.String)
        {
            throw new KerasConfigException($"{where} has no 'class_name' string: it is not a Keras model config.", fileName, "class_name");
        }
        string modelClass = cls.GetString()!;
        if (!ModelClasses.Contains(modelClass))
        {
            throw new KerasConfigException(
                $"{where} describes a '{modelClass}', not a Sequential or Functional model (a subclassed model or a single layer cannot be imported).",
                fileName, "class_name");
        }
        if (!root.TryGetProperty("config", out JsonElement config))
        {
            throw new KerasConfigException($"{where} has no 'config': it is not a Keras model config.", fileName, "config");
        }

        string? name = null;
        JsonElement layersElement;
        string layersPath;
        if (config.ValueKind == JsonValueKind.Array && modelClass == "Sequential")
        {
            layersElement = config; // Keras 2.0/2.1 Sequential: config is the list of layers
            layersPath = "config";
        }
        else if (config.ValueKind == JsonValueKind.Object)
        {
            if (config.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String)
            {
                name = n.GetString();
            }
            if (!config.TryGetProperty("layers", out layersElement) || layersElement.ValueKind != JsonValueKind.Array)
            {
                throw new KerasConfigException($"{where} has no 'layers' array in its config.", fileName, "config.layers");
            }
            layersPath = "config.layers";
        }
        else
        {
            throw new KerasConfigException($"{where}: 'config' is {KerasLayerConfig.Describe(config)}, not an object.", fileName, "config");
        }

        var layers = new List<KerasLayer>();
        var entries = new List<JsonElement>();
        int i = 0;
        foreach (JsonElement e in layersElement.EnumerateArray())
        {
            layers.Add(ParseLayer(e, $"{layersPath}[{i}]", fileName, where));
            entries.Add(e);
            i++;
        }
        var duplicates = layers.GroupBy(l => l.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null)
        {
            throw new KerasConfigException($"{where} has two layers named '{duplicates.Key}'.", fileName, layersPath);
        }

        IReadOnlyList<KerasLayer> ordered = modelClass == "Sequential" ? layers : OrderChain(config, layers, entries, layersPath, fileName, where);

        // Input shape and dtype.
        int?[]? inputShape = null;
        string? inputDType = null;
        KerasLayer? first = ordered.Count > 0 ? ordered[0] : null;
        if (first is not null)
        {
            int?[]? batchShape = first.Config.GetShapeOrNull("batch_shape") ?? first.Config.GetShapeOrNull("batch_input_shape");
            if (batchShape is not null && batchShape.Length > 0)
            {
                inputShape = batchShape[1..];
            }
            else if (first.ClassName != "InputLayer" && first.Config.HasValue("input_shape"))
            {
                inputShape = first.Config.GetShape("input_shape");
            }
            if (first.ClassName == "InputLayer" || batchShape is not null)
            {
                inputDType = first.Config.GetDType();
            }
        }
        if (inputShape is null && config.ValueKind == JsonValueKind.Object && config.TryGetProperty("build_input_shape", out JsonElement bis)
            && bis.ValueKind == JsonValueKind.Array && bis.GetArrayLength() > 0)
        {
            var tmp = new KerasLayerConfig(config, "config", "(model)", fileName, where);
            inputShape = tmp.GetShape("build_input_shape")[1..];
        }
        if (inputShape is null && first is not null && first.ClassName != "InputLayer")
        {
            // Keras 3: the first layer's build_config.input_shape.
            if (TryGetBuildInputShape(entries[layers.IndexOf(first)], first, fileName, where, out int?[]? built))
            {
                inputShape = built;
            }
        }
        return new KerasModelConfig(modelClass, name, inputShape, inputDType, ordered, root.GetRawText());
    }

    private static bool TryGetBuildInputShape(JsonElement entry, KerasLayer layer, string? fileName, string where, out int?[]? shape)
    {
        shape = null;
        if (entry.TryGetProperty("build_config", out JsonElement bc) && bc.ValueKind == JsonValueKind.Object
            && bc.TryGetProperty("input_shape", out JsonElement s) && s.ValueKind == JsonValueKind.Array && s.GetArrayLength() > 0)
        {
            var tmp = new KerasLayerConfig(bc, layer.JsonPath + ".build_config", $"'{layer.Name}' ({layer.ClassName})", fileName, where);
            shape = tmp.GetShape("input_shape")[1..];
            return true;
        }
        return false;
    }

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    internal static KerasLayer ParseLayer(JsonElement e, string path, string? fileName, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new KerasConfigException($"{where}: the layer at {path} is {KerasLayerConfig.Describe(e)}, not an object.", fileName, path);
        }
        if (!e.TryGetProperty("class_name", out JsonElement cls) || cls.ValueKind != JsonValueKind.String)
        {
            throw new KerasConfigException($"{where}: the layer at {path} has no 'class_name' string.", fileName, path + ".class_name");
        }
        string className = cls.GetString()!;
        if (!e.TryGetProperty("config", out JsonElement config) || config.ValueKind != JsonValueKind.Object)
        {
            throw new KerasConfigException($"{where}: the {className} layer at {path} has no 'config' object.", fileName, path + ".config");
        }
        string? name = null;
        if (config.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String)
        {
            name = n.GetString();
        }
        else if (e.TryGetProperty("name", out JsonElement n2) && n2.ValueKind == JsonValueKind.String)
        {
            name = n2.GetString();
        }
        if (string.IsNullOrEmpty(name))
        {
            throw new KerasConfigException($"{where}: the {className} layer at {path} has no name.", fileName, path + ".config.name");
        }
        string? module = e.TryGetProperty("module", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        string configPath = path + ".config";
        var layerConfig = new KerasLayerConfig(config, configPath, $"'{name}' ({className})", fileName, where);

        KerasLayer? Nested(string key) =>
            config.TryGetProperty(key, out JsonElement inner) && inner.ValueKind == JsonValueKind.Object
                ? ParseLayer(inner, $"{configPath}.{key}", fileName, where)
                : null;

        return new KerasLayer(className, name!, module, layerConfig, path, e.GetRawText(),
            Nested("layer"), Nested("forward_layer"), Nested("backward_layer"));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Functional models: the chain of layers from input to output
    // ------------------------------------------------------------------------------------------------------------

    private static IReadOnlyList<KerasLayer> OrderChain(JsonElement config, List<KerasLayer> layers, List<JsonElement> entries,
        string layersPath, string? fileName, string where)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            byName[layers[i].Name] = i;
        }
        var inbound = new List<string>?[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            string path = $"{layersPath}[{i}].inbound_nodes";
            if (!entries[i].TryGetProperty("inbound_nodes", out JsonElement nodes) || nodes.ValueKind == JsonValueKind.Null)
            {
                inbound[i] = null;
                continue;
            }
            if (nodes.ValueKind != JsonValueKind.Array)
            {
                throw new KerasConfigException($"{where}: 'inbound_nodes' of layer '{layers[i].Name}' is not an array (at {path}).", fileName, path);
            }
            int count = nodes.GetArrayLength();
            if (count == 0)
            {
                inbound[i] = null;
                continue;
            }
            if (count > 1)
            {
                throw NotChain($"layer '{layers[i].Name}' is called {count} times (a shared layer)", path);
            }
            var sources = new List<string>();
            CollectHistory(nodes[0], sources);
            inbound[i] = sources;
        }

        List<string> inputs = ReadEndpoints(config, "input_layers");
        List<string> outputs = ReadEndpoints(config, "output_layers");
        if (inputs.Count != 1)
        {
            throw NotChain($"it has {inputs.Count} inputs ({string.Join(", ", inputs)})", "config.input_layers");
        }
        if (outputs.Count != 1)
        {
            throw NotChain($"it has {outputs.Count} outputs ({string.Join(", ", outputs)})", "config.output_layers");
        }
        if (!byName.TryGetValue(inputs[0], out int current))
        {
            throw new KerasConfigException($"{where}: the input layer '{inputs[0]}' is not among the layers.", fileName, "config.input_layers");
        }
        var consumers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            if (inbound[i] is null)
            {
                continue;
            }
            if (inbound[i]!.Count != 1)
            {
                throw NotChain($"layer '{layers[i].Name}' takes {inbound[i]!.Count} inputs ({string.Join(", ", inbound[i]!)})", $"{layersPath}[{i}].inbound_nodes");
            }
            string src = inbound[i]![0];
            if (!byName.ContainsKey(src))
            {
                throw new KerasConfigException($"{where}: layer '{layers[i].Name}' takes its input from '{src}', which is not among the layers.", fileName, $"{layersPath}[{i}].inbound_nodes");
            }
            if (!consumers.TryGetValue(src, out List<int>? list))
            {
                consumers[src] = list = [];
            }
            list.Add(i);
        }
        var order = new List<KerasLayer> { layers[current] };
        var visited = new HashSet<int> { current };
        while (consumers.TryGetValue(layers[current].Name, out List<int>? next))
        {
            if (next.Count != 1)
            {
                throw NotChain($"the output of '{layers[current].Name}' goes to {next.Count} layers ({string.Join(", ", next.Select(k => layers[k].Name))})", layersPath);
            }
            current = next[0];
            if (!visited.Add(current))
            {
                throw NotChain($"layer '{layers[current].Name}' is reached twice (a cycle)", layersPath);
            }
            order.Add(layers[current]);
        }
        if (layers[current].Name != outputs[0])
        {
            throw NotChain($"the chain from '{inputs[0]}' ends at '{layers[current].Name}', but the output is '{outputs[0]}'", "config.output_layers");
        }
        if (order.Count != layers.Count)
        {
            var unused = layers.Where((l, k) => !visited.Contains(k)).Select(l => l.Name);
            throw NotChain($"layers {string.Join(", ", unused.Select(u => "'" + u + "'"))} are not on the chain from input to output", layersPath);
        }
        return order;

        KerasConfigException NotChain(string what, string path) =>
            new($"{where} is a Functional model that is not a linear chain of layers: {what} (at {path}). Only Sequential models and linear Functional models can be imported.", fileName, path);
    }

    /// <summary>Finds the source layer names in one inbound node (Keras 2 nested lists or Keras 3 keras_history objects).</summary>
    private static void CollectHistory(JsonElement node, List<string> sources)
    {
        if (node.ValueKind == JsonValueKind.Array)
        {
            // Keras 2: [[name, node_index, tensor_index, kwargs], ...] -- an entry starts with a string.
            if (node.GetArrayLength() >= 3 && node[0].ValueKind == JsonValueKind.String && node[1].ValueKind == JsonValueKind.Number)
            {
                sources.Add(node[0].GetString()!);
                return;
            }
            foreach (JsonElement e in node.EnumerateArray())
            {
                CollectHistory(e, sources);
            }
        }
        else if (node.ValueKind == JsonValueKind.Object)
        {
            if (node.TryGetProperty("keras_history", out JsonElement h) && h.ValueKind == JsonValueKind.Array && h.GetArrayLength() >= 1
                && h[0].ValueKind == JsonValueKind.String)
            {
                sources.Add(h[0].GetString()!);
                return;
            }
            foreach (JsonProperty p in node.EnumerateObject())
            {
                CollectHistory(p.Value, sources);
            }
        }
    }

    private static List<string> ReadEndpoints(JsonElement config, string key)
    {
        var names = new List<string>();
        if (config.TryGetProperty(key, out JsonElement e))
        {
            if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() >= 1 && e[0].ValueKind == JsonValueKind.String)
            {
                names.Add(e[0].GetString()!); // Keras 3 single endpoint: [name, 0, 0]
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement x in e.EnumerateArray())
                {
                    if (x.ValueKind == JsonValueKind.Array && x.GetArrayLength() >= 1 && x[0].ValueKind == JsonValueKind.String)
                    {
                        names.Add(x[0].GetString()!);
                    }
                }
            }
            else if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() >= 1 && p.Value[0].ValueKind == JsonValueKind.String)
                    {
                        names.Add(p.Value[0].GetString()!);
                    }
                }
            }
        }
        return names;
    }

    internal static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);
}
