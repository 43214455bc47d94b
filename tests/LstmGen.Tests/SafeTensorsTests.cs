using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Safetensors files: bit-exact round trips, files written by an independent implementation
/// (tests/reference/write_safetensors.py), and a clear error, with the model left unchanged, for every kind of bad file.
/// </summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lstmgen-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static TheoryData<string> CaseNames => new(ReferenceCase.AllNames);

    public static TheoryData<string> PythonCases => new("stacked", "embedding_mask", "bidirectional_ave");

    // ------------------------------------------------------------------------------------------------------------
    // Round trips
    // ------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Save_then_Load_into_a_fresh_model_is_bit_exact_and_predicts_identically(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        foreach (var create in KerasReferenceTests.Models[name])
        {
            ISequentialModel saved = create(new ModelOptions { Seed = 11 });
            ISequentialModel loaded = create(new ModelOptions { Seed = 12 });
            Assert.NotEqual(Bits(saved.Weights.Parameters), Bits(loaded.Weights.Parameters));

            string path = Path.Combine(_dir, name + ".safetensors");
            SafeTensors.Save(saved.Weights, path);
            SafeTensors.Load(loaded.Weights, path);

            Assert.Equal(Bits(saved.Weights.Parameters), Bits(loaded.Weights.Parameters));
            Assert.Equal(Bits(PredictBatch(saved, c)), Bits(PredictBatch(loaded, c)));
            var one = new float[saved.OutputLength];
            var other = new float[saved.OutputLength];
            KerasReferenceTests.PredictOne(saved, c, 0, one);
            KerasReferenceTests.PredictOne(loaded, c, 0, other);
            Assert.Equal(Bits(one), Bits(other));
        }
    }

    [Fact]
    public void Streams_round_trip_seekable_or_not_and_from_the_current_position()
    {
        var saved = new Stacked(new ModelOptions { Seed = 3 });
        var stream = new MemoryStream();
        stream.Write("prefix"u8);
        SafeTensors.Save(saved.Weights, stream);
        Assert.True(stream.CanWrite); // not closed

        var fromSeekable = new Stacked(new ModelOptions { Seed = 4 });
        stream.Position = 6;
        SafeTensors.Load(fromSeekable.Weights, stream);
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(Bits(saved.Weights.Parameters), Bits(fromSeekable.Weights.Parameters));

        var fromPipe = new Stacked(new ModelOptions { Seed = 5 });
        SafeTensors.Load(fromPipe.Weights, new NonSeekableStream(stream.ToArray().AsSpan(6).ToArray()));
        Assert.Equal(Bits(saved.Weights.Parameters), Bits(fromPipe.Weights.Parameters));
    }

    [Fact]
    public void Saved_file_has_Keras_names_shapes_model_order_F32_metadata_and_an_8_byte_aligned_header()
    {
        var model = new BidirectionalAve(new ModelOptions { Seed = 7 });
        string path = Path.Combine(_dir, "bidi.safetensors");
        SafeTensors.Save(model.Weights, path);
        byte[] file = File.ReadAllBytes(path);

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, n % 8);
        string headerText = Encoding.UTF8.GetString(file, 8, (int)n);
        Assert.StartsWith("{", headerText);
        Assert.Equal(headerText.TrimEnd(' ').Length + headerText.Length - headerText.TrimEnd(' ').Length, headerText.Length);
        using JsonDocument header = JsonDocument.Parse(headerText);
        JsonElement meta = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("keras", meta.GetProperty("format").GetString());
        Assert.Matches(@"^LstmGen \d+\.\d+\.\d+", meta.GetProperty("producer").GetString());
        Assert.Equal("BidirectionalAve", meta.GetProperty("model").GetString());

        long offset = 0;
        var names = new List<string>();
        foreach (JsonProperty p in header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            WeightInfo e = model.Weights.Find(p.Name);
            names.Add(p.Name);
            Assert.Equal("F32", p.Value.GetProperty("dtype").GetString());
            Assert.Equal(e.Dimensions, p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
            long[] offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            Assert.Equal(new[] { offset, offset + 4L * e.Length }, offsets);
            offset = offsets[1];
        }
        Assert.Equal(model.Weights.Entries.Select(e => e.Name), names);
        Assert.Equal(8 + (long)n + offset, file.Length);
        Assert.Equal(MemoryMarshal.AsBytes(model.Weights.Parameters.AsSpan()).ToArray(), file.AsSpan(8 + (int)n).ToArray());

        var index = SafeTensors.ReadIndex(path);
        Assert.Equal(model.Weights.Entries.Select(e => e.Name), index.Select(t => t.Name));
        Assert.Equal(model.Weights.Entries.Select(e => e.Dimensions.ToArray()), index.Select(t => t.Shape));
        Assert.All(index, t => Assert.Equal("F32", t.DType));
        var metadata = SafeTensors.ReadMetadata(path);
        Assert.Equal(["format", "model", "producer"], metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("BidirectionalAve", metadata["model"]);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Files written by tests/reference/write_safetensors.py
    // ------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(PythonCases))]
    public void Files_written_by_an_independent_implementation_load_by_name_and_match_Keras(string name)
    {
        ReferenceCase c = ReferenceCase.Load(name);
        string path = Path.Combine(ReferenceCase.Directory, "SafeTensors", name + ".safetensors");

        var index = SafeTensors.ReadIndex(path);
        Assert.Equal(index.Select(t => t.Name).Order(StringComparer.Ordinal), index.Select(t => t.Name)); // sorted by name ...
        Assert.NotEqual(c.Weights!.Select(w => w.Name), index.Select(t => t.Name));                      // ... not model order
        Assert.Equal("write_safetensors.py", SafeTensors.ReadMetadata(path)["producer"]);

        foreach (var create in KerasReferenceTests.Models[name])
        {
            ISequentialModel model = create(new ModelOptions { MaxBatch = 2 });
            SafeTensors.Load(model.Weights, path);
            foreach (ReferenceWeight w in c.Weights!)
            {
                Assert.Equal(Bits(w.Values), Bits(model.Weights.Get(w.Name)));
            }
            KerasReferenceTests.AssertClose(c.Output, PredictBatch(model, c), $"{name} ({model.GetType().Name}) from {path}");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Other dtypes
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void F64_tensors_are_rounded_to_float32()
    {
        var source = new EmbeddingMask(new ModelOptions { Seed = 21 });
        var tensors = TensorsOf(source.Weights).Select(t => t with
        {
            DType = "F64",
            Data = MemoryMarshal.AsBytes(MemoryMarshal.Cast<byte, float>(t.Data).ToArray().Select(v => v * (1 + 1e-12)).ToArray().AsSpan()).ToArray(),
        }).ToList();
        var model = new EmbeddingMask(new ModelOptions { Seed = 22 });
        SafeTensors.Load(model.Weights, WriteFile(Build(tensors)));
        Assert.Equal(Bits(source.Weights.Parameters), Bits(model.Weights.Parameters));
    }

    [Theory]
    [InlineData("F16", 2)]
    [InlineData("BF16", 2)]
    [InlineData("I32", 4)]
    [InlineData("U8", 1)]
    public void Unsupported_dtypes_are_rejected_naming_the_dtype_and_tensor(string dtype, int size)
    {
        var (model, tensors) = Fixture();
        int i = tensors.FindIndex(t => t.Name == "lstm_1/recurrent_kernel");
        tensors[i] = tensors[i] with { DType = dtype, Data = new byte[tensors[i].Data.Length / 4 * size] };
        AssertLoadFails(model, Build(tensors), $"'lstm_1/recurrent_kernel' has dtype {dtype}", "F32", "F64");
    }

    [Fact]
    public void Unknown_dtypes_are_rejected()
    {
        var (model, tensors) = Fixture();
        AssertLoadFails(model, Build(tensors, h => h["dense/bias"]!["dtype"] = "Q7"), "'dense/bias'", "unknown dtype 'Q7'");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Bad files: every problem is an InvalidDataException that names it, and the model is left unchanged
    // ------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_file_shorter_than_8_bytes_is_rejected(int length)
    {
        var (model, _) = Fixture();
        AssertLoadFails(model, new byte[length], $"{length} bytes long", "8-byte header length");
    }

    [Fact]
    public void A_header_length_larger_than_the_file_is_rejected()
    {
        var (model, tensors) = Fixture();
        byte[] file = Build(tensors);
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        AssertLoadFails(model, file, $"header length is {file.Length} bytes", "truncated");

        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue);
        AssertLoadFails(model, file, "header length is 18446744073709551615 bytes");
    }

    [Fact]
    public void A_file_cut_inside_its_header_is_rejected()
    {
        var (model, tensors) = Fixture();
        byte[] file = Build(tensors);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        AssertLoadFails(model, file[..(8 + n / 2)], "truncated");
    }

    [Fact]
    public void An_oversized_header_length_is_rejected_before_allocating_it_even_from_a_stream_of_unknown_length()
    {
        var (model, _) = Fixture();
        byte[] file = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 1UL << 40);
        float[] before = model.Weights.Parameters.ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(model.Weights, new NonSeekableStream(file)));
        Assert.Contains("limit", ex.Message);
        Assert.Equal(Bits(before), Bits(model.Weights.Parameters));
    }

    [Theory]
    [InlineData("{\"lstm/kernel\": {", "not valid JSON")]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("[1, 2, 3]", "a JSON array, not an object")]
    [InlineData("\"text\"", "a JSON string, not an object")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", "'a' twice")]
    [InlineData("{\"__metadata__\": [\"x\"]}", "'__metadata__' is not a JSON object")]
    [InlineData("{\"__metadata__\": {\"format\": 1}}", "'__metadata__' entry 'format' is not a string")]
    [InlineData("{\"dense/bias\": 5}", "entry for tensor 'dense/bias' is not a JSON object")]
    [InlineData("{\"dense/bias\": {\"dtype\": 32, \"shape\": [1], \"data_offsets\": [0, 4]}}", "'dense/bias' has a 'dtype' that is not a string")]
    [InlineData("{\"dense/bias\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", "'dense/bias' has a 'shape' that is not an array")]
    [InlineData("{\"dense/bias\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", "'dense/bias' has shape [-1]")]
    [InlineData("{\"dense/bias\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", "'dense/bias' has shape [1.5]")]
    [InlineData("{\"dense/bias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", "'dense/bias' has data_offsets [0]")]
    [InlineData("{\"dense/bias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", "'dense/bias' has data_offsets [-4, 0]")]
    [InlineData("{\"dense/bias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", "'dense/bias' has data_offsets [4, 0], which end before they begin")]
    public void Bad_header_JSON_is_rejected(string json, string expected)
    {
        var (model, _) = Fixture();
        AssertLoadFails(model, Build(json, new byte[4]), expected);
    }

    [Theory]
    [InlineData("dtype")]
    [InlineData("shape")]
    [InlineData("data_offsets")]
    public void A_tensor_entry_missing_a_field_is_rejected(string field)
    {
        var (model, tensors) = Fixture();
        AssertLoadFails(model, Build(tensors, h => h["lstm/kernel"]!.AsObject().Remove(field)), $"tensor 'lstm/kernel' has no '{field}'");
    }

    [Fact]
    public void A_shape_different_from_the_model_is_rejected_naming_both_shapes()
    {
        var (model, tensors) = Fixture();
        int i = tensors.FindIndex(t => t.Name == "lstm/kernel");
        tensors[i] = tensors[i] with { Shape = [200, 1] }; // same number of elements, transposed
        AssertLoadFails(model, Build(tensors), "'lstm/kernel'", "(200, 1)", "(1, 200)");
    }

    [Fact]
    public void Data_offsets_inconsistent_with_shape_and_dtype_are_rejected()
    {
        var (model, tensors) = Fixture();
        byte[] file = Build(tensors, h =>
        {
            var offsets = h["lstm/bias"]!["data_offsets"]!.AsArray();
            offsets[1] = offsets[1]!.GetValue<long>() - 4;
        });
        AssertLoadFails(model, file, "'lstm/bias'", "(796 bytes)", "shape (200) of dtype F32 needs 800 bytes");
    }

    [Fact]
    public void Overlapping_tensors_are_rejected_naming_both()
    {
        var (model, tensors) = Fixture();
        byte[] file = Build(tensors, h =>
        {
            foreach (string name in new[] { "lstm/bias" })
            {
                var offsets = h[name]!["data_offsets"]!.AsArray();
                offsets[0] = offsets[0]!.GetValue<long>() - 8;
                offsets[1] = offsets[1]!.GetValue<long>() - 8;
            }
        });
        AssertLoadFails(model, file, "overlap", "'lstm/recurrent_kernel'", "'lstm/bias'");
    }

    [Fact]
    public void A_hole_in_the_data_is_rejected()
    {
        var (model, tensors) = Fixture();
        string last = tensors[^1].Name;
        byte[] file = Build(tensors, h =>
        {
            var offsets = h[last]!["data_offsets"]!.AsArray();
            offsets[0] = offsets[0]!.GetValue<long>() + 4;
            offsets[1] = offsets[1]!.GetValue<long>() + 4;
        });
        AssertLoadFails(model, [.. file, 0, 0, 0, 0], "belong to no tensor", $"hole before tensor '{last}'");
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_rejected()
    {
        var (model, tensors) = Fixture();
        AssertLoadFails(model, [.. Build(tensors), 1, 2, 3, 4], "4 bytes at the end belong to no tensor");
    }

    [Fact]
    public void A_truncated_data_buffer_is_rejected_naming_the_tensor_cut_short()
    {
        var (model, tensors) = Fixture();
        byte[] file = Build(tensors);
        AssertLoadFails(model, file[..^4], "truncated", $"'{tensors[^1].Name}'");
        // An offset past the end is the same problem.
        AssertLoadFails(model, file[..^(tensors[^1].Data.Length + 4)], "truncated", $"'{tensors[^2].Name}'");
    }

    [Fact]
    public void Missing_model_weights_are_all_listed()
    {
        var (model, tensors) = Fixture();
        tensors.RemoveAll(t => t.Name is "lstm_1/bias" or "dense/kernel");
        var ex = AssertLoadFails(model, Build(tensors), "lacks 2 model weights", "'lstm_1/bias'", "'dense/kernel'");
        Assert.DoesNotContain("'lstm/bias'", ex.Message.Split("The model's weights are")[0]);
    }

    [Fact]
    public void Tensors_the_model_lacks_are_an_error_unless_ignored()
    {
        var (model, tensors) = Fixture();
        tensors.Insert(2, new Tensor("extra/kernel", "F32", [2, 2], new byte[16]));
        tensors.Add(new Tensor("optimizer/step", "I64", [], new byte[8]));
        byte[] file = Build(tensors);
        AssertLoadFails(model, file, "2 tensors the model does not", "'extra/kernel'", "'optimizer/step'", "IgnoreUnknownTensors");

        var source = new Stacked(new ModelOptions { Seed = 1 });
        SafeTensors.Load(model.Weights, WriteFile(file), new SafeTensorsLoadOptions { IgnoreUnknownTensors = true });
        Assert.Equal(Bits(source.Weights.Parameters), Bits(model.Weights.Parameters));

        var fromPipe = new Stacked(new ModelOptions { Seed = 9 });
        SafeTensors.Load(fromPipe.Weights, new NonSeekableStream(file), new SafeTensorsLoadOptions { IgnoreUnknownTensors = true });
        Assert.Equal(Bits(source.Weights.Parameters), Bits(fromPipe.Weights.Parameters));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "is Infinity")]
    [InlineData(float.NegativeInfinity, "is -Infinity")]
    public void Non_finite_values_are_rejected_naming_the_tensor_and_index(float bad, string shown)
    {
        var (model, tensors) = Fixture();
        // Not the first tensor in the file: those before it have been read by then, and must not have been applied.
        Tensor kernel = tensors.Single(t => t.Name == "lstm_1/kernel");
        BinaryPrimitives.WriteSingleLittleEndian(kernel.Data.AsSpan(4 * 1234), bad);
        AssertLoadFails(model, Build(tensors), "'lstm_1/kernel' value [1234]", shown, "finite");
    }

    [Fact]
    public void F64_values_outside_the_float32_range_are_rejected()
    {
        var (model, tensors) = Fixture();
        int i = tensors.FindIndex(t => t.Name == "dense/bias");
        tensors[i] = tensors[i] with { DType = "F64", Data = BitConverter.GetBytes(1e300) };
        AssertLoadFails(model, Build(tensors), "'dense/bias' value [0] is 1E+300", "not a finite float32");
    }

    [Fact]
    public void ReadIndex_and_ReadMetadata_validate_the_header()
    {
        var (_, tensors) = Fixture();
        byte[] file = Build(tensors);
        string good = WriteFile(file);
        Assert.Equal(tensors.Select(t => t.Name), SafeTensors.ReadIndex(good).Select(t => t.Name));
        Assert.Empty(SafeTensors.ReadMetadata(good));

        string cut = WriteFile(file[..^4]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => SafeTensors.ReadIndex(cut)).Message);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => SafeTensors.ReadMetadata(cut)).Message);
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        var model = new Stacked();
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Save(null!, Path.Combine(_dir, "x")));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Save(model.Weights, (string)null!));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Save(model.Weights, (Stream)null!));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Load(null!, Path.Combine(_dir, "x")));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Load(model.Weights, (Stream)null!));
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(model.Weights, Path.Combine(_dir, "missing.safetensors")));
    }

    [Fact]
    public void A_header_with_invalid_UTF8_is_an_InvalidDataException_naming_the_byte()
    {
        // Issue 14: a tensor name with a byte that is not UTF-8 gave an InvalidOperationException from the JSON reader.
        var (model, tensors) = Fixture();
        byte[] file = Build(tensors);
        int at = Array.IndexOf(file, (byte)'/', 8); // the '/' of the first tensor name ("lstm/kernel")
        file[at] = 0xFF;
        InvalidDataException ex = AssertLoadFails(model, file, "the header is not valid UTF-8", $"byte {at - 8} of the header (offset {at} in the file) is 0xFF");
        Assert.Null(ex.InnerException);
        Assert.Contains("not valid UTF-8", Assert.Throws<InvalidDataException>(() => SafeTensors.ReadIndex(new MemoryStream(file))).Message);

        // A truncated multi-byte character (0xC3 without its continuation byte) too.
        file[at] = 0xC3;
        AssertLoadFails(model, file, $"byte {at - 8} of the header");
    }

    [Fact]
    public void A_directory_path_is_a_FileNotFoundException_naming_it()
    {
        // Issue 14: Load of a directory gave UnauthorizedAccessException ("Access to the path is denied").
        var model = new Stacked();
        var ex = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(model.Weights, _dir));
        Assert.Equal(_dir, ex.FileName);
        Assert.Contains($"'{_dir}' is a directory, not a safetensors file", ex.Message);
        Assert.Throws<FileNotFoundException>(() => SafeTensors.ReadIndex(_dir));
        Assert.Throws<FileNotFoundException>(() => SafeTensors.ReadMetadata(_dir));
        var save = Assert.Throws<IOException>(() => SafeTensors.Save(model.Weights, _dir));
        Assert.Contains("is a directory", save.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir)); // no temporary file
    }

    // ------------------------------------------------------------------------------------------------------------
    // Saving to a path
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Save_overwrites_an_existing_file_and_leaves_no_temporary_file()
    {
        var model = new Stacked(new ModelOptions { Seed = 31 });
        string path = Path.Combine(_dir, "model.safetensors");
        File.WriteAllBytes(path, new byte[1 << 20]); // larger than the new file
        SafeTensors.Save(model.Weights, path);
        SafeTensors.Save(model.Weights, path);

        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
        var copy = new Stacked(new ModelOptions { Seed = 32 });
        SafeTensors.Load(copy.Weights, path);
        Assert.Equal(Bits(model.Weights.Parameters), Bits(copy.Weights.Parameters));
        Assert.True(new FileInfo(path).Length < 1 << 20);
    }

    [Fact]
    public void A_failed_Save_leaves_no_temporary_file_and_the_target_untouched()
    {
        var model = new Stacked(new ModelOptions { Seed = 41 });
        string target = Path.Combine(_dir, "is-a-directory");
        Directory.CreateDirectory(target);
        Assert.ThrowsAny<IOException>(() => SafeTensors.Save(model.Weights, target)); // a directory: refused before writing
        Assert.Equal([target], Directory.GetFileSystemEntries(_dir));
        Assert.True(Directory.Exists(target));

        string path = Path.Combine(_dir, "nan.safetensors");
        model.Weights["lstm_1/bias"][7] = float.NaN;
        var ex = Assert.Throws<InvalidOperationException>(() => SafeTensors.Save(model.Weights, path));
        Assert.Contains("'lstm_1/bias' value [7] is NaN", ex.Message);
        Assert.False(File.Exists(path));
        Assert.Equal([target], Directory.GetFileSystemEntries(_dir));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    private sealed record Tensor(string Name, string DType, long[] Shape, byte[] Data);

    /// <summary>A Stacked model (seed 2) and the tensors of another (seed 1), so that loading them would change it.</summary>
    private static (Stacked Model, List<Tensor> Tensors) Fixture() =>
        (new Stacked(new ModelOptions { Seed = 2 }), TensorsOf(new Stacked(new ModelOptions { Seed = 1 }).Weights));

    private static List<Tensor> TensorsOf(WeightStore weights) =>
        weights.Entries.Select(e => new Tensor(e.Name, "F32", e.Dimensions.Select(d => (long)d).ToArray(),
            MemoryMarshal.AsBytes(weights.Parameters.AsSpan(e.Offset, e.Length)).ToArray())).ToList();

    /// <summary>A safetensors file holding <paramref name="tensors"/> in this order, its header changed by <paramref name="edit"/>.</summary>
    private static byte[] Build(IEnumerable<Tensor> tensors, Action<JsonObject>? edit = null)
    {
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach (Tensor t in tensors)
        {
            long begin = data.Length;
            data.Write(t.Data);
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(begin, data.Length),
            };
        }
        edit?.Invoke(header);
        return Build(header.ToJsonString(), data.ToArray());
    }

    private static byte[] Build(string headerJson, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        int n = (json.Length + 7) / 8 * 8;
        var file = new byte[8 + n + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)n);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, n - json.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + n);
        return file;
    }

    private string WriteFile(byte[] bytes)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// Loads <paramref name="file"/> from a path, a seekable stream and a non-seekable one: each must throw an
    /// <see cref="InvalidDataException"/> whose message has every fragment (and the path, when loaded from one), and leave
    /// the model's parameters bit for bit as they were.
    /// </summary>
    private InvalidDataException AssertLoadFails(ISequentialModel model, byte[] file, params string[] fragments)
    {
        uint[] before = Bits(model.Weights.Parameters);
        string path = WriteFile(file);
        var fromPath = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(model.Weights, path));
        Assert.Contains(path, fromPath.Message);
        foreach (string f in fragments)
        {
            Assert.Contains(f, fromPath.Message);
        }
        Assert.Equal(before, Bits(model.Weights.Parameters));

        var fromMemory = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(model.Weights, new MemoryStream(file)));
        Assert.Equal(Unsourced(fromPath.Message, path), Unsourced(fromMemory.Message, null));
        Assert.Equal(before, Bits(model.Weights.Parameters));

        // Without a length to check against up front, the same problem is found while reading (possibly worded differently).
        var fromPipe = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(model.Weights, new NonSeekableStream(file)));
        Assert.Equal(before, Bits(model.Weights.Parameters));
        if (!fromPath.Message.Contains("truncated", StringComparison.Ordinal) && !fromPath.Message.Contains("at the end", StringComparison.Ordinal))
        {
            Assert.Equal(fromMemory.Message, fromPipe.Message);
        }
        return fromPath;
    }

    /// <summary>An error message with the name of its source (a path, or the words for a stream) replaced by a placeholder.</summary>
    private static string Unsourced(string message, string? path) =>
        (path is null ? message : message.Replace($"'{path}'", "<source>", StringComparison.Ordinal))
            .Replace("The stream", "<source>", StringComparison.Ordinal)
            .Replace("the safetensors stream", "<source>", StringComparison.Ordinal);

    private static float[] PredictBatch(ISequentialModel model, ReferenceCase c)
    {
        var outputs = new float[c.Batch * model.OutputLength];
        switch (model)
        {
            case ISequentialModel<float> m: m.PredictBatch(c.FloatInput, outputs, c.Batch); break;
            case ISequentialModel<int> m: m.PredictBatch(c.TokenInput, outputs, c.Batch); break;
            default: throw new InvalidOperationException(model.GetType().Name);
        }
        return outputs;
    }

    private static uint[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, uint>(values).ToArray();

    /// <summary>A read-only stream that cannot seek or tell its length, like a pipe or a network stream.</summary>
    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
