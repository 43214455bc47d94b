using System.IO;
using System.Linq;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// The UCI "Sentiment Labelled Sentences" reader. Format (samples/data/README.md and the data set's readme.txt):
/// UTF-8, no header, <c>sentence&lt;TAB&gt;label</c>, label 0 or 1; split at the last tab; not a CSV file (the imdb
/// file has stray double quotes that make quote-aware readers merge lines: pandas gets 748 rows).
/// </summary>
public sealed class DatasetsTests
{
    [Theory]
    [InlineData("imdb_labelled.txt")]
    [InlineData("amazon_cells_labelled.txt")]
    [InlineData("yelp_labelled.txt")]
    public void RealFiles_1000Records_500PerLabel(string file)
    {
        (string[] texts, float[] labels) = Datasets.ReadLabelledSentences(RepoFiles.Path("samples", "data", "sentiment", file));
        Assert.Equal(1000, texts.Length);
        Assert.Equal(1000, labels.Length);
        Assert.Equal(500, labels.Count(l => l == 0f));
        Assert.Equal(500, labels.Count(l => l == 1f));
        Assert.All(texts, t => Assert.False(string.IsNullOrEmpty(t)));
        Assert.All(texts, t => Assert.DoesNotContain('\t', t));
    }

    [Fact]
    public void RealImdb_FirstRecord_KeptExactly_AndQuotesAndU0085Survive()
    {
        // First line: "A very, very, very slow-moving, aimless movie about a distressed, drifting young man.  \t0"
        // (two spaces before the tab, kept). The file holds U+0085 inside sentences, which File.ReadLines does not
        // treat as a line break (Python's splitlines would, giving 1002 lines).
        (string[] texts, float[] labels) = Datasets.ReadLabelledSentences(RepoFiles.Path("samples", "data", "sentiment", "imdb_labelled.txt"));
        Assert.Equal("A very, very, very slow-moving, aimless movie about a distressed, drifting young man.  ", texts[0]);
        Assert.Equal(0f, labels[0]);
        Assert.Contains(texts, t => t.Contains('\u0085'));
        Assert.Contains(texts, t => t.Contains('"'));
    }

    [Fact]
    public void SplitsAtTheLastTab_SkipsEmptyLines_ToleratesCrLf()
    {
        using var dir = new TempDir();
        string path = dir.File("s.txt", "a\tb, \"quoted\"\t1\r\n\r\nplain\t0\r\n");
        (string[] texts, float[] labels) = Datasets.ReadLabelledSentences(path);
        Assert.Equal(["a\tb, \"quoted\"", "plain"], texts);
        Assert.Equal([1f, 0f], labels);
    }

    [Fact]
    public void Error_NoTab_GivesTheLineNumber()
    {
        using var dir = new TempDir();
        string path = dir.File("s.txt", "good\t1\nno tab here 1\n");
        var e = Assert.Throws<InvalidDataException>(() => Datasets.ReadLabelledSentences(path));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("no tab", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Error_BadLabel_GivesTheLineNumberAndTheLabel()
    {
        using var dir = new TempDir();
        string path = dir.File("s.txt", "good\t1\nok\t0\nbad\t2\n");
        var e = Assert.Throws<InvalidDataException>(() => Datasets.ReadLabelledSentences(path));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("\"2\"", e.Message);

        string path2 = dir.File("s2.txt", "bad\t\n");
        Assert.Contains("line 1", Assert.Throws<InvalidDataException>(() => Datasets.ReadLabelledSentences(path2)).Message);
    }
}
