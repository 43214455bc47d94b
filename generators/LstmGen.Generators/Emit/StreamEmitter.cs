using System.Collections.Generic;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit;

/// <summary>
/// The streaming form: a nested <c>Streamer</c> that runs the model one step at a time with the recurrent state carried
/// between calls (batch 1). Emitted for models whose every layer streams (forward recurrent layers, Dense, an optional Embedding, ...).
/// </summary>
internal static class StreamEmitter
{
    public static void Emit(SourceWriter w, ModelPlan plan, string modelName, string modelType)
    {
        int stateLength = 0;
        foreach (LayerPlan l in plan.Layers) stateLength += l.Unit.StreamStateLength(l);
        int outF = plan.Last.Out.Features;
        bool tokens = plan.TokenInput;
        bool masked = plan.Masked;
        var ctx = new StreamContext(plan, w);

        w.Line();
        w.Line("/// <summary>Opens a stream that runs this model one step at a time, with its own recurrent state (initially zero).</summary>");
        w.Line("public Streamer OpenStream() => new Streamer(this);");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Runs {modelName} one step at a time, carrying the recurrent state between calls: after steps x1..xt the output");
        w.Line("/// equals the model's output at step t on the sequence x1..xt (the last output for a model without sequences).");
        w.Line("/// The state is plain data: for each recurrent layer in order, its state (an LSTM's hidden state then its cell state). Allocation-free.");
        w.Line("/// Uses the model's weights (later changes to them are seen); not thread-safe.");
        w.Line("/// </summary>");
        w.Open("public sealed class Streamer");
        w.Line(tokens ? "/// <summary>A step's input is one token id.</summary>" : "/// <summary>Elements in one step's input.</summary>");
        w.Line($"public const int StepInputLength = {Num(tokens ? 1 : plan.Layers[0].In.Features)};");
        w.Line("/// <summary>Elements in one step's output.</summary>");
        w.Line($"public const int StepOutputLength = {Num(outF)};");
        w.Line("/// <summary>Elements of the carried state.</summary>");
        w.Line($"public const int StateLength = {Num(stateLength)};");
        w.Line();
        w.Line("private readonly float[] __p;");
        // 64-byte aligned: the step stores h and c as vectors and reloads them at the next step, and a vector store that
        // crosses a cache line forwards badly to those loads (measured: LSTM(32) steps took 81-145 ns from run to run
        // with the array wherever it landed, 80-98 ns aligned).
        w.Line("private readonly float[] _state = global::LstmGen.Kernels.AllocateAligned(StateLength);");
        foreach (LayerPlan l in plan.Layers)
        {
            l.Unit.EmitStreamFields(ctx, l);
        }
        w.Line();
        w.Line("private int _busy;");
        w.Line($"internal Streamer({modelType} model) => __p = model.__p;");
        w.Line();
        w.Line("/// <summary>The carried state (read-only view).</summary>");
        w.Line("public global::System.ReadOnlySpan<float> State => _state;");
        w.Line();
        w.Line("/// <summary>Resets the state to zero, as at the start of a sequence.</summary>");
        w.Line("public void Reset() => global::System.Array.Clear(_state);");
        w.Line();
        w.Line("/// <summary>Copies the state into <paramref name=\"destination\"/> (StateLength floats).</summary>");
        w.Open("public void GetState(global::System.Span<float> destination)");
        w.Line("global::LstmGen.Kernels.CheckLength(destination.Length, StateLength, nameof(destination), \"the stream state\");");
        w.Line("new global::System.ReadOnlySpan<float>(_state).CopyTo(destination);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Sets the state from <paramref name=\"state\"/> (StateLength finite floats).</summary>");
        w.Open("public void SetState(global::System.ReadOnlySpan<float> state)");
        w.Line("global::LstmGen.Kernels.CheckLength(state.Length, StateLength, nameof(state), \"the stream state\");");
        w.Line("global::LstmGen.Kernels.CheckFinite(state, nameof(state));");
        w.Line("state.CopyTo(_state);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Advances one step.</summary>");
        w.Line(tokens
            ? "/// <param name=\"token\">The step's token id" + (masked ? " (0 is padding: the state is carried unchanged)" : "") + ".</param>"
            : "/// <param name=\"input\">The step's input (StepInputLength floats).</param>");
        w.Line("/// <param name=\"output\">Receives the step's output (StepOutputLength floats).</param>");
        w.Open(tokens
            ? "public void Step(int token, global::System.Span<float> output)"
            : "public void Step(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)");
        if (tokens)
        {
            w.Line($"global::LstmGen.Kernels.CheckTokens(new global::System.ReadOnlySpan<int>(in token), {Num(plan.Vocabulary)}, 1, nameof(token));");
        }
        else
        {
            w.Line("global::LstmGen.Kernels.CheckLength(input.Length, StepInputLength, nameof(input), \"one step\");");
            w.Line("global::LstmGen.Kernels.CheckFinite(input, nameof(input));");
        }
        w.Line("global::LstmGen.Kernels.CheckLength(output.Length, StepOutputLength, nameof(output), \"one step's output\");");
        // One step at a time per stream, as for the model (its state and scratch are the stream's).
        w.Line($"if (global::System.Threading.Interlocked.CompareExchange(ref _busy, 1, 0) != 0) global::LstmGen.Kernels.ThrowConcurrentUse(\"{modelName}.Streamer\");");
        w.Open("try");
        foreach (LayerPlan l in plan.Layers)
        {
            l.Unit.EmitStreamStep(ctx, l);
            ctx.StateOffset += l.Unit.StreamStateLength(l);
        }
        w.Line($"{ctx.Current}.CopyTo(output);");
        w.Close();
        w.Open("finally");
        w.Line("global::System.Threading.Volatile.Write(ref _busy, 0);");
        w.Close();
        w.Close();
        w.Close();
    }
}
