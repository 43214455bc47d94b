using System;

namespace LstmGen;

/// <summary>
/// Marks a <c>partial</c> class as a Keras-style sequential model. The layer attributes on the same
/// declaration (<see cref="InputAttribute"/> first, then layers in the order written) describe the model;
/// the LstmGen source generator checks every tensor shape at compile time and emits the model's code.
/// </summary>
/// <example>
/// <code>
/// [Sequential(Seed = 42)]
/// [Input(10, 1)]
/// [Lstm(50, ReturnSequences = true)]
/// [Lstm(50)]
/// [Dense(1)]
/// public partial class StockModel;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SequentialAttribute : Attribute
{
    /// <summary>Sequences up to this many steps are unrolled under <see cref="UnrollPolicy.Auto"/>.</summary>
    public const int AutoUnrollMaxSteps = 16;

    /// <summary>The hard cap on unrolled steps, whatever the policy: longer sequences always loop.</summary>
    public const int MaxUnrolledSteps = 128;

    /// <summary>Seed of the weight initialisers (each weight draws from its own stream derived from this seed and its name). Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Unrolling of the time loop in the generated code. Default <see cref="UnrollPolicy.Auto"/>.</summary>
    public UnrollPolicy Unroll { get; set; }

    /// <summary>
    /// The loss the model is trained with (Keras's <c>compile(loss=...)</c>). When declared, the analyzer warns if the
    /// output cannot fit it (LSTMGEN115) and the model gets a <c>DeclaredLoss</c> property to pass to Fit.
    /// </summary>
    public LossKind Loss { get; set; }
}

/// <summary>Base class of the layer attributes.</summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer's name, which prefixes its weight names (<c>name/kernel</c>). When not set, the layer is named as Keras names it
    /// in a Sequential model: the class name in snake case, then <c>_1</c>, <c>_2</c>, ... for later layers of the same class.
    /// </summary>
    public string? Name { get; set; }
}

/// <summary>
/// The input shape of one sample, without the batch axis, as Keras's <c>Input(shape=...)</c>:
/// <c>[Input(10, 1)]</c> is 10 steps of 1 feature, <c>[Input(4)]</c> is 4 features, and before an
/// <see cref="EmbeddingAttribute"/> <c>[Input(20)]</c> is 20 token ids.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares the input shape.</summary>
    /// <param name="shape">One or two positive sizes: (features) or (steps, features); (steps) of token ids before an Embedding.</param>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The declared shape.</summary>
    public int[] Shape { get; }
}

/// <summary>
/// A fully connected layer (Keras <c>Dense</c>): <c>activation(x · kernel + bias)</c> over the last axis,
/// so on a sequence it applies to every step. Weights: <c>kernel</c> (in, units), <c>bias</c> (units).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Declares a Dense layer.</summary>
    /// <param name="units">Output size (positive).</param>
    public DenseAttribute(int units) => Units = units;

    /// <summary>Output size.</summary>
    public int Units { get; }

    /// <summary>Activation. Default <see cref="Activation.Linear"/>.</summary>
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Whether the layer has a bias. Default true.</summary>
    public bool UseBias { get; set; } = true;
}

/// <summary>
/// Maps token ids to dense vectors (Keras <c>Embedding</c>). Must follow the <see cref="InputAttribute"/> directly;
/// the input is then a sequence of token ids. Weight: <c>embeddings</c> (inputDim, outputDim).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute : LayerAttribute
{
    /// <summary>Declares an Embedding layer.</summary>
    /// <param name="inputDim">Vocabulary size: token ids are in [0, inputDim).</param>
    /// <param name="outputDim">Size of each embedding vector.</param>
    public EmbeddingAttribute(int inputDim, int outputDim)
    {
        InputDim = inputDim;
        OutputDim = outputDim;
    }

    /// <summary>Vocabulary size.</summary>
    public int InputDim { get; }

    /// <summary>Embedding size.</summary>
    public int OutputDim { get; }

    /// <summary>
    /// When true, token id 0 is padding: the recurrent layers downstream skip those steps (their state is carried unchanged),
    /// as Keras's <c>mask_zero=True</c>. Default false.
    /// </summary>
    public bool MaskZero { get; set; }
}

/// <summary>
/// The arguments every recurrent layer takes (Keras's RNN arguments), with Keras's defaults: <see cref="LstmAttribute"/>,
/// <see cref="GruAttribute"/> and <see cref="SimpleRnnAttribute"/>.
/// </summary>
public abstract class RecurrentAttribute : LayerAttribute
{
    /// <summary>Declares a recurrent layer.</summary>
    /// <param name="units">Size of the hidden state (positive).</param>
    protected RecurrentAttribute(int units) => Units = units;

    /// <summary>Size of the hidden state.</summary>
    public int Units { get; }

    /// <summary>Return the output of every step (batch, steps, units) rather than the last one (batch, units). Default false.</summary>
    public bool ReturnSequences { get; set; }

    /// <summary>Also return the final states (last layer only); they can be predicted and trained. Default false.</summary>
    public bool ReturnState { get; set; }

    /// <summary>Process the sequence backwards and return the reversed sequence, as Keras. Default false.</summary>
    public bool GoBackwards { get; set; }

    /// <summary>Activation of the candidate state (and of an LSTM's output). Default <see cref="Activation.Tanh"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;

    /// <summary>Whether the layer has a bias. Default true.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// Keras <c>dropout</c>: the fraction of the input features dropped in training, in [0, 1). One mask per sequence, the
    /// same at every step; inverted (kept values scaled by 1 / (1 - rate)); off in Predict, streams and Evaluate. Default 0.
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Keras <c>recurrent_dropout</c>: the fraction of the previous state dropped before the recurrent product in
    /// training, in [0, 1). One mask per sequence, the same at every step. Default 0.
    /// </summary>
    public double RecurrentDropout { get; set; }

    /// <summary>Seed of the dropout masks; when not set, derived from the model's seed and the layer's name.</summary>
    public int Seed { get; set; }
}

/// <summary>
/// A Long Short-Term Memory layer (Keras <c>LSTM</c>), with Keras's gate order (i, f, c, o) and weights
/// <c>kernel</c> (in, 4·units), <c>recurrent_kernel</c> (units, 4·units), <c>bias</c> (4·units). States: h and c.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute : RecurrentAttribute
{
    /// <summary>Declares an LSTM layer.</summary>
    /// <param name="units">Size of the hidden state (positive).</param>
    public LstmAttribute(int units) : base(units)
    {
    }

    /// <summary>Activation of the input, forget and output gates. Default <see cref="Activation.Sigmoid"/>.</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;

    /// <summary>Initialise the forget-gate bias to 1 (Keras's <c>unit_forget_bias</c>). Default true.</summary>
    public bool UnitForgetBias { get; set; } = true;
}

/// <summary>
/// A Gated Recurrent Unit layer (Keras <c>GRU</c>), gate order z, r, h. Weights: <c>kernel</c> (in, 3·units),
/// <c>recurrent_kernel</c> (units, 3·units), <c>bias</c>: (2, 3·units) with <see cref="ResetAfter"/> (input bias, then
/// recurrent bias), else (3·units). State: h.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute : RecurrentAttribute
{
    /// <summary>Declares a GRU layer.</summary>
    /// <param name="units">Size of the hidden state (positive).</param>
    public GruAttribute(int units) : base(units)
    {
    }

    /// <summary>Activation of the update and reset gates. Default <see cref="Activation.Sigmoid"/>.</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;

    /// <summary>
    /// Keras <c>reset_after</c>: apply the reset gate after the recurrent product (Keras 3's default and the cuDNN and
    /// PyTorch form, with separate input and recurrent biases) rather than before it (Keras 2's default). Default true.
    /// </summary>
    public bool ResetAfter { get; set; } = true;
}

/// <summary>
/// A fully connected recurrent layer (Keras <c>SimpleRNN</c>): h = activation(x · kernel + h_prev · recurrent_kernel + bias).
/// Weights: <c>kernel</c> (in, units), <c>recurrent_kernel</c> (units, units), <c>bias</c> (units). State: h.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRnnAttribute : RecurrentAttribute
{
    /// <summary>Declares a SimpleRNN layer.</summary>
    /// <param name="units">Size of the hidden state (positive).</param>
    public SimpleRnnAttribute(int units) : base(units)
    {
    }
}

/// <summary>
/// Keras <c>Dropout</c>: in training (Fit, TrainStep, ComputeGradients) each value is dropped with probability
/// <see cref="Rate"/> and the others scaled by 1 / (1 - rate); the identity in Predict, streams and Evaluate.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Declares a Dropout layer.</summary>
    /// <param name="rate">Fraction of the values dropped, in [0, 1).</param>
    public DropoutAttribute(double rate) => Rate = rate;

    /// <summary>Fraction of the values dropped.</summary>
    public double Rate { get; }

    /// <summary>Seed of the masks; when not set, derived from the model's seed and the layer's name.</summary>
    public int Seed { get; set; }
}

/// <summary>
/// Keras <c>SpatialDropout1D</c>: as <see cref="DropoutAttribute"/>, but drops whole features (channels) of a sequence,
/// the same ones at every step.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SpatialDropout1DAttribute : LayerAttribute
{
    /// <summary>Declares a SpatialDropout1D layer.</summary>
    /// <param name="rate">Fraction of the features dropped, in [0, 1).</param>
    public SpatialDropout1DAttribute(double rate) => Rate = rate;

    /// <summary>Fraction of the features dropped.</summary>
    public double Rate { get; }

    /// <summary>Seed of the masks; when not set, derived from the model's seed and the layer's name.</summary>
    public int Seed { get; set; }
}

/// <summary>Keras <c>Activation</c>: applies an activation element-wise (softmax over the last axis).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ActivationAttribute : LayerAttribute
{
    /// <summary>Declares an Activation layer.</summary>
    /// <param name="activation">The activation.</param>
    public ActivationAttribute(Activation activation) => Activation = activation;

    /// <summary>The activation.</summary>
    public Activation Activation { get; }
}

/// <summary>
/// Wraps the recurrent layer (LSTM, GRU or SimpleRNN) declared by the next attribute so that it runs over the sequence in
/// both directions (Keras <c>Bidirectional</c>). Write it in the same attribute list: <c>[Bidirectional(MergeMode.Sum), Lstm(32)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BidirectionalAttribute : LayerAttribute
{
    /// <summary>Declares a Bidirectional wrapper.</summary>
    /// <param name="mergeMode">How the two directions are combined. Default <see cref="MergeMode.Concat"/>.</param>
    public BidirectionalAttribute(MergeMode mergeMode = MergeMode.Concat) => MergeMode = mergeMode;

    /// <summary>How the two directions are combined.</summary>
    public MergeMode MergeMode { get; }
}

/// <summary>
/// Applies the Dense layer declared by the next attribute to every step of a sequence (Keras <c>TimeDistributed</c>).
/// Write it in the same attribute list: <c>[TimeDistributed, Dense(2)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TimeDistributedAttribute : LayerAttribute
{
}

/// <summary>Repeats a vector (batch, features) <c>n</c> times into a sequence (batch, n, features) (Keras <c>RepeatVector</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RepeatVectorAttribute : LayerAttribute
{
    /// <summary>Declares a RepeatVector layer.</summary>
    /// <param name="n">Number of repetitions (positive).</param>
    public RepeatVectorAttribute(int n) => N = n;

    /// <summary>Number of repetitions.</summary>
    public int N { get; }
}

/// <summary>Keeps the last <c>n</c> steps of a sequence, as Keras's <c>Lambda(lambda x: x[:, -n:, :])</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SliceLastAttribute : LayerAttribute
{
    /// <summary>Declares a SliceLast layer.</summary>
    /// <param name="n">Number of steps kept, from 1 to the sequence length.</param>
    public SliceLastAttribute(int n) => N = n;

    /// <summary>Number of steps kept.</summary>
    public int N { get; }
}

/// <summary>Pads a sequence with zero steps at its start and end (Keras <c>ZeroPadding1D((left, right))</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ZeroPadding1DAttribute : LayerAttribute
{
    /// <summary>Pads <paramref name="padding"/> zero steps at both ends (Keras <c>ZeroPadding1D(padding)</c>).</summary>
    public ZeroPadding1DAttribute(int padding) : this(padding, padding)
    {
    }

    /// <summary>Pads <paramref name="left"/> zero steps before and <paramref name="right"/> after the sequence.</summary>
    public ZeroPadding1DAttribute(int left, int right)
    {
        Left = left;
        Right = right;
    }

    /// <summary>Zero steps before the sequence.</summary>
    public int Left { get; }

    /// <summary>Zero steps after the sequence.</summary>
    public int Right { get; }
}

/// <summary>
/// Keras <c>Conv1D</c>: a temporal convolution, <c>activation(window · kernel + bias)</c> for each output step. Weights:
/// <c>kernel</c> (kernelSize, in, filters), <c>bias</c> (filters). Masks stop here, as in Keras.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute : LayerAttribute
{
    /// <summary>Declares a Conv1D layer.</summary>
    /// <param name="filters">Output channels (positive).</param>
    /// <param name="kernelSize">Window length in steps (positive).</param>
    public Conv1DAttribute(int filters, int kernelSize)
    {
        Filters = filters;
        KernelSize = kernelSize;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Window length in steps.</summary>
    public int KernelSize { get; }

    /// <summary>Steps between windows. Default 1.</summary>
    public int Strides { get; set; } = 1;

    /// <summary>Padding. Default <see cref="PaddingMode.Valid"/>.</summary>
    public PaddingMode Padding { get; set; } = PaddingMode.Valid;

    /// <summary>Spacing of the window's taps (Keras <c>dilation_rate</c>); cannot exceed 1 together with Strides. Default 1.</summary>
    public int DilationRate { get; set; } = 1;

    /// <summary>Activation. Default <see cref="Activation.Linear"/>.</summary>
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Whether the layer has a bias. Default true.</summary>
    public bool UseBias { get; set; } = true;
}

/// <summary>Keras <c>MaxPooling1D</c>: the maximum over windows of steps. Masks stop here.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPooling1DAttribute : LayerAttribute
{
    /// <summary>Declares a MaxPooling1D layer.</summary>
    /// <param name="poolSize">Window length in steps. Default 2.</param>
    public MaxPooling1DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>Window length in steps.</summary>
    public int PoolSize { get; }

    /// <summary>Steps between windows; when not set, the pool size (Keras's <c>strides=None</c>).</summary>
    public int Strides { get; set; }

    /// <summary>Padding: <see cref="PaddingMode.Valid"/> (default) or <see cref="PaddingMode.Same"/>.</summary>
    public PaddingMode Padding { get; set; } = PaddingMode.Valid;
}

/// <summary>Keras <c>AveragePooling1D</c>: the mean over windows of steps (over the steps inside the sequence with 'same'). Masks stop here.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AveragePooling1DAttribute : LayerAttribute
{
    /// <summary>Declares an AveragePooling1D layer.</summary>
    /// <param name="poolSize">Window length in steps. Default 2.</param>
    public AveragePooling1DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>Window length in steps.</summary>
    public int PoolSize { get; }

    /// <summary>Steps between windows; when not set, the pool size (Keras's <c>strides=None</c>).</summary>
    public int Strides { get; set; }

    /// <summary>Padding: <see cref="PaddingMode.Valid"/> (default) or <see cref="PaddingMode.Same"/>.</summary>
    public PaddingMode Padding { get; set; } = PaddingMode.Valid;
}

/// <summary>Keras <c>GlobalMaxPooling1D</c>: the maximum over all steps, a sequence to a vector (keepdims is not supported).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalMaxPooling1DAttribute : LayerAttribute
{
}

/// <summary>
/// Keras <c>GlobalAveragePooling1D</c>: the mean over the steps, a sequence to a vector; where a mask flows, over the
/// unmasked steps (a sample with every step masked gives 0; Keras would divide by zero).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : LayerAttribute
{
}

/// <summary>Keras <c>Flatten</c>: a sequence (steps, features) to a vector (steps · features), step by step.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
}

/// <summary>
/// Keras <c>Reshape</c>: the same values in another shape per sample, (features) or (steps, features), in row-major
/// order; one dimension may be -1 (inferred). The element counts are checked at compile time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReshapeAttribute : LayerAttribute
{
    /// <summary>Declares a Reshape layer.</summary>
    /// <param name="targetShape">One or two sizes per sample; one may be -1.</param>
    public ReshapeAttribute(params int[] targetShape) => TargetShape = targetShape;

    /// <summary>The target shape per sample.</summary>
    public int[] TargetShape { get; }
}

/// <summary>
/// Keras <c>BatchNormalization</c> over the last axis. Inference normalises with the moving statistics; training with
/// the batch's (over the rows of a pass of at most MaxBatch samples, unmasked rows where a mask flows) and moves the
/// moving statistics toward them. Weights: <c>gamma</c>, <c>beta</c> (trainable), <c>moving_mean</c>,
/// <c>moving_variance</c> (updated by training passes, never by the optimiser).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormalizationAttribute : LayerAttribute
{
    /// <summary>Axis normalised; only the last (-1) is supported. Default -1.</summary>
    public int Axis { get; set; } = -1;

    /// <summary>Momentum of the moving statistics. Default 0.99.</summary>
    public double Momentum { get; set; } = 0.99;

    /// <summary>Added to the variance. Default 1e-3.</summary>
    public double Epsilon { get; set; } = 1e-3;

    /// <summary>Whether to add <c>beta</c>. Default true.</summary>
    public bool Center { get; set; } = true;

    /// <summary>Whether to multiply by <c>gamma</c>. Default true.</summary>
    public bool Scale { get; set; } = true;
}

/// <summary>Keras <c>LayerNormalization</c> over the last axis of each step. Weights: <c>gamma</c>, <c>beta</c>. Masks pass through.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormalizationAttribute : LayerAttribute
{
    /// <summary>Axis normalised; only the last (-1) is supported. Default -1.</summary>
    public int Axis { get; set; } = -1;

    /// <summary>Added to the variance. Default 1e-3.</summary>
    public double Epsilon { get; set; } = 1e-3;

    /// <summary>Whether to add <c>beta</c>. Default true.</summary>
    public bool Center { get; set; } = true;

    /// <summary>Whether to multiply by <c>gamma</c>. Default true.</summary>
    public bool Scale { get; set; } = true;
}

/// <summary>
/// Keras <c>Masking</c> for float sequences: a step whose features all equal <see cref="MaskValue"/> is masked (set to
/// zero, and skipped by the recurrent layers after it, which carry their state), as Embedding's MaskZero does for tokens.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaskingAttribute : LayerAttribute
{
    /// <summary>Declares a Masking layer.</summary>
    /// <param name="maskValue">The value that marks a padding step. Default 0.</param>
    public MaskingAttribute(double maskValue = 0) => MaskValue = maskValue;

    /// <summary>The value that marks a padding step.</summary>
    public double MaskValue { get; }
}
