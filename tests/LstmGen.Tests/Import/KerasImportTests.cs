using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LstmGen.Import;
using LstmGen.Tests.Import.Models;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>Helpers shared by the import and export tests.</summary>
internal static class ImportHelpers
{
    /// <summary>Sets every weight from a formula (no initialiser: the same bits on every machine).</summary>
    public static void SetFormulaWeights(ISequentialModel model, int salt = 0)
    {
        int index = 0;
        foreach (WeightInfo e in model.Weights.Entries)
        {
            var values = new float[e.Length];
            for (int k = 0; k < values.Length; k++)
            {
                values[k] = (float)(0.6 * Math.Sin(0.37 * k + 1.3 * index + 0.11 * salt + 0.1));
            }
            model.Weights.Set(e.Name, values);
            index++;
        }
    }

    /// <summary>A seeded batch of inputs: floats in [-1, 1), or token ids in [1, vocabulary).</summary>
    public static (float[] Floats, int[] Tokens) Inputs(ISequentialModel model, int batch, int seed)
    {
        var random = new Random(seed);
        int n = batch * model.InputLength;
        int vocabulary = model.Architecture.TokenInput ? (int)model.Architecture.Layers[0].Config["input_dim"] : 0;
        return (Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            Enumerable.Range(0, n).Select(_ => vocabulary > 1 ? random.Next(1, vocabulary) : 0).ToArray());
    }

    public static float[] Predict(ISequentialModel model, float[] floats, int[] tokens, int batch)
    {
        var output = new float[batch * model.OutputLength];
        switch (model)
        {
            case ISequentialModel<int> t:
                t.PredictBatch(tokens, output, batch);
                break;
            case ISequentialModel<float> f:
                f.PredictBatch(floats, output, batch);
                break;
            default:
                throw new InvalidOperationException(model.GetType().Name);
        }
        return output;
    }

    /// <summary>The model's parameters as bits, to compare before and after a failed load.</summary>
    public static int[] Bits(ISequentialModel model) => model.Weights.Parameters.Select(BitConverter.SingleToInt32Bits).ToArray();

    public static void AssertSameArchitecture(ModelArchitecture expected, ModelArchitecture actual)
    {
        Assert.Equal(expected.InputShape, actual.InputShape);
        Assert.Equal(expected.TokenInput, actual.TokenInput);
        Assert.Equal(expected.Layers.Count, actual.Layers.Count);
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            AssertSameLayer(expected.Layers[i], actual.Layers[i]);
        }
    }

    public static void AssertSameLayer(LayerArchitecture expected, LayerArchitecture actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.ClassName, actual.ClassName);
        Assert.Equal(expected.InputShape, actual.InputShape);
        Assert.Equal(expected.OutputShape, actual.OutputShape);
        Assert.Equal(expected.Weights, actual.Weights);
        Assert.Equal(expected.Config.Keys.Order(StringComparer.Ordinal), actual.Config.Keys.Order(StringComparer.Ordinal));
        foreach ((string key, object value) in expected.Config)
        {
            Assert.True(value is int[] a ? a.SequenceEqual((int[])actual.Config[key]) : value.Equals(actual.Config[key]),
                $"{expected.Name}.{key}: expected {value}, got {actual.Config[key]}");
        }
        Assert.Equal(expected.Inner is null, actual.Inner is null);
        if (expected.Inner is not null)
        {
            AssertSameLayer(expected.Inner, actual.Inner!);
        }
    }
}

/// <summary>
/// Loading the h5py fixtures (every Keras layout, tests/reference/make_keras_fixtures.py) into declared models: every
/// weight lands where it belongs, and the model reproduces the outputs of an independent numpy implementation of Keras
/// inference (tests/reference/keras_numpy.py, which reads the same files with h5py; fixture_outputs.json).
/// </summary>
public sealed class KerasImportTests
{
    private static readonly Lazy<JsonElement> Outputs = new(() =>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ImportPaths.KerasFixtures, "fixture_outputs.json")));
        return doc.RootElement.GetProperty("files").Clone();
    });

    private static readonly Dictionary<string, Func<ISequentialModel>> Models = new()
    {
        ["k3_lstm_stack.keras"] = () => new FxLstmStack(),
        ["k3_bidirectional_timedistributed.keras"] = () => new FxBiTd(),
        ["k3_functional_embedding_gru_rnn.keras"] = () => new FxEmbGruRnn(),
        ["k3_lstm_dense.weights.h5"] = () => new FxLstmDenseDense(),
        ["legacy_k3_lstm_gru_dense.h5"] = () => new FxLstmGruDense(),
        ["legacy_tf2_bidirectional_gru_td.h5"] = () => new FxBiDropGruTd(),
        ["legacy_k22_embedding_gru.h5"] = () => new FxEmbGruK2(),
        ["legacy_k21_list_config.h5"] = () => new FxLstmTdK2(),
        ["legacy_k22_cudnn.h5"] = () => new FxCudnn(),
        ["legacy_weights_only.h5"] = () => new FxLstmDense(),
        ["storage_libver_latest.weights.h5"] = () => new FxLstmDense(),
    };

    public static TheoryData<string> Files => new(Models.Keys.Order(StringComparer.Ordinal));

    public static TheoryData<string> ConfigFiles => new(Models.Keys.Where(f => KerasFile.Read(Path.Combine(ImportPaths.KerasFixtures, f)).Model is not null).Order(StringComparer.Ordinal));

    [Fact]
    public void Every_fixture_with_outputs_has_a_model()
    {
        Assert.Equal(Outputs.Value.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), Models.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Fixture_loads_and_predicts_as_keras(string name)
    {
        ISequentialModel model = Models[name]();
        KerasImportResult result = KerasImport.Load(model, Path.Combine(ImportPaths.KerasFixtures, name));
        Assert.DoesNotContain(result.Warnings, w => !w.Contains("a training setting", StringComparison.Ordinal));
        Assert.Equal(model.Weights.Entries.Select(e => e.Name), result.Weights);

        JsonElement spec = Outputs.Value.GetProperty(name);
        int batch = spec.GetProperty("input_shape")[0].GetInt32();
        bool tokens = spec.GetProperty("tokens").GetBoolean();
        float[] floats = tokens ? [] : spec.GetProperty("input").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        int[] ids = tokens ? spec.GetProperty("input").EnumerateArray().Select(v => v.GetInt32()).ToArray() : [];
        double[] expected = spec.GetProperty("output").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        float[] actual = ImportHelpers.Predict(model, floats, ids, batch);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-4 * Math.Abs(expected[i]),
                $"{name}: output[{i}] = {actual[i]:R}, numpy (float64) gives {expected[i]:R}");
        }
    }

    /// <summary>The declaration KerasDeclaration writes for a fixture is the model declared for it (architecture for architecture).</summary>
    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public void Declaration_of_the_fixture_is_its_model(string name)
    {
        ISequentialModel model = Models[name]();
        KerasFile file = KerasFile.Read(Path.Combine(ImportPaths.KerasFixtures, name));
        KerasDeclaration d = KerasDeclaration.Create(file, new KerasDeclarationOptions
        {
            ClassName = model.Architecture.ModelName,
            Steps = file.Model!.InputShape![0] is null ? model.Architecture.InputShape[0] : null,
        });
        Assert.True(d.IsComplete, string.Join("; ", d.Unsupported));
        ImportHelpers.AssertSameArchitecture(model.Architecture, d.Architecture!);
        Assert.Contains($"public partial class {model.Architecture.ModelName};", d.Source);
    }

    [Fact]
    public void Open_steps_need_the_steps_option()
    {
        KerasFile file = KerasFile.Read(Path.Combine(ImportPaths.KerasFixtures, "k3_functional_embedding_gru_rnn.keras"));
        var e = Assert.Throws<KerasConfigException>(() => KerasDeclaration.Create(file));
        Assert.Contains("(None, None)", e.Message);
        Assert.Contains("--steps N", e.Message);
        KerasDeclaration d = KerasDeclaration.Create(file, new KerasDeclarationOptions { Steps = 7, ClassName = "M" });
        Assert.Equal(["[Sequential]", "[Input(7)]", "[Embedding(11, 4)]", "[Gru(3, ReturnSequences = true)]", "[SimpleRnn(2)]", "[Dense(1, Activation = Activation.Sigmoid)]"], d.Attributes);
    }

    [Fact]
    public void CuDnn_layers_load_as_lstm_and_gru_with_their_biases_combined()
    {
        KerasFile file = KerasFile.Read(Path.Combine(ImportPaths.KerasFixtures, "legacy_k22_cudnn.h5"));
        var model = new FxCudnn();
        KerasImport.Load(model, file);
        KerasLayer bi = file.GetLayer("bidirectional_1"), gru = file.GetLayer("cu_dnngru_1");
        Assert.Equal("CuDNNLSTM", bi.Layer!.ClassName);
        foreach ((string name, KerasWeight w) in new[] { ("bidirectional/forward_lstm/bias", bi.Weights[2]), ("bidirectional/backward_lstm/bias", bi.Weights[5]) })
        {
            Assert.Equal([24], w.Shape);
            float[] summed = Enumerable.Range(0, 12).Select(k => w.Values[k] + w.Values[12 + k]).ToArray();
            Assert.Equal(summed, model.Weights.Get(name)); // cuDNN's input bias + recurrent bias
        }
        Assert.Equal(bi.Weights[0].Values, model.Weights.Get("bidirectional/forward_lstm/kernel"));
        Assert.Equal([12], gru.Weights[2].Shape);
        Assert.Equal([2, 6], model.Weights.Find("gru/bias").Dimensions);
        Assert.Equal(gru.Weights[2].Values, model.Weights.Get("gru/bias")); // (6u) read as (2, 3u): input bias, recurrent bias
    }

    [Fact]
    public void Legacy_weights_land_by_name_kind_and_order()
    {
        // tf.keras 2.10's cells are numbered per session (lstm_cell_7, lstm_cell_8): the order comes from weight_names.
        KerasFile file = KerasFile.Read(Path.Combine(ImportPaths.KerasFixtures, "legacy_tf2_bidirectional_gru_td.h5"));
        var model = new FxBiDropGruTd();
        KerasImport.Load(model, file);
        KerasLayer bi = file.GetLayer("bidirectional_2");
        string[] names = ["bidirectional/forward_lstm/kernel", "bidirectional/forward_lstm/recurrent_kernel", "bidirectional/forward_lstm/bias",
            "bidirectional/backward_lstm/kernel", "bidirectional/backward_lstm/recurrent_kernel", "bidirectional/backward_lstm/bias"];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(bi.Weights[i].Values, model.Weights.Get(names[i]));
        }
        Assert.Equal(file.GetLayer("time_distributed_1").Weights[0].Values, model.Weights.Get("time_distributed/kernel"));
        Assert.Equal(file.GetLayer("gru_1").Weights[2].Values, model.Weights.Get("gru/bias"));
    }

    [Fact]
    public void Stream_overload_loads_the_same_weights()
    {
        string path = Path.Combine(ImportPaths.KerasFixtures, "k3_lstm_stack.keras");
        var fromPath = new FxLstmStack();
        var fromStream = new FxLstmStack();
        KerasImport.Load(fromPath, path);
        using (FileStream s = File.OpenRead(path))
        {
            KerasImportResult r = KerasImport.Load(fromStream, s, "k3_lstm_stack.keras");
            Assert.Equal("k3_lstm_stack.keras", r.File.FileName);
        }
        Assert.Equal(fromPath.Weights.Parameters, fromStream.Weights.Parameters);
    }

    /// <summary>A Lambda holds Python code: loaded against a declared SliceLast with a warning (an error when strict).</summary>
    [Fact]
    public void Lambda_is_taken_for_the_declared_slice_last_with_a_warning()
    {
        var source = new LstmGen.Tests.Models.ManyToManySlice();
        ImportHelpers.SetFormulaWeights(source);
        string config = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 6, 4], "dtype": "float32", "name": "input_layer"}},
              {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm", "units": 8, "return_sequences": true}},
              {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAA=="}}}},
              {"module": "keras.layers", "class_name": "TimeDistributed", "config": {"name": "time_distributed",
                "layer": {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2}}}}]}}
            """;
        using var s = new MemoryStream();
        KerasWeightsWriter.WriteArchive(s, config, KerasExport.LayerWeights(source));
        KerasFile file = KerasFile.Read(s.ToArray(), "slice.keras");
        var model = new LstmGen.Tests.Models.ManyToManySlice(new ModelOptions { Seed = 5 });
        int[] before = ImportHelpers.Bits(model);
        var e = Assert.Throws<KerasArchitectureMismatchException>(() => KerasImport.Load(model, file, new KerasImportOptions { Strict = true }));
        Assert.Contains("layer 2 of the file, 'lambda' (Lambda), holds Python code that cannot be checked against the model's [SliceLast(3)] ('lambda') (Strict)", e.Message);
        Assert.Equal(before, ImportHelpers.Bits(model));
        KerasImportResult r = KerasImport.Load(model, file);
        Assert.Equal("'slice.keras': layer 2 of the file, 'lambda' (Lambda), holds Python code that cannot be checked; it is taken to be the model's [SliceLast(3)] ('lambda').", Assert.Single(r.Warnings));
        Assert.Equal(ImportHelpers.Bits(source), ImportHelpers.Bits(model));
        // The tool cannot declare it.
        KerasDeclaration d = KerasDeclaration.Create(file);
        Assert.Contains("a Lambda layer holds Python code, which cannot be read; if it is x[:, -n:, :], declare [SliceLast(n)]", Assert.Single(d.Unsupported).Reason);
    }

    [Fact]
    public void Training_settings_are_warnings_or_with_strict_errors()
    {
        string path = Path.Combine(ImportPaths.KerasFixtures, "k3_lstm_stack.keras");
        var model = new OtherTrainingSettings(new ModelOptions { Seed = 3 });
        int[] before = ImportHelpers.Bits(model);
        var e = Assert.Throws<KerasArchitectureMismatchException>(() => KerasImport.Load(model, path, new KerasImportOptions { Strict = true }));
        Assert.Equal("input shape", e.Attribute);
        Assert.Contains("6 steps against 9 (Strict)", e.Message);
        Assert.Equal(before, ImportHelpers.Bits(model));

        KerasImportResult result = KerasImport.Load(model, path);
        Assert.Equal(3, result.Warnings.Count);
        Assert.Contains("takes 6 steps per sample, OtherTrainingSettings 9", result.Warnings[0]);
        Assert.Contains("'dropout' (Dropout), has rate = 0.25, but layer 2 of the model, 'dropout' (Dropout), has rate = 0.5 (a training setting", result.Warnings[1]);
        Assert.Contains("has unit_forget_bias = true, but layer 3 of the model, 'lstm_1' (LSTM), has unit_forget_bias = false", result.Warnings[2]);
        var reference = new FxLstmStack();
        KerasImport.Load(reference, path);
        Assert.Equal(reference.Weights.Parameters, model.Weights.Parameters);
    }
}
