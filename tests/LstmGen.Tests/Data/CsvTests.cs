using System;
using System.IO;
using System.Linq;
using LstmGen.Data;
using Xunit;

namespace LstmGen.Tests.Data;

/// <summary>
/// The CSV reader against RFC 4180 (section 2: fields separated by commas, records by line breaks, an optional header
/// line, fields optionally enclosed in double quotes, which may then hold commas, line breaks and <c>""</c> for a
/// quote), and the error messages, which must say where.
/// </summary>
public sealed class CsvTests
{
    private static float[] Column(string csv, string column) => Csv.ReadColumn(new StringReader(csv), column);

    [Fact]
    public void ReadsAColumnByName_AndByIndex()
    {
        const string csv = "\"Month\",\"Passengers\"\n\"1949-01\",112\n\"1949-02\",118\n";
        Assert.Equal([112f, 118f], Column(csv, "Passengers"));
        Assert.Equal([112f, 118f], Csv.ReadColumn(new StringReader(csv), 1));
    }

    [Fact]
    public void Rfc4180_QuotedFields_CommasLineBreaksAndDoubledQuotes()
    {
        // Field 1 holds a comma, a CRLF and an escaped quote; records end in CRLF (RFC 4180's own line break).
        const string csv = "name,value\r\n\"a, \"\"b\"\"\r\nc\",1.5\r\nplain,\"2\"\r\n";
        Assert.Equal([1.5f, 2f], Column(csv, "value"));

        string[][] records = Csv.ReadRecords(new StringReader(csv)).ToArray();
        Assert.Equal(3, records.Length);
        Assert.Equal("a, \"b\"\r\nc", records[1][0]);
        Assert.Equal("2", records[2][1]);
    }

    [Fact]
    public void QuotedHeader_EmptyFields_NoFinalNewline_CrOnly_Bom_BlankLines()
    {
        // Empty fields are "", a record may end without a newline, CR alone ends a record, a BOM is skipped,
        // empty lines are skipped.
        string[][] r = Csv.ReadRecords(new StringReader("\uFEFF\"a\",b,\n\n1,,3\r4,\"\",6")).ToArray();
        Assert.Equal(3, r.Length);
        Assert.Equal(["a", "b", ""], r[0]);
        Assert.Equal(["1", "", "3"], r[1]);
        Assert.Equal(["4", "", "6"], r[2]);
    }

    [Fact]
    public void InvariantCultureNumbers()
    {
        // Exponents, signs, surrounding spaces; the decimal separator is always '.'.
        const string csv = "x\n-1.25\n1e3\n 7 \n+0.5\n";
        Assert.Equal([-1.25f, 1000f, 7f, 0.5f], Column(csv, "x"));
    }

    [Fact]
    public void ReadColumns_RowMajorInTheOrderAsked()
    {
        const string csv = "Date,Open,Close\n2018-01-02,1,2\n2018-01-03,3,4\n2018-01-04,5,6\n";
        Assert.Equal([2f, 1f, 4f, 3f, 6f, 5f], Csv.ReadColumns(new StringReader(csv), "Close", "Open"));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], Csv.ReadColumns(new StringReader(csv), 1, 2));
    }

    [Fact]
    public void HeaderOnly_GivesNoRows()
    {
        Assert.Empty(Column("a,b\n", "b"));
    }

    [Fact]
    public void Error_MissingColumn_ListsTheColumns()
    {
        var e = Assert.Throws<ArgumentException>(() => Column("\"Month\",\"Passengers\"\n1,2\n", "passengers"));
        Assert.Contains("\"passengers\" not found", e.Message);
        Assert.Contains("\"Month\", \"Passengers\"", e.Message);

        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => Csv.ReadColumn(new StringReader("a,b\n1,2\n"), 2));
        Assert.Contains("2 columns", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Csv.ReadColumn(new StringReader("a,b\n1,2\n"), -1));

        var e3 = Assert.Throws<ArgumentException>(() => Column("a,b,a\n1,2,3\n", "a"));
        Assert.Contains("ambiguous", e3.Message);
    }

    [Fact]
    public void Error_NonNumericCell_SaysRowColumnAndText()
    {
        // Line 3 is data row 2.
        var e = Assert.Throws<InvalidDataException>(() => Column("Month,Passengers\n1949-01,112\n1949-02,n/a\n", "Passengers"));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("data row 2", e.Message);
        Assert.Contains("column \"Passengers\"", e.Message);
        Assert.Contains("\"n/a\"", e.Message);

        // An empty cell, and a decimal comma (not the invariant culture).
        Assert.Contains("\"\" is not a number", Assert.Throws<InvalidDataException>(() => Column("a,b\n1,\n", "b")).Message);
        Assert.Contains("\"1,5\"", Assert.Throws<InvalidDataException>(() => Column("a\n\"1,5\"\n", "a")).Message);
    }

    [Fact]
    public void Error_LineNumbersCountLineBreaksInsideQuotes()
    {
        // The record of line 2 spans lines 2-3, so the bad record starts on line 4 (data row 2).
        var e = Assert.Throws<InvalidDataException>(() => Column("t,v\n\"multi\nline\",1\nx,bad\n", "v"));
        Assert.Contains("line 4", e.Message);
        Assert.Contains("data row 2", e.Message);
    }

    [Fact]
    public void Error_EmptyFile()
    {
        var e = Assert.Throws<InvalidDataException>(() => Column("", "a"));
        Assert.Contains("empty", e.Message);
        Assert.Throws<InvalidDataException>(() => Column("\n\r\n", "a"));
    }

    [Fact]
    public void Error_RaggedRow()
    {
        var e = Assert.Throws<InvalidDataException>(() => Column("a,b\n1,2\n3\n", "a"));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("1 field,", e.Message);
        Assert.Contains("header (line 1) has 2", e.Message);
        Assert.Throws<InvalidDataException>(() => Column("a,b\n1,2,3\n", "a"));
    }

    [Fact]
    public void Error_MalformedQuotes()
    {
        var e = Assert.Throws<InvalidDataException>(() => Column("a\n\"unclosed\n", "a"));
        Assert.Contains("not closed", e.Message);
        Assert.Contains("line 2", e.Message);

        var e2 = Assert.Throws<InvalidDataException>(() => Column("a,b\n\"x\"y,1\n", "b"));
        Assert.Contains("after the closing quote", e2.Message);
    }

    [Fact]
    public void Files_MessagesNameThePath()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.csv", "a\n1\nzz\n");
        var e = Assert.Throws<InvalidDataException>(() => Csv.ReadColumn(path, "a"));
        Assert.Contains(path, e.Message);
        Assert.Equal([1f], Csv.ReadColumn(dir.File("ok.csv", "a\n1\n"), 0));
        Assert.Equal([1f], Csv.ReadColumns(dir.File("ok2.csv", "a\n1\n"), "a"));
    }

    [Fact]
    public void RealFile_AirlinePassengers()
    {
        // samples/data/README.md: 144 rows, "Month" (quoted "YYYY-MM"), "Passengers" 104 .. 622; first 112, last 432.
        string path = RepoFiles.Path("samples", "data", "timeseries", "airline-passengers.csv");
        float[] p = Csv.ReadColumn(path, "Passengers");
        Assert.Equal(144, p.Length);
        Assert.Equal(112f, p[0]);
        Assert.Equal(432f, p[^1]);
        Assert.Equal(104f, p.Min());
        Assert.Equal(622f, p.Max());
        Assert.Equal(p, Csv.ReadColumn(path, 1));

        // The month column is text, so reading it as numbers fails on the first data row, naming the cell.
        var e = Assert.Throws<InvalidDataException>(() => Csv.ReadColumn(path, "Month"));
        Assert.Contains("line 2 (data row 1), column \"Month\"", e.Message);
        Assert.Contains("\"1949-01\"", e.Message);
    }

    [Fact]
    public void RealFile_Sp500_SeveralColumns()
    {
        // README: 1259 rows; Low <= Open, Close <= High on every row.
        float[] rows = Csv.ReadColumns(RepoFiles.Path("samples", "data", "timeseries", "sp500-daily.csv"), "Open", "High", "Low", "Close");
        Assert.Equal(1259 * 4, rows.Length);
        for (int i = 0; i < 1259; i++)
        {
            float open = rows[4 * i], high = rows[(4 * i) + 1], low = rows[(4 * i) + 2], close = rows[(4 * i) + 3];
            Assert.True(low <= open && open <= high && low <= close && close <= high, $"row {i}");
        }
    }
}
