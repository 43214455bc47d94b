using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using LstmGen.Import;
using LstmGen.Tests.Import.Models;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// Saving generated models for Keras 3 (<see cref="KerasExport"/>): round trips through the reader and the importer
/// (identical weights and predictions, the same architecture declared back), the config's structure against the real
/// Keras 3 files' configs, golden files that tests/reference/make_keras_fixtures.py --check-written checks with h5py
/// and runs with its numpy Keras, and the models Keras 3 cannot describe.
/// </summary>
public sealed class KerasExportTests
{
    private static readonly Dictionary<string, Func<ISequentialModel>> Models = new()
    {
        ["ExportSeq"] = () => new ExportSeq(),
        ["ExportTokens"] = () => new ExportTokens(),
        ["ExportState"] = () => new ExportState(),
        ["FxBiDropGruTd"] = () => new FxBiDropGruTd(),
        ["FxEmbGruRnn"] = () => new FxEmbGruRnn(),
        ["Stacked"] = () => new Stacked(),
        ["EmbeddingMaskBidirectional"] = () => new EmbeddingMaskBidirectional(),
    };

    public static TheoryData<string> Names => new(Models.Keys);

    private static byte[] SaveModel(ISequentialModel model, KerasWriteOptions? options = null)
    {
        using var s = new MemoryStream();
        KerasExport.SaveModel(model, s, options ?? new KerasWriteOptions { DateSaved = new DateTime(2026, 1, 2, 3, 4, 5) });
        return s.ToArray();
    }

    private static byte[] SaveWeights(ISequentialModel model)
    {
        using var s = new MemoryStream();
        KerasExport.SaveWeights(model, s);
        return s.ToArray();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Saved_keras_archive_loads_back_identically(string name)
    {
        ISequentialModel model = Models[name]();
        ImportHelpers.SetFormulaWeights(model);
        byte[] bytes = SaveModel(model);
        KerasFile file = KerasFile.Read(bytes, name + ".keras");
        Assert.Equal(KerasFileFormat.KerasArchive, file.Format);
        Assert.Equal("3.0.0", file.KerasVersion);
        Assert.Equal("Sequential", file.Model!.ModelClass);
        Assert.Equal(model.Architecture.InputShape.Select(d => (int?)d), file.Model.InputShape!);
        Assert.Equal(model.Architecture.TokenInput ? "int32" : "float32", file.Model.InputDType);

        ISequentialModel back = Models[name]();
        KerasImportResult result = KerasImport.Load(back, file);
        Assert.Empty(result.Warnings);
        Assert.Equal(ImportHelpers.Bits(model), ImportHelpers.Bits(back));
        (float[] floats, int[] tokens) = ImportHelpers.Inputs(model, 3, 7);
        Assert.Equal(ImportHelpers.Predict(model, floats, tokens, 3), ImportHelpers.Predict(back, floats, tokens, 3));

        // The archive's config declares the same model again.
        KerasDeclaration d = KerasDeclaration.Create(file, new KerasDeclarationOptions { ClassName = model.Architecture.ModelName });
        Assert.True(d.IsComplete, string.Join("; ", d.Unsupported));
        ImportHelpers.AssertSameArchitecture(model.Architecture, d.Architecture!);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Saved_weights_file_loads_back_identically(string name)
    {
        ISequentialModel model = Models[name]();
        ImportHelpers.SetFormulaWeights(model, salt: 5);
        KerasFile file = KerasFile.Read(SaveWeights(model), name + ".weights.h5");
        Assert.Equal(KerasFileFormat.Keras3Weights, file.Format);
        Assert.Equal(KerasNaming.WeightGroupNames(model.Architecture.Layers.Select(l => l.ClassName)).Order(StringComparer.Ordinal),
            file.WeightGroups.Select(g => g.Name).Order(StringComparer.Ordinal));
        ISequentialModel back = Models[name]();
        KerasImport.Load(back, file);
        Assert.Equal(ImportHelpers.Bits(model), ImportHelpers.Bits(back));
    }

    [Fact]
    public void Save_to_a_path_replaces_the_file()
    {
        var model = new ExportSeq();
        ImportHelpers.SetFormulaWeights(model);
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-export-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            string keras = Path.Combine(dir, "m.keras"), weights = Path.Combine(dir, "m.weights.h5");
            File.WriteAllText(keras, "old");
            KerasExport.SaveModel(model, keras, new KerasWriteOptions { DateSaved = new DateTime(2026, 1, 2, 3, 4, 5) });
            KerasExport.SaveWeights(model, weights);
            Assert.Equal(SaveModel(model), File.ReadAllBytes(keras));
            Assert.Equal(SaveWeights(model), File.ReadAllBytes(weights));
            Assert.Equal(["m.keras", "m.weights.h5"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static JsonElement Config(byte[] archive)
    {
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
        using JsonDocument doc = JsonDocument.Parse(reader.ReadToEnd());
        return doc.RootElement.Clone();
    }

    private static JsonElement RealConfig(string @case, string file)
    {
        string path = Path.Combine(ImportPaths.SharedKerasModels, @case, file);
        using var zip = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
        using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
        using JsonDocument doc = JsonDocument.Parse(reader.ReadToEnd());
        return doc.RootElement.Clone();
    }

    private static string Normal(JsonElement e) => System.Text.Json.Nodes.JsonNode.Parse(e.GetRawText())!.ToJsonString();

    private static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    /// <summary>
    /// The config has the structure of a real Keras 3 config: the same top-level and per-layer entries, and for LSTM,
    /// Dense, Dropout and InputLayer the very keys Keras 3.3.3 wrote in lstm_stacked_k3_zip; for GRU those of Keras
    /// 3.15.0 in gru_stacked_k3_zip (the real files of ../shared/keras-models).
    /// </summary>
    [Fact]
    public void Config_has_the_keys_real_keras3_files_have()
    {
        var model = new LstmStackLike();
        JsonElement mine = Config(SaveModel(model));
        JsonElement real = RealConfig("lstm_stacked_k3_zip", "lstm_model.keras");
        Assert.Equal(Keys(real).Except(["compile_config"]), Keys(mine));
        Assert.Equal("keras", mine.GetProperty("module").GetString());
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("registered_name").ValueKind);
        Assert.Equal(Keys(real.GetProperty("config")), Keys(mine.GetProperty("config")));
        JsonElement[] mineLayers = mine.GetProperty("config").GetProperty("layers").EnumerateArray().ToArray();
        JsonElement[] realLayers = real.GetProperty("config").GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(realLayers.Select(l => l.GetProperty("class_name").GetString()), mineLayers.Select(l => l.GetProperty("class_name").GetString()));
        for (int i = 0; i < realLayers.Length; i++)
        {
            Assert.Equal(Keys(realLayers[i]), Keys(mineLayers[i]));
            Assert.Equal(Keys(realLayers[i].GetProperty("config")), Keys(mineLayers[i].GetProperty("config")));
            Assert.Equal(realLayers[i].GetProperty("module").GetString(), mineLayers[i].GetProperty("module").GetString());
            if (realLayers[i].TryGetProperty("build_config", out JsonElement bc))
            {
                Assert.Equal(Normal(bc), Normal(mineLayers[i].GetProperty("build_config")));
            }
        }
        Assert.Equal(Normal(real.GetProperty("config").GetProperty("build_input_shape")), Normal(mine.GetProperty("config").GetProperty("build_input_shape")));

        JsonElement realGru = RealConfig("gru_stacked_k3_zip", "gru_model.keras").GetProperty("config").GetProperty("layers")[1];
        JsonElement myGru = Config(SaveModel(new GruLast())).GetProperty("config").GetProperty("layers")[1];
        Assert.Equal("GRU", myGru.GetProperty("class_name").GetString());
        Assert.Equal(Keys(realGru.GetProperty("config")).Order(StringComparer.Ordinal), Keys(myGru.GetProperty("config")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Bidirectional_config_names_its_layers_forward_and_backward_as_keras3()
    {
        JsonElement layer = Config(SaveModel(new ExportSeq())).GetProperty("config").GetProperty("layers")[1];
        Assert.Equal("Bidirectional", layer.GetProperty("class_name").GetString());
        JsonElement config = layer.GetProperty("config");
        Assert.Equal("sum", config.GetProperty("merge_mode").GetString());
        Assert.Equal("forward_gru", config.GetProperty("layer").GetProperty("config").GetProperty("name").GetString());
        Assert.False(config.GetProperty("layer").GetProperty("config").GetProperty("go_backwards").GetBoolean());
        Assert.Equal("backward_gru", config.GetProperty("backward_layer").GetProperty("config").GetProperty("name").GetString());
        Assert.True(config.GetProperty("backward_layer").GetProperty("config").GetProperty("go_backwards").GetBoolean());
        JsonElement spatial = Config(SaveModel(new ExportSeq())).GetProperty("config").GetProperty("layers")[2].GetProperty("config");
        Assert.Equal(["name", "dtype", "rate", "seed"], Keys(spatial)); // SpatialDropout1D's constructor takes no 'trainable'
    }

    [Fact]
    public void Models_keras3_cannot_describe_are_refused_and_nothing_is_written()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-export-refused-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "m.keras");
            var e = Assert.Throws<NotSupportedException>(() => KerasExport.SaveModel(new Mixed(), path));
            Assert.Contains("'gru' (GRU) has recurrent_activation = HardSigmoidKeras2", e.Message);
            Assert.Contains("KerasExport.SaveWeights", e.Message);
            e = Assert.Throws<NotSupportedException>(() => KerasExport.SaveModel(new ManyToManySlice(), path));
            Assert.Contains("'lambda' (SliceLast) is a Keras Lambda", e.Message);
            Assert.Empty(Directory.GetFiles(dir));
            // Their weights can still be saved.
            KerasExport.SaveWeights(new Mixed(), Path.Combine(dir, "mixed.weights.h5"));
            var back = new Mixed();
            KerasImport.Load(back, Path.Combine(dir, "mixed.weights.h5"));
            Assert.Equal(new Mixed().Weights.Parameters, back.Weights.Parameters);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Golden files, checked (layout, config keys, numpy Keras predictions) by make_keras_fixtures.py --check-written
    // ------------------------------------------------------------------------------------------------------------

    private static string Golden(string name) => Path.Combine(ImportPaths.KerasFixtures, "written", name);

    [Fact]
    public void Exported_golden_files_are_current()
    {
        var cases = new (string File, ISequentialModel Model)[]
        {
            ("export_seq.keras", new ExportSeq()),
            ("export_tokens.keras", new ExportTokens()),
            ("export_state.weights.h5", new ExportState()),
        };
        var files = new Dictionary<string, byte[]>();
        using var manifest = new MemoryStream();
        using (var w = new Utf8JsonWriter(manifest, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach ((string file, ISequentialModel model) in cases)
            {
                ImportHelpers.SetFormulaWeights(model);
                files[file] = file.EndsWith(".keras", StringComparison.Ordinal) ? SaveModel(model) : SaveWeights(model);
                (float[] floats, int[] tokens) = ImportHelpers.Inputs(model, 2, 11);
                float[] output = ImportHelpers.Predict(model, floats, tokens, 2);
                w.WriteStartObject(file);
                w.WriteString("model", model.Architecture.ModelName);
                if (!file.EndsWith(".keras", StringComparison.Ordinal))
                {
                    w.WriteString("config", KerasExport.ModelConfig(model.Architecture));
                }
                w.WriteBoolean("tokens", model.Architecture.TokenInput);
                w.WriteStartArray("input_shape");
                w.WriteNumberValue(2);
                foreach (int d in model.Architecture.InputShape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("input");
                if (model.Architecture.TokenInput)
                {
                    foreach (int t in tokens) w.WriteNumberValue(t);
                }
                else
                {
                    foreach (float f in floats) w.WriteNumberValue(f);
                }
                w.WriteEndArray();
                w.WriteStartArray("lstmgen_output");
                foreach (float v in output) w.WriteNumberValue(v);
                w.WriteEndArray();
                w.WriteStartArray("groups");
                foreach (string g in KerasNaming.WeightGroupNames(model.Architecture.Layers.Select(l => l.ClassName))) w.WriteStringValue(g);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        string json = Encoding.UTF8.GetString(manifest.ToArray()).ReplaceLineEndings("\n") + "\n";
        if (Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_KERAS_GOLDEN") == "1")
        {
            foreach ((string name, byte[] bytes) in files)
            {
                File.WriteAllBytes(Golden(name), bytes);
            }
            File.WriteAllText(Golden("exported.json"), json);
        }
        foreach ((string name, byte[] bytes) in files)
        {
            Assert.True(File.Exists(Golden(name)), $"{Golden(name)} is missing (LSTMGEN_UPDATE_KERAS_GOLDEN=1 writes it).");
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Golden(name))),
                $"KerasExport's {name} differs from {Golden(name)}. If intended, rewrite with LSTMGEN_UPDATE_KERAS_GOLDEN=1 and check with make_keras_fixtures.py --check-written.");
        }
        // Inputs, configs and groups exactly; LstmGen's outputs to 1e-6 (the last bits may differ across instruction sets).
        using JsonDocument committed = JsonDocument.Parse(File.ReadAllText(Golden("exported.json")));
        using JsonDocument now = JsonDocument.Parse(json);
        foreach (JsonProperty entry in now.RootElement.EnumerateObject())
        {
            JsonElement old = committed.RootElement.GetProperty(entry.Name);
            foreach (JsonProperty p in entry.Value.EnumerateObject())
            {
                if (p.Name == "lstmgen_output")
                {
                    double[] a = p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray(), b = old.GetProperty(p.Name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    Assert.Equal(a.Length, b.Length);
                    Assert.All(a.Zip(b), x => Assert.True(Math.Abs(x.First - x.Second) <= 1e-6, $"{entry.Name}: {x.First} vs {x.Second}"));
                }
                else
                {
                    Assert.Equal(p.Value.GetRawText(), old.GetProperty(p.Name).GetRawText());
                }
            }
        }
    }
}
