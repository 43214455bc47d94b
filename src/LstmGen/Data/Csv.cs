using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace LstmGen.Data;

/// <summary>Options of <see cref="Csv"/>'s readers.</summary>
public sealed class CsvOptions
{
    /// <summary>
    /// Accept cells that read as NaN or infinite: <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>, and numbers beyond the
    /// float range (<c>1e39</c> reads as +∞). Default false: such a cell is an <see cref="InvalidDataException"/> naming
    /// its line and column, because models and scalers need finite values.
    /// </summary>
    public bool AllowNonFinite { get; init; }
}

/// <summary>
/// Reads numeric columns from comma-separated files (RFC 4180): a header row, fields optionally in double quotes
/// (<c>"..."</c>, with <c>""</c> for a quote, and commas and line breaks allowed inside), records ending in CRLF, LF
/// or CR, numbers in the invariant culture (<c>1234.5</c>, <c>1e-3</c>). A UTF-8 byte order mark is skipped, and so are
/// empty lines. Every error names the source, the line and the column. Cells must be finite float32 numbers: NaN,
/// infinities and numbers beyond ±3.4028235e38 are rejected unless <see cref="CsvOptions.AllowNonFinite"/> is set.
/// </summary>
public static class Csv
{
    /// <summary>Reads one numeric column, by header name, from a file.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="column">The header of the column (exact, case-sensitive).</param>
    /// <returns>One value per data row.</returns>
    /// <exception cref="ArgumentException">No column (or more than one) has this name; the message lists the columns.</exception>
    /// <exception cref="InvalidDataException">The file is empty, a row has a different number of fields from the header, a quote is malformed, or a cell is not a finite float32 number.</exception>
    public static float[] ReadColumn(string path, string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return ReadColumns(path, [column]);
    }

    /// <summary>Reads one numeric column, by 0-based index, from a file.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="columnIndex">The 0-based column index.</param>
    /// <returns>One value per data row.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The header has no such column.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumn(string path, int columnIndex) => ReadColumns(path, [columnIndex]);

    /// <summary>Reads one numeric column, by header name, from a reader.</summary>
    /// <param name="reader">The CSV text, from its header row.</param>
    /// <param name="column">The header of the column (exact, case-sensitive).</param>
    /// <returns>One value per data row.</returns>
    /// <exception cref="ArgumentException">No column (or more than one) has this name; the message lists the columns.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumn(TextReader reader, string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return ReadColumns(reader, [column]);
    }

    /// <summary>Reads one numeric column, by 0-based index, from a reader.</summary>
    /// <param name="reader">The CSV text, from its header row.</param>
    /// <param name="columnIndex">The 0-based column index.</param>
    /// <returns>One value per data row.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The header has no such column.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumn(TextReader reader, int columnIndex) => ReadColumns(reader, [columnIndex]);

    /// <summary>Reads several numeric columns, by header name, from a file, as row-major <c>rows × columns.Length</c> floats.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="columns">The headers of the columns, in the order wanted.</param>
    /// <returns>Row-major values (one row per data row, the columns in the order given).</returns>
    /// <exception cref="ArgumentException">No columns were asked for, or a name is missing or ambiguous; the message lists the columns.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(string path, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(path);
        using StreamReader reader = OpenFile(path);
        return Read(reader, path, ByName(columns));
    }

    /// <summary>Reads several numeric columns, by 0-based index, from a file, as row-major <c>rows × columnIndices.Length</c> floats.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="columnIndices">The 0-based column indices, in the order wanted.</param>
    /// <returns>Row-major values.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The header has no such column.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(string path, params int[] columnIndices)
    {
        ArgumentNullException.ThrowIfNull(path);
        using StreamReader reader = OpenFile(path);
        return Read(reader, path, ByIndex(columnIndices));
    }

    /// <summary>Reads several numeric columns, by header name, from a reader, as row-major <c>rows × columns.Length</c> floats.</summary>
    /// <param name="reader">The CSV text, from its header row.</param>
    /// <param name="columns">The headers of the columns, in the order wanted.</param>
    /// <returns>Row-major values.</returns>
    /// <exception cref="ArgumentException">No columns were asked for, or a name is missing or ambiguous; the message lists the columns.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(TextReader reader, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Read(reader, "CSV input", ByName(columns));
    }

    /// <summary>Reads several numeric columns, by 0-based index, from a reader, as row-major floats.</summary>
    /// <param name="reader">The CSV text, from its header row.</param>
    /// <param name="columnIndices">The 0-based column indices, in the order wanted.</param>
    /// <returns>Row-major values.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The header has no such column.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(TextReader reader, params int[] columnIndices)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Read(reader, "CSV input", ByIndex(columnIndices));
    }

    /// <summary>Reads several numeric columns, by header name, from a file, with options (e.g. to accept NaN).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="columns">The headers of the columns, in the order wanted.</param>
    /// <param name="options">The options; null for the defaults.</param>
    /// <returns>Row-major values (one row per data row, the columns in the order given).</returns>
    /// <exception cref="ArgumentException">No columns were asked for, or a name is missing or ambiguous; the message lists the columns.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(string path, string[] columns, CsvOptions? options)
    {
        ArgumentNullException.ThrowIfNull(path);
        Func<string[], string, int[]> resolve = ByName(columns);
        using StreamReader reader = OpenFile(path);
        return Read(reader, path, resolve, options);
    }

    /// <summary>Reads several numeric columns, by 0-based index, from a file, with options (e.g. to accept NaN).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="columnIndices">The 0-based column indices, in the order wanted.</param>
    /// <param name="options">The options; null for the defaults.</param>
    /// <returns>Row-major values.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The header has no such column.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(string path, int[] columnIndices, CsvOptions? options)
    {
        ArgumentNullException.ThrowIfNull(path);
        Func<string[], string, int[]> resolve = ByIndex(columnIndices);
        using StreamReader reader = OpenFile(path);
        return Read(reader, path, resolve, options);
    }

    /// <summary>Reads several numeric columns, by header name, from a reader, with options (e.g. to accept NaN).</summary>
    /// <param name="reader">The CSV text, from its header row.</param>
    /// <param name="columns">The headers of the columns, in the order wanted.</param>
    /// <param name="options">The options; null for the defaults.</param>
    /// <returns>Row-major values.</returns>
    /// <exception cref="ArgumentException">No columns were asked for, or a name is missing or ambiguous; the message lists the columns.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(TextReader reader, string[] columns, CsvOptions? options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Read(reader, "CSV input", ByName(columns), options);
    }

    /// <summary>Reads several numeric columns, by 0-based index, from a reader, with options (e.g. to accept NaN).</summary>
    /// <param name="reader">The CSV text, from its header row.</param>
    /// <param name="columnIndices">The 0-based column indices, in the order wanted.</param>
    /// <param name="options">The options; null for the defaults.</param>
    /// <returns>Row-major values.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The header has no such column.</exception>
    /// <exception cref="InvalidDataException">As <see cref="ReadColumn(string, string)"/>.</exception>
    public static float[] ReadColumns(TextReader reader, int[] columnIndices, CsvOptions? options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Read(reader, "CSV input", ByIndex(columnIndices), options);
    }

    /// <summary>
    /// Every record of CSV text as its fields (quotes removed, <c>""</c> unescaped), the header included. Records are
    /// read lazily; empty lines are skipped; the number of fields is not checked.
    /// </summary>
    /// <param name="reader">The CSV text.</param>
    /// <returns>The records.</returns>
    /// <exception cref="InvalidDataException">A quoted field is not closed, or a closing quote is followed by something other than a comma or a line break.</exception>
    public static IEnumerable<string[]> ReadRecords(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Records(reader);
    }

    private static IEnumerable<string[]> Records(TextReader reader)
    {
        var parser = new Parser(reader, "CSV input");
        var fields = new List<string>();
        while (parser.TryReadRecord(fields, out _))
        {
            yield return fields.ToArray();
        }
    }

    private static StreamReader OpenFile(string path) =>
        new(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);

    private static Func<string[], string, int[]> ByName(string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
        {
            throw new ArgumentException("No columns were asked for.", nameof(columns));
        }

        foreach (string c in columns)
        {
            if (c is null)
            {
                throw new ArgumentException("A column name is null.", nameof(columns));
            }
        }

        return (header, source) =>
        {
            var result = new int[columns.Length];
            for (int k = 0; k < columns.Length; k++)
            {
                int found = -1;
                for (int i = 0; i < header.Length; i++)
                {
                    if (string.Equals(header[i], columns[k], StringComparison.Ordinal))
                    {
                        if (found >= 0)
                        {
                            throw new ArgumentException(
                                $"Column \"{columns[k]}\" is ambiguous in {source}: columns {found} and {i} both have that name.", nameof(columns));
                        }

                        found = i;
                    }
                }

                if (found < 0)
                {
                    throw new ArgumentException(
                        $"Column \"{columns[k]}\" not found in {source}; the columns are: {ListColumns(header)}.", nameof(columns));
                }

                result[k] = found;
            }

            return result;
        };
    }

    private static Func<string[], string, int[]> ByIndex(int[] columnIndices)
    {
        ArgumentNullException.ThrowIfNull(columnIndices);
        if (columnIndices.Length == 0)
        {
            throw new ArgumentException("No columns were asked for.", nameof(columnIndices));
        }

        foreach (int i in columnIndices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(i, nameof(columnIndices));
        }

        return (header, source) =>
        {
            foreach (int i in columnIndices)
            {
                if (i >= header.Length)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(columnIndices), i, $"Column index {i} is out of range: {source} has {header.Length} columns ({ListColumns(header)}).");
                }
            }

            return (int[])columnIndices.Clone();
        };
    }

    private static string ListColumns(string[] header)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < header.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append('"').Append(header[i]).Append('"');
        }

        return sb.ToString();
    }

    private static float[] Read(TextReader reader, string source, Func<string[], string, int[]> resolve, CsvOptions? options = null)
    {
        bool allowNonFinite = options?.AllowNonFinite ?? false;
        var parser = new Parser(reader, source);
        var fields = new List<string>();
        if (!parser.TryReadRecord(fields, out int headerLine))
        {
            throw new InvalidDataException($"{source} is empty: expected a header row.");
        }

        string[] header = fields.ToArray();
        int[] columns = resolve(header, source);
        var values = new List<float>();
        int row = 0;
        while (parser.TryReadRecord(fields, out int line))
        {
            row++;
            if (fields.Count != header.Length)
            {
                throw new InvalidDataException(
                    $"{source}, line {line} (data row {row}): {fields.Count} field{(fields.Count == 1 ? "" : "s")}, but the header (line {headerLine}) has {header.Length}.");
            }

            foreach (int c in columns)
            {
                string text = fields[c];
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    throw new InvalidDataException(
                        $"{source}, line {line} (data row {row}), column \"{header[c]}\" (index {c}): \"{text}\" is not a number.");
                }

                if (!allowNonFinite && !float.IsFinite(value))
                {
                    bool overflow = float.IsInfinity(value) && text.AsSpan().IndexOfAnyInRange('0', '9') >= 0;
                    throw new InvalidDataException(
                        $"{source}, line {line} (data row {row}), column \"{header[c]}\" (index {c}): \"{text}\" " +
                        (overflow ? "is beyond the float range (±3.4028235E+38)" : "is not a finite number") +
                        "; set CsvOptions.AllowNonFinite to read NaN and infinities.");
                }

                values.Add(value);
            }
        }

        return values.ToArray();
    }

    /// <summary>An RFC 4180 record reader that counts physical lines.</summary>
    private sealed class Parser
    {
        private readonly TextReader _reader;
        private readonly string _source;
        private readonly char[] _buffer = new char[8192];
        private readonly StringBuilder _field = new();
        private int _pos;
        private int _length;
        private int _line = 1;
        private bool _started;

        public Parser(TextReader reader, string source)
        {
            _reader = reader;
            _source = source;
        }

        /// <summary>Reads the next non-empty record; false at the end of the input.</summary>
        public bool TryReadRecord(List<string> fields, out int startLine)
        {
            fields.Clear();
            if (!_started)
            {
                _started = true;
                if (Peek() == '\uFEFF')
                {
                    Next();
                }
            }

            // Skip empty lines.
            while (true)
            {
                int c = Peek();
                if (c == -1)
                {
                    startLine = _line;
                    return false;
                }

                if (c is '\r' or '\n')
                {
                    ReadLineBreak();
                    continue;
                }

                break;
            }

            startLine = _line;
            while (true)
            {
                _field.Clear();
                int c = Peek();
                if (c == '"')
                {
                    int quoteLine = _line;
                    Next();
                    while (true)
                    {
                        c = Next();
                        if (c == -1)
                        {
                            throw new InvalidDataException(
                                $"{_source}, line {quoteLine}: the quoted field of column {fields.Count + 1} is not closed before the end of the input.");
                        }

                        if (c == '"')
                        {
                            if (Peek() == '"')
                            {
                                Next();
                                _field.Append('"');
                                continue;
                            }

                            break;
                        }

                        if (c == '\n')
                        {
                            _line++;
                        }
                        else if (c == '\r')
                        {
                            _line++;
                            if (Peek() == '\n')
                            {
                                Next();
                                _field.Append('\r');
                                c = '\n';
                            }
                        }

                        _field.Append((char)c);
                    }

                    c = Peek();
                    if (c is not (',' or '\r' or '\n' or -1))
                    {
                        throw new InvalidDataException(
                            $"{_source}, line {_line}: unexpected '{(char)c}' after the closing quote of column {fields.Count + 1} (a quote inside a quoted field is written \"\").");
                    }
                }
                else
                {
                    while (true)
                    {
                        c = Peek();
                        if (c is ',' or '\r' or '\n' or -1)
                        {
                            break;
                        }

                        _field.Append((char)Next());
                    }
                }

                fields.Add(_field.ToString());
                if (c == ',')
                {
                    Next();
                    continue;
                }

                if (c != -1)
                {
                    ReadLineBreak();
                }

                return true;
            }
        }

        private void ReadLineBreak()
        {
            int c = Next();
            if (c == '\r' && Peek() == '\n')
            {
                Next();
            }

            _line++;
        }

        private int Peek()
        {
            if (_pos == _length && !Fill())
            {
                return -1;
            }

            return _buffer[_pos];
        }

        private int Next()
        {
            if (_pos == _length && !Fill())
            {
                return -1;
            }

            return _buffer[_pos++];
        }

        private bool Fill()
        {
            _length = _reader.Read(_buffer, 0, _buffer.Length);
            _pos = 0;
            return _length > 0;
        }
    }
}
