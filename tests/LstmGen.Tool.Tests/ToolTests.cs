using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using LstmGen.Import;
using Xunit;

namespace LstmGen.Tool.Tests;

/// <summary>The lstmgen command line: usage, exit codes, unsupported layers, open steps, output files, conversion.</summary>
public sealed class ToolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lstmgen-tool-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6]);

    public ToolTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (string Stdout, string Stderr, int Code) Run(params string[] args) => RealFileTests.RunTool(args);

    private static string Fixture(string name) => Path.Combine(Paths.KerasFixtures, name);

    [Fact]
    public void Usage()
    {
        (string stdout, string stderr, int code) = Run();
        Assert.Equal(ToolMain.UsageError, code);
        Assert.Contains("lstmgen declare <model.keras|model.h5>", stderr);
        Assert.Empty(stdout);
        (stdout, _, code) = Run("--help");
        Assert.Equal(ToolMain.Ok, code);
        Assert.Contains("lstmgen convert <model.keras|model.h5> <out.safetensors>", stdout);
    }

    [Theory]
    [InlineData("lstmgen: unknown command 'import': use declare or convert", "import", "x.keras")]
    [InlineData("lstmgen: unknown option '--stpes'", "declare", "x.keras", "--stpes", "3")]
    [InlineData("lstmgen: declare takes one model file, not 2 (a.keras, b.keras)", "declare", "a.keras", "b.keras")]
    [InlineData("lstmgen: declare needs a model file", "declare")]
    [InlineData("lstmgen: --steps takes a positive integer, not '0'", "declare", "x.keras", "--steps", "0")]
    [InlineData("lstmgen: --name needs a value", "declare", "x.keras", "--name")]
    [InlineData("lstmgen: convert takes a model file and an output file, not 1 argument(s)", "convert", "x.keras")]
    [InlineData("lstmgen: 'My Model' is not a C# class name.", "declare", "FIXTURE", "--name", "My Model")]
    public void Bad_command_lines_exit_with_1(string message, params string[] args)
    {
        args = args.Select(a => a == "FIXTURE" ? Fixture("k3_lstm_stack.keras") : a).ToArray();
        (string stdout, string stderr, int code) = Run(args);
        Assert.Equal(ToolMain.UsageError, code);
        Assert.StartsWith(message, stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public void Files_that_cannot_be_used_exit_with_3()
    {
        (_, string stderr, int code) = Run("declare", Fixture("k3_lstm_dense.weights.h5"));
        Assert.Equal(ToolMain.FileError, code);
        Assert.Contains("is a weights-only file (Keras3Weights): it holds no model config to declare", stderr);
        (_, stderr, code) = Run("declare", Fixture("bad_not_keras.h5"));
        Assert.Equal(ToolMain.FileError, code);
        Assert.Contains("is an HDF5 file but not a Keras file", stderr);
        (_, stderr, code) = Run("declare", Path.Combine(_dir, "none.keras"));
        Assert.Equal(ToolMain.FileError, code);
        Assert.Contains("none.keras", stderr);
    }

    [Fact]
    public void Open_steps_need_steps()
    {
        string file = Fixture("k3_functional_embedding_gru_rnn.keras");
        (_, string stderr, int code) = Run("declare", file);
        Assert.Equal(ToolMain.FileError, code);
        Assert.Contains("the model's input has shape (None, None): the number of steps is left open. Give it (lstmgen declare --steps N", stderr);
        (string stdout, stderr, code) = Run("declare", file, "--steps", "7", "--name", "Tokens");
        Assert.Equal(ToolMain.Ok, code);
        Assert.Equal("""
            // Declared by `lstmgen declare` from k3_functional_embedding_gru_rnn.keras (.keras archive, Keras 3.6.0, Functional 'functional').
            // Load its weights with KerasImport.Load(new Tokens(), "k3_functional_embedding_gru_rnn.keras").
            using LstmGen;

            [Sequential]
            [Input(7)]
            [Embedding(11, 4)]
            [Gru(3, ReturnSequences = true)]
            [SimpleRnn(2)]
            [Dense(1, Activation = Activation.Sigmoid)]
            public partial class Tokens;

            """.ReplaceLineEndings("\n"), stdout);
        Assert.Contains("tokens      InputLayer   (None, 7) ids        0  [Input(7)]\n", stderr);
        Assert.Contains("gru         GRU          (None, 7, 3)        81  [Gru(3, ReturnSequences = true)]\n", stderr); // (4 + 3 + 2) x 9
        Assert.Contains("Total params: 140\n", stderr);
    }

    [Fact]
    public void Output_file_and_default_class_name()
    {
        string output = Path.Combine(_dir, "Model.cs");
        (string stdout, string stderr, int code) = Run("declare", Fixture("legacy_k22_embedding_gru.h5"), "-o", output, "--namespace", "My.App");
        Assert.Equal(ToolMain.Ok, code);
        Assert.Empty(stderr);
        Assert.Contains($"Declaration written to {output}.", stdout);
        Assert.Contains("Model: \"sequential_1\" (Sequential) in legacy_k22_embedding_gru.h5: LegacyHdf5Model, Keras 2.2.4 (hard_sigmoid = clip(0.2x + 0.5, 0, 1))", stdout);
        string text = File.ReadAllText(output);
        Assert.Contains("namespace My.App;\n\n[Sequential]\n[Input(8)]\n[Embedding(9, 3)]\n[Gru(4, RecurrentActivation = Activation.HardSigmoidKeras2, ResetAfter = false)]\n[Dense(2, Activation = Activation.Sigmoid)]\npublic partial class LegacyK22EmbeddingGruModel;\n", text);
        Assert.Equal("LstmModel", ToolMain.ClassNameFor("lstm_model.keras"));
        Assert.Equal("GruModel", ToolMain.ClassNameFor("/a/b/gru.h5"));
        Assert.Equal("Model3dNetModel", ToolMain.ClassNameFor("3d-net.weights.h5"));
    }

    /// <summary>A .keras archive whose third layer is a Conv1D (and a Masking layer first).</summary>
    private string UnsupportedArchive()
    {
        string config = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 6, 3], "dtype": "float32", "name": "input_layer"}},
              {"module": "keras.layers", "class_name": "Masking", "config": {"name": "masking", "mask_value": 0.0}},
              {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm", "units": 4, "return_sequences": true}},
              {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "filters": 2, "kernel_size": [3]}},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 1}}]}}
            """;
        static KerasWeight W(string name, params int[] shape) => new(name, shape, new float[shape.Aggregate(1, (a, b) => a * b)]);
        string path = Path.Combine(_dir, "conv.keras");
        KerasWeightsWriter.WriteArchive(path, JsonNode.Parse(config)!.ToJsonString(),
        [
            KerasLayerWeights.Create("Masking", "masking"),
            KerasLayerWeights.Create("LSTM", "lstm", W("kernel", 3, 16), W("recurrent_kernel", 4, 16), W("bias", 16)),
            KerasLayerWeights.Create("Conv1D", "conv1d", W("kernel", 3, 4, 2), W("bias", 2)),
            KerasLayerWeights.Create("Dense", "dense", W("kernel", 2, 1), W("bias", 1)),
        ]);
        return path;
    }

    [Fact]
    public void Unsupported_layers_are_listed_with_class_and_position_and_exit_2()
    {
        string path = UnsupportedArchive();
        (string stdout, string stderr, int code) = Run("declare", path);
        Assert.Equal(ToolMain.Unsupported, code);
        Assert.Contains("// INCOMPLETE: 2 layer(s) of the file cannot be declared", stdout);
        Assert.Contains("[Input(6, 3)]\n// layer 1, 'masking' (Masking), is not supported: LstmGen masks only token id 0 of an Embedding (MaskZero); it has no Masking layer for float inputs\n"
            + "[Lstm(4, ReturnSequences = true)]\n// layer 3, 'conv1d' (Conv1D), is not supported: LstmGen has no Conv1D layer (yet)\n[Dense(1)]\npublic partial class ConvModel;\n", stdout);
        Assert.Contains("lstmgen: 2 layer(s) of conv.keras cannot be declared:\n"
            + "  layer 1: 'masking' (Masking) at config.layers[1]: LstmGen masks only token id 0 of an Embedding (MaskZero); it has no Masking layer for float inputs\n"
            + "  layer 3: 'conv1d' (Conv1D) at config.layers[3]: LstmGen has no Conv1D layer (yet)\n", stderr.ReplaceLineEndings("\n"));
        Assert.Contains("conv1d       Conv1D       ?                  26  (not supported)", stderr);

        string output = Path.Combine(_dir, "conv.safetensors");
        (_, stderr, code) = Run("convert", path, output);
        Assert.Equal(ToolMain.Unsupported, code);
        Assert.Contains("cannot be declared, so its weights have no LstmGen names", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Convert_writes_lstmgen_names_and_keras_layouts()
    {
        string output = Path.Combine(_dir, "stack.safetensors");
        (string stdout, string stderr, int code) = Run("convert", Fixture("legacy_tf2_bidirectional_gru_td.h5"), output);
        Assert.True(code == ToolMain.Ok, stderr);
        Assert.Contains("Wrote 11 tensors", stdout);
        Assert.Contains("  bidirectional/backward_lstm/bias (12)", stdout);
        IReadOnlyList<(string Name, int[] Shape, string DType)> index = SafeTensors.ReadIndex(output);
        Assert.Equal(["bidirectional/forward_lstm/kernel", "bidirectional/forward_lstm/recurrent_kernel", "bidirectional/forward_lstm/bias",
            "bidirectional/backward_lstm/kernel", "bidirectional/backward_lstm/recurrent_kernel", "bidirectional/backward_lstm/bias",
            "gru/kernel", "gru/recurrent_kernel", "gru/bias", "time_distributed/kernel", "time_distributed/bias"], index.Select(t => t.Name));
        Assert.Equal([2, 6], index.Single(t => t.Name == "gru/bias").Shape);
        KerasFile file = KerasFile.Read(Fixture("legacy_tf2_bidirectional_gru_td.h5"));
        var entries = new List<WeightInfo>();
        int offset = 0;
        foreach ((string name, int[] shape, _) in index)
        {
            entries.Add(new WeightInfo(name, shape, offset, WeightInitializer.Zeros));
            offset += entries[^1].Length;
        }
        var store = new WeightStore("check", entries);
        SafeTensors.Load(store, output);
        Assert.Equal(file.GetLayer("bidirectional_2").Weights[3].Values, store.Get("bidirectional/backward_lstm/kernel"));
        Assert.Equal(file.GetLayer("time_distributed_1").Weights[1].Values, store.Get("time_distributed/bias"));
    }
}
