namespace LstmGen;

/// <summary>Options for constructing a generated model.</summary>
public sealed class ModelOptions
{
    /// <summary>Default for <see cref="MaxBatch"/>.</summary>
    public const int DefaultMaxBatch = 32;

    /// <summary>Initialiser seed; when null, the <c>Seed</c> of the model's <see cref="SequentialAttribute"/>.</summary>
    public int? Seed { get; init; }

    private readonly int _maxBatch = DefaultMaxBatch;

    /// <summary>
    /// Largest batch processed in one pass; the workspaces are sized for it once, at construction. Larger batches are
    /// processed in chunks of this size. Default 32. The model's constructor throws an
    /// <see cref="System.ArgumentOutOfRangeException"/> with the largest value it allows when a workspace of this many
    /// samples would not fit in an array.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxBatch
    {
        get => _maxBatch;
        init => _maxBatch = value >= 1
            ? value
            : throw new System.ArgumentOutOfRangeException(nameof(MaxBatch), value, $"ModelOptions.MaxBatch must be at least 1; got {value}.");
    }
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

    /// <summary>Features of one output row (the last axis of the output); OutputLength / OutputFeatures rows per sample.</summary>
    int OutputFeatures { get; }

    /// <summary>Largest batch processed in one pass.</summary>
    int MaxBatch { get; }

    /// <summary>The model as Keras describes it: input shape, and each layer's Keras class, name and config.</summary>
    ModelArchitecture Architecture { get; }
}

/// <summary>A generated model whose input elements are <typeparamref name="TInput"/>: float, or int token ids for an Embedding model.</summary>
public interface ISequentialModel<TInput> : ISequentialModel
    where TInput : unmanaged
{
    /// <summary>Runs the model on one sample (<see cref="ISequentialModel.InputLength"/> elements in, <see cref="ISequentialModel.OutputLength"/> out).</summary>
    void Predict(System.ReadOnlySpan<TInput> input, System.Span<float> output);

    /// <summary>Runs the model on <paramref name="batchSize"/> samples, batch-major.</summary>
    void PredictBatch(System.ReadOnlySpan<TInput> inputs, System.Span<float> outputs, int batchSize);

    /// <summary>
    /// Checks input values as Predict does (finite floats, or token ids inside the vocabulary), throwing an exception that
    /// names <paramref name="paramName"/> and the offending index (sample and step for tokens).
    /// </summary>
    void ValidateInputs(System.ReadOnlySpan<TInput> inputs, string paramName);
}

/// <summary>A generated model that can compute its loss gradients (backpropagation through time).</summary>
public interface ITrainableModel<TInput> : ISequentialModel<TInput>
    where TInput : unmanaged
{
    /// <summary>The gradients of the last <see cref="ComputeGradients"/> call, same names and layout as <see cref="ISequentialModel.Weights"/>.</summary>
    WeightStore Gradients { get; }

    /// <summary>A model sharing this one's weights with its own workspaces and gradients (for another thread).</summary>
    ITrainableModel<TInput> CreateReplica();

    /// <summary>Target values per sample for <paramref name="loss"/> (output length, or one class index per output row for a sparse loss).</summary>
    int TargetLength(Loss loss);

    /// <summary>
    /// Runs the model on a batch, returns the mean loss against <paramref name="targets"/> and writes the gradient of that
    /// loss with respect to every weight into <see cref="Gradients"/> (and, when not empty, with respect to the inputs into
    /// <paramref name="inputGradients"/>, and the model's outputs into <paramref name="outputs"/>). Allocation-free.
    /// </summary>
    /// <remarks>
    /// <paramref name="training"/> (default true) runs the model as in training: dropout layers draw new masks. False runs
    /// it as Predict does (dropout off), e.g. for gradient checks. <paramref name="loss"/> may be an
    /// <see cref="OutputLosses"/> for a model whose last layer returns its final states.
    /// </remarks>
    float ComputeGradients(System.ReadOnlySpan<TInput> inputs, System.ReadOnlySpan<float> targets, int batchSize, Loss loss,
        System.Span<float> inputGradients = default, System.Span<float> outputs = default, bool training = true);

    /// <summary>
    /// Runs the model on a batch as Predict does (dropout off) and returns the mean loss against <paramref name="targets"/>
    /// (Keras's <c>test_step</c>); writes the outputs into <paramref name="outputs"/> when it is not empty. No gradients.
    /// </summary>
    float ComputeLoss(System.ReadOnlySpan<TInput> inputs, System.ReadOnlySpan<float> targets, int batchSize, Loss loss,
        System.Span<float> outputs = default);
}
