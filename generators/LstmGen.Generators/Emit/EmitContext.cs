using System.Collections.Generic;
using System.Globalization;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;

namespace LstmGen.Generators.Emit;

/// <summary>A workspace array of the generated model, sized per sample and multiplied by MaxBatch at construction.</summary>
internal sealed record Buffer(string Field, string ElementType, int PerSample, string Comment, bool PerBatch = true);

/// <summary>State shared by the layer emitters while the Forward method is written.</summary>
internal sealed class EmitContext
{
    public EmitContext(ModelPlan plan, SourceWriter writer)
    {
        Plan = plan;
        W = writer;
    }

    /// <summary>A context writing to another writer that shares this one's buffers.</summary>
    public EmitContext WithWriter(SourceWriter writer) => new(Plan, writer, Buffers, Transposes);

    private EmitContext(ModelPlan plan, SourceWriter writer, List<Buffer> buffers, List<string> transposes)
    {
        Plan = plan;
        W = writer;
        Buffers = buffers;
        Transposes = transposes;
    }

    public ModelPlan Plan { get; }

    public SourceWriter W { get; }

    public List<Buffer> Buffers { get; } = new();

    /// <summary>Statements that transpose weights for the backward pass (run once per ComputeGradients call).</summary>
    public List<string> Transposes { get; } = new();

    /// <summary>The local holding the current tensor (time-major, ReadOnlySpan&lt;float&gt;).</summary>
    public string Current { get; set; } = "a0";

    public string AddBuffer(string field, int perSample, string comment, string elementType = "float")
    {
        Buffers.Add(new Buffer(field, elementType, perSample, comment));
        return field;
    }

    /// <summary>A buffer of a fixed size, not multiplied by MaxBatch (e.g. a transposed weight).</summary>
    public string AddFixedBuffer(string field, int size, string comment)
    {
        Buffers.Add(new Buffer(field, "float", size, comment, PerBatch: false));
        return field;
    }

    /// <summary>A view of a weight's gradient in the flat gradient buffer.</summary>
    public static string Gradient(WeightPlan w) => $"new global::System.Span<float>(__gp, {Num(w.Offset)}, {Num(w.Length)})";

    /// <summary><c>nb * k</c>, folded when k is 0 or 1.</summary>
    public static string Nb(int k) => k switch
    {
        0 => "0",
        1 => "nb",
        _ => "nb * " + Num(k),
    };

    public static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Activation(ActivationKind kind) => "global::LstmGen.Activation." + kind;

    public static string MergeMode(MergeModeKind kind) => "global::LstmGen.MergeMode." + kind;

    /// <summary>A view of a weight in the flat parameter buffer.</summary>
    public static string Weight(WeightPlan w) => $"new global::System.Span<float>(__p, {Num(w.Offset)}, {Num(w.Length)})";

    public const string Kernels = "global::LstmGen.Kernels";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan";
    public const string Span = "global::System.Span";
}
