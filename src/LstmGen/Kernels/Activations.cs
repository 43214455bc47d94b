using System;
using System.Numerics.Tensors;

namespace LstmGen;

/// <summary>
/// Keras's element-wise activations beyond the classic four (linear, relu, tanh, sigmoid, whose fast paths live beside
/// the kernels that use them), with their derivatives. Keras 3's definitions and constants
/// (keras/src/activations/activations.py).
/// </summary>
internal static class ActivationMath
{
    /// <summary>SELU's alpha and scale (Klambauer et al.; Keras's constants).</summary>
    public const float SeluAlpha = 1.67326324235437728481f;
    public const float SeluScale = 1.05070098735548049342f;

    /// <summary>Keras 3's default negative slope of <c>leaky_relu</c>.</summary>
    public const float LeakySlope = 0.2f;

    /// <summary>True when the derivative needs the activation's input (gelu and swish are not invertible from their output).</summary>
    public static bool NeedsInput(Activation activation) => activation is Activation.Gelu or Activation.Swish;

    /// <summary>The activation of one value (softmax is not element-wise and is refused).</summary>
    public static float Apply(Activation activation, float x) => activation switch
    {
        Activation.Linear => x,
        Activation.Relu => x > 0f ? x : 0f,
        Activation.Tanh => MathF.Tanh(x),
        Activation.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        Activation.HardSigmoid => Math.Clamp(x + 3f, 0f, 6f) / 6f,
        Activation.HardSigmoidKeras2 => Math.Clamp(0.2f * x + 0.5f, 0f, 1f),
        Activation.Elu => x > 0f ? x : MathF.Exp(x) - 1f,
        Activation.Selu => x > 0f ? SeluScale * x : SeluScale * SeluAlpha * (MathF.Exp(x) - 1f),
        Activation.Gelu => (float)(0.5 * x * (1.0 + Erf(x / Math.Sqrt(2.0)))),
        Activation.Softplus => Softplus(x),
        Activation.Softsign => x / (1f + MathF.Abs(x)),
        Activation.Swish => x / (1f + MathF.Exp(-x)),
        Activation.LeakyRelu => x > 0f ? x : LeakySlope * x,
        Activation.Exponential => MathF.Exp(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Not an element-wise activation."),
    };

    /// <summary>
    /// The derivative at the point where the activation took <paramref name="x"/> and gave <paramref name="y"/>. Only gelu
    /// and swish read <paramref name="x"/> (see <see cref="NeedsInput"/>); the others use the output.
    /// </summary>
    public static float Derivative(Activation activation, float x, float y)
    {
        switch (activation)
        {
            case Activation.Linear: return 1f;
            case Activation.Relu: return y > 0f ? 1f : 0f;
            case Activation.Tanh: return 1f - y * y;
            case Activation.Sigmoid: return y * (1f - y);
            case Activation.HardSigmoid: return y > 0f && y < 1f ? 1f / 6f : 0f;
            case Activation.HardSigmoidKeras2: return y > 0f && y < 1f ? 0.2f : 0f;
            case Activation.Elu: return y > 0f ? 1f : y + 1f;
            case Activation.Selu: return y > 0f ? SeluScale : y + SeluScale * SeluAlpha;
            case Activation.Softplus: return (float)-double.ExpM1(-(double)y); // sigmoid(x) = 1 - exp(-y)
            case Activation.Softsign:
                float d = 1f - MathF.Abs(y); // 1 / (1 + |x|)
                return d * d;
            case Activation.LeakyRelu: return y > 0f ? 1f : LeakySlope;
            case Activation.Exponential: return y;
            case Activation.Gelu:
                double xd = x;
                return (float)(0.5 * (1.0 + Erf(xd / Math.Sqrt(2.0))) + xd * Math.Exp(-0.5 * xd * xd) / Math.Sqrt(2.0 * Math.PI));
            case Activation.Swish:
                float sg = 1f / (1f + MathF.Exp(-x));
                return sg * (1f + x * (1f - sg));
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Not an element-wise activation.");
        }
    }

    /// <summary>Applies an element-wise activation in place (vectorised where Keras's formula allows it).</summary>
    public static void Apply(Activation activation, Span<float> v)
    {
        switch (activation)
        {
            case Activation.Linear:
                return;
            case Activation.Relu:
                TensorPrimitives.Max(v, 0f, v);
                return;
            case Activation.Tanh:
                TensorPrimitives.Tanh(v, v);
                return;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(v, v);
                return;
            case Activation.HardSigmoid: // relu6(x + 3) / 6, in Keras's order of operations
                TensorPrimitives.Add(v, 3f, v);
                TensorPrimitives.Clamp(v, 0f, 6f, v);
                TensorPrimitives.Divide(v, 6f, v);
                return;
            case Activation.HardSigmoidKeras2:
                TensorPrimitives.Multiply(v, 0.2f, v);
                TensorPrimitives.Add(v, 0.5f, v);
                TensorPrimitives.Clamp(v, 0f, 1f, v);
                return;
            case Activation.Exponential:
                TensorPrimitives.Exp(v, v);
                return;
            default:
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = Apply(activation, v[i]);
                }
                return;
        }
    }

    /// <summary><paramref name="dy"/> ← dy ⊙ f'(x), element-wise; <paramref name="x"/> may be empty unless <see cref="NeedsInput"/>.</summary>
    public static void Backward(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dy)
    {
        if (NeedsInput(activation) && x.Length < dy.Length)
        {
            throw new ArgumentException($"The derivative of {activation} needs the activation's input values.", nameof(x));
        }
        for (int i = 0; i < dy.Length; i++)
        {
            dy[i] *= Derivative(activation, x.IsEmpty ? 0f : x[i], y[i]);
        }
    }

    /// <summary>log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).</summary>
    private static float Softplus(float x) => MathF.Max(x, 0f) + (float)Math.Log(1.0 + Math.Exp(-Math.Abs((double)x)));

    /// <summary>
    /// The error function in double precision (W. J. Cody's rational approximations, relative error below 1e-15 in
    /// double; more than enough for float32 gelu).
    /// </summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double result;
        if (ax <= 0.5)
        {
            double t = x * x;
            double top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947;
            double bottom = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
            return x * top / bottom;
        }
        if (ax <= 4.0)
        {
            double top = (((((((2.15311535474403846e-8 * ax + 5.64188496988670089e-1) * ax + 8.88314979438837594) * ax + 66.1191906371416295) * ax
                + 298.635138197400131) * ax + 881.952221241769090) * ax + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
            double bottom = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax + 1621.38957456669019) * ax
                + 3290.79923573345963) * ax + 4362.61909014324716) * ax + 3439.36767414372164) * ax + 1230.33935480374942;
            result = 1.0 - Math.Exp(-ax * ax) * top / bottom;
        }
        else if (ax < 6.0)
        {
            double z = 1.0 / (ax * ax);
            double top = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z + 3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z
                + 1.60837851487422766e-2) * z + 6.58749161529837803e-4;
            double bottom = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z
                + 2.33520497626869185e-3;
            double r = z * top / bottom;
            r = (1.0 / Math.Sqrt(Math.PI) - r) / ax;
            result = 1.0 - Math.Exp(-ax * ax) * r;
        }
        else
        {
            result = 1.0;
        }
        return x < 0 ? -result : result;
    }
}
