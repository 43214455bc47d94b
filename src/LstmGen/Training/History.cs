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

    /// <summary>
    /// True when training stopped at a NaN or infinite loss or gradient under <see cref="NonFiniteLossAction.Stop"/> (the
    /// history holds the finished epochs; the failing batch's update was not applied).
    /// </summary>
    public bool StoppedOnNonFiniteLoss { get; internal set; }

    internal void Add(EpochLog log) => _epochs.Add(log);
}

/// <summary>
/// Keras 3's <c>EarlyStopping</c> callback, with its rule exactly: at the end of each monitored epoch a counter of epochs
/// without improvement is incremented; an epoch that improves on the best value so far (by more than
/// <see cref="MinDelta"/>) resets it (unless a <see cref="Baseline"/> is set and not beaten); training stops when the
/// counter reaches <see cref="Patience"/>, but never at the first epoch. With <c>Patience = 3</c>, the third epoch in a row
/// that does not improve is the last one run.
/// </summary>
public sealed class EarlyStopping
{
    private readonly int _patience;
    private readonly double _minDelta;
    private readonly double? _baseline;
    private readonly int _startFromEpoch;

    /// <summary>The value watched (default <c>val_loss</c>).</summary>
    public string Monitor { get; init; } = "val_loss";

    /// <summary>Epochs in a row without improvement after which training stops (default 0: the first epoch that does not improve, except the first epoch).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Patience
    {
        get => _patience;
        init => _patience = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Patience), value, "EarlyStopping.Patience must be 0 or more.");
    }

    /// <summary>Smallest change that counts as an improvement (default 0; as Keras, its absolute value is used).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite.</exception>
    public double MinDelta
    {
        get => _minDelta;
        init => _minDelta = double.IsFinite(value) ? Math.Abs(value) : throw new ArgumentOutOfRangeException(nameof(MinDelta), value, "EarlyStopping.MinDelta must be a finite number.");
    }

    /// <summary>Restore the weights of the best epoch at the end of training, whether it stopped early or not (default false, as Keras).</summary>
    public bool RestoreBestWeights { get; init; }

    /// <summary>
    /// True when a larger monitored value is better; null (default): decided as Keras's <c>mode="auto"</c> does, from what
    /// is monitored (losses are minimised, a metric in the direction of its <see cref="Metric.HigherIsBetter"/>).
    /// </summary>
    public bool? Maximize { get; init; }

    /// <summary>
    /// Keras <c>baseline</c>: when set, an improvement only resets the patience counter if it also beats this value, so
    /// training stops after <see cref="Patience"/> epochs unless the model gets better than the baseline. Null (default): off.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite.</exception>
    public double? Baseline
    {
        get => _baseline;
        init => _baseline = value is not double b || double.IsFinite(b) ? value : throw new ArgumentOutOfRangeException(nameof(Baseline), value, "EarlyStopping.Baseline must be a finite number or null.");
    }

    /// <summary>Keras <c>start_from_epoch</c>: epochs of warm-up that are not monitored at all (default 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int StartFromEpoch
    {
        get => _startFromEpoch;
        init => _startFromEpoch = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(StartFromEpoch), value, "EarlyStopping.StartFromEpoch must be 0 or more.");
    }

    /// <summary>Keras's <c>mode="auto"</c>: <c>loss</c> and <c>val_loss</c> are minimised, a metric goes its own way.</summary>
    internal bool IsMaximizedFor(IReadOnlyList<Metric> metrics)
    {
        if (Maximize is bool explicitMode)
        {
            return explicitMode;
        }
        string name = Monitor.StartsWith("val_", StringComparison.Ordinal) ? Monitor["val_".Length..] : Monitor;
        foreach (Metric m in metrics)
        {
            if (m.Name == name)
            {
                return m.HigherIsBetter;
            }
        }
        return false; // the loss (Fit has checked that the monitored value is logged)
    }
}

/// <summary>The state of one <see cref="EarlyStopping"/> during one Fit: Keras 3's <c>on_epoch_end</c>, step by step.</summary>
internal sealed class EarlyStoppingTracker
{
    private readonly EarlyStopping _rule;
    private readonly bool _maximize;
    private readonly float[]? _bestWeights;
    private bool _haveBestWeights;
    private int _wait;

    public EarlyStoppingTracker(EarlyStopping rule, bool maximize, int weightCount)
    {
        _rule = rule;
        _maximize = maximize;
        _bestWeights = rule.RestoreBestWeights ? new float[weightCount] : null;
        Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>The best monitored value so far (±∞ before the first improvement).</summary>
    public double Best { get; private set; }

    /// <summary>The epoch (from 1) of <see cref="Best"/>, or of the weights kept for restoring; 0 for none.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Monitored epochs since the last improvement.</summary>
    public int Wait => _wait;

    /// <summary>Records epoch <paramref name="epoch"/> (from 1) with the monitored value <paramref name="current"/>; true: stop training.</summary>
    public bool EpochEnd(int epoch, double current, ReadOnlySpan<float> weights)
    {
        int e = epoch - 1; // Keras counts epochs from 0
        if (e < _rule.StartFromEpoch)
        {
            return false;
        }
        if (_bestWeights is not null && !_haveBestWeights)
        {
            // Keras: "If best weights were never set, then the current weights are the best."
            weights.CopyTo(_bestWeights);
            _haveBestWeights = true;
            BestEpoch = epoch;
        }
        _wait++;
        if (IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (_bestWeights is not null)
            {
                weights.CopyTo(_bestWeights);
            }
            if (_rule.Baseline is not double baseline || IsImprovement(current, baseline))
            {
                _wait = 0;
            }
            return false;
        }
        return _wait >= _rule.Patience && e > 0;
    }

    /// <summary>Keras's <c>on_train_end</c>: copies the kept weights back; false when there are none.</summary>
    public bool TryRestore(Span<float> weights)
    {
        if (_bestWeights is null || !_haveBestWeights)
        {
            return false;
        }
        _bestWeights.CopyTo(weights);
        return true;
    }

    // Keras: monitor_op(current - min_delta, reference), min_delta negated for "min"; NaN never improves.
    private bool IsImprovement(double current, double reference) =>
        _maximize ? current - _rule.MinDelta > reference : current + _rule.MinDelta < reference;
}
