using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using LstmGen.Export;

namespace LstmGen.Export
{
    /// <summary>The element type of the token-id input of an exported Embedding model.</summary>
    public enum OnnxTokenType
    {
        /// <summary>int64 (ONNX's usual index type; what most ONNX tools and PyTorch exports use).</summary>
        Int64 = 0,

        /// <summary>int32 (the type of LstmGen's own token input; no conversion needed when feeding <c>int[]</c>).</summary>
        Int32 = 1,
    }

    /// <summary>Options of <see cref="OnnxExport"/>.</summary>
    public sealed class OnnxExportOptions
    {
        /// <summary>Name of the graph input (default <c>input</c>).</summary>
        public string InputName { get; init; } = "input";

        /// <summary>Name of the graph output (default <c>output</c>).</summary>
        public string OutputName { get; init; } = "output";

        /// <summary>Name of the dynamic batch dimension of the input and outputs (default <c>batch</c>).</summary>
        public string BatchDimension { get; init; } = "batch";

        /// <summary>Element type of the token ids of an Embedding model (default <see cref="OnnxTokenType.Int64"/>).</summary>
        public OnnxTokenType TokenType { get; init; } = OnnxTokenType.Int64;

        /// <summary>
        /// Adds every recurrent layer's initial states as graph inputs, <c>{layer}/h_in</c> (and <c>{layer}/c_in</c> for an
        /// LSTM), <c>(batch, units)</c> each, and its final states as graph outputs, <c>{layer}/h_out</c> (and
        /// <c>{layer}/c_out</c>), after the main output. Feeding a call's final states back as the next call's initial states
        /// runs a sequence in chunks, or one step at a time as <c>OpenStream</c> does; zeros give the usual zero initial
        /// state. Bidirectional layers are refused. Default false.
        /// </summary>
        public bool StateInputs { get; init; }
    }

    /// <summary>
    /// Writes a generated model as an ONNX file (opset 17, IR version 8) that ONNX Runtime, its mobile and web builds, and
    /// Netron open: the same weights and the same outputs as <c>Predict</c> (to float rounding). Managed code only, no
    /// package dependency: the protobuf encoding is written directly.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The graph takes one batch-major input like <c>PredictBatch</c>: <c>(batch, steps, features)</c>,
    /// <c>(batch, features)</c>, or <c>(batch, steps)</c> token ids (int64 by default, see
    /// <see cref="OnnxExportOptions.TokenType"/>), with a dynamic batch dimension. Its output has the shape of
    /// <c>PredictBatch</c>'s output; a model whose last recurrent layer has <c>ReturnState</c> has the extra outputs
    /// <see cref="StateHOutput"/> (and <see cref="StateCOutput"/> for an LSTM), <c>(batch, units)</c> each. Inside, sequences
    /// are time-major as ONNX's recurrent operators want them.
    /// </para>
    /// <para>
    /// Layers: LSTM, GRU and SimpleRNN become ONNX's LSTM (gates reordered from Keras's i, f, c, o to ONNX's i, o, f, c),
    /// GRU (<c>linear_before_reset</c> = 1 for <c>reset_after</c>) and RNN operators; Bidirectional a bidirectional operator
    /// and its merge (Concat, Add, Mul, or Add and Mul by 0.5); <c>go_backwards</c> reverses the time axis first (Keras
    /// returns the sequence in processing order); Dense and TimeDistributed(Dense) Gemm or MatMul and Add; Embedding Gather;
    /// RepeatVector Unsqueeze and Expand; SliceLast Slice; ZeroPadding1D Pad; Dropout and SpatialDropout1D Identity;
    /// activations their ONNX operators (gelu as its erf formula, swish as x·Sigmoid(x)). Node and initializer names start
    /// with the Keras layer names, so Netron shows the model as Keras would.
    /// </para>
    /// <para>
    /// An Embedding's padding mask (MaskZero) is exact: Keras skips masked steps wherever they are, carrying the state
    /// over them, so a masked recurrent layer runs over its sequence with the masked steps moved to the end (a TopK of the
    /// mask gives the order, GatherElements moves them) and cut off by the operator's <c>sequence_lens</c>, and its outputs
    /// are put back at their steps (a masked step repeats the output before it, as in Keras).
    /// </para>
    /// <para>
    /// Refused with a <see cref="NotSupportedException"/> that names the layer: a recurrent activation that ONNX's recurrent
    /// operators do not have (selu, gelu, swish, exponential), and <see cref="OnnxExportOptions.StateInputs"/> on a
    /// bidirectional layer.
    /// Nothing is written when the export is refused.
    /// </para>
    /// </remarks>
    public static class OnnxExport
    {
        /// <summary>The ONNX opset the files use.</summary>
        public const int Opset = 17;

        /// <summary>The graph output holding the final hidden state of a ReturnState layer.</summary>
        public const string StateHOutput = "state_h";

        /// <summary>The graph output holding the final cell state of a ReturnState LSTM.</summary>
        public const string StateCOutput = "state_c";

        /// <summary>Writes <paramref name="model"/> (its architecture and current weights) to the ONNX file <paramref name="path"/>.</summary>
        /// <exception cref="NotSupportedException">The model has a layer ONNX cannot express exactly (the message names it); no file is written.</exception>
        public static void Save(ISequentialModel model, string path, OnnxExportOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] bytes = ToBytes(model, options);
            File.WriteAllBytes(path, bytes);
        }

        /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/>.</summary>
        /// <exception cref="NotSupportedException">The model has a layer ONNX cannot express exactly; nothing is written.</exception>
        public static void Save(ISequentialModel model, Stream stream, OnnxExportOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(stream);
            byte[] bytes = ToBytes(model, options);
            stream.Write(bytes);
        }

        /// <summary>The ONNX model (ModelProto bytes) of <paramref name="model"/>, e.g. for <c>InferenceSession(byte[])</c>.</summary>
        /// <exception cref="NotSupportedException">The model has a layer ONNX cannot express exactly.</exception>
        public static byte[] ToBytes(ISequentialModel model, OnnxExportOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            options ??= new OnnxExportOptions();
            CheckName(options.InputName, nameof(OnnxExportOptions.InputName));
            CheckName(options.OutputName, nameof(OnnxExportOptions.OutputName));
            CheckName(options.BatchDimension, nameof(OnnxExportOptions.BatchDimension));
            var names = new[] { options.InputName, options.OutputName, StateHOutput, StateCOutput };
            if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
            {
                throw new ArgumentException(
                    $"The input and output names must differ from each other and from '{StateHOutput}' and '{StateCOutput}' " +
                    $"(input '{options.InputName}', output '{options.OutputName}').", nameof(options));
            }
            return new OnnxBuilder(model, options).Build();
        }

        private static void CheckName(string? name, string what)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Contains('/'))
            {
                throw new ArgumentException($"OnnxExportOptions.{what} must be a non-empty name without '/' (got '{name}').", "options");
            }
        }
    }

    /// <summary>Walks a model's <see cref="ModelArchitecture"/> and writes the ONNX graph of its inference pass.</summary>
    internal sealed class OnnxBuilder
    {
        private readonly ISequentialModel _model;
        private readonly ModelArchitecture _arch;
        private readonly OnnxExportOptions _options;
        private readonly OnnxGraph _g = new();
        private readonly object _batch;

        // The current tensor: (steps, batch, features) when _sequence, else (batch, features).
        private string _current = "";
        private bool _sequence;
        private int _steps;
        private int _features;
        private string? _maskSource; // the Embedding whose padding mask reaches the current tensor
        private string? _mask; // that mask, (steps, batch) floats, 1 = token, 0 = padding
        private readonly List<(string Name, int Units)> _stateOutputs = new(); // declared after the main output

        public OnnxBuilder(ISequentialModel model, OnnxExportOptions options)
        {
            _model = model;
            _arch = model.Architecture;
            _options = options;
            _batch = options.BatchDimension;
        }

        public byte[] Build()
        {
            AddInput();
            IReadOnlyList<LayerArchitecture> layers = _arch.Layers;
            for (int i = 0; i < layers.Count; i++)
            {
                AddLayer(layers[i], i == layers.Count - 1);
            }
            AddOutput();
            string version = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "";
            var metadata = new List<KeyValuePair<string, string>>
            {
                new("lstmgen_model", _arch.ModelName),
                new("keras_architecture", _arch.ToString()),
                new("input_layout", _arch.TokenInput ? "(batch, steps) token ids" : "batch-major, as PredictBatch"),
            };
            return _g.Serialize(_arch.ModelName, version,
                $"LstmGen model {_arch.ModelName} exported for inference: {_arch}", metadata, OnnxExport.Opset);
        }

        // ---- Input and output --------------------------------------------------------------------------------------

        private void AddInput()
        {
            IReadOnlyList<int> shape = _arch.InputShape;
            string input = _options.InputName;
            if (_arch.TokenInput)
            {
                _steps = shape[0];
                int type = _options.TokenType == OnnxTokenType.Int32 ? OnnxGraph.Int32 : OnnxGraph.Int64;
                _g.Input(input, type, new object[] { _batch, _steps });
                _current = _g.Op("Transpose", "input", new[] { input }, Ints("perm", 1L, 0L)); // (steps, batch) ids
                _sequence = true;
                _features = 0;
                return;
            }
            if (shape.Count == 2)
            {
                (_steps, _features) = (shape[0], shape[1]);
                _g.Input(input, OnnxGraph.Float, new object[] { _batch, _steps, _features });
                _current = _g.Op("Transpose", "input", new[] { input }, Ints("perm", 1L, 0L, 2L));
                _sequence = true;
                return;
            }
            _features = shape[0];
            _g.Input(input, OnnxGraph.Float, new object[] { _batch, _features });
            _current = input;
            _sequence = false;
        }

        private void AddOutput()
        {
            string output = _options.OutputName;
            if (_sequence)
            {
                _g.Node("Transpose", "output/Transpose", new[] { _current }, new[] { output }, new[] { Ints("perm", 1L, 0L, 2L) });
                _g.Output(output, OnnxGraph.Float, new object[] { _batch, _steps, _features });
            }
            else
            {
                _g.Node("Identity", "output/Identity", new[] { _current }, new[] { output });
                _g.Output(output, OnnxGraph.Float, new object[] { _batch, _features });
            }
            foreach (var (name, units) in _stateOutputs)
            {
                _g.Output(name, OnnxGraph.Float, new object[] { _batch, units });
            }
        }

        // ---- Layers ------------------------------------------------------------------------------------------------

        private void AddLayer(LayerArchitecture layer, bool last)
        {
            switch (layer.ClassName)
            {
                case "Embedding":
                    AddEmbedding(layer);
                    break;
                case "Dense":
                    AddDense(layer, layer);
                    break;
                case "TimeDistributed" when layer.Inner is { ClassName: "Dense" } inner:
                    AddDense(layer, inner);
                    break;
                case "LSTM":
                case "GRU":
                case "SimpleRNN":
                    AddRecurrent(layer, layer, bidirectional: false, last);
                    break;
                case "Bidirectional" when layer.Inner is { ClassName: "LSTM" or "GRU" or "SimpleRNN" } inner:
                    AddRecurrent(layer, inner, bidirectional: true, last);
                    break;
                case "Activation":
                    _current = Activate(_current, layer.Get("activation", Activation.Linear), layer.Name);
                    break;
                case "Dropout":
                case "SpatialDropout1D":
                    _current = _g.Node("Identity", $"{layer.Name}/Identity", new[] { _current }, new[] { $"{layer.Name}/output" },
                        doc: $"Keras {layer.ClassName} '{layer.Name}': the identity at inference")[0];
                    break;
                case "RepeatVector":
                    AddRepeatVector(layer);
                    break;
                case "Lambda" when layer.Config.ContainsKey("n"):
                    AddSliceLast(layer);
                    break;
                case "ZeroPadding1D":
                    AddZeroPadding(layer);
                    break;
                default:
                    throw new NotSupportedException(
                        $"ONNX export of {_arch.ModelName}: layer '{layer.Name}' ({layer}) has no ONNX mapping.");
            }
        }

        private void AddEmbedding(LayerArchitecture layer)
        {
            string ids = _current; // (steps, batch)
            string table = WeightAsIs(layer.Weights[0], layer.Weights[0]);
            _current = _g.Node("Gather", $"{layer.Name}/Gather", new[] { table, ids }, new[] { $"{layer.Name}/output" },
                new[] { Attr("axis", 0L) }, Doc(layer))[0];
            _features = layer.OutputShape[^1];
            if (layer.Get("mask_zero", false))
            {
                // Id 0 is padding: the mask is (id != 0) as floats, (steps, batch) like the ids.
                _maskSource = layer.Name;
                string nonZero = _g.Op("Cast", $"{layer.Name}/mask", new[] { ids }, Attr("to", (long)OnnxGraph.Bool));
                _mask = _g.Node("Cast", $"{layer.Name}/mask/Cast_float", new[] { nonZero }, new[] { $"{layer.Name}/mask" },
                    new[] { Attr("to", (long)OnnxGraph.Float) }, "MaskZero: 1 for a token, 0 for padding (id 0), (steps, batch)")[0];
            }
        }

        private void AddDense(LayerArchitecture layer, LayerArchitecture dense)
        {
            string kernel = WeightAsIs(layer.Weights[0], layer.Weights[0]);
            string? bias = dense.Get("use_bias", true) ? WeightAsIs(layer.Weights[1], layer.Weights[1]) : null;
            string y;
            if (!_sequence && bias is not null)
            {
                y = _g.Node("Gemm", $"{layer.Name}/Gemm", new[] { _current, kernel, bias }, new[] { $"{layer.Name}/Gemm_output" },
                    doc: Doc(layer))[0];
            }
            else
            {
                y = _g.Node("MatMul", $"{layer.Name}/MatMul", new[] { _current, kernel }, new[] { $"{layer.Name}/MatMul_output" },
                    doc: Doc(layer))[0];
                if (bias is not null)
                {
                    y = _g.Op("Add", layer.Name, new[] { y, bias });
                }
            }
            _features = dense.Get("units", 0);
            _current = Activate(y, dense.Get("activation", Activation.Linear), layer.Name);
        }

        private void AddRepeatVector(LayerArchitecture layer)
        {
            int n = layer.Get("n", 0);
            string unsqueezed = _g.Op("Unsqueeze", layer.Name, new[] { _current, _g.Int64s($"{layer.Name}/axes", 0) });
            _current = _g.Node("Expand", $"{layer.Name}/Expand", new[] { unsqueezed, _g.Int64s($"{layer.Name}/shape", n, 1, 1) },
                new[] { $"{layer.Name}/output" }, doc: Doc(layer))[0];
            _sequence = true;
            _steps = n;
            _maskSource = null; // RepeatVector drops the mask
            _mask = null;
        }

        private void AddSliceLast(LayerArchitecture layer)
        {
            int n = layer.Get("n", 0);
            _current = _g.Node("Slice", $"{layer.Name}/Slice",
                new[] { _current, _g.Int64s($"{layer.Name}/starts", _steps - n), _g.Int64s($"{layer.Name}/ends", _steps), _g.Int64s($"{layer.Name}/axes", 0) },
                new[] { $"{layer.Name}/output" }, doc: Doc(layer) + ": x[:, -n:, :]")[0];
            _steps = n;
        }

        private void AddZeroPadding(LayerArchitecture layer)
        {
            int[] padding = layer.Get<int[]>("padding", new[] { 0, 0 });
            _current = _g.Node("Pad", $"{layer.Name}/Pad",
                new[] { _current, _g.Int64s($"{layer.Name}/pads", padding[0], 0, 0, padding[1], 0, 0) },
                new[] { $"{layer.Name}/output" }, new[] { Attr("mode", "constant") }, Doc(layer))[0];
            _steps += padding[0] + padding[1];
        }

        // ---- Recurrent layers --------------------------------------------------------------------------------------

        private void AddRecurrent(LayerArchitecture layer, LayerArchitecture cell, bool bidirectional, bool last)
        {
            string kind = cell.ClassName; // LSTM, GRU, SimpleRNN
            string op = kind == "SimpleRNN" ? "RNN" : kind;
            string who = bidirectional ? $"layer '{layer.Name}' ({layer.ClassName}({kind}))" : $"layer '{layer.Name}' ({kind})";
            int units = cell.Get("units", 0);
            bool sequences = cell.Get("return_sequences", false);
            bool state = cell.Get("return_state", false);
            bool useBias = cell.Get("use_bias", true);
            bool resetAfter = cell.Get("reset_after", true);
            int gates = kind switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
            int directions = bidirectional ? 2 : 1;
            int perDirection = layer.Weights.Count / directions;
            int inputs = _features;

            // Activations as the ONNX operator names them: LSTM (f, g, h), GRU (f, g), RNN (f), per direction.
            var acts = new List<Activation>();
            Activation activation = cell.Get("activation", Activation.Tanh);
            Activation recurrent = cell.Get("recurrent_activation", Activation.Sigmoid);
            switch (kind)
            {
                case "LSTM": acts.AddRange(new[] { recurrent, activation, activation }); break;
                case "GRU": acts.AddRange(new[] { recurrent, activation }); break;
                default: acts.Add(activation); break;
            }
            var names = new List<string>();
            var alphas = new List<float>();
            var betas = new List<float>();
            for (int d = 0; d < directions; d++)
            {
                for (int a = 0; a < acts.Count; a++)
                {
                    string role = kind == "SimpleRNN" || a > 0 ? "activation" : "recurrent_activation";
                    names.Add(RecurrentActivation(acts[a], who, role, op, alphas, betas));
                }
            }

            // Weights: W (D, G·u, in), R (D, G·u, u), B (D, 2·G·u) in ONNX's gate order.
            int[] order = kind == "LSTM" ? new[] { 0, 3, 1, 2 } : Enumerable.Range(0, gates).ToArray();
            int g4 = gates * units;
            var w = new float[directions * g4 * inputs];
            var r = new float[directions * g4 * units];
            var b = useBias ? new float[directions * 2 * g4] : null;
            for (int d = 0; d < directions; d++)
            {
                ReadOnlySpan<float> kernel = _model.Weights[layer.Weights[d * perDirection]];
                ReadOnlySpan<float> rec = _model.Weights[layer.Weights[d * perDirection + 1]];
                for (int g = 0; g < gates; g++)
                {
                    int keras = order[g] * units;
                    for (int j = 0; j < units; j++)
                    {
                        int row = d * g4 + g * units + j;
                        for (int k = 0; k < inputs; k++)
                        {
                            w[row * inputs + k] = kernel[k * g4 + keras + j];
                        }
                        for (int k = 0; k < units; k++)
                        {
                            r[row * units + k] = rec[k * g4 + keras + j];
                        }
                    }
                }
                if (b is not null)
                {
                    ReadOnlySpan<float> bias = _model.Weights[layer.Weights[d * perDirection + 2]];
                    Span<float> bd = b.AsSpan(d * 2 * g4, 2 * g4);
                    for (int g = 0; g < gates; g++)
                    {
                        bias.Slice(order[g] * units, units).CopyTo(bd.Slice(g * units, units));
                    }
                    if (kind == "GRU" && resetAfter)
                    {
                        bias.Slice(g4, g4).CopyTo(bd.Slice(g4, g4)); // the recurrent bias (row 1 of Keras's (2, 3u) bias)
                    }
                }
            }
            string scope = layer.Name;
            var opInputs = new List<string>
            {
                _current,
                _g.Weight($"{scope}/W", new[] { directions, g4, inputs }, w),
                _g.Weight($"{scope}/R", new[] { directions, g4, units }, r),
            };
            if (b is not null)
            {
                opInputs.Add(_g.Weight($"{scope}/B", new[] { directions, 2 * g4 }, b));
            }
            bool carry = _options.StateInputs, lstm = kind == "LSTM";
            if (carry && bidirectional)
            {
                throw new NotSupportedException(
                    $"ONNX export of {_arch.ModelName}: {who} is bidirectional, and OnnxExportOptions.StateInputs carries states " +
                    "of unidirectional layers only (a bidirectional layer reads the whole sequence).");
            }

            // Keras's go_backwards reads the sequence (and its mask) last step first and returns its outputs in that order.
            bool backwards = cell.Get("go_backwards", false);
            string x = backwards ? Reverse(_current, $"{scope}/go_backwards") : _current;
            Compaction? mask = null;
            if (_mask is not null)
            {
                // Keras skips masked steps wherever they are, carrying the state over them: the operator runs over the
                // sequence with its masked steps moved to the end (order kept) and cut off by sequence_lens, which is the
                // same computation; the outputs are then put back at their steps.
                mask = Compact(backwards ? Reverse(_mask, $"{scope}/go_backwards/mask") : _mask, scope);
                x = _g.Node("GatherElements", $"{scope}/mask/compact", new[] { x, ExpandIndex(mask.Order, x, $"{scope}/mask/compact") },
                    new[] { $"{scope}/compacted" }, new[] { Attr("axis", 0L) },
                    $"The unmasked steps first, in order (Embedding '{_maskSource}' MaskZero)")[0];
            }
            opInputs[0] = x;
            if (carry || mask is not null)
            {
                if (b is null)
                {
                    opInputs.Add(""); // B
                }
                opInputs.Add(mask?.Lengths ?? ""); // sequence_lens
            }
            string zero = mask is null ? "" : _g.FloatScalar($"{scope}/zero", 0f); // only masks need it
            string hFallback = zero; // a masked step before any token outputs the initial state
            string cFallback = zero;
            if (carry)
            {
                opInputs.Add(StateInput(scope, "h", units));
                hFallback = $"{scope}/h_in";
                if (lstm)
                {
                    opInputs.Add(StateInput(scope, "c", units));
                    cFallback = $"{scope}/c_in";
                }
            }

            var attributes = new List<OnnxGraph.Attribute>
            {
                Attr("hidden_size", (long)units),
                Attr("direction", bidirectional ? "bidirectional" : "forward"),
                Attr("activations", names.ToArray()),
            };
            if (alphas.Count > 0)
            {
                attributes.Add(Attr("activation_alpha", alphas.ToArray()));
            }
            if (betas.Count > 0)
            {
                attributes.Add(Attr("activation_beta", betas.ToArray()));
            }
            if (kind == "GRU")
            {
                attributes.Add(Attr("linear_before_reset", resetAfter ? 1L : 0L));
            }
            bool wantY = sequences, wantH = !sequences || state || carry, wantC = lstm && (state || carry);
            var outputs = new List<string> { wantY ? $"{scope}/Y" : "", wantH || wantC ? $"{scope}/Y_h" : "" };
            if (wantC)
            {
                outputs.Add($"{scope}/Y_c");
            }
            string[] o = _g.Node(op, $"{scope}/{op}", opInputs.ToArray(), outputs.ToArray(), attributes, Doc(layer));
            string y = o[0], yh = o[1];

            if (!bidirectional)
            {
                _current = sequences
                    ? _g.Op("Squeeze", scope, new[] { y, _g.Int64s($"{scope}/axes", 1) }) // (T, 1, B, u) -> (T, B, u)
                    : _g.Op("Squeeze", scope, new[] { yh, _g.Int64s($"{scope}/axes", 0) }); // (1, B, u) -> (B, u)
                if (mask is not null)
                {
                    _current = sequences ? Uncompact(_current, mask, forward: true, hFallback, scope) : Final(_current, mask, hFallback, scope);
                }
                _features = units;
            }
            else
            {
                string merged = sequences ? y : yh;
                int axis = sequences ? 1 : 0;
                string f = _g.Node("Gather", $"{scope}/forward/Gather", new[] { merged, _g.Int64Scalar($"{scope}/forward/index", 0) },
                    new[] { $"{scope}/forward" }, new[] { Attr("axis", (long)axis) })[0];
                string bw = _g.Node("Gather", $"{scope}/backward/Gather", new[] { merged, _g.Int64Scalar($"{scope}/backward/index", 1) },
                    new[] { $"{scope}/backward" }, new[] { Attr("axis", (long)axis) })[0];
                if (mask is not null)
                {
                    f = sequences ? Uncompact(f, mask, forward: true, zero, scope) : Final(f, mask, zero, scope);
                    bw = sequences ? Uncompact(bw, mask, forward: false, zero, scope) : Final(bw, mask, zero, scope);
                }
                string mode = layer.Get("merge_mode", "concat");
                switch (mode)
                {
                    case "concat":
                        _current = _g.Op("Concat", scope, new[] { f, bw }, Attr("axis", -1L));
                        _features = 2 * units;
                        break;
                    case "sum":
                        _current = _g.Op("Add", scope, new[] { f, bw });
                        _features = units;
                        break;
                    case "mul":
                        _current = _g.Op("Mul", scope, new[] { f, bw });
                        _features = units;
                        break;
                    case "ave":
                        _current = _g.Op("Mul", scope, new[] { _g.Op("Add", scope, new[] { f, bw }), _g.FloatScalar($"{scope}/half", 0.5f) });
                        _features = units;
                        break;
                    default:
                        throw new NotSupportedException($"ONNX export of {_arch.ModelName}: {who} has merge mode '{mode}', which has no ONNX mapping.");
                }
            }
            _sequence = sequences;
            if (!sequences)
            {
                _maskSource = null; // the mask is consumed
                _mask = null;
            }

            if (state)
            {
                if (!last)
                {
                    throw new NotSupportedException($"ONNX export of {_arch.ModelName}: {who} returns its states but is not the last layer.");
                }
                StateOutput(yh, OnnxExport.StateHOutput, mask, hFallback, scope, units);
                if (lstm)
                {
                    StateOutput(o[2], OnnxExport.StateCOutput, mask, cFallback, scope, units);
                }
            }
            if (carry)
            {
                StateOutput(yh, $"{scope}/h_out", mask, hFallback, scope, units);
                if (lstm)
                {
                    StateOutput(o[2], $"{scope}/c_out", mask, cFallback, scope, units);
                }
            }
        }

        /// <summary>A final state (1, B, u) of the operator as the graph output <paramref name="name"/>, (B, u).</summary>
        private void StateOutput(string state, string name, Compaction? mask, string fallback, string scope, int units)
        {
            string squeezed = _g.Op("Squeeze", $"{scope}/{name}", new[] { state, _g.Int64s($"{scope}/{name}/axes", 0) });
            string value = mask is null ? squeezed : Final(squeezed, mask, fallback, $"{scope}/{name}");
            _g.Node("Identity", $"{scope}/{name}/Identity", new[] { value }, new[] { name });
            _stateOutputs.Add((name, units));
        }

        // ---- Masks -------------------------------------------------------------------------------------------------

        /// <summary>What a masked recurrent layer needs of its (steps, batch) float mask.</summary>
        private sealed record Compaction(string Order, string Lengths, string Count, string Cumulative, string Mask);

        /// <summary>
        /// From a (T, B) mask: Order (T, B), the steps with their tokens first in order, then the masked ones (a TopK of
        /// mask·T + T-1-t); Count (B), tokens per sample; Lengths, Count as int32 and at least 1 (ONNX Runtime wants a
        /// positive length; a sample without tokens is set to the fallback afterwards); Cumulative (T, B), tokens up to and
        /// including each step; Mask as int64.
        /// </summary>
        private Compaction Compact(string mask, string scope)
        {
            string s = $"{scope}/mask";
            int steps = _steps;
            var descending = new float[steps];
            for (int t = 0; t < steps; t++)
            {
                descending[t] = steps - 1 - t;
            }
            string key = _g.Op("Add", s, new[] { _g.Op("Mul", s, new[] { mask, _g.FloatScalar($"{s}/steps", steps) }), _g.Weight($"{s}/descending", new[] { steps, 1 }, descending) });
            string order = _g.Node("TopK", $"{s}/TopK", new[] { key, _g.Int64s($"{s}/k", steps) }, new[] { $"{s}/sorted_keys", $"{s}/order" },
                new[] { Attr("axis", 0L), Attr("largest", 1L), Attr("sorted", 1L) })[1];
            string m = _g.Op("Cast", s, new[] { mask }, Attr("to", (long)OnnxGraph.Int64));
            string count = _g.Op("ReduceSum", s, new[] { m, _g.Int64s($"{s}/sum_axes", 0) }, Attr("keepdims", 0L));
            string lengths = _g.Op("Cast", $"{s}/lengths", new[] { _g.Op("Max", s, new[] { count, _g.Int64Scalar($"{s}/one", 1) }) }, Attr("to", (long)OnnxGraph.Int32));
            string cumulative = _g.Op("CumSum", s, new[] { m, _g.Int64Scalar($"{s}/cumsum_axis", 0) });
            return new Compaction(order, lengths, count, cumulative, m);
        }

        /// <summary>
        /// Puts a direction's (T, B, u) outputs over the compacted sequence back at their steps. Forward: step t takes the
        /// output of the last token at or before t (a masked step repeats the output before it), or the fallback before the
        /// first token. Backward (ONNX's reverse direction): step t takes the output of the first token at or after t, or
        /// zero after the last token.
        /// </summary>
        private string Uncompact(string y, Compaction mask, bool forward, string fallback, string scope)
        {
            string s = $"{scope}/{(forward ? "forward" : "backward")}/uncompact";
            string zero = _g.Int64Scalar($"{s}/zero", 0);
            string index, valid;
            if (forward)
            {
                index = _g.Op("Max", s, new[] { _g.Op("Sub", s, new[] { mask.Cumulative, _g.Int64Scalar($"{s}/one", 1) }), zero });
                valid = _g.Op("Greater", s, new[] { mask.Cumulative, zero });
            }
            else
            {
                index = _g.Op("Sub", s, new[] { mask.Cumulative, mask.Mask }); // tokens before t
                valid = _g.Op("Less", s, new[] { index, mask.Count });
            }
            string gathered = _g.Op("GatherElements", s, new[] { y, ExpandIndex(index, y, s) }, Attr("axis", 0L));
            string condition = _g.Op("Unsqueeze", s, new[] { valid, _g.Int64s($"{s}/axes", 2) });
            return _g.Op("Where", s, new[] { condition, gathered, fallback });
        }

        /// <summary>A final (B, u) output: the fallback for a sample without tokens.</summary>
        private string Final(string h, Compaction mask, string fallback, string scope)
        {
            string s = $"{scope}/final";
            string any = _g.Op("Greater", s, new[] { mask.Count, _g.Int64Scalar($"{s}/zero", 0) });
            string condition = _g.Op("Unsqueeze", s, new[] { any, _g.Int64s($"{s}/axes", 1) });
            return _g.Op("Where", s, new[] { condition, h, fallback });
        }

        /// <summary>A (T, B) index expanded to the shape of the (T, B, F) tensor <paramref name="like"/> (for GatherElements).</summary>
        private string ExpandIndex(string index, string like, string scope)
        {
            string unsqueezed = _g.Op("Unsqueeze", scope, new[] { index, _g.Int64s($"{scope}/index_axes", 2) });
            return _g.Op("Expand", scope, new[] { unsqueezed, _g.Op("Shape", scope, new[] { like }) });
        }

        /// <summary>The (T, ...) tensor reversed along time.</summary>
        private string Reverse(string value, string scope) =>
            _g.Node("Slice", $"{scope}/Slice",
                new[] { value, _g.Int64s($"{scope}/starts", -1), _g.Int64s($"{scope}/ends", long.MinValue),
                    _g.Int64s($"{scope}/axes", 0), _g.Int64s($"{scope}/steps", -1) },
                new[] { $"{scope}/reversed" }, doc: "reversed in time")[0];

        /// <summary>A (batch, units) state graph input <c>{scope}/{state}_in</c>, unsqueezed to the operator's (1, batch, units).</summary>
        private string StateInput(string scope, string state, int units)
        {
            string name = $"{scope}/{state}_in";
            _g.Input(name, OnnxGraph.Float, new object[] { _batch, units });
            return _g.Op("Unsqueeze", $"{scope}/{state}_in", new[] { name, _g.Int64s($"{scope}/{state}_in_axes", 0) });
        }

        /// <summary>
        /// The ONNX recurrent-operator name of a Keras activation, appending its alpha and beta where the function takes them
        /// (ONNX Runtime reads the activation_alpha and activation_beta lists in order, one value per function that takes one).
        /// </summary>
        private string RecurrentActivation(Activation activation, string who, string role, string op, List<float> alphas, List<float> betas)
        {
            switch (activation)
            {
                case Activation.Linear: alphas.Add(1f); betas.Add(0f); return "Affine";
                case Activation.Relu: return "Relu";
                case Activation.Tanh: return "Tanh";
                case Activation.Sigmoid: return "Sigmoid";
                case Activation.HardSigmoid: alphas.Add(1f / 6f); betas.Add(0.5f); return "HardSigmoid";
                case Activation.HardSigmoidKeras2: alphas.Add(0.2f); betas.Add(0.5f); return "HardSigmoid";
                case Activation.Elu: alphas.Add(1f); return "Elu";
                case Activation.Softplus: return "Softplus";
                case Activation.Softsign: return "Softsign";
                case Activation.LeakyRelu: alphas.Add(ActivationMath.LeakySlope); return "LeakyRelu";
                default:
                    throw new NotSupportedException(
                        $"ONNX export of {_arch.ModelName}: {who} has {role} {KerasName(activation)}, which ONNX's {op} operator does not offer " +
                        "(its activations are Affine, Relu, LeakyRelu, ThresholdedRelu, Tanh, ScaledTanh, Sigmoid, HardSigmoid, Elu, Softsign " +
                        "and Softplus).");
            }
        }

        // ---- Element-wise activations ------------------------------------------------------------------------------

        private string Activate(string x, Activation activation, string scope)
        {
            switch (activation)
            {
                case Activation.Linear: return x;
                case Activation.Relu: return _g.Op("Relu", scope, new[] { x });
                case Activation.Tanh: return _g.Op("Tanh", scope, new[] { x });
                case Activation.Sigmoid: return _g.Op("Sigmoid", scope, new[] { x });
                case Activation.Softmax: return _g.Op("Softmax", scope, new[] { x }, Attr("axis", -1L));
                case Activation.HardSigmoid: return _g.Op("HardSigmoid", scope, new[] { x }, Attr("alpha", 1f / 6f), Attr("beta", 0.5f));
                case Activation.HardSigmoidKeras2: return _g.Op("HardSigmoid", scope, new[] { x }, Attr("alpha", 0.2f), Attr("beta", 0.5f));
                case Activation.Elu: return _g.Op("Elu", scope, new[] { x }, Attr("alpha", 1f));
                case Activation.Selu:
                    return _g.Op("Selu", scope, new[] { x }, Attr("alpha", ActivationMath.SeluAlpha), Attr("gamma", ActivationMath.SeluScale));
                case Activation.Gelu:
                    // 0.5 · x · (1 + erf(x / √2)), Keras's exact gelu (opset 20's Gelu operator is not used, for older runtimes).
                    string erf = _g.Op("Erf", scope, new[] { _g.Op("Div", scope, new[] { x, _g.FloatScalar($"{scope}/sqrt2", MathF.Sqrt(2f)) }) });
                    string onePlus = _g.Op("Add", scope, new[] { erf, _g.FloatScalar($"{scope}/one", 1f) });
                    string times = _g.Op("Mul", scope, new[] { x, onePlus });
                    return _g.Op("Mul", scope, new[] { times, _g.FloatScalar($"{scope}/half", 0.5f) });
                case Activation.Softplus: return _g.Op("Softplus", scope, new[] { x });
                case Activation.Softsign: return _g.Op("Softsign", scope, new[] { x });
                case Activation.Swish: return _g.Op("Mul", scope, new[] { x, _g.Op("Sigmoid", scope, new[] { x }) });
                case Activation.LeakyRelu: return _g.Op("LeakyRelu", scope, new[] { x }, Attr("alpha", ActivationMath.LeakySlope));
                case Activation.Exponential: return _g.Op("Exp", scope, new[] { x });
                default:
                    throw new NotSupportedException($"ONNX export of {_arch.ModelName}: layer '{scope}' has activation {activation}, which has no ONNX mapping.");
            }
        }

        // ---- Helpers -----------------------------------------------------------------------------------------------

        private string WeightAsIs(string initializerName, string weightName)
        {
            WeightInfo info = _model.Weights.Find(weightName);
            return _g.Weight(initializerName, info.Dimensions.ToArray(), _model.Weights.Get(weightName));
        }

        private static string Doc(LayerArchitecture layer)
        {
            string config = string.Join(", ", layer.Config.Concat(layer.Inner?.Config ?? Enumerable.Empty<KeyValuePair<string, object>>())
                .Select(e => $"{e.Key}={Format(e.Value)}"));
            return $"Keras {layer}: {config}; input {Shape(layer.InputShape)}, output {Shape(layer.OutputShape)} per sample";
        }

        private static string Shape(IReadOnlyList<int> shape) => "(" + string.Join(", ", shape) + ")";

        private static string Format(object value) => value switch
        {
            Activation a => KerasName(a),
            bool b => b ? "True" : "False",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            int[] ints => "(" + string.Join(", ", ints) + ")",
            string s => "'" + s + "'",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

        private static string KerasName(Activation activation) => activation switch
        {
            Activation.HardSigmoidKeras2 => "hard_sigmoid (Keras 2)",
            Activation.HardSigmoid => "hard_sigmoid",
            Activation.LeakyRelu => "leaky_relu",
            _ => activation.ToString().ToLowerInvariant(),
        };

        private static OnnxGraph.Attribute Attr(string name, long value) => new(name, value);

        private static OnnxGraph.Attribute Ints(string name, params long[] values) => new(name, values);

        private static OnnxGraph.Attribute Attr(string name, float value) => new(name, value);

        private static OnnxGraph.Attribute Attr(string name, float[] values) => new(name, values);

        private static OnnxGraph.Attribute Attr(string name, string value) => new(name, value);

        private static OnnxGraph.Attribute Attr(string name, string[] values) => new(name, values);
    }
}

namespace LstmGen
{
    /// <summary>ONNX export as an extension of generated models (<c>model.ExportOnnx("model.onnx")</c>).</summary>
    public static class OnnxExportExtensions
    {
        /// <summary>Writes the model (architecture and current weights) as an ONNX file; see <see cref="OnnxExport"/>.</summary>
        /// <exception cref="NotSupportedException">The model has a layer ONNX cannot express exactly (the message names it); no file is written.</exception>
        public static void ExportOnnx(this ISequentialModel model, string path, OnnxExportOptions? options = null) =>
            OnnxExport.Save(model, path, options);
    }
}
