using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using LstmGen.Import;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// Bad input, each a named exception saying what and where, nothing half-read: truncated zips and HDF5 files (copies of
/// real fixtures cut short in a temp folder), wrong magic, archives without config.json or model.weights.h5, configs
/// that are not model configs, non-linear Functional models, config values of the wrong type; unknown layer classes are
/// not an error (the reader is neutral) but keep their class names. A seeded corruption fuzz checks that damaged files
/// only ever give <see cref="KerasFormatException"/>.
/// </summary>
public sealed class KerasBadInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lstmgen-keras-bad-" + Guid.NewGuid().ToString("N"));

    public KerasBadInputTests() => Directory.CreateDirectory(_dir);

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

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(ImportPaths.KerasFixtures, name));

    private static T Fails<T>(string path) where T : KerasFormatException
    {
        T ex = Assert.Throws<T>(() => KerasFile.Read(path));
        Assert.Equal(path, ex.FileName);
        Assert.Contains(path, ex.Message);
        return ex;
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var m = new MemoryStream();
        using (var zip = new ZipArchive(m, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] content) in entries)
            {
                using Stream s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(content);
            }
        }
        return m.ToArray();
    }

    private static byte[] Entry(byte[] zip, string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        using Stream s = archive.GetEntry(name)!.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static readonly byte[] Config = Encoding.UTF8.GetBytes("""
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 2, 3], "dtype": "float32", "name": "in"}},
          {"class_name": "LSTM", "config": {"name": "lstm", "units": 4}}]}}
        """);

    // ------------------------------------------------------------------------------------------------------------
    // Magic, truncation
    // ------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(new byte[0], "nothing (it is empty)")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0 }, "89 50 4E 47 0D 0A 1A 0A (\".PNG....\")")]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)'}' }, "7B 22 61 22 7D (\"{\"a\"}\"), 5 bytes in all")]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 5, 6, 0, 0, 0, 0, 0, 0 }, "50 4B 05 06 00 00 00 00 (\"PK......\")")]
    public void Wrong_magic_says_what_the_first_bytes_were(byte[] content, string shown)
    {
        string path = Write("model.keras", content);
        KerasFormatException ex = Fails<KerasFormatException>(path);
        Assert.Contains($"is not a Keras file: it starts with {shown}", ex.Message);
        Assert.Contains("zip signature 50 4B 03 04", ex.Message);
        Assert.Contains("HDF5 signature 89 48 44 46 0D 0A 1A 0A", ex.Message);
    }

    [Theory]
    [InlineData("k3_lstm_stack.keras")]
    [InlineData("k3_functional_embedding_gru_rnn.keras")]
    [InlineData("k3_conv_norm_pool.keras")]
    public void Truncated_zip_is_a_damaged_archive(string fixture)
    {
        byte[] full = Fixture(fixture);
        foreach (int length in new[] { 4, 30, 200, full.Length / 3, full.Length / 2, full.Length - 100, full.Length - 1 })
        {
            string path = Write($"cut{length}.keras", full[..length]);
            KerasFormatException ex = Fails<KerasFormatException>(path);
            Assert.Contains("is a damaged or truncated zip archive", ex.Message);
            Assert.IsType<InvalidDataException>(ex.InnerException);
        }
    }

    [Theory]
    [InlineData("legacy_tf2_bidirectional_gru_td.h5")]
    [InlineData("k3_lstm_dense.weights.h5")]
    [InlineData("storage_libver_latest.weights.h5")]
    [InlineData("legacy_tf2_conv_bn_reshape.h5")]
    [InlineData("k3_conv_bn.weights.h5")]
    public void Truncated_hdf5_says_how_long_it_should_be(string fixture)
    {
        byte[] full = Fixture(fixture);
        foreach (int length in new[] { 9, 20, 60, 200, 1000, full.Length / 2, full.Length - 8, full.Length - 1 })
        {
            string path = Write($"cut{length}.h5", full[..length]);
            KerasFormatException ex = Fails<KerasFormatException>(path);
            if (length >= 100)
            {
                Assert.Contains($"is truncated: its HDF5 superblock says the file is {full.Length} bytes long, but it has {length}", ex.Message);
            }
            else
            {
                Assert.Contains("truncated", ex.Message);
            }
        }
    }

    [Fact]
    public void Truncated_weights_inside_an_archive_name_the_entry()
    {
        byte[] h5 = Entry(Fixture("k3_lstm_stack.keras"), "model.weights.h5");
        string path = Write("m.keras", Zip(("config.json", Config), ("model.weights.h5", h5[..(h5.Length / 2)])));
        KerasFormatException ex = Fails<KerasFormatException>(path);
        Assert.Contains($"'{path}:model.weights.h5' is truncated: its HDF5 superblock says the file is {h5.Length} bytes long", ex.Message);

        path = Write("m2.keras", Zip(("config.json", Config), ("model.weights.h5", Encoding.UTF8.GetBytes("not hdf5"))));
        ex = Fails<KerasFormatException>(path);
        Assert.Contains("model.weights.h5' is not an HDF5 file: it starts with 6E 6F 74 20 68 64 66 35", ex.Message);
        Assert.Equal("model.weights.h5", ex.Location);
    }

    [Fact]
    public void Damaged_zip_entry_is_reported_with_its_name()
    {
        byte[] zip = Zip(("config.json", Config), ("model.weights.h5", Entry(Fixture("k3_lstm_stack.keras"), "model.weights.h5")));
        // Flip a byte inside the stored config.json: its CRC no longer matches.
        int at = IndexOf(zip, Encoding.UTF8.GetBytes("\"units\": 4"));
        zip[at + 9] = (byte)'5';
        string path = Write("crc.keras", zip);
        KerasFormatException ex = Fails<KerasFormatException>(path);
        Assert.Contains("the archive entry config.json is damaged or truncated", ex.Message);
        Assert.Equal("config.json", ex.Location);
    }

    private static int IndexOf(byte[] data, byte[] pattern) => data.AsSpan().IndexOf(pattern);

    // ------------------------------------------------------------------------------------------------------------
    // Archive parts
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Zip_without_config_json_is_not_a_keras_archive()
    {
        string path = Write("m.keras", Zip(("metadata.json", "{}"u8.ToArray()), ("model.weights.h5", Fixture("k3_lstm_dense.weights.h5"))));
        KerasFormatException ex = Fails<KerasFormatException>(path);
        Assert.Contains("is a zip but not a .keras archive: it has no config.json (entries: metadata.json, model.weights.h5)", ex.Message);
        Assert.Equal("config.json", ex.Location);
    }

    [Fact]
    public void Zip_without_model_weights_h5_is_refused()
    {
        string path = Write("m.keras", Zip(("metadata.json", "{}"u8.ToArray()), ("config.json", Config)));
        KerasFormatException ex = Fails<KerasFormatException>(path);
        Assert.Contains("is a .keras archive without model.weights.h5 (entries: metadata.json, config.json)", ex.Message);

        path = Write("npz.keras", Zip(("config.json", Config), ("model.weights.npz", [1, 2, 3])));
        ex = Fails<KerasFormatException>(path);
        Assert.Contains("it has model.weights.npz: weights saved in npz format are not supported", ex.Message);
    }

    [Theory]
    [InlineData("{not json", "is not valid JSON")]
    [InlineData("[1, 2]", "is a JSON array, not a Keras model config")]
    [InlineData("{\"foo\": 1}", "has no 'class_name' string: it is not a Keras model config")]
    [InlineData("{\"class_name\": \"MyModel\", \"config\": {}}", "describes a 'MyModel', not a Sequential or Functional model")]
    [InlineData("{\"class_name\": \"Sequential\"}", "has no 'config'")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\"}}", "has no 'layers' array in its config")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [3]}}", "the layer at config.layers[0] is 3, not an object")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"config\": {}}]}}", "the layer at config.layers[0] has no 'class_name' string")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", \"config\": {}}]}}", "the Dense layer at config.layers[0] has no name")]
    [InlineData("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\"}}, {\"class_name\": \"Dense\", \"config\": {\"name\": \"d\"}}]}}", "has two layers named 'd'")]
    public void Config_that_is_not_a_model_config_is_refused(string json, string message)
    {
        string path = Write("m.keras", Zip(("config.json", Encoding.UTF8.GetBytes(json)), ("model.weights.h5", Fixture("k3_lstm_dense.weights.h5"))));
        KerasConfigException ex = Fails<KerasConfigException>(path);
        Assert.Contains(message, ex.Message);
        Assert.Contains($"'{path}:config.json'", ex.Message);
        Assert.Throws<KerasConfigException>(() => KerasModelConfig.Parse(json));
    }

    [Fact]
    public void Functional_model_that_is_not_a_linear_chain_is_refused()
    {
        const string branches = """
            {"class_name": "Model", "config": {"name": "m", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4, 2]}, "inbound_nodes": []},
              {"name": "a", "class_name": "LSTM", "config": {"name": "a", "units": 2}, "inbound_nodes": [[["in", 0, 0, {}]]]},
              {"name": "b", "class_name": "GRU", "config": {"name": "b", "units": 2}, "inbound_nodes": [[["in", 0, 0, {}]]]},
              {"name": "c", "class_name": "Concatenate", "config": {"name": "c"}, "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["c", 0, 0]]}}
            """;
        var ex = Assert.Throws<KerasConfigException>(() => KerasModelConfig.Parse(branches, "branches.h5"));
        Assert.Contains("is a Functional model that is not a linear chain of layers: layer 'c' takes 2 inputs (a, b)", ex.Message);
        Assert.Equal("config.layers[3].inbound_nodes", ex.Location);

        const string twoOutputs = """
            {"class_name": "Functional", "config": {"name": "m", "layers": [
              {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [null, 2]}, "inbound_nodes": []},
              {"class_name": "Dense", "config": {"name": "d"}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["in", 0, 0]}}], "kwargs": {}}]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0], ["in", 0, 0]]}}
            """;
        ex = Assert.Throws<KerasConfigException>(() => KerasModelConfig.Parse(twoOutputs));
        Assert.Contains("it has 2 outputs (d, in)", ex.Message);

        const string shared = """
            {"class_name": "Model", "config": {"name": "m", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"name": "in"}, "inbound_nodes": []},
              {"name": "d", "class_name": "Dense", "config": {"name": "d"}, "inbound_nodes": [[["in", 0, 0, {}]], [["in", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}}
            """;
        ex = Assert.Throws<KerasConfigException>(() => KerasModelConfig.Parse(shared));
        Assert.Contains("layer 'd' is called 2 times (a shared layer)", ex.Message);

        const string dangling = """
            {"class_name": "Model", "config": {"name": "m", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"name": "in"}, "inbound_nodes": []},
              {"name": "d", "class_name": "Dense", "config": {"name": "d"}, "inbound_nodes": [[["in", 0, 0, {}]]]},
              {"name": "x", "class_name": "Dense", "config": {"name": "x"}, "inbound_nodes": [[["nowhere", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}}
            """;
        ex = Assert.Throws<KerasConfigException>(() => KerasModelConfig.Parse(dangling));
        Assert.Contains("layer 'x' takes its input from 'nowhere', which is not among the layers", ex.Message);
    }

    [Fact]
    public void Unknown_layer_classes_are_kept_not_refused()
    {
        const string json = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, null, 8], "dtype": "float32", "name": "in"}},
              {"class_name": "Conv1D", "config": {"name": "conv1d", "filters": 4, "kernel_size": [3]}},
              {"class_name": "MyAttention", "module": "my.layers", "config": {"name": "attention", "heads": 2}},
              {"class_name": "LSTM", "config": {"name": "lstm", "units": 4}}]}}
            """;
        KerasModelConfig m = KerasModelConfig.Parse(json);
        Assert.Equal(["InputLayer", "Conv1D", "MyAttention", "LSTM"], m.Layers.Select(l => l.ClassName));
        Assert.Equal("my.layers", m.Layers[2].Module);
        Assert.Equal(2, m.Layers[2].Config.GetInt("heads"));
        Assert.Equal(new int?[] { null, 8 }, m.InputShape);

        // In an archive: the groups are paired by class counter (conv1d, my_attention, lstm) whatever the class.
        var layers = new List<KerasLayerWeights>
        {
            KerasLayerWeights.Create("Conv1D", "conv1d", new KerasWeight("kernel", [3, 8, 4], new float[96]), new KerasWeight("bias", [4], [1, 2, 3, 4])),
            KerasLayerWeights.Create("MyAttention", "attention", new KerasWeight("w", [2], [5, 6])),
            KerasLayerWeights.Create("LSTM", "lstm", new KerasWeight("kernel", [4, 16], new float[64]), new KerasWeight("recurrent_kernel", [4, 16], new float[64]), new KerasWeight("bias", [16], new float[16])),
        };
        string path = Path.Combine(_dir, "custom.keras");
        KerasWeightsWriter.WriteArchive(path, json, layers);
        KerasFile f = KerasFile.Read(path);
        Assert.Equal("/layers/my_attention", f.GetLayer("attention").WeightGroup);
        Assert.Equal([5f, 6f], f.GetLayer("attention").Weights[0].Values);
        Assert.Equal([1f, 2f, 3f, 4f], f.GetLayer("conv1d").Weights[1].Values);
        Assert.Equal(3, f.GetLayer("lstm").Weights.Count);
    }

    [Fact]
    public void Config_accessors_name_the_layer_the_key_and_the_json_location()
    {
        KerasFile f = KerasFile.Read(Path.Combine(ImportPaths.KerasFixtures, "k3_lstm_stack.keras"));
        KerasLayerConfig c = f.GetLayer("lstm_1").Config;
        var ex = Assert.Throws<KerasConfigException>(() => c.GetInt("activation"));
        Assert.Contains("'activation' of layer 'lstm_1' (LSTM) is \"tanh\", not an integer (at config.layers[3].config.activation)", ex.Message);
        Assert.Equal("config.layers[3].config.activation", ex.Location);
        ex = Assert.Throws<KerasConfigException>(() => c.GetBool("units"));
        Assert.Contains("'units' of layer 'lstm_1' (LSTM) is 5, not true or false", ex.Message);
        ex = Assert.Throws<KerasConfigException>(() => c.GetString("reset_after"));
        Assert.Contains("layer 'lstm_1' (LSTM) has no 'reset_after' in its config (at config.layers[3].config)", ex.Message);
        ex = Assert.Throws<KerasConfigException>(() => c.GetShape("units"));
        Assert.Contains("is 5, not a shape", ex.Message);
        Assert.Equal(7, c.GetInt("missing", 7));
        Assert.Null(c.GetString("seed", null)); // present but null
        Assert.True(c.Has("seed"));
        Assert.False(c.HasValue("seed"));
        Assert.Contains("\"units\": 5", c.RawJson);
        var missing = Assert.Throws<KeyNotFoundException>(() => f.GetLayer("nope"));
        Assert.Contains("'input_layer', 'lstm', 'dropout', 'lstm_1', 'dense'", missing.Message);
    }

    // ------------------------------------------------------------------------------------------------------------
    // HDF5 structures
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Hdf5_that_is_not_a_keras_file_lists_what_its_root_holds()
    {
        KerasFormatException ex = Fails<KerasFormatException>(Path.Combine(ImportPaths.KerasFixtures, "bad_not_keras.h5"));
        Assert.Contains("(attributes: title; members: data)", ex.Message);
    }

    [Fact]
    public void Damaged_btree_node_is_named()
    {
        byte[] data = Fixture("k3_lstm_dense.weights.h5");
        int tree = IndexOf(data, "TREE"u8.ToArray());
        data[tree] = (byte)'X';
        string path = Write("damaged.weights.h5", data);
        KerasFormatException ex = Fails<KerasFormatException>(path);
        Assert.Contains("is not a readable HDF5 file: a group B-tree node has no TREE signature or is not a group node (at /", ex.Message);
    }

    [Fact]
    public void Corrupted_files_only_ever_give_keras_format_exceptions()
    {
        // Seeded corruption of the structures (first 4 KiB and the object headers' neighbourhood) of several layouts.
        string[] fixtures = ["legacy_k22_embedding_gru.h5", "storage_variants.weights.h5", "storage_libver_latest.weights.h5", "k3_bidirectional_timedistributed.keras"];
        var rng = new Random(20250301);
        int refused = 0, read = 0;
        foreach (string fixture in fixtures)
        {
            byte[] original = Fixture(fixture);
            for (int trial = 0; trial < 150; trial++)
            {
                byte[] data = (byte[])original.Clone();
                int flips = 1 + rng.Next(4);
                for (int k = 0; k < flips; k++)
                {
                    int at = rng.Next(8, Math.Min(data.Length, trial % 2 == 0 ? 4096 : data.Length));
                    data[at] = (byte)rng.Next(256);
                }
                try
                {
                    KerasFile.Read(data, fixture);
                    read++;
                }
                catch (KerasFormatException)
                {
                    refused++;
                }
                catch (Exception ex)
                {
                    Assert.Fail($"{fixture}, trial {trial}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
                }
            }
        }
        Assert.True(refused > 50, $"only {refused} corruptions were detected ({read} files still read)");
    }
}
