using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
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
/// <see cref="TopologyAnalyzer"/> under Microsoft.CodeAnalysis.Testing's <see cref="CSharpAnalyzerTest{TAnalyzer, TVerifier}"/>,
/// set up as the rest of these tests: the running framework's assemblies and the LstmGen runtime as references (nothing
/// downloaded: no reference-assembly package), the latest language version, documentation comments parsed but not
/// diagnosed, nullable enabled. The library asserts that the analyzer reports exactly the markup's diagnostics (ID, span
/// and the descriptor's severity), that the source has no compiler error, that nothing is reported in generated code
/// (the analyzer skips it) and that the diagnostics honour <c>#pragma warning disable</c>.
/// </summary>
internal sealed class LstmGenAnalyzerTest : CSharpAnalyzerTest<TopologyAnalyzer, DefaultVerifier>
{
    /// <summary>No reference-assembly package: the references are <see cref="GeneratorDriverHelper.References"/>.</summary>
    private static readonly ReferenceAssemblies s_noPackage = new("net10.0");

    public LstmGenAnalyzerTest()
    {
        ReferenceAssemblies = s_noPackage;
        TestState.AdditionalReferences.AddRange(References);
    }

    protected override ParseOptions CreateParseOptions() => GeneratorDriverHelper.ParseOptions;

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
}

/// <summary>
/// Markup-based diagnostic tests on Microsoft.CodeAnalysis.Testing (<see cref="LstmGenAnalyzerTest"/>: every reported
/// diagnostic must be marked, Mapperly's rule), followed by a generator run on the same source (CommunityToolkit's
/// VerifyGeneratedDiagnostics).
/// </summary>
internal static class DiagnosticVerifier
{
    public const string Namespace = "Diag";

    private const string Prelude = "using LstmGen;\n\nnamespace " + Namespace + ";\n\n";

    /// <summary>A valid model beside the invalid one: it must still get its code, and no diagnostic.</summary>
    private const string Neighbour = "\n\n[Sequential, Input(4), Dense(2)]\npublic partial class Neighbour;\n";

    /// <summary>
    /// Wraps <paramref name="markup"/> in a namespace with a valid neighbour model and verifies the analyzer's diagnostics
    /// against the markup (<see cref="LstmGenAnalyzerTest"/>); then runs the generator on the markup-free source and asserts
    /// that it stayed healthy, generated code for the neighbour and for <paramref name="model"/> only if
    /// <paramref name="expectCode"/>, and that the output compiles cleanly. Returns the analyzer's diagnostics (for their
    /// messages) and the generator run.
    /// </summary>
    public static async Task<VerifiedDiagnostics> VerifyAsync(string markup, string model = "Bad", bool expectCode = false)
    {
        string marked = Prelude + markup + Neighbour;
        await new LstmGenAnalyzerTest { TestCode = marked }.RunAsync();

        string source = WithoutMarkup(marked);
        Compilation compilation = CreateCompilation(source);
        ImmutableArray<Diagnostic> diagnostics = RunAnalyzer(compilation);
        foreach (Diagnostic d in diagnostics.Where(d => d.Id.StartsWith("LSTMGEN", System.StringComparison.Ordinal)))
        {
            Assert.Equal(DiagnosticDescriptors.ById[d.Id].DefaultSeverity, d.Severity);
            Assert.True(d.Location.IsInSource, $"{d.Id} has no source location");
        }

        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        var hints = new List<string> { $"{Namespace}.Neighbour.g.cs" };
        if (expectCode)
        {
            hints.Add($"{Namespace}.{model}.g.cs");
        }
        Assert.Equal(hints.OrderBy(h => h, System.StringComparer.Ordinal), run.HintNames.OrderBy(h => h, System.StringComparer.Ordinal));
        AssertCompilesCleanlyBesideTheNeighbour(run);
        return new VerifiedDiagnostics(diagnostics, run);
    }

    /// <summary>The neighbour's generated code when it is alone in its compilation, which compiles cleanly (checked once).</summary>
    private static readonly System.Lazy<string> s_neighbourCode = new(() =>
    {
        GeneratorRun alone = RunGenerator(CreateCompilation(Prelude + Neighbour));
        AssertCompilesCleanly(alone.Output);
        return Assert.Single(alone.Result.GeneratedSources).SourceText.ToString();
    });

    /// <summary>
    /// <see cref="GeneratorDriverHelper.AssertCompilesCleanly"/> without binding the neighbour's method bodies again in
    /// every case (they were most of these tests' time): its generated code must be exactly the code it gets alone, which
    /// compiles cleanly; every other tree (the source, the model's code if any) is checked in full, and the declarations
    /// of all of them (duplicate members or types, signatures) compilation-wide. How generated code reacts to unusual
    /// neighbours (clashing names, types hiding System or LstmGen) is the property test's job, with full compilations.
    /// </summary>
    private static void AssertCompilesCleanlyBesideTheNeighbour(GeneratorRun run)
    {
        GeneratedSourceResult neighbour = Assert.Single(run.Result.GeneratedSources, s => GeneratorRun.Readable(s.HintName) == $"{Namespace}.Neighbour.g.cs");
        Assert.Equal(s_neighbourCode.Value, neighbour.SourceText.ToString());
        Compilation output = run.Output;
        Diagnostic[] problems = output.GetParseDiagnostics()
            .Concat(output.GetDeclarationDiagnostics())
            .Concat(output.SyntaxTrees.Where(t => t.FilePath != neighbour.SyntaxTree.FilePath).SelectMany(t => output.GetSemanticModel(t).GetMethodBodyDiagnostics()))
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToArray();
        Assert.True(problems.Length == 0,
            "The output compilation has diagnostics:\n" + string.Join("\n", problems.Select(Describe)));
    }

    /// <summary>The source that Microsoft.CodeAnalysis.Testing's markup parser makes of <paramref name="markup"/>.</summary>
    public static string WithoutMarkup(string markup)
    {
        TestFileMarkupParser.GetSpans(markup, out string source, out ImmutableDictionary<string, ImmutableArray<TextSpan>> _);
        return source;
    }

    /// <summary>The diagnostic IDs marked in <paramref name="markup"/> (<c>{|ID:…|}</c>), by Microsoft.CodeAnalysis.Testing's parser.</summary>
    public static IEnumerable<string> MarkedIds(string markup)
    {
        TestFileMarkupParser.GetSpans(markup, out string _, out ImmutableDictionary<string, ImmutableArray<TextSpan>> spans);
        return spans.Where(s => s.Value.Length > 0).Select(s => s.Key);
    }
}
