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
/// Conv1D, pooling, Flatten, Reshape, BatchNormalization, LayerNormalization and Masking in Keras files: argument values
/// LstmGen does not have are refused naming the layer and the argument, a kernel of the wrong shape and a file of
/// another architecture are refused, and the model's weights stay exactly as they were. (Loading and predicting:
/// <see cref="KerasImportTests"/>; export: <see cref="KerasExportTests"/>.)
/// </summary>
public sealed class KerasConvImportTests
{
    private static T Refused<T>(ISequentialModel model, byte[] file, string name) where T : Exception
    {
        ImportHelpers.SetFormulaWeights(model, salt: 9);
        int[] before = ImportHelpers.Bits(model);
        var e = Assert.Throws<T>(() => KerasImport.Load(model, KerasFile.Read(file, name)));
        Assert.Equal(before, ImportHelpers.Bits(model));
        return e;
    }

    private static byte[] Archive(string config, IReadOnlyList<KerasLayerWeights> layers)
    {
        using var s = new MemoryStream();
        KerasWeightsWriter.WriteArchive(s, config, layers, new KerasWriteOptions { DateSaved = new DateTime(2026, 1, 1) });
        return s.ToArray();
    }

    /// <summary>A model's Keras 3 config (to alter) and weights.</summary>
    private static (JsonNode Config, List<KerasLayerWeights> Layers) Saved(ISequentialModel model)
    {
        ImportHelpers.SetFormulaWeights(model);
        return (JsonNode.Parse(KerasExport.ModelConfig(model.Architecture))!, KerasExport.LayerWeights(model).ToList());
    }

    private static JsonNode Layer(JsonNode config, int index) => config["config"]!["layers"]![index]!["config"]!;

    private static KerasUnsupportedLayerException Unsupported(ISequentialModel model, Action<JsonNode> alter, string name)
    {
        (JsonNode config, List<KerasLayerWeights> layers) = Saved(model);
        alter(config);
        byte[] file = Archive(config.ToJsonString(), layers);
        var e = Refused<KerasUnsupportedLayerException>(model, file, name);
        // The declaration lists the layer as not supported, for the same reason.
        KerasDeclaration d = KerasDeclaration.Create(KerasFile.Read(file, name));
        Assert.Equal(e.Reason, Assert.Single(d.Unsupported).Reason);
        return e;
    }

    [Fact]
    public void Conv1D_channels_first_is_refused_naming_the_argument()
    {
        var e = Unsupported(new FxConvBn(), c => Layer(c, 1)["data_format"] = "channels_first", "cf.keras");
        Assert.Equal("'cf.keras': layer 1 of the file, 'conv1d' (Conv1D, at config.layers[1]), cannot be imported: its data_format is 'channels_first'; "
            + "LstmGen's sequences are channels_last (steps, features).", e.Message);
    }

    [Fact]
    public void Conv1D_padding_groups_and_strides_with_dilation_are_refused()
    {
        var e = Unsupported(new FxConvBn(), c => Layer(c, 1)["padding"] = "full", "full.keras");
        Assert.Equal("'full.keras': layer 1 of the file, 'conv1d' (Conv1D, at config.layers[1]), cannot be imported: its padding 'full' is not valid, same or causal.", e.Message);
        e = Unsupported(new FxConvBn(), c => Layer(c, 1)["groups"] = 2, "groups.keras");
        Assert.Equal("its groups is 2; LstmGen's Conv1D is a full convolution (groups = 1)", e.Reason);
        e = Unsupported(new FxConvBn(), c => { Layer(c, 1)["strides"] = new JsonArray(2); Layer(c, 1)["dilation_rate"] = new JsonArray(2); }, "sd.keras");
        Assert.Equal("its strides (2) and dilation_rate (2) both exceed 1, which Keras refuses too", e.Reason);
        e = Unsupported(new FxConvBn(), c => Layer(c, 1)["kernel_size"] = new JsonArray(3, 3), "k2d.keras");
        Assert.Equal("its kernel_size is [3,3], not a positive int (or a list of one)", e.Reason);
    }

    [Fact]
    public void Pooling_padding_causal_and_keepdims_are_refused()
    {
        var e = Unsupported(new FxConvNormPool(), c => Layer(c, 3)["padding"] = "causal", "pool.keras");
        Assert.Equal("'pool.keras': layer 3 of the file, 'max_pooling1d' (MaxPooling1D, at config.layers[3]), cannot be imported: its padding 'causal' is not valid or same.", e.Message);
        e = Unsupported(new FxConvNormPool(), c => Layer(c, 8)["keepdims"] = true, "keep.keras");
        Assert.Equal("GlobalMaxPooling1D", e.ClassName);
        Assert.Equal("its keepdims is true; LstmGen's global pooling gives a vector (keepdims = false)", e.Reason);
    }

    [Fact]
    public void Normalisation_over_another_axis_renorm_and_rms_scaling_are_refused()
    {
        var e = Unsupported(new FxConvBn(), c => Layer(c, 2)["axis"] = 1, "axis.keras");
        Assert.Equal("'axis.keras': layer 2 of the file, 'batch_normalization' (BatchNormalization, at config.layers[2]), cannot be imported: "
            + "its axis is 1 for an input of shape (None, 6, 3); LstmGen normalises over the last axis only (axis = -1).", e.Message);
        e = Unsupported(new FxConvBn(), c => Layer(c, 2)["axis"] = new JsonArray(1, 2), "axes.keras");
        Assert.Equal("its axis is [1,2]; LstmGen normalises over the last axis only (axis = -1)", e.Reason);
        e = Unsupported(new FxConvBn(), c => Layer(c, 2)["renorm"] = true, "renorm.keras");
        Assert.Equal("its renorm is true (batch renormalization); LstmGen's BatchNormalization has no renorm", e.Reason);
        e = Unsupported(new FxConvNormPool(), c => Layer(c, 6)["rms_scaling"] = true, "rms.keras");
        Assert.Equal("LayerNormalization", e.ClassName);
        Assert.Equal("its rms_scaling is true; LstmGen's LayerNormalization subtracts the mean (rms_scaling = false)", e.Reason);
    }

    [Fact]
    public void The_last_axis_written_as_an_index_is_accepted()
    {
        // tf.keras 2 writes the built axis ([2] for a sequence); legacy_tf2_conv_bn_reshape.h5 has [2] and [1].
        (JsonNode config, List<KerasLayerWeights> layers) = Saved(new FxConvBn());
        Layer(config, 2)["axis"] = new JsonArray(2);
        var model = new FxConvBn();
        KerasImportResult r = KerasImport.Load(model, KerasFile.Read(Archive(config.ToJsonString(), layers), "axis2.keras"));
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Conv1D_kernel_of_the_wrong_shape_is_refused()
    {
        (JsonNode config, List<KerasLayerWeights> layers) = Saved(new FxConvBn());
        layers[0] = KerasLayerWeights.Create("Conv1D", "conv1d", new KerasWeight("kernel", [2, 2, 3], new float[12]), new KerasWeight("bias", [3], new float[3]));
        var e = Refused<KerasWeightMismatchException>(new FxConvBn(), Archive(config.ToJsonString(), layers), "kernel.keras");
        Assert.Equal("'kernel.keras': layer 1 of the file, 'conv1d' (Conv1D at /layers/conv1d): the weight /layers/conv1d/vars/0 has shape (2, 2, 3), "
            + "but the model's conv1d/kernel has shape (3, 2, 3).", e.Message);
    }

    [Fact]
    public void Batch_normalization_missing_its_moving_variance_is_refused()
    {
        (JsonNode config, List<KerasLayerWeights> layers) = Saved(new FxConvBn());
        KerasLayerWeights bn = layers[1];
        layers[1] = KerasLayerWeights.Create("BatchNormalization", "batch_normalization", bn.Variables.Take(3).ToArray());
        var e = Refused<KerasWeightMismatchException>(new FxConvBn(), Archive(config.ToJsonString(), layers), "bn3.keras");
        Assert.EndsWith("batch_normalization/moving_variance is missing from the file.", e.Message);
    }

    [Fact]
    public void Another_padding_or_normalisation_without_scale_is_an_architecture_mismatch()
    {
        (JsonNode config, List<KerasLayerWeights> layers) = Saved(new FxConvBn());
        Layer(config, 1)["padding"] = "valid";
        var e = Refused<KerasArchitectureMismatchException>(new FxConvBn(), Archive(config.ToJsonString(), layers), "valid.keras");
        Assert.Equal("'valid.keras' does not match FxConvBn: layer 1 of the file, 'conv1d' (Conv1D), has padding = valid, but layer 1 of the model, 'conv1d' (Conv1D), "
            + "has padding = same. Declare that layer as [Conv1D(3, 3)] (now [Conv1D(3, 3, Padding = PaddingMode.Same)]).", e.Message);

        (config, layers) = Saved(new FxConvBn());
        Layer(config, 2)["scale"] = false;
        layers[1] = KerasLayerWeights.Create("BatchNormalization", "batch_normalization", layers[1].Variables.Skip(1).ToArray());
        e = Refused<KerasArchitectureMismatchException>(new FxConvBn(), Archive(config.ToJsonString(), layers), "noscale.keras");
        Assert.Equal("scale", e.Attribute);
        Assert.Equal("[BatchNormalization(Scale = false)]", e.Declaration);
    }

    [Fact]
    public void Another_momentum_is_a_warning_only()
    {
        (JsonNode config, List<KerasLayerWeights> layers) = Saved(new FxConvBn());
        Layer(config, 2)["momentum"] = 0.9;
        KerasImportResult r = KerasImport.Load(new FxConvBn(), KerasFile.Read(Archive(config.ToJsonString(), layers), "m.keras"));
        Assert.Contains("has momentum = 0.9, but layer 2 of the model, 'batch_normalization' (BatchNormalization), has momentum = 0.99 (a training setting", Assert.Single(r.Warnings));
        var strict = new FxConvBn();
        Assert.Throws<KerasArchitectureMismatchException>(() => KerasImport.Load(strict, KerasFile.Read(Archive(config.ToJsonString(), layers), "m.keras"), new KerasImportOptions { Strict = true }));
    }
}
