using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LstmGen;

/// <summary>Options for <see cref="SafeTensors.Load(WeightStore, string, SafeTensorsLoadOptions?)"/>.</summary>
public sealed class SafeTensorsLoadOptions
{
    /// <summary>
    /// When true, tensors in the file that the model does not have are skipped (their header entries and offsets are still
    /// validated). When false (the default), such tensors are an error that lists them.
    /// </summary>
    public bool IgnoreUnknownTensors { get; init; }
}

/// <summary>
/// Saves and loads a model's weights as a <see href="https://github.com/huggingface/safetensors">safetensors</see> file:
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor (<c>dtype</c>, <c>shape</c>,
/// <c>data_offsets</c>, plus an optional <c>__metadata__</c> object of strings), then the tensor data, little-endian and
/// row-major, tiling the rest of the file.
/// </summary>
/// <remarks>
/// <para>
/// Tensors are named and shaped as in Keras (<see cref="WeightStore.Entries"/>: e.g. <c>lstm/kernel</c> of shape
/// (input features, 4·units)), so a file holds exactly what Keras's <c>model.weights</c> holds, by name. Loading matches
/// tensors by name, whatever their order in the file.
/// </para>
/// <para>
/// Loading reads and checks the whole file (header, offsets, names, shapes, dtypes, every value) before it changes the
/// model, so a failed load leaves the weights as they were. Every problem with the file, or with how it fits the model,
/// is an <see cref="InvalidDataException"/> whose message names the file (when loaded from a path or a
/// <see cref="FileStream"/>) and the tensor concerned.
/// </para>
/// <para>
/// The data is little-endian on every machine: on a big-endian machine values are byte-swapped when written and read.
/// Nothing here uses reflection-based serialisation; it is trimming- and NativeAOT-safe.
/// </para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted, in bytes (the limit of the reference implementation).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const int CopyChunkBytes = 1 << 20;

    /// <summary>The safetensors dtypes and their sizes in bits (to validate offsets of tensors that are not loaded).</summary>
    private static readonly Dictionary<string, int> DTypeBits = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 8, ["U8"] = 8, ["I8"] = 8, ["F8_E5M2"] = 8, ["F8_E4M3"] = 8, ["F8_E8M0"] = 8,
        ["F4"] = 4, ["F6_E2M3"] = 6, ["F6_E3M2"] = 6,
        ["I16"] = 16, ["U16"] = 16, ["F16"] = 16, ["BF16"] = 16,
        ["I32"] = 32, ["U32"] = 32, ["F32"] = 32,
        ["I64"] = 64, ["U64"] = 64, ["F64"] = 64, ["C64"] = 64,
    };

    // ------------------------------------------------------------------------------------------------------------
    // Save
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Writes the weights to <paramref name="path"/> as a safetensors file (see <see cref="Save(WeightStore, Stream)"/>).
    /// The file is written under a temporary name in the same folder and then moved over <paramref name="path"/>, so an
    /// existing file is replaced whole or not at all, and no partly written file is left behind on failure.
    /// </summary>
    /// <param name="weights">The model's weights, e.g. <c>model.Weights</c>.</param>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite (such a file could not be loaded).</exception>
    /// <exception cref="IOException"><paramref name="path"/> is a directory (or another I/O error).</exception>
    public static void Save(WeightStore weights, string path)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckFinite(weights);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"'{path}' is a directory: give the path of the safetensors file to write (e.g. {Path.Combine(path, "model.safetensors")}).");
        }
        string temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(weights, file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            throw;
        }
    }

    /// <summary>
    /// Writes the weights to <paramref name="stream"/>, from its current position, as a safetensors file: one <c>F32</c>
    /// tensor per weight with its Keras name and shape, in model order, and <c>__metadata__</c>
    /// <c>{"format": "keras", "producer": "LstmGen &lt;version&gt;", "model": &lt;model name&gt;}</c>. The header is padded
    /// with spaces to a multiple of 8 bytes. The stream is not closed.
    /// </summary>
    /// <param name="weights">The model's weights, e.g. <c>model.Weights</c>.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="InvalidOperationException">A weight is NaN or infinite (such a file could not be loaded).</exception>
    public static void Save(WeightStore weights, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }
        CheckFinite(weights);
        Write(weights, stream);
    }

    private static void CheckFinite(WeightStore weights)
    {
        float[] p = weights.Parameters;
        if (Kernels.AllFinite(p))
        {
            return;
        }
        foreach (WeightInfo e in weights.Entries)
        {
            for (int i = 0; i < e.Length; i++)
            {
                float v = p[e.Offset + i];
                if (!float.IsFinite(v))
                {
                    throw new InvalidOperationException(
                        $"Cannot save {weights.ModelName}: weight '{e.Name}' value [{i}] is {Format(v)}; weights must be finite.");
                }
            }
        }
    }

    private static void Write(WeightStore weights, Stream stream)
    {
        byte[] header = BuildHeader(weights);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        ReadOnlySpan<float> data = weights.Parameters;
        if (BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < data.Length; i += CopyChunkBytes / sizeof(float))
            {
                ReadOnlySpan<float> chunk = data.Slice(i, Math.Min(CopyChunkBytes / sizeof(float), data.Length - i));
                stream.Write(MemoryMarshal.AsBytes(chunk));
            }
        }
        else
        {
            var buffer = new uint[Math.Min(CopyChunkBytes / sizeof(float), Math.Max(data.Length, 1))];
            for (int i = 0; i < data.Length; i += buffer.Length)
            {
                int n = Math.Min(buffer.Length, data.Length - i);
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, uint>(data.Slice(i, n)), buffer.AsSpan(0, n));
                stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
            }
        }
        stream.Flush();
    }

    private static byte[] BuildHeader(WeightStore weights)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "keras");
            json.WriteString("producer", "LstmGen " + Version);
            json.WriteString("model", weights.ModelName);
            json.WriteEndObject();
            long offset = 0;
            foreach (WeightInfo e in weights.Entries)
            {
                long end = offset + (long)e.Length * sizeof(float);
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in e.Dimensions)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int length = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[length];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static string Version
    {
        get
        {
            Assembly assembly = typeof(SafeTensors).Assembly;
            string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (string.IsNullOrEmpty(version))
            {
                return assembly.GetName().Version?.ToString(3) ?? "0.0.0";
            }
            int plus = version.IndexOf('+', StringComparison.Ordinal); // drop the source revision
            return plus >= 0 ? version[..plus] : version;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Load
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Sets every weight from the safetensors file at <paramref name="path"/>, matching tensors by Keras name (see
    /// <see cref="Load(WeightStore, Stream, SafeTensorsLoadOptions?)"/> for what is accepted and checked). Either every weight is set
    /// or, when anything is wrong, none is.
    /// </summary>
    /// <param name="weights">The model's weights, e.g. <c>model.Weights</c>.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or does not fit the model; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/> (or it is a directory).</exception>
    public static void Load(WeightStore weights, string path, SafeTensorsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = OpenRead(path);
        LoadCore(weights, file, path, options ?? new SafeTensorsLoadOptions());
    }

    /// <summary>
    /// Sets every weight from a safetensors file read from <paramref name="stream"/>'s current position to its end,
    /// matching tensors by Keras name in any order. Either every weight is set or, when anything is wrong, none is.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Accepted: <c>F32</c> tensors, and <c>F64</c> tensors (rounded to the nearest float32). Checked before any weight is
    /// changed: the header length against the file's size; the header is a JSON object whose entries each have a
    /// <c>dtype</c>, a <c>shape</c> and two <c>data_offsets</c> consistent with shape × dtype size; the tensors tile the
    /// data with no holes, no overlaps and nothing after the last one; every model weight is in the file with the model's
    /// shape; the file has no tensor the model lacks (unless <see cref="SafeTensorsLoadOptions.IgnoreUnknownTensors"/>); every value
    /// is finite.
    /// </para>
    /// <para>The stream is not closed; it is left after the last byte read.</para>
    /// </remarks>
    /// <param name="weights">The model's weights, e.g. <c>model.Weights</c>.</param>
    /// <param name="stream">A readable stream.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors file, or does not fit the model; the message names the problem and the tensor.</exception>
    public static void Load(WeightStore weights, Stream stream, SafeTensorsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(stream);
        LoadCore(weights, stream, SourceOf(stream), options ?? new SafeTensorsLoadOptions());
    }

    /// <summary>
    /// The <c>__metadata__</c> of the safetensors file at <paramref name="path"/> (empty when it has none). The whole header
    /// is validated, and the tensors' offsets against the file's size; the tensor data is not read.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = OpenRead(path);
        return ReadHeader(file, path).Metadata;
    }

    /// <summary>
    /// The <c>__metadata__</c> of a safetensors file read from <paramref name="stream"/>'s current position (empty when it
    /// has none). Only the header is read and validated.
    /// </summary>
    /// <param name="stream">A readable stream.</param>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors header.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadHeader(stream, SourceOf(stream)).Metadata;
    }

    /// <summary>
    /// The tensors of the safetensors file at <paramref name="path"/>: name, shape and dtype (e.g. <c>F32</c>), in the order
    /// of their data in the file. The whole header is validated, and the tensors' offsets against the file's size; the
    /// tensor data is not read.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or a dimension exceeds <see cref="int.MaxValue"/>.</exception>
    public static IReadOnlyList<(string Name, int[] Shape, string DType)> ReadIndex(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = OpenRead(path);
        return Index(ReadHeader(file, path), path);
    }

    /// <summary>
    /// The tensors of a safetensors file read from <paramref name="stream"/>'s current position: name, shape and dtype, in
    /// the order of their data. Only the header is read and validated.
    /// </summary>
    /// <param name="stream">A readable stream.</param>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors header, or a dimension exceeds <see cref="int.MaxValue"/>.</exception>
    public static IReadOnlyList<(string Name, int[] Shape, string DType)> ReadIndex(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string? source = SourceOf(stream);
        return Index(ReadHeader(stream, source), source);
    }

    private static IReadOnlyList<(string Name, int[] Shape, string DType)> Index(Header header, string? source)
    {
        var list = new List<(string, int[], string)>(header.Tensors.Count);
        foreach (TensorEntry t in header.Tensors)
        {
            var shape = new int[t.Shape.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                if (t.Shape[i] > int.MaxValue)
                {
                    throw Invalid(source, $"tensor '{t.Name}' has dimension {t.Shape[i]}, larger than int.MaxValue.");
                }
                shape[i] = (int)t.Shape[i];
            }
            list.Add((t.Name, shape, t.DType));
        }
        return list;
    }

    private static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path))
        {
            // Opening a directory as a file gives UnauthorizedAccessException ("Access to the path is denied"), which misleads.
            throw new FileNotFoundException($"'{path}' is a directory, not a safetensors file: give the path of the file in it.", path);
        }
        return new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static string? SourceOf(Stream stream) => stream is FileStream f ? f.Name : null;

    private static void LoadCore(WeightStore weights, Stream stream, string? source, SafeTensorsLoadOptions options)
    {
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }
        Header header = ReadHeader(stream, source);

        // Names.
        var byName = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        foreach (TensorEntry t in header.Tensors)
        {
            byName.Add(t.Name, t);
        }
        List<string> missing = weights.Entries.Where(e => !byName.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        List<string> unknown = options.IgnoreUnknownTensors
            ? []
            : header.Tensors.Where(t => !weights.Contains(t.Name)).Select(t => t.Name).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0)
            {
                parts.Add($"the file lacks {Plural(missing.Count, "model weight")}: {Quoted(missing)}");
            }
            if (unknown.Count > 0)
            {
                parts.Add($"the file has {Plural(unknown.Count, "tensor")} the model does not: {Quoted(unknown)} " +
                          "(set SafeTensorsLoadOptions.IgnoreUnknownTensors to skip them)");
            }
            throw Mismatch(source, weights, string.Join("; ", parts) + $". The model's weights are: {string.Join(", ", weights.Entries)}.");
        }

        // Dtypes and shapes.
        foreach (WeightInfo e in weights.Entries)
        {
            TensorEntry t = byName[e.Name];
            if (t.DType is not ("F32" or "F64"))
            {
                throw Mismatch(source, weights,
                    $"tensor '{t.Name}' has dtype {t.DType}; only F32 and F64 (rounded to float32) can be loaded.");
            }
            if (!t.Shape.SequenceEqual(e.Dimensions.Select(d => (long)d)))
            {
                throw Mismatch(source, weights,
                    $"tensor '{t.Name}' has shape {ShapeText(t.Shape)} in the file, but the model's '{e.Name}' has shape {e.ShapeText}.");
            }
        }

        // Data, in file order.
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        long position = 0; // in the data buffer
        foreach (TensorEntry t in header.Tensors)
        {
            if (weights.Contains(t.Name))
            {
                float[] v = t.DType == "F32" ? ReadF32(stream, source, t) : ReadF64(stream, source, t, weights);
                CheckFinite(v, t, source, weights);
                values.Add(t.Name, v);
            }
            else
            {
                Skip(stream, source, t);
            }
            position = t.End;
        }
        if (!stream.CanSeek && stream.ReadByte() >= 0)
        {
            throw Invalid(source, $"there is data after the last tensor, which ends at byte {position} of the data buffer.");
        }

        weights.SetMany(weights.Entries.Select(e => KeyValuePair.Create(e.Name, values[e.Name])));
    }

    private static float[] ReadF32(Stream stream, string? source, TensorEntry t)
    {
        var v = new float[t.Count];
        for (int i = 0; i < v.Length; i += CopyChunkBytes / sizeof(float))
        {
            Span<float> chunk = v.AsSpan(i, Math.Min(CopyChunkBytes / sizeof(float), v.Length - i));
            ReadExactly(stream, MemoryMarshal.AsBytes(chunk), source, t);
            if (!BitConverter.IsLittleEndian)
            {
                Span<uint> bits = MemoryMarshal.Cast<float, uint>(chunk);
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }
        }
        return v;
    }

    private static float[] ReadF64(Stream stream, string? source, TensorEntry t, WeightStore weights)
    {
        var v = new float[t.Count];
        var buffer = new double[Math.Min(CopyChunkBytes / sizeof(double), Math.Max(v.Length, 1))];
        for (int i = 0; i < v.Length; i += buffer.Length)
        {
            Span<double> chunk = buffer.AsSpan(0, Math.Min(buffer.Length, v.Length - i));
            ReadExactly(stream, MemoryMarshal.AsBytes(chunk), source, t);
            if (!BitConverter.IsLittleEndian)
            {
                Span<ulong> bits = MemoryMarshal.Cast<double, ulong>(chunk);
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }
            for (int j = 0; j < chunk.Length; j++)
            {
                double d = chunk[j];
                if (!double.IsFinite(d) || !float.IsFinite((float)d))
                {
                    throw Mismatch(source, weights,
                        $"tensor '{t.Name}' value [{i + j}] is {Format(d)}, which is not a finite float32; weights must be finite.");
                }
                v[i + j] = (float)d;
            }
        }
        return v;
    }

    private static void CheckFinite(float[] v, TensorEntry t, string? source, WeightStore weights)
    {
        if (Kernels.AllFinite(v))
        {
            return;
        }
        for (int i = 0; i < v.Length; i++)
        {
            if (!float.IsFinite(v[i]))
            {
                throw Mismatch(source, weights, $"tensor '{t.Name}' value [{i}] is {Format(v[i])}; weights must be finite.");
            }
        }
    }

    private static void Skip(Stream stream, string? source, TensorEntry t)
    {
        long bytes = t.End - t.Begin;
        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current); // the length was checked against the file's size
            return;
        }
        byte[] scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(bytes, 1 << 16) + 1);
        try
        {
            while (bytes > 0)
            {
                int n = (int)Math.Min(bytes, scratch.Length);
                ReadExactly(stream, scratch.AsSpan(0, n), source, t);
                bytes -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> destination, string? source, TensorEntry t)
    {
        int read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read < destination.Length)
        {
            throw Invalid(source, $"the data is truncated: tensor '{t.Name}' (data_offsets [{t.Begin}, {t.End}]) ends past the end of the file.");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Header
    // ------------------------------------------------------------------------------------------------------------

    private sealed class TensorEntry(string name, string dtype, long[] shape, long begin, long end, long count)
    {
        public string Name { get; } = name;
        public string DType { get; } = dtype;
        public long[] Shape { get; } = shape;
        public long Begin { get; } = begin;
        public long End { get; } = end;
        public long Count { get; } = count;
    }

    private sealed class Header(List<TensorEntry> tensors, Dictionary<string, string> metadata)
    {
        /// <summary>Sorted by data offsets.</summary>
        public List<TensorEntry> Tensors { get; } = tensors;
        public Dictionary<string, string> Metadata { get; } = metadata;
    }

    /// <summary>Reads and validates the length prefix and the JSON header, leaving the stream at the start of the data.</summary>
    private static Header ReadHeader(Stream stream, string? source)
    {
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }
        long available = stream.CanSeek ? stream.Length - stream.Position : -1;
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (got < 8)
        {
            throw Invalid(source, $"it is {got} bytes long; a safetensors file starts with an 8-byte header length.");
        }
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (available >= 0 && length > (ulong)(available - 8))
        {
            throw Invalid(source, $"the header length is {length} bytes, more than the {available - 8} bytes after it: the file is truncated, or not a safetensors file.");
        }
        if (length > MaxHeaderLength)
        {
            throw Invalid(source, $"the header length is {length} bytes, more than the limit of {MaxHeaderLength}.");
        }
        if (length < 2)
        {
            throw Invalid(source, $"the header length is {length} bytes, too short for a JSON object.");
        }
        byte[] json = new byte[(int)length];
        if (stream.ReadAtLeast(json, json.Length, throwOnEndOfStream: false) < json.Length)
        {
            throw Invalid(source, $"the file ends inside its {length}-byte header: it is truncated.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            int at = FirstInvalidUtf8(json);
            throw Invalid(source, $"the header is not valid UTF-8: byte {at} of the header (offset {8 + at} in the file) is 0x{json[at]:X2}, which does not start or continue a UTF-8 character here.");
        }

        Header header;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
            header = ParseHeader(doc.RootElement, source);
        }
        catch (JsonException ex)
        {
            throw Invalid(source, $"the header is not valid JSON: {ex.Message}", ex);
        }
        catch (ArgumentException ex) // invalid UTF-8
        {
            throw Invalid(source, $"the header is not valid UTF-8 JSON: {ex.Message}", ex);
        }

        // The tensors must tile the data buffer.
        long expected = 0;
        TensorEntry? previous = null;
        foreach (TensorEntry t in header.Tensors)
        {
            if (t.Begin < expected)
            {
                throw Invalid(source, $"tensors '{previous!.Name}' (data_offsets [{previous.Begin}, {previous.End}]) and '{t.Name}' (data_offsets [{t.Begin}, {t.End}]) overlap.");
            }
            if (t.Begin > expected)
            {
                throw Invalid(source, $"bytes [{expected}, {t.Begin}) of the data belong to no tensor (a hole before tensor '{t.Name}', data_offsets [{t.Begin}, {t.End}]).");
            }
            expected = t.End;
            previous = t;
        }
        if (available >= 0)
        {
            long data = available - 8 - (long)length;
            if (data < expected)
            {
                TensorEntry first = header.Tensors.First(t => t.End > data);
                throw Invalid(source, $"the data is truncated: it is {data} bytes, but tensor '{first.Name}' has data_offsets [{first.Begin}, {first.End}] (the header describes {expected} bytes).");
            }
            if (data > expected)
            {
                throw Invalid(source, $"the data is {data} bytes, but the tensors cover only {expected}: {data - expected} bytes at the end belong to no tensor.");
            }
        }
        return header;
    }

    private static Header ParseHeader(JsonElement root, string? source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"the header is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object.");
        }
        var tensors = new List<TensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in root.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                throw Invalid(source, $"the header has '{p.Name}' twice.");
            }
            if (p.Name == "__metadata__")
            {
                if (p.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                if (p.Value.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(source, "'__metadata__' is not a JSON object.");
                }
                foreach (JsonProperty m in p.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(source, $"'__metadata__' entry '{m.Name}' is not a string.");
                    }
                    if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                    {
                        throw Invalid(source, $"'__metadata__' has '{m.Name}' twice.");
                    }
                }
                continue;
            }
            tensors.Add(ParseTensor(p.Name, p.Value, source));
        }
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        return new Header(tensors, metadata);
    }

    private static TensorEntry ParseTensor(string name, JsonElement e, string? source)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"the header entry for tensor '{name}' is not a JSON object.");
        }
        if (!e.TryGetProperty("dtype", out JsonElement dtypeElement))
        {
            throw Invalid(source, $"tensor '{name}' has no 'dtype'.");
        }
        if (!e.TryGetProperty("shape", out JsonElement shapeElement))
        {
            throw Invalid(source, $"tensor '{name}' has no 'shape'.");
        }
        if (!e.TryGetProperty("data_offsets", out JsonElement offsetsElement))
        {
            throw Invalid(source, $"tensor '{name}' has no 'data_offsets'.");
        }
        if (dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Invalid(source, $"tensor '{name}' has a 'dtype' that is not a string.");
        }
        string dtype = dtypeElement.GetString()!;
        if (!DTypeBits.TryGetValue(dtype, out int bits))
        {
            throw Invalid(source, $"tensor '{name}' has unknown dtype '{dtype}'.");
        }

        if (shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, $"tensor '{name}' has a 'shape' that is not an array.");
        }
        var shape = new long[shapeElement.GetArrayLength()];
        long count = 1;
        int k = 0;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
            {
                throw Invalid(source, $"tensor '{name}' has shape {shapeElement.GetRawText()}; dimensions must be non-negative integers.");
            }
            shape[k++] = dim;
            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw Invalid(source, $"tensor '{name}' has shape {ShapeText(shape)}, too many elements.");
            }
        }

        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
        {
            throw Invalid(source, $"tensor '{name}' has data_offsets {offsetsElement.GetRawText()}; expected [begin, end].");
        }
        long begin = 0, end = 0;
        k = 0;
        foreach (JsonElement o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long v) || v < 0)
            {
                throw Invalid(source, $"tensor '{name}' has data_offsets {offsetsElement.GetRawText()}; offsets must be non-negative integers.");
            }
            if (k++ == 0) begin = v; else end = v;
        }
        if (end < begin)
        {
            throw Invalid(source, $"tensor '{name}' has data_offsets [{begin}, {end}], which end before they begin.");
        }

        long bytes;
        try
        {
            long totalBits = checked(count * bits);
            if (totalBits % 8 != 0)
            {
                throw Invalid(source, $"tensor '{name}' of dtype {dtype} and shape {ShapeText(shape)} is not a whole number of bytes.");
            }
            bytes = totalBits / 8;
        }
        catch (OverflowException)
        {
            throw Invalid(source, $"tensor '{name}' has shape {ShapeText(shape)}, too many elements.");
        }
        if (end - begin != bytes)
        {
            throw Invalid(source,
                $"tensor '{name}' has data_offsets [{begin}, {end}] ({end - begin} bytes), but its shape {ShapeText(shape)} of dtype {dtype} needs {bytes} bytes.");
        }
        if (dtype is "F32" or "F64" && count > Array.MaxLength)
        {
            throw Invalid(source, $"tensor '{name}' has {count} elements, too many to load.");
        }
        return new TensorEntry(name, dtype, shape, begin, end, count);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Messages
    // ------------------------------------------------------------------------------------------------------------

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }
            i += consumed;
        }
        return bytes.Length;
    }

    private static InvalidDataException Invalid(string? source, string detail, Exception? inner = null) =>
        new($"{(source is null ? "The stream" : $"'{source}'")} is not a valid safetensors file: {detail}", inner);

    private static InvalidDataException Mismatch(string? source, WeightStore weights, string detail) =>
        new($"Cannot load {(source is null ? "the safetensors stream" : $"'{source}'")} into {weights.ModelName} (nothing was changed): {detail}");

    private static string ShapeText(IEnumerable<long> shape) => "(" + string.Join(", ", shape) + ")";

    private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => "'" + n + "'"));

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(float v) => v.ToString("R", CultureInfo.InvariantCulture);
}
