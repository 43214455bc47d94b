using System;
using System.Collections.Generic;
using System.Linq;

namespace LstmGen;

/// <summary>
/// The parameters of a model: one flat <see cref="float"/> buffer, with views by Keras weight name. Values are read and
/// written in Keras's layout (row-major, Keras shapes, LSTM gate blocks in the order i, f, c, o).
/// </summary>
public sealed class WeightStore
{
    private readonly WeightInfo[] _entries;
    private readonly Dictionary<string, WeightInfo> _byName;

    /// <summary>Creates a zeroed store for the given weights, which must tile [0, total) in order.</summary>
    public WeightStore(string modelName, IReadOnlyList<WeightInfo> entries)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(entries);
        ModelName = modelName;
        _entries = entries.ToArray();
        _byName = new Dictionary<string, WeightInfo>(StringComparer.Ordinal);
        int offset = 0;
        foreach (WeightInfo e in _entries)
        {
            if (e.Offset != offset)
            {
                throw new ArgumentException($"Weight '{e.Name}' starts at {e.Offset}, expected {offset}.", nameof(entries));
            }
            if (!_byName.TryAdd(e.Name, e))
            {
                throw new ArgumentException($"Duplicate weight name '{e.Name}'.", nameof(entries));
            }
            offset += e.Length;
        }
        Parameters = Kernels.AllocateAligned(offset);
        AllTrainable = _entries.All(e => e.Trainable);
    }

    /// <summary>True when every weight is trainable (no moving statistics): optimisers then update the whole buffer at once.</summary>
    public bool AllTrainable { get; }

    /// <summary>The model's name, used in error messages.</summary>
    public string ModelName { get; }

    /// <summary>
    /// The flat parameter buffer, 64-byte aligned and pinned (see <see cref="Kernels.AllocateAligned"/>). Writing it
    /// directly bypasses the checks of <see cref="Set"/>.
    /// </summary>
    public float[] Parameters { get; }

    /// <summary>The total number of parameters.</summary>
    public int Count => Parameters.Length;

    /// <summary>The weights in model order (Keras's <c>model.weights</c> order).</summary>
    public IReadOnlyList<WeightInfo> Entries => _entries;

    /// <summary>True when the model has a weight of this name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The description of the named weight.</summary>
    /// <exception cref="KeyNotFoundException">No weight has this name; the message lists the names there are.</exception>
    public WeightInfo Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out WeightInfo? info))
        {
            return info;
        }
        throw new KeyNotFoundException(
            $"{ModelName} has no weight named '{name}'. Its weights are: {string.Join(", ", _entries.Select(e => e.ToString()))}.");
    }

    /// <summary>A writable view of the named weight in the parameter buffer.</summary>
    public Span<float> this[string name]
    {
        get
        {
            WeightInfo e = Find(name);
            return Parameters.AsSpan(e.Offset, e.Length);
        }
    }

    /// <summary>A copy of the named weight, in Keras layout.</summary>
    public float[] Get(string name) => this[name].ToArray();

    /// <summary>Copies the named weight, in Keras layout, into <paramref name="destination"/> (exact length).</summary>
    public void Get(string name, Span<float> destination)
    {
        WeightInfo e = Find(name);
        Kernels.CheckLength(destination.Length, e.Length, nameof(destination), $"{e.Name} has shape {e.ShapeText}");
        Parameters.AsSpan(e.Offset, e.Length).CopyTo(destination);
    }

    /// <summary>Sets the named weight from values in Keras layout (exact length, finite).</summary>
    public void Set(string name, ReadOnlySpan<float> values)
    {
        WeightInfo e = Find(name);
        Validate(e, values);
        values.CopyTo(Parameters.AsSpan(e.Offset, e.Length));
    }

    /// <summary>
    /// Sets several weights at once. Every name, length and value is checked before anything is written, so a failure
    /// leaves the model unchanged.
    /// </summary>
    public void SetMany(IEnumerable<KeyValuePair<string, float[]>> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var list = weights.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, values) in list)
        {
            WeightInfo e = Find(name);
            if (!seen.Add(name))
            {
                throw new ArgumentException($"Weight '{name}' is given twice.", nameof(weights));
            }
            ArgumentNullException.ThrowIfNull(values, name);
            Validate(e, values);
        }
        foreach (var (name, values) in list)
        {
            WeightInfo e = _byName[name];
            values.CopyTo(Parameters.AsSpan(e.Offset, e.Length));
        }
    }

    /// <summary>Re-initialises every weight with Keras's initialisers, deterministically from <paramref name="seed"/>.</summary>
    public void Initialize(int seed)
    {
        foreach (WeightInfo e in _entries)
        {
            Initializers.Initialize(e, Parameters.AsSpan(e.Offset, e.Length), seed);
        }
    }

    private static void Validate(WeightInfo e, ReadOnlySpan<float> values)
    {
        if (values.Length != e.Length)
        {
            throw new ArgumentException(
                $"Weight '{e.Name}' has shape {e.ShapeText} ({e.Length} values); {values.Length} values were given.", nameof(values));
        }
        if (!Kernels.AllFinite(values))
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw new ArgumentException($"Weight '{e.Name}' value [{i}] is {values[i]}; weights must be finite.", nameof(values));
                }
            }
        }
    }
}
