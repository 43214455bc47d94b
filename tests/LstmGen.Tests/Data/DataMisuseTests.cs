using System;
using System.IO;
using System.Linq;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// Issue 14's data-helper cases, each reproduced exactly: a null text in the middle of a fit, tokenizer JSON with bad
/// indices, non-finite CSV cells, scalers on ±3e38, NaN in a series to window. Each is a named exception that says where,
/// and leaves the object as it was.
/// </summary>
public sealed class DataMisuseTests
{
    // ------------------------------------------------------------------------------------------------------------
    // Tokenizer

    [Fact]
    public void FitOnTexts_with_a_null_text_counts_nothing()
    {
        var t = new Tokenizer();
        var ex = Assert.Throws<ArgumentNullException>(() => t.FitOnTexts(["the cat", "the dog", null!, "a bird"]));
        Assert.Contains("Text 2 is null", ex.Message);
        Assert.Equal(0, t.DocumentCount);
        Assert.Empty(t.WordCounts);
        Assert.False(t.IsFitted);

        // After a good fit, a failed one changes nothing, and the next good one does not count twice.
        t.FitOnTexts(["the cat"]);
        Assert.Throws<ArgumentNullException>(() => t.FitOnTexts(Lazy()));
        Assert.Equal(1, t.DocumentCount);
        Assert.Equal(1, t.WordCounts["the"]);
        Assert.Equal(1, t.WordDocs["the"]);
        t.FitOnTexts(["the dog"]);
        Assert.Equal(2, t.DocumentCount);
        Assert.Equal(2, t.WordCounts["the"]);
        Assert.Equal([("the", 1), ("cat", 2), ("dog", 3)], t.WordIndex.Select(kv => (kv.Key, kv.Value)));

        static System.Collections.Generic.IEnumerable<string> Lazy()
        {
            yield return "the the the";
            yield return null!;
        }
    }

    private static string TokenizerJson(string numWords = "null", string wordIndex = """{"a": 1, "b": 2}""",
        string wordCounts = """{"a": 2, "b": 1}""", string documentCount = "2") =>
        $$$"""{"class_name": "Tokenizer", "config": {"num_words": {{{numWords}}}, "document_count": {{{documentCount}}}, "word_counts": {{{wordCounts}}}, "word_docs": {"a": 1, "b": 1}, "word_index": {{{wordIndex}}}}}""";

    [Fact]
    public void The_fixture_JSON_is_a_valid_tokenizer()
    {
        Tokenizer t = Tokenizer.FromJson(TokenizerJson());
        Assert.Equal([1, 2], t.TextToSequence("a b c"));
        Assert.Equal(5, Tokenizer.FromJson(TokenizerJson(numWords: "5")).NumWords);
    }

    [Theory]
    [InlineData("""{"a": -3, "b": 2}""", "word_index[\"a\"] is -3; expected an integer of at least 1")]
    [InlineData("""{"a": 0, "b": 2}""", "word_index[\"a\"] is 0; expected an integer of at least 1")]
    [InlineData("""{"a": 1, "b": 1}""", "word_index gives index 1 to both \"a\" and \"b\"")]
    [InlineData("""{"a": 1, "b": 2, "a": 3}""", "word_index has the word \"a\" twice")]
    [InlineData("""{"a": 1.5, "b": 2}""", "word_index[\"a\"] is 1.5; expected an integer")]
    [InlineData("""{"a": "1", "b": 2}""", "word_index[\"a\"] is \"1\"; expected an integer")]
    [InlineData("""{"a": 1, "b": 99999999999}""", "word_index[\"b\"] is 99999999999; expected an integer")]
    public void FromJson_rejects_word_indices_that_would_collide_naming_key_and_value(string wordIndex, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => Tokenizer.FromJson(TokenizerJson(wordIndex: wordIndex)));
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("2.5", "num_words is 2.5; expected an integer")]
    [InlineData("\"ten\"", "num_words is \"ten\"; expected an integer")]
    [InlineData("-1", "num_words is -1; expected an integer of at least 0")]
    public void FromJson_rejects_a_bad_num_words_naming_it(string numWords, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => Tokenizer.FromJson(TokenizerJson(numWords: numWords)));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void FromJson_rejects_bad_counts_naming_them()
    {
        Assert.Contains("word_counts[\"b\"] is 0", Assert.Throws<FormatException>(() => Tokenizer.FromJson(TokenizerJson(wordCounts: """{"a": 2, "b": 0}"""))).Message);
        Assert.Contains("word_counts has the word \"a\" twice", Assert.Throws<FormatException>(() => Tokenizer.FromJson(TokenizerJson(wordCounts: """{"a": 2, "a": 1}"""))).Message);
        Assert.Contains("document_count is -2", Assert.Throws<FormatException>(() => Tokenizer.FromJson(TokenizerJson(documentCount: "-2"))).Message);
        Assert.Contains("document_count is 1.5", Assert.Throws<FormatException>(() => Tokenizer.FromJson(TokenizerJson(documentCount: "1.5"))).Message);
    }

    // ------------------------------------------------------------------------------------------------------------
    // CSV

    [Theory]
    [InlineData("NaN", "\"NaN\" is not a finite number")]
    [InlineData("Infinity", "\"Infinity\" is not a finite number")]
    [InlineData("-Infinity", "\"-Infinity\" is not a finite number")]
    [InlineData("1e39", "\"1e39\" is beyond the float range")]
    [InlineData("-4e38", "\"-4e38\" is beyond the float range")]
    public void Csv_rejects_non_finite_cells_naming_line_and_column(string cell, string expected)
    {
        string csv = $"date,value\n2020-01-01,1.5\n2020-01-02,{cell}\n";
        var ex = Assert.Throws<InvalidDataException>(() => Csv.ReadColumn(new StringReader(csv), "value"));
        Assert.Contains("line 3 (data row 2), column \"value\" (index 1)", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.Contains("CsvOptions.AllowNonFinite", ex.Message);
    }

    [Fact]
    public void Csv_reads_non_finite_cells_when_allowed()
    {
        const string csv = "a,b\nNaN,1\nInfinity,-Infinity\n1e39,3.4028235e38\n";
        var options = new CsvOptions { AllowNonFinite = true };
        float[] values = Csv.ReadColumns(new StringReader(csv), ["a", "b"], options);
        Assert.Equal([float.NaN, 1f, float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity, float.MaxValue], values);
        Assert.Equal([float.NaN, float.PositiveInfinity, float.PositiveInfinity], Csv.ReadColumns(new StringReader(csv), [0], options));
        Assert.Throws<InvalidDataException>(() => Csv.ReadColumns(new StringReader(csv), ["a"], null));

        using var dir = new TempDir();
        string path = Path.Combine(dir.FullName, "data.csv");
        File.WriteAllText(path, csv);
        Assert.Equal(values, Csv.ReadColumns(path, ["a", "b"], options));
        Assert.Equal([1f, float.NegativeInfinity, float.MaxValue], Csv.ReadColumns(path, [1], options));
        var ex = Assert.Throws<InvalidDataException>(() => Csv.ReadColumn(path, "b"));
        Assert.Contains($"{path}, line 3", ex.Message);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Scalers

    [Fact]
    public void MinMaxScaler_on_plus_minus_3e38_is_rejected_at_Fit_and_keeps_its_earlier_fit()
    {
        // The issue: Fit on ±3e38 gave a range of +∞, a scale of 0, and zeros from Transform.
        var s = new MinMaxScaler();
        s.Fit([0f, 10f], 1);
        var ex = Assert.Throws<ArgumentException>(() => s.Fit([-3e38f, 3e38f], 1));
        Assert.Equal("values", ex.ParamName);
        Assert.Contains("Feature 0 spans [-3E+38, 3E+38]", ex.Message);
        Assert.Equal(10f, s.DataMax[0]); // the earlier fit is kept
        Assert.Equal([0.5f], s.Transform([5f]));
    }

    [Fact]
    public void StandardScaler_on_plus_minus_3e38_gives_finite_results_computed_exactly()
    {
        // The issue: -∞ from Transform, because sklearn's float32 x - mean overflows although the result fits.
        float[] data = [3e38f, 3e38f, 3e38f, -3e38f];
        var s = new StandardScaler();
        float[] z = s.FitTransform(data, 1);
        Assert.All(z, v => Assert.True(float.IsFinite(v), $"{v}"));
        // mean 1.5e38, population std 3e38 · √3 / 2: z = (x - mean) / std.
        double std = 3e38 * Math.Sqrt(3) / 2;
        Assert.Equal((float)((-3e38 - 1.5e38) / std), z[3], 6);
        Assert.Equal((float)(1.5e38 / std), z[0], 6);
        float[] back = s.InverseTransform(z);
        Assert.Equal(data, back, (a, b) => Math.Abs(a - b) <= 1e32f);
    }

    [Fact]
    public void A_result_beyond_the_float_range_is_rejected_and_nothing_is_written()
    {
        var m = new MinMaxScaler();
        m.Fit([0f, 1e-3f], 1); // scale 1000
        float[] values = [1f, 2e36f, 3f];
        float[] buffer = (float[])values.Clone();
        var ex = Assert.Throws<ArgumentException>(() => m.Transform(buffer, buffer));
        Assert.Contains("Scaling the value 2E+36 at row 1, feature 0 (element 1)", ex.Message);
        Assert.Contains("with this MinMaxScaler gives 1.9999998E+39, beyond the float range", ex.Message); // 2e36 × 1000 (float32 scale 999.99994)
        Assert.Equal(values, buffer); // in place, and nothing written

        var st = new StandardScaler();
        st.Fit([-3e38f, 3e38f], 1); // scale 3e38
        ex = Assert.Throws<ArgumentException>(() => st.InverseTransformFeature([0f, 2f], 0));
        Assert.Contains("Scaling back the value 2 at index 1 (feature 0)", ex.Message);
        Assert.Equal([3e38f], st.InverseTransformFeature([1f], 0));

        // Clip keeps results in range, so nothing overflows.
        var clip = new MinMaxScaler { Clip = true };
        clip.Fit([0f, 1e-3f], 1);
        Assert.Equal([1f], clip.Transform([2e36f]));
    }

    [Fact]
    public void Scaler_JSON_with_statistics_that_overflow_is_a_FormatException()
    {
        var ex = Assert.Throws<FormatException>(() => FeatureScaler.FromJson(
            """{"class_name": "MinMaxScaler", "feature_range": [0, 1], "data_min": [-3e38], "data_max": [3e38]}"""));
        Assert.Contains("Feature 0 spans", ex.Message);
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson(
            """{"class_name": "MinMaxScaler", "feature_range": [0, 1], "data_min": [2], "data_max": [1]}"""));
        Assert.Throws<FormatException>(() => FeatureScaler.FromJson(
            """{"class_name": "StandardScaler", "mean": [1e309], "var": [1], "scale": [1]}"""));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Windows

    [Fact]
    public void Windows_Create_rejects_NaN_naming_index_step_and_feature()
    {
        float[] series = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        series[13] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Windows.Create(series, features: 2, lookback: 3, horizon: 1));
        Assert.Equal("series", ex.ParamName);
        Assert.Contains("series[13] (time step 6, feature 1) is NaN", ex.Message);
        series[13] = float.NegativeInfinity;
        Assert.Contains("is -Infinity", Assert.Throws<ArgumentException>(() => Windows.Create(series, 1, 3, 1)).Message);
    }
}
