using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace LstmGen.Import;

/// <summary>Options of <see cref="TorchImport"/>.</summary>
public sealed record TorchImportOptions
{
    /// <summary>
    /// Which PyTorch module each of the model's layers takes its weights from, by LstmGen layer name (<c>lstm</c>,
    /// <c>dense</c>, <c>bidirectional</c>): the module's prefix in the state_dict (<c>encoder.rnn</c>, <c>fc</c>; the empty
    /// string for a state_dict of one module), and for a stacked recurrent module the layer after <c>#</c>
    /// (<c>rnn#1</c> is <c>weight_ih_l1</c>, ...; <c>rnn</c> means <c>rnn#0</c>). Layers not in the map are matched by the
    /// naming convention (see <see cref="TorchImport"/>). Null (the default): every layer by the convention.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Map { get; init; }

    /// <summary>
    /// When true, tensors of the file that no layer takes are reported in <see cref="TorchImportResult.UnusedTensors"/>;
    /// when false (the default) they are an error, so that nothing is silently left out.
    /// </summary>
    public bool AllowUnusedTensors { get; init; }
}

/// <summary>What <see cref="TorchImport.Load(ISequentialModel, string, TorchImportOptions?)"/> did.</summary>
public sealed class TorchImportResult
{
    internal TorchImportResult(IReadOnlyDictionary<string, string> mapping, IReadOnlyList<string> weights, IReadOnlyList<string> unused, IReadOnlyList<string> warnings)
    {
        Mapping = mapping;
        Weights = weights;
        UnusedTensors = unused;
        Warnings = warnings;
    }

    /// <summary>For each of the model's layers with weights, the PyTorch module (and stacked layer) it took them from: <c>lstm</c> → <c>rnn#0</c>.</summary>
    public IReadOnlyDictionary<string, string> Mapping { get; }

    /// <summary>The model's weights that were set (all of them), in model order.</summary>
    public IReadOnlyList<string> Weights { get; }

    /// <summary>Tensors of the file no layer took (empty unless <see cref="TorchImportOptions.AllowUnusedTensors"/>).</summary>
    public IReadOnlyList<string> UnusedTensors { get; }

    /// <summary>Things that cannot be checked (a backwards layer, a merge mode PyTorch's module does not have).</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>
/// A PyTorch state_dict that does not fit the model: no module for a layer, two that fit (an ambiguity the map must
/// settle), a tensor of another shape, a missing bias, an unused tensor, a module LstmGen has no layer for. Thrown before
/// any weight is set.
/// </summary>
public sealed class TorchImportException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="fileName">The file concerned.</param>
    /// <param name="modelLayer">The model's layer concerned; null when none.</param>
    /// <param name="tensor">The tensor or module concerned; null when none.</param>
    public TorchImportException(string message, string? fileName, string? modelLayer, string? tensor)
        : base(message)
    {
        FileName = fileName;
        ModelLayer = modelLayer;
        Tensor = tensor;
    }

    /// <summary>The file concerned.</summary>
    public string? FileName { get; }

    /// <summary>The model's layer concerned (LstmGen name); null when none.</summary>
    public string? ModelLayer { get; }

    /// <summary>The tensor (<c>rnn.weight_ih_l0</c>) or module (<c>rnn#1</c>) concerned; null when none.</summary>
    public string? Tensor { get; }
}

/// <summary>
/// Loads a PyTorch model's weights (a <c>state_dict</c> saved as safetensors) into the equivalent generated model:
/// <c>nn.LSTM</c>, <c>nn.GRU</c>, <c>nn.RNN</c> (tanh, relu) into <c>[Lstm]</c>, <c>[Gru]</c>, <c>[SimpleRnn]</c> (each
/// stacked layer into one layer; <c>bidirectional=True</c> into <c>[Bidirectional]</c>), <c>nn.Linear</c> into
/// <c>[Dense]</c> or <c>[TimeDistributed, Dense]</c>, <c>nn.Embedding</c> into <c>[Embedding]</c>.
/// </summary>
/// <remarks>
/// <para>
/// Conversion (PyTorch's layouts into Keras's, which LstmGen uses): kernels are transposed
/// (<c>weight_ih_l0</c> (g·h, in) → <c>kernel</c> (in, g·h); <c>weight_hh_l0</c> → <c>recurrent_kernel</c>;
/// <c>weight</c> (out, in) → <c>kernel</c> (in, out)); LSTM and RNN biases are summed
/// (<c>bias = bias_ih + bias_hh</c>; the LSTM gate order i, f, g, o is Keras's i, f, c, o); GRU gates are reordered from
/// r, z, n to Keras's z, r, h, and PyTorch's GRU is Keras's <c>reset_after</c> form: <c>bias</c> (2, 3h) =
/// [<c>bias_ih</c>; <c>bias_hh</c>], each reordered. <c>_reverse</c> tensors are a Bidirectional's backward layer.
/// An Embedding's <c>weight</c> is its <c>embeddings</c> as is.
/// </para>
/// <para>
/// Matching (the naming convention): tensor names are <c>prefix.param</c>; <c>weight_ih_lK</c>, <c>weight_hh_lK</c>,
/// <c>bias_ih_lK</c>, <c>bias_hh_lK</c> (and <c>_reverse</c>) make layer K of a recurrent module, whose kind is told by
/// its gate count (4 LSTM, 3 GRU, 1 RNN); <c>weight</c> and <c>bias</c> make a linear or embedding module. The model's
/// layers with weights are matched in model order: a recurrent layer right after layer K of a stacked module takes layer
/// K + 1 of it; otherwise each layer takes the one unused module of its kind whose shapes are exactly the layer's
/// (state_dict files list tensors by name, not in model order). No fitting module, or two, is a
/// <see cref="TorchImportException"/> that names them; <see cref="TorchImportOptions.Map"/> then says which. Every tensor
/// must be used (unless <see cref="TorchImportOptions.AllowUnusedTensors"/>).
/// </para>
/// <para>
/// Not in a state_dict, so not checked: an RNN's nonlinearity (the model's tanh or relu is taken), dropout, how the
/// PyTorch model's forward uses the outputs. <c>nn.Conv1d</c> and LSTM projections (<c>weight_hr</c>) have no LstmGen
/// layer yet. All or nothing: everything is checked, then all weights are written at once.
/// </para>
/// </remarks>
public static partial class TorchImport
{
    [GeneratedRegex(@"^(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RecurrentParam();

    /// <summary>Loads a safetensors state_dict into <paramref name="model"/> (see the class remarks).</summary>
    /// <param name="model">The generated model.</param>
    /// <param name="path">The <c>.safetensors</c> file (e.g. <c>safetensors.torch.save_file(model.state_dict(), path)</c>).</param>
    /// <param name="options">Options (explicit map, unused tensors); optional.</param>
    /// <exception cref="TorchImportException">The state_dict does not fit the model; the model is unchanged.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or holds non-finite values.</exception>
    public static TorchImportResult Load(ISequentialModel model, string path, TorchImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream s = File.OpenRead(path);
        return Load(model, s, path, options);
    }

    /// <summary>Loads a safetensors state_dict read from a stream (to its end) into <paramref name="model"/>.</summary>
    /// <param name="model">The generated model.</param>
    /// <param name="stream">The safetensors data.</param>
    /// <param name="fileName">A name for messages; optional.</param>
    /// <param name="options">Options; optional.</param>
    public static TorchImportResult Load(ISequentialModel model, Stream stream, string? fileName = null, TorchImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Dictionary<string, (int[] Shape, float[] Values)> tensors = ReadTensors(stream, fileName, out List<string> order);
        var context = new Matcher(model, tensors, order, fileName, options ?? new TorchImportOptions());
        List<KeyValuePair<string, float[]>> values = context.Run();
        model.Weights.SetMany(values);
        return new TorchImportResult(context.Mapping, values.Select(v => v.Key).ToList(), context.Unused, context.Warnings);
    }

    private static Dictionary<string, (int[] Shape, float[] Values)> ReadTensors(Stream stream, string? fileName, out List<string> order)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        string source = fileName is null ? "The state_dict" : $"'{fileName}'";
        buffer.Position = 0;
        IReadOnlyList<(string Name, int[] Shape, string DType)> index = SafeTensors.ReadIndex(buffer);
        var entries = new List<WeightInfo>();
        var empty = new List<(string, int[])>();
        int offset = 0;
        foreach ((string name, int[] shape, string dtype) in index)
        {
            if (dtype is not ("F32" or "F64"))
            {
                throw new TorchImportException(
                    $"{source}: the tensor {name} is {dtype}; only F32 (and F64) tensors can be imported (save the state_dict after model.float()).", fileName, null, name);
            }
            if (shape.Any(d => d == 0))
            {
                empty.Add((name, shape));
                continue;
            }
            var info = new WeightInfo(name, shape, offset, WeightInitializer.Zeros);
            entries.Add(info);
            offset = checked(offset + info.Length);
        }
        var store = new WeightStore(fileName ?? "state_dict", entries);
        buffer.Position = 0;
        SafeTensors.Load(store, buffer, new SafeTensorsLoadOptions { IgnoreUnknownTensors = true });
        var tensors = new Dictionary<string, (int[] Shape, float[] Values)>(StringComparer.Ordinal);
        foreach (WeightInfo e in entries)
        {
            tensors[e.Name] = (e.Dimensions.ToArray(), store.Get(e.Name));
        }
        foreach ((string name, int[] shape) in empty)
        {
            tensors[name] = (shape, []);
        }
        order = index.Select(t => t.Name).ToList();
        return tensors;
    }

    /// <summary>One layer of a PyTorch module: a recurrent module's layer K (both directions), or a linear/embedding module.</summary>
    private sealed class Unit
    {
        public required string Module { get; init; }

        public int Layer { get; init; } = -1;

        public Dictionary<string, string> Params { get; } = new(StringComparer.Ordinal); // param (weight_ih, bias_hh_reverse, weight) -> tensor name

        public bool Recurrent => Layer >= 0;

        public string Reference => Recurrent ? $"{Module}#{Layer.ToString(CultureInfo.InvariantCulture)}" : Module;

        public string Describe => Module.Length == 0 ? (Recurrent ? $"layer {Layer} of the state_dict's module" : "the state_dict's module") : Recurrent ? $"layer {Layer} of module '{Module}'" : $"module '{Module}'";
    }

    private sealed class Matcher(ISequentialModel model, Dictionary<string, (int[] Shape, float[] Values)> tensors, List<string> order, string? fileName, TorchImportOptions options)
    {
        private readonly string _source = fileName is null ? "The state_dict" : $"'{fileName}'";
        private readonly List<Unit> _units = [];
        private readonly HashSet<Unit> _used = [];
        private readonly List<KeyValuePair<string, float[]>> _values = [];

        public Dictionary<string, string> Mapping { get; } = new(StringComparer.Ordinal);

        public List<string> Unused { get; } = [];

        public List<string> Warnings { get; } = [];

        private string ModelName => model.Architecture.ModelName;

        private TorchImportException Error(string message, string? layer, string? tensor) => new($"{_source}: {message}", fileName, layer, tensor);

        public List<KeyValuePair<string, float[]>> Run()
        {
            BuildUnits();
            Unit? previous = null;
            foreach (LayerArchitecture layer in model.Architecture.Layers)
            {
                if (layer.Weights.Count == 0)
                {
                    continue;
                }
                Unit unit = Choose(layer, previous);
                _used.Add(unit);
                Mapping[layer.Name] = unit.Reference;
                Convert(layer, unit);
                previous = unit;
            }
            var usedTensors = new HashSet<string>(_used.SelectMany(u => u.Params.Values), StringComparer.Ordinal);
            var unused = order.Where(t => !usedTensors.Contains(t)).ToList();
            if (unused.Count > 0)
            {
                if (!options.AllowUnusedTensors)
                {
                    throw Error($"{string.Join(", ", unused.Select(u => $"{u} {Shape(tensors[u].Shape)}"))} {(unused.Count == 1 ? "is" : "are")} used by no layer of {ModelName} "
                        + $"(its layers took {string.Join(", ", Mapping.Select(m => $"{m.Key} <- {Label(m.Value)}"))}){ConvHint(unused)}. "
                        + "Declare the layers they belong to, or set TorchImportOptions.AllowUnusedTensors.", null, unused[0]);
                }
                Unused.AddRange(unused);
            }
            return _values;
        }

        private static string Label(string reference) => reference.Length == 0 ? "(the module)" : reference.StartsWith('#') ? "(the module)" + reference : reference;

        private string ConvHint(List<string> unused) =>
            unused.Any(u => tensors[u].Shape.Length == 3) ? " (a 3-D weight is a convolution's, e.g. nn.Conv1d: LstmGen has no Conv1D layer yet)" : "";

        private void BuildUnits()
        {
            var byKey = new Dictionary<string, Unit>(StringComparer.Ordinal);
            foreach (string name in order)
            {
                int dot = name.LastIndexOf('.');
                string module = dot < 0 ? "" : name[..dot], param = name[(dot + 1)..];
                Match m = RecurrentParam().Match(param);
                string key;
                int layer = -1;
                string p;
                if (m.Success)
                {
                    layer = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                    key = module + "#" + layer.ToString(CultureInfo.InvariantCulture);
                    p = m.Groups[1].Value + m.Groups[3].Value;
                }
                else if (param is "weight" or "bias")
                {
                    key = module;
                    p = param;
                }
                else
                {
                    continue; // not a weight LstmGen knows (running_mean, ...): reported as unused
                }
                if (!byKey.TryGetValue(key, out Unit? unit))
                {
                    byKey[key] = unit = new Unit { Module = module, Layer = layer };
                    _units.Add(unit);
                }
                unit.Params[p] = name;
            }
        }

        // ---- Matching ------------------------------------------------------------------------------------------

        private Unit Choose(LayerArchitecture layer, Unit? previous)
        {
            if (options.Map is not null && options.Map.TryGetValue(layer.Name, out string? reference))
            {
                string module = reference, key;
                int hash = reference.LastIndexOf('#');
                int k = 0;
                if (hash >= 0 && int.TryParse(reference[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out k))
                {
                    module = reference[..hash];
                }
                key = IsRecurrent(layer) ? $"{module}#{k.ToString(CultureInfo.InvariantCulture)}" : module;
                Unit? unit = _units.FirstOrDefault(u => (u.Recurrent ? $"{u.Module}#{u.Layer.ToString(CultureInfo.InvariantCulture)}" : u.Module) == key);
                if (unit is null)
                {
                    throw Error($"the map sends {ModelName}'s layer '{layer.Name}' ({layer.ClassName}) to '{reference}', but the file has no such {(IsRecurrent(layer) ? "recurrent module layer" : "module")}; "
                        + $"its modules are {Modules()}.", layer.Name, reference);
                }
                if (_used.Contains(unit))
                {
                    throw Error($"the map sends {ModelName}'s layer '{layer.Name}' to '{reference}', which another layer already took.", layer.Name, reference);
                }
                string? why = Unfit(layer, unit);
                if (why is not null)
                {
                    throw Error($"the map sends {ModelName}'s layer '{layer.Name}' ({layer.ClassName}) to {unit.Describe}, which does not fit: {why}.", layer.Name, unit.Reference);
                }
                return unit;
            }
            if (IsRecurrent(layer) && previous is { Recurrent: true }
                && _units.FirstOrDefault(u => u.Recurrent && u.Module == previous.Module && u.Layer == previous.Layer + 1) is Unit next && !_used.Contains(next))
            {
                // A stacked module's next layer goes to the next recurrent layer.
                string? why = Unfit(layer, next);
                if (why is not null)
                {
                    throw Error($"{ModelName}'s layer '{layer.Name}' ({layer.ClassName}) follows layer {previous.Layer} of module '{previous.Module}', so it takes {next.Describe}, which does not fit: {why}. "
                        + "Declare the model as the module is stacked, or map the layers with TorchImportOptions.Map.", layer.Name, next.Reference);
                }
                return next;
            }
            var candidates = _units.Where(u => !_used.Contains(u) && (!u.Recurrent || !_units.Any(v => v.Recurrent && v.Module == u.Module && v.Layer < u.Layer && !_used.Contains(v))))
                .Where(u => Unfit(layer, u) is null).ToList();
            if (candidates.Count == 1)
            {
                return candidates[0];
            }
            string expected = Expected(layer);
            if (candidates.Count == 0)
            {
                var sameKind = _units.Where(u => !_used.Contains(u) && u.Recurrent == IsRecurrent(layer)).ToList();
                string detail = sameKind.Count == 0 ? $"the file has no unused {(IsRecurrent(layer) ? "recurrent" : "linear or embedding")} module"
                    : string.Join("; ", sameKind.Select(u => $"{u.Describe}: {Unfit(layer, u)}"));
                throw Error($"no module of the file fits {ModelName}'s layer '{layer.Name}' ({layer.ClassName}), which takes {expected} ({detail}).", layer.Name, null);
            }
            throw Error($"{ModelName}'s layer '{layer.Name}' ({layer.ClassName}), which takes {expected}, fits {string.Join(" and ", candidates.Select(u => u.Describe))}: "
                + $"say which with TorchImportOptions.Map (e.g. {{ [\"{layer.Name}\"] = \"{candidates[0].Reference}\" }}).", layer.Name, candidates[0].Reference);
        }

        private string Modules() => _units.Count == 0 ? "none" : string.Join(", ", _units.Select(u => u.Reference.Length == 0 ? "(the module)" : u.Reference).Distinct());

        private static bool IsRecurrent(LayerArchitecture layer) => layer.ClassName is "LSTM" or "GRU" or "SimpleRNN" || layer.Inner is { ClassName: "LSTM" or "GRU" or "SimpleRNN" };

        private static LayerArchitecture Cell(LayerArchitecture layer) => layer.ClassName is "Bidirectional" or "TimeDistributed" ? layer.Inner! : layer;

        private IReadOnlyList<int> ShapeOf(string weight) => model.Weights.Find(weight).Dimensions;

        private static string Shape(IReadOnlyList<int> s) => "(" + string.Join(", ", s) + ")";

        private static int Gates(string cls) => cls switch { "LSTM" => 4, "GRU" => 3, _ => 1 };

        private static string TorchClass(string cls) => cls switch { "LSTM" => "nn.LSTM", "GRU" => "nn.GRU", _ => "nn.RNN" };

        /// <summary>What the layer takes, in PyTorch's terms.</summary>
        private string Expected(LayerArchitecture layer)
        {
            LayerArchitecture cell = Cell(layer);
            if (IsRecurrent(layer))
            {
                IReadOnlyList<int> kernel = ShapeOf(layer.Weights[0]);
                int units = (int)cell.Config["units"], g = Gates(cell.ClassName);
                return $"a layer of an {TorchClass(cell.ClassName)} with input size {kernel[0]}, hidden size {units}{(layer.ClassName == "Bidirectional" ? ", bidirectional" : "")} "
                    + $"(weight_ih_lK ({g * units}, {kernel[0]}), weight_hh_lK ({g * units}, {units}){((bool)cell.Config["use_bias"] ? $", bias_ih_lK and bias_hh_lK ({g * units})" : ", no biases")})";
            }
            if (cell.ClassName == "Embedding")
            {
                return $"an nn.Embedding({cell.Config["input_dim"]}, {cell.Config["output_dim"]}) (weight ({cell.Config["input_dim"]}, {cell.Config["output_dim"]}))";
            }
            IReadOnlyList<int> k = ShapeOf(layer.Weights[0]);
            return $"an nn.Linear({k[0]}, {k[1]}{((bool)cell.Config["use_bias"] ? "" : ", bias=False")}) (weight ({k[1]}, {k[0]}){((bool)cell.Config["use_bias"] ? $", bias ({k[1]})" : "")})";
        }

        /// <summary>Why the unit cannot be the layer, or null when it fits exactly.</summary>
        private string? Unfit(LayerArchitecture layer, Unit unit)
        {
            LayerArchitecture cell = Cell(layer);
            if (IsRecurrent(layer))
            {
                if (!unit.Recurrent)
                {
                    return "it is not a recurrent module";
                }
                if (unit.Params.ContainsKey("weight_hr"))
                {
                    return "it has projections (weight_hr: nn.LSTM(proj_size=...)), which LstmGen's LSTM has not";
                }
                if (!unit.Params.TryGetValue("weight_ih", out string? wih) || !unit.Params.TryGetValue("weight_hh", out string? whh))
                {
                    return "it has no weight_ih or weight_hh";
                }
                int[] ih = tensors[wih].Shape, hh = tensors[whh].Shape;
                if (ih.Length != 2 || hh.Length != 2 || hh[0] % hh[1] != 0)
                {
                    return $"weight_ih {Shape(ih)} and weight_hh {Shape(hh)} are not a recurrent layer's";
                }
                int hidden = hh[1], gates = hh[0] / hidden;
                string kind = gates switch { 4 => "LSTM", 3 => "GRU", 1 => "SimpleRNN", _ => "?" };
                if (kind != cell.ClassName)
                {
                    return $"it is {(kind == "?" ? "not an LSTM, GRU or RNN" : "an " + TorchClass(kind))} ({gates} gates), not an {TorchClass(cell.ClassName)}";
                }
                bool reverse = unit.Params.ContainsKey("weight_ih_reverse");
                if (reverse != (layer.ClassName == "Bidirectional"))
                {
                    return reverse ? "it is bidirectional (it has _reverse tensors): declare [Bidirectional, ...]" : "it is not bidirectional (no _reverse tensors)";
                }
                IReadOnlyList<int> kernel = ShapeOf(layer.Weights[0]);
                int units = (int)cell.Config["units"];
                if (hidden != units || ih[1] != kernel[0] || ih[0] != gates * hidden)
                {
                    return $"its input size is {ih[1]} and hidden size {hidden}, the layer's {kernel[0]} and {units}";
                }
                bool bias = unit.Params.ContainsKey("bias_ih") || unit.Params.ContainsKey("bias_hh");
                if (bias != (bool)cell.Config["use_bias"])
                {
                    return bias ? "it has biases, and the layer has UseBias = false" : "it has no biases (bias=False): declare UseBias = false";
                }
                foreach (string suffix in reverse ? new[] { "", "_reverse" } : [""])
                {
                    foreach ((string p, int[] shape) in new[] { ("weight_ih", ih), ("weight_hh", hh) }.Concat(bias ? [("bias_ih", new[] { gates * hidden }), ("bias_hh", new[] { gates * hidden })] : []))
                    {
                        if (!unit.Params.TryGetValue(p + suffix, out string? t))
                        {
                            return $"{p}{suffix} is missing";
                        }
                        if (!tensors[t].Shape.SequenceEqual(shape))
                        {
                            return $"{t} has shape {Shape(tensors[t].Shape)}, not {Shape(shape)}";
                        }
                    }
                }
                return null;
            }
            if (unit.Recurrent)
            {
                return "it is a recurrent module";
            }
            if (!unit.Params.TryGetValue("weight", out string? weight))
            {
                return "it has no weight";
            }
            int[] w = tensors[weight].Shape;
            bool hasBias = unit.Params.ContainsKey("bias");
            if (cell.ClassName == "Embedding")
            {
                IReadOnlyList<int> e = ShapeOf(layer.Weights[0]);
                if (hasBias)
                {
                    return "it has a bias (an nn.Linear?)";
                }
                return w.SequenceEqual(e) ? null : $"its weight is {Shape(w)}, the embeddings {Shape(e)}";
            }
            IReadOnlyList<int> k = ShapeOf(layer.Weights[0]);
            if (w.Length != 2 || w[0] != k[1] || w[1] != k[0])
            {
                return $"its weight is {Shape(w)}, not (out, in) = ({k[1]}, {k[0]}){(w.Length == 3 ? " (a 3-D weight: a convolution's, e.g. nn.Conv1d; LstmGen has no Conv1D layer yet)" : "")}";
            }
            if (hasBias != (bool)cell.Config["use_bias"])
            {
                return hasBias ? "it has a bias, and the layer has UseBias = false" : "it has no bias (bias=False): declare UseBias = false";
            }
            if (hasBias && !tensors[unit.Params["bias"]].Shape.SequenceEqual([k[1]]))
            {
                return $"its bias is {Shape(tensors[unit.Params["bias"]].Shape)}, not ({k[1]})";
            }
            return null;
        }

        // ---- Conversion ----------------------------------------------------------------------------------------

        private void Convert(LayerArchitecture layer, Unit unit)
        {
            LayerArchitecture cell = Cell(layer);
            if (!IsRecurrent(layer))
            {
                float[] w = tensors[unit.Params["weight"]].Values;
                if (cell.ClassName == "Embedding")
                {
                    Add(layer.Weights[0], (float[])w.Clone());
                    return;
                }
                IReadOnlyList<int> k = ShapeOf(layer.Weights[0]);
                Add(layer.Weights[0], Transpose(w, k[1], k[0]));
                if ((bool)cell.Config["use_bias"])
                {
                    Add(layer.Weights[1], (float[])tensors[unit.Params["bias"]].Values.Clone());
                }
                return;
            }
            if (cell.ClassName is "LSTM" or "GRU"
                && (!Equals(cell.Config["activation"], Activation.Tanh) || !Equals(cell.Config["recurrent_activation"], Activation.Sigmoid)))
            {
                throw Error($"PyTorch's {TorchClass(cell.ClassName)} uses tanh and sigmoid, but {ModelName}'s layer '{layer.Name}' declares Activation = {cell.Config["activation"]}, "
                    + $"RecurrentActivation = {cell.Config["recurrent_activation"]}: declare the defaults.", layer.Name, unit.Reference);
            }
            if (cell.ClassName == "SimpleRNN" && cell.Config["activation"] is not (Activation.Tanh or Activation.Relu))
            {
                throw Error($"PyTorch's nn.RNN has tanh or relu, but {ModelName}'s layer '{layer.Name}' declares Activation = {cell.Config["activation"]}.", layer.Name, unit.Reference);
            }
            if (cell.ClassName == "GRU" && !(bool)cell.Config["reset_after"])
            {
                throw Error($"PyTorch's nn.GRU applies the reset gate after the recurrent product (Keras's reset_after=True), but {ModelName}'s layer '{layer.Name}' declares ResetAfter = false: "
                    + $"declare [Gru({cell.Config["units"]})] (ResetAfter = true, the default).", layer.Name, unit.Reference);
            }
            if (cell.Config.TryGetValue("go_backwards", out object? back) && back is true)
            {
                Warnings.Add($"{ModelName}'s layer '{layer.Name}' runs backwards (GoBackwards = true); PyTorch's modules run forwards: the predictions agree only if the PyTorch model reversed its input.");
            }
            if (layer.ClassName == "Bidirectional" && (string)layer.Config["merge_mode"] != "concat")
            {
                Warnings.Add($"{ModelName}'s layer '{layer.Name}' merges its directions with {layer.Config["merge_mode"]}; PyTorch's bidirectional modules concatenate them (forward first).");
            }
            int units = (int)cell.Config["units"], features = ShapeOf(layer.Weights[0])[0];
            bool bias = (bool)cell.Config["use_bias"];
            int per = bias ? 3 : 2;
            string[] suffixes = layer.ClassName == "Bidirectional" ? ["", "_reverse"] : [""];
            for (int d = 0; d < suffixes.Length; d++)
            {
                string s = suffixes[d];
                float[] wih = tensors[unit.Params["weight_ih" + s]].Values, whh = tensors[unit.Params["weight_hh" + s]].Values;
                string kernel = layer.Weights[d * per], recurrent = layer.Weights[d * per + 1];
                int g = Gates(cell.ClassName);
                if (cell.ClassName == "GRU")
                {
                    wih = GruRows(wih, units, features);
                    whh = GruRows(whh, units, units);
                }
                Add(kernel, Transpose(wih, g * units, features));
                Add(recurrent, Transpose(whh, g * units, units));
                if (!bias)
                {
                    continue;
                }
                float[] bih = tensors[unit.Params["bias_ih" + s]].Values, bhh = tensors[unit.Params["bias_hh" + s]].Values;
                string biasName = layer.Weights[d * per + 2];
                if (cell.ClassName == "GRU")
                {
                    // Keras's reset_after bias (2, 3u): row 0 the input bias, row 1 the recurrent bias, gates z, r, h.
                    Add(biasName, [.. GruRows(bih, units, 1), .. GruRows(bhh, units, 1)]);
                }
                else
                {
                    var sum = new float[bih.Length];
                    for (int i = 0; i < sum.Length; i++)
                    {
                        sum[i] = bih[i] + bhh[i];
                    }
                    Add(biasName, sum);
                }
            }
        }

        private void Add(string name, float[] values)
        {
            IReadOnlyList<int> shape = ShapeOf(name);
            if (values.Length != model.Weights.Find(name).Length)
            {
                throw Error($"{name} {Shape(shape)} would get {values.Length} values.", name, null);
            }
            _values.Add(new KeyValuePair<string, float[]>(name, values));
        }

        /// <summary>(rows, cols) row-major → (cols, rows) row-major.</summary>
        private static float[] Transpose(float[] a, int rows, int cols)
        {
            var t = new float[a.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    t[c * rows + r] = a[r * cols + c];
                }
            }
            return t;
        }

        /// <summary>PyTorch's GRU row blocks r, z, n (each units × cols) in Keras's order z, r, h.</summary>
        private static float[] GruRows(float[] a, int units, int cols)
        {
            int block = units * cols;
            var o = new float[a.Length];
            Array.Copy(a, block, o, 0, block);        // z
            Array.Copy(a, 0, o, block, block);        // r
            Array.Copy(a, 2 * block, o, 2 * block, block); // n = h
            return o;
        }
    }
}
