using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LstmGen.Import;
using PureHDF;
using PureHDF.VOL.Native;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// The Keras 3 writer: exact layout (checked with PureHDF here, and with h5py by
/// <c>make_keras_fixtures.py --check-written</c> on the golden files), round trips through the reader with identical
/// bits, byte-identical golden files, groups large enough for multi-level B-trees, and all-or-nothing errors.
/// </summary>
public sealed class KerasWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lstmgen-keras-writer-" + Guid.NewGuid().ToString("N"));

    public KerasWriterTests() => Directory.CreateDirectory(_dir);

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

    private static readonly DateTime Saved = new(2025, 3, 4, 5, 6, 8);

    /// <summary>Deterministic values in [-0.5, 0.5) (a 32-bit LCG; no dependence on System.Random).</summary>
    private static float[] Values(int n, uint seed)
    {
        var v = new float[n];
        uint s = seed * 2654435761u + 12345u;
        for (int i = 0; i < n; i++)
        {
            s = s * 1664525u + 1013904223u;
            v[i] = (s >> 8) / (float)(1 << 24) - 0.5f;
        }
        return v;
    }

    private static KerasWeight W(string name, uint seed, params int[] shape) => new(name, shape, Values(shape.Aggregate(1, (a, b) => a * b), seed));

    /// <summary>Embedding, LSTM, Dropout, Bidirectional(GRU), SimpleRNN, LSTM, TimeDistributed(Dense), Dense, Dense.</summary>
    private static List<KerasLayerWeights> Sample() =>
    [
        KerasLayerWeights.Create("Embedding", "embedding", W("embeddings", 1, 7, 3)),
        KerasLayerWeights.Create("LSTM", "lstm", W("kernel", 2, 3, 16), W("recurrent_kernel", 3, 4, 16), W("bias", 4, 16)),
        KerasLayerWeights.Create("Dropout", "dropout"),
        KerasLayerWeights.Bidirectional("bidirectional",
            KerasLayerWeights.Create("GRU", "forward_gru", W("kernel", 5, 4, 6), W("recurrent_kernel", 6, 2, 6), W("bias", 7, 2, 6)),
            KerasLayerWeights.Create("GRU", "backward_gru", W("kernel", 8, 4, 6), W("recurrent_kernel", 9, 2, 6), W("bias", 10, 2, 6))),
        KerasLayerWeights.Create("SimpleRNN", "simple_rnn", W("kernel", 11, 4, 3), W("recurrent_kernel", 12, 3, 3), W("bias", 13, 3)),
        KerasLayerWeights.Create("LSTM", "lstm_1", W("kernel", 14, 3, 8), W("recurrent_kernel", 15, 2, 8), W("bias", 16, 8)),
        KerasLayerWeights.TimeDistributed("time_distributed", KerasLayerWeights.Create("Dense", "dense", W("kernel", 17, 2, 2), W("bias", 18, 2))),
        KerasLayerWeights.Create("Dense", "dense_1", W("kernel", 19, 2, 3), W("bias", 20, 3)),
        KerasLayerWeights.Create("Dense", "dense_2", W("kernel", 21, 3, 1), W("bias", 22, 1)),
    ];

    /// <summary>The groups Keras 3 gives the sample's layers (class in snake case, per-class counter), written out by hand.</summary>
    private static readonly string[] SampleGroups =
        ["embedding", "lstm", "dropout", "bidirectional", "simple_rnn", "lstm_1", "time_distributed", "dense", "dense_1"];

    private const string SampleConfig = """
        {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential_7", "trainable": true, "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5], "dtype": "int32", "name": "input_layer"}},
          {"module": "keras.layers", "class_name": "Embedding", "config": {"name": "embedding", "input_dim": 7, "output_dim": 3}},
          {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm", "units": 4, "return_sequences": true}},
          {"module": "keras.layers", "class_name": "Dropout", "config": {"name": "dropout", "rate": 0.1}},
          {"module": "keras.layers", "class_name": "Bidirectional", "config": {"name": "bidirectional", "merge_mode": "concat",
            "layer": {"module": "keras.layers", "class_name": "GRU", "config": {"name": "forward_gru", "units": 2, "return_sequences": true, "reset_after": true}},
            "backward_layer": {"module": "keras.layers", "class_name": "GRU", "config": {"name": "backward_gru", "units": 2, "return_sequences": true, "go_backwards": true, "reset_after": true}}}},
          {"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "simple_rnn", "units": 3, "return_sequences": true}},
          {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm_1", "units": 2, "return_sequences": true}},
          {"module": "keras.layers", "class_name": "TimeDistributed", "config": {"name": "time_distributed",
            "layer": {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2}}}},
          {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "units": 3}},
          {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_2", "units": 1}}
        ]}, "registered_name": null}
        """;

    /// <summary>The exact layout the sample must have: every group and dataset, with the vars groups' name attributes.</summary>
    private static SortedDictionary<string, (string Kind, string? Name, KerasWeight? Weight)> ExpectedLayout(List<KerasLayerWeights> layers, string model)
    {
        var layout = new SortedDictionary<string, (string, string?, KerasWeight?)>(StringComparer.Ordinal)
        {
            ["/vars"] = ("group", model, null),
            ["/layers"] = ("group", null, null),
        };
        void Add(string path, KerasLayerWeights o)
        {
            layout[path] = ("group", null, null);
            layout[path + "/vars"] = ("group", o.Name, null);
            for (int i = 0; i < o.Variables.Count; i++)
            {
                layout[$"{path}/vars/{i}"] = ("dataset", null, o.Variables[i]);
            }
            foreach ((string attribute, KerasLayerWeights child) in o.Children)
            {
                Add(path + "/" + attribute, child);
            }
        }
        for (int i = 0; i < layers.Count; i++)
        {
            Add("/layers/" + SampleGroups[i], layers[i]);
        }
        return layout;
    }

    private static byte[] WriteWeights(List<KerasLayerWeights> layers, KerasWriteOptions? options = null)
    {
        using var m = new MemoryStream();
        KerasWeightsWriter.WriteWeights(m, layers, options);
        return m.ToArray();
    }

    private static byte[] WriteArchive(List<KerasLayerWeights> layers)
    {
        using var m = new MemoryStream();
        KerasWeightsWriter.WriteArchive(m, SampleConfig, layers, new KerasWriteOptions { DateSaved = Saved, KerasVersion = "3.6.0" });
        return m.ToArray();
    }

    /// <summary>Every object of an HDF5 file as PureHDF sees it.</summary>
    private static SortedDictionary<string, (string Kind, string? Name, float[]? Values, ulong[]? Shape)> Walk(byte[] file)
    {
        var found = new SortedDictionary<string, (string, string?, float[]?, ulong[]?)>(StringComparer.Ordinal);
        using NativeFile h5 = ImportPaths.OpenWithPureHdf(file);
        void Visit(IH5Group g, string path)
        {
            foreach (IH5Object child in g.Children())
            {
                string p = path + "/" + child.Name;
                string? name = child.AttributeExists("name") ? child.Attribute("name").Read<string>() : null;
                if (child is IH5Group cg)
                {
                    found[p] = ("group", name, null, null);
                    Visit(cg, p);
                }
                else if (child is IH5Dataset ds)
                {
                    Assert.Equal(H5DataTypeClass.FloatingPoint, ds.Type.Class);
                    Assert.Equal(4, ds.Type.Size);
                    found[p] = ("dataset", name, ds.Read<float[]>(), ds.Space.Dimensions);
                }
            }
        }
        Visit(h5, "");
        return found;
    }

    private static void AssertLayout(byte[] h5, List<KerasLayerWeights> layers, string model)
    {
        var expected = ExpectedLayout(layers, model);
        var actual = Walk(h5);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach ((string path, (string kind, string? name, KerasWeight? weight)) in expected)
        {
            Assert.Equal(kind, actual[path].Kind);
            Assert.Equal(name, actual[path].Name);
            if (weight is not null)
            {
                Assert.Equal(weight.Shape.Select(d => (ulong)d), actual[path].Shape!);
                Assert.Equal(weight.Values, actual[path].Values!);
            }
        }
    }

    [Fact]
    public void Weights_file_has_keras3_layout()
    {
        List<KerasLayerWeights> layers = Sample();
        byte[] h5 = WriteWeights(layers, new KerasWriteOptions { ModelName = "sequential_7" });
        Assert.Equal(SampleGroups, KerasNaming.WeightGroupNames(layers.Select(l => l.ClassName)));
        AssertLayout(h5, layers, "sequential_7");
        var layout = ExpectedLayout(layers, "sequential_7");
        Assert.Contains("/layers/lstm/cell/vars/2", layout.Keys);
        Assert.Contains("/layers/bidirectional/forward_layer/cell/vars/0", layout.Keys);
        Assert.Contains("/layers/bidirectional/backward_layer/cell/vars/2", layout.Keys);
        Assert.Contains("/layers/time_distributed/layer/vars/1", layout.Keys);
        Assert.Contains("/layers/dense/vars/1", layout.Keys);
        Assert.Contains("/layers/dropout/vars", layout.Keys);
    }

    [Fact]
    public void Weights_file_round_trips_bit_for_bit()
    {
        List<KerasLayerWeights> layers = Sample();
        byte[] h5 = WriteWeights(layers);
        KerasFile f = KerasFile.Read(h5, "sample.weights.h5");
        Assert.Equal(KerasFileFormat.Keras3Weights, f.Format);
        Assert.Null(f.Model);
        Assert.Null(f.KerasVersion);
        Assert.Equal(SampleGroups.Order(StringComparer.Ordinal), f.WeightGroups.Select(g => g.Name));
        for (int i = 0; i < layers.Count; i++)
        {
            KerasWeightGroup g = f.WeightGroups.Single(x => x.Name == SampleGroups[i]);
            KerasWeight[] expected = layers[i].AllWeights.ToArray();
            Assert.Equal(expected.Length, g.Weights.Count);
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k].Shape, g.Weights[k].Shape);
                Assert.Equal(expected[k].Values.Select(BitConverter.SingleToInt32Bits), g.Weights[k].Values.Select(BitConverter.SingleToInt32Bits));
            }
        }
        Assert.Equal("forward_layer/cell/vars/0", f.WeightGroups.Single(g => g.Name == "bidirectional").Weights[0].Name);
        Assert.Equal("backward_layer/cell/vars/0", f.WeightGroups.Single(g => g.Name == "bidirectional").Weights[3].Name);
    }

    [Fact]
    public void Archive_round_trips_with_its_config()
    {
        List<KerasLayerWeights> layers = Sample();
        byte[] zip = WriteArchive(layers);
        KerasFile f = KerasFile.Read(zip, "sample.keras");
        Assert.Equal(KerasFileFormat.KerasArchive, f.Format);
        Assert.Equal("3.6.0", f.KerasVersion);
        Assert.Equal("2025-03-04@05:06:08", f.DateSaved);
        Assert.Equal("sequential_7", f.Model!.Name);
        Assert.Equal(new int?[] { 5 }, f.Model.InputShape);
        KerasLayer[] withWeights = f.Layers.Skip(1).ToArray();
        Assert.Equal(layers.Count, withWeights.Length);
        for (int i = 0; i < layers.Count; i++)
        {
            Assert.Equal(layers[i].Name, withWeights[i].Name);
            Assert.Equal("/layers/" + SampleGroups[i], withWeights[i].WeightGroup);
            Assert.Equal(layers[i].AllWeights.Select(w => w.Values), withWeights[i].Weights.Select(w => w.Values));
        }
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(zip));
        Assert.Equal(["metadata.json", "config.json", "model.weights.h5"], archive.Entries.Select(e => e.FullName));
        using (var reader = new StreamReader(archive.GetEntry("config.json")!.Open()))
        {
            Assert.Equal(SampleConfig, reader.ReadToEnd());
        }
        AssertLayout(ReadEntry(archive, "model.weights.h5"), layers, "sequential_7");
    }

    private static byte[] ReadEntry(System.IO.Compression.ZipArchive archive, string name)
    {
        using Stream s = archive.GetEntry(name)!.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    [Fact]
    public void Groups_with_hundreds_of_members_use_multi_level_btrees()
    {
        // 300 layers: 300 links in /layers, 38 symbol nodes, two B-tree levels (a node holds 32 children).
        var layers = Enumerable.Range(0, 300).Select(i => KerasLayerWeights.Create("Dense", $"dense_{i}", W("kernel", (uint)i, 1, 2), W("bias", (uint)(1000 + i), 2))).ToList();
        byte[] h5 = WriteWeights(layers);
        KerasFile f = KerasFile.Read(h5);
        Assert.Equal(300, f.WeightGroups.Count);
        IReadOnlyList<string> names = KerasNaming.WeightGroupNames(layers.Select(l => l.ClassName));
        for (int i = 0; i < 300; i++)
        {
            KerasWeightGroup g = f.WeightGroups.Single(x => x.Name == names[i]);
            Assert.Equal(layers[i].Variables[0].Values, g.Weights[0].Values);
            Assert.Equal(layers[i].Variables[1].Values, g.Weights[1].Values);
        }
        using NativeFile pure = ImportPaths.OpenWithPureHdf(h5);
        Assert.Equal(300, pure.Group("layers").Children().Count());
        Assert.Equal(layers[299].Variables[1].Values, pure.Dataset("/layers/dense_299/vars/1").Read<float[]>());
        Assert.Equal("dense_123", pure.Group("/layers/dense_123/vars").Attribute("name").Read<string>());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Golden files: byte-identical output, checked with h5py by make_keras_fixtures.py --check-written
    // ------------------------------------------------------------------------------------------------------------

    private static string Golden(string name) => Path.Combine(ImportPaths.KerasFixtures, "written", name);

    [Fact]
    public void Writer_output_is_byte_identical_to_the_golden_files_h5py_checked()
    {
        List<KerasLayerWeights> layers = Sample();
        var files = new Dictionary<string, byte[]>
        {
            ["sample.weights.h5"] = WriteWeights(layers, new KerasWriteOptions { ModelName = "sequential_7" }),
            ["sample.keras"] = WriteArchive(layers),
        };
        if (Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_KERAS_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Golden(""));
            foreach ((string name, byte[] bytes) in files)
            {
                File.WriteAllBytes(Golden(name), bytes);
            }
            File.WriteAllText(Golden("written.json"), LayoutJson(files.Keys, ExpectedLayout(layers, "sequential_7")));
        }
        foreach ((string name, byte[] bytes) in files)
        {
            Assert.True(File.Exists(Golden(name)), $"{Golden(name)} is missing (LSTMGEN_UPDATE_KERAS_GOLDEN=1 writes it).");
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Golden(name))),
                $"The writer's {name} differs from {Golden(name)}. If the change is intended, rewrite the golden files with LSTMGEN_UPDATE_KERAS_GOLDEN=1 and check them with make_keras_fixtures.py --check-written.");
        }
        // The layout manifest h5py checks is the one these tests assert.
        Assert.Equal(LayoutJson(files.Keys, ExpectedLayout(layers, "sequential_7")), File.ReadAllText(Golden("written.json")));
    }

    private static string LayoutJson(IEnumerable<string> files, SortedDictionary<string, (string Kind, string? Name, KerasWeight? Weight)> layout)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (string file in files)
            {
                w.WriteStartObject(file);
                w.WriteStartObject("layout");
                foreach ((string path, (string kind, string? name, KerasWeight? weight)) in layout)
                {
                    w.WriteStartObject(path.TrimStart('/').Length == 0 ? path : path);
                    w.WriteString("kind", kind);
                    w.WriteStartObject("attrs");
                    if (name is not null)
                    {
                        w.WriteString("name", name);
                    }
                    w.WriteEndObject();
                    if (weight is not null)
                    {
                        w.WriteStartArray("shape");
                        foreach (int d in weight.Shape) w.WriteNumberValue(d);
                        w.WriteEndArray();
                        w.WriteStartArray("values");
                        foreach (float v in weight.Values) w.WriteNumberValue((double)v);
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }

    // ------------------------------------------------------------------------------------------------------------
    // Errors: nothing written
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Archive_whose_config_does_not_match_the_layers_is_refused_and_nothing_is_written()
    {
        string path = Path.Combine(_dir, "m.keras");
        File.WriteAllText(path, "previous content");
        List<KerasLayerWeights> layers = Sample();
        layers[1] = KerasLayerWeights.Create("GRU", "lstm", W("kernel", 2, 3, 12), W("recurrent_kernel", 3, 4, 12), W("bias", 4, 2, 12));
        var ex = Assert.Throws<ArgumentException>(() => KerasWeightsWriter.WriteArchive(path, SampleConfig, layers));
        Assert.Contains("Layer 1 of the config is 'lstm' (LSTM), but the weights given at position 1 are for a GRU", ex.Message);
        Assert.Equal("previous content", File.ReadAllText(path));

        ex = Assert.Throws<ArgumentException>(() => KerasWeightsWriter.WriteArchive(path, SampleConfig, Sample().Take(3).ToList()));
        Assert.Contains("The config has 9 layers with weight groups", ex.Message);
        Assert.Contains("but 3 layers' weights were given", ex.Message);

        var cex = Assert.Throws<KerasConfigException>(() => KerasWeightsWriter.WriteArchive(path, "{\"class_name\": \"Dense\", \"config\": {}}", Sample()));
        Assert.Contains("describes a 'Dense', not a Sequential or Functional model", cex.Message);
        cex = Assert.Throws<KerasConfigException>(() => KerasWeightsWriter.WriteArchive(path, "{not json", Sample()));
        Assert.Contains("is not valid JSON", cex.Message);
        Assert.Equal("previous content", File.ReadAllText(path));
        Assert.Equal(["m.keras"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Writing_to_a_path_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_dir, "w.weights.h5");
        File.WriteAllText(path, "old");
        KerasWeightsWriter.WriteWeights(path, Sample());
        Assert.Equal(WriteWeights(Sample()), File.ReadAllBytes(path));
        KerasWeightsWriter.WriteArchive(Path.Combine(_dir, "m.keras"), SampleConfig, Sample(), new KerasWriteOptions { DateSaved = Saved, KerasVersion = "3.6.0" });
        Assert.Equal(WriteArchive(Sample()), File.ReadAllBytes(Path.Combine(_dir, "m.keras")));
        Assert.Equal(["m.keras", "w.weights.h5"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Weight_whose_values_do_not_fill_its_shape_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new KerasWeight("kernel", [3, 4], new float[11]));
        Assert.Contains("Weight 'kernel' has shape (3, 4) = 12 values, but 11 were given", ex.Message);
        Assert.Throws<ArgumentException>(() => new KerasWeight("kernel", [-1], []));
        ex = Assert.Throws<ArgumentException>(() => KerasWeightsWriter.WriteWeights(new MemoryStream(),
            [KerasLayerWeights.Custom("Dense", "d", [], [("vars", KerasLayerWeights.Create("Dense", "x"))])]));
        Assert.Contains("child names must be plain names other than 'vars'", ex.Message);
    }

    [Fact]
    public void Archive_version_decides_the_hard_sigmoid_formula()
    {
        byte[] keras3 = WriteArchive(Sample());
        Assert.False(KerasFile.Read(keras3).UsesKeras2HardSigmoid);
        using var m = new MemoryStream();
        KerasWeightsWriter.WriteArchive(m, SampleConfig, Sample(), new KerasWriteOptions { KerasVersion = "2.15.0", DateSaved = Saved });
        KerasFile tfKeras = KerasFile.Read(m.ToArray());
        Assert.Equal(2, tfKeras.KerasMajorVersion);
        Assert.True(tfKeras.UsesKeras2HardSigmoid); // a .keras archive written by tf.keras 2.15
        Assert.False(KerasFile.Read(WriteWeights(Sample())).UsesKeras2HardSigmoid); // Keras 3 .weights.h5: no version
    }

    [Fact]
    public void Snake_case_names_follow_keras()
    {
        Assert.Equal("lstm", KerasNaming.ToSnakeCase("LSTM"));
        Assert.Equal("gru", KerasNaming.ToSnakeCase("GRU"));
        Assert.Equal("simple_rnn", KerasNaming.ToSnakeCase("SimpleRNN"));
        Assert.Equal("time_distributed", KerasNaming.ToSnakeCase("TimeDistributed"));
        Assert.Equal("conv1d", KerasNaming.ToSnakeCase("Conv1D"));
        Assert.Equal("input_layer", KerasNaming.ToSnakeCase("InputLayer"));
        Assert.Equal("batch_normalization", KerasNaming.ToSnakeCase("BatchNormalization"));
        Assert.Equal(["lstm", "dropout", "lstm_1", "dense", "dropout_1", "dense_1", "lstm_2"],
            KerasNaming.WeightGroupNames(["LSTM", "Dropout", "LSTM", "Dense", "Dropout", "Dense", "LSTM"]));
    }
}
