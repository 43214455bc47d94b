using System;
using System.Collections.Generic;
using System.Linq;

namespace LstmGen;

/// <summary>
/// A generated model as Keras describes it: the input shape and every layer with its Keras class name, layer name and
/// config (Keras's keys: <c>units</c>, <c>activation</c>, <c>return_sequences</c>, ...). Import checks a Keras file
/// against it, export writes a Keras config from it.
/// </summary>
public sealed class ModelArchitecture
{
    /// <summary>Describes a model (generated code calls this).</summary>
    public ModelArchitecture(string modelName, int[] inputShape, bool tokenInput, LayerArchitecture[] layers)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        ModelName = modelName;
        InputShape = inputShape.ToArray();
        TokenInput = tokenInput;
        Layers = layers.ToArray();
    }

    /// <summary>The model class's name.</summary>
    public string ModelName { get; }

    /// <summary>One sample's input shape without the batch axis: (steps, features), (features), or (tokens) for token input.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>True when the input is token ids (the first layer is an Embedding).</summary>
    public bool TokenInput { get; }

    /// <summary>The layers in model order (wrappers with their wrapped layer as <see cref="LayerArchitecture.Inner"/>).</summary>
    public IReadOnlyList<LayerArchitecture> Layers { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{ModelName}: Input({string.Join(", ", InputShape)}) " + string.Join(" ", Layers.Select(l => l.ToString()));
}

/// <summary>One layer of a <see cref="ModelArchitecture"/>.</summary>
public sealed class LayerArchitecture
{
    private readonly Dictionary<string, object> _config;

    /// <summary>Describes a layer (generated code calls this).</summary>
    public LayerArchitecture(string name, string className, int[] inputShape, int[] outputShape, string[] weights,
        KeyValuePair<string, object>[] config, LayerArchitecture? inner = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(className);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(outputShape);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        Name = name;
        ClassName = className;
        InputShape = inputShape.ToArray();
        OutputShape = outputShape.ToArray();
        Weights = weights.ToArray();
        _config = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in config)
        {
            _config.Add(key, value);
        }
        Inner = inner;
    }

    /// <summary>The Keras layer name (<c>lstm_1</c>), which prefixes its weight names.</summary>
    public string Name { get; }

    /// <summary>The Keras class name: <c>LSTM</c>, <c>GRU</c>, <c>SimpleRNN</c>, <c>Dense</c>, <c>Bidirectional</c>, ...</summary>
    public string ClassName { get; }

    /// <summary>One sample's input shape (steps, features) or (features).</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>One sample's output shape.</summary>
    public IReadOnlyList<int> OutputShape { get; }

    /// <summary>The layer's weight names in the model's <see cref="WeightStore"/>, in Keras's order.</summary>
    public IReadOnlyList<string> Weights { get; }

    /// <summary>
    /// Keras config entries: ints, doubles, bools, strings, int arrays and <see cref="Activation"/> values (activations
    /// are given as the enum, since Keras 2 and 3 mean different functions by <c>hard_sigmoid</c>).
    /// </summary>
    public IReadOnlyDictionary<string, object> Config => _config;

    /// <summary>The wrapped layer of a Bidirectional or TimeDistributed wrapper (Bidirectional: its forward layer), else null.</summary>
    public LayerArchitecture? Inner { get; }

    /// <summary>A config value, or <paramref name="fallback"/> when the key is absent.</summary>
    public T Get<T>(string key, T fallback) => _config.TryGetValue(key, out object? value) && value is T t ? t : fallback;

    /// <inheritdoc />
    public override string ToString() => Inner is null ? $"{ClassName}('{Name}')" : $"{ClassName}('{Name}', {Inner})";
}
