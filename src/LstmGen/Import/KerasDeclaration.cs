using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LstmGen.Import;

/// <summary>Options of <see cref="KerasDeclaration.Create"/>.</summary>
public sealed record KerasDeclarationOptions
{
    /// <summary>The model class's name; default <c>ImportedModel</c>.</summary>
    public string ClassName { get; init; } = "ImportedModel";

    /// <summary>The namespace of the declaration (a file-scoped <c>namespace X;</c>); null for none (the default).</summary>
    public string? Namespace { get; init; }

    /// <summary>The number of steps, for files whose input leaves them open (<c>(None, None, 13)</c>); it replaces the file's when both are given.</summary>
    public int? Steps { get; init; }

    /// <summary>
    /// Keep the file's layer names (<c>Name = "lstm_4"</c> on each layer), so LstmGen's weight names are the file's
    /// (<c>lstm_4/kernel</c>). Default false: LstmGen's default names (<c>lstm</c>, <c>lstm_1</c>, ...).
    /// </summary>
    public bool KeepLayerNames { get; init; }
}

/// <summary>A layer of a Keras file that LstmGen cannot declare.</summary>
public sealed class KerasUnsupportedLayer
{
    internal KerasUnsupportedLayer(string className, string layerName, int index, string location, string reason)
    {
        ClassName = className;
        LayerName = layerName;
        Index = index;
        Location = location;
        Reason = reason;
    }

    /// <summary>The Keras class (<c>Conv1D</c>).</summary>
    public string ClassName { get; }

    /// <summary>The layer's name in the file.</summary>
    public string LayerName { get; }

    /// <summary>The layer's position (0-based, InputLayer not counted).</summary>
    public int Index { get; }

    /// <summary>The layer's JSON location in the model config (<c>config.layers[3]</c>).</summary>
    public string Location { get; }

    /// <summary>Why LstmGen cannot declare it.</summary>
    public string Reason { get; }

    /// <inheritdoc />
    public override string ToString() => $"layer {Index + 1}: '{LayerName}' ({ClassName}) at {Location}: {Reason}";
}

/// <summary>
/// The LstmGen declaration of a Keras file's model (what <c>lstmgen declare</c> prints): the attributes
/// (<c>[Sequential] [Input(60, 1)] [Lstm(64, ReturnSequences = true)] [Dropout(0.2)] ...</c>) as C# source, a summary
/// of the file's layers, the layers LstmGen has no equivalent for, and the <see cref="ModelArchitecture"/> the declared
/// model will have (its weight names and shapes), so that weights can be converted without compiling the model.
/// </summary>
public sealed class KerasDeclaration
{
    private readonly Dictionary<string, int[]> _shapes;

    private KerasDeclaration(string source, IReadOnlyList<string> attributes, IReadOnlyList<KerasUnsupportedLayer> unsupported,
        ModelArchitecture? architecture, Dictionary<string, int[]> shapes, string summary)
    {
        Source = source;
        Attributes = attributes;
        Unsupported = unsupported;
        Architecture = architecture;
        _shapes = shapes;
        Summary = summary;
    }

    /// <summary>
    /// The C# source: a comment naming the file, <c>using LstmGen;</c>, the namespace if any, the attributes one per
    /// line and <c>public partial class Name;</c>. Unsupported layers appear as comments at their place.
    /// </summary>
    public string Source { get; }

    /// <summary>The attributes, one per declared layer, in order (<c>[Sequential]</c>, <c>[Input(12, 24)]</c>, <c>[Lstm(50, ReturnSequences = true)]</c>, ...).</summary>
    public IReadOnlyList<string> Attributes { get; }

    /// <summary>The file's layers LstmGen cannot declare (empty when the declaration is complete).</summary>
    public IReadOnlyList<KerasUnsupportedLayer> Unsupported { get; }

    /// <summary>True when every layer could be declared.</summary>
    public bool IsComplete => Unsupported.Count == 0;

    /// <summary>The architecture the declared model has (as its generated <c>Architecture</c>); null when <see cref="IsComplete"/> is false.</summary>
    public ModelArchitecture? Architecture { get; }

    /// <summary>A summary of the file's model: each layer's name, Keras class, output shape, parameter count and declaration.</summary>
    public string Summary { get; }

    /// <summary>The shape of one of <see cref="Architecture"/>'s weights.</summary>
    /// <exception cref="KeyNotFoundException">No weight of that name.</exception>
    public IReadOnlyList<int> WeightShape(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _shapes.TryGetValue(name, out int[]? s) ? s : throw new KeyNotFoundException($"The declared model has no weight '{name}'.");
    }

    /// <summary>Declares a Keras file's model (see the class remarks).</summary>
    /// <param name="file">A file with a model config (<c>.keras</c> or legacy <c>.h5</c> model).</param>
    /// <param name="options">Options; optional.</param>
    /// <exception cref="KerasConfigException">
    /// The file has no model config (weights only), its input shape is unknown, or it leaves the steps open and
    /// <see cref="KerasDeclarationOptions.Steps"/> is not given.
    /// </exception>
    public static KerasDeclaration Create(KerasFile file, KerasDeclarationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= new KerasDeclarationOptions();
        if (!IsIdentifier(options.ClassName))
        {
            throw new ArgumentException($"'{options.ClassName}' is not a C# class name.", nameof(options));
        }
        if (options.Namespace is not null && !options.Namespace.Split('.').All(IsIdentifier))
        {
            throw new ArgumentException($"'{options.Namespace}' is not a C# namespace.", nameof(options));
        }
        if (options.Steps is <= 0)
        {
            throw new ArgumentException($"Steps must be positive; {options.Steps} was given.", nameof(options));
        }
        string source = KerasImport.Source(file);
        KerasModelConfig model = file.Model ?? throw new KerasConfigException(
            $"{source} is a weights-only file ({file.Format}): it holds no model config to declare. Declare the model by hand, then load the weights with KerasImport.Load.",
            file.FileName, null);
        var builder = new Builder(file, model, options, source);
        return builder.Build();
    }

    private static bool IsIdentifier(string s) =>
        s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

    private sealed class Builder(KerasFile file, KerasModelConfig model, KerasDeclarationOptions options, string source)
    {
        private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int[]> _shapes = new(StringComparer.Ordinal);
        private readonly List<KerasUnsupportedLayer> _unsupported = [];
        private readonly List<LayerArchitecture> _layers = [];
        private readonly List<string> _attributes = [];
        private readonly List<string> _lines = [];
        private readonly List<string[]> _rows = [];

        public KerasDeclaration Build()
        {
            List<KerasLayer> layers = model.Layers.Where(l => l.ClassName != "InputLayer").ToList();
            int[] input = InputShape(layers);
            bool tokens = layers.Count > 0 && layers[0].ClassName == "Embedding";
            string inputAttribute = "[Input(" + string.Join(", ", input) + ")]";
            _attributes.Add("[Sequential]");
            _attributes.Add(inputAttribute);
            _lines.Add("[Sequential]");
            _lines.Add(inputAttribute);
            KerasLayer? inputLayer = model.Layers.FirstOrDefault(l => l.ClassName == "InputLayer");
            _rows.Add([inputLayer?.Name ?? "(input)", "InputLayer", Shape(input, tokens), "0", inputAttribute]);

            int[]? shape = input; // one sample, no batch; null once unknown (after an unsupported layer)
            bool tokenShape = tokens;
            for (int i = 0; i < layers.Count; i++)
            {
                KerasLayer kl = layers[i];
                int parameters = kl.Weights.Sum(w => w.Values.Length);
                FileLayer fl;
                try
                {
                    fl = KerasLayerReader.Read(kl, i, file);
                }
                catch (KerasUnsupportedLayerException e)
                {
                    _unsupported.Add(new KerasUnsupportedLayer(e.ClassName, e.LayerName, e.Index, kl.JsonPath, e.Reason));
                    _lines.Add($"// layer {i + 1}, '{kl.Name}' ({kl.ClassName}), is not supported: {e.Reason}");
                    _rows.Add([kl.Name, kl.ClassName, "?", Count(parameters), "(not supported)"]);
                    shape = null;
                    continue;
                }
                string? inputProblem = shape is null ? null : CheckInput(fl, shape, tokenShape, i == 0);
                if (inputProblem is not null)
                {
                    _unsupported.Add(new KerasUnsupportedLayer(kl.ClassName, kl.Name, i, kl.JsonPath, inputProblem));
                    _lines.Add($"// layer {i + 1}, '{kl.Name}' ({kl.ClassName}), is not supported: {inputProblem}");
                    _rows.Add([kl.Name, kl.ClassName, "?", Count(parameters), "(not supported)"]);
                    shape = null;
                    continue;
                }
                (string name, string? inner, string? explicitName, string? explicitInner) = Names(fl);
                int[]? output = shape is null ? null : OutputShape(fl, shape);
                string attribute = "[" + AttributeText.For(fl.ClassName, fl.Config, fl.Inner?.ClassName, fl.Inner?.Config, explicitName, explicitInner) + "]";
                _attributes.Add(attribute);
                _lines.Add(attribute);
                _rows.Add([kl.Name, kl.ClassName, output is null ? "?" : Shape(output, false), Count(parameters), attribute]);
                if (shape is not null && output is not null)
                {
                    _layers.Add(Describe(fl, name, inner, shape, output, tokenShape));
                }
                shape = output;
                tokenShape = false;
            }

            ModelArchitecture? architecture = _unsupported.Count == 0 ? new ModelArchitecture(options.ClassName, input, tokens, _layers.ToArray()) : null;
            return new KerasDeclaration(SourceText(), _attributes, _unsupported, architecture, _shapes, SummaryText(layers));
        }

        private int[] InputShape(List<KerasLayer> layers)
        {
            int?[]? shape = model.InputShape;
            if (shape is null && layers.Count > 0 && layers[0].ClassName == "Embedding" && layers[0].Config.HasValue("input_length"))
            {
                shape = [layers[0].Config.GetInt("input_length")];
            }
            if (shape is null)
            {
                // No input shape in the config: the features from the first layer's kernel, the steps from the options.
                KerasWeight? kernel = layers.Count > 0 ? (layers[0].Weights.Count > 0 ? layers[0].Weights[0] : null) : null;
                if (kernel is not null && kernel.Shape.Count == 2 && layers[0].ClassName is "LSTM" or "GRU" or "SimpleRNN" or "Bidirectional" or "CuDNNLSTM" or "CuDNNGRU" or "TimeDistributed")
                {
                    shape = [null, kernel.Shape[0]];
                }
                else
                {
                    throw new KerasConfigException(
                        $"{source}: the model config gives no input shape (no InputLayer, batch_input_shape or build_input_shape), and it cannot be told from the first layer. Declare the model by hand.",
                        file.FileName, "config");
                }
            }
            if (shape.Length is not (1 or 2))
            {
                throw new KerasConfigException(
                    $"{source}: the model's input has shape (None, {string.Join(", ", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "None"))}); LstmGen's inputs are (steps, features), (features) or (tokens).",
                    file.FileName, "config");
            }
            var dims = new int[shape.Length];
            for (int d = 0; d < shape.Length; d++)
            {
                bool steps = d == 0 && (shape.Length == 2 || (layers.Count > 0 && layers[0].ClassName == "Embedding"));
                if (steps && options.Steps is int n)
                {
                    dims[d] = n;
                }
                else if (shape[d] is int v && v > 0)
                {
                    dims[d] = v;
                }
                else
                {
                    string text = "(None, " + string.Join(", ", shape.Select(x => x?.ToString(CultureInfo.InvariantCulture) ?? "None")) + ")";
                    throw new KerasConfigException(steps
                        ? $"{source}: the model's input has shape {text}: the number of steps is left open. Give it (lstmgen declare --steps N, or KerasDeclarationOptions.Steps)."
                        : $"{source}: the model's input has shape {text}: its size is unknown.", file.FileName, "config");
                }
            }
            return dims;
        }

        /// <summary>Why the layer cannot take its input (LstmGen's shape rules), or null.</summary>
        private static string? CheckInput(FileLayer fl, int[] shape, bool tokens, bool first)
        {
            bool sequence = shape.Length == 2 && !tokens;
            return fl.ClassName switch
            {
                "Embedding" when !first => "an Embedding must be the first layer (it takes the input's token ids)",
                "LSTM" or "GRU" or "SimpleRNN" or "Bidirectional" or "TimeDistributed" or "SpatialDropout1D" or "ZeroPadding1D" when !sequence && !tokens =>
                    $"it needs a sequence (steps, features) but receives ({string.Join(", ", shape)})",
                "RepeatVector" when shape.Length != 1 || tokens => $"it needs a vector (features) but receives ({string.Join(", ", shape)})",
                _ when tokens && fl.ClassName != "Embedding" => "the input is token ids, which only an Embedding takes",
                _ => null,
            };
        }

        private static int[] OutputShape(FileLayer fl, int[] s)
        {
            int Units(FileLayer l) => (int)l.Config["units"];
            switch (fl.ClassName)
            {
                case "Embedding":
                    return [s[0], (int)fl.Config["output_dim"]];
                case "LSTM":
                case "GRU":
                case "SimpleRNN":
                    return (bool)fl.Config["return_sequences"] ? [s[0], Units(fl)] : [Units(fl)];
                case "Bidirectional":
                {
                    int u = Units(fl.Inner!) * ((string)fl.Config["merge_mode"] == "concat" ? 2 : 1);
                    return (bool)fl.Inner!.Config["return_sequences"] ? [s[0], u] : [u];
                }
                case "Dense":
                    return s.Length == 2 ? [s[0], Units(fl)] : [Units(fl)];
                case "TimeDistributed":
                    return [s[0], Units(fl.Inner!)];
                case "RepeatVector":
                    return [(int)fl.Config["n"], s[0]];
                case "ZeroPadding1D":
                {
                    var p = (int[])fl.Config["padding"];
                    return [s[0] + p[0] + p[1], s[1]];
                }
                default:
                    return s.ToArray();
            }
        }

        private (string Name, string? Inner, string? ExplicitName, string? ExplicitInner) Names(FileLayer fl)
        {
            string Kind(string cls) => cls switch
            {
                "Lambda" => "lambda",
                _ => KerasNaming.ToSnakeCase(cls),
            };
            string? keep(string fileName) => options.KeepLayerNames && IsLayerName(fileName) ? fileName : null;
            if (fl.Inner is FileLayer inner)
            {
                // As Keras (and LstmGen), the wrapped layer is named first, then the wrapper.
                string innerFile = inner.Source.Name;
                if (fl.ClassName == "Bidirectional" && innerFile.StartsWith("forward_", StringComparison.Ordinal) && !_used.Contains(innerFile[8..]))
                {
                    innerFile = innerFile[8..]; // Keras 3 stores the wrapped layer as forward_<name>
                }
                string? innerExplicit = keep(innerFile);
                string innerName = Take(innerExplicit, Kind(inner.ClassName));
                string? wrapperExplicit = keep(fl.Source.Name);
                string wrapperName = Take(wrapperExplicit, Kind(fl.ClassName));
                return (wrapperName, innerName, wrapperExplicit, innerExplicit);
            }
            string? explicitName = keep(fl.Source.Name);
            return (Take(explicitName, Kind(fl.ClassName)), null, explicitName, null);
        }

        private static bool IsLayerName(string name) => name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-');

        /// <summary>LstmGen's naming: an explicit name as is; otherwise the snake-case class with a per-class counter.</summary>
        private string Take(string? explicitName, string kind)
        {
            string name;
            if (explicitName is not null)
            {
                name = explicitName;
            }
            else
            {
                _counters.TryGetValue(kind, out int n);
                _counters[kind] = n + 1;
                name = n == 0 ? kind : kind + "_" + n.ToString(CultureInfo.InvariantCulture);
            }
            _used.Add(name);
            return name;
        }

        private LayerArchitecture Describe(FileLayer fl, string name, string? innerName, int[] input, int[] output, bool tokens)
        {
            var weights = new List<string>();
            int features = tokens ? 0 : input[^1];
            void Add(string weight, params int[] shape)
            {
                weights.Add(weight);
                _shapes[weight] = shape;
            }
            void Recurrent(FileLayer r, string prefix)
            {
                int u = (int)r.Config["units"];
                int g = r.ClassName switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
                Add(prefix + "/kernel", features, g * u);
                Add(prefix + "/recurrent_kernel", u, g * u);
                if ((bool)r.Config["use_bias"])
                {
                    if (r.ClassName == "GRU" && (bool)r.Config["reset_after"])
                    {
                        Add(prefix + "/bias", 2, g * u);
                    }
                    else
                    {
                        Add(prefix + "/bias", g * u);
                    }
                }
            }
            void DenseWeights(FileLayer d, string prefix)
            {
                int u = (int)d.Config["units"];
                Add(prefix + "/kernel", features, u);
                if ((bool)d.Config["use_bias"])
                {
                    Add(prefix + "/bias", u);
                }
            }
            switch (fl.ClassName)
            {
                case "LSTM":
                case "GRU":
                case "SimpleRNN":
                    Recurrent(fl, name);
                    break;
                case "Bidirectional":
                    Recurrent(fl.Inner!, $"{name}/forward_{innerName}");
                    Recurrent(fl.Inner!, $"{name}/backward_{innerName}");
                    break;
                case "Dense":
                    DenseWeights(fl, name);
                    break;
                case "TimeDistributed":
                    DenseWeights(fl.Inner!, name);
                    break;
                case "Embedding":
                    Add(name + "/embeddings", (int)fl.Config["input_dim"], (int)fl.Config["output_dim"]);
                    break;
            }
            int[] layerIn = tokens ? [input[0]] : input;
            LayerArchitecture? inner = fl.Inner is FileLayer i
                ? new LayerArchitecture(innerName!, i.ClassName, layerIn, output, [], i.Config.ToArray())
                : null;
            return new LayerArchitecture(name, fl.ClassName, layerIn, output, weights.ToArray(), fl.Config.ToArray(), inner);
        }

        private string SourceText()
        {
            var b = new StringBuilder();
            string fileName = file.FileName is null ? "a Keras file" : System.IO.Path.GetFileName(file.FileName);
            string what = file.Format switch
            {
                KerasFileFormat.KerasArchive => ".keras archive",
                _ => "HDF5 model",
            };
            b.Append("// Declared by `lstmgen declare` from ").Append(fileName).Append(" (").Append(what)
                .Append(file.KerasVersion is null ? "" : ", Keras " + file.KerasVersion).Append(", ").Append(model.ModelClass)
                .Append(model.Name is null ? "" : " '" + model.Name + "'").Append(").\n");
            b.Append("// Load its weights with KerasImport.Load(new ").Append(options.ClassName).Append("(), \"").Append(fileName).Append("\").\n");
            if (_unsupported.Count > 0)
            {
                b.Append("// INCOMPLETE: ").Append(_unsupported.Count).Append(" layer(s) of the file cannot be declared (see below); this model is not the file's.\n");
            }
            b.Append("using LstmGen;\n\n");
            if (options.Namespace is not null)
            {
                b.Append("namespace ").Append(options.Namespace).Append(";\n\n");
            }
            foreach (string line in _lines)
            {
                b.Append(line).Append('\n');
            }
            b.Append("public partial class ").Append(options.ClassName).Append(";\n");
            return b.ToString();
        }

        private string SummaryText(List<KerasLayer> layers)
        {
            var b = new StringBuilder();
            string fileName = file.FileName is null ? "the file" : System.IO.Path.GetFileName(file.FileName);
            b.Append("Model: ").Append(model.Name is null ? "(unnamed)" : "\"" + model.Name + "\"").Append(" (").Append(model.ModelClass).Append(") in ").Append(fileName)
                .Append(": ").Append(file.Format).Append(file.KerasVersion is null ? "" : ", Keras " + file.KerasVersion)
                .Append(file.UsesKeras2HardSigmoid ? " (hard_sigmoid = clip(0.2x + 0.5, 0, 1))" : "").Append('\n');
            string[] header = ["Layer", "Keras class", "Output shape", "Param #", "LstmGen"];
            int[] widths = new int[header.Length];
            foreach (string[] row in _rows.Prepend(header))
            {
                for (int c = 0; c < row.Length; c++)
                {
                    widths[c] = Math.Max(widths[c], row[c].Length);
                }
            }
            void Row(string[] row)
            {
                for (int c = 0; c < row.Length; c++)
                {
                    string cell = c == 3 ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]);
                    b.Append(c == 0 ? "" : "  ").Append(c == row.Length - 1 ? cell.TrimEnd() : cell);
                }
                b.Append('\n');
            }
            Row(header);
            b.Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
            foreach (string[] row in _rows)
            {
                Row(row);
            }
            long total = layers.Sum(l => (long)l.Weights.Sum(w => w.Values.Length));
            b.Append("Total params: ").Append(total.ToString("N0", CultureInfo.InvariantCulture)).Append('\n');
            if (_unsupported.Count == 0)
            {
                b.Append("Every layer maps to LstmGen.\n");
            }
            else
            {
                b.Append("Unsupported layers (").Append(_unsupported.Count).Append("):\n");
                foreach (KerasUnsupportedLayer u in _unsupported)
                {
                    b.Append("  ").Append(u).Append('\n');
                }
            }
            return b.ToString();
        }

        private static string Shape(int[] s, bool tokens) => "(None, " + string.Join(", ", s) + ")" + (tokens ? " ids" : "");

        private static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
    }
}
