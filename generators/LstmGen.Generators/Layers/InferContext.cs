using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;

namespace LstmGen.Generators.Layers;

/// <summary>
/// What a unit's shape rule sees of the model while <see cref="TopologyValidator"/> walks the layers: the layer's spec,
/// names and input, the layer before, the mask flowing in, and helpers that report the common diagnostics and lay out
/// weights in the flat buffer.
/// </summary>
internal sealed class InferContext
{
    private readonly List<WeightPlan> _weights;
    private int _offset;

    public InferContext(NetworkSpec network, List<DiagnosticInfo> diagnostics, List<WeightPlan> weights)
    {
        Network = network;
        Diagnostics = diagnostics;
        _weights = weights;
    }

    public NetworkSpec Network { get; }

    public List<DiagnosticInfo> Diagnostics { get; }

    /// <summary>The layer's plan so far: number, spec, names, input shape, incoming mask.</summary>
    public LayerPlan Plan { get; internal set; } = null!;

    public LayerSpec Spec => Plan.Spec;

    public TensorShape In => Plan.In;

    /// <summary>A mask this layer computes, flowing out of it.</summary>
    public MaskSource NewMask => new(Plan.Number, Who);

    /// <summary>How messages name the layer: <c>Lstm 'lstm_1'</c>.</summary>
    public string Who => Plan.Display;

    /// <summary>Where the input comes from, for messages: <c>the input</c> or <c>'lstm'</c>.</summary>
    public string From { get; internal set; } = "the input";

    /// <summary>The layer before, or null for the first.</summary>
    public LayerPlan? Producer { get; internal set; }

    public bool IsFirst { get; internal set; }

    public bool IsLast { get; internal set; }

    /// <summary>The model's input shape (token count as features for token input).</summary>
    public TensorShape ModelInput { get; internal set; }

    /// <summary>True when the model's input is token ids (an Embedding comes first).</summary>
    public bool TokenInput { get; internal set; }

    /// <summary>Parameters laid out so far (the offset of the next weight).</summary>
    public int ParameterCount => _offset;

    /// <summary>The weights of the layers so far (for the size checks).</summary>
    public IReadOnlyList<WeightPlan> AllWeights => _weights;

    // ---- Diagnostics ---------------------------------------------------------------------------------------------

    public void Report(string id, int attributeIndex, string? argument, params string[] args) =>
        Diagnostics.Add(DiagnosticInfo.Create(id, attributeIndex, argument, args));

    public static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>LSTMGEN103 unless <paramref name="value"/> &gt; 0.</summary>
    public bool Positive(int value, string argument, string what)
    {
        if (value > 0)
        {
            return true;
        }
        Report(DiagnosticDescriptors.NonPositiveSizeId, Spec.AttributeIndex, argument, Who, what, "positive", Num(value));
        return false;
    }

    /// <summary>LSTMGEN103 unless <paramref name="value"/> ≥ 0.</summary>
    public bool NonNegative(int value, string argument)
    {
        if (value >= 0)
        {
            return true;
        }
        Report(DiagnosticDescriptors.NonPositiveSizeId, Spec.AttributeIndex, argument, Who, argument, "zero or more", Num(value));
        return false;
    }

    /// <summary>LSTMGEN106 unless the input is a sequence.</summary>
    public bool NeedsSequence(int attributeIndex)
    {
        if (In.IsSequence)
        {
            return true;
        }
        Report(DiagnosticDescriptors.LayerNeedsSequenceId, attributeIndex, null, Who, In.ToString(), From);
        return false;
    }

    /// <summary>LSTMGEN109 when a mask flows into a layer that cannot carry it.</summary>
    public bool MaskFree()
    {
        if (Plan.MaskIn is null)
        {
            return true;
        }
        Report(DiagnosticDescriptors.MaskNotSupportedId, Spec.AttributeIndex, null, Who, Plan.MaskIn.Display);
        return false;
    }

    /// <summary>Whether a recurrent layer over <paramref name="steps"/> steps is unrolled (LSTMGEN201 when capped).</summary>
    public bool Unroll(int steps)
    {
        if (Network.Unroll == UnrollKind.Never)
        {
            return false;
        }
        int limit = Network.Unroll == UnrollKind.Always ? TopologyValidator.MaxUnrolledSteps : TopologyValidator.AutoUnrollMaxSteps;
        if (steps <= limit)
        {
            return true;
        }
        Report(DiagnosticDescriptors.UnrollCappedId, Spec.PrimaryAttributeIndex, null, Who, Num(steps), Num(limit),
            Network.Unroll == UnrollKind.Always ? "Always" : "Auto");
        return false;
    }

    // ---- Weights ---------------------------------------------------------------------------------------------------

    /// <summary>Lays out a weight after the previous ones and adds it to <paramref name="plan"/>.</summary>
    public LayerPlan AddWeight(LayerPlan plan, string name, string initializer, params int[] shape) =>
        AddWeight(plan, name, initializer, trainable: true, shape);

    /// <summary>Lays out a weight that the optimisers may leave alone (<paramref name="trainable"/> false: moving statistics).</summary>
    public LayerPlan AddWeight(LayerPlan plan, string name, string initializer, bool trainable, params int[] shape)
    {
        int length = 1;
        foreach (int d in shape) length = unchecked(length * d); // sizes are checked (LSTMGEN114) after the layer's rule
        var weight = new WeightPlan(name, shape.ToImmutableArray(), _offset, length, initializer, trainable);
        _weights.Add(weight);
        _offset = unchecked(_offset + length);
        return plan with { Weights = plan.Weights.Add(weight) };
    }

    /// <summary>The weight's size in 64-bit arithmetic.</summary>
    public static long Size(WeightPlan weight)
    {
        long length = 1;
        foreach (int d in weight.Shape) length *= d;
        return length;
    }
}
