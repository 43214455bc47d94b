using System.Collections.Generic;
using System.Globalization;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;

namespace LstmGen.Generators.Emit;

/// <summary>
/// A workspace array of the generated model, sized per sample and multiplied by MaxBatch at construction; or of a fixed
/// size; or made by <see cref="Allocation"/> (an expression that may read <c>maxBatch</c>) when it is not null.
/// </summary>
internal sealed record Buffer(string Field, string ElementType, int PerSample, string Comment, bool PerBatch = true, string? Allocation = null);

/// <summary>State shared by the layer units while the model's methods are written: the writer, workspaces, transposes.</summary>
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

    /// <summary>The local holding the mask (steps, batch) of the current tensor, or <c>default</c> when none flows.</summary>
    public string Mask { get; set; } = "default";

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

    /// <summary>
    /// A buffer for <c>Kernels.PackPanels</c> of a (k × n) right operand: k × n floats where packing can pay for up to
    /// MaxBatch rows on the CPU that runs the model, empty elsewhere (<c>Kernels.PanelBuffer</c> decides at construction).
    /// </summary>
    public string AddPanelBuffer(string field, int n, int k, string comment)
    {
        Buffers.Add(new Buffer(field, "float", n * k, comment, PerBatch: false,
            Allocation: $"global::LstmGen.Kernels.PanelBuffer(maxBatch, {Num(n)}, {Num(k)})"));
        return field;
    }

    /// <summary>
    /// A buffer for <c>Kernels.PackProjection</c> of a recurrent layer's (k × n) input kernel over <paramref name="steps"/>
    /// steps: k × n floats where a per-step projection can pay for up to MaxBatch rows on the CPU that runs the model,
    /// empty elsewhere (<c>Kernels.ProjectionPanelBuffer</c> decides at construction).
    /// </summary>
    public string AddProjectionBuffer(string field, int steps, int n, int k, string comment)
    {
        Buffers.Add(new Buffer(field, "float", n * k, comment, PerBatch: false,
            Allocation: $"global::LstmGen.Kernels.ProjectionPanelBuffer(maxBatch, {Num(steps)}, {Num(n)}, {Num(k)})"));
        return field;
    }

    /// <summary>Declares <c>{type} {local} = new Span(field, 0, nb * perSample)</c> over a new per-batch workspace.</summary>
    public string Workspace(string local, string field, int perSample, string comment, string elementType = "float")
    {
        AddBuffer(field, perSample, comment, elementType);
        W.Line($"{Span}<{elementType}> {local} = new {Span}<{elementType}>({field}, 0, {Nb(perSample)});");
        return local;
    }

    /// <summary>Sets the layer's output local <c>a{n}</c> to <paramref name="expression"/> and makes it current.</summary>
    public void Output(LayerPlan layer, string expression)
    {
        string a = "a" + Num(layer.Number);
        W.Line($"{ReadOnlySpan}<float> {a} = {expression};");
        Current = a;
    }

    /// <summary>Writes <paramref name="body"/> inside <c>if (guard)</c>, or plainly when the guard is <c>true</c>.</summary>
    public void If(string guard, System.Action body)
    {
        if (guard == "true")
        {
            body();
            return;
        }
        W.Open($"if ({guard})");
        body();
        W.Close();
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

    /// <summary>A float literal that round-trips: <c>0.2f</c>.</summary>
    public static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string Activation(ActivationKind kind) => ActivationInfo.Expression(kind);

    public static string MergeMode(MergeModeKind kind) => "global::LstmGen.MergeMode." + kind;

    /// <summary>
    /// The generated model's dropout key for a site (a layer and what it drops): the model's seed (or the layer's own
    /// <paramref name="seed"/>) mixed with a hash of the site's name, computed here, and the replica's salt.
    /// </summary>
    public static string DropoutKey(string site, int? seed) =>
        seed is int s
            ? $"__DropoutKey(0x{Fnv(site):X16}UL, {Num(s)})"
            : $"__DropoutKey(0x{Fnv(site):X16}UL)";

    /// <summary>FNV-1a, 64-bit, of a string (stable across processes, unlike string.GetHashCode).</summary>
    public static ulong Fnv(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in text)
        {
            h = (h ^ ch) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>A view of a weight in the flat parameter buffer.</summary>
    public static string Weight(WeightPlan w) => $"new global::System.Span<float>(__p, {Num(w.Offset)}, {Num(w.Length)})";

    public const string Kernels = "global::LstmGen.Kernels";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan";
    public const string Span = "global::System.Span";
}

/// <summary>State shared by the layer units while the stream class's step is written.</summary>
internal sealed class StreamContext
{
    public StreamContext(ModelPlan plan, SourceWriter writer)
    {
        Plan = plan;
        W = writer;
    }

    public ModelPlan Plan { get; }

    public SourceWriter W { get; }

    /// <summary>The local holding the current step's tensor (one row).</summary>
    public string Current { get; set; } = "input";

    /// <summary>The local holding this step's mask (a byte: 0 = skipped step), or <c>default</c>.</summary>
    public string Mask { get; set; } = "default";

    /// <summary>The offset of the next layer's state in the stream's state array.</summary>
    public int StateOffset { get; set; }

    /// <summary>Sets the layer's step output local <c>a{n}</c> to <paramref name="expression"/> and makes it current.</summary>
    public void Output(LayerPlan layer, string expression)
    {
        string a = "a" + EmitContext.Num(layer.Number);
        W.Line($"{EmitContext.ReadOnlySpan}<float> {a} = {expression};");
        Current = a;
    }
}
