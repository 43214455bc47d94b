using System;
using System.Text;

namespace LstmGen.Generators.Helpers;

/// <summary>A StringBuilder with an indent level; lines end in \n whatever the platform, so output is deterministic.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public SourceWriter(int indent = 0) => _indent = indent;

    public void Indent() => _indent++;

    /// <summary>Appends text written by another writer as is.</summary>
    public void Raw(string text) => _sb.Append(text);

    public void Unindent()
    {
        if (_indent == 0)
        {
            throw new InvalidOperationException("Unbalanced indentation.");
        }
        _indent--;
    }

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * 4);
            _sb.Append(text);
        }
        _sb.Append('\n');
    }

    public void Open(string text)
    {
        Line(text);
        Line("{");
        Indent();
    }

    public void Close(string suffix = "")
    {
        Unindent();
        Line("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
