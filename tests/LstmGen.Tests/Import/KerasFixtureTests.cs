using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LstmGen.Import;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>
/// The h5py-written fixtures (tests/reference/make_keras_fixtures.py) in every layout: Keras 3 archives and
/// .weights.h5, legacy HDF5 as Keras 3, tf.keras 2.x, Keras 2.2 and 2.0/2.1 write it, legacy weights-only files, and
/// storage variants (chunked, deflate, shuffle, fletcher32, compact, big-endian, float64, libver='latest'). Everything
/// the script recorded in fixtures.json is checked: format, version, model, config values, weight names, paths,
/// shapes and every value bit for bit. The bad files must each fail with the recorded exception and message.
/// </summary>
public sealed class KerasFixtureTests
{
    private static readonly Lazy<JsonElement> Manifest = new(() =>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ImportPaths.KerasFixtures, "fixtures.json")));
        return doc.RootElement.Clone();
    });

    public static TheoryData<string> Files => new(Manifest.Value.GetProperty("files").EnumerateObject().Select(p => p.Name));

    public static TheoryData<string> BadFiles => new(Manifest.Value.GetProperty("bad").EnumerateObject().Select(p => p.Name));

    [Fact]
    public void Every_layout_is_covered()
    {
        var formats = Manifest.Value.GetProperty("files").EnumerateObject().Select(p => p.Value.GetProperty("format").GetString()).ToHashSet();
        Assert.Equal(["Keras3Weights", "KerasArchive", "LegacyHdf5Model", "LegacyHdf5Weights"], formats.Order(StringComparer.Ordinal));
        string[] names = Manifest.Value.GetProperty("files").EnumerateObject().Select(p => p.Name).ToArray();
        foreach (string prefix in new[] { "k3_", "legacy_k3_", "legacy_tf2_", "legacy_k22_", "legacy_k21_", "legacy_weights_", "storage_" })
        {
            Assert.Contains(names, n => n.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Fixture_reads_as_recorded(string name)
    {
        JsonElement spec = Manifest.Value.GetProperty("files").GetProperty(name);
        string path = Path.Combine(ImportPaths.KerasFixtures, name);
        KerasFile f = KerasFile.Read(path);

        Assert.Equal(Enum.Parse<KerasFileFormat>(spec.GetProperty("format").GetString()!), f.Format);
        Assert.Equal(spec.GetProperty("keras_version").GetString(), f.KerasVersion);
        Assert.Equal(spec.GetProperty("backend").GetString(), f.Backend);
        Assert.Equal(spec.GetProperty("uses_keras2_hard_sigmoid").GetBoolean(), f.UsesKeras2HardSigmoid);
        Assert.Equal(path, f.FileName);

        JsonElement model = spec.GetProperty("model");
        if (model.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(f.Model);
            Assert.Empty(f.Layers);
        }
        else
        {
            CheckModel(f, model);
        }

        var expectedLayers = spec.GetProperty("layers").EnumerateArray().ToList();
        foreach (JsonElement l in expectedLayers)
        {
            KerasLayer layer = f.GetLayer(l.GetProperty("name").GetString()!);
            Assert.Equal(l.GetProperty("class").GetString(), layer.ClassName);
            Assert.Equal(l.GetProperty("weight_group").GetString(), layer.WeightGroup);
            CheckWeights(l.GetProperty("weights"), layer.Weights);
        }
        var described = expectedLayers.Select(l => l.GetProperty("name").GetString()).ToHashSet();
        Assert.All(f.Layers.Where(l => !described.Contains(l.Name)), l => Assert.Empty(l.Weights));

        if (spec.TryGetProperty("weight_groups", out JsonElement groups))
        {
            var expectedGroups = groups.EnumerateArray().ToList();
            Assert.Equal(expectedGroups.Select(g => g.GetProperty("name").GetString()).Order(), f.WeightGroups.Select(g => g.Name).Order());
            foreach (JsonElement g in expectedGroups)
            {
                KerasWeightGroup group = f.WeightGroups.Single(x => x.Name == g.GetProperty("name").GetString());
                Assert.Equal(g.GetProperty("path").GetString(), group.Path);
                Assert.Null(group.LayerName);
                CheckWeights(g.GetProperty("weights"), group.Weights);
            }
        }
        else
        {
            // With a config, every weight group belongs to a layer and holds that layer's weights.
            Assert.All(f.WeightGroups, g =>
            {
                Assert.NotNull(g.LayerName);
                Assert.Same(f.GetLayer(g.LayerName!).Weights, g.Weights);
            });
        }

        ImportPaths.CrossCheckWithPureHdf(File.ReadAllBytes(path), f);
    }

    private static void CheckModel(KerasFile f, JsonElement model)
    {
        KerasModelConfig m = f.Model!;
        Assert.NotNull(m);
        Assert.Equal(model.GetProperty("class").GetString(), m.ModelClass);
        Assert.Equal(model.GetProperty("name").GetString(), m.Name);
        int?[] shape = model.GetProperty("input_shape").EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Null ? (int?)null : d.GetInt32()).ToArray();
        Assert.Equal(shape, m.InputShape);
        Assert.Equal(model.GetProperty("input_dtype").GetString(), m.InputDType);
        using (JsonDocument raw = JsonDocument.Parse(m.RawJson))
        {
            Assert.Equal(model.GetProperty("class").GetString(), raw.RootElement.GetProperty("class_name").GetString());
        }
        if (model.TryGetProperty("order", out JsonElement order))
        {
            Assert.Equal(order.EnumerateArray().Select(o => o.GetString()), m.Layers.Select(l => l.Name));
        }
        foreach (JsonProperty layerConfig in model.GetProperty("configs").EnumerateObject())
        {
            KerasLayerConfig c = f.GetLayer(layerConfig.Name).Config;
            foreach (JsonProperty kv in layerConfig.Value.EnumerateObject())
            {
                switch (kv.Value.ValueKind)
                {
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                        Assert.Equal(kv.Value.GetBoolean(), c.GetBool(kv.Name));
                        break;
                    case JsonValueKind.String:
                        Assert.Equal(kv.Value.GetString(), c.GetString(kv.Name));
                        break;
                    case JsonValueKind.Number when kv.Value.TryGetInt32(out int i):
                        Assert.Equal(i, c.GetInt(kv.Name));
                        break;
                    case JsonValueKind.Number:
                        Assert.Equal(kv.Value.GetDouble(), c.GetDouble(kv.Name));
                        Assert.Equal((float)kv.Value.GetDouble(), c.GetFloat(kv.Name));
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected check {kv.Name} = {kv.Value}");
                }
            }
        }
        if (model.TryGetProperty("absent", out JsonElement absent))
        {
            foreach (JsonProperty p in absent.EnumerateObject())
            {
                foreach (JsonElement key in p.Value.EnumerateArray())
                {
                    Assert.False(f.GetLayer(p.Name).Config.Has(key.GetString()!));
                }
            }
        }
        if (model.TryGetProperty("wrapped", out JsonElement wrapped))
        {
            foreach (JsonProperty p in wrapped.EnumerateObject())
            {
                KerasLayer outer = f.GetLayer(p.Name);
                foreach (JsonProperty w in p.Value.EnumerateObject())
                {
                    KerasLayer? inner = w.Name switch
                    {
                        "layer" => outer.Layer,
                        "forward_layer" => outer.ForwardLayer,
                        "backward_layer" => outer.BackwardLayer,
                        _ => throw new InvalidOperationException(w.Name),
                    };
                    if (w.Value.ValueKind == JsonValueKind.Null)
                    {
                        Assert.Null(inner);
                        continue;
                    }
                    Assert.NotNull(inner);
                    Assert.Equal(w.Value[0].GetString(), inner!.ClassName);
                    Assert.Equal(w.Value[1].GetString(), inner.Name);
                    Assert.Equal($"{outer.JsonPath}.config.{w.Name}", inner.JsonPath);
                    Assert.Empty(inner.Weights);
                }
            }
        }
    }

    private static void CheckWeights(JsonElement expected, IReadOnlyList<KerasWeight> actual)
    {
        var list = expected.EnumerateArray().ToList();
        Assert.Equal(list.Select(w => w.GetProperty("path").GetString()), actual.Select(w => w.Path));
        for (int i = 0; i < list.Count; i++)
        {
            JsonElement e = list[i];
            KerasWeight w = actual[i];
            Assert.Equal(e.GetProperty("name").GetString(), w.Name);
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), w.Shape);
            Assert.Equal(e.TryGetProperty("file_dtype", out JsonElement dt) ? dt.GetString() : "float32", w.FileDType);
            float[] values = e.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(values.Length, w.Values.Length);
            for (int k = 0; k < values.Length; k++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(values[k]) == BitConverter.SingleToInt32Bits(w.Values[k]),
                    $"{w.Path}[{k}]: expected {values[k]:R}, read {w.Values[k]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_fixture_is_refused_with_a_named_exception(string name)
    {
        JsonElement spec = Manifest.Value.GetProperty("bad").GetProperty(name);
        string path = Path.Combine(ImportPaths.KerasFixtures, name);
        KerasFormatException ex = Assert.ThrowsAny<KerasFormatException>(() => KerasFile.Read(path));
        Assert.Equal(spec.GetProperty("exception").GetString(), ex.GetType().Name);
        Assert.Equal(path, ex.FileName);
        Assert.Contains(path, ex.Message);
        foreach (JsonElement fragment in spec.GetProperty("contains").EnumerateArray())
        {
            Assert.Contains(fragment.GetString()!, ex.Message);
        }
        if (spec.TryGetProperty("dtype", out JsonElement dtype))
        {
            var d = Assert.IsType<KerasDTypeException>(ex);
            Assert.Equal(dtype.GetString(), d.DType);
            Assert.StartsWith("/model_weights/dense/dense/", d.DatasetPath);
        }
    }
}
