using System.Collections.Generic;
using LstmGen.Generators.Validation;

namespace LstmGen.Generators.Emit;

/// <summary>
/// The members the emitter declares on a model type, by name (and, for methods, by parameter types in the form
/// <c>ITypeSymbol.ToDisplayString()</c> gives, <c>in </c> for in-parameters): the validator checks the user's own members
/// against them (LSTMGEN010), so that a clash is a diagnostic on the model rather than a compile error in generated code.
/// Keep in step with <see cref="SequentialGenerator.Emitter"/>, <see cref="BackwardEmitter"/> and <see cref="StreamEmitter"/>.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Every name the emitter may declare, whatever the model (the class itself must not be named like one: CS0542).</summary>
    public static readonly HashSet<string> AllNames = new(System.StringComparer.Ordinal)
    {
        "InputLength", "InputSteps", "InputFeatures", "Vocabulary", "OutputLength", "OutputSteps", "OutputFeatures",
        "StateLength", "ParameterCount", "Summary", "InputShape", "OutputShape", "Weights", "MaxBatch", "Predict",
        "PredictBatch", "OpenStream", "Streamer", "DeclaredLoss", "Gradients", "ComputeGradients", "ComputeLoss", "TargetLength",
        "CreateReplica", "Architecture", "DropoutPasses",
    };

    /// <summary>The non-method members this model declares.</summary>
    public static IEnumerable<string> Members(ModelPlan plan)
    {
        yield return "InputLength";
        if (plan.Input.IsSequence && !plan.TokenInput)
        {
            yield return "InputSteps";
            yield return "InputFeatures";
        }
        if (plan.TokenInput) yield return "Vocabulary";
        yield return "OutputLength";
        if (plan.Output.IsSequence) yield return "OutputSteps";
        yield return "OutputFeatures";
        if (plan.HasReturnState) yield return "StateLength";
        if (plan.Spec.Loss != 0) yield return "DeclaredLoss";
        if (plan.Stochastic) yield return "DropoutPasses";
        if (plan.Streamable) yield return "Streamer";
        foreach (string name in new[] { "ParameterCount", "Summary", "InputShape", "OutputShape", "Weights", "MaxBatch", "Gradients", "Architecture" })
        {
            yield return name;
        }
    }

    /// <summary>The public methods this model declares: name and parameter types.</summary>
    public static IEnumerable<(string Name, string[] Parameters)> Methods(ModelPlan plan)
    {
        string e = plan.TokenInput ? "int" : "float";
        string input = $"System.ReadOnlySpan<{e}>";
        const string span = "System.Span<float>", ro = "System.ReadOnlySpan<float>", loss = "LstmGen.Loss";
        int states = plan.States.Count;
        yield return ("Predict", new[] { input, span });
        yield return ("Predict", new[] { input });
        if (states > 0)
        {
            var withStates = new List<string> { input, span };
            for (int i = 0; i < states; i++) withStates.Add(span);
            yield return ("Predict", withStates.ToArray());
            withStates.Add("int");
            yield return ("PredictBatch", withStates.ToArray());
        }
        yield return ("PredictBatch", new[] { input, span, "int" });
        if (!plan.TokenInput)
        {
            yield return ("PredictBatch", new[] { "in System.Numerics.Tensors.ReadOnlyTensorSpan<float>", "in System.Numerics.Tensors.TensorSpan<float>" });
        }
        yield return ("ComputeGradients", new[] { input, ro, "int", loss, span, span, "bool" });
        yield return ("ComputeLoss", new[] { input, ro, "int", loss, span });
        yield return ("TargetLength", new[] { loss });
        yield return ("CreateReplica", System.Array.Empty<string>());
        if (plan.Streamable)
        {
            yield return ("OpenStream", System.Array.Empty<string>());
        }
    }
}
