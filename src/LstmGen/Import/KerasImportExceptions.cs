using System;
using System.Collections.Generic;

namespace LstmGen.Import;

/// <summary>
/// A Keras file whose model is not the declared model: another layer class, another number of units, another
/// activation, <c>return_sequences</c>, <c>reset_after</c>, input shape, ... Thrown before any weight is copied: the
/// model's weights are unchanged. The message names the layer on both sides (file and model), the attribute that
/// differs and the declaration to write (<see cref="Declaration"/>).
/// </summary>
public sealed class KerasArchitectureMismatchException : KerasFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="fileName">The file concerned.</param>
    /// <param name="location">The JSON location of the file's layer (<c>config.layers[2]</c>); null when none.</param>
    /// <param name="layerIndex">The position of the layers compared (0-based, InputLayer not counted); -1 for the model's input.</param>
    /// <param name="fileLayer">The file's layer name (with its Keras class, e.g. <c>'gru_2' (GRU)</c>); null when the file has no layer there.</param>
    /// <param name="modelLayer">The model's layer name (with its Keras class); null when the model has no layer there.</param>
    /// <param name="attribute">The Keras attribute that differs (<c>units</c>, <c>reset_after</c>, <c>class</c>, <c>input shape</c>, <c>layers</c>).</param>
    /// <param name="fileValue">The file's value, as text; null when none.</param>
    /// <param name="modelValue">The model's value, as text; null when none.</param>
    /// <param name="declaration">The C# attribute to declare for the file's layer (e.g. <c>[Gru(64, ResetAfter = false)]</c>); null when none applies.</param>
    public KerasArchitectureMismatchException(string message, string? fileName, string? location, int layerIndex, string? fileLayer,
        string? modelLayer, string attribute, string? fileValue, string? modelValue, string? declaration)
        : base(message, fileName, location)
    {
        LayerIndex = layerIndex;
        FileLayer = fileLayer;
        ModelLayer = modelLayer;
        Attribute = attribute;
        FileValue = fileValue;
        ModelValue = modelValue;
        Declaration = declaration;
    }

    /// <summary>The position of the layers compared (0-based over the layers, InputLayer not counted); -1 for the model's input.</summary>
    public int LayerIndex { get; }

    /// <summary>The file's layer, as <c>'name' (Class)</c>; null when the file has no layer at this position.</summary>
    public string? FileLayer { get; }

    /// <summary>The model's layer, as <c>'name' (Class)</c>; null when the model has no layer at this position.</summary>
    public string? ModelLayer { get; }

    /// <summary>The Keras attribute that differs: a config key (<c>units</c>, <c>activation</c>, <c>reset_after</c>, ...), or <c>class</c>, <c>input shape</c>, <c>layers</c>.</summary>
    public string Attribute { get; }

    /// <summary>The file's value, as text (e.g. <c>false</c>, <c>HardSigmoidKeras2</c>); null when none.</summary>
    public string? FileValue { get; }

    /// <summary>The model's value, as text; null when none.</summary>
    public string? ModelValue { get; }

    /// <summary>The C# attribute(s) that declare the file's layer, e.g. <c>[Gru(64, ResetAfter = false)]</c>; null when none applies.</summary>
    public string? Declaration { get; }
}

/// <summary>
/// A layer in a Keras file that LstmGen has no equivalent for (a <c>Conv1D</c>, an activation it does not have, a
/// <c>Bidirectional</c> without merge mode, ...). The message names the Keras class, the layer and its position.
/// </summary>
public sealed class KerasUnsupportedLayerException : KerasFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="fileName">The file concerned.</param>
    /// <param name="location">The JSON location of the layer (<c>config.layers[3]</c>).</param>
    /// <param name="className">The layer's Keras class.</param>
    /// <param name="layerName">The layer's name.</param>
    /// <param name="index">The layer's position (0-based, InputLayer not counted).</param>
    /// <param name="reason">Why it is not supported (e.g. <c>LstmGen has no Conv1D layer</c>).</param>
    public KerasUnsupportedLayerException(string message, string? fileName, string? location, string className, string layerName, int index, string reason)
        : base(message, fileName, location)
    {
        ClassName = className;
        LayerName = layerName;
        Index = index;
        Reason = reason;
    }

    /// <summary>The layer's Keras class (<c>Conv1D</c>, <c>Masking</c>, ...).</summary>
    public string ClassName { get; }

    /// <summary>The layer's name in the file.</summary>
    public string LayerName { get; }

    /// <summary>The layer's position among the file's layers (0-based, InputLayer not counted).</summary>
    public int Index { get; }

    /// <summary>Why LstmGen cannot declare it.</summary>
    public string Reason { get; }
}

/// <summary>
/// The weights of a layer in the file do not fit the model: a weight of another shape, a missing weight, an extra one,
/// a value that is not finite, or a weight group no layer of the model takes. Thrown before any weight is copied.
/// </summary>
public sealed class KerasWeightMismatchException : KerasFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="fileName">The file concerned.</param>
    /// <param name="location">The HDF5 path of the file's weight or group.</param>
    /// <param name="modelWeight">The model's weight name (<c>lstm/kernel</c>); null when the file holds a weight the model has no place for.</param>
    /// <param name="expectedShape">The model's shape of the weight; null when the model has no such weight.</param>
    /// <param name="fileShape">The file's shape; null when the file has no such weight.</param>
    public KerasWeightMismatchException(string message, string? fileName, string? location, string? modelWeight,
        IReadOnlyList<int>? expectedShape, IReadOnlyList<int>? fileShape)
        : base(message, fileName, location)
    {
        ModelWeight = modelWeight;
        ExpectedShape = expectedShape;
        FileShape = fileShape;
    }

    /// <summary>The model's weight (<c>lstm/kernel</c>); null when the file holds a weight the model has no place for.</summary>
    public string? ModelWeight { get; }

    /// <summary>The shape the model expects; null when the model has no such weight.</summary>
    public IReadOnlyList<int>? ExpectedShape { get; }

    /// <summary>The shape in the file; null when the weight is missing from the file.</summary>
    public IReadOnlyList<int>? FileShape { get; }
}
