using System;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// Scalers against scikit-learn's definitions (sklearn/preprocessing/_data.py) and its docstring examples.
/// MinMaxScaler: <c>data_range_ = data_max_ - data_min_</c>; <c>scale_ = (fr[1] - fr[0]) /
/// _handle_zeros_in_scale(data_range_)</c> (ranges below <c>10 * finfo(dtype).eps</c> count as 1);
/// <c>min_ = fr[0] - data_min_ * scale_</c>; transform <c>X * scale_ + min_</c>; inverse <c>(X - min_) / scale_</c>.
/// StandardScaler: <c>mean_</c>, population <c>var_</c> (ddof 0), <c>scale_ = sqrt(var_)</c> with 1 for constant
/// features (<c>_is_constant_feature</c>); transform <c>(X - mean_) / scale_</c>.
/// </summary>
public sealed class ScalerTests
{
    // sklearn docstring: data = [[-1, 2], [-0.5, 6], [0, 10], [1, 18]]
    private static readonly float[] DocData = [-1f, 2f, -0.5f, 6f, 0f, 10f, 1f, 18f];

    [Fact]
    public void MinMax_SklearnDocstringExample()
    {
        // >>> scaler = MinMaxScaler(); scaler.fit(data)
        // >>> scaler.data_max_            -> [ 1. 18.]
        // >>> scaler.transform(data)      -> [[0. 0.], [0.25 0.25], [0.5 0.5], [1. 1.]]
        // >>> scaler.transform([[2, 2]])  -> [[1.5 0. ]]
        var s = new MinMaxScaler();
        s.Fit(DocData, 2);
        Assert.Equal([1f, 18f], s.DataMax);
        Assert.Equal([-1f, 2f], s.DataMin);
        Assert.Equal([0f, 0f, 0.25f, 0.25f, 0.5f, 0.5f, 1f, 1f], s.Transform(DocData));
        Assert.Equal([1.5f, 0f], s.Transform([2f, 2f]));

        // scale_ = 1/2, 1/16; min_ = 0 - (-1)(1/2) = 0.5, 0 - 2/16 = -0.125.
        Assert.Equal([0.5f, 0.0625f], s.Scale);
        Assert.Equal([0.5f, -0.125f], s.Min);
        Assert.Equal([2f, 16f], s.DataRange);
        Assert.Equal(2, s.Features);
        Assert.Equal(4, s.SamplesSeen);
    }

    [Fact]
    public void MinMax_FeatureRange_AndInverse()
    {
        // feature_range=(-1, 1) on column [1, 3, 5]: scale_ = 2/4 = 0.5, min_ = -1 - 1 * 0.5 = -1.5 -> [-1, 0, 1].
        var s = new MinMaxScaler(-1f, 1f);
        float[] y = s.FitTransform([1f, 3f, 5f], 1);
        Assert.Equal([-1f, 0f, 1f], y);
        Assert.Equal([1f, 3f, 5f], s.InverseTransform(y));

        // The docstring data goes back exactly.
        var d = new MinMaxScaler();
        Assert.Equal(DocData, d.InverseTransform(d.FitTransform(DocData, 2)));
    }

    [Fact]
    public void MinMax_ConstantColumn_ScaleOne()
    {
        // Column 1 is constant 10: data_range_ 0 -> _handle_zeros_in_scale gives 1, so scale_ = 1, min_ = 0 - 10 = -10,
        // and every 10 maps to 0 (feature_range[0]); 12 maps to 2. Column 0: [1, 3, 5] -> [0, 0.5, 1].
        var s = new MinMaxScaler();
        s.Fit([1f, 10f, 3f, 10f, 5f, 10f], 2);
        Assert.Equal([0.25f, 1f], s.Scale);
        Assert.Equal([-0.25f, -10f], s.Min);
        Assert.Equal([0f, 0f, 0.5f, 0f, 1f, 0f], s.Transform([1f, 10f, 3f, 10f, 5f, 10f]));
        Assert.Equal([0f, 2f], s.Transform([1f, 12f]));
        Assert.Equal([1f, 10f], s.InverseTransform([0f, 0f]));

        // A range below 10 * float32 eps (1.19e-6) also counts as zero in sklearn (float32 input).
        var tiny = new MinMaxScaler();
        tiny.Fit([1f, 1.0000001f], 1);
        Assert.Equal(1f, tiny.Scale[0]);
    }

    [Fact]
    public void MinMax_Clip()
    {
        // sklearn clip=True: np.clip(X, feature_range[0], feature_range[1]) after transforming.
        var s = new MinMaxScaler { Clip = true };
        s.Fit([0f, 10f], 1);
        Assert.Equal([0f, 0.5f, 1f], s.Transform([-5f, 5f, 20f]));
    }

    [Fact]
    public void MinMax_InvalidFeatureRange()
    {
        // sklearn: "Minimum of desired feature range must be smaller than maximum. Got (1, 0)."
        var e = Assert.Throws<ArgumentException>(() => new MinMaxScaler(1f, 0f));
        Assert.Contains("Minimum of desired feature range must be smaller than maximum", e.Message);
        Assert.Throws<ArgumentException>(() => new MinMaxScaler(1f, 1f));
        Assert.Throws<ArgumentException>(() => new MinMaxScaler(float.NaN, 1f));
    }

    [Fact]
    public void Standard_SklearnDocstringExample()
    {
        // >>> data = [[0, 0], [0, 0], [1, 1], [1, 1]]; scaler = StandardScaler().fit(data)
        // >>> scaler.mean_               -> [0.5 0.5]
        // >>> scaler.transform(data)     -> [[-1. -1.], [-1. -1.], [ 1.  1.], [ 1.  1.]]
        // >>> scaler.transform([[2, 2]]) -> [[3. 3.]]
        var s = new StandardScaler();
        float[] data = [0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f];
        s.Fit(data, 2);
        Assert.Equal([0.5, 0.5], s.Mean);
        Assert.Equal([0.25, 0.25], s.Variance);
        Assert.Equal([0.5, 0.5], s.Scale);
        Assert.Equal([-1f, -1f, -1f, -1f, 1f, 1f, 1f, 1f], s.Transform(data));
        Assert.Equal([3f, 3f], s.Transform([2f, 2f]));
        Assert.Equal(data, s.InverseTransform(s.Transform(data)));
    }

    [Fact]
    public void Standard_PopulationStd_AndConstantColumn()
    {
        // Column 0 = [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, population variance 4 (ddof=0), std 2 -> (2 - 5) / 2 = -1.5.
        // Column 1 constant 3: var 0 -> _is_constant_feature -> scale_ 1, so values map to x - 3 = 0.
        float[] col0 = [2, 4, 4, 4, 5, 5, 7, 9];
        var data = new float[16];
        for (int i = 0; i < 8; i++)
        {
            data[2 * i] = col0[i];
            data[(2 * i) + 1] = 3f;
        }

        var s = new StandardScaler();
        float[] y = s.FitTransform(data, 2);
        Assert.Equal(5.0, s.Mean[0]);
        Assert.Equal(4.0, s.Variance[0]);
        Assert.Equal(2.0, s.Scale[0]);
        Assert.Equal(0.0, s.Variance[1]);
        Assert.Equal(1.0, s.Scale[1]);
        Assert.Equal(-1.5f, y[0]);
        Assert.Equal(2f, y[14]);
        Assert.Equal(0f, y[1]);
        Assert.Equal([3f, 3f], s.InverseTransform([-1f, 0f]));
    }

    [Fact]
    public void TransformFeature_And_InverseTransformFeature()
    {
        // A 2-feature scaler; predictions of feature 1 only (no dummy rows): column 1 range [2, 18], scale 1/16.
        var s = new MinMaxScaler();
        s.Fit(DocData, 2);
        Assert.Equal([0.25f, 1f], s.TransformFeature([6f, 18f], 1));
        Assert.Equal([6f, 18f, 10f], s.InverseTransformFeature([0.25f, 1f, 0.5f], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.InverseTransformFeature([0f], 2));
    }

    [Fact]
    public void Errors_TransformBeforeFit()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new MinMaxScaler().Transform([1f]));
        Assert.Contains("not fitted", e.Message);
        Assert.Throws<InvalidOperationException>(() => new StandardScaler().InverseTransform([1f]));
        Assert.Throws<InvalidOperationException>(() => new StandardScaler().ToJson());
        Assert.Throws<InvalidOperationException>(() => new MinMaxScaler().InverseTransformFeature([1f], 0));
    }

    [Fact]
    public void Errors_FeatureCountMismatch()
    {
        var s = new MinMaxScaler();
        s.Fit(DocData, 2);

        // 3 values are not whole rows of 2 features.
        var e = Assert.Throws<ArgumentException>(() => s.Transform([1f, 2f, 3f]));
        Assert.Contains("3 values", e.Message);
        Assert.Contains("2 features", e.Message);

        // Explicit feature count.
        var e2 = Assert.Throws<ArgumentException>(() => s.Transform([1f, 2f, 3f], 3));
        Assert.Contains("3 features", e2.Message);
        Assert.Contains("fitted on 2", e2.Message);
        Assert.Throws<ArgumentException>(() => s.InverseTransform([1f, 2f, 3f, 4f, 5f, 6f], 3));

        // Fit: length not a multiple, no rows, features not positive.
        Assert.Throws<ArgumentException>(() => new StandardScaler().Fit([1f, 2f, 3f], 2));
        var e3 = Assert.Throws<ArgumentException>(() => new StandardScaler().Fit([], 2));
        Assert.Contains("0 rows", e3.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StandardScaler().Fit([1f], 0));

        // Destination of the wrong size.
        Assert.Throws<ArgumentException>(() => s.Transform([1f, 2f], new float[3]));
    }

    [Fact]
    public void Errors_NaNAndInfinity_NameRowAndFeature()
    {
        var e = Assert.Throws<ArgumentException>(() => new MinMaxScaler().Fit([1f, 2f, 3f, float.NaN], 2));
        Assert.Contains("row 1, feature 1", e.Message);
        Assert.Contains("NaN", e.Message);

        var s = new StandardScaler();
        s.Fit([1f, 2f], 1);
        var e2 = Assert.Throws<ArgumentException>(() => s.Transform([1f, float.PositiveInfinity]));
        Assert.Contains("row 1, feature 0", e2.Message);
        Assert.Throws<ArgumentException>(() => s.InverseTransform([float.NaN]));
    }

    [Fact]
    public void InPlaceTransform_IntoTheSameBuffer()
    {
        var s = new MinMaxScaler();
        s.Fit(DocData, 2);
        float[] buffer = (float[])DocData.Clone();
        s.Transform(buffer, buffer);
        Assert.Equal([0f, 0f, 0.25f, 0.25f, 0.5f, 0.5f, 1f, 1f], buffer);
        s.InverseTransform(buffer, buffer);
        Assert.Equal(DocData, buffer);
    }

    [Fact]
    public void Json_RoundTrip_IsExact()
    {
        var rng = new Random(3);
        var data = new float[300];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((rng.NextDouble() * 1000) - 300);
        }

        var m = new MinMaxScaler(-1f, 1f) { Clip = true };
        m.Fit(data, 3);
        var m2 = Assert.IsType<MinMaxScaler>(FeatureScaler.FromJson(m.ToJson()));
        Assert.Equal(m.Transform(data), m2.Transform(data));
        Assert.Equal(m.Scale, m2.Scale);
        Assert.True(m2.Clip);
        Assert.Equal(-1f, m2.FeatureRangeMin);
        Assert.Equal(100, m2.SamplesSeen);

        var st = new StandardScaler();
        st.Fit(data, 3);
        using var dir = new TempDir();
        string path = System.IO.Path.Combine(dir.FullName, "scaler.json");
        st.Save(path);
        var st2 = Assert.IsType<StandardScaler>(FeatureScaler.Load(path));
        Assert.Equal(st.Mean, st2.Mean);
        Assert.Equal(st.Scale, st2.Scale);
        Assert.Equal(st.Transform(data), st2.Transform(data));
        Assert.Equal(3, st2.Features);
    }

    [Fact]
    public void FromJson_Bad_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson("{}"));
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson("""{"class_name": "RobustScaler"}"""));
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson("""{"class_name": "MinMaxScaler", "feature_range": [0, 1]}"""));
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson("""{"class_name": "StandardScaler", "mean": [1], "var": [1], "scale": [0]}"""));
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson("oops"));
    }

    [Fact]
    public void RealSeries_AirlinePassengers_ScaledToUnitRange()
    {
        // Keras LSTM tutorial style: MinMaxScaler(feature_range=(0, 1)) on the passengers (104 .. 622).
        float[] passengers = Csv.ReadColumn(RepoFiles.Path("samples", "data", "timeseries", "airline-passengers.csv"), "Passengers");
        var s = new MinMaxScaler();
        float[] y = s.FitTransform(passengers, 1);
        Assert.Equal(104f, s.DataMin[0]);
        Assert.Equal(622f, s.DataMax[0]);
        Assert.Equal((112.0 - 104.0) / 518.0, y[0], 6);
        Assert.All(y, v => Assert.InRange(v, 0f, 1f));
        float[] back = s.InverseTransform(y);
        for (int i = 0; i < back.Length; i++)
        {
            Assert.Equal(passengers[i], back[i], 3);
        }
    }
}
