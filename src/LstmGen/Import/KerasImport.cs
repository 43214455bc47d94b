using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace LstmGen.Import;

/// <summary>Options of <see cref="KerasImport"/>.</summary>
public sealed record KerasImportOptions
{
    /// <summary>
    /// When true, differences that do not change the model's predictions are errors too: dropout rates (a
    /// <c>Dropout</c>'s <c>rate</c>, a recurrent layer's <c>dropout</c> and <c>recurrent_dropout</c>),
    /// <c>unit_forget_bias</c> (an initialiser setting), a number of steps other than the file's, a stateful RNN, a
    /// Lambda layer that cannot be checked. Default false: they are reported in <see cref="KerasImportResult.Warnings"/>.
    /// </summary>
    public bool Strict { get; init; }
}

/// <summary>What <see cref="KerasImport.Load(ISequentialModel, string, KerasImportOptions?)"/> did.</summary>
public sealed class KerasImportResult
{
    internal KerasImportResult(KerasFile file, IReadOnlyList<string> warnings, IReadOnlyList<string> weights, int parameters)
    {
        File = file;
        Warnings = warnings;
        Weights = weights;
        Parameters = parameters;
    }

    /// <summary>The file as read.</summary>
    public KerasFile File { get; }

    /// <summary>
    /// Differences between the file and the model that do not change predictions (dropout rates, unit_forget_bias, the
    /// number of steps, ...): see <see cref="KerasImportOptions.Strict"/>. Empty when the file matches exactly.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The model's weights that were set, by name, in model order (all of them).</summary>
    public IReadOnlyList<string> Weights { get; }

    /// <summary>The number of values set.</summary>
    public int Parameters { get; }
}

/// <summary>
/// Loads a trained Keras model's weights into a generated LstmGen model, after checking that the file's model is the
/// declared one.
/// </summary>
/// <remarks>
/// <para>
/// Files: a Keras 3 <c>.keras</c> archive, a legacy HDF5 <c>.h5</c> full model (Keras 1/2, tf.keras 2.x, Keras 3), a
/// Keras 3 <c>.weights.h5</c> or a Keras 2 weights-only <c>.h5</c> (see <see cref="KerasFile"/>; the format is told by
/// the first bytes, not the extension).
/// </para>
/// <para>
/// With a config (<c>.keras</c>, legacy <c>.h5</c> model), the file's layers are compared with the model's
/// <see cref="ISequentialModel.Architecture"/> one by one (InputLayer skipped): the Keras class (Keras 2's
/// <c>CuDNNLSTM</c> is an <c>LSTM</c>, its <c>CuDNNGRU</c> a <c>GRU</c> with <c>reset_after</c>), units, activations
/// (<c>hard_sigmoid</c> is <see cref="Activation.HardSigmoidKeras2"/> in a file from Keras 1/2 or tf.keras 2.x,
/// <see cref="Activation.HardSigmoid"/> from Keras 3), <c>use_bias</c>, <c>return_sequences</c>, <c>return_state</c>,
/// <c>go_backwards</c>, <c>reset_after</c> (false when a Keras 2 GRU config lacks it), a Bidirectional's merge mode and
/// wrapped layer, Embedding sizes and <c>mask_zero</c>, RepeatVector, ZeroPadding1D and Activation settings, and the
/// input's features (and steps, when the file fixes them). The first difference is a
/// <see cref="KerasArchitectureMismatchException"/> naming both layers and the declaration to write; a layer LstmGen
/// has no equivalent for is a <see cref="KerasUnsupportedLayerException"/>. Dropout rates and <c>unit_forget_bias</c>
/// change no prediction and are warnings (<see cref="KerasImportOptions.Strict"/> makes them errors).
/// </para>
/// <para>
/// Without a config (<c>.weights.h5</c>), Keras 3's group names (<c>layers/lstm</c>, <c>layers/lstm_1</c>,
/// <c>layers/dense</c>: class and per-class counter in model order) must be those of the model's layers; a Keras 2
/// weights-only file's layers with weights are taken in order. Either way every weight's shape must be the model's
/// exactly.
/// </para>
/// <para>
/// All or nothing: every layer and weight is checked, then all weights are written at once
/// (<see cref="WeightStore.SetMany"/>); on any exception the model's weights are exactly as they were.
/// </para>
/// </remarks>
public static class KerasImport
{
    /// <summary>Loads a Keras file's weights into <paramref name="model"/> (see the class remarks).</summary>
    /// <param name="model">The generated model (its <see cref="ISequentialModel.Architecture"/> is checked against the file).</param>
    /// <param name="path">The <c>.keras</c>, <c>.h5</c> or <c>.weights.h5</c> file.</param>
    /// <param name="options">Options; optional.</param>
    /// <returns>The warnings and the weights set.</returns>
    /// <exception cref="KerasFormatException">The file cannot be read, or does not fit the model (a subclass says how); the model is unchanged.</exception>
    public static KerasImportResult Load(ISequentialModel model, string path, KerasImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        return Load(model, KerasFile.Read(path), options);
    }

    /// <summary>Loads a Keras file's weights from a stream (read to its end) into <paramref name="model"/>.</summary>
    /// <param name="model">The generated model.</param>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="fileName">A name for messages; optional.</param>
    /// <param name="options">Options; optional.</param>
    public static KerasImportResult Load(ISequentialModel model, Stream stream, string? fileName = null, KerasImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        return Load(model, KerasFile.Read(stream, fileName), options);
    }

    /// <summary>Loads the weights of a Keras file already read into <paramref name="model"/>.</summary>
    /// <param name="model">The generated model.</param>
    /// <param name="file">The file, as read by <see cref="KerasFile.Read(string)"/>.</param>
    /// <param name="options">Options; optional.</param>
    public static KerasImportResult Load(ISequentialModel model, KerasFile file, KerasImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(file);
        WeightStore store = model.Weights;
        var warnings = new List<string>();
        List<KeyValuePair<string, float[]>> values = MapWeights(model.Architecture, name => store.Find(name).Dimensions, file, options ?? new KerasImportOptions(), warnings);
        var missing = store.Entries.Select(e => e.Name).Except(values.Select(v => v.Key), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            // Cannot happen when the architecture lists every weight; kept so that no weight is left silently unset.
            throw new KerasWeightMismatchException(
                $"{Source(file)} sets no value for {string.Join(", ", missing)} of {model.Architecture.ModelName}.", file.FileName, null, missing[0], store.Find(missing[0]).Dimensions, null);
        }
        store.SetMany(values);
        return new KerasImportResult(file, warnings, values.Select(v => v.Key).ToList(), values.Sum(v => v.Value.Length));
    }

    /// <summary>
    /// Checks a Keras file against an architecture and returns the weights in the architecture's names and layouts,
    /// without setting anything (see <see cref="Load(ISequentialModel, KerasFile, KerasImportOptions?)"/> for the checks).
    /// </summary>
    /// <param name="architecture">The model's architecture.</param>
    /// <param name="shapeOf">The shape of each of the architecture's weights, by name.</param>
    /// <param name="file">The file.</param>
    /// <param name="options">Options; optional.</param>
    /// <param name="warnings">Receives the warnings; optional.</param>
    /// <returns>Every weight of the architecture, in model order, with its values.</returns>
    public static IReadOnlyList<KeyValuePair<string, float[]>> ReadWeights(ModelArchitecture architecture, Func<string, IReadOnlyList<int>> shapeOf,
        KerasFile file, KerasImportOptions? options = null, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(shapeOf);
        ArgumentNullException.ThrowIfNull(file);
        var list = new List<string>();
        List<KeyValuePair<string, float[]>> values = MapWeights(architecture, shapeOf, file, options ?? new KerasImportOptions(), list);
        if (warnings is not null)
        {
            foreach (string w in list)
            {
                warnings.Add(w);
            }
        }
        return values;
    }

    internal static string Source(KerasFile file) => file.FileName is null ? "The file" : $"'{file.FileName}'";

    private static List<KeyValuePair<string, float[]>> MapWeights(ModelArchitecture arch, Func<string, IReadOnlyList<int>> shapeOf, KerasFile file,
        KerasImportOptions options, List<string> warnings)
    {
        var context = new Context(arch, shapeOf, file, options, warnings);
        return file.Model is not null ? context.WithConfig() : context.WeightsOnly();
    }

    private sealed class Context(ModelArchitecture arch, Func<string, IReadOnlyList<int>> shapeOf, KerasFile file, KerasImportOptions options, List<string> warnings)
    {
        private readonly string _source = Source(file);
        private readonly List<KeyValuePair<string, float[]>> _values = [];

        private string Model => arch.ModelName;

        private void Warn(string message, Func<KerasArchitectureMismatchException> strictError)
        {
            if (options.Strict)
            {
                throw strictError();
            }
            warnings.Add(message);
        }

        // --------------------------------------------------------------------------------------------------------
        // Files with a model config
        // --------------------------------------------------------------------------------------------------------

        public List<KeyValuePair<string, float[]>> WithConfig()
        {
            KerasModelConfig config = file.Model!;
            CheckInput(config);
            List<KerasLayer> fileLayers = config.Layers.Where(l => l.ClassName != "InputLayer").ToList();
            IReadOnlyList<LayerArchitecture> modelLayers = arch.Layers;
            for (int i = 0; i < Math.Max(fileLayers.Count, modelLayers.Count); i++)
            {
                if (i >= fileLayers.Count)
                {
                    LayerArchitecture m = modelLayers[i];
                    throw new KerasArchitectureMismatchException(
                        $"{_source} does not match {Model}: the file has {fileLayers.Count} layers ({List(fileLayers)}), the model {modelLayers.Count}; "
                        + $"the model's layer {i + 1}, '{m.Name}' ({m.ClassName}) {AttributeText.Of(m)}, has no counterpart in the file. Remove it from the declaration.",
                        file.FileName, null, i, null, Describe(m), "layers", fileLayers.Count.ToString(CultureInfo.InvariantCulture),
                        modelLayers.Count.ToString(CultureInfo.InvariantCulture), null);
                }
                KerasLayer kl = fileLayers[i];
                if (i >= modelLayers.Count)
                {
                    string declaration = TryDeclare(kl, i);
                    throw new KerasArchitectureMismatchException(
                        $"{_source} does not match {Model}: the file has {fileLayers.Count} layers ({List(fileLayers)}), the model {modelLayers.Count}; "
                        + $"the file's layer {i + 1}, '{kl.Name}' ({kl.ClassName}), has no counterpart in the model. Declare it after the last layer: {declaration}.",
                        file.FileName, kl.JsonPath, i, $"'{kl.Name}' ({kl.ClassName})", null, "layers", fileLayers.Count.ToString(CultureInfo.InvariantCulture),
                        modelLayers.Count.ToString(CultureInfo.InvariantCulture), declaration);
                }
                LayerArchitecture ml = modelLayers[i];
                if (kl.ClassName == "Lambda" && ml.ClassName == "Lambda")
                {
                    Warn($"{_source}: layer {i + 1} of the file, '{kl.Name}' (Lambda), holds Python code that cannot be checked; it is taken to be the model's {AttributeText.Of(ml)} ('{ml.Name}').",
                        () => Mismatch(i, kl, ml, "class", "Lambda", "Lambda", null,
                            $"layer {i + 1} of the file, '{kl.Name}' (Lambda), holds Python code that cannot be checked against the model's {AttributeText.Of(ml)} ('{ml.Name}') (Strict)"));
                    ExpectNoWeights(kl, ml, i);
                    continue;
                }
                FileLayer fl = KerasLayerReader.Read(kl, i, file);
                foreach ((string key, string note) in fl.Notes)
                {
                    Warn($"{_source}: {note}.", () => Mismatch(i, kl, ml, key, null, null, null, note + " (Strict)"));
                }
                Compare(fl, ml, i);
                MapLayerWeights(fl, ml, i);
            }
            foreach (KerasWeightGroup g in file.WeightGroups)
            {
                if (g.LayerName is null && g.Weights.Count > 0)
                {
                    throw new KerasWeightMismatchException(
                        $"{_source}: the weight group {g.Path} ({string.Join(", ", g.Weights.Select(w => $"{w.Name} {w.ShapeText}"))}) belongs to no layer of the file's config: the file is inconsistent, or not this model's.",
                        file.FileName, g.Path, null, null, g.Weights[0].Shape);
                }
            }
            return _values;
        }

        private string TryDeclare(KerasLayer kl, int i)
        {
            try
            {
                return AttributeText.Of(KerasLayerReader.Read(kl, i, file));
            }
            catch (KerasFormatException e) when (e is KerasUnsupportedLayerException or KerasConfigException)
            {
                return $"(none: {kl.ClassName} '{kl.Name}' cannot be declared: {(e is KerasUnsupportedLayerException u ? u.Reason : e.Message)})";
            }
        }

        private static string List(IEnumerable<KerasLayer> layers) => string.Join(", ", layers.Select(l => $"'{l.Name}' {l.ClassName}"));

        private static string Describe(LayerArchitecture m) => $"'{m.Name}' ({m.ClassName})";

        /// <summary>"an LSTM", "a GRU", "an Embedding".</summary>
        private static string A(string className) =>
            (className.StartsWith("LSTM", StringComparison.Ordinal) || "AEIOU".Contains(className[0]) ? "an " : "a ") + className;

        private void CheckInput(KerasModelConfig config)
        {
            if (config.InputShape is not int?[] fileShape)
            {
                return;
            }
            IReadOnlyList<int> modelShape = arch.InputShape;
            string FileText() => "(None, " + string.Join(", ", fileShape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "None")) + ")";
            string ModelText() => "[Input(" + string.Join(", ", modelShape) + ")]";
            string Declare()
            {
                var dims = fileShape.Select((d, k) => d ?? (k < modelShape.Count ? modelShape[k] : 0)).ToArray();
                return "[Input(" + string.Join(", ", dims) + ")]";
            }
            if (fileShape.Length != modelShape.Count)
            {
                throw new KerasArchitectureMismatchException(
                    $"{_source} does not match {Model}: the file's input has shape {FileText()} (batch first), the model's is {ModelText()}: "
                    + $"{(fileShape.Length == 2 ? "a sequence (steps, features)" : "one vector or token sequence")} against {(modelShape.Count == 2 ? "a sequence (steps, features)" : "one vector or token sequence")}. "
                    + $"Declare {Declare()}.",
                    file.FileName, null, -1, null, null, "input shape", FileText(), ModelText(), Declare());
            }
            bool stepsFirst = modelShape.Count == 2 || arch.TokenInput;
            for (int d = 0; d < fileShape.Length; d++)
            {
                if (fileShape[d] is not int f || f == modelShape[d])
                {
                    continue;
                }
                if (stepsFirst && d == 0)
                {
                    string what = arch.TokenInput ? "tokens" : "steps";
                    Warn($"{_source}: the file's model takes {f} {what} per sample, {Model} {modelShape[0]} (weights do not depend on the number of steps; predictions with other lengths are the model's own).",
                        () => new KerasArchitectureMismatchException(
                            $"{_source} does not match {Model}: the file's input has shape {FileText()}, the model's is {ModelText()}: {f} {what} against {modelShape[0]} (Strict). Declare {Declare()}.",
                            file.FileName, null, -1, null, null, "input shape", FileText(), ModelText(), Declare()));
                    continue;
                }
                throw new KerasArchitectureMismatchException(
                    $"{_source} does not match {Model}: the file's input has shape {FileText()}, the model's is {ModelText()}: {f} features against {modelShape[d]}. Declare {Declare()}.",
                    file.FileName, null, -1, null, null, "input shape", FileText(), ModelText(), Declare());
            }
        }

        private KerasArchitectureMismatchException Mismatch(int i, KerasLayer kl, LayerArchitecture ml, string attribute, string? fileValue, string? modelValue,
            string? declaration, string what) =>
            new($"{_source} does not match {Model}: {what}.{(declaration is null ? "" : $" Declare that layer as {declaration} (now {AttributeText.Of(ml)}).")}",
                file.FileName, kl.JsonPath, i, $"'{kl.Name}' ({kl.ClassName})", Describe(ml), attribute, fileValue, modelValue, declaration);

        private void Compare(FileLayer fl, LayerArchitecture ml, int i)
        {
            KerasLayer kl = fl.Source;
            string declaration = AttributeText.Of(fl);
            string fileSide = $"layer {i + 1} of the file, '{kl.Name}' ({kl.ClassName}{(kl.ClassName != fl.ClassName ? ", an " + fl.ClassName : "")})";
            string modelSide = $"layer {i + 1} of the model, '{ml.Name}' ({ml.ClassName})";
            if (fl.ClassName != ml.ClassName)
            {
                throw Mismatch(i, kl, ml, "class", fl.ClassName, ml.ClassName, declaration, $"{fileSide}, is {A(fl.ClassName)}, but {modelSide}, is {A(ml.ClassName)}");
            }
            CompareConfig(fl.Config, ml.Config, fileSide, modelSide, i, kl, ml, declaration);
            if (ml.Inner is LayerArchitecture mi)
            {
                FileLayer fi = fl.Inner!;
                string fileInner = $"the layer wrapped by {fileSide}, '{fi.Source.Name}' ({fi.Source.ClassName})";
                string modelInner = $"the layer wrapped by {modelSide}, '{mi.Name}' ({mi.ClassName})";
                if (fi.ClassName != mi.ClassName)
                {
                    throw Mismatch(i, kl, ml, "class", fi.ClassName, mi.ClassName, declaration, $"{fileInner}, is {A(fi.ClassName)}, but {modelInner}, is {A(mi.ClassName)}");
                }
                CompareConfig(fi.Config, mi.Config, fileInner, modelInner, i, kl, ml, declaration);
            }
        }

        private void CompareConfig(Dictionary<string, object> fileConfig, IReadOnlyDictionary<string, object> modelConfig, string fileSide, string modelSide,
            int i, KerasLayer kl, LayerArchitecture ml, string declaration)
        {
            foreach ((string key, object modelValue) in modelConfig)
            {
                if (!fileConfig.TryGetValue(key, out object? fileValue) || KerasLayerReader.SameValue(fileValue, modelValue))
                {
                    continue;
                }
                string fv = KerasLayerReader.FormatValue(fileValue), mv = KerasLayerReader.FormatValue(modelValue);
                string what = $"{fileSide}, has {key} = {fv}, but {modelSide}, has {key} = {mv}";
                if (KerasLayerReader.TrainingOnlyKeys.Contains(key))
                {
                    Warn($"{_source}: {what} (a training setting: predictions are the same). Declaring {declaration} would match the file exactly.",
                        () => Mismatch(i, kl, ml, key, fv, mv, declaration, what + " (Strict)"));
                    continue;
                }
                if (key == "recurrent_activation" && fileValue is Activation.HardSigmoidKeras2 or Activation.HardSigmoid)
                {
                    what += fileValue is Activation.HardSigmoidKeras2
                        ? $" (the file was written by Keras {file.KerasVersion ?? "1/2"}, whose hard_sigmoid is clip(0.2x + 0.5, 0, 1))"
                        : " (the file was written by Keras 3, whose hard_sigmoid is relu6(x + 3) / 6)";
                }
                throw Mismatch(i, kl, ml, key, fv, mv, declaration, what);
            }
        }

        private void ExpectNoWeights(KerasLayer kl, LayerArchitecture ml, int i)
        {
            if (kl.Weights.Count > 0 || ml.Weights.Count > 0)
            {
                throw new KerasWeightMismatchException(
                    $"{_source}: layer {i + 1} of the file, '{kl.Name}' ({kl.ClassName}), has {kl.Weights.Count} weights and the model's '{ml.Name}' {ml.Weights.Count}.",
                    file.FileName, kl.WeightGroup, ml.Weights.FirstOrDefault(), null, null);
            }
        }

        private void MapLayerWeights(FileLayer fl, LayerArchitecture ml, int i)
        {
            KerasLayer kl = fl.Source;
            string where = $"layer {i + 1} of the file, '{kl.Name}' ({kl.ClassName}{(kl.WeightGroup is null ? ", no weight group in the file" : " at " + kl.WeightGroup)})";
            MapWeights(kl.Weights, ml, fl.Fix, where, kl.WeightGroup);
        }

        /// <summary>Maps one layer's weights (file order = Keras order = the model's order) after checking count and shapes.</summary>
        private void MapWeights(IReadOnlyList<KerasWeight> fileWeights, LayerArchitecture ml, WeightFix fix, string where, string? group)
        {
            IReadOnlyList<string> expected = ml.Weights;
            string Expected() => expected.Count == 0 ? "none" : string.Join(", ", expected.Select(n => $"{n} {ShapeText(shapeOf(n))}"));
            string Found() => fileWeights.Count == 0 ? "none" : string.Join(", ", fileWeights.Select(w => $"{w.Path} {w.ShapeText}"));
            if (fileWeights.Count != expected.Count)
            {
                if (fileWeights.Count < expected.Count)
                {
                    string missing = expected[fileWeights.Count];
                    throw new KerasWeightMismatchException(
                        $"{_source}: {where} holds {fileWeights.Count} weights ({Found()}), but the model's layer '{ml.Name}' ({ml.ClassName}) takes {expected.Count} ({Expected()}): "
                        + $"{string.Join(", ", expected.Skip(fileWeights.Count))} {(expected.Count - fileWeights.Count == 1 ? "is" : "are")} missing from the file.",
                        file.FileName, group, missing, shapeOf(missing), null);
                }
                KerasWeight extra = fileWeights[expected.Count];
                throw new KerasWeightMismatchException(
                    $"{_source}: {where} holds {fileWeights.Count} weights ({Found()}), but the model's layer '{ml.Name}' ({ml.ClassName}) takes {expected.Count} ({Expected()}): "
                    + $"the model has no place for {extra.Path} {extra.ShapeText}{(expected.Count > 0 ? "" : "")}.",
                    file.FileName, extra.Path, null, null, extra.Shape);
            }
            int perDirection = ml.ClassName == "Bidirectional" ? expected.Count / 2 : expected.Count;
            for (int j = 0; j < expected.Count; j++)
            {
                string name = expected[j];
                KerasWeight w = fileWeights[j];
                IReadOnlyList<int> shape = shapeOf(name);
                string leaf = Leaf(name);
                string? fileLeaf = FileLeaf(w.Name);
                if (fileLeaf is not null && fileLeaf != leaf)
                {
                    throw new KerasWeightMismatchException(
                        $"{_source}: {where}: weight {j + 1} in the file is {w.Path} {w.ShapeText}, a '{fileLeaf}', where the model's '{ml.Name}' takes {name} {ShapeText(shape)}, a '{leaf}'.",
                        file.FileName, w.Path, name, shape, w.Shape);
                }
                float[] values = w.Values;
                IReadOnlyList<int> fileShape = w.Shape;
                bool isBias = j % perDirection == 2;
                if (fix == WeightFix.CuDnnLstmBias && isBias && fileShape.Count == 1 && fileShape[0] % 8 == 0)
                {
                    int half = fileShape[0] / 2;
                    values = new float[half];
                    for (int k = 0; k < half; k++)
                    {
                        values[k] = w.Values[k] + w.Values[half + k]; // cuDNN's input bias + recurrent bias
                    }
                    fileShape = [half];
                }
                else if (fix == WeightFix.CuDnnGruBias && isBias && fileShape.Count == 1 && fileShape[0] % 2 == 0)
                {
                    fileShape = [2, fileShape[0] / 2]; // input bias, then recurrent bias: GRU(reset_after=True)'s (2, 3u)
                }
                if (!fileShape.SequenceEqual(shape))
                {
                    throw new KerasWeightMismatchException(
                        $"{_source}: {where}: the weight {w.Path} has shape {w.ShapeText}, but the model's {name} has shape {ShapeText(shape)}.",
                        file.FileName, w.Path, name, shape, w.Shape);
                }
                for (int k = 0; k < values.Length; k++)
                {
                    if (!float.IsFinite(values[k]))
                    {
                        throw new KerasWeightMismatchException(
                            $"{_source}: {where}: the weight {w.Path} holds {values[k].ToString(CultureInfo.InvariantCulture)} at element {k}; LstmGen's weights must be finite.",
                            file.FileName, w.Path, name, shape, w.Shape);
                    }
                }
                _values.Add(new KeyValuePair<string, float[]>(name, values == w.Values ? (float[])values.Clone() : values));
            }
        }

        private static string Leaf(string name) => name[(name.LastIndexOf('/') + 1)..];

        /// <summary>The weight's kind in a legacy file (<c>kernel</c> of <c>lstm/lstm_cell/kernel:0</c>); null for Keras 3's <c>vars/0</c>.</summary>
        private static string? FileLeaf(string name)
        {
            string leaf = Leaf(name);
            int colon = leaf.IndexOf(':');
            if (colon >= 0)
            {
                leaf = leaf[..colon];
            }
            return leaf.Length == 0 || leaf.All(char.IsAsciiDigit) ? null : leaf;
        }

        // --------------------------------------------------------------------------------------------------------
        // Weights-only files
        // --------------------------------------------------------------------------------------------------------

        public List<KeyValuePair<string, float[]>> WeightsOnly()
        {
            IReadOnlyList<LayerArchitecture> layers = arch.Layers;
            if (file.Format == KerasFileFormat.Keras3Weights)
            {
                IReadOnlyList<string> names = KerasNaming.WeightGroupNames(layers.Select(l => l.ClassName));
                var byName = file.WeightGroups.ToDictionary(g => g.Name, StringComparer.Ordinal);
                var claimed = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < layers.Count; i++)
                {
                    LayerArchitecture ml = layers[i];
                    claimed.Add(names[i]);
                    if (!byName.TryGetValue(names[i], out KerasWeightGroup? g))
                    {
                        if (ml.Weights.Count == 0)
                        {
                            continue;
                        }
                        throw new KerasWeightMismatchException(
                            $"{_source} has no weight group layers/{names[i]} for the model's layer {i + 1}, '{ml.Name}' ({ml.ClassName}): Keras 3 names the groups by class "
                            + $"and count in model order, so the model's groups are {string.Join(", ", names)} and the file's {Groups()}. The file is not this model's.",
                            file.FileName, "/layers/" + names[i], ml.Weights[0], shapeOf(ml.Weights[0]), null);
                    }
                    MapWeights(g.Weights, ml, WeightFix.None, $"the weight group {g.Path} (the model's layer {i + 1}, '{ml.Name}', {ml.ClassName})", g.Path);
                }
                foreach (KerasWeightGroup g in file.WeightGroups)
                {
                    if (!claimed.Contains(g.Name) && g.Weights.Count > 0)
                    {
                        throw new KerasWeightMismatchException(
                            $"{_source} holds the weight group {g.Path} ({string.Join(", ", g.Weights.Select(w => $"{w.Name} {w.ShapeText}"))}), which no layer of {Model} takes "
                            + $"(the model's groups are {string.Join(", ", names)}). The file is not this model's.",
                            file.FileName, g.Path, null, null, g.Weights[0].Shape);
                    }
                }
                return _values;
            }

            // Keras 2 save_weights: the groups with weights, in order, go to the model's layers with weights, in order.
            var groups = file.WeightGroups.Where(g => g.Weights.Count > 0).ToList();
            var weighted = layers.Where(l => l.Weights.Count > 0).ToList();
            if (groups.Count != weighted.Count)
            {
                throw new KerasWeightMismatchException(
                    $"{_source} holds weights for {groups.Count} layers ({string.Join(", ", groups.Select(g => g.Name))}), but {Model} has {weighted.Count} layers with weights "
                    + $"({string.Join(", ", weighted.Select(l => $"'{l.Name}' ({l.ClassName})"))}). The file is not this model's.",
                    file.FileName, groups.Count > weighted.Count ? groups[weighted.Count].Path : null, null, null, null);
            }
            for (int i = 0; i < groups.Count; i++)
            {
                MapWeights(groups[i].Weights, weighted[i], WeightFix.None, $"the weight group {groups[i].Path} (for the model's layer '{weighted[i].Name}', {weighted[i].ClassName})", groups[i].Path);
            }
            return _values;
        }

        private string Groups() => file.WeightGroups.Count == 0 ? "none" : string.Join(", ", file.WeightGroups.Select(g => g.Name));
    }

    internal static string ShapeText(IReadOnlyList<int> shape) => "(" + string.Join(", ", shape) + ")";
}
