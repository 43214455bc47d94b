using System;

namespace LstmGen;

/// <summary>
/// What <see cref="Training.Fit{TInput}(ITrainableModel{TInput}, TInput[], float[], FitOptions)"/> does when a batch's
/// loss, or one of its gradients, is NaN or infinite (<see cref="FitOptions.OnNonFiniteLoss"/>).
/// </summary>
public enum NonFiniteLossAction
{
    /// <summary>
    /// The default: throw a <see cref="NonFiniteLossException"/> before the batch's update is applied, so the weights are
    /// those after the last good step. Keras's <c>TerminateOnNaN(raise_error=True)</c>, with the weights left finite.
    /// </summary>
    Throw = 0,

    /// <summary>
    /// Stop training before the batch's update is applied and return the history of the finished epochs with
    /// <see cref="History.StoppedOnNonFiniteLoss"/> set (early stopping still restores its best weights). Keras's
    /// <c>TerminateOnNaN()</c>, which also prints "Batch N: Invalid loss, terminating training".
    /// </summary>
    Stop = 1,

    /// <summary>Apply the update and go on, as Keras does without the callback (the weights will usually become NaN).</summary>
    Continue = 2,
}

/// <summary>
/// Thrown by <see cref="Training.Fit{TInput}(ITrainableModel{TInput}, TInput[], float[], FitOptions)"/> when a batch's loss
/// or gradient is NaN or infinite (training has diverged: usually a learning rate too large for the data). The batch's
/// update was not applied: the model's weights are those after the last step whose loss and gradients were finite.
/// </summary>
public sealed class NonFiniteLossException : ArithmeticException
{
    internal NonFiniteLossException(string message, int epoch, int batch, float loss, string? tensor, History history)
        : base(message)
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        Tensor = tensor;
        History = history;
    }

    /// <summary>The epoch of the batch, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The batch within the epoch, from 1.</summary>
    public int Batch { get; }

    /// <summary>The batch's mean loss (finite when only a gradient was not).</summary>
    public float Loss { get; }

    /// <summary>The Keras name of the first weight whose gradient is not finite, or null when the loss itself is not.</summary>
    public string? Tensor { get; }

    /// <summary>The epochs finished before the failure.</summary>
    public History History { get; }
}

/// <summary>The check of each training batch before its update (<see cref="FitOptions.OnNonFiniteLoss"/>).</summary>
internal static class NonFiniteLoss
{
    /// <summary>
    /// Null when the loss and every gradient are finite; else what is not, and where. <paramref name="gradientsFinite"/>:
    /// the caller has already found every gradient finite (the gradients are then not read again).
    /// </summary>
    public static (string Message, string? Tensor)? Check(float loss, ReadOnlySpan<float> gradients, bool gradientsFinite, WeightStore weights,
        int epoch, int batch, int batches, float learningRate)
    {
        if (float.IsFinite(loss) && (gradientsFinite || Kernels.AllFinite(gradients)))
        {
            return null;
        }
        string what = $"the loss is {loss}";
        string? tensor = null;
        if (float.IsFinite(loss))
        {
            var entries = weights.Entries;
            for (int k = 0; k < entries.Count && tensor is null; k++)
            {
                WeightInfo e = entries[k];
                ReadOnlySpan<float> g = gradients.Slice(e.Offset, e.Length);
                for (int i = 0; i < g.Length; i++)
                {
                    if (!float.IsFinite(g[i]))
                    {
                        tensor = e.Name;
                        what = $"the loss is {loss} but the gradient of '{e.Name}' is {g[i]} at element {i}";
                        break;
                    }
                }
            }
        }
        string message = $"Epoch {epoch}, batch {batch}/{batches}: {what}. Training has diverged (the learning rate, " +
            $"{learningRate.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}, may be too large for this model " +
            "and data, or the data badly scaled); this batch's update was not applied. FitOptions.OnNonFiniteLoss = Stop ends " +
            "training without an exception; Continue goes on (Keras's behaviour without TerminateOnNaN).";
        return (message, tensor);
    }
}
