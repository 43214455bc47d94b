using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// Tokenizer against Keras's own definitions: keras-preprocessing <c>keras_preprocessing/text.py</c> (the
/// <c>tf.keras.preprocessing.text.Tokenizer</c> of Keras 2). The algorithm, as written there:
/// <list type="bullet">
/// <item><c>text_to_word_sequence</c>: <c>text.lower()</c>, then <c>text.translate({c: split for c in filters})</c>,
/// then <c>text.split(split)</c>, then drop empty strings.</item>
/// <item><c>fit_on_texts</c>: <c>word_counts</c> is an OrderedDict (insertion = first appearance);
/// <c>wcounts.sort(key=lambda x: x[1], reverse=True)</c> (Python's sort is stable, also with reverse=True);
/// <c>sorted_voc = [oov_token] + words</c>; <c>word_index = dict(zip(sorted_voc, range(1, len + 1)))</c>.</item>
/// <item><c>texts_to_sequences</c>: <c>if num_words and i >= num_words</c>: drop, or the OOV index if set; unknown
/// words: the OOV index if set, else dropped.</item>
/// </list>
/// </summary>
public sealed class TokenizerTests
{
    // ------------------------------------------------------------------------------------------------------------
    // text_to_word_sequence

    [Fact]
    public void TextToWordSequence_KerasDocstringExample()
    {
        // tf.keras.preprocessing.text.text_to_word_sequence docs:
        //   >>> text_to_word_sequence('This is a sample sentence.')
        //   ['this', 'is', 'a', 'sample', 'sentence']
        Assert.Equal(["this", "is", "a", "sample", "sentence"], Tokenizer.TextToWordSequence("This is a sample sentence."));
    }

    [Fact]
    public void TextToWordSequence_FiltersBecomeSeparators_ApostropheKept_TabsAndNewlinesSplit()
    {
        // "Don't--STOP!\tGo,now\n" -> lower: "don't--stop!\tgo,now\n" -> translate '-', '!', '\t', ',', '\n' to ' ':
        // "don't  stop  go now " -> split(' '): ["don't", "", "stop", "", "go", "now", ""] -> drop empties.
        // "'" is not in the default filters.
        Assert.Equal(["don't", "stop", "go", "now"], Tokenizer.TextToWordSequence("Don't--STOP!\tGo,now\n"));
    }

    [Fact]
    public void TextToWordSequence_CarriageReturnIsNotAFilter()
    {
        // The default filters hold '\t' and '\n' but not '\r' (nor other whitespace): "a\r\nb" -> "a\r b" -> ["a\r", "b"].
        Assert.Equal(["a\r", "b"], Tokenizer.TextToWordSequence("a\r\nb"));
    }

    [Fact]
    public void TextToWordSequence_LowerHappensBeforeFiltering_AndCustomSplit()
    {
        // lower=True first, so an upper-case filter character never matches: filters "A" on "bAnana" -> "banana".
        Assert.Equal(["banana"], Tokenizer.TextToWordSequence("bAnana", filters: "A"));

        // lower=False: "A" is replaced by the split string.
        Assert.Equal(["b", "n"], Tokenizer.TextToWordSequence("bAnA", filters: "A", lower: false));

        // split=',' : filters are replaced by ',' and the text is split at ',' only; spaces stay inside words.
        Assert.Equal(["a b", "c"], Tokenizer.TextToWordSequence("a b.c", split: ","));

        // A multi-character split string: translate maps every filter to the whole string, str.split splits on it.
        Assert.Equal(["x", "y"], Tokenizer.TextToWordSequence("x.y", split: "::"));
    }

    [Fact]
    public void TextToWordSequence_IteratesCodePoints()
    {
        // Python iterates code points: a filter that is a surrogate pair (U+1F600) is one character.
        Assert.Equal(["hi", "there"], Tokenizer.TextToWordSequence("hi\U0001F600there", filters: "\U0001F600"));
    }

    // ------------------------------------------------------------------------------------------------------------
    // fit_on_texts

    private static readonly string[] Corpus = ["The cat sat on the mat.", "The dog ate my homework!", "Cat and dog?"];

    [Fact]
    public void FitOnTexts_WordIndexByDescendingCount_TiesInFirstAppearanceOrder()
    {
        // Keras, by hand:
        //   doc 1 "the cat sat on the mat"    -> word_counts: the 2, cat 1, sat 1, on 1, mat 1
        //   doc 2 "the dog ate my homework"   -> the 3, ..., dog 1, ate 1, my 1, homework 1
        //   doc 3 "cat and dog"               -> cat 2, dog 2, and 1
        //   OrderedDict order: the 3, cat 2, sat 1, on 1, mat 1, dog 2, ate 1, my 1, homework 1, and 1
        //   stable sort by count, descending: the 3, cat 2, dog 2, sat, on, mat, ate, my, homework, and
        //   word_index: the 1, cat 2, dog 3, sat 4, on 5, mat 6, ate 7, my 8, homework 9, and 10
        var t = new Tokenizer();
        t.FitOnTexts(Corpus);

        Assert.Equal(
            ["the", "cat", "dog", "sat", "on", "mat", "ate", "my", "homework", "and"],
            t.WordIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key));
        Assert.Equal(Enumerable.Range(1, 10), t.WordIndex.Values);
        Assert.Equal(
            [("the", 3), ("cat", 2), ("sat", 1), ("on", 1), ("mat", 1), ("dog", 2), ("ate", 1), ("my", 1), ("homework", 1), ("and", 1)],
            t.WordCounts.Select(kv => (kv.Key, kv.Value)));

        // word_docs: in how many documents each word occurs ("the" twice in doc 1 counts once).
        Assert.Equal(2, t.WordDocs["the"]);
        Assert.Equal(2, t.WordDocs["cat"]);
        Assert.Equal(2, t.WordDocs["dog"]);
        Assert.Equal(1, t.WordDocs["homework"]);
        Assert.Equal(2, t.IndexDocs[1]);
        Assert.Equal(1, t.IndexDocs[10]);
        Assert.Equal(3, t.DocumentCount);
        Assert.Equal("dog", t.IndexWord[3]);
        Assert.True(t.IsFitted);
    }

    [Fact]
    public void FitOnTexts_TensorFlowTutorialExample_WithOov()
    {
        // TensorFlow "NLP Zero to Hero" (Tokenizer(num_words=100, oov_token="<OOV>")), published output:
        //   {'<OOV>': 1, 'my': 2, 'love': 3, 'dog': 4, 'i': 5, 'you': 6, 'cat': 7, 'do': 8, 'think': 9, 'is': 10, 'amazing': 11}
        //   texts_to_sequences(['i really love my dog', 'my dog loves my manatee']) -> [[5, 1, 3, 2, 4], [2, 4, 1, 2, 1]]
        // By the algorithm: counts in first-appearance order i 2, love 3, my 4, dog 3, cat 1, you 2, do 1, think 1, is 1,
        // amazing 1; stable descending: my, love, dog, i, you, cat, do, think, is, amazing; "<OOV>" first.
        var t = new Tokenizer { NumWords = 100, OovToken = "<OOV>" };
        t.FitOnTexts(["I love my dog", "I love my cat", "You love my dog!", "Do you think my dog is amazing?"]);

        Assert.Equal(
            ["<OOV>", "my", "love", "dog", "i", "you", "cat", "do", "think", "is", "amazing"],
            t.WordIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key));
        int[][] seqs = t.TextsToSequences(["i really love my dog", "my dog loves my manatee"]);
        Assert.Equal([5, 1, 3, 2, 4], seqs[0]);
        Assert.Equal([2, 4, 1, 2, 1], seqs[1]);
    }

    [Fact]
    public void FitOnTexts_Accumulates_AndRebuildsTheIndex()
    {
        // fit_on_texts adds to word_counts / document_count and recomputes word_index from all counts.
        // First fit: "b a" -> b 1, a 1 -> b 1, a 2. Second fit: "a a" -> a 3 -> a 1, b 2.
        var t = new Tokenizer();
        t.FitOnTexts(["b a"]);
        Assert.Equal(1, t.WordIndex["b"]);
        t.FitOnTexts(["a a"]);
        Assert.Equal(1, t.WordIndex["a"]);
        Assert.Equal(2, t.WordIndex["b"]);
        Assert.Equal(2, t.DocumentCount);
        Assert.Equal(2, t.WordDocs["a"]);
    }

    [Fact]
    public void FitOnTexts_CharLevel_EveryCharacterIsATokenAndFiltersAreNotApplied()
    {
        // char_level=True: seq = text.lower() (no text_to_word_sequence), so spaces and punctuation are tokens.
        // "Hi, hi!" -> "hi, hi!" -> h 2, i 2, ',' 1, ' ' 1, '!' 1 -> h 1, i 2, ',' 3, ' ' 4, '!' 5.
        var t = new Tokenizer { CharLevel = true };
        t.FitOnTexts(["Hi, hi!"]);
        Assert.Equal(["h", "i", ",", " ", "!"], t.WordIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key));
        Assert.Equal([1, 2, 4, 5], t.TextToSequence("HI !"));

        // sequences_to_texts joins with ' ' even at character level.
        Assert.Equal(["h i"], t.SequencesToTexts([[1, 2]]));
    }

    [Fact]
    public void FitOnTexts_EmptyCorpus_GivesOnlyTheOovToken()
    {
        var plain = new Tokenizer();
        plain.FitOnTexts([]);
        Assert.Empty(plain.WordIndex);
        Assert.Equal([], plain.TextToSequence("anything"));

        var oov = new Tokenizer { OovToken = "<unk>" };
        oov.FitOnTexts(["", "..."]);
        Assert.Equal(1, oov.WordIndex["<unk>"]);
        Assert.Single(oov.WordIndex);
        Assert.Equal(2, oov.DocumentCount);
        Assert.Equal([1, 1], oov.TextToSequence("x y"));
    }

    // ------------------------------------------------------------------------------------------------------------
    // texts_to_sequences / num_words

    [Fact]
    public void TextsToSequences_UnknownWordsDropped()
    {
        // word_index from the corpus test: the 1, cat 2, dog 3, ..., and 10. "a" is unknown.
        var t = new Tokenizer();
        t.FitOnTexts(Corpus);
        int[][] s = t.TextsToSequences(["The CAT, and the dog.", "a cat", ""]);
        Assert.Equal([1, 2, 10, 1, 3], s[0]);
        Assert.Equal([2], s[1]);
        Assert.Empty(s[2]);
    }

    [Fact]
    public void TextsToSequences_NumWordsKeepsIndicesBelowIt()
    {
        // num_words=4: Keras keeps i < 4, i.e. the 3 most frequent words (the 1, cat 2, dog 3); sat 4 and on 5 dropped.
        var t = new Tokenizer { NumWords = 4 };
        t.FitOnTexts(Corpus);
        Assert.Equal([1, 2, 1, 3], t.TextToSequence("the cat sat on the dog"));

        // word_index itself is not truncated by num_words.
        Assert.Equal(10, t.WordIndex.Count);
    }

    [Fact]
    public void TextsToSequences_NumWordsWithOov_ReplacesCutWordsAndUnknownWords()
    {
        // With oov_token: <OOV> 1, the 2, cat 3, dog 4, sat 5, on 6, ...; num_words=4 keeps 1..3.
        // "the cat sat on the dog zebra" -> 2, 3, (5>=4 -> 1), (6>=4 -> 1), 2, (4>=4 -> 1), (unknown -> 1).
        var t = new Tokenizer { NumWords = 4, OovToken = "<OOV>" };
        t.FitOnTexts(Corpus);
        Assert.Equal(1, t.WordIndex["<OOV>"]);
        Assert.Equal([2, 3, 1, 1, 2, 1, 1], t.TextToSequence("the cat sat on the dog zebra"));
    }

    [Fact]
    public void TextsToSequences_NumWordsZeroMeansNoLimit_AsPythonsFalsyZero()
    {
        // Keras tests `if num_words and i >= num_words`: num_words=0 is falsy, so nothing is cut.
        var t = new Tokenizer { NumWords = 0 };
        t.FitOnTexts(Corpus);
        Assert.Equal([1, 2, 4, 5, 1, 3], t.TextToSequence("the cat sat on the dog"));
    }

    [Fact]
    public void TextsToSequences_NumWordsCanBeChangedAfterFitting()
    {
        var t = new Tokenizer();
        t.FitOnTexts(Corpus);
        Assert.Equal([1, 2, 4], t.TextToSequence("the cat sat"));
        t.NumWords = 3;
        Assert.Equal([1, 2], t.TextToSequence("the cat sat"));
    }

    [Fact]
    public void OovTokenThatAlsoOccursInTheTexts_KeepsKerasDictOverwrite()
    {
        // Keras: sorted_voc = ['unk', 'the', 'unk'] (word counts: the 2, unk 1); dict(zip(sorted_voc, [1, 2, 3]))
        // overwrites 'unk' -> 3, so word_index = {'unk': 3, 'the': 2} and index 1 has no word.
        // texts_to_sequences(["the unk foo"]) -> [2, 3, 3] (foo -> oov index = word_index['unk'] = 3).
        var t = new Tokenizer { OovToken = "unk" };
        t.FitOnTexts(["unk the the"]);
        Assert.Equal(3, t.WordIndex["unk"]);
        Assert.Equal(2, t.WordIndex["the"]);
        Assert.Equal(2, t.WordIndex.Count);
        Assert.False(t.IndexWord.ContainsKey(1));
        Assert.Equal([2, 3, 3], t.TextToSequence("the unk foo"));

        // sequences_to_texts: index 1 has no word -> the OOV token (index_word[3] = 'unk').
        Assert.Equal(["unk the"], t.SequencesToTexts([[1, 2]]));
    }

    [Fact]
    public void OovTokenIsNotLowercasedOrFiltered()
    {
        // Keras inserts oov_token into word_index as given. "<OOV>" typed in a text is filtered and lower-cased to
        // "oov", an unknown word, so it maps to the OOV index anyway.
        var t = new Tokenizer { OovToken = "<OOV>" };
        t.FitOnTexts(["a b"]);
        Assert.True(t.WordIndex.ContainsKey("<OOV>"));
        Assert.Equal([1], t.TextToSequence("<OOV>"));
    }

    // ------------------------------------------------------------------------------------------------------------
    // sequences_to_texts

    [Fact]
    public void SequencesToTexts_AsKeras()
    {
        var t = new Tokenizer();
        t.FitOnTexts(Corpus);

        // index_word: 1 the, 2 cat, 10 and; 0 and 99 have no word -> dropped (no oov token).
        Assert.Equal(["the cat and", ""], t.SequencesToTexts([[1, 2, 0, 10, 99], []]));

        // Round trip of known words.
        Assert.Equal(["the dog ate my homework"], t.SequencesToTexts(t.TextsToSequences(["The dog ate my homework!"])));
    }

    [Fact]
    public void SequencesToTexts_WithOov_PaddingZerosAndCutWordsBecomeTheOovToken()
    {
        // Keras: index_word.get(0) is None and oov_token is set -> index_word[oov_token_index]; with num_words=4,
        // index 5 (sat) >= 4 -> the OOV token too.
        var t = new Tokenizer { OovToken = "<OOV>", NumWords = 4 };
        t.FitOnTexts(Corpus);
        Assert.Equal(["<OOV> <OOV> the cat <OOV>"], t.SequencesToTexts([[0, 0, 2, 3, 5]]));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Errors and options

    [Fact]
    public void UseBeforeFit_Throws()
    {
        var t = new Tokenizer();
        var e = Assert.Throws<InvalidOperationException>(() => t.TextsToSequences(["a"]));
        Assert.Contains("FitOnTexts", e.Message);
        Assert.Throws<InvalidOperationException>(() => t.SequencesToTexts([[1]]));
        Assert.False(t.IsFitted);
    }

    [Fact]
    public void InvalidOptionsAndNullTexts_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tokenizer { NumWords = -1 });
        Assert.Throws<ArgumentException>(() => new Tokenizer { Split = "" });
        Assert.Throws<ArgumentNullException>(() => new Tokenizer { Filters = null! });
        var t = new Tokenizer();
        var e = Assert.Throws<ArgumentNullException>(() => t.FitOnTexts(["a", null!]));
        Assert.Contains("Text 1", e.Message);
    }

    [Fact]
    public void Defaults_AreKeras()
    {
        var t = new Tokenizer();
        Assert.Null(t.NumWords);
        Assert.Equal("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n", t.Filters);
        Assert.True(t.Lower);
        Assert.Equal(" ", t.Split);
        Assert.False(t.CharLevel);
        Assert.Null(t.OovToken);
    }

    // ------------------------------------------------------------------------------------------------------------
    // JSON

    [Fact]
    public void Json_RoundTrip_PreservesEverything()
    {
        var t = new Tokenizer { NumWords = 5, OovToken = "<OOV>", Filters = "!.", Split = " ", Lower = false };
        t.FitOnTexts(["Zoë likes π. Zoë!", "\"quoted\" <tag> & more"]);
        Tokenizer u = Tokenizer.FromJson(t.ToJson());

        Assert.Equal(t.NumWords, u.NumWords);
        Assert.Equal(t.OovToken, u.OovToken);
        Assert.Equal(t.Filters, u.Filters);
        Assert.Equal(t.Lower, u.Lower);
        Assert.Equal(t.CharLevel, u.CharLevel);
        Assert.Equal(t.DocumentCount, u.DocumentCount);
        Assert.Equal(t.WordIndex.ToArray(), u.WordIndex.ToArray());
        Assert.Equal(t.WordCounts.ToArray(), u.WordCounts.ToArray());
        Assert.Equal(t.WordDocs.OrderBy(kv => kv.Key), u.WordDocs.OrderBy(kv => kv.Key));
        Assert.Equal(t.IndexDocs.OrderBy(kv => kv.Key), u.IndexDocs.OrderBy(kv => kv.Key));
        Assert.Equal(t.IndexWord.OrderBy(kv => kv.Key), u.IndexWord.OrderBy(kv => kv.Key));
        string[] probe = ["Zoë likes <tag> more", "unknown π"];
        Assert.Equal(t.TextsToSequences(probe), u.TextsToSequences(probe));
    }

    [Fact]
    public void Json_HasKerasToJsonLayout()
    {
        // Keras Tokenizer.to_json(): {"class_name": "Tokenizer", "config": {..., "word_counts": json.dumps(...), ...}}:
        // the five dictionaries are JSON strings, index keys are strings (json.dumps converts int keys).
        var t = new Tokenizer();
        t.FitOnTexts(["b a b"]);
        using JsonDocument doc = JsonDocument.Parse(t.ToJson());
        JsonElement root = doc.RootElement;
        Assert.Equal("Tokenizer", root.GetProperty("class_name").GetString());
        JsonElement config = root.GetProperty("config");
        Assert.Equal(JsonValueKind.Null, config.GetProperty("num_words").ValueKind);
        Assert.Equal(Tokenizer.DefaultFilters, config.GetProperty("filters").GetString());
        Assert.True(config.GetProperty("lower").GetBoolean());
        Assert.Equal(" ", config.GetProperty("split").GetString());
        Assert.False(config.GetProperty("char_level").GetBoolean());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("oov_token").ValueKind);
        Assert.Equal(1, config.GetProperty("document_count").GetInt32());
        foreach (string key in new[] { "word_counts", "word_docs", "index_docs", "index_word", "word_index" })
        {
            Assert.Equal(JsonValueKind.String, config.GetProperty(key).ValueKind);
        }

        using JsonDocument wordIndex = JsonDocument.Parse(config.GetProperty("word_index").GetString()!);
        Assert.Equal(1, wordIndex.RootElement.GetProperty("b").GetInt32());
        Assert.Equal(2, wordIndex.RootElement.GetProperty("a").GetInt32());
        using JsonDocument indexWord = JsonDocument.Parse(config.GetProperty("index_word").GetString()!);
        Assert.Equal("a", indexWord.RootElement.GetProperty("2").GetString());
    }

    [Fact]
    public void FromJson_ReadsWhatKerasWrites()
    {
        // Written as Keras's to_json() would for Tokenizer(num_words=3, oov_token="<OOV>").fit_on_texts(["b a b"]):
        // word_counts {"b": 2, "a": 1}; word_index {"<OOV>": 1, "b": 2, "a": 3}; json.dumps separators ", " / ": ".
        const string keras = """
            {"class_name": "Tokenizer", "config": {"num_words": 3, "filters": "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n", "lower": true, "split": " ", "char_level": false, "oov_token": "<OOV>", "document_count": 1, "word_counts": "{\"b\": 2, \"a\": 1}", "word_docs": "{\"a\": 1, \"b\": 1}", "index_docs": "{\"3\": 1, \"2\": 1}", "index_word": "{\"1\": \"<OOV>\", \"2\": \"b\", \"3\": \"a\"}", "word_index": "{\"<OOV>\": 1, \"b\": 2, \"a\": 3}"}}
            """;
        Tokenizer t = Tokenizer.FromJson(keras);
        Assert.Equal(3, t.NumWords);
        Assert.Equal("<OOV>", t.OovToken);
        Assert.Equal(Tokenizer.DefaultFilters, t.Filters);
        Assert.Equal(1, t.DocumentCount);
        Assert.Equal(3, t.WordIndex["a"]);
        Assert.Equal(1, t.IndexDocs[3]);

        // num_words=3 keeps indices 1, 2: "a" (3) becomes the OOV index.
        Assert.Equal([2, 1, 1], t.TextToSequence("B a c"));

        // Fitting more continues from the loaded counts, as Keras would: a now 3 > b 2.
        t.FitOnTexts(["a a"]);
        Assert.Equal(2, t.WordIndex["a"]);
        Assert.Equal(3, t.WordIndex["b"]);
    }

    [Fact]
    public void FromJson_BadInput_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Tokenizer.FromJson("not json"));
        Assert.Throws<FormatException>(() => Tokenizer.FromJson("[1, 2]"));
        Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"config": {"word_index": "[1]"}}"""));
        Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"config": {"word_index": {"a": "x"}}}"""));
        var e = Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"config": {"oov_token": "<u>", "word_index": {"a": 1}}}"""));
        Assert.Contains("<u>", e.Message);
    }

    [Fact]
    public void SaveAndLoad_File()
    {
        using var dir = new TempDir();
        var t = new Tokenizer { OovToken = "?" };
        t.FitOnTexts(["one two two"]);
        string path = System.IO.Path.Combine(dir.FullName, "tokenizer.json");
        t.Save(path);
        Assert.Equal(t.WordIndex.ToArray(), Tokenizer.Load(path).WordIndex.ToArray());
    }

    [Fact]
    public void RealSentimentCorpus_Imdb()
    {
        // The UCI imdb sentences: every word of a training text is in the index, and num_words bounds every index.
        (string[] texts, _) = Datasets.ReadLabelledSentences(RepoFiles.Path("samples", "data", "sentiment", "imdb_labelled.txt"));
        var t = new Tokenizer { NumWords = 1000, OovToken = "<OOV>" };
        t.FitOnTexts(texts);
        Assert.Equal(1000, t.DocumentCount);
        int[][] seqs = t.TextsToSequences(texts);
        Assert.All(seqs, s => Assert.All(s, i => Assert.InRange(i, 1, 999)));

        // Counts are non-increasing along the index (the sort), and the most frequent word is "the".
        int[] counts = t.WordIndex.Where(kv => kv.Key != "<OOV>").OrderBy(kv => kv.Value).Select(kv => t.WordCounts[kv.Key]).ToArray();
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.First >= p.Second));
        Assert.Equal(2, t.WordIndex["the"]);
    }
}
