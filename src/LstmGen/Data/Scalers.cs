using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace LstmGen.Data;

/// <summary>
/// A per-feature (per-column) affine scaler over row-major data (<c>rows × features</c> floats), with the semantics of
/// scikit-learn's scalers as used in Keras tutorials. Fit on training data, then transform training and test data
/// alike, and inverse-transform predictions.
/// </summary>
/// <remarks>
/// Unlike scikit-learn, which ignores NaN in <c>fit</c> and passes it through <c>transform</c>, every method here
/// rejects NaN and infinity, naming the row and feature, in its input and in its results: statistics that overflow
/// float32 (a <see cref="MinMaxScaler"/> fitted on -3e38 and 3e38 has a range of 6e38) are an error at
/// <see cref="Fit"/>, and a transformed value beyond ±3.4028235e38 is an error naming it. A result whose float32
/// computation overflows midway (as sklearn's does) but whose exact value fits is computed in float64 instead. Nothing is
/// written, and the scaler is unchanged, when a method throws.
/// </remarks>
public abstract class FeatureScaler
{
    private protected FeatureScaler()
    {
    }

    /// <summary>The number of features (columns) the scaler was fitted on; 0 before fitting.</summary>
    public int Features { get; private protected set; }

    /// <summary>The number of rows the scaler was fitted on (scikit-learn <c>n_samples_seen_</c>); 0 before fitting.</summary>
    public int SamplesSeen { get; private protected set; }

    /// <summary>True once <see cref="Fit"/> has been called (or the scaler was loaded from JSON).</summary>
    public bool IsFitted => Features > 0;

    /// <summary>Computes the per-feature statistics of <paramref name="values"/> (replacing any earlier fit).</summary>
    /// <param name="values">Row-major data, <c>rows × <paramref name="features"/></c>; at least one row.</param>
    /// <param name="features">Values per row.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of rows, there are no rows, or a value is NaN or infinite.</exception>
    public void Fit(ReadOnlySpan<float> values, int features)
    {
        if (features <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, "The number of features must be positive.");
        }

        if (values.Length % features != 0)
        {
            throw new ArgumentException(
                $"{values.Length} values are not a whole number of rows of {features} features.", nameof(values));
        }

        if (values.Length == 0)
        {
            throw new ArgumentException("Cannot fit on 0 rows: at least one row is needed.", nameof(values));
        }

        CheckFinite(values, features, nameof(values));
        int rows = values.Length / features;
        FitCore(values, rows, features);
        Features = features;
        SamplesSeen = rows;
    }

    /// <summary><see cref="Fit"/> then <see cref="Transform(ReadOnlySpan{float})"/> on the same data.</summary>
    /// <param name="values">Row-major data, <c>rows × <paramref name="features"/></c>.</param>
    /// <param name="features">Values per row.</param>
    /// <returns>The scaled data.</returns>
    public float[] FitTransform(ReadOnlySpan<float> values, int features)
    {
        Fit(values, features);
        return Transform(values);
    }

    /// <summary>Scales row-major data with the fitted statistics.</summary>
    /// <param name="values">Row-major data, a whole number of rows of <see cref="Features"/> values.</param>
    /// <returns>The scaled data, same layout.</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of rows, or a value is NaN or infinite.</exception>
    public float[] Transform(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        Transform(values, result);
        return result;
    }

    /// <summary>Scales row-major data, checking that it has the fitted number of features.</summary>
    /// <param name="values">Row-major data, <c>rows × <paramref name="features"/></c>.</param>
    /// <param name="features">Values per row; must equal <see cref="Features"/>.</param>
    /// <returns>The scaled data.</returns>
    /// <exception cref="ArgumentException"><paramref name="features"/> differs from <see cref="Features"/>, or as <see cref="Transform(ReadOnlySpan{float})"/>.</exception>
    public float[] Transform(ReadOnlySpan<float> values, int features)
    {
        CheckFeatureCount(features);
        return Transform(values);
    }

    /// <summary>Scales row-major data into <paramref name="destination"/> (no allocation; may be the same memory as <paramref name="values"/>).</summary>
    /// <param name="values">Row-major data, a whole number of rows of <see cref="Features"/> values.</param>
    /// <param name="destination">Receives the scaled data; same length as <paramref name="values"/>.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">Lengths are wrong, or a value is NaN or infinite.</exception>
    public void Transform(ReadOnlySpan<float> values, Span<float> destination)
    {
        CheckShape(values, destination);
        Map(values, destination, forward: true, feature: -1);
    }

    /// <summary>Undoes <see cref="Transform(ReadOnlySpan{float})"/> (for example on predictions).</summary>
    /// <param name="values">Scaled row-major data, a whole number of rows of <see cref="Features"/> values.</param>
    /// <returns>The data in original units.</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">The length is not a whole number of rows, or a value is NaN or infinite.</exception>
    public float[] InverseTransform(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        InverseTransform(values, result);
        return result;
    }

    /// <summary>Undoes the scaling, checking that the data has the fitted number of features.</summary>
    /// <param name="values">Scaled row-major data, <c>rows × <paramref name="features"/></c>.</param>
    /// <param name="features">Values per row; must equal <see cref="Features"/>.</param>
    /// <returns>The data in original units.</returns>
    /// <exception cref="ArgumentException"><paramref name="features"/> differs from <see cref="Features"/>, or as <see cref="InverseTransform(ReadOnlySpan{float})"/>.</exception>
    public float[] InverseTransform(ReadOnlySpan<float> values, int features)
    {
        CheckFeatureCount(features);
        return InverseTransform(values);
    }

    /// <summary>Undoes the scaling into <paramref name="destination"/> (no allocation; may be the same memory as <paramref name="values"/>).</summary>
    /// <param name="values">Scaled row-major data.</param>
    /// <param name="destination">Receives the data in original units; same length as <paramref name="values"/>.</param>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    /// <exception cref="ArgumentException">Lengths are wrong, or a value is NaN or infinite.</exception>
    public void InverseTransform(ReadOnlySpan<float> values, Span<float> destination)
    {
        CheckShape(values, destination);
        Map(values, destination, forward: false, feature: -1);
    }

    /// <summary>
    /// Scales values that all belong to one feature (for example a target column taken out of multivariate data).
    /// </summary>
    /// <param name="values">Values of feature <paramref name="feature"/>, any count.</param>
    /// <param name="feature">The feature (column) index, 0-based.</param>
    /// <returns>The scaled values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="feature"/> is not a fitted feature.</exception>
    public float[] TransformFeature(ReadOnlySpan<float> values, int feature)
    {
        CheckFeature(feature, values);
        var result = new float[values.Length];
        Map(values, result, forward: true, feature);
        return result;
    }

    /// <summary>
    /// Undoes the scaling of values that all belong to one feature: for example the predictions of a model whose
    /// target was one column of multivariate scaled data (no need to build dummy rows, as Python tutorials do).
    /// </summary>
    /// <param name="values">Scaled values of feature <paramref name="feature"/>, any count.</param>
    /// <param name="feature">The feature (column) index, 0-based.</param>
    /// <returns>The values in original units.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="feature"/> is not a fitted feature.</exception>
    public float[] InverseTransformFeature(ReadOnlySpan<float> values, int feature)
    {
        CheckFeature(feature, values);
        var result = new float[values.Length];
        Map(values, result, forward: false, feature);
        return result;
    }

    /// <summary>The fitted scaler as JSON (to save beside model weights).</summary>
    /// <returns>The JSON text.</returns>
    /// <exception cref="InvalidOperationException">The scaler is not fitted.</exception>
    public string ToJson()
    {
        EnsureFitted();
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            WriteJson(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes <see cref="ToJson"/> to a UTF-8 file.</summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    /// <summary>Reads a scaler written by <see cref="ToJson"/> (a <see cref="MinMaxScaler"/> or a <see cref="StandardScaler"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The fitted scaler.</returns>
    /// <exception cref="FormatException">The JSON is not a saved scaler.</exception>
    public static FeatureScaler FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            string? kind = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("class_name", out JsonElement k) ? k.GetString() : null;
            FeatureScaler scaler = kind switch
            {
                nameof(MinMaxScaler) => MinMaxScaler.ReadJson(root),
                nameof(StandardScaler) => StandardScaler.ReadJson(root),
                _ => throw new FormatException($"Scaler JSON: \"class_name\" must be \"MinMaxScaler\" or \"StandardScaler\", found {(kind is null ? "none" : "\"" + kind + "\"")}."),
            };
            return scaler;
        }
        catch (JsonException e)
        {
            throw new FormatException("Scaler JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException("Scaler JSON: a value is missing or has the wrong type: " + e.Message, e);
        }
        catch (KeyNotFoundException e)
        {
            throw new FormatException("Scaler JSON: a property is missing: " + e.Message, e);
        }
        catch (ArgumentException e)
        {
            throw new FormatException("Scaler JSON: invalid statistics: " + e.Message, e);
        }
    }

    /// <summary>Reads a scaler saved by <see cref="Save"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The fitted scaler.</returns>
    public static FeatureScaler Load(string path) => FromJson(File.ReadAllText(path));

    private protected abstract void FitCore(ReadOnlySpan<float> values, int rows, int features);

    private protected abstract float Forward(float x, int feature);

    private protected abstract float Backward(float x, int feature);

    /// <summary><see cref="Forward"/> in float64 throughout: used when the float32 computation overflows.</summary>
    private protected abstract double ForwardExact(float x, int feature);

    /// <summary><see cref="Backward"/> in float64 throughout.</summary>
    private protected abstract double BackwardExact(float x, int feature);

    /// <summary>
    /// Scales every value (feature <c>i % Features</c>, or <paramref name="feature"/> when not negative) into
    /// <paramref name="destination"/>: first checking that every result is a finite float, then writing, so that nothing
    /// is written when one is not (and <paramref name="destination"/> may be <paramref name="values"/>).
    /// </summary>
    private void Map(ReadOnlySpan<float> values, Span<float> destination, bool forward, int feature)
    {
        int f = Features;
        for (int i = 0; i < values.Length; i++)
        {
            int j = feature >= 0 ? feature : i % f;
            if (!float.IsFinite(Apply(values[i], j, forward)))
            {
                double exact = forward ? ForwardExact(values[i], j) : BackwardExact(values[i], j);
                string where = feature >= 0 ? $"index {i} (feature {j})" : $"row {i / f}, feature {j} (element {i})";
                throw new ArgumentException(
                    $"{(forward ? "Scaling" : "Scaling back")} the value {values[i]} at {where} with this {GetType().Name} gives {exact:G9}, " +
                    "beyond the float range (±3.4028235E+38): the value is far outside the data the scaler was fitted on.",
                    nameof(values));
            }
        }

        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = Apply(values[i], feature >= 0 ? feature : i % f, forward);
        }
    }

    /// <summary>The float32 result as sklearn computes it; where that overflows, the float64 result if it fits; else ±∞ or NaN.</summary>
    private float Apply(float x, int feature, bool forward)
    {
        float y = forward ? Forward(x, feature) : Backward(x, feature);
        if (float.IsFinite(y))
        {
            return y;
        }

        double exact = forward ? ForwardExact(x, feature) : BackwardExact(x, feature);
        return Math.Abs(exact) <= float.MaxValue ? (float)exact : y;
    }

    private protected abstract void WriteJson(Utf8JsonWriter w);

    private protected void EnsureFitted()
    {
        if (!IsFitted)
        {
            throw new InvalidOperationException($"This {GetType().Name} is not fitted yet: call Fit (or FitTransform) first.");
        }
    }

    private protected static float[] ReadFloats(JsonElement root, string name)
    {
        JsonElement array = root.GetProperty(name);
        var result = new float[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray())
        {
            result[i++] = e.GetSingle();
        }

        return result;
    }

    private protected static double[] ReadDoubles(JsonElement root, string name)
    {
        JsonElement array = root.GetProperty(name);
        var result = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray())
        {
            result[i++] = e.GetDouble();
        }

        return result;
    }

    private protected static void WriteArray(Utf8JsonWriter w, string name, float[] values)
    {
        w.WriteStartArray(name);
        foreach (float v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private protected static void WriteArray(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void CheckFinite(ReadOnlySpan<float> values, int features, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"The value at row {i / features}, feature {i % features} (element {i}) is {values[i]}: scalers need finite values.",
                    paramName);
            }
        }
    }

    private void CheckFeatureCount(int features)
    {
        EnsureFitted();
        if (features != Features)
        {
            throw new ArgumentException(
                $"The data has {features} features, but this {GetType().Name} was fitted on {Features}.", nameof(features));
        }
    }

    private void CheckShape(ReadOnlySpan<float> values, Span<float> destination)
    {
        EnsureFitted();
        if (values.Length % Features != 0)
        {
            throw new ArgumentException(
                $"{values.Length} values are not a whole number of rows of the {Features} features this {GetType().Name} was fitted on.",
                nameof(values));
        }

        if (destination.Length != values.Length)
        {
            throw new ArgumentException(
                $"The destination has {destination.Length} elements, but the data has {values.Length}.", nameof(destination));
        }

        CheckFinite(values, Features, nameof(values));
    }

    private void CheckFeature(int feature, ReadOnlySpan<float> values)
    {
        EnsureFitted();
        if ((uint)feature >= (uint)Features)
        {
            throw new ArgumentOutOfRangeException(
                nameof(feature), feature, $"Feature must be in [0, {Features}): this {GetType().Name} was fitted on {Features} features.");
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"The value at index {i} is {values[i]}: scalers need finite values.", nameof(values));
            }
        }
    }
}

/// <summary>
/// scikit-learn's <c>MinMaxScaler</c>: per feature, <c>x * Scale + Min</c> with <c>Scale = (max - min of FeatureRange)
/// / (DataMax - DataMin)</c>, mapping the fitted range onto <see cref="FeatureRangeMin"/>..<see cref="FeatureRangeMax"/>.
/// A constant feature (range below 10 float32 epsilons, sklearn's <c>_handle_zeros_in_scale</c>) gets a range of 1, so
/// it maps to <see cref="FeatureRangeMin"/>. Arithmetic is float32 as in sklearn on float32 input.
/// </summary>
public sealed class MinMaxScaler : FeatureScaler
{
    // np.finfo(np.float32).eps: sklearn's _handle_zeros_in_scale treats ranges below 10 * eps as zero.
    private const float Float32Epsilon = 1.1920929e-07f;

    private float[] _dataMin = [];
    private float[] _dataMax = [];
    private float[] _dataRange = [];
    private float[] _scale = [];
    private float[] _min = [];

    /// <summary>A scaler onto the range [0, 1].</summary>
    public MinMaxScaler()
        : this(0f, 1f)
    {
    }

    /// <summary>A scaler onto [<paramref name="min"/>, <paramref name="max"/>] (sklearn <c>feature_range</c>).</summary>
    /// <param name="min">The smallest output value.</param>
    /// <param name="max">The largest output value; greater than <paramref name="min"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="min"/> is not smaller than <paramref name="max"/>, or either is not finite.</exception>
    public MinMaxScaler(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || !(min < max))
        {
            throw new ArgumentException(
                $"Minimum of desired feature range must be smaller than maximum. Got ({min}, {max}).", nameof(min));
        }

        FeatureRangeMin = min;
        FeatureRangeMax = max;
    }

    /// <summary>The lower end of sklearn's <c>feature_range</c> (default 0).</summary>
    public float FeatureRangeMin { get; }

    /// <summary>The upper end of sklearn's <c>feature_range</c> (default 1).</summary>
    public float FeatureRangeMax { get; }

    /// <summary>sklearn <c>clip</c>: clip transformed values to the feature range (default false, as sklearn).</summary>
    public bool Clip { get; init; }

    /// <summary>sklearn <c>data_min_</c>: per-feature minimum of the fitted data.</summary>
    public IReadOnlyList<float> DataMin => _dataMin;

    /// <summary>sklearn <c>data_max_</c>: per-feature maximum of the fitted data.</summary>
    public IReadOnlyList<float> DataMax => _dataMax;

    /// <summary>sklearn <c>data_range_</c>: <c>DataMax - DataMin</c> (0 for a constant feature).</summary>
    public IReadOnlyList<float> DataRange => _dataRange;

    /// <summary>sklearn <c>scale_</c>: the per-feature factor.</summary>
    public IReadOnlyList<float> Scale => _scale;

    /// <summary>sklearn <c>min_</c>: the per-feature offset added after scaling.</summary>
    public IReadOnlyList<float> Min => _min;

    private protected override void FitCore(ReadOnlySpan<float> values, int rows, int features)
    {
        var dataMin = new float[features];
        var dataMax = new float[features];
        for (int j = 0; j < features; j++)
        {
            dataMin[j] = float.PositiveInfinity;
            dataMax[j] = float.NegativeInfinity;
        }

        for (int i = 0; i < values.Length; i++)
        {
            int j = i % features;
            dataMin[j] = Math.Min(dataMin[j], values[i]);
            dataMax[j] = Math.Max(dataMax[j], values[i]);
        }

        SetStatistics(dataMin, dataMax);
    }

    private void SetStatistics(float[] dataMin, float[] dataMax)
    {
        int features = dataMin.Length;
        var range = new float[features];
        var scale = new float[features];
        var min = new float[features];

        // sklearn (float32 input): data_range_ = data_max - data_min;
        // scale_ = (feature_range[1] - feature_range[0]) / _handle_zeros_in_scale(data_range); min_ = feature_range[0] - data_min * scale_.
        float span = (float)((double)FeatureRangeMax - FeatureRangeMin);
        for (int j = 0; j < features; j++)
        {
            range[j] = dataMax[j] - dataMin[j];
            float denominator = range[j] < 10 * Float32Epsilon ? 1f : range[j];
            scale[j] = span / denominator;
            float product = dataMin[j] * scale[j];
            min[j] = FeatureRangeMin - product;
            if (!float.IsFinite(dataMin[j]) || !float.IsFinite(dataMax[j]) || !(dataMin[j] <= dataMax[j]))
            {
                throw new ArgumentException($"Feature {j}: data minimum {dataMin[j]} and maximum {dataMax[j]} must be finite, minimum first.", "values");
            }

            if (!float.IsFinite(range[j]) || !(scale[j] > 0) || !float.IsFinite(scale[j]) || !float.IsFinite(min[j]))
            {
                throw new ArgumentException(
                    $"Feature {j} spans [{dataMin[j]}, {dataMax[j]}]: its range {(double)dataMax[j] - dataMin[j]:G9} " +
                    $"gives a scale of {scale[j]} and an offset of {min[j]} in float32, which cannot map it onto [{FeatureRangeMin}, {FeatureRangeMax}]: " +
                    "divide the data by a power of ten first.", "values");
            }
        }

        _dataMin = dataMin;
        _dataMax = dataMax;
        _dataRange = range;
        _scale = scale;
        _min = min;
    }

    private protected override float Forward(float x, int feature)
    {
        // sklearn: X *= scale_; X += min_ (then np.clip when clip=True).
        float scaled = x * _scale[feature];
        float y = scaled + _min[feature];
        return Clip ? Math.Clamp(y, FeatureRangeMin, FeatureRangeMax) : y;
    }

    private protected override float Backward(float x, int feature)
    {
        // sklearn: X -= min_; X /= scale_.
        float shifted = x - _min[feature];
        return shifted / _scale[feature];
    }

    private protected override double ForwardExact(float x, int feature)
    {
        double y = ((double)x * _scale[feature]) + _min[feature];
        return Clip ? Math.Clamp(y, FeatureRangeMin, FeatureRangeMax) : y;
    }

    private protected override double BackwardExact(float x, int feature) => ((double)x - _min[feature]) / _scale[feature];

    private protected override void WriteJson(Utf8JsonWriter w)
    {
        w.WriteString("class_name", nameof(MinMaxScaler));
        w.WriteStartArray("feature_range");
        w.WriteNumberValue(FeatureRangeMin);
        w.WriteNumberValue(FeatureRangeMax);
        w.WriteEndArray();
        w.WriteBoolean("clip", Clip);
        w.WriteNumber("n_samples_seen", SamplesSeen);
        WriteArray(w, "data_min", _dataMin);
        WriteArray(w, "data_max", _dataMax);
    }

    internal static MinMaxScaler ReadJson(JsonElement root)
    {
        JsonElement range = root.GetProperty("feature_range");
        if (range.GetArrayLength() != 2)
        {
            throw new FormatException("Scaler JSON: \"feature_range\" must hold two numbers.");
        }

        float[] dataMin = ReadFloats(root, "data_min");
        float[] dataMax = ReadFloats(root, "data_max");
        if (dataMin.Length == 0 || dataMin.Length != dataMax.Length)
        {
            throw new FormatException($"Scaler JSON: \"data_min\" ({dataMin.Length}) and \"data_max\" ({dataMax.Length}) must have the same, non-zero length.");
        }

        var scaler = new MinMaxScaler(range[0].GetSingle(), range[1].GetSingle())
        {
            Clip = root.TryGetProperty("clip", out JsonElement clip) && clip.GetBoolean(),
        };
        scaler.SetStatistics(dataMin, dataMax);
        scaler.Features = dataMin.Length;
        scaler.SamplesSeen = root.TryGetProperty("n_samples_seen", out JsonElement n) ? n.GetInt32() : 0;
        return scaler;
    }
}

/// <summary>
/// scikit-learn's <c>StandardScaler</c>: per feature, <c>(x - Mean) / Scale</c> with <see cref="Scale"/> the population
/// standard deviation (ddof 0). A constant feature (variance within sklearn's numerical error bound,
/// <c>_is_constant_feature</c>) gets a scale of 1. Statistics are float64, as sklearn computes them.
/// </summary>
public sealed class StandardScaler : FeatureScaler
{
    // np.finfo(np.float64).eps.
    private const double Float64Epsilon = 2.220446049250313e-16;

    private double[] _mean = [];
    private double[] _variance = [];
    private double[] _scale = [];

    /// <summary>sklearn <c>mean_</c>: per-feature mean of the fitted data.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>sklearn <c>var_</c>: per-feature population variance of the fitted data.</summary>
    public IReadOnlyList<double> Variance => _variance;

    /// <summary>sklearn <c>scale_</c>: per-feature standard deviation, 1 for a constant feature.</summary>
    public IReadOnlyList<double> Scale => _scale;

    private protected override void FitCore(ReadOnlySpan<float> values, int rows, int features)
    {
        var mean = new double[features];
        var variance = new double[features];
        var scale = new double[features];
        for (int i = 0; i < values.Length; i++)
        {
            mean[i % features] += values[i];
        }

        for (int j = 0; j < features; j++)
        {
            mean[j] /= rows;
        }

        // sklearn _incremental_mean_and_var (first batch): temp = X - mean; correction = sum(temp);
        // var = (sum(temp**2) - correction**2 / n) / n, in float64.
        var correction = new double[features];
        var squares = new double[features];
        for (int i = 0; i < values.Length; i++)
        {
            int j = i % features;
            double d = values[i] - mean[j];
            correction[j] += d;
            squares[j] += d * d;
        }

        for (int j = 0; j < features; j++)
        {
            variance[j] = (squares[j] - (correction[j] * correction[j] / rows)) / rows;
        }

        SetStatistics(mean, variance, rows, scale);
    }

    private void SetStatistics(double[] mean, double[] variance, int rows, double[] scale)
    {
        for (int j = 0; j < mean.Length; j++)
        {
            // sklearn _is_constant_feature: var <= n * eps * var + (n * mean * eps)**2 (eps of float64).
            double drift = rows * mean[j] * Float64Epsilon;
            double bound = (rows * Float64Epsilon * variance[j]) + (drift * drift);
            scale[j] = variance[j] <= bound ? 1.0 : Math.Sqrt(variance[j]);
        }

        _mean = mean;
        _variance = variance;
        _scale = scale;
    }

    private protected override float Forward(float x, int feature)
    {
        // sklearn on a float32 copy: X -= mean_; X /= scale_ (each in-place op computes in float64, stores float32).
        float centred = (float)(x - _mean[feature]);
        return (float)(centred / _scale[feature]);
    }

    private protected override float Backward(float x, int feature)
    {
        // sklearn: X *= scale_; X += mean_.
        float scaled = (float)(x * _scale[feature]);
        return (float)(scaled + _mean[feature]);
    }

    private protected override double ForwardExact(float x, int feature) => (x - _mean[feature]) / _scale[feature];

    private protected override double BackwardExact(float x, int feature) => (x * _scale[feature]) + _mean[feature];

    private protected override void WriteJson(Utf8JsonWriter w)
    {
        w.WriteString("class_name", nameof(StandardScaler));
        w.WriteNumber("n_samples_seen", SamplesSeen);
        WriteArray(w, "mean", _mean);
        WriteArray(w, "var", _variance);
        WriteArray(w, "scale", _scale);
    }

    internal static StandardScaler ReadJson(JsonElement root)
    {
        double[] mean = ReadDoubles(root, "mean");
        double[] variance = ReadDoubles(root, "var");
        double[] scale = ReadDoubles(root, "scale");
        if (mean.Length == 0 || variance.Length != mean.Length || scale.Length != mean.Length)
        {
            throw new FormatException(
                $"Scaler JSON: \"mean\" ({mean.Length}), \"var\" ({variance.Length}) and \"scale\" ({scale.Length}) must have the same, non-zero length.");
        }

        foreach (double s in scale)
        {
            if (!(s > 0) || !double.IsFinite(s))
            {
                throw new FormatException($"Scaler JSON: every \"scale\" must be positive and finite, found {s}.");
            }
        }

        for (int j = 0; j < mean.Length; j++)
        {
            if (!double.IsFinite(mean[j]) || !double.IsFinite(variance[j]) || variance[j] < 0)
            {
                throw new FormatException($"Scaler JSON: feature {j} has mean {mean[j]} and variance {variance[j]}; both must be finite, the variance 0 or more.");
            }
        }

        var scaler = new StandardScaler
        {
            _mean = mean,
            _variance = variance,
            _scale = scale,
        };
        scaler.Features = mean.Length;
        scaler.SamplesSeen = root.TryGetProperty("n_samples_seen", out JsonElement n) ? n.GetInt32() : 0;
        return scaler;
    }
}
