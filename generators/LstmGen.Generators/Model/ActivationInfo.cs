namespace LstmGen.Generators.Model;

/// <summary>Facts about activations that validation and emission need.</summary>
internal static class ActivationInfo
{
    /// <summary>The largest <see cref="ActivationKind"/> value.</summary>
    public const int Max = (int)ActivationKind.Exponential;

    /// <summary>True for activations applied element by element (every one but softmax).</summary>
    public static bool IsElementwise(ActivationKind kind) => kind != ActivationKind.Softmax;

    /// <summary>
    /// True when the derivative cannot be computed from the activation's output alone (gelu and swish are not
    /// invertible), so the backward pass needs the pre-activation values kept.
    /// </summary>
    public static bool NeedsInput(ActivationKind kind) => kind is ActivationKind.Gelu or ActivationKind.Swish;

    /// <summary>The runtime enum member: <c>global::LstmGen.Activation.Tanh</c>.</summary>
    public static string Expression(ActivationKind kind) => "global::LstmGen.Activation." + kind;
}
