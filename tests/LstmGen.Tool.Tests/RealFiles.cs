using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LstmGen.Import;
using LstmGen.Tool.Tests.RealModels;
using Xunit;

namespace LstmGen.Tool.Tests;

/// <summary>Where the files are: the repository, and ../shared/keras-models beside it (never copied into the repository).</summary>
internal static class Paths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LstmGen.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"No LstmGen.sln above {AppContext.BaseDirectory}.");
    });

    public static string RepositoryRoot => Root.Value;

    public static string RealModelsSource => Path.Combine(RepositoryRoot, "tests", "LstmGen.Tool.Tests", "RealModels");

    public static string KerasFixtures => Path.Combine(RepositoryRoot, "tests", "LstmGen.Tests", "Fixtures", "Keras");

    public static string SharedKerasModels
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "keras-models"));
            Assert.True(Directory.Exists(path),
                $"The real Keras files are expected in {path} (the shared folder beside the repository; they are not in the repository).");
            return path;
        }
    }
}

/// <summary>One of the five real files of ../shared/keras-models, with the model class the tool declared for it.</summary>
public sealed record RealCase(string Case, string File, string ClassName, Func<ISequentialModel> Create, ModelArchitecture Architecture, bool KeepNames = false)
{
    public string Path => System.IO.Path.Combine(Paths.SharedKerasModels, Case, File);

    public string[] DeclareArguments => ["declare", Path, "--name", ClassName, "--namespace", "LstmGen.Tool.Tests.RealModels", .. Options];

    /// <summary>The options of both commands (declare and convert).</summary>
    public string[] Options => KeepNames ? ["--keep-names"] : [];

    public override string ToString() => ClassName;
}

/// <summary>
/// The five real Keras files (trained and published by Keras users, in ../shared/keras-models): the tool's declaration of
/// each is committed in RealModels/ (and must be what the tool writes today), compiles, loads the file with
/// <see cref="KerasImport"/> and reproduces the expected outputs within 1e-5 + 1e-4·|expected|.
/// </summary>
public sealed class RealFileTests
{
    public static readonly RealCase[] All =
    [
        new("lstm_stacked_k3_zip", "lstm_model.keras", "LstmStacked", () => new LstmStacked(), LstmStacked.Architecture),
        new("lstm_dense_k3_h5", "lstm_model.h5", "LstmDense", () => new LstmDense(), LstmDense.Architecture),
        new("bilstm_tf2_h5", "bilstm_model.h5", "Bilstm", () => new Bilstm(), Bilstm.Architecture),
        new("gru_stacked_k3_zip", "gru_model.keras", "GruStacked", () => new GruStacked(), GruStacked.Architecture),
        new("emb_gru_hardsigmoid_k2_h5", "gru.h5", "EmbGruHardSigmoid", () => new EmbGruHardSigmoid(), EmbGruHardSigmoid.Architecture),
        // The same file declared with --keep-names: LstmGen's weight names are the file's (bidirectional_4/forward_lstm_4/kernel).
        new("bilstm_tf2_h5", "bilstm_model.h5", "BilstmNamed", () => new BilstmNamed(), BilstmNamed.Architecture, KeepNames: true),
    ];

    public static TheoryData<string> Cases => new(All.Select(c => c.ClassName));

    private static RealCase Get(string name) => All.Single(c => c.ClassName == name);

    internal static (string Stdout, string Stderr, int Code) RunTool(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = ToolMain.Run(args, stdout, stderr);
        return (stdout.ToString(), stderr.ToString(), code);
    }

    /// <summary>
    /// The committed declarations are the tool's current output. To refresh them after a change of the tool, run the
    /// tests with LSTMGEN_UPDATE_DECLARATIONS=1 (they are rewritten, and the test fails once to say so).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Committed_declaration_is_what_the_tool_writes(string name)
    {
        RealCase c = Get(name);
        (string stdout, string stderr, int code) = RunTool(c.DeclareArguments);
        Assert.True(code == ToolMain.Ok, stderr);
        Assert.Contains("Every layer maps to LstmGen.", stderr);
        string committed = Path.Combine(Paths.RealModelsSource, c.ClassName + ".cs");
        if (Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_DECLARATIONS") == "1")
        {
            string before = File.Exists(committed) ? File.ReadAllText(committed) : "";
            File.WriteAllText(committed, stdout);
            Assert.True(before == stdout, $"{committed} was rewritten; rebuild and run the tests again.");
        }
        Assert.Equal(File.ReadAllText(committed).ReplaceLineEndings("\n"), stdout);
    }

    private static (float[] Input, int Batch, float[] Expected, int[] OutputShape) LoadCase(RealCase c, out int[]? tokens)
    {
        string dir = Path.Combine(Paths.SharedKerasModels, c.Case);
        using JsonDocument input = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "input.json")));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
        int batch = input.RootElement.GetProperty("shape")[0].GetInt32();
        var flat = new List<double>();
        Flatten(input.RootElement.GetProperty("data"), flat);
        var outFlat = new List<double>();
        Flatten(expected.RootElement.GetProperty("output_float32"), outFlat);
        int[] outputShape = expected.RootElement.GetProperty("output_shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        string dtype = input.RootElement.GetProperty("dtype").GetString()!;
        tokens = dtype.StartsWith("int", StringComparison.Ordinal) ? flat.Select(v => checked((int)v)).ToArray() : null;
        return (flat.Select(v => (float)v).ToArray(), batch, outFlat.Select(v => (float)v).ToArray(), outputShape);
    }

    private static void Flatten(JsonElement e, List<double> into)
    {
        if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement x in e.EnumerateArray())
            {
                Flatten(x, into);
            }
        }
        else
        {
            into.Add(e.GetDouble());
        }
    }

    internal static float[] Predict(ISequentialModel model, float[] input, int[]? tokens, int batch)
    {
        var output = new float[batch * model.OutputLength];
        switch (model)
        {
            case ISequentialModel<int> t:
                t.PredictBatch(tokens!, output, batch);
                break;
            case ISequentialModel<float> f:
                f.PredictBatch(input, output, batch);
                break;
            default:
                throw new InvalidOperationException(model.GetType().Name);
        }
        return output;
    }

    /// <summary>The max |actual - expected| over the outputs, after checking every element against the tolerance.</summary>
    internal static double CheckOutputs(string name, float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)actual[i] - expected[i]);
            max = Math.Max(max, diff);
            Assert.True(diff <= 1e-5 + 1e-4 * Math.Abs(expected[i]),
                $"{name}: output[{i}] = {actual[i]:R}, expected {expected[i]:R} (|diff| {diff:E2} > 1e-5 + 1e-4·|expected|)");
        }
        return max;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loads_the_file_and_reproduces_the_expected_outputs(string name)
    {
        RealCase c = Get(name);
        ISequentialModel model = c.Create();
        KerasImportResult result = KerasImport.Load(model, c.Path);
        Assert.Equal(model.Weights.Entries.Select(e => e.Name), result.Weights);
        Assert.Equal(model.Weights.Count, result.Parameters);
        (float[] input, int batch, float[] expected, int[] outputShape) = LoadCase(c, out int[]? tokens);
        Assert.Equal(outputShape.Skip(1).Aggregate(1, (a, b) => a * b), model.OutputLength);
        float[] output = Predict(model, input, tokens, batch);
        double max = CheckOutputs(name, output, expected);
        Console.WriteLine($"{c.Case} ({name}): max |actual - expected| = {max:E2} over {expected.Length} outputs; warnings: {string.Join(" | ", result.Warnings)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_weight_is_the_files_value_bit_for_bit(string name)
    {
        RealCase c = Get(name);
        ISequentialModel model = c.Create();
        KerasFile file = KerasFile.Read(c.Path);
        KerasImport.Load(model, file);
        // The file's weights in order (wrappers: forward then backward) are the model's weights in order.
        var fileWeights = file.Layers.SelectMany(l => l.Weights).ToList();
        Assert.Equal(fileWeights.Count, model.Weights.Entries.Count);
        for (int i = 0; i < fileWeights.Count; i++)
        {
            Assert.Equal(fileWeights[i].Values, model.Weights.Get(model.Weights.Entries[i].Name));
        }
    }

    /// <summary>The architecture KerasDeclaration gives (without compiling) is the generated model's, name for name and shape for shape.</summary>
    [Fact]
    public void Keep_names_gives_the_files_weight_names()
    {
        Assert.Equal(
        [
            "bidirectional_4/forward_lstm_4/kernel", "bidirectional_4/forward_lstm_4/recurrent_kernel", "bidirectional_4/forward_lstm_4/bias",
            "bidirectional_4/backward_lstm_4/kernel", "bidirectional_4/backward_lstm_4/recurrent_kernel", "bidirectional_4/backward_lstm_4/bias",
            "bidirectional_5/forward_lstm_5/kernel", "bidirectional_5/forward_lstm_5/recurrent_kernel", "bidirectional_5/forward_lstm_5/bias",
            "bidirectional_5/backward_lstm_5/kernel", "bidirectional_5/backward_lstm_5/recurrent_kernel", "bidirectional_5/backward_lstm_5/bias",
            "dense_6/kernel", "dense_6/bias", "dense_7/kernel", "dense_7/bias",
        ], new BilstmNamed().Weights.Entries.Select(e => e.Name));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Declared_architecture_is_the_generated_one(string name)
    {
        RealCase c = Get(name);
        KerasDeclaration d = KerasDeclaration.Create(KerasFile.Read(c.Path), new KerasDeclarationOptions { ClassName = c.ClassName, KeepLayerNames = c.KeepNames });
        Assert.True(d.IsComplete);
        ModelArchitecture declared = d.Architecture!, generated = c.Architecture;
        Assert.Equal(generated.ModelName, declared.ModelName);
        Assert.Equal(generated.InputShape, declared.InputShape);
        Assert.Equal(generated.TokenInput, declared.TokenInput);
        Assert.Equal(generated.Layers.Count, declared.Layers.Count);
        for (int i = 0; i < generated.Layers.Count; i++)
        {
            AssertSameLayer(generated.Layers[i], declared.Layers[i]);
        }
        WeightStore weights = c.Create().Weights;
        foreach (WeightInfo w in weights.Entries)
        {
            Assert.Equal(w.Dimensions, d.WeightShape(w.Name));
        }
    }

    internal static void AssertSameLayer(LayerArchitecture expected, LayerArchitecture actual)
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
                $"{expected.Name}.{key}: generated {value}, declared {actual.Config[key]}");
        }
        Assert.Equal(expected.Inner is null, actual.Inner is null);
        if (expected.Inner is not null)
        {
            AssertSameLayer(expected.Inner, actual.Inner!);
        }
    }

    /// <summary>lstmgen convert writes LstmGen's names: SafeTensors.Load of its output gives the same model as KerasImport.Load.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Converted_safetensors_load_into_the_declared_model(string name)
    {
        RealCase c = Get(name);
        string output = Path.Combine(Path.GetTempPath(), $"lstmgen-convert-{name}-{Environment.ProcessId}.safetensors");
        try
        {
            (string stdout, string stderr, int code) = RunTool(["convert", c.Path, output, .. c.Options]);
            Assert.True(code == ToolMain.Ok, stderr);
            ISequentialModel viaImport = c.Create(), viaSafeTensors = c.Create();
            Assert.Contains($"Wrote {viaImport.Weights.Entries.Count} tensors", stdout);
            KerasImport.Load(viaImport, c.Path);
            SafeTensors.Load(viaSafeTensors.Weights, output);
            Assert.Equal(viaImport.Weights.Parameters, viaSafeTensors.Weights.Parameters);
            Assert.Equal(viaImport.Weights.Entries.Select(e => (e.Name, e.ShapeText)), SafeTensors.ReadIndex(output).Select(t => (t.Name, "(" + string.Join(", ", t.Shape) + ")")));
        }
        finally
        {
            File.Delete(output);
        }
    }
}
