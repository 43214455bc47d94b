using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>One expected diagnostic: its ID and span in the markup-free source.</summary>
internal readonly record struct ExpectedDiagnostic(string Id, TextSpan Span)
{
    public override string ToString() => $"{Id}@{Span}";
}

/// <summary>
/// The markup of Microsoft.CodeAnalysis.Testing, reduced to what these tests need: <c>{|LSTMGEN104:Lstm(50)|}</c> expects
/// the diagnostic LSTMGEN104 on exactly the text <c>Lstm(50)</c>. Markers may nest.
/// </summary>
internal static class DiagnosticMarkup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string markup)
    {
        var source = new StringBuilder(markup.Length);
        var expected = new List<ExpectedDiagnostic>();
        var open = new Stack<(string Id, int Start)>();
        int i = 0;
        while (i < markup.Length)
        {
            if (markup[i] == '{' && i + 1 < markup.Length && markup[i + 1] == '|')
            {
                int colon = markup.IndexOf(':', i + 2);
                if (colon < 0)
                {
                    throw new FormatException($"Markup '{{|' at {i} has no ':' after its diagnostic ID.");
                }
                string id = markup.Substring(i + 2, colon - i - 2);
                if (id.Length == 0 || !IsIdentifier(id))
                {
                    throw new FormatException($"Markup '{{|' at {i} has an invalid diagnostic ID '{id}'.");
                }
                open.Push((id, source.Length));
                i = colon + 1;
            }
            else if (markup[i] == '|' && i + 1 < markup.Length && markup[i + 1] == '}')
            {
                if (open.Count == 0)
                {
                    throw new FormatException($"Markup '|}}' at {i} closes nothing.");
                }
                (string id, int start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, source.Length)));
                i += 2;
            }
            else
            {
                source.Append(markup[i]);
                i++;
            }
        }
        if (open.Count > 0)
        {
            throw new FormatException($"Markup for {open.Peek().Id} is not closed.");
        }
        expected.Sort((a, b) => a.Span.Start != b.Span.Start ? a.Span.Start.CompareTo(b.Span.Start) : string.CompareOrdinal(a.Id, b.Id));
        return (source.ToString(), expected);
    }

    private static bool IsIdentifier(string id)
    {
        foreach (char c in id)
        {
            if (!char.IsLetterOrDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
