using System;
using System.Collections.Generic;

namespace LstmGen;

/// <summary>How a weight is initialised, following Keras's defaults for its layer.</summary>
public enum WeightInitializer
{
    /// <summary>Zeros (biases).</summary>
    Zeros = 0,
    /// <summary>Keras <c>glorot_uniform</c>: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (kernels).</summary>
    GlorotUniform = 1,
    /// <summary>Keras <c>orthogonal</c> with gain 1 (LSTM recurrent kernels).</summary>
    Orthogonal = 2,
    /// <summary>Zeros, with the forget-gate block (second quarter) at 1: Keras's <c>unit_forget_bias=True</c>.</summary>
    UnitForgetBias = 3,
    /// <summary>Keras <c>RandomUniform(-0.05, 0.05)</c> (embeddings).</summary>
    Uniform005 = 4,
    /// <summary>Ones (normalisation scales <c>gamma</c>, BatchNormalization's <c>moving_variance</c>).</summary>
    Ones = 5,
}

/// <summary>One named weight of a model: its Keras name, Keras shape, place in the flat parameter buffer and initialiser.</summary>
public sealed class WeightInfo
{
    /// <summary>Describes a weight.</summary>
    /// <param name="name">Keras weight name.</param>
    /// <param name="shape">Keras shape.</param>
    /// <param name="offset">Start in the flat parameter buffer.</param>
    /// <param name="initializer">Keras initialiser.</param>
    /// <param name="trainable">False for state that training updates by other rules than gradients (BatchNormalization's
    /// moving statistics): optimisers leave it alone.</param>
    public WeightInfo(string name, int[] shape, int offset, WeightInitializer initializer, bool trainable = true)
    {
        Trainable = trainable;
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = (int[])shape.Clone();
        int length = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d, nameof(shape));
            length = checked(length * d);
        }
        Length = length;
        Offset = offset;
        Initializer = initializer;
    }

    /// <summary>The Keras weight name, e.g. <c>lstm/kernel</c>.</summary>
    public string Name { get; }

    private int[] Shape { get; }

    /// <summary>The Keras shape, e.g. (input features, 4·units) for an LSTM kernel.</summary>
    public IReadOnlyList<int> Dimensions => Shape;

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>Start of this weight in the flat parameter buffer.</summary>
    public int Offset { get; }

    /// <summary>How the weight is initialised.</summary>
    public WeightInitializer Initializer { get; }

    /// <summary>False for a weight the optimisers leave alone (Keras's non-trainable weights, e.g. moving statistics).</summary>
    public bool Trainable { get; }

    /// <summary>The shape as Keras prints it, e.g. <c>(3, 20)</c>.</summary>
    public string ShapeText => "(" + string.Join(", ", Shape) + ")";

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText}";
}
