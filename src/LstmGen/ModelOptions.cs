namespace LstmGen;

/// <summary>Options for constructing a generated model.</summary>
public sealed class ModelOptions
{
    /// <summary>Default for <see cref="MaxBatch"/>.</summary>
    public const int DefaultMaxBatch = 32;

    /// <summary>Initialiser seed; when null, the <c>Seed</c> of the model's <see cref="SequentialAttribute"/>.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Largest batch processed in one pass; the workspaces are sized for it once, at construction. Larger batches are
    /// processed in chunks of this size. Default 32.
    /// </summary>
    public int MaxBatch { get; init; } = DefaultMaxBatch;
}

/// <summary>What every generated model exposes, whatever its layers.</summary>
public interface ISequentialModel
{
    /// <summary>The parameters, by Keras weight name.</summary>
    WeightStore Weights { get; }

    /// <summary>Elements in one input sample (floats, or token ids for an Embedding model).</summary>
    int InputLength { get; }

    /// <summary>Elements in one output sample.</summary>
    int OutputLength { get; }

    /// <summary>Largest batch processed in one pass.</summary>
    int MaxBatch { get; }
}

/// <summary>A generated model whose input elements are <typeparamref name="TInput"/>: float, or int token ids for an Embedding model.</summary>
public interface ISequentialModel<TInput> : ISequentialModel
    where TInput : unmanaged
{
    /// <summary>Runs the model on one sample (<see cref="ISequentialModel.InputLength"/> elements in, <see cref="ISequentialModel.OutputLength"/> out).</summary>
    void Predict(System.ReadOnlySpan<TInput> input, System.Span<float> output);

    /// <summary>Runs the model on <paramref name="batchSize"/> samples, batch-major.</summary>
    void PredictBatch(System.ReadOnlySpan<TInput> inputs, System.Span<float> outputs, int batchSize);
}
