using System;
using System.IO;

namespace LstmGen.Import;

/// <summary>
/// A Keras model or weights file (<c>.keras</c> zip, legacy HDF5 <c>.h5</c>, Keras 3 <c>.weights.h5</c>) that cannot be
/// read: wrong magic bytes, a truncated or damaged container, a missing part, or content that is not what Keras writes.
/// The message names the file and, where there is one, the place inside it (<see cref="Location"/>).
/// </summary>
/// <remarks>
/// Reading is all or nothing: when this is thrown, no partial description of the file is returned.
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>, which <see cref="SafeTensors"/> throws, is
/// sealed), so one <c>catch (IOException)</c> covers a missing file and a bad one.
/// </remarks>
public class KerasFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message (it already names the file and the place).</param>
    /// <param name="fileName">The file concerned (a path, or the name given for a stream); null when unknown.</param>
    /// <param name="location">The place inside the file (an HDF5 path, a zip entry, a JSON path); null when none.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public KerasFormatException(string message, string? fileName = null, string? location = null, Exception? innerException = null)
        : base(message, innerException)
    {
        FileName = fileName;
        Location = location;
    }

    /// <summary>The file concerned (a path, or the name given for a stream); null when unknown.</summary>
    public string? FileName { get; }

    /// <summary>
    /// The place inside the file: an HDF5 object path (<c>/model_weights/lstm/lstm/kernel:0</c>), a zip entry
    /// (<c>model.weights.h5</c>) or a JSON location in the model config (<c>config.layers[2].config.units</c>); null when
    /// the whole file is concerned.
    /// </summary>
    public string? Location { get; }
}

/// <summary>
/// A weight dataset whose element type is not one the import accepts. Accepted: IEEE float32 (little- or big-endian),
/// and IEEE float64, converted to float32 (rounded to nearest) when every value fits in float32's range.
/// </summary>
public sealed class KerasDTypeException : KerasFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="fileName">The file concerned.</param>
    /// <param name="datasetPath">The HDF5 path of the dataset.</param>
    /// <param name="dtype">The dataset's element type, in numpy's words (<c>int32</c>, <c>float16</c>, <c>string</c>, ...).</param>
    public KerasDTypeException(string message, string? fileName, string datasetPath, string dtype)
        : base(message, fileName, datasetPath)
    {
        DatasetPath = datasetPath;
        DType = dtype;
    }

    /// <summary>The HDF5 path of the dataset (<c>/layers/lstm/cell/vars/0</c>).</summary>
    public string DatasetPath { get; }

    /// <summary>The dataset's element type, in numpy's words (<c>int32</c>, <c>float16</c>, <c>string</c>, ...).</summary>
    public string DType { get; }
}

/// <summary>
/// A model configuration (Keras 3 <c>config.json</c> or the legacy <c>model_config</c> attribute) that is not valid JSON,
/// is not a Keras model config, or describes something the import does not read (a Functional model that is not a
/// linear chain of layers). <see cref="KerasFormatException.Location"/> is the JSON location of the problem.
/// </summary>
public sealed class KerasConfigException : KerasFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="fileName">The file concerned.</param>
    /// <param name="jsonPath">The JSON location of the problem (<c>config.layers[1].config</c>).</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public KerasConfigException(string message, string? fileName, string? jsonPath, Exception? innerException = null)
        : base(message, fileName, jsonPath, innerException)
    {
    }
}
