using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LstmGen.Import;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// The five real Keras files in ../shared/keras-models (trained and published by Keras users; read in place, never
/// copied into the repository): format, version, every layer's class and config values, and every weight's path and
/// shape, checked against each case's expected.json and the notes of its source.txt; the values against PureHDF.
/// </summary>
public sealed class KerasRealFilesTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "lstm_stacked_k3_zip", "lstm_model.keras" },
        { "lstm_dense_k3_h5", "lstm_model.h5" },
        { "bilstm_tf2_h5", "bilstm_model.h5" },
        { "gru_stacked_k3_zip", "gru_model.keras" },
        { "emb_gru_hardsigmoid_k2_h5", "gru.h5" },
    };

    private static (KerasFile File, byte[] Bytes, JsonElement Expected) Load(string @case, string file)
    {
        string dir = Path.Combine(ImportPaths.SharedKerasModels, @case);
        string path = Path.Combine(dir, file);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
        return (KerasFile.Read(path), File.ReadAllBytes(path), doc.RootElement.Clone());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layers_and_weight_paths_match_expected_json(string @case, string file)
    {
        (KerasFile read, _, JsonElement expected) = Load(@case, file);

        Assert.Equal(expected.GetProperty("keras_version").GetString(), read.KerasVersion);
        KerasFileFormat format = expected.GetProperty("file_format").GetString() == "keras_zip" ? KerasFileFormat.KerasArchive : KerasFileFormat.LegacyHdf5Model;
        Assert.Equal(format, read.Format);

        var layers = expected.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(layers.Count, read.Layers.Count);
        string prefix = format == KerasFileFormat.KerasArchive ? "/" : "/model_weights/";
        for (int i = 0; i < layers.Count; i++)
        {
            KerasLayer layer = read.Layers[i];
            Assert.Equal(layers[i].GetProperty("name").GetString(), layer.Name);
            Assert.Equal(layers[i].GetProperty("cls").GetString(), layer.ClassName);
            string[] paths = layers[i].GetProperty("weight_paths").EnumerateArray().Select(p => prefix + p.GetString()).ToArray();
            Assert.Equal(paths, layer.Weights.Select(w => w.Path).ToArray());
            Assert.All(layer.Weights, w => Assert.Equal("float32", w.FileDType));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weight_values_agree_with_an_independent_hdf5_reader(string @case, string file)
    {
        (KerasFile read, byte[] bytes, _) = Load(@case, file);
        ImportPaths.CrossCheckWithPureHdf(bytes, read);
    }

    private static void AssertShapes(KerasLayer layer, params int[][] shapes)
    {
        Assert.Equal(shapes.Length, layer.Weights.Count);
        for (int i = 0; i < shapes.Length; i++)
        {
            Assert.Equal(shapes[i], layer.Weights[i].Shape);
        }
    }

    [Fact]
    public void Lstm_stacked_keras3_archive()
    {
        (KerasFile f, _, _) = Load("lstm_stacked_k3_zip", "lstm_model.keras");
        Assert.False(f.UsesKeras2HardSigmoid);
        Assert.Equal(3, f.KerasMajorVersion);
        Assert.Equal("2024-06-15@17:08:44", f.DateSaved);
        Assert.Null(f.Backend);
        Assert.Equal("Sequential", f.Model!.ModelClass);
        Assert.Equal(new int?[] { 12, 24 }, f.Model.InputShape);
        Assert.Equal("float32", f.Model.InputDType);

        KerasLayer lstm = f.GetLayer("lstm"), lstm1 = f.GetLayer("lstm_1");
        Assert.Equal(50, lstm.Config.GetInt("units"));
        Assert.True(lstm.Config.GetBool("return_sequences"));
        Assert.False(lstm1.Config.GetBool("return_sequences"));
        Assert.Equal("tanh", lstm.Config.GetString("activation"));
        Assert.Equal("sigmoid", lstm.Config.GetString("recurrent_activation"));
        Assert.True(lstm.Config.GetBool("unit_forget_bias"));
        Assert.Equal(0.2f, f.GetLayer("dropout").Config.GetFloat("rate"));
        Assert.Equal(25, f.GetLayer("dense").Config.GetInt("units"));
        Assert.Equal(2, f.GetLayer("dense_1").Config.GetInt("units"));
        Assert.Equal("keras.layers", lstm.Module);

        Assert.Equal("/layers/lstm", lstm.WeightGroup);
        Assert.Equal("/layers/lstm_1", lstm1.WeightGroup);
        AssertShapes(lstm, [24, 200], [50, 200], [200]);
        AssertShapes(lstm1, [50, 200], [50, 200], [200]);
        AssertShapes(f.GetLayer("dense"), [50, 25], [25]);
        AssertShapes(f.GetLayer("dense_1"), [25, 2], [2]);
        Assert.Empty(f.GetLayer("dropout").Weights);
        Assert.Equal("cell/vars/0", lstm.Weights[0].Name);
        // The optimizer's 22 variables are ignored; every weight group belongs to a layer.
        Assert.All(f.WeightGroups, g => Assert.NotNull(g.LayerName));
        Assert.Equal(["dense", "dense_1", "dropout", "dropout_1", "lstm", "lstm_1"], f.WeightGroups.Select(g => g.Name));
    }

    [Fact]
    public void Lstm_dense_legacy_hdf5_written_by_keras3()
    {
        (KerasFile f, _, _) = Load("lstm_dense_k3_h5", "lstm_model.h5");
        Assert.Equal("tensorflow", f.Backend);
        Assert.False(f.UsesKeras2HardSigmoid); // Keras 3.13.2 wrote it
        Assert.Equal(new int?[] { 60, 13 }, f.Model!.InputShape);
        Assert.Equal("sequential_1", f.Model.Name);
        KerasLayer lstm = f.GetLayer("lstm");
        Assert.Equal(64, lstm.Config.GetInt("units"));
        Assert.False(lstm.Config.GetBool("return_sequences"));
        Assert.Equal("float32", lstm.Config.GetDType()); // a DTypePolicy object in this file
        Assert.Equal("relu", f.GetLayer("dense_2").Config.GetString("activation"));
        Assert.Equal("linear", f.GetLayer("dense_3").Config.GetString("activation"));
        Assert.Equal("sequential_1/lstm/lstm_cell/kernel", lstm.Weights[0].Name);
        AssertShapes(lstm, [13, 256], [64, 256], [256]);
        AssertShapes(f.GetLayer("dense_2"), [64, 32], [32]);
        AssertShapes(f.GetLayer("dense_3"), [32, 1], [1]);
        Assert.Null(f.GetLayer("input_layer_1").WeightGroup); // not in layer_names
        Assert.Equal(["lstm", "dense_2", "dense_3"], f.WeightGroups.Select(g => g.Name)); // top_level_model_weights is not a layer
    }

    [Fact]
    public void Bilstm_tf_keras_2_10_hdf5()
    {
        (KerasFile f, _, _) = Load("bilstm_tf2_h5", "bilstm_model.h5");
        Assert.True(f.UsesKeras2HardSigmoid);
        Assert.Equal(new int?[] { 10, 300 }, f.Model!.InputShape);
        foreach (string name in new[] { "bidirectional_4", "bidirectional_5" })
        {
            KerasLayer b = f.GetLayer(name);
            Assert.Equal("concat", b.Config.GetString("merge_mode"));
            Assert.NotNull(b.Layer);
            Assert.Equal("LSTM", b.Layer!.ClassName);
            Assert.Equal(64, b.Layer.Config.GetInt("units"));
            Assert.False(b.Layer.Config.GetBool("go_backwards"));
            Assert.Null(b.BackwardLayer); // Keras 2: the backward LSTM is the forward config with go_backwards flipped
            Assert.Null(b.ForwardLayer);
            Assert.Empty(b.Layer.Weights);
        }
        Assert.Equal("lstm_4", f.GetLayer("bidirectional_4").Layer!.Name);
        Assert.True(f.GetLayer("bidirectional_4").Layer!.Config.GetBool("return_sequences"));
        Assert.False(f.GetLayer("bidirectional_5").Layer!.Config.GetBool("return_sequences"));
        // forward then backward, cells numbered per session (25, 26, 28, 29), not alphabetical
        KerasLayer b4 = f.GetLayer("bidirectional_4");
        Assert.Equal("bidirectional_4/forward_lstm_4/lstm_cell_25/kernel:0", b4.Weights[0].Name);
        Assert.Equal("bidirectional_4/backward_lstm_4/lstm_cell_26/bias:0", b4.Weights[5].Name);
        AssertShapes(b4, [300, 256], [64, 256], [256], [300, 256], [64, 256], [256]);
        AssertShapes(f.GetLayer("bidirectional_5"), [128, 256], [64, 256], [256], [128, 256], [64, 256], [256]);
        AssertShapes(f.GetLayer("dense_6"), [128, 10], [10]);
        AssertShapes(f.GetLayer("dense_7"), [10, 5], [5]);
        Assert.Equal("tanh", f.GetLayer("dense_6").Config.GetString("activation"));
        Assert.Equal("softmax", f.GetLayer("dense_7").Config.GetString("activation"));
        Assert.Equal(0.5f, f.GetLayer("dropout_4").Config.GetFloat("rate"));
    }

    [Fact]
    public void Gru_stacked_keras3_archive()
    {
        (KerasFile f, _, _) = Load("gru_stacked_k3_zip", "gru_model.keras");
        Assert.Equal(new int?[] { 480, 3 }, f.Model!.InputShape);
        KerasLayer g2 = f.GetLayer("gru_2"), g3 = f.GetLayer("gru_3");
        // Config names gru_2, gru_3, dense_1, weight groups by class counter: gru, gru_1, dense.
        Assert.Equal("/layers/gru", g2.WeightGroup);
        Assert.Equal("/layers/gru_1", g3.WeightGroup);
        Assert.Equal("/layers/dense", f.GetLayer("dense_1").WeightGroup);
        Assert.True(g2.Config.GetBool("reset_after"));
        Assert.True(g3.Config.GetBool("reset_after"));
        Assert.True(g2.Config.GetBool("return_sequences"));
        Assert.Equal(64, g2.Config.GetInt("units"));
        Assert.Equal(32, g3.Config.GetInt("units"));
        AssertShapes(g2, [3, 192], [64, 192], [2, 192]);
        AssertShapes(g3, [64, 96], [32, 96], [2, 96]);
        AssertShapes(f.GetLayer("dense_1"), [32, 1], [1]);
        Assert.Equal(0.14673260028436005, f.GetLayer("dropout_2").Config.GetDouble("rate"));
    }

    [Fact]
    public void Embedding_gru_keras_2_0_4_functional_hdf5()
    {
        (KerasFile f, _, _) = Load("emb_gru_hardsigmoid_k2_h5", "gru.h5");
        Assert.Equal("2.0.4", f.KerasVersion);
        Assert.Equal(2, f.KerasMajorVersion);
        Assert.True(f.UsesKeras2HardSigmoid);
        Assert.Equal("Model", f.Model!.ModelClass);
        Assert.Equal("model_4", f.Model.Name);
        Assert.Equal(new int?[] { 500 }, f.Model.InputShape);
        Assert.Equal("float32", f.Model.InputDType);
        Assert.Equal(["input_2", "embedding_2", "gru_2", "dense_7"], f.Layers.Select(l => l.Name));
        KerasLayer emb = f.GetLayer("embedding_2"), gru = f.GetLayer("gru_2");
        Assert.Equal(5000, emb.Config.GetInt("input_dim"));
        Assert.Equal(50, emb.Config.GetInt("output_dim"));
        Assert.Equal("int32", emb.Config.GetDType());
        Assert.False(emb.Config.GetBool("mask_zero"));
        Assert.Equal("hard_sigmoid", gru.Config.GetString("recurrent_activation"));
        Assert.False(gru.Config.Has("reset_after"));
        Assert.False(gru.Config.GetBool("reset_after", false));
        Assert.Equal(0.2f, gru.Config.GetFloat("dropout"));
        Assert.Equal(0, gru.Config.GetInt("implementation"));
        Assert.Equal("sigmoid", f.GetLayer("dense_7").Config.GetString("activation"));
        AssertShapes(emb, [5000, 50]);
        AssertShapes(gru, [50, 150], [50, 150], [150]);
        AssertShapes(f.GetLayer("dense_7"), [50, 2], [2]);
        Assert.Equal("gru_2/kernel:0", gru.Weights[0].Name);
    }
}
