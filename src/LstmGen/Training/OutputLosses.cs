using System;
using System.Collections.Generic;
using System.Linq;

namespace LstmGen;

/// <summary>
/// One loss per output of a model with several outputs, as Keras's <c>compile(loss=[...])</c>: a model whose last layer
/// returns its final states (ReturnState) has the output, then each state (an LSTM's h and c; a GRU's or SimpleRNN's h).
/// The training loss is the sum of each output's mean loss. Targets are given per sample, each output's targets after
/// the previous one's: <c>[output | h | c]</c>; <c>model.TargetLength(losses)</c> is their total length.
/// </summary>
/// <remarks>
/// A plain <see cref="Loss"/> on such a model trains the first output only (its targets alone), as LstmGen always did;
/// Keras would apply it to every output. Metrics are not computed with per-output losses.
/// </remarks>
public sealed class OutputLosses : Loss
{
    private readonly Loss[] _losses;

    internal OutputLosses(Loss[] losses) => _losses = losses;

    /// <summary>The loss of each output, in output order.</summary>
    public IReadOnlyList<Loss> Losses => _losses;

    /// <inheritdoc />
    public override string Name => "[" + string.Join(", ", _losses.Select(l => l.Name)) + "]";

    /// <summary>Not used: a model with several outputs computes each output's loss itself.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override double Accumulate(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> gradient,
        int rows, int width, float scale, bool fused) =>
        throw new NotSupportedException($"{Name} is a loss per output; pass it to a model's ComputeGradients, ComputeLoss, Fit or Evaluate.");

    /// <summary>
    /// The target length per sample of a model whose outputs are <paramref name="outputRows"/> rows of
    /// <paramref name="outputFeatures"/> and <paramref name="stateCount"/> states of <paramref name="stateLength"/> values.
    /// </summary>
    /// <exception cref="ArgumentException">The number of losses is not the number of outputs.</exception>
    public int TargetLength(int outputRows, int outputFeatures, int stateLength, int stateCount, string modelName)
    {
        CheckCount(stateCount, modelName);
        long length = (long)outputRows * _losses[0].TargetWidth(outputFeatures);
        for (int i = 1; i < _losses.Length; i++)
        {
            length += _losses[i].TargetWidth(stateLength); // one row of stateLength values per state
        }
        if (length > int.MaxValue)
        {
            throw new ArgumentException($"{modelName}'s targets for {Name} would be {length:N0} values per sample, more than an array holds.");
        }
        return (int)length;
    }

    /// <summary>Checks that there is one loss per output: the model's output and its <paramref name="stateCount"/> final states.</summary>
    /// <exception cref="ArgumentException">Another number of losses.</exception>
    public void CheckCount(int stateCount, string modelName)
    {
        if (_losses.Length != 1 + stateCount)
        {
            string outputs = stateCount switch
            {
                0 => "one output",
                1 => "two outputs (the output and the final state)",
                _ => $"{1 + stateCount} outputs (the output and {stateCount} final states)",
            };
            throw new ArgumentException($"{modelName} has {outputs}, but {Name} gives {_losses.Length} losses.", "loss");
        }
    }
}

public abstract partial class Loss
{
    /// <summary>
    /// A loss per output, summed (Keras's <c>compile(loss=[...])</c>), for a model whose last layer returns its final
    /// states: <c>Loss.PerOutput(Loss.MeanSquaredError, Loss.MeanSquaredError, Loss.MeanSquaredError)</c> trains an LSTM's
    /// output, h and c. See <see cref="OutputLosses"/> for the target layout.
    /// </summary>
    /// <exception cref="ArgumentException">No loss, a null loss, or a nested per-output loss.</exception>
    public static OutputLosses PerOutput(params Loss[] losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Length == 0)
        {
            throw new ArgumentException("Give one loss per output (at least one).", nameof(losses));
        }
        for (int i = 0; i < losses.Length; i++)
        {
            if (losses[i] is null)
            {
                throw new ArgumentException($"Loss {i} is null.", nameof(losses));
            }
            if (losses[i] is OutputLosses)
            {
                throw new ArgumentException($"Loss {i} is itself a loss per output; give one plain loss per output.", nameof(losses));
            }
        }
        return new OutputLosses(losses.ToArray());
    }
}
