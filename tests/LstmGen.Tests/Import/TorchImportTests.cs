using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LstmGen.Import;
using LstmGen.Tests.Import.Models;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// PyTorch state_dicts (safetensors, tests/reference/make_torch_fixtures.py, torch 1.13) loaded into the equivalent
/// declared models with <see cref="TorchImport"/>: each reproduces PyTorch's float32 outputs within 1e-5; whole models
/// with module prefixes are matched by kind and shape; the explicit map settles ambiguities; every misfit is a
/// <see cref="TorchImportException"/> that leaves the weights bit for bit.
/// </summary>
public sealed class TorchImportTests
{
    private static string Path_(string name) => Path.Combine(ImportPaths.TorchFixtures, name + ".safetensors");

    private static JsonElement Json(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ImportPaths.TorchFixtures, name + ".json")));
        return doc.RootElement.Clone();
    }

    /// <summary>Fixture, model, and how to get the expected output from the fixture's outputs.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "lstm_1layer", "output" },
        { "lstm_1layer", "h_n" },
        { "lstm_2layers", "output" },
        { "lstm_bidirectional", "output" },
        { "lstm_bidirectional", "h_n" },
        { "lstm_2layers_bidirectional", "output" },
        { "gru_1layer", "output" },
        { "gru_bidirectional", "output" },
        { "rnn_tanh", "output" },
        { "rnn_relu", "output" },
        { "linear", "output" },
        { "embedding", "output" },
        { "model_tokens_lstm2_head", "output" },
        { "model_bigru_per_step", "output" },
    };

    private static ISequentialModel Model(string fixture, string output) => (fixture, output) switch
    {
        ("lstm_1layer", "output") => new TLstm1(),
        ("lstm_1layer", "h_n") => new TLstm1Last(),
        ("lstm_2layers", _) => new TLstm2(),
        ("lstm_bidirectional", "output") => new TLstmBi(),
        ("lstm_bidirectional", "h_n") => new TLstmBiLast(),
        ("lstm_2layers_bidirectional", _) => new TLstm2Bi(),
        ("gru_1layer", _) => new TGru1(),
        ("gru_bidirectional", _) => new TGruBi(),
        ("rnn_tanh", _) => new TRnnTanh(),
        ("rnn_relu", _) => new TRnnRelu(),
        ("linear", _) => new TLinear(),
        ("embedding", _) => new TEmbedding(),
        ("model_tokens_lstm2_head", _) => new TTokensLstmHead(),
        ("model_bigru_per_step", _) => new TBiGruPerStep(),
        _ => throw new ArgumentException(fixture),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void State_dict_loads_and_reproduces_pytorch(string fixture, string output)
    {
        ISequentialModel model = Model(fixture, output);
        TorchImportResult result = TorchImport.Load(model, Path_(fixture));
        Assert.Empty(result.UnusedTensors);
        Assert.Empty(result.Warnings);
        Assert.Equal(model.Weights.Entries.Select(e => e.Name), result.Weights);

        JsonElement json = Json(fixture);
        JsonElement input = json.GetProperty("input");
        int batch = input.GetProperty("shape")[0].GetInt32();
        bool tokens = input.GetProperty("dtype").GetString() == "int64";
        float[] floats = tokens ? [] : input.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        int[] ids = tokens ? input.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToArray() : [];
        float[] expected = Expected(json, output, batch);
        float[] actual = ImportHelpers.Predict(model, floats, ids, batch);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5, $"{fixture}: output[{i}] = {actual[i]:R}, PyTorch {expected[i]:R}");
        }
    }

    /// <summary>
    /// The fixture's output, or for "h_n" the last layer's final state per sample (both directions concatenated, forward
    /// first): what a Keras layer without return_sequences returns. (PyTorch's output[:, -1] is not that for the
    /// backward direction, which has then seen one step only.)
    /// </summary>
    private static float[] Expected(JsonElement json, string output, int batch)
    {
        JsonElement e = json.GetProperty("expected").GetProperty(output);
        float[] values = e.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        if (output != "h_n")
        {
            return values;
        }
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(); // (layers * directions, batch, hidden)
        int directions = json.GetProperty("args").TryGetProperty("bidirectional", out JsonElement b) && b.GetBoolean() ? 2 : 1;
        int hidden = shape[2], last = shape[0] - directions;
        var result = new float[batch * directions * hidden];
        for (int n = 0; n < batch; n++)
        {
            for (int d = 0; d < directions; d++)
            {
                Array.Copy(values, ((last + d) * batch + n) * hidden, result, (n * directions + d) * hidden, hidden);
            }
        }
        return result;
    }

    [Fact]
    public void Whole_models_are_matched_by_kind_and_shape_not_by_name_order()
    {
        TorchImportResult r = TorchImport.Load(new TTokensLstmHead(), Path_("model_tokens_lstm2_head"));
        Assert.Equal(new Dictionary<string, string> { ["embedding"] = "tok", ["lstm"] = "rnn#0", ["lstm_1"] = "rnn#1", ["dense"] = "head" }, r.Mapping);
        r = TorchImport.Load(new TBiGruPerStep(), Path_("model_bigru_per_step"));
        Assert.Equal(new Dictionary<string, string> { ["bidirectional"] = "encoder.rnn#0", ["time_distributed"] = "decoder" }, r.Mapping);
    }

    [Fact]
    public void Gru_gates_are_reordered_and_biases_kept_apart()
    {
        var model = new TGru1();
        TorchImport.Load(model, Path_("gru_1layer"));
        Dictionary<string, (int[] Shape, float[] Values)> t = ReadState("gru_1layer");
        const int H = 4, In = 3;
        float[] kernel = model.Weights.Get("gru/kernel"), bias = model.Weights.Get("gru/bias");
        for (int k = 0; k < In; k++)
        {
            for (int j = 0; j < H; j++)
            {
                Assert.Equal(t["weight_ih_l0"].Values[(H + j) * In + k], kernel[k * 3 * H + j]);          // Keras z = PyTorch z (rows h..2h)
                Assert.Equal(t["weight_ih_l0"].Values[j * In + k], kernel[k * 3 * H + H + j]);            // Keras r = PyTorch r (rows 0..h)
                Assert.Equal(t["weight_ih_l0"].Values[(2 * H + j) * In + k], kernel[k * 3 * H + 2 * H + j]); // Keras h = PyTorch n
            }
        }
        Assert.Equal(t["bias_ih_l0"].Values[H..(2 * H)], bias[..H]);
        Assert.Equal(t["bias_hh_l0"].Values[..H], bias[(4 * H)..(5 * H)]);
        var lstm = new TLstm1();
        TorchImport.Load(lstm, Path_("lstm_1layer"));
        t = ReadState("lstm_1layer");
        Assert.Equal(t["bias_ih_l0"].Values.Zip(t["bias_hh_l0"].Values, (a, b) => a + b), lstm.Weights.Get("lstm/bias"));
    }

    private static Dictionary<string, (int[] Shape, float[] Values)> ReadState(string name)
    {
        JsonElement json = Json(name);
        return json.GetProperty("state_dict").EnumerateArray().ToDictionary(
            t => t.GetProperty("name").GetString()!,
            t => (t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), t.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()));
    }

    /// <summary>A safetensors state_dict written here: (name, shape) with formula values.</summary>
    private static byte[] StateDict(params (string Name, int[] Shape)[] tensors)
    {
        var entries = new List<WeightInfo>();
        int offset = 0;
        foreach ((string name, int[] shape) in tensors)
        {
            var e = new WeightInfo(name, shape, offset, WeightInitializer.Zeros);
            entries.Add(e);
            offset += e.Length;
        }
        var store = new WeightStore("state_dict", entries);
        for (int i = 0; i < store.Parameters.Length; i++)
        {
            store.Parameters[i] = (float)Math.Sin(0.7 * i);
        }
        using var s = new MemoryStream();
        SafeTensors.Save(store, s);
        return s.ToArray();
    }

    private static (string, int[])[] Lstm(string prefix, int input, int hidden, int layer = 0) =>
    [
        ($"{prefix}weight_ih_l{layer}", [4 * hidden, input]), ($"{prefix}weight_hh_l{layer}", [4 * hidden, hidden]),
        ($"{prefix}bias_ih_l{layer}", [4 * hidden]), ($"{prefix}bias_hh_l{layer}", [4 * hidden]),
    ];

    private static T Refused<T>(ISequentialModel model, byte[] file, string name, TorchImportOptions? options = null) where T : Exception
    {
        ImportHelpers.SetFormulaWeights(model, salt: 4);
        int[] before = ImportHelpers.Bits(model);
        var e = Assert.Throws<T>(() => TorchImport.Load(model, new MemoryStream(file), name, options));
        Assert.Equal(before, ImportHelpers.Bits(model));
        return e;
    }

    private static T Refused<T>(ISequentialModel model, string fixture, TorchImportOptions? options = null) where T : Exception =>
        Refused<T>(model, File.ReadAllBytes(Path_(fixture)), fixture + ".safetensors", options);

    [Fact]
    public void Two_modules_that_fit_need_the_map()
    {
        byte[] file = StateDict([.. Lstm("encoder.", 3, 3), .. Lstm("decoder.", 3, 3)]);
        var e = Refused<TorchImportException>(new TTwoLstms(), file, "two.safetensors");
        Assert.Equal("lstm", e.ModelLayer);
        Assert.Contains("TTwoLstms's layer 'lstm' (LSTM), which takes a layer of an nn.LSTM with input size 3, hidden size 3", e.Message);
        Assert.Contains("fits layer 0 of module 'encoder' and layer 0 of module 'decoder': say which with TorchImportOptions.Map", e.Message);

        var model = new TTwoLstms();
        var map = new Dictionary<string, string> { ["lstm"] = "encoder", ["lstm_1"] = "decoder#0" };
        TorchImportResult r = TorchImport.Load(model, new MemoryStream(file), "two.safetensors", new TorchImportOptions { Map = map });
        Assert.Equal(new Dictionary<string, string> { ["lstm"] = "encoder#0", ["lstm_1"] = "decoder#0" }, r.Mapping);
        var swapped = new TTwoLstms();
        TorchImport.Load(swapped, new MemoryStream(file), "two.safetensors", new TorchImportOptions { Map = new Dictionary<string, string> { ["lstm"] = "decoder", ["lstm_1"] = "encoder" } });
        Assert.Equal(model.Weights.Get("lstm/kernel"), swapped.Weights.Get("lstm_1/kernel"));
        Assert.NotEqual(model.Weights.Get("lstm/kernel"), swapped.Weights.Get("lstm/kernel"));

        e = Refused<TorchImportException>(new TTwoLstms(), file, "two.safetensors", new TorchImportOptions { Map = new Dictionary<string, string> { ["lstm"] = "middle" } });
        Assert.Contains("the map sends TTwoLstms's layer 'lstm' (LSTM) to 'middle', but the file has no such recurrent module layer; its modules are encoder#0, decoder#0", e.Message);
    }

    [Fact]
    public void Layer_of_other_sizes_is_named_with_both_sides()
    {
        var e = Refused<TorchImportException>(new TLstmOtherUnits(), "lstm_1layer");
        Assert.Equal("'lstm_1layer.safetensors': no module of the file fits TLstmOtherUnits's layer 'lstm' (LSTM), which takes a layer of an nn.LSTM with input size 3, hidden size 5 "
            + "(weight_ih_lK (20, 3), weight_hh_lK (20, 5), bias_ih_lK and bias_hh_lK (20)) (layer 0 of the state_dict's module: its input size is 3 and hidden size 4, the layer's 3 and 5).", e.Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        (string, int[])[] tensors = Lstm("", 3, 4)[..3];
        var e = Refused<TorchImportException>(new TLstm1(), StateDict(tensors), "missing.safetensors");
        Assert.Contains("(layer 0 of the state_dict's module: bias_hh is missing)", e.Message);
    }

    [Fact]
    public void Unused_tensors_are_an_error_unless_allowed()
    {
        var e = Refused<TorchImportException>(new TLstm1(), "lstm_2layers");
        Assert.Equal("bias_hh_l1", e.Tensor); // in the file's order (by name, as safetensors stores them)
        Assert.Contains("bias_hh_l1 (16), bias_ih_l1 (16), weight_hh_l1 (16, 4), weight_ih_l1 (16, 4) are used by no layer of TLstm1 (its layers took lstm <- (the module)#0)", e.Message);
        var model = new TLstm1();
        TorchImportResult r = TorchImport.Load(model, Path_("lstm_2layers"), new TorchImportOptions { AllowUnusedTensors = true });
        Assert.Equal(["bias_hh_l1", "bias_ih_l1", "weight_hh_l1", "weight_ih_l1"], r.UnusedTensors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Conv1d_has_no_layer_yet()
    {
        var e = Refused<TorchImportException>(new TDenseOnConvInput(), "conv1d");
        Assert.Contains("no module of the file fits TDenseOnConvInput's layer 'dense' (Dense), which takes an nn.Linear(3, 4) (weight (4, 3), bias (4))", e.Message);
        Assert.Contains("its weight is (4, 3, 3), not (out, in) = (4, 3) (a 3-D weight: a convolution's, e.g. nn.Conv1d; LstmGen has no Conv1D layer yet)", e.Message);
    }

    [Fact]
    public void Gru_needs_reset_after_and_lstm_pytorchs_activations()
    {
        var e = Refused<TorchImportException>(new TGruResetBefore(), "gru_1layer");
        Assert.Contains("PyTorch's nn.GRU applies the reset gate after the recurrent product (Keras's reset_after=True), but TGruResetBefore's layer 'gru' declares ResetAfter = false", e.Message);
        e = Refused<TorchImportException>(new TLstmRelu(), "lstm_1layer");
        Assert.Contains("PyTorch's nn.LSTM uses tanh and sigmoid, but TLstmRelu's layer 'lstm' declares Activation = Relu", e.Message);
    }

    [Fact]
    public void Bidirectional_module_into_a_one_way_layer_is_refused()
    {
        var e = Refused<TorchImportException>(new TLstm1(), "lstm_bidirectional");
        Assert.Contains("it is bidirectional (it has _reverse tensors): declare [Bidirectional, ...]", e.Message);
    }

    [Fact]
    public void Half_precision_is_refused()
    {
        byte[] f32 = StateDict(("weight", [3, 4]), ("bias", [3]));
        // Rewrite the header's dtype of 'bias' to F16 with a matching byte count: a 12-byte F32 bias becomes 6 bytes... keep
        // the file valid by declaring the weight F16 over its 48 bytes as 24 values of shape (6, 4).
        string text = System.Text.Encoding.UTF8.GetString(f32);
        int headerLength = BitConverter.ToInt32(f32, 0);
        string header = text.Substring(8, headerLength);
        string changed = header.Replace("\"weight\":{\"dtype\":\"F32\",\"shape\":[3,4]", "\"weight\":{\"dtype\":\"F16\",\"shape\":[6,4]", StringComparison.Ordinal);
        Assert.NotEqual(header, changed);
        byte[] file = [.. f32[..8], .. System.Text.Encoding.UTF8.GetBytes(changed), .. f32[(8 + headerLength)..]];
        var e = Refused<TorchImportException>(new TLinear(), file, "half.safetensors");
        Assert.Contains("the tensor weight is F16; only F32 (and F64) tensors can be imported", e.Message);
    }
}
