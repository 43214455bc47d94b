using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LstmGen.Import;

/// <summary>
/// One layer to save in Keras 3's layout: its class, its name, its own variables and the nested objects Keras 3 saves
/// separately (an RNN's <c>cell</c>, a Bidirectional's <c>forward_layer</c> / <c>backward_layer</c>, a TimeDistributed's
/// <c>layer</c>). Build it with <see cref="Create"/>, <see cref="Bidirectional"/> or <see cref="TimeDistributed"/>.
/// </summary>
public sealed class KerasLayerWeights
{
    private static readonly Dictionary<string, string> RnnCells = new(StringComparer.Ordinal)
    {
        ["LSTM"] = "lstm_cell",
        ["GRU"] = "gru_cell",
        ["SimpleRNN"] = "simple_rnn_cell",
    };

    private KerasLayerWeights(string className, string name, IReadOnlyList<KerasWeight> variables,
        IReadOnlyList<(string Attribute, KerasLayerWeights Child)> children)
    {
        ClassName = className;
        Name = name;
        Variables = variables;
        Children = children;
    }

    /// <summary>The Keras class name (<c>LSTM</c>, <c>Dense</c>, ...): it names the layer's group (<c>lstm</c>, <c>lstm_1</c>, <c>dense</c>).</summary>
    public string ClassName { get; }

    /// <summary>The layer's name, saved as the <c>name</c> attribute of its <c>vars</c> group (as Keras 3.x does).</summary>
    public string Name { get; }

    /// <summary>The layer's own variables, saved as <c>vars/0..n</c> in this order.</summary>
    public IReadOnlyList<KerasWeight> Variables { get; }

    /// <summary>The nested objects (group name, object): <c>cell</c>, <c>forward_layer</c>, <c>backward_layer</c>, <c>layer</c>.</summary>
    public IReadOnlyList<(string Attribute, KerasLayerWeights Child)> Children { get; }

    /// <summary>All weights in Keras's order (own variables, then each child's in order), as <see cref="KerasFile"/> reads them back.</summary>
    public IEnumerable<KerasWeight> AllWeights => Variables.Concat(Children.SelectMany(c => c.Child.AllWeights));

    /// <summary>
    /// A layer with its weights in Keras's order. For <c>LSTM</c>, <c>GRU</c> and <c>SimpleRNN</c> the weights
    /// (kernel, recurrent_kernel, bias) go to the cell (<c>layers/lstm/cell/vars/0..2</c>, the layer's own <c>vars</c>
    /// empty); for every other class (<c>Dense</c>: kernel, bias; <c>Embedding</c>: embeddings; <c>Dropout</c>: none)
    /// to the layer's own <c>vars</c>.
    /// </summary>
    /// <param name="className">The Keras class name.</param>
    /// <param name="name">The layer's name (e.g. <c>lstm</c>, <c>dense_1</c>).</param>
    /// <param name="weights">The weights in Keras's order.</param>
    public static KerasLayerWeights Create(string className, string name, params KerasWeight[] weights)
    {
        ArgumentException.ThrowIfNullOrEmpty(className);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Any(w => w is null))
        {
            throw new ArgumentException($"A weight of layer '{name}' is null.", nameof(weights));
        }
        if (RnnCells.TryGetValue(className, out string? cellName))
        {
            var cell = new KerasLayerWeights(className + "Cell", cellName, weights.ToArray(), []);
            return new KerasLayerWeights(className, name, [], [("cell", cell)]);
        }
        return new KerasLayerWeights(className, name, weights.ToArray(), []);
    }

    /// <summary>A Bidirectional wrapper: <c>forward_layer</c> and <c>backward_layer</c>, each saved as its own layer.</summary>
    /// <param name="name">The wrapper's name (e.g. <c>bidirectional</c>).</param>
    /// <param name="forward">The forward layer (e.g. <c>Create("LSTM", "forward_lstm", ...)</c>).</param>
    /// <param name="backward">The backward layer (e.g. <c>Create("LSTM", "backward_lstm", ...)</c>).</param>
    public static KerasLayerWeights Bidirectional(string name, KerasLayerWeights forward, KerasLayerWeights backward)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        return new KerasLayerWeights("Bidirectional", name, [], [("forward_layer", forward), ("backward_layer", backward)]);
    }

    /// <summary>A TimeDistributed wrapper: the wrapped layer is saved as <c>layer</c>.</summary>
    /// <param name="name">The wrapper's name (e.g. <c>time_distributed</c>).</param>
    /// <param name="inner">The wrapped layer (e.g. <c>Create("Dense", "dense", kernel, bias)</c>).</param>
    public static KerasLayerWeights TimeDistributed(string name, KerasLayerWeights inner)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inner);
        return new KerasLayerWeights("TimeDistributed", name, [], [("layer", inner)]);
    }

    /// <summary>Any other nesting: own variables and named children, saved as Keras 3 saves any layer.</summary>
    public static KerasLayerWeights Custom(string className, string name, IReadOnlyList<KerasWeight> variables,
        IReadOnlyList<(string Attribute, KerasLayerWeights Child)> children)
    {
        ArgumentException.ThrowIfNullOrEmpty(className);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(children);
        return new KerasLayerWeights(className, name, variables.ToArray(), children.ToArray());
    }
}

/// <summary>Options of <see cref="KerasWeightsWriter"/>.</summary>
public sealed record KerasWriteOptions
{
    /// <summary>The model's name, saved as the <c>name</c> attribute of the root <c>vars</c> group; default <c>sequential</c>.</summary>
    public string ModelName { get; init; } = "sequential";

    /// <summary>
    /// The <c>keras_version</c> written to a <c>.keras</c> archive's metadata.json; default <c>3.0.0</c> (the layout is
    /// Keras 3's since 3.0).
    /// </summary>
    public string KerasVersion { get; init; } = "3.0.0";

    /// <summary>The <c>date_saved</c> of metadata.json and the zip entries' time; default: now (local time, as Keras).</summary>
    public DateTime? DateSaved { get; init; }
}

/// <summary>
/// Saves weights in Keras 3's layout, so that a model trained in .NET loads in Keras with <c>model.load_weights</c>
/// (a <c>.weights.h5</c> file) or <c>keras.models.load_model</c> (a <c>.keras</c> archive).
/// </summary>
/// <remarks>
/// <para>
/// Layout (as Keras 3's <c>saving_lib</c> writes it): a root group <c>vars</c> (the model's own variables, none), and one
/// group per layer under <c>layers</c>, named by class in snake case with a per-class counter in model order
/// (<c>layers/lstm</c>, <c>layers/lstm_1</c>, <c>layers/dense</c>); each object (layer, cell, wrapped layer) has a
/// <c>vars</c> group holding its variables as datasets <c>0</c>, <c>1</c>, ... and a <c>name</c> attribute:
/// <c>layers/lstm/vars</c> (empty) and <c>layers/lstm/cell/vars/0..2</c>;
/// <c>layers/bidirectional/forward_layer/cell/vars/0..2</c> and <c>backward_layer</c>;
/// <c>layers/time_distributed/layer/vars/0..1</c>; <c>layers/dense/vars/0..1</c>; <c>layers/dropout/vars</c> (empty).
/// No optimizer state is written.
/// </para>
/// <para>
/// The HDF5 file is what h5py writes by default (superblock 0, old-style groups, contiguous float32 datasets, UTF-8
/// variable-length string attributes). Writing to a path goes through a temporary file in the same folder, renamed at the
/// end: a failure leaves no partial file. No reflection: trimming- and NativeAOT-safe.
/// </para>
/// </remarks>
public static class KerasWeightsWriter
{
    /// <summary>Writes a Keras 3 <c>.weights.h5</c> file.</summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="layers">The layers in model order (Keras's <c>model.layers</c>: no InputLayer for a Sequential model).</param>
    /// <param name="options">Options; optional.</param>
    public static void WriteWeights(string path, IReadOnlyList<KerasLayerWeights> layers, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = BuildWeights(layers, options ?? new KerasWriteOptions());
        WriteAtomically(path, s => s.Write(bytes));
    }

    /// <summary>Writes a Keras 3 <c>.weights.h5</c> file to a stream.</summary>
    public static void WriteWeights(Stream stream, IReadOnlyList<KerasLayerWeights> layers, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = BuildWeights(layers, options ?? new KerasWriteOptions());
        stream.Write(bytes);
    }

    /// <summary>
    /// Writes a Keras 3 <c>.keras</c> archive: metadata.json, the given config.json and model.weights.h5. The config is
    /// checked first: it must be a Sequential or linear Functional model config whose layers (InputLayer aside for a
    /// Sequential model) have the classes of <paramref name="layers"/>, in order.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="configJson">The model config as Keras 3 serialises it (<c>{"module": "keras", "class_name": "Sequential", "config": {...}}</c>).</param>
    /// <param name="layers">The layers' weights in model order.</param>
    /// <param name="options">Options; optional.</param>
    /// <exception cref="KerasConfigException">The config is not a model config.</exception>
    /// <exception cref="ArgumentException">The config's layers do not match <paramref name="layers"/>.</exception>
    public static void WriteArchive(string path, string configJson, IReadOnlyList<KerasLayerWeights> layers, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] zip = BuildArchive(configJson, layers, options ?? new KerasWriteOptions());
        WriteAtomically(path, s => s.Write(zip));
    }

    /// <summary>Writes a Keras 3 <c>.keras</c> archive to a stream (see the path overload).</summary>
    public static void WriteArchive(Stream stream, string configJson, IReadOnlyList<KerasLayerWeights> layers, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] zip = BuildArchive(configJson, layers, options ?? new KerasWriteOptions());
        stream.Write(zip);
    }

    private static byte[] BuildArchive(string configJson, IReadOnlyList<KerasLayerWeights> layers, KerasWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        ArgumentNullException.ThrowIfNull(layers);
        KerasModelConfig model = KerasConfigParser.Parse(configJson, null, "config.json");
        var expected = model.Layers.Where(l => !(model.ModelClass == "Sequential" && l.ClassName == "InputLayer")).ToList();
        if (model.ModelClass != "Sequential")
        {
            // A Functional model's layers include its InputLayer, which has no weights: accept it given or not.
            if (layers.Count == expected.Count - 1 && expected.Count > 0 && expected[0].ClassName == "InputLayer")
            {
                layers = [KerasLayerWeights.Create("InputLayer", expected[0].Name), .. layers];
            }
        }
        if (expected.Count != layers.Count)
        {
            throw new ArgumentException(
                $"The config has {expected.Count} layers with weight groups ({string.Join(", ", expected.Select(l => l.ClassName))}), "
                + $"but {layers.Count} layers' weights were given ({string.Join(", ", layers.Select(l => l.ClassName))}).", nameof(layers));
        }
        for (int i = 0; i < expected.Count; i++)
        {
            if (expected[i].ClassName != layers[i].ClassName)
            {
                throw new ArgumentException(
                    $"Layer {i} of the config is '{expected[i].Name}' ({expected[i].ClassName}), but the weights given at position {i} are for a {layers[i].ClassName} ('{layers[i].Name}').",
                    nameof(layers));
            }
        }
        byte[] weights = BuildWeights(layers, options with { ModelName = model.Name ?? options.ModelName });
        DateTime date = options.DateSaved ?? DateTime.Now;
        string metadata = JsonSerializerFree.Object(
            ("keras_version", options.KerasVersion),
            ("date_saved", date.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture)));

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] content)
            {
                ZipArchiveEntry e = zip.CreateEntry(name, CompressionLevel.NoCompression);
                e.LastWriteTime = date.Year < 1980 ? new DateTime(1980, 1, 1) : date;
                using Stream s = e.Open();
                s.Write(content);
            }
            Add("metadata.json", Encoding.UTF8.GetBytes(metadata));
            Add("config.json", Encoding.UTF8.GetBytes(configJson));
            Add("model.weights.h5", weights);
        }
        return buffer.ToArray();
    }

    private static byte[] BuildWeights(IReadOnlyList<KerasLayerWeights> layers, KerasWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Any(l => l is null))
        {
            throw new ArgumentException("A layer is null.", nameof(layers));
        }
        var root = new Hdf5WriteGroup();
        root.Group("vars").StringAttribute("name", options.ModelName);
        Hdf5WriteGroup layersGroup = root.Group("layers");
        IReadOnlyList<string> names = KerasNaming.WeightGroupNames(layers.Select(l => l.ClassName));
        for (int i = 0; i < layers.Count; i++)
        {
            AddObject(layersGroup.Group(names[i]), layers[i], "layers/" + names[i]);
        }
        return Hdf5Writer.Write(root);
    }

    private static void AddObject(Hdf5WriteGroup group, KerasLayerWeights layer, string path)
    {
        Hdf5WriteGroup vars = group.Group("vars");
        vars.StringAttribute("name", layer.Name);
        for (int i = 0; i < layer.Variables.Count; i++)
        {
            KerasWeight w = layer.Variables[i];
            vars.Dataset(i.ToString(CultureInfo.InvariantCulture), w.Shape.ToArray(), w.Values);
        }
        foreach ((string attribute, KerasLayerWeights child) in layer.Children)
        {
            if (attribute == "vars" || attribute.Contains('/') || attribute.Length == 0)
            {
                throw new ArgumentException($"Layer '{layer.Name}' has a child named '{attribute}' (at {path}); child names must be plain names other than 'vars'.");
            }
            AddObject(group.Group(attribute), child, path + "/" + attribute);
        }
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var s = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(s);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>A JSON object of string values without reflection-based serialisation.</summary>
    private static class JsonSerializerFree
    {
        public static string Object(params (string Key, string Value)[] pairs)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                foreach ((string k, string v) in pairs)
                {
                    w.WriteString(k, v);
                }
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
