using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LstmGen.Import;

/// <summary>
/// Saves a generated model for Keras 3: its weights as a <c>.weights.h5</c> (Python:
/// <c>model.load_weights("m.weights.h5")</c> on the same Keras model) or the whole model as a <c>.keras</c> archive
/// (<c>keras.models.load_model("m.keras")</c>), whose <c>config.json</c> is written from the model's
/// <see cref="ISequentialModel.Architecture"/>.
/// </summary>
/// <remarks>
/// <para>
/// The weights go where Keras 3 puts them (<see cref="KerasWeightsWriter"/>): <c>layers/lstm/cell/vars/0..2</c>,
/// <c>layers/bidirectional/forward_layer/cell/vars/...</c> and <c>backward_layer</c>,
/// <c>layers/time_distributed/layer/vars/...</c>, <c>layers/dense/vars/0..1</c>, <c>layers/embedding/vars/0</c>; the
/// groups are named by class and per-class counter in model order, whatever the layers' names.
/// </para>
/// <para>
/// The config is a Keras 3 <c>Sequential</c>: an <c>InputLayer</c> with the model's <c>batch_shape</c> (<c>int32</c>
/// for token ids), then each layer as Keras 3 serialises it (<c>module</c>, <c>class_name</c>, <c>config</c> with the
/// keys its <c>get_config</c> writes and its constructor takes, <c>registered_name</c>, <c>build_config</c>). Two
/// things have no Keras 3 config: a <c>SliceLast</c> (a Lambda holds Python code) and Keras 2's hard sigmoid
/// (<see cref="Activation.HardSigmoidKeras2"/>); <see cref="SaveModel(ISequentialModel, string, KerasWriteOptions?)"/>
/// refuses them (<see cref="NotSupportedException"/>), <see cref="SaveWeights(ISequentialModel, string, KerasWriteOptions?)"/>
/// writes their weights as for any model.
/// </para>
/// </remarks>
public static class KerasExport
{
    /// <summary>Writes the model's weights as a Keras 3 <c>.weights.h5</c> file (replaced if it exists; written to a temporary file first).</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file.</param>
    /// <param name="options">Options (the model name written in the file); optional.</param>
    public static void SaveWeights(ISequentialModel model, string path, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        KerasWeightsWriter.WriteWeights(path, LayerWeights(model), options);
    }

    /// <summary>Writes the model's weights as a Keras 3 <c>.weights.h5</c> file to a stream.</summary>
    public static void SaveWeights(ISequentialModel model, Stream stream, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        KerasWeightsWriter.WriteWeights(stream, LayerWeights(model), options);
    }

    /// <summary>Writes the model as a Keras 3 <c>.keras</c> archive: config.json from its architecture, metadata.json, model.weights.h5.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file (replaced if it exists; written to a temporary file first).</param>
    /// <param name="options">Options (model name, Keras version and date in metadata.json); optional.</param>
    /// <exception cref="NotSupportedException">The model has a layer Keras 3 cannot describe (see the class remarks); nothing is written.</exception>
    public static void SaveModel(ISequentialModel model, string path, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        options ??= new KerasWriteOptions();
        string config = ModelConfig(model.Architecture, options.ModelName);
        KerasWeightsWriter.WriteArchive(path, config, LayerWeights(model), options);
    }

    /// <summary>Writes the model as a Keras 3 <c>.keras</c> archive to a stream.</summary>
    public static void SaveModel(ISequentialModel model, Stream stream, KerasWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new KerasWriteOptions();
        string config = ModelConfig(model.Architecture, options.ModelName);
        KerasWeightsWriter.WriteArchive(stream, config, LayerWeights(model), options);
    }

    /// <summary>The model's layers with their current weights, as <see cref="KerasWeightsWriter"/> takes them (Keras 3's nesting).</summary>
    /// <param name="model">The model.</param>
    public static IReadOnlyList<KerasLayerWeights> LayerWeights(ISequentialModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        WeightStore store = model.Weights;
        KerasWeight Weight(string name) => new(name[(name.LastIndexOf('/') + 1)..], store.Find(name).Dimensions.ToArray(), store.Get(name));
        var layers = new List<KerasLayerWeights>();
        foreach (LayerArchitecture layer in model.Architecture.Layers)
        {
            KerasWeight[] weights = layer.Weights.Select(Weight).ToArray();
            switch (layer.ClassName)
            {
                case "Bidirectional":
                {
                    LayerArchitecture inner = layer.Inner!;
                    int half = weights.Length / 2;
                    layers.Add(KerasLayerWeights.Bidirectional(layer.Name,
                        KerasLayerWeights.Create(inner.ClassName, "forward_" + inner.Name, weights[..half]),
                        KerasLayerWeights.Create(inner.ClassName, "backward_" + inner.Name, weights[half..])));
                    break;
                }
                case "TimeDistributed":
                    layers.Add(KerasLayerWeights.TimeDistributed(layer.Name, KerasLayerWeights.Create(layer.Inner!.ClassName, layer.Inner.Name, weights)));
                    break;
                default:
                    layers.Add(KerasLayerWeights.Create(layer.ClassName, layer.Name, weights));
                    break;
            }
        }
        return layers;
    }

    /// <summary>
    /// The Keras 3 <c>config.json</c> of a model: a <c>Sequential</c> with an <c>InputLayer</c> and each layer's Keras 3
    /// serialisation (see the class remarks).
    /// </summary>
    /// <param name="architecture">The model's architecture (<see cref="ISequentialModel.Architecture"/>).</param>
    /// <param name="modelName">The Keras model name; default <c>sequential</c>.</param>
    /// <exception cref="NotSupportedException">A layer Keras 3 cannot describe.</exception>
    public static string ModelConfig(ModelArchitecture architecture, string modelName = "sequential")
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        foreach (LayerArchitecture layer in architecture.Layers)
        {
            CheckExportable(architecture, layer);
        }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("module", "keras");
            w.WriteString("class_name", "Sequential");
            w.WriteStartObject("config");
            w.WriteString("name", modelName);
            w.WriteBoolean("trainable", true);
            w.WriteString("dtype", "float32");
            w.WriteStartArray("layers");
            w.WriteStartObject();
            w.WriteString("module", "keras.layers");
            w.WriteString("class_name", "InputLayer");
            w.WriteStartObject("config");
            BatchShape(w, "batch_shape", architecture.InputShape);
            w.WriteString("dtype", architecture.TokenInput ? "int32" : "float32");
            w.WriteBoolean("sparse", false);
            w.WriteString("name", "input_layer");
            w.WriteEndObject();
            w.WriteNull("registered_name");
            w.WriteEndObject();
            foreach (LayerArchitecture layer in architecture.Layers)
            {
                WriteLayer(w, layer, buildShape: true, goBackwards: null);
            }
            w.WriteEndArray();
            BatchShape(w, "build_input_shape", architecture.InputShape);
            w.WriteEndObject();
            w.WriteNull("registered_name");
            w.WriteStartObject("build_config");
            BatchShape(w, "input_shape", architecture.InputShape);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void CheckExportable(ModelArchitecture architecture, LayerArchitecture layer)
    {
        if (layer.ClassName == "Lambda")
        {
            throw new NotSupportedException(
                $"{architecture.ModelName}'s layer '{layer.Name}' (SliceLast) is a Keras Lambda, which a .keras config cannot hold without Python code. "
                + "Save the weights with KerasExport.SaveWeights and build the model in Python (Lambda(lambda x: x[:, -n:, :])).");
        }
        foreach (LayerArchitecture l in layer.Inner is null ? [layer] : new[] { layer, layer.Inner })
        {
            foreach ((string key, object value) in l.Config)
            {
                if (value is Activation.HardSigmoidKeras2)
                {
                    throw new NotSupportedException(
                        $"{architecture.ModelName}'s layer '{l.Name}' ({l.ClassName}) has {key} = HardSigmoidKeras2 (clip(0.2x + 0.5, 0, 1)), which Keras 3 has no name for "
                        + "(its hard_sigmoid is relu6(x + 3) / 6). Save the weights with KerasExport.SaveWeights and give the Keras 3 layer a custom activation.");
                }
            }
        }
    }

    private static void BatchShape(Utf8JsonWriter w, string key, IReadOnlyList<int> shape)
    {
        w.WriteStartArray(key);
        w.WriteNullValue();
        foreach (int d in shape)
        {
            w.WriteNumberValue(d);
        }
        w.WriteEndArray();
    }

    private static string ActivationName(Activation a) => a switch
    {
        Activation.Linear => "linear",
        Activation.Relu => "relu",
        Activation.Tanh => "tanh",
        Activation.Sigmoid => "sigmoid",
        Activation.Softmax => "softmax",
        Activation.HardSigmoid => "hard_sigmoid",
        Activation.Elu => "elu",
        Activation.Selu => "selu",
        Activation.Gelu => "gelu",
        Activation.Softplus => "softplus",
        Activation.Softsign => "softsign",
        Activation.Swish => "silu",
        Activation.LeakyRelu => "leaky_relu",
        Activation.Exponential => "exponential",
        _ => throw new NotSupportedException($"Activation {a} has no Keras 3 name."),
    };

    private static void Initializer(Utf8JsonWriter w, string key, string className, params (string Key, double? Value)[] config)
    {
        w.WriteStartObject(key);
        w.WriteString("module", "keras.initializers");
        w.WriteString("class_name", className);
        w.WriteStartObject("config");
        foreach ((string k, double? v) in config)
        {
            if (v is double d)
            {
                w.WriteNumber(k, d);
            }
            else
            {
                w.WriteNull(k);
            }
        }
        w.WriteEndObject();
        w.WriteNull("registered_name");
        w.WriteEndObject();
    }

    private static void Nulls(Utf8JsonWriter w, params string[] keys)
    {
        foreach (string k in keys)
        {
            w.WriteNull(k);
        }
    }

    /// <param name="w">The writer.</param>
    /// <param name="layer">The layer.</param>
    /// <param name="buildShape">Write build_config.</param>
    /// <param name="goBackwards">Overrides go_backwards (the backward layer of a Bidirectional).</param>
    private static void WriteLayer(Utf8JsonWriter w, LayerArchitecture layer, bool buildShape, bool? goBackwards)
    {
        T Get<T>(string key) => layer.Config.TryGetValue(key, out object? v) && v is T t ? t
            : throw new InvalidOperationException($"Layer '{layer.Name}' ({layer.ClassName}) has no {key} in its architecture.");
        w.WriteStartObject();
        w.WriteString("module", "keras.layers");
        w.WriteString("class_name", layer.ClassName);
        w.WriteStartObject("config");
        w.WriteString("name", layer.Name);
        if (layer.ClassName != "SpatialDropout1D")
        {
            w.WriteBoolean("trainable", true); // SpatialDropout1D's constructor takes no 'trainable'
        }
        w.WriteString("dtype", "float32");
        switch (layer.ClassName)
        {
            case "Dense":
                w.WriteNumber("units", Get<int>("units"));
                w.WriteString("activation", ActivationName(Get<Activation>("activation")));
                w.WriteBoolean("use_bias", Get<bool>("use_bias"));
                Initializer(w, "kernel_initializer", "GlorotUniform", ("seed", null));
                Initializer(w, "bias_initializer", "Zeros");
                Nulls(w, "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint");
                break;
            case "Embedding":
                w.WriteNumber("input_dim", Get<int>("input_dim"));
                w.WriteNumber("output_dim", Get<int>("output_dim"));
                Initializer(w, "embeddings_initializer", "RandomUniform", ("minval", -0.05), ("maxval", 0.05), ("seed", null));
                Nulls(w, "embeddings_regularizer", "activity_regularizer", "embeddings_constraint");
                w.WriteBoolean("mask_zero", Get<bool>("mask_zero"));
                break;
            case "LSTM":
            case "GRU":
            case "SimpleRNN":
                w.WriteBoolean("return_sequences", Get<bool>("return_sequences"));
                w.WriteBoolean("return_state", Get<bool>("return_state"));
                w.WriteBoolean("go_backwards", goBackwards ?? Get<bool>("go_backwards"));
                w.WriteBoolean("stateful", false);
                w.WriteBoolean("unroll", false);
                w.WriteBoolean("zero_output_for_mask", false);
                w.WriteNumber("units", Get<int>("units"));
                w.WriteString("activation", ActivationName(Get<Activation>("activation")));
                if (layer.ClassName != "SimpleRNN")
                {
                    w.WriteString("recurrent_activation", ActivationName(Get<Activation>("recurrent_activation")));
                }
                w.WriteBoolean("use_bias", Get<bool>("use_bias"));
                Initializer(w, "kernel_initializer", "GlorotUniform", ("seed", null));
                Initializer(w, "recurrent_initializer", "OrthogonalInitializer", ("gain", 1.0), ("seed", null));
                Initializer(w, "bias_initializer", "Zeros");
                if (layer.ClassName == "LSTM")
                {
                    w.WriteBoolean("unit_forget_bias", Get<bool>("unit_forget_bias"));
                }
                Nulls(w, "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                    "kernel_constraint", "recurrent_constraint", "bias_constraint");
                w.WriteNumber("dropout", Get<double>("dropout"));
                w.WriteNumber("recurrent_dropout", Get<double>("recurrent_dropout"));
                if (layer.ClassName == "GRU")
                {
                    w.WriteBoolean("reset_after", Get<bool>("reset_after"));
                }
                w.WriteNull("seed");
                break;
            case "Dropout":
                w.WriteNumber("rate", Get<double>("rate"));
                Seed(w, layer);
                w.WriteNull("noise_shape");
                break;
            case "SpatialDropout1D":
                w.WriteNumber("rate", Get<double>("rate"));
                Seed(w, layer);
                break;
            case "Activation":
                w.WriteString("activation", ActivationName(Get<Activation>("activation")));
                break;
            case "RepeatVector":
                w.WriteNumber("n", Get<int>("n"));
                break;
            case "ZeroPadding1D":
            {
                int[] p = Get<int[]>("padding");
                w.WriteStartArray("padding");
                w.WriteNumberValue(p[0]);
                w.WriteNumberValue(p[1]);
                w.WriteEndArray();
                break;
            }
            case "Bidirectional":
            {
                w.WriteString("merge_mode", Get<string>("merge_mode"));
                LayerArchitecture inner = layer.Inner!;
                w.WritePropertyName("layer");
                WriteLayer(w, Renamed(inner, "forward_" + inner.Name), buildShape: false, goBackwards: null);
                w.WritePropertyName("backward_layer");
                WriteLayer(w, Renamed(inner, "backward_" + inner.Name), buildShape: false, goBackwards: !(inner.Config.TryGetValue("go_backwards", out object? g) && g is true));
                break;
            }
            case "TimeDistributed":
                w.WritePropertyName("layer");
                WriteLayer(w, layer.Inner!, buildShape: false, goBackwards: null);
                break;
            default:
                throw new NotSupportedException($"Layer '{layer.Name}' ({layer.ClassName}) has no Keras 3 config writer.");
        }
        w.WriteEndObject();
        w.WriteNull("registered_name");
        if (buildShape)
        {
            w.WriteStartObject("build_config");
            BatchShape(w, "input_shape", layer.InputShape);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void Seed(Utf8JsonWriter w, LayerArchitecture layer)
    {
        if (layer.Config.TryGetValue("seed", out object? s) && s is int seed)
        {
            w.WriteNumber("seed", seed);
        }
        else
        {
            w.WriteNull("seed");
        }
    }

    private static LayerArchitecture Renamed(LayerArchitecture layer, string name) =>
        new(name, layer.ClassName, layer.InputShape.ToArray(), layer.OutputShape.ToArray(), layer.Weights.ToArray(), layer.Config.ToArray(), layer.Inner);
}
