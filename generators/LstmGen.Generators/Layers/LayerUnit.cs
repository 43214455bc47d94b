using System.Collections.Generic;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;

namespace LstmGen.Generators.Layers;

/// <summary>
/// Everything specific to one layer kind, behind one interface that the pipeline's stages call in a loop: how its
/// attribute becomes its spec (<see cref="Read"/>), its shape rule, diagnostics and weights (<see cref="Infer"/>), its
/// forward, backward and streaming code, and its Keras description. Adding a layer is adding a unit (its own file) and
/// one line in <see cref="LayerRegistry"/>; parse, validate and emit own nothing layer-specific.
/// </summary>
/// <remarks>Units are stateless singletons. Each layer kind's spec record returns its unit from <see cref="LayerSpec.Unit"/>.</remarks>
internal abstract class LayerUnit
{
    /// <summary>The runtime attribute's class name, e.g. <c>LstmAttribute</c>.</summary>
    public abstract string AttributeName { get; }

    /// <summary>How users write the attribute and how messages name the kind: <c>Lstm</c>.</summary>
    public string DisplayName => AttributeName.Substring(0, AttributeName.Length - "Attribute".Length);

    /// <summary>Keras's class name, e.g. <c>LSTM</c> (model.summary(), the architecture, import checks).</summary>
    public abstract string KerasClass { get; }

    /// <summary>Keras's automatic layer name base in a Sequential model (<c>lstm</c>, then <c>lstm_1</c>, ...).</summary>
    public abstract string KerasName { get; }

    /// <summary>Whether <paramref name="wrapper"/> may wrap this layer (<c>[Bidirectional, Lstm(8)]</c>).</summary>
    public virtual bool Accepts(WrapperKind wrapper) => false;

    /// <summary>True for the layer that turns token ids into vectors (it must come first and makes the input ints).</summary>
    public virtual bool TakesTokens => false;

    /// <summary>For a unit that <see cref="TakesTokens"/>: the number of token ids it accepts.</summary>
    public virtual int Vocabulary(LayerSpec spec) => 0;

    // ---- Parse ---------------------------------------------------------------------------------------------------

    /// <summary>Reads the attribute into this kind's spec (the parse stage; the only place Roslyn types are seen).</summary>
    public abstract LayerSpec Read(AttributeReader attribute);

    /// <summary>The layer as written, for messages: <c>Lstm(50)</c>.</summary>
    public abstract string Describe(LayerSpec spec);

    // ---- Validate ------------------------------------------------------------------------------------------------

    /// <summary>
    /// The shape rule: checks the spec against its input (<see cref="InferContext.In"/>), reports diagnostics on the
    /// attribute, and returns the plan with its output shape and weights, or null when the layer is invalid.
    /// </summary>
    public abstract LayerPlan? Infer(InferContext context);

    /// <summary>Per-sample sizes besides the output that must fit in one array (LSTMGEN114), e.g. the gates of every step.</summary>
    public virtual IEnumerable<(string What, long Size)> Workspaces(LayerPlan layer)
    {
        yield break;
    }

    /// <summary>The activation applied last, when a loss may fuse with it (sigmoid with binary cross-entropy, ...).</summary>
    public virtual ActivationKind? OutputActivation(LayerPlan layer) => null;

    /// <summary>True when the layer behaves differently in training (dropout): the model's passes then take a training flag.</summary>
    public virtual bool IsStochastic(LayerPlan layer) => false;

    /// <summary>
    /// True when training mode computes statistics over the whole batch (BatchNormalization): ComputeGradients must then
    /// see the batch in one chunk, so a training batch larger than MaxBatch is refused instead of normalised per chunk.
    /// </summary>
    public virtual bool NeedsWholeBatchInTraining => false;

    /// <summary>Final states the layer returns beside its output when it is the model's last layer (ReturnState).</summary>
    public virtual IReadOnlyList<StateOutput> States(LayerPlan layer) => System.Array.Empty<StateOutput>();

    // ---- Emit ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// Writes the layer's forward pass: reads <see cref="EmitContext.Current"/> (time-major), declares the output local
    /// <c>a{n}</c> and sets <see cref="EmitContext.Current"/> to it.
    /// </summary>
    public abstract void EmitForward(EmitContext context, LayerPlan layer);

    /// <summary>Where the backward pass finds the layer's forward output (default: the <c>__y{n}</c> workspace).</summary>
    public virtual string OutputView(LayerPlan layer) =>
        $"new {EmitContext.ReadOnlySpan}<float>(__y{EmitContext.Num(layer.Number)}, 0, {EmitContext.Nb(layer.Out.Size)})";

    /// <summary>Writes the layer's backward pass: from <see cref="BackwardStep.Dy"/> to the weight gradients and <see cref="BackwardStep.Dx"/>.</summary>
    public abstract void EmitBackward(EmitContext context, LayerPlan layer, BackwardStep step);

    /// <summary>Whether the layer can run one step at a time in a stream (a causal, step-wise layer).</summary>
    public virtual bool Streams(LayerPlan layer) => false;

    /// <summary>True when the layer carries state between stream steps (a model streams only if one does).</summary>
    public virtual bool IsStateful => false;

    /// <summary>Floats of carried stream state.</summary>
    public virtual int StreamStateLength(LayerPlan layer) => 0;

    /// <summary>Fields of the stream class this layer needs (scratch buffers).</summary>
    public virtual void EmitStreamFields(StreamContext context, LayerPlan layer)
    {
    }

    /// <summary>One stream step: reads <see cref="StreamContext.Current"/>, declares <c>a{n}</c>.</summary>
    public virtual void EmitStreamStep(StreamContext context, LayerPlan layer)
    {
    }

    // ---- Describe ------------------------------------------------------------------------------------------------

    /// <summary>The layer's Keras config entries (keys as Keras writes them) for the model's architecture.</summary>
    public abstract void WriteConfig(ConfigWriter config, LayerPlan layer);
}

/// <summary>A final state a layer returns beside its output (ReturnState): its name in APIs (<c>H</c>, <c>C</c>) and what it is.</summary>
internal sealed record StateOutput(string Name, string Description, int Length, string FinalView);

/// <summary>What a layer's backward pass reads and writes (all time-major spans or expressions).</summary>
/// <param name="Dy">The local holding the gradient with respect to the layer's output.</param>
/// <param name="X">The local holding the layer's forward input (or <c>default</c> for token ids).</param>
/// <param name="Dx">An expression for the span receiving the gradient with respect to the input, or null when none is needed.</param>
/// <param name="Guard">A condition under which <paramref name="Dx"/> is wanted (<c>true</c>, or <c>wantInput</c> for the first layer).</param>
/// <param name="Last">True for the model's last layer (its activation may be fused with the loss).</param>
/// <param name="StateGradients">For the last layer of a model whose final states are trained: the locals holding the
/// gradients with respect to each final state (in <see cref="LayerUnit.States"/> order, batch-major rows), else null.</param>
internal sealed record BackwardStep(string Dy, string X, string? Dx, string Guard, bool Last, System.Collections.Generic.IReadOnlyList<string>? StateGradients = null);
