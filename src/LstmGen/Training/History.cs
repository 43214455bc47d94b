using System;
using System.Collections.Generic;
using System.Linq;

namespace LstmGen;

/// <summary>The logs of one epoch: loss and metrics (<c>loss</c>, <c>binary_accuracy</c>, <c>val_loss</c>, ...).</summary>
public sealed class EpochLog
{
    internal EpochLog(int epoch, IReadOnlyDictionary<string, double> values, TimeSpan duration)
    {
        Epoch = epoch;
        Values = values;
        Duration = duration;
    }

    /// <summary>Epoch number, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The values by Keras name.</summary>
    public IReadOnlyDictionary<string, double> Values { get; }

    /// <summary>Time the epoch took (training and validation).</summary>
    public TimeSpan Duration { get; }

    /// <summary>The named value.</summary>
    /// <exception cref="KeyNotFoundException">Not logged; the message lists what was.</exception>
    public double this[string name] => Values.TryGetValue(name, out double v)
        ? v
        : throw new KeyNotFoundException($"Epoch {Epoch} has no value '{name}'; it has: {string.Join(", ", Values.Keys)}.");

    /// <inheritdoc />
    public override string ToString() => $"epoch {Epoch}: " + string.Join(" - ", Values.Select(kv => $"{kv.Key}: {kv.Value:G4}"));
}

/// <summary>What <see cref="Training.Fit{TInput}(ITrainableModel{TInput}, TInput[], float[], FitOptions)"/> returns: one log per epoch, as Keras's History.</summary>
public sealed class History
{
    private readonly List<EpochLog> _epochs = [];

    /// <summary>The epochs run.</summary>
    public IReadOnlyList<EpochLog> Epochs => _epochs;

    /// <summary>The values of one key across epochs, e.g. <c>history["val_loss"]</c>.</summary>
    public IReadOnlyList<double> this[string name] => _epochs.Select(e => e[name]).ToArray();

    /// <summary>The epoch at which early stopping stopped training, or null.</summary>
    public int? StoppedEpoch { get; internal set; }

    /// <summary>The epoch whose weights were restored by early stopping, or null.</summary>
    public int? RestoredEpoch { get; internal set; }

    /// <summary>True when training was cancelled through the token (the history holds the finished epochs).</summary>
    public bool Cancelled { get; internal set; }

    internal void Add(EpochLog log) => _epochs.Add(log);
}

/// <summary>Keras's <c>EarlyStopping</c> callback.</summary>
public sealed class EarlyStopping
{
    /// <summary>The value watched (default <c>val_loss</c>).</summary>
    public string Monitor { get; init; } = "val_loss";

    /// <summary>Epochs without improvement before stopping (default 0).</summary>
    public int Patience { get; init; }

    /// <summary>Smallest change that counts as an improvement (default 0).</summary>
    public double MinDelta { get; init; }

    /// <summary>Restore the weights of the best epoch when stopping or at the end (default false, as Keras).</summary>
    public bool RestoreBestWeights { get; init; }

    /// <summary>True when a larger monitored value is better; null: decided from the name (accuracies are maximised).</summary>
    public bool? Maximize { get; init; }

    internal bool IsMaximized => Maximize ?? Monitor.Contains("acc", StringComparison.Ordinal);
}
