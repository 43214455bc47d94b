using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>The analyzer's diagnostics of one markup test, after every one of them was matched against the markup.</summary>
internal sealed record VerifiedDiagnostics(ImmutableArray<Diagnostic> Diagnostics, GeneratorRun Run)
{
    public Diagnostic Single(string id) => Assert.Single(Diagnostics, d => d.Id == id);

    public string Message(string id) => Single(id).GetMessage(CultureInfo.InvariantCulture);
}

/// <summary>
/// Markup-based diagnostic tests (Microsoft.CodeAnalysis.Testing style) with Mapperly's "every diagnostic must be
/// asserted" rule, followed by a generator run on the same source (CommunityToolkit's VerifyGeneratedDiagnostics).
/// </summary>
internal static class DiagnosticVerifier
{
    public const string Namespace = "Diag";

    private const string Prelude = "using LstmGen;\n\nnamespace " + Namespace + ";\n\n";

    /// <summary>A valid model beside the invalid one: it must still get its code, and no diagnostic.</summary>
    private const string Neighbour = "\n\n[Sequential, Input(4), Dense(2)]\npublic partial class Neighbour;\n";

    /// <summary>
    /// Wraps <paramref name="markup"/> in a namespace with a valid neighbour model, strips the markup, runs the analyzer and
    /// asserts exactly the marked (ID, span) set with each descriptor's severity; then runs the generator and asserts that
    /// it stayed healthy, generated code for the neighbour and for <paramref name="model"/> only if
    /// <paramref name="expectCode"/>, and that the output compiles cleanly.
    /// </summary>
    public static VerifiedDiagnostics Verify(string markup, string model = "Bad", bool expectCode = false)
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = DiagnosticMarkup.Parse(Prelude + markup + Neighbour);
        Compilation compilation = CreateCompilation(source);
        Diagnostic[] errors = Errors(compilation);
        Assert.True(errors.Length == 0, "The test source itself does not compile:\n" + string.Join("\n", errors.Select(Describe)));

        ImmutableArray<Diagnostic> diagnostics = RunAnalyzer(compilation);
        AssertMatches(source, expected, diagnostics);

        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        var hints = new List<string> { $"{Namespace}.Neighbour.g.cs" };
        if (expectCode)
        {
            hints.Add($"{Namespace}.{model}.g.cs");
        }
        Assert.Equal(hints.OrderBy(h => h, System.StringComparer.Ordinal), run.HintNames.OrderBy(h => h, System.StringComparer.Ordinal));
        AssertCompilesCleanly(run.Output);
        return new VerifiedDiagnostics(diagnostics, run);
    }

    /// <summary>Every LSTMGEN diagnostic is expected and every expected one is reported, with its descriptor's severity.</summary>
    public static void AssertMatches(string source, IReadOnlyList<ExpectedDiagnostic> expected, ImmutableArray<Diagnostic> diagnostics)
    {
        Diagnostic[] ours = diagnostics.Where(d => d.Id.StartsWith("LSTMGEN", System.StringComparison.Ordinal)).ToArray();
        List<ExpectedDiagnostic> actual = ours.Select(d => new ExpectedDiagnostic(d.Id, d.Location.SourceSpan)).OrderBy(e => e.Span.Start)
            .ThenBy(e => e.Span.Length).ThenBy(e => e.Id, System.StringComparer.Ordinal).ToList();
        List<ExpectedDiagnostic> wanted = expected.OrderBy(e => e.Span.Start)
            .ThenBy(e => e.Span.Length).ThenBy(e => e.Id, System.StringComparer.Ordinal).ToList();
        string Show(IEnumerable<ExpectedDiagnostic> list) => string.Join("\n", list.Select(e => $"  {e.Id} on '{source.Substring(e.Span.Start, e.Span.Length)}' {e.Span}"));
        Assert.True(wanted.SequenceEqual(actual),
            $"Diagnostics differ from the markup.\nExpected:\n{Show(wanted)}\nActual:\n{Show(actual)}\nMessages:\n  " +
            string.Join("\n  ", ours.Select(Describe)));
        foreach (Diagnostic d in ours)
        {
            Assert.Equal(DiagnosticDescriptors.ById[d.Id].DefaultSeverity, d.Severity);
            Assert.True(d.Location.IsInSource, $"{d.Id} has no source location");
        }
    }
}
