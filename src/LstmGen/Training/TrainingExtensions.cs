using System;

namespace LstmGen;

/// <summary>One training step on a model: gradients, then the optimiser's update.</summary>
public static class TrainingExtensions
{
    /// <summary>
    /// Computes the loss and its gradients on one batch and applies <paramref name="optimizer"/> to the weights; returns the
    /// loss before the update. Allocation-free after the optimiser's first step.
    /// </summary>
    public static float TrainStep<TInput>(this ITrainableModel<TInput> model, ReadOnlySpan<TInput> inputs, ReadOnlySpan<float> targets,
        int batchSize, Loss loss, Optimizer optimizer)
        where TInput : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        float value = model.ComputeGradients(inputs, targets, batchSize, loss);
        optimizer.Apply(model.Weights, model.Gradients.Parameters);
        return value;
    }
}
