using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LstmGen.Import;

/// <summary>The kind of Keras file, as told by its first bytes and its content (never by its extension).</summary>
public enum KerasFileFormat
{
    /// <summary>A Keras 3 <c>.keras</c> archive: a zip holding <c>config.json</c>, <c>metadata.json</c> and <c>model.weights.h5</c>.</summary>
    KerasArchive,

    /// <summary>
    /// A legacy full-model HDF5 file (<c>model.save("m.h5")</c> in Keras 1/2, tf.keras 2.x or Keras 3): root attribute
    /// <c>model_config</c>, weights under <c>model_weights</c> listed by <c>layer_names</c> / <c>weight_names</c>.
    /// </summary>
    LegacyHdf5Model,

    /// <summary>A legacy weights-only HDF5 file (Keras 2 <c>save_weights("w.h5")</c>): root attribute <c>layer_names</c>, no config.</summary>
    LegacyHdf5Weights,

    /// <summary>A Keras 3 <c>.weights.h5</c> file (<c>save_weights</c>): groups <c>layers/&lt;snake_class_name&gt;[_n]/.../vars</c>, no config.</summary>
    Keras3Weights,
}

/// <summary>One weight tensor as stored in the file: where, its name, its shape and its values (float32, row-major).</summary>
public sealed class KerasWeight
{
    private readonly int[] _shape;

    /// <summary>Creates a weight (to describe what a file holds, or to write one with <see cref="KerasWeightsWriter"/>).</summary>
    /// <param name="name">The weight's name (see <see cref="Name"/>).</param>
    /// <param name="shape">The shape; its product must equal the number of values.</param>
    /// <param name="values">The values, row-major.</param>
    /// <param name="path">The HDF5 path in the file, when read from one.</param>
    /// <param name="fileDType">The element type stored in the file (<c>float32</c> or <c>float64</c>).</param>
    public KerasWeight(string name, int[] shape, float[] values, string? path = null, string fileDType = "float32")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Weight '{name}' has a negative dimension in shape ({string.Join(", ", shape)}).", nameof(shape));
            }
            count *= d;
        }
        if (count != values.Length)
        {
            throw new ArgumentException($"Weight '{name}' has shape ({string.Join(", ", shape)}) = {count} values, but {values.Length} were given.", nameof(values));
        }
        Name = name;
        _shape = (int[])shape.Clone();
        Values = values;
        Path = path ?? name;
        FileDType = fileDType;
    }

    /// <summary>
    /// The weight's name in the file: in legacy HDF5, its <c>weight_names</c> entry
    /// (<c>lstm/lstm_cell/kernel:0</c>, <c>sequential_1/dense_2/bias</c>); in Keras 3 files, its path below the layer's
    /// group (<c>cell/vars/0</c>, <c>forward_layer/cell/vars/2</c>, <c>vars/1</c>).
    /// </summary>
    public string Name { get; }

    /// <summary>The dataset's absolute HDF5 path (<c>/model_weights/lstm/sequential_1/lstm/lstm_cell/kernel</c>, <c>/layers/lstm/cell/vars/0</c>).</summary>
    public string Path { get; }

    /// <summary>The shape, as in the file.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The values as float32, row-major (the array itself: do not modify it).</summary>
    public float[] Values { get; }

    /// <summary>The element type stored in the file: <c>float32</c>, or <c>float64</c> (converted).</summary>
    public string FileDType { get; }

    /// <summary>The shape as text, e.g. <c>(13, 256)</c>.</summary>
    public string ShapeText => "(" + string.Join(", ", _shape) + ")";

    /// <inheritdoc/>
    public override string ToString() => $"{Path} {ShapeText}";
}

/// <summary>A group of weights in the file that belongs to one layer (found by its group, whether or not a config layer claims it).</summary>
public sealed class KerasWeightGroup
{
    internal KerasWeightGroup(string name, string path, IReadOnlyList<KerasWeight> weights, string? layerName)
    {
        Name = name;
        Path = path;
        Weights = weights;
        LayerName = layerName;
    }

    /// <summary>The group's name: the layer name in legacy files, <c>lstm_1</c>-style class-counter names in Keras 3 files.</summary>
    public string Name { get; }

    /// <summary>The group's absolute HDF5 path.</summary>
    public string Path { get; }

    /// <summary>The weights, in the layer's order.</summary>
    public IReadOnlyList<KerasWeight> Weights { get; }

    /// <summary>The name of the config layer this group belongs to; null when no config layer claims it (or there is no config).</summary>
    public string? LayerName { get; }
}

/// <summary>
/// A neutral, engine-independent description of a Keras model or weights file: its format and version, the model config
/// (class, input, layers with their configs) and every layer's weights in the layer's own order. Reading interprets nothing:
/// layers of any class are kept with their class name.
/// </summary>
/// <remarks>
/// <para>
/// Formats (detected from the first bytes, never the extension): a zip (<c>PK\x03\x04</c>) is a Keras 3 <c>.keras</c>
/// archive; an HDF5 file (<c>\x89HDF\r\n\x1a\n</c>) is a legacy full model (root attribute <c>model_config</c>), a legacy
/// weights file (root attribute <c>layer_names</c>) or a Keras 3 <c>.weights.h5</c> (root group <c>layers</c>).
/// </para>
/// <para>
/// Weight order: in legacy HDF5 from each layer group's <c>weight_names</c> attribute (never the alphabetical listing),
/// so <c>model_weights/&lt;layer&gt;/&lt;model&gt;/&lt;layer&gt;/&lt;cell&gt;/kernel</c> (Keras 3),
/// <c>model_weights/&lt;layer&gt;/&lt;layer&gt;/lstm_cell_N/kernel:0</c> (tf.keras 2.x, with N unrelated to the layer) and
/// <c>model_weights/&lt;layer&gt;/&lt;layer&gt;/kernel:0</c> (Keras 2.2 and older, byte-string attributes) all read the same way.
/// In Keras 3 files from <c>vars/0..n</c>: the layer's own <c>vars</c>, then nested objects (<c>cell</c>, <c>layer</c>) in
/// name order, except a Bidirectional's <c>forward_layer</c>, then <c>backward_layer</c>.
/// </para>
/// <para>
/// Element types: float32 is read as is; float64 is converted to float32 (rounded to nearest) after checking that every
/// finite value fits float32's range; anything else is a <see cref="KerasDTypeException"/>. Optimizer state is ignored.
/// </para>
/// <para>
/// Every problem is a <see cref="KerasFormatException"/> (or <see cref="KerasDTypeException"/>,
/// <see cref="KerasConfigException"/>) naming the file and the place; nothing is returned half-read. The file is read
/// into memory whole (files up to 2 GB). No reflection: trimming- and NativeAOT-safe.
/// </para>
/// </remarks>
public sealed class KerasFile
{
    private static ReadOnlySpan<byte> ZipMagic => "PK\x03\x04"u8;

    private KerasFile(KerasFileFormat format, string? fileName, string? kerasVersion, string? backend, string? dateSaved,
        KerasModelConfig? model, IReadOnlyList<KerasWeightGroup> weightGroups)
    {
        Format = format;
        FileName = fileName;
        KerasVersion = kerasVersion;
        Backend = backend;
        DateSaved = dateSaved;
        Model = model;
        WeightGroups = weightGroups;
    }

    /// <summary>The kind of file.</summary>
    public KerasFileFormat Format { get; }

    /// <summary>The path or name the file was read from; null for an unnamed stream.</summary>
    public string? FileName { get; }

    /// <summary>
    /// The Keras version that wrote the file (<c>keras_version</c> attribute, or <c>metadata.json</c>): <c>2.0.4</c>,
    /// <c>2.10.0</c>, <c>3.3.3</c>; null when the file does not say (Keras 3 <c>.weights.h5</c>, very old files).
    /// </summary>
    public string? KerasVersion { get; }

    /// <summary>The major version of <see cref="KerasVersion"/> (2, 3); null when unknown.</summary>
    public int? KerasMajorVersion
    {
        get
        {
            if (KerasVersion is null) return null;
            int dot = KerasVersion.IndexOf('.');
            string major = dot < 0 ? KerasVersion : KerasVersion[..dot];
            return int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
        }
    }

    /// <summary>
    /// True when the file was written by Keras 1/2 or tf.keras 2.x, whose <c>hard_sigmoid</c> is
    /// <c>clip(0.2x + 0.5, 0, 1)</c> (Keras 3's is <c>clip(x/6 + 0.5, 0, 1)</c>): a version below 3, or, when the file
    /// gives none, a legacy HDF5 file (Keras 3 always records its version there; a Keras 3 <c>.weights.h5</c> records none).
    /// </summary>
    public bool UsesKeras2HardSigmoid =>
        KerasMajorVersion is int major ? major < 3 : Format is KerasFileFormat.LegacyHdf5Model or KerasFileFormat.LegacyHdf5Weights;

    /// <summary>The backend attribute of legacy HDF5 files (<c>tensorflow</c>, <c>theano</c>); null when the file does not say.</summary>
    public string? Backend { get; }

    /// <summary>The <c>date_saved</c> of a <c>.keras</c> archive's metadata.json; null otherwise.</summary>
    public string? DateSaved { get; }

    /// <summary>The model config; null for weights-only files.</summary>
    public KerasModelConfig? Model { get; }

    /// <summary>The layers in model order, with their weights attached (empty for weights-only files: see <see cref="WeightGroups"/>).</summary>
    public IReadOnlyList<KerasLayer> Layers => Model?.Layers ?? [];

    /// <summary>
    /// Every layer weight group found in the file, in the file's order (legacy: <c>layer_names</c> order; Keras 3: the
    /// groups under <c>layers</c> in the order HDF5 lists them: alphabetical for the usual old-style groups), including groups no config layer claims.
    /// </summary>
    public IReadOnlyList<KerasWeightGroup> WeightGroups { get; }

    /// <summary>The layer of this name; throws <see cref="KeyNotFoundException"/> listing the names when there is none.</summary>
    public KerasLayer GetLayer(string name) =>
        Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new KeyNotFoundException($"The model has no layer '{name}'; its layers are {string.Join(", ", Layers.Select(l => "'" + l.Name + "'"))}.");

    /// <summary>Reads a Keras file from a path.</summary>
    /// <exception cref="KerasFormatException">The file is not a readable Keras file (the message says what and where).</exception>
    public static KerasFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data = File.ReadAllBytes(path);
        return Read(data, path);
    }

    /// <summary>Reads a Keras file from a stream (read to its end).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="fileName">A name for messages; optional.</param>
    public static KerasFile Read(Stream stream, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.ToArray(), fileName);
    }

    /// <summary>Reads a Keras file from its bytes.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="fileName">A name for messages; optional.</param>
    public static KerasFile Read(byte[] data, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        string source = fileName is null ? "The file" : $"'{fileName}'";
        if (data.Length >= 4 && data.AsSpan(0, 4).SequenceEqual(ZipMagic))
        {
            return ReadArchive(data, fileName, source);
        }
        if (data.Length >= 8 && data.AsSpan(0, 8).SequenceEqual(Hdf5File.Signature))
        {
            Hdf5File h5 = Hdf5File.Open(data, source, fileName);
            return ReadHdf5(h5, fileName, source);
        }
        throw new KerasFormatException(
            $"{source} is not a Keras file: it starts with {DescribeBytes(data)}, but a .keras archive starts with the zip signature "
            + "50 4B 03 04 (\"PK\\x03\\x04\") and an .h5 file with the HDF5 signature 89 48 44 46 0D 0A 1A 0A (\"\\x89HDF\\r\\n\\x1a\\n\").",
            fileName);
    }

    internal static string DescribeBytes(byte[] data)
    {
        if (data.Length == 0)
        {
            return "nothing (it is empty)";
        }
        int n = Math.Min(8, data.Length);
        string hex = string.Join(" ", data.Take(n).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        var text = new StringBuilder();
        foreach (byte b in data.Take(n))
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        }
        return $"{hex} (\"{text}\"){(data.Length < 8 ? $", {data.Length} bytes in all" : "")}";
    }

    // ------------------------------------------------------------------------------------------------------------
    // .keras archives
    // ------------------------------------------------------------------------------------------------------------

    private static KerasFile ReadArchive(byte[] data, string? fileName, string source)
    {
        byte[]? config, metadata, weights;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(data, writable: false), ZipArchiveMode.Read);
            config = ReadEntry(zip, "config.json", source, fileName);
            metadata = ReadEntry(zip, "metadata.json", source, fileName);
            weights = ReadEntry(zip, "model.weights.h5", source, fileName);
            if (config is null)
            {
                throw new KerasFormatException($"{source} is a zip but not a .keras archive: it has no config.json (entries: {Entries(zip)}).", fileName, "config.json");
            }
            if (weights is null)
            {
                string npz = zip.GetEntry("model.weights.npz") is not null ? " (it has model.weights.npz: weights saved in npz format are not supported)" : "";
                throw new KerasFormatException($"{source} is a .keras archive without model.weights.h5{npz} (entries: {Entries(zip)}).", fileName, "model.weights.h5");
            }
        }
        catch (InvalidDataException ex)
        {
            throw new KerasFormatException($"{source} is a damaged or truncated zip archive: {ex.Message}", fileName, null, ex);
        }

        string configText = DecodeUtf8(config, source, fileName, "config.json");
        KerasModelConfig model = KerasConfigParser.Parse(configText, fileName, fileName is null ? "config.json" : fileName + ":config.json");
        string? version = null, date = null;
        if (metadata is not null)
        {
            string metaText = DecodeUtf8(metadata, source, fileName, "metadata.json");
            try
            {
                using JsonDocument doc = JsonDocument.Parse(metaText);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("keras_version", out JsonElement v) && v.ValueKind == JsonValueKind.String) version = v.GetString();
                    if (doc.RootElement.TryGetProperty("date_saved", out JsonElement d) && d.ValueKind == JsonValueKind.String) date = d.GetString();
                }
            }
            catch (JsonException ex)
            {
                throw new KerasFormatException($"{source}: metadata.json is not valid JSON: {ex.Message}", fileName, "metadata.json", ex);
            }
        }

        string innerSource = fileName is null ? "model.weights.h5 of the archive" : $"'{fileName}:model.weights.h5'";
        if (weights.Length < 8 || !weights.AsSpan(0, 8).SequenceEqual(Hdf5File.Signature))
        {
            throw new KerasFormatException($"{innerSource} is not an HDF5 file: it starts with {DescribeBytes(weights)}.", fileName, "model.weights.h5");
        }
        Hdf5File h5 = Hdf5File.Open(weights, innerSource, fileName);
        IReadOnlyList<KerasWeightGroup> groups = ReadKeras3Weights(h5, model, innerSource, fileName);
        return new KerasFile(KerasFileFormat.KerasArchive, fileName, version, null, date, model, groups);
    }

    private static byte[]? ReadEntry(ZipArchive zip, string name, string source, string? fileName)
    {
        ZipArchiveEntry? entry = zip.GetEntry(name);
        if (entry is null)
        {
            return null;
        }
        if (entry.Length > Array.MaxLength)
        {
            throw new KerasFormatException($"{source}: {name} is too large ({entry.Length} bytes).", fileName, name);
        }
        try
        {
            using Stream s = entry.Open();
            using var buffer = new MemoryStream();
            s.CopyTo(buffer);
            if (buffer.Length != entry.Length)
            {
                throw new KerasFormatException($"{source}: {name} decompresses to {buffer.Length} bytes, but the archive says {entry.Length}: it is damaged.", fileName, name);
            }
            byte[] bytes = buffer.ToArray();
            uint crc = Crc32(bytes);
            if (crc != entry.Crc32)
            {
                throw new KerasFormatException(
                    $"{source}: the archive entry {name} is damaged or truncated: its CRC-32 is {crc:X8}, the archive says {entry.Crc32:X8}.", fileName, name);
            }
            return bytes;
        }
        catch (InvalidDataException ex)
        {
            throw new KerasFormatException($"{source}: the archive entry {name} is damaged or truncated: {ex.Message}", fileName, name, ex);
        }
        catch (IOException ex) when (ex is not KerasFormatException)
        {
            throw new KerasFormatException($"{source}: the archive entry {name} cannot be read: {ex.Message}", fileName, name, ex);
        }
    }

    private static readonly uint[] CrcTable = MakeCrcTable();

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }

    /// <summary>The zip format's CRC-32 (ISO-HDLC), to detect damaged entries (.NET does not check stored entries).</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }
        return c ^ 0xFFFFFFFFu;
    }

    private static string Entries(ZipArchive zip) =>
        zip.Entries.Count == 0 ? "none" : string.Join(", ", zip.Entries.Select(e => e.FullName));

    private static string DecodeUtf8(byte[] bytes, string source, string? fileName, string what)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new KerasFormatException($"{source}: {what} is not valid UTF-8 text.", fileName, what, ex);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // HDF5 files
    // ------------------------------------------------------------------------------------------------------------

    private static KerasFile ReadHdf5(Hdf5File h5, string? fileName, string source)
    {
        Hdf5Group root = h5.Root;
        string? version = ReadStringAttribute(root, "keras_version");
        string? backend = ReadStringAttribute(root, "backend");
        if (root.Attribute("model_config") is Hdf5Attribute configAttribute)
        {
            string[] texts = configAttribute.ReadStrings();
            if (texts.Length != 1)
            {
                throw new KerasFormatException($"{source}: the root attribute model_config holds {texts.Length} strings, not one.", fileName, "/");
            }
            KerasModelConfig model = KerasConfigParser.Parse(texts[0], fileName, null);
            Hdf5Group weightsGroup = root.Group("model_weights")
                ?? throw new KerasFormatException($"{source} has a model_config but no model_weights group: it holds no weights.", fileName, "/model_weights");
            version ??= ReadStringAttribute(weightsGroup, "keras_version");
            backend ??= ReadStringAttribute(weightsGroup, "backend");
            IReadOnlyList<KerasWeightGroup> groups = ReadLegacyWeights(weightsGroup, model, source, fileName);
            return new KerasFile(KerasFileFormat.LegacyHdf5Model, fileName, version, backend, null, model, groups);
        }
        if (root.Attribute("layer_names") is not null || root.Attribute("layer_names0") is not null)
        {
            IReadOnlyList<KerasWeightGroup> groups = ReadLegacyWeights(root, null, source, fileName);
            return new KerasFile(KerasFileFormat.LegacyHdf5Weights, fileName, version, backend, null, null, groups);
        }
        if (root.Contains("layers") || root.Contains("vars") || root.Contains("_layer_checkpoint_dependencies"))
        {
            IReadOnlyList<KerasWeightGroup> groups = ReadKeras3Weights(h5, null, source, fileName);
            return new KerasFile(KerasFileFormat.Keras3Weights, fileName, version, backend, null, null, groups);
        }
        string attrs = string.Join(", ", root.Attributes.Keys);
        string links = string.Join(", ", root.Names);
        throw new KerasFormatException(
            $"{source} is an HDF5 file but not a Keras file: its root has no model_config or layer_names attribute and no layers group "
            + $"(attributes: {(attrs.Length == 0 ? "none" : attrs)}; members: {(links.Length == 0 ? "none" : links)}).", fileName, "/");
    }

    private static string? ReadStringAttribute(Hdf5Object owner, string name)
    {
        Hdf5Attribute? a = owner.Attribute(name);
        if (a is null || !a.Type.IsString)
        {
            return null;
        }
        string[] values = a.ReadStrings();
        return values.Length == 1 ? values[0] : null;
    }

    /// <summary>Keras's load_attributes_from_hdf5_group: the attribute, or its chunks name0, name1, ... when it was split.</summary>
    private static string[]? ReadChunkedStrings(Hdf5Object owner, string name)
    {
        if (owner.Attribute(name) is Hdf5Attribute a)
        {
            return a.ReadStrings();
        }
        if (owner.Attribute(name + "0") is null)
        {
            return null;
        }
        var all = new List<string>();
        for (int i = 0; owner.Attribute(name + i.ToString(CultureInfo.InvariantCulture)) is Hdf5Attribute chunk; i++)
        {
            all.AddRange(chunk.ReadStrings());
        }
        return all.ToArray();
    }

    private static IReadOnlyList<KerasWeightGroup> ReadLegacyWeights(Hdf5Group container, KerasModelConfig? model, string source, string? fileName)
    {
        string[] layerNames = ReadChunkedStrings(container, "layer_names")
            ?? throw new KerasFormatException($"{source}: {container.Path} has no layer_names attribute: the weights cannot be ordered.", fileName, container.Path);
        var groups = new List<KerasWeightGroup>();
        var byLayer = model?.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (string layerName in layerNames)
        {
            string groupPath = container.Path == "/" ? "/" + layerName : container.Path + "/" + layerName;
            if (container.Get(layerName) is not Hdf5Group group)
            {
                throw new KerasFormatException($"{source}: layer_names lists '{layerName}', but {groupPath} is not a group in the file.", fileName, groupPath);
            }
            string[] weightNames = ReadChunkedStrings(group, "weight_names")
                ?? throw new KerasFormatException($"{source}: the layer group {groupPath} has no weight_names attribute.", fileName, groupPath);
            var weights = new List<KerasWeight>();
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (string weightName in weightNames)
            {
                string path = groupPath + "/" + weightName;
                if (!listed.Add(weightName))
                {
                    throw new KerasFormatException($"{source}: weight_names of {groupPath} lists '{weightName}' twice.", fileName, groupPath);
                }
                if (group.GetPath(weightName) is not Hdf5Dataset ds)
                {
                    throw new KerasFormatException(
                        $"{source}: weight_names of {groupPath} lists {weightNames.Length} weights, but '{weightName}' is missing ({path} is not a dataset in the file).",
                        fileName, path);
                }
                weights.Add(ReadWeight(ds, weightName, source, fileName));
            }
            int stored = CountDatasets(group);
            if (stored != weightNames.Length)
            {
                throw new KerasFormatException(
                    $"{source}: the layer group {groupPath} holds {stored} weight datasets, but its weight_names lists {weightNames.Length} "
                    + $"({(weightNames.Length == 0 ? "none" : string.Join(", ", weightNames))}): the file is inconsistent.", fileName, groupPath);
            }
            string? owner = null;
            if (byLayer is not null && byLayer.TryGetValue(layerName, out KerasLayer? layer))
            {
                layer.Weights = weights;
                layer.WeightGroup = groupPath;
                owner = layer.Name;
            }
            groups.Add(new KerasWeightGroup(layerName, groupPath, weights, owner));
        }
        return groups;
    }

    private static int CountDatasets(Hdf5Group group, int depth = 0)
    {
        if (depth > 32)
        {
            throw group.File.Fail(group.Path, -1, "the groups are nested too deeply");
        }
        int n = 0;
        foreach (string name in group.Names)
        {
            switch (group.Get(name))
            {
                case Hdf5Dataset:
                    n++;
                    break;
                case Hdf5Group g:
                    n += CountDatasets(g, depth + 1);
                    break;
            }
        }
        return n;
    }

    private static IReadOnlyList<KerasWeightGroup> ReadKeras3Weights(Hdf5File h5, KerasModelConfig? model, string source, string? fileName)
    {
        // tf.keras 2.13-2.15 archives name the group _layer_checkpoint_dependencies (Keras 3 reads them the same way).
        Hdf5Group? layersGroup = h5.Root.Group("layers") ?? h5.Root.Group("_layer_checkpoint_dependencies");
        var groups = new List<KerasWeightGroup>();
        var owners = new Dictionary<string, KerasLayer>(StringComparer.Ordinal);
        if (model is not null)
        {
            // Keras 3 names the groups by class with a per-class counter over model.layers (a Sequential's InputLayer is not one of them).
            List<KerasLayer> counted = model.Layers.Where(l => !(model.ModelClass == "Sequential" && l.ClassName == "InputLayer")).ToList();
            IReadOnlyList<string> names = KerasNaming.WeightGroupNames(counted.Select(l => l.ClassName));
            for (int i = 0; i < counted.Count; i++)
            {
                owners[names[i]] = counted[i];
            }
        }
        if (layersGroup is not null)
        {
            foreach (string name in layersGroup.Names)
            {
                if (layersGroup.Get(name) is not Hdf5Group g)
                {
                    continue;
                }
                owners.TryGetValue(name, out KerasLayer? layer);
                var weights = new List<KerasWeight>();
                CollectKeras3(g, "", weights, source, fileName, 0);
                if (layer is not null)
                {
                    layer.Weights = weights;
                    layer.WeightGroup = g.Path;
                }
                groups.Add(new KerasWeightGroup(name, g.Path, weights, layer?.Name));
            }
        }
        return groups;
    }

    private static void CollectKeras3(Hdf5Group group, string relative, List<KerasWeight> weights, string source, string? fileName, int depth)
    {
        if (depth > 16)
        {
            throw new KerasFormatException($"{source}: the weight groups under {group.Path} are nested too deeply.", fileName, group.Path);
        }
        if (group.Get("vars") is Hdf5Group vars)
        {
            var datasets = new SortedDictionary<int, Hdf5Dataset>();
            foreach (string name in vars.Names)
            {
                string path = vars.Path + "/" + name;
                if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index.ToString(CultureInfo.InvariantCulture) != name)
                {
                    throw new KerasFormatException($"{source}: {vars.Path} holds '{name}', but a Keras 3 vars group holds only datasets named 0, 1, 2, ...", fileName, path);
                }
                if (vars.Get(name) is not Hdf5Dataset ds)
                {
                    throw new KerasFormatException($"{source}: {path} is a group, but a Keras 3 variable is a dataset.", fileName, path);
                }
                datasets[index] = ds;
            }
            int expected = 0;
            foreach ((int index, Hdf5Dataset ds) in datasets)
            {
                if (index != expected)
                {
                    throw new KerasFormatException(
                        $"{source}: {vars.Path} holds variables {string.Join(", ", datasets.Keys)}: variable {expected} is missing.", fileName, vars.Path + "/" + expected.ToString(CultureInfo.InvariantCulture));
                }
                expected++;
                string name = (relative.Length == 0 ? "" : relative + "/") + "vars/" + index.ToString(CultureInfo.InvariantCulture);
                weights.Add(ReadWeight(ds, name, source, fileName));
            }
        }
        // Nested objects in name order, except a Bidirectional's: forward_layer, then backward_layer (Keras's weight
        // order; only Bidirectional has these, so this holds without a config too).
        List<string> children = group.Names.Where(n => n != "vars" && group.Get(n) is Hdf5Group)
            .OrderBy(n => n == "forward_layer" ? 0 : n == "backward_layer" ? 1 : 2).ThenBy(n => n, StringComparer.Ordinal).ToList();
        foreach (string child in children)
        {
            var g = (Hdf5Group)group.Get(child)!;
            CollectKeras3(g, relative.Length == 0 ? child : relative + "/" + child, weights, source, fileName, depth + 1);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Weights
    // ------------------------------------------------------------------------------------------------------------

    private static KerasWeight ReadWeight(Hdf5Dataset ds, string name, string source, string? fileName)
    {
        Hdf5DataType type = ds.Type;
        if (!type.IsFloat32 && !type.IsFloat64)
        {
            throw new KerasDTypeException(
                $"{source}: the weight {ds.Path} is of type {type.Name}; only float32 weights (and float64, converted) can be imported.",
                fileName, ds.Path, type.Name);
        }
        var shape = new int[ds.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = (int)ds.Shape[i];
        }
        if (ds.ElementCount > Array.MaxLength)
        {
            throw new KerasFormatException($"{source}: the weight {ds.Path} has {ds.ElementCount} elements, too many to load.", fileName, ds.Path);
        }
        byte[] raw = ds.ReadRaw();
        var values = new float[ds.ElementCount];
        if (type.IsFloat32)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = type.BigEndian
                    ? BinaryPrimitives.ReadSingleBigEndian(raw.AsSpan(4 * i))
                    : BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
            }
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                double d = type.BigEndian
                    ? BinaryPrimitives.ReadDoubleBigEndian(raw.AsSpan(8 * i))
                    : BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * i));
                float f = (float)d;
                if (float.IsInfinity(f) && double.IsFinite(d))
                {
                    throw new KerasDTypeException(
                        $"{source}: the float64 weight {ds.Path} holds {d.ToString("R", CultureInfo.InvariantCulture)} at element {i}, outside float32's range: it cannot be converted.",
                        fileName, ds.Path, "float64");
                }
                values[i] = f;
            }
        }
        return new KerasWeight(name, shape, values, ds.Path, type.Name);
    }
}
