namespace LstmGen;

/// <summary>Element-wise activation functions, with Keras's definitions.</summary>
public enum Activation
{
    /// <summary><c>linear</c>: the identity (Keras's default for <c>Dense</c>).</summary>
    Linear = 0,
    /// <summary><c>relu</c>: <c>max(x, 0)</c>.</summary>
    Relu = 1,
    /// <summary><c>tanh</c>: the hyperbolic tangent (Keras's default LSTM activation).</summary>
    Tanh = 2,
    /// <summary><c>sigmoid</c>: <c>1 / (1 + exp(-x))</c> (Keras's default LSTM recurrent activation).</summary>
    Sigmoid = 3,
    /// <summary><c>softmax</c> over the last axis (Dense and Activation layers only).</summary>
    Softmax = 4,
    /// <summary><c>hard_sigmoid</c> as Keras 3 defines it: <c>relu6(x + 3) / 6</c>, i.e. <c>clip(x / 6 + 0.5, 0, 1)</c>.</summary>
    HardSigmoid = 5,
    /// <summary>
    /// <c>hard_sigmoid</c> as Keras 2 defined it: <c>clip(0.2 x + 0.5, 0, 1)</c>. Models trained with Keras 2 (tf.keras,
    /// Keras 2.x) that name hard_sigmoid (the Keras 2 default recurrent activation of GRU and LSTM layers) used this one.
    /// </summary>
    HardSigmoidKeras2 = 6,
    /// <summary><c>elu</c>: <c>x</c> for x &gt; 0, else <c>exp(x) - 1</c> (alpha 1).</summary>
    Elu = 7,
    /// <summary><c>selu</c>: <c>scale · elu(x, alpha)</c> with Keras's constants (alpha ≈ 1.6733, scale ≈ 1.0507).</summary>
    Selu = 8,
    /// <summary><c>gelu</c> (Keras's default, exact form): <c>0.5 x (1 + erf(x / √2))</c>.</summary>
    Gelu = 9,
    /// <summary><c>softplus</c>: <c>log(1 + exp(x))</c>.</summary>
    Softplus = 10,
    /// <summary><c>softsign</c>: <c>x / (1 + |x|)</c>.</summary>
    Softsign = 11,
    /// <summary><c>swish</c> (also <c>silu</c>): <c>x · sigmoid(x)</c>.</summary>
    Swish = 12,
    /// <summary><c>leaky_relu</c> with Keras 3's default slope: <c>x</c> for x &gt; 0, else <c>0.2 x</c>.</summary>
    LeakyRelu = 13,
    /// <summary><c>exponential</c>: <c>exp(x)</c>.</summary>
    Exponential = 14,
}

/// <summary>How <see cref="BidirectionalAttribute"/> combines the forward and backward outputs (Keras's <c>merge_mode</c>).</summary>
public enum MergeMode
{
    /// <summary><c>concat</c>: forward then backward along the feature axis (Keras's default).</summary>
    Concat = 0,
    /// <summary><c>sum</c>: element-wise sum.</summary>
    Sum = 1,
    /// <summary><c>mul</c>: element-wise product.</summary>
    Mul = 2,
    /// <summary><c>ave</c>: element-wise mean.</summary>
    Ave = 3,
}

/// <summary>Whether the generated code is written out step by step (Keras's <c>unroll=True</c>) or as a loop.</summary>
public enum UnrollPolicy
{
    /// <summary>Unroll sequences of at most <see cref="SequentialAttribute.AutoUnrollMaxSteps"/> steps, loop beyond.</summary>
    Auto = 0,
    /// <summary>Always emit loops.</summary>
    Never = 1,
    /// <summary>Unroll sequences up to <see cref="SequentialAttribute.MaxUnrolledSteps"/> steps (a hard cap that bounds code size), loop beyond.</summary>
    Always = 2,
}

/// <summary>The loss a model is meant to be trained with, declared on <see cref="SequentialAttribute.Loss"/> so that the analyzer can check that it fits the output.</summary>
public enum LossKind
{
    /// <summary>Not declared: nothing is checked.</summary>
    None = 0,
    /// <summary><see cref="Loss.MeanSquaredError"/>.</summary>
    MeanSquaredError = 1,
    /// <summary><see cref="Loss.MeanAbsoluteError"/>.</summary>
    MeanAbsoluteError = 2,
    /// <summary><see cref="Loss.BinaryCrossEntropy"/>: needs a sigmoid output.</summary>
    BinaryCrossEntropy = 3,
    /// <summary><see cref="Loss.BinaryCrossEntropyFromLogits"/>: needs a linear output.</summary>
    BinaryCrossEntropyFromLogits = 4,
    /// <summary><see cref="Loss.CategoricalCrossEntropy"/>: needs a softmax output of two or more classes.</summary>
    CategoricalCrossEntropy = 5,
    /// <summary><see cref="Loss.SparseCategoricalCrossEntropy"/>: needs a softmax output of two or more classes.</summary>
    SparseCategoricalCrossEntropy = 6,
}

/// <summary>How a convolution or pooling pads the sequence (Keras's <c>padding</c>).</summary>
public enum PaddingMode
{
    /// <summary><c>valid</c>: no padding; windows lie inside the sequence.</summary>
    Valid = 0,
    /// <summary><c>same</c>: zero padding (for pooling, windows clipped) so that the output has ceil(steps / strides) steps.</summary>
    Same = 1,
    /// <summary><c>causal</c> (Conv1D only): padding before the sequence only, so step t sees steps up to t.</summary>
    Causal = 2,
}
