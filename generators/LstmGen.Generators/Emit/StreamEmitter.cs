using System.Collections.Generic;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using static LstmGen.Generators.Emit.EmitContext;

namespace LstmGen.Generators.Emit;

/// <summary>
/// The streaming form: a nested <c>Streamer</c> that runs the model one step at a time with the recurrent state carried
/// between calls (batch 1). Emitted for models of forward LSTMs, Dense layers and an optional Embedding.
/// </summary>
internal static class StreamEmitter
{
    public static void Emit(SourceWriter w, ModelPlan plan, string modelName, string modelType)
    {
        var lstms = new List<LayerPlan>();
        foreach (LayerPlan l in plan.Layers)
        {
            if (l.Spec.Kind == LayerKind.Lstm) lstms.Add(l);
        }
        int stateLength = 0;
        foreach (LayerPlan l in lstms) stateLength += 2 * l.Spec.Units;
        int outF = plan.Last.Out.Features;
        bool tokens = plan.TokenInput;
        bool masked = plan.Masked;

        w.Line();
        w.Line("/// <summary>Opens a stream that runs this model one step at a time, with its own recurrent state (initially zero).</summary>");
        w.Line("public Streamer OpenStream() => new Streamer(this);");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Runs {modelName} one step at a time, carrying the recurrent state between calls: after steps x1..xt the output");
        w.Line("/// equals the model's output at step t on the sequence x1..xt (the last output for a model without sequences).");
        w.Line("/// The state is plain data: for each LSTM in order, its hidden state then its cell state. Allocation-free.");
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
            string n = Num(l.Number);
            if (l.Spec.Kind == LayerKind.Lstm)
            {
                w.Line($"private readonly float[] _z{n} = global::LstmGen.Kernels.AllocateAligned({Num(4 * l.Spec.Units)});");
            }
            else if (l.Spec.Kind == LayerKind.Dense)
            {
                w.Line($"private readonly float[] _y{n} = global::LstmGen.Kernels.AllocateAligned({Num(l.Spec.Units)});");
            }
        }
        w.Line();
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
        string current;
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
        current = "input";
        string mask = "default";
        int stateOffset = 0;
        foreach (LayerPlan l in plan.Layers)
        {
            string n = Num(l.Number);
            var spec = l.Spec;
            switch (spec.Kind)
            {
                case LayerKind.Embedding:
                    w.Line($"{ReadOnlySpan}<float> a{n} = new global::System.Span<float>(__p, {Num(l.Weights[0].Offset)} + token * {Num(spec.OutputDim)}, {Num(spec.OutputDim)});");
                    if (spec.MaskZero)
                    {
                        w.Line("byte keep = token == 0 ? (byte)0 : (byte)1;");
                        mask = "keep";
                    }
                    break;
                case LayerKind.Lstm:
                    int units = spec.Units;
                    string bias = spec.UseBias ? Weight(l.Weights[2]) : "default";
                    w.Line($"{Span}<float> h{n} = new global::System.Span<float>(_state, {Num(stateOffset)}, {Num(units)});");
                    w.Line($"{Span}<float> c{n} = new global::System.Span<float>(_state, {Num(stateOffset + units)}, {Num(units)});");
                    string step = $"{Kernels}.LstmStreamStep({current}, {Weight(l.Weights[0])}, {Weight(l.Weights[1])}, {bias}, h{n}, c{n}, _z{n}, {Num(l.In.Features)}, {Num(units)}, {Activation(spec.Activation)}, {Activation(spec.RecurrentActivation)});";
                    // A padding token (mask 0) leaves the state as it is.
                    w.Line(mask == "default" ? step : $"if (keep != 0) {step}");
                    w.Line($"{ReadOnlySpan}<float> a{n} = h{n};");
                    stateOffset += 2 * units;
                    break;
                case LayerKind.Dense:
                    string dbias = spec.UseBias ? Weight(l.Weights[1]) : "default";
                    w.Line($"{Kernels}.GemmBias({current}, {Weight(l.Weights[0])}, {dbias}, _y{n}, 1, {Num(spec.Units)}, {Num(l.In.Features)});");
                    if (spec.Activation != ActivationKind.Linear)
                    {
                        w.Line($"{Kernels}.Activate({Activation(spec.Activation)}, _y{n}, 1, {Num(spec.Units)});");
                    }
                    w.Line($"{ReadOnlySpan}<float> a{n} = _y{n};");
                    break;
            }
            current = $"a{n}";
        }
        w.Line($"{current}.CopyTo(output);");
        w.Close();
        w.Close();
    }
}
