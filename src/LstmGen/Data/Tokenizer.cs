using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LstmGen.Data;

/// <summary>
/// Turns texts into sequences of word indices, with the semantics of Keras's
/// <c>keras.preprocessing.text.Tokenizer</c> (Keras 2 / keras-preprocessing): the same tokenisation, the same
/// word index (by descending frequency, ties in order of first appearance, index 0 reserved, the OOV token at 1),
/// the same <c>num_words</c> cut-off, and a JSON form compatible with Keras's <c>to_json</c> /
/// <c>tokenizer_from_json</c>.
/// </summary>
/// <remarks>
/// Known differences from Python: lower-casing uses <see cref="string.ToLowerInvariant()"/> (simple Unicode case
/// mapping; Python's <c>str.lower</c> applies a few special cases such as a final sigma). Calling
/// <see cref="TextsToSequences"/> or <see cref="SequencesToTexts"/> before any fit throws, where Keras
/// silently returns empty sequences.
/// </remarks>
public sealed class Tokenizer
{
    /// <summary>Keras's default <c>filters</c>: all ASCII punctuation except <c>'</c>, plus tab and newline.</summary>
    public const string DefaultFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    // Readable output (quotes as \", non-ASCII as is); the file is data beside the weights, never embedded in HTML.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly OrderedDictionary<string, int> _wordCounts = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, int> _wordDocs = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, int> _wordIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _indexWord = new();
    private readonly Dictionary<int, int> _indexDocs = new();
    private readonly string _filters = DefaultFilters;
    private readonly string _split = " ";
    private HashSet<int> _filterSet = CodePointSet(DefaultFilters);
    private int? _numWords;
    private bool _fitted;

    /// <summary>
    /// Keras <c>num_words</c>: only word indices below this value are kept by <see cref="TextsToSequences"/> (the
    /// <c>NumWords - 1</c> most frequent entries of <see cref="WordIndex"/>); others are dropped, or replaced by the
    /// OOV index when <see cref="OovToken"/> is set. Null keeps every word. As in Keras (<c>if num_words and ...</c>),
    /// 0 also keeps every word. It only affects conversions, not fitting, so it may be changed after fitting.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? NumWords
    {
        get => _numWords;
        set
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(NumWords), value, "NumWords must be null (all words) or at least 0.");
            }

            _numWords = value;
        }
    }

    /// <summary>
    /// Keras <c>filters</c>: every character (Unicode code point) of this string is replaced by <see cref="Split"/>
    /// before splitting. Default <see cref="DefaultFilters"/>. Not applied when <see cref="CharLevel"/> is set (as in Keras).
    /// </summary>
    public string Filters
    {
        get => _filters;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _filters = value;
            _filterSet = CodePointSet(value);
        }
    }

    /// <summary>Keras <c>lower</c>: lower-case texts (and, at character level, characters) first. Default true.</summary>
    public bool Lower { get; init; } = true;

    /// <summary>Keras <c>split</c>: the word separator (any non-empty string). Default a single space.</summary>
    /// <exception cref="ArgumentException">The value is null or empty (Python's <c>str.split('')</c> raises too).</exception>
    public string Split
    {
        get => _split;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            _split = value;
        }
    }

    /// <summary>Keras <c>char_level</c>: every character (code point) of the lower-cased text is a token, spaces and punctuation included.</summary>
    public bool CharLevel { get; init; }

    /// <summary>Keras <c>oov_token</c>: when set, it takes index 1 and replaces unknown or cut-off words in conversions.</summary>
    public string? OovToken { get; init; }

    /// <summary>Keras <c>document_count</c>: the number of texts fitted on so far.</summary>
    public int DocumentCount { get; private set; }

    /// <summary>True once <see cref="FitOnTexts"/> has been called (or the tokenizer was loaded from JSON).</summary>
    public bool IsFitted => _fitted;

    /// <summary>Keras <c>word_index</c>: word → index (from 1), enumerated in index order.</summary>
    public IReadOnlyDictionary<string, int> WordIndex => _wordIndex;

    /// <summary>Keras <c>index_word</c>: index → word, the inverse of <see cref="WordIndex"/>.</summary>
    public IReadOnlyDictionary<int, string> IndexWord => _indexWord;

    /// <summary>Keras <c>word_counts</c>: occurrences of each word over all fitted texts, enumerated in order of first appearance.</summary>
    public IReadOnlyDictionary<string, int> WordCounts => _wordCounts;

    /// <summary>Keras <c>word_docs</c>: number of fitted texts containing each word.</summary>
    public IReadOnlyDictionary<string, int> WordDocs => _wordDocs;

    /// <summary>Keras <c>index_docs</c>: <see cref="WordDocs"/> keyed by word index.</summary>
    public IReadOnlyDictionary<int, int> IndexDocs => _indexDocs;

    /// <summary>
    /// Keras <c>fit_on_texts</c>: counts the words of <paramref name="texts"/> (adding to earlier fits) and rebuilds
    /// <see cref="WordIndex"/>: the OOV token first (if set), then every word by descending count, ties in order of
    /// first appearance (Python's stable sort), numbered from 1.
    /// </summary>
    /// <remarks>
    /// All or nothing: the texts are enumerated once and checked before anything is counted, so a null text (or an
    /// exception from the enumeration) leaves the tokenizer as it was.
    /// </remarks>
    /// <param name="texts">The training texts.</param>
    /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its items is null (nothing is counted).</exception>
    public void FitOnTexts(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        string[] all = texts is string[] array ? array : new List<string>(texts).ToArray();
        for (int i = 0; i < all.Length; i++)
        {
            if (all[i] is null)
            {
                throw new ArgumentNullException(nameof(texts), $"Text {i} is null; nothing was counted.");
            }
        }

        var tokens = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string text in all)
        {
            DocumentCount++;
            tokens.Clear();
            Tokenize(text, tokens);
            seen.Clear();
            foreach (string w in tokens)
            {
                Increment(_wordCounts, w);
                if (seen.Add(w))
                {
                    Increment(_wordDocs, w);
                }
            }
        }

        RebuildIndex();
        _fitted = true;
    }

    /// <summary>
    /// Keras <c>texts_to_sequences</c>: each text as word indices. Unknown words are dropped (or become the OOV
    /// index); words whose index is at least <see cref="NumWords"/> are dropped (or become the OOV index).
    /// </summary>
    /// <param name="texts">The texts to convert.</param>
    /// <returns>One index array per text.</returns>
    /// <exception cref="InvalidOperationException">The tokenizer has not been fitted.</exception>
    public int[][] TextsToSequences(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        EnsureFitted();
        var result = new List<int[]>();
        var tokens = new List<string>();
        var sequence = new List<int>();
        foreach (string text in texts)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(texts), $"Text {result.Count} is null.");
            }

            result.Add(ToSequence(text, tokens, sequence));
        }

        return result.ToArray();
    }

    /// <summary>One text as word indices, as <see cref="TextsToSequences"/>.</summary>
    /// <param name="text">The text to convert.</param>
    /// <returns>The word indices.</returns>
    /// <exception cref="InvalidOperationException">The tokenizer has not been fitted.</exception>
    public int[] TextToSequence(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        EnsureFitted();
        return ToSequence(text, new List<string>(), new List<int>());
    }

    /// <summary>
    /// Keras <c>sequences_to_texts</c>: the words of each sequence joined by a single space (whatever
    /// <see cref="Split"/> is, as in Keras). Indices without a word (0 included) and indices at least
    /// <see cref="NumWords"/> are dropped, or become the OOV token when <see cref="OovToken"/> is set, so padding
    /// zeros come back as OOV tokens in that case, as in Keras.
    /// </summary>
    /// <param name="sequences">Sequences of word indices.</param>
    /// <returns>One text per sequence.</returns>
    /// <exception cref="InvalidOperationException">The tokenizer has not been fitted.</exception>
    public string[] SequencesToTexts(IEnumerable<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        EnsureFitted();
        int numWords = _numWords ?? 0;
        string? oovWord = OovWord();
        var result = new List<string>();
        var sb = new StringBuilder();
        foreach (IReadOnlyList<int> seq in sequences)
        {
            if (seq is null)
            {
                throw new ArgumentNullException(nameof(sequences), $"Sequence {result.Count} is null.");
            }

            sb.Clear();
            for (int k = 0; k < seq.Count; k++)
            {
                int num = seq[k];
                string? word;
                if (_indexWord.TryGetValue(num, out string? known))
                {
                    word = numWords != 0 && num >= numWords ? oovWord : known;
                }
                else
                {
                    word = oovWord;
                }

                if (word is not null)
                {
                    if (sb.Length > 0)
                    {
                        sb.Append(' ');
                    }

                    sb.Append(word);
                }
            }

            result.Add(sb.ToString());
        }

        return result.ToArray();
    }

    /// <summary>
    /// Keras <c>text_to_word_sequence</c>: lower-cases (if <paramref name="lower"/>), replaces every code point of
    /// <paramref name="filters"/> by <paramref name="split"/>, splits at <paramref name="split"/> and drops empty strings.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="filters">Characters to replace by the separator; default <see cref="DefaultFilters"/>.</param>
    /// <param name="lower">Lower-case first (before filtering, as Keras).</param>
    /// <param name="split">The separator; non-empty.</param>
    /// <returns>The words.</returns>
    public static string[] TextToWordSequence(string text, string filters = DefaultFilters, bool lower = true, string split = " ")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentException.ThrowIfNullOrEmpty(split);
        var tokens = new List<string>();
        WordTokens(text, CodePointSet(filters), lower, split, tokens);
        return tokens.ToArray();
    }

    /// <summary>
    /// The tokenizer as Keras's <c>Tokenizer.to_json()</c> writes it: <c>{"class_name": "Tokenizer", "config": {...}}</c>
    /// with the dictionaries as JSON-encoded strings, so Keras's <c>tokenizer_from_json</c> can read it and
    /// <see cref="FromJson"/> can read Keras's.
    /// </summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteString("class_name", "Tokenizer");
            w.WriteStartObject("config");
            if (_numWords is int n)
            {
                w.WriteNumber("num_words", n);
            }
            else
            {
                w.WriteNull("num_words");
            }

            w.WriteString("filters", _filters);
            w.WriteBoolean("lower", Lower);
            w.WriteString("split", _split);
            w.WriteBoolean("char_level", CharLevel);
            if (OovToken is null)
            {
                w.WriteNull("oov_token");
            }
            else
            {
                w.WriteString("oov_token", OovToken);
            }

            w.WriteNumber("document_count", DocumentCount);
            w.WriteString("word_counts", InnerJson(iw =>
            {
                foreach (KeyValuePair<string, int> kv in _wordCounts)
                {
                    iw.WriteNumber(kv.Key, kv.Value);
                }
            }));
            w.WriteString("word_docs", InnerJson(iw =>
            {
                foreach (KeyValuePair<string, int> kv in _wordDocs)
                {
                    iw.WriteNumber(kv.Key, kv.Value);
                }
            }));
            w.WriteString("index_docs", InnerJson(iw =>
            {
                foreach (KeyValuePair<string, int> kv in _wordDocs)
                {
                    if (_wordIndex.TryGetValue(kv.Key, out int index))
                    {
                        iw.WriteNumber(index.ToString(System.Globalization.CultureInfo.InvariantCulture), _indexDocs[index]);
                    }
                }
            }));
            w.WriteString("index_word", InnerJson(iw =>
            {
                foreach (KeyValuePair<string, int> kv in _wordIndex)
                {
                    iw.WriteString(kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Key);
                }
            }));
            w.WriteString("word_index", InnerJson(iw =>
            {
                foreach (KeyValuePair<string, int> kv in _wordIndex)
                {
                    iw.WriteNumber(kv.Key, kv.Value);
                }
            }));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads a tokenizer written by <see cref="ToJson"/> or by Keras's <c>Tokenizer.to_json()</c>. The dictionaries may
    /// be JSON-encoded strings (Keras's form) or plain objects. Unknown config keys are ignored.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The tokenizer, fitted as it was saved.</returns>
    /// <exception cref="FormatException">
    /// The JSON is not a tokenizer: the message names the key and the value, e.g. a <c>num_words</c> or count that is not
    /// a non-negative integer, a word index below 1 (0 is padding), two words with the same index, or a word listed twice.
    /// </exception>
    public static Tokenizer FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Tokenizer JSON: expected an object.");
            }

            JsonElement config = root.TryGetProperty("config", out JsonElement c) ? c : root;
            if (config.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Tokenizer JSON: \"config\" is not an object.");
            }

            int? numWords = null;
            if (config.TryGetProperty("num_words", out JsonElement nw) && nw.ValueKind != JsonValueKind.Null)
            {
                numWords = Integer(nw, "num_words", 0);
            }

            var tokenizer = new Tokenizer
            {
                NumWords = numWords,
                Filters = OptionalString(config, "filters") ?? DefaultFilters,
                Lower = OptionalBool(config, "lower") ?? true,
                Split = OptionalString(config, "split") ?? " ",
                CharLevel = OptionalBool(config, "char_level") ?? false,
                OovToken = OptionalString(config, "oov_token"),
            };
            if (config.TryGetProperty("document_count", out JsonElement dc) && dc.ValueKind != JsonValueKind.Null)
            {
                tokenizer.DocumentCount = Integer(dc, "document_count", 0);
            }

            ReadCounts(config, "word_counts", tokenizer._wordCounts);
            ReadCounts(config, "word_docs", tokenizer._wordDocs);

            // Index 0 is padding, so word indices start at 1 (Keras numbers them from 1), and two words never share one.
            var wordOfIndex = new Dictionary<int, string>();
            foreach (KeyValuePair<string, JsonElement> kv in InnerObject(config, "word_index"))
            {
                int index = Integer(kv.Value, $"word_index[\"{kv.Key}\"]", 1);
                if (tokenizer._wordIndex.ContainsKey(kv.Key))
                {
                    throw new FormatException($"Tokenizer JSON: word_index has the word \"{kv.Key}\" twice.");
                }

                if (wordOfIndex.TryGetValue(index, out string? other))
                {
                    throw new FormatException(
                        $"Tokenizer JSON: word_index gives index {index} to both \"{other}\" and \"{kv.Key}\"; each word needs its own index.");
                }

                wordOfIndex.Add(index, kv.Key);
                tokenizer._wordIndex[kv.Key] = index;
            }

            // index_word and index_docs are derived from the other three, exactly as fit_on_texts derives them.
            foreach (KeyValuePair<string, int> kv in tokenizer._wordIndex)
            {
                tokenizer._indexWord[kv.Value] = kv.Key;
            }

            foreach (KeyValuePair<string, int> kv in tokenizer._wordDocs)
            {
                if (!tokenizer._wordIndex.TryGetValue(kv.Key, out int index))
                {
                    throw new FormatException($"Tokenizer JSON: word_docs has \"{kv.Key}\", which is not in word_index.");
                }

                tokenizer._indexDocs[index] = kv.Value;
            }

            if (tokenizer.OovToken is not null && !tokenizer._wordIndex.ContainsKey(tokenizer.OovToken))
            {
                throw new FormatException($"Tokenizer JSON: the oov_token \"{tokenizer.OovToken}\" is not in word_index.");
            }

            tokenizer._fitted = true;
            return tokenizer;
        }
        catch (JsonException e)
        {
            throw new FormatException("Tokenizer JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException("Tokenizer JSON: a value has the wrong type: " + e.Message, e);
        }
        catch (ArgumentException e)
        {
            throw new FormatException("Tokenizer JSON: invalid setting: " + e.Message, e);
        }
    }

    /// <summary>Writes <see cref="ToJson"/> to a UTF-8 file (for example beside the model weights).</summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path) => File.WriteAllText(path, ToJson(), new UTF8Encoding(false));

    /// <summary>Reads a tokenizer saved by <see cref="Save"/> or by Keras (<c>to_json()</c> written to a file).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tokenizer.</returns>
    public static Tokenizer Load(string path) => FromJson(File.ReadAllText(path));

    // ---------------------------------------------------------------------------------------------------------------

    private void EnsureFitted()
    {
        if (!_fitted)
        {
            throw new InvalidOperationException("The tokenizer has not been fitted: call FitOnTexts (or load one with FromJson) first.");
        }
    }

    private string? OovWord()
    {
        // Keras: oov_token_index = word_index.get(oov_token); the word written is index_word[oov_token_index].
        if (OovToken is not null && _wordIndex.TryGetValue(OovToken, out int index))
        {
            return _indexWord[index];
        }

        return null;
    }

    private int[] ToSequence(string text, List<string> tokens, List<int> sequence)
    {
        int numWords = _numWords ?? 0;
        int? oovIndex = OovToken is not null && _wordIndex.TryGetValue(OovToken, out int o) ? o : null;
        tokens.Clear();
        sequence.Clear();
        Tokenize(text, tokens);
        foreach (string w in tokens)
        {
            if (_wordIndex.TryGetValue(w, out int i))
            {
                if (numWords != 0 && i >= numWords)
                {
                    if (oovIndex is int oi)
                    {
                        sequence.Add(oi);
                    }
                }
                else
                {
                    sequence.Add(i);
                }
            }
            else if (oovIndex is int oi)
            {
                sequence.Add(oi);
            }
        }

        return sequence.ToArray();
    }

    private void Tokenize(string text, List<string> tokens)
    {
        if (CharLevel)
        {
            string s = Lower ? text.ToLowerInvariant() : text;
            for (int k = 0; k < s.Length; k++)
            {
                int len = CodePointLength(s, k);
                tokens.Add(s.Substring(k, len));
                k += len - 1;
            }
        }
        else
        {
            WordTokens(text, _filterSet, Lower, _split, tokens);
        }
    }

    private static void WordTokens(string text, HashSet<int> filters, bool lower, string split, List<string> tokens)
    {
        string s = lower ? text.ToLowerInvariant() : text;
        var sb = new StringBuilder(s.Length);
        for (int k = 0; k < s.Length; k++)
        {
            int len = CodePointLength(s, k);
            int cp = len == 2 ? char.ConvertToUtf32(s[k], s[k + 1]) : s[k];
            if (filters.Contains(cp))
            {
                sb.Append(split);
            }
            else
            {
                sb.Append(s, k, len);
            }

            k += len - 1;
        }

        foreach (string part in sb.ToString().Split(split, StringSplitOptions.None))
        {
            if (part.Length > 0)
            {
                tokens.Add(part);
            }
        }
    }

    /// <summary>Python iterates strings by code point: a valid surrogate pair is one character, a lone surrogate is one too.</summary>
    private static int CodePointLength(string s, int k) =>
        char.IsHighSurrogate(s[k]) && k + 1 < s.Length && char.IsLowSurrogate(s[k + 1]) ? 2 : 1;

    private static HashSet<int> CodePointSet(string s)
    {
        var set = new HashSet<int>();
        for (int k = 0; k < s.Length; k++)
        {
            int len = CodePointLength(s, k);
            set.Add(len == 2 ? char.ConvertToUtf32(s[k], s[k + 1]) : s[k]);
            k += len - 1;
        }

        return set;
    }

    private void RebuildIndex()
    {
        // Keras: wcounts = list(word_counts.items()); wcounts.sort(key=count, reverse=True) -- a stable sort, so equal
        // counts keep the OrderedDict's insertion (first appearance) order.
        var entries = new (string Word, int Count, int Order)[_wordCounts.Count];
        int order = 0;
        foreach (KeyValuePair<string, int> kv in _wordCounts)
        {
            entries[order] = (kv.Key, kv.Value, order);
            order++;
        }

        Array.Sort(entries, static (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Order.CompareTo(b.Order));

        // sorted_voc = [oov_token] + words; word_index = dict(zip(sorted_voc, range(1, ...))): a word equal to the OOV
        // token overwrites its value (keeping its position), so index 1 is then left without a word, as in Keras.
        _wordIndex.Clear();
        _indexWord.Clear();
        _indexDocs.Clear();
        int next = 1;
        if (OovToken is not null)
        {
            _wordIndex[OovToken] = next++;
        }

        foreach ((string word, _, _) in entries)
        {
            _wordIndex[word] = next++;
        }

        foreach (KeyValuePair<string, int> kv in _wordIndex)
        {
            _indexWord[kv.Value] = kv.Key;
        }

        foreach (KeyValuePair<string, int> kv in _wordDocs)
        {
            _indexDocs[_wordIndex[kv.Key]] = kv.Value;
        }
    }

    private static void Increment(OrderedDictionary<string, int> dict, string key)
    {
        int i = dict.IndexOf(key);
        if (i < 0)
        {
            dict.Add(key, 1);
        }
        else
        {
            dict.SetAt(i, dict.GetAt(i).Value + 1);
        }
    }

    private static string InnerJson(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static List<KeyValuePair<string, JsonElement>> InnerObject(JsonElement config, string name)
    {
        var result = new List<KeyValuePair<string, JsonElement>>();
        if (!config.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            using JsonDocument inner = JsonDocument.Parse(value.GetString()!);
            if (inner.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Tokenizer JSON: \"{name}\" does not encode an object.");
            }

            foreach (JsonProperty p in inner.RootElement.EnumerateObject())
            {
                result.Add(new(p.Name, p.Value.Clone()));
            }
        }
        else if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in value.EnumerateObject())
            {
                result.Add(new(p.Name, p.Value));
            }
        }
        else
        {
            throw new FormatException($"Tokenizer JSON: \"{name}\" must be an object or a JSON-encoded object.");
        }

        return result;
    }

    /// <summary>A JSON integer of at least <paramref name="min"/>, or a <see cref="FormatException"/> naming the key and the value.</summary>
    private static int Integer(JsonElement value, string key, int min)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n))
        {
            throw new FormatException($"Tokenizer JSON: {key} is {value.GetRawText()}; expected an integer.");
        }

        if (n < min)
        {
            throw new FormatException($"Tokenizer JSON: {key} is {n}; expected an integer of at least {min}.");
        }

        return n;
    }

    private static void ReadCounts(JsonElement config, string name, OrderedDictionary<string, int> counts)
    {
        foreach (KeyValuePair<string, JsonElement> kv in InnerObject(config, name))
        {
            int count = Integer(kv.Value, $"{name}[\"{kv.Key}\"]", 1);
            if (!counts.TryAdd(kv.Key, count))
            {
                throw new FormatException($"Tokenizer JSON: {name} has the word \"{kv.Key}\" twice.");
            }
        }
    }

    private static string? OptionalString(JsonElement config, string name) =>
        config.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v.GetString() : null;

    private static bool? OptionalBool(JsonElement config, string name) =>
        config.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v.GetBoolean() : null;
}
