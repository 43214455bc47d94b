using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using LstmGen.Import;
using LstmGen.Tests.Import.Models;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// Files that do not fit the model they are loaded into: an unsupported layer, a weight of the wrong shape, a missing
/// or extra weight, a non-finite value, a file of another architecture (one test per attribute), weights-only files of
/// another model, damaged files. Each is a named exception saying what and where, and the model's weights are left
/// exactly as they were, bit for bit.
/// </summary>
public sealed class KerasImportBadInputTests
{
    private static string Fixture(string name) => Path.Combine(ImportPaths.KerasFixtures, name);

    /// <summary>Loading must throw <typeparamref name="T"/> and leave every weight bit unchanged.</summary>
    private static T Refused<T>(ISequentialModel model, Action load) where T : Exception
    {
        ImportHelpers.SetFormulaWeights(model, salt: 9);
        int[] before = ImportHelpers.Bits(model);
        var e = Assert.Throws<T>(load);
        Assert.Equal(before, ImportHelpers.Bits(model));
        return e;
    }

    private static T Refused<T>(ISequentialModel model, byte[] file, string name) where T : Exception =>
        Refused<T>(model, () => KerasImport.Load(model, KerasFile.Read(file, name)));

    private static T Refused<T>(ISequentialModel model, string fixture) where T : Exception =>
        Refused<T>(model, () => KerasImport.Load(model, Fixture(fixture)));

    /// <summary>FxLstmStack's config and weights (the model of k3_lstm_stack.keras), to alter.</summary>
    private static (string Config, List<KerasLayerWeights> Layers) Stack()
    {
        var model = new FxLstmStack();
        ImportHelpers.SetFormulaWeights(model);
        return (KerasExport.ModelConfig(FxLstmStack.Architecture), KerasExport.LayerWeights(model).ToList());
    }

    private static byte[] Archive(string config, IReadOnlyList<KerasLayerWeights> layers)
    {
        using var s = new MemoryStream();
        KerasWeightsWriter.WriteArchive(s, config, layers, new KerasWriteOptions { DateSaved = new DateTime(2026, 1, 1) });
        return s.ToArray();
    }

    private static KerasWeight W(string name, int[] shape, float value = 0.25f) => new(name, shape, Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * b)).ToArray());

    // ------------------------------------------------------------------------------------------------------------
    // Unsupported layers
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Unsupported_layer_is_named_with_its_class_and_position()
    {
        (string config, List<KerasLayerWeights> layers) = Stack();
        JsonNode root = JsonNode.Parse(config)!;
        JsonArray list = root["config"]!["layers"]!.AsArray();
        list.Insert(2, JsonNode.Parse("""
            {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "trainable": true, "dtype": "float32", "filters": 4,
             "kernel_size": [3], "strides": [1], "padding": "same", "activation": "relu", "use_bias": true}, "registered_name": null}
            """));
        layers.Insert(1, KerasLayerWeights.Create("Conv1D", "conv1d", W("kernel", [3, 4, 4]), W("bias", [4])));
        byte[] file = Archive(root.ToJsonString(), layers);

        var e = Refused<KerasUnsupportedLayerException>(new FxLstmStack(), file, "conv.keras");
        Assert.Equal("Conv1D", e.ClassName);
        Assert.Equal("conv1d", e.LayerName);
        Assert.Equal(1, e.Index);
        Assert.Equal("config.layers[2]", e.Location);
        Assert.Equal("'conv.keras': layer 2 of the file, 'conv1d' (Conv1D, at config.layers[2]), cannot be imported: LstmGen has no Conv1D layer (yet).", e.Message);

        // The declaration lists it at its place, and the rest of the model.
        KerasDeclaration d = KerasDeclaration.Create(KerasFile.Read(file, "conv.keras"));
        Assert.False(d.IsComplete);
        Assert.Null(d.Architecture);
        Assert.Equal("layer 2: 'conv1d' (Conv1D) at config.layers[2]: LstmGen has no Conv1D layer (yet)", Assert.Single(d.Unsupported).ToString());
        Assert.Contains("[Lstm(4, ReturnSequences = true)]\n// layer 2, 'conv1d' (Conv1D), is not supported: LstmGen has no Conv1D layer (yet)\n[Dropout(0.25)]", d.Source);
        Assert.Contains("// INCOMPLETE", d.Source);
    }

    [Fact]
    public void Unsupported_activation_and_bidirectional_without_merge_mode_are_named()
    {
        (string config, List<KerasLayerWeights> layers) = Stack();
        JsonNode root = JsonNode.Parse(config)!;
        root["config"]!["layers"]![4]!["config"]!["activation"] = "mish";
        var e = Refused<KerasUnsupportedLayerException>(new FxLstmStack(), Archive(root.ToJsonString(), layers), "mish.keras");
        Assert.Equal("Dense", e.ClassName);
        Assert.Equal(3, e.Index);
        Assert.Contains("its activation 'mish' is not one of LstmGen's activations", e.Message);

        var bi = new FxBiTd();
        ImportHelpers.SetFormulaWeights(bi);
        root = JsonNode.Parse(KerasExport.ModelConfig(FxBiTd.Architecture))!;
        root["config"]!["layers"]![1]!["config"]!["merge_mode"] = null;
        e = Refused<KerasUnsupportedLayerException>(new FxBiTd(), Archive(root.ToJsonString(), KerasExport.LayerWeights(bi)), "nomerge.keras");
        Assert.Equal("Bidirectional", e.ClassName);
        Assert.Contains("its merge_mode is None (two separate outputs)", e.Message);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Weights that do not fit
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Weight_of_the_wrong_shape_names_both_shapes_and_the_dataset()
    {
        (string config, List<KerasLayerWeights> layers) = Stack();
        layers[2] = KerasLayerWeights.Create("LSTM", "lstm_1", W("kernel", [4, 24]), W("recurrent_kernel", [5, 20]), W("bias", [20]));
        var e = Refused<KerasWeightMismatchException>(new FxLstmStack(), Archive(config, layers), "shape.keras");
        Assert.Equal("lstm_1/kernel", e.ModelWeight);
        Assert.Equal(new[] { 4, 20 }, e.ExpectedShape);
        Assert.Equal(new[] { 4, 24 }, e.FileShape);
        Assert.Equal("/layers/lstm_1/cell/vars/0", e.Location);
        Assert.Equal("'shape.keras': layer 3 of the file, 'lstm_1' (LSTM at /layers/lstm_1): the weight /layers/lstm_1/cell/vars/0 has shape (4, 24), but the model's lstm_1/kernel has shape (4, 20).", e.Message);
    }

    [Fact]
    public void Missing_weight_is_named()
    {
        (string config, List<KerasLayerWeights> layers) = Stack();
        layers[2] = KerasLayerWeights.Create("LSTM", "lstm_1", W("kernel", [4, 20]), W("recurrent_kernel", [5, 20]));
        var e = Refused<KerasWeightMismatchException>(new FxLstmStack(), Archive(config, layers), "missing.keras");
        Assert.Equal("lstm_1/bias", e.ModelWeight);
        Assert.Equal(new[] { 20 }, e.ExpectedShape);
        Assert.Null(e.FileShape);
        Assert.Equal("/layers/lstm_1", e.Location);
        Assert.Contains("holds 2 weights (/layers/lstm_1/cell/vars/0 (4, 20), /layers/lstm_1/cell/vars/1 (5, 20)), but the model's layer 'lstm_1' (LSTM) takes 3", e.Message);
        Assert.Contains("lstm_1/bias is missing from the file", e.Message);
    }

    [Fact]
    public void Extra_weight_is_named()
    {
        (string config, List<KerasLayerWeights> layers) = Stack();
        layers[3] = KerasLayerWeights.Create("Dense", "dense", W("kernel", [5, 2]), W("bias", [2]), W("extra", [2]));
        var e = Refused<KerasWeightMismatchException>(new FxLstmStack(), Archive(config, layers), "extra.keras");
        Assert.Null(e.ModelWeight);
        Assert.Equal("/layers/dense/vars/2", e.Location);
        Assert.Contains("the model has no place for /layers/dense/vars/2 (2)", e.Message);
    }

    [Fact]
    public void Non_finite_weight_is_refused_with_its_place()
    {
        (string config, List<KerasLayerWeights> layers) = Stack();
        var bias = W("bias", [2]);
        bias.Values[1] = float.NaN;
        layers[3] = KerasLayerWeights.Create("Dense", "dense", W("kernel", [5, 2]), bias);
        var e = Refused<KerasWeightMismatchException>(new FxLstmStack(), Archive(config, layers), "nan.keras");
        Assert.Equal("dense/bias", e.ModelWeight);
        Assert.Contains("the weight /layers/dense/vars/1 holds NaN at element 1; LstmGen's weights must be finite", e.Message);
    }

    [Fact]
    public void Damaged_file_and_dtype_are_refused_by_load_with_nothing_set()
    {
        byte[] good = File.ReadAllBytes(Fixture("k3_lstm_stack.keras"));
        Refused<KerasFormatException>(new FxLstmStack(), good[..(good.Length / 2)], "truncated.keras");
        var e = Refused<KerasDTypeException>(new BadSmall(), "bad_dtype_int32.h5");
        Assert.Equal("int32", e.DType);
        Refused<KerasFormatException>(new BadSmall(), "bad_weight_names_missing.h5");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Another architecture: one attribute at a time (k3_lstm_stack.keras: LSTM(4, seq) Dropout(0.25) LSTM(5) Dense(2))
    // ------------------------------------------------------------------------------------------------------------

    private static KerasArchitectureMismatchException Mismatch(ISequentialModel model, string fixture, string attribute, string? declaration)
    {
        var e = Refused<KerasArchitectureMismatchException>(model, fixture);
        Assert.Equal(attribute, e.Attribute);
        Assert.Equal(declaration, e.Declaration);
        Assert.StartsWith($"'{Fixture(fixture)}' does not match {model.Architecture.ModelName}: ", e.Message);
        return e;
    }

    [Fact]
    public void Other_units()
    {
        var e = Mismatch(new OtherUnits(), "k3_lstm_stack.keras", "units", "[Lstm(5)]");
        Assert.Equal("'lstm_1' (LSTM)", e.FileLayer);
        Assert.Equal("'lstm_1' (LSTM)", e.ModelLayer);
        Assert.Equal(("5", "6"), (e.FileValue, e.ModelValue));
        Assert.Equal(2, e.LayerIndex);
        Assert.Equal("config.layers[3]", e.Location);
        Assert.EndsWith("layer 3 of the file, 'lstm_1' (LSTM), has units = 5, but layer 3 of the model, 'lstm_1' (LSTM), has units = 6. Declare that layer as [Lstm(5)] (now [Lstm(6)]).", e.Message);
    }

    [Fact]
    public void Other_class()
    {
        var e = Mismatch(new OtherClass(), "k3_lstm_stack.keras", "class", "[Lstm(4, ReturnSequences = true)]");
        Assert.Contains("layer 1 of the file, 'lstm' (LSTM), is an LSTM, but layer 1 of the model, 'gru' (GRU), is a GRU", e.Message);
    }

    [Fact]
    public void Missing_dropout_layer()
    {
        var e = Mismatch(new NoDropout(), "k3_lstm_stack.keras", "class", "[Dropout(0.25)]");
        Assert.Contains("layer 2 of the file, 'dropout' (Dropout), is a Dropout, but layer 2 of the model, 'lstm_1' (LSTM), is an LSTM. Declare that layer as [Dropout(0.25)]", e.Message);
    }

    [Fact]
    public void Extra_model_layer()
    {
        var e = Mismatch(new ExtraLayer(), "k3_lstm_stack.keras", "layers", null);
        Assert.Null(e.FileLayer);
        Assert.Equal("'dense_1' (Dense)", e.ModelLayer);
        Assert.Contains("the file has 4 layers ('lstm' LSTM, 'dropout' Dropout, 'lstm_1' LSTM, 'dense' Dense), the model 5; the model's layer 5, 'dense_1' (Dense) [Dense(1)], has no counterpart in the file", e.Message);
    }

    [Fact]
    public void Other_go_backwards_activation_use_bias_and_features()
    {
        Mismatch(new OtherBackwards(), "k3_lstm_stack.keras", "go_backwards", "[Lstm(5)]");
        var e = Mismatch(new OtherActivation(), "k3_lstm_stack.keras", "activation", "[Dense(2)]");
        Assert.Equal(("Linear", "Relu"), (e.FileValue, e.ModelValue));
        Mismatch(new OtherBias(), "k3_lstm_stack.keras", "use_bias", "[Dense(2)]");
        e = Mismatch(new OtherFeatures(), "k3_lstm_stack.keras", "input shape", "[Input(6, 3)]");
        Assert.Equal(-1, e.LayerIndex);
        Assert.Contains("the file's input has shape (None, 6, 3), the model's is [Input(6, 4)]: 3 features against 4. Declare [Input(6, 3)].", e.Message);
    }

    [Fact]
    public void Other_merge_mode()
    {
        var e = Mismatch(new OtherMergeMode(), "k3_bidirectional_timedistributed.keras", "merge_mode", "[Bidirectional, Lstm(3, ReturnSequences = true)]");
        Assert.Equal(("concat", "sum"), (e.FileValue, e.ModelValue));
    }

    [Fact]
    public void Keras2_gru_needs_reset_after_false_and_keras2_hard_sigmoid()
    {
        const string Declaration = "[Gru(4, RecurrentActivation = Activation.HardSigmoidKeras2, ResetAfter = false)]";
        var e = Mismatch(new K2GruResetAfter(), "legacy_k22_embedding_gru.h5", "reset_after", Declaration);
        Assert.Contains("layer 2 of the file, 'gru_1' (GRU), has reset_after = false, but layer 2 of the model, 'gru' (GRU), has reset_after = true", e.Message);
        e = Mismatch(new K2GruKeras3HardSigmoid(), "legacy_k22_embedding_gru.h5", "recurrent_activation", Declaration);
        Assert.Contains("has recurrent_activation = HardSigmoidKeras2, but layer 2 of the model, 'gru' (GRU), has recurrent_activation = HardSigmoid (the file was written by Keras 2.2.4, whose hard_sigmoid is clip(0.2x + 0.5, 0, 1))", e.Message);
        e = Mismatch(new K2GruMaskZero(), "legacy_k22_embedding_gru.h5", "mask_zero", "[Embedding(9, 3)]");
        Assert.Equal("'embedding_1' (Embedding)", e.FileLayer);
    }

    [Fact]
    public void File_of_another_model_entirely()
    {
        var e = Mismatch(new FxLstmGruDense(), "k3_lstm_stack.keras", "units", "[Lstm(4, ReturnSequences = true)]");
        Assert.Contains("has units = 4, but layer 1 of the model, 'lstm' (LSTM), has units = 2", e.Message);
        Mismatch(new FxLstmStack(), "legacy_tf2_bidirectional_gru_td.h5", "input shape", "[Input(7, 4)]");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Weights-only files of another model
    // ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Keras3_weights_file_of_another_model()
    {
        // k3_lstm_dense.weights.h5: groups lstm, dense, dense_1. FxLstmDense3 takes lstm and dense only.
        var e = Refused<KerasWeightMismatchException>(new FxLstmDense3(), "k3_lstm_dense.weights.h5");
        Assert.Equal("/layers/dense_1", e.Location);
        Assert.Contains("holds the weight group /layers/dense_1 (vars/0 (3, 1), vars/1 (1)), which no layer of FxLstmDense3 takes (the model's groups are lstm, dense)", e.Message);

        e = Refused<KerasWeightMismatchException>(new FxLstmDense(), "k3_lstm_dense.weights.h5");
        Assert.Equal("dense/kernel", e.ModelWeight);
        Assert.Contains("the weight group /layers/dense (the model's layer 2, 'dense', Dense): the weight /layers/dense/vars/0 has shape (2, 3), but the model's dense/kernel has shape (2, 1)", e.Message);

        e = Refused<KerasWeightMismatchException>(new FxLstmStack(), "k3_lstm_dense.weights.h5");
        Assert.Equal("lstm/kernel", e.ModelWeight);
        Assert.Contains("the weight /layers/lstm/cell/vars/0 has shape (2, 8), but the model's lstm/kernel has shape (3, 16)", e.Message);

        e = Refused<KerasWeightMismatchException>(new FxLstmGru(), "k3_lstm_dense.weights.h5");
        Assert.Equal("gru/kernel", e.ModelWeight);
        Assert.Contains("has no weight group layers/gru for the model's layer 2, 'gru' (GRU): Keras 3 names the groups by class and count in model order, "
            + "so the model's groups are lstm, gru, dense and the file's dense, dense_1, lstm. The file is not this model's.", e.Message);
    }

    [Fact]
    public void Keras2_weights_file_of_another_model()
    {
        var e = Refused<KerasWeightMismatchException>(new FxLstmDenseDense(), "legacy_weights_only.h5");
        Assert.Contains("holds weights for 2 layers (lstm, dense), but FxLstmDenseDense has 3 layers with weights", e.Message);
    }
}
