using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// A code fix of LstmGen.CodeFixes for <see cref="TopologyAnalyzer"/>'s diagnostics under Microsoft.CodeAnalysis.Testing's
/// <see cref="CSharpCodeFixTest{TAnalyzer, TCodeFix, TVerifier}"/>, set up as <see cref="LstmGenAnalyzerTest"/> (references of
/// the running framework and the runtime, nothing downloaded; the generator runs in the compilations of the LSTMGEN009 fix). The library
/// asserts the markup's diagnostics, applies the fix one diagnostic at a time (on fresh diagnostics each time) and through
/// the provider's FixAll in document scope (one document per test: project and solution scope would fix the same), compares each result with the fixed code exactly, and asserts that the fixed code has no
/// diagnostic and no compiler error. Here also: each diagnostic gets at most one code action.
/// </summary>
internal sealed class LstmGenCodeFixTest<TCodeFix> : CSharpCodeFixTest<TopologyAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    private static readonly ReferenceAssemblies s_noPackage = new("net10.0");

    public LstmGenCodeFixTest()
    {
        ReferenceAssemblies = s_noPackage;
        TestState.AdditionalReferences.AddRange(References);
        // The generator's output is checked by the snapshot tests, not here.
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        // One document per test: FixAll in project and solution scope would fix the same diagnostics as in document
        // scope, at twice the cost (item 8 of issue 15: the test run's time).
        CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipFixAllInProjectCheck | CodeFixTestBehaviors.SkipFixAllInSolutionCheck;
    }

    /// <summary>
    /// The generator runs in the library's compilations only for the LSTMGEN009 fix, whose result calls the generated
    /// constructor (as in the IDE); the other fixes compile without it, and running it in every compilation of every
    /// iteration doubled these tests' time. Every fixed source is compiled with the generator afterwards
    /// (<see cref="CodeFixVerifier"/>).
    /// </summary>
    protected override IEnumerable<Type> GetSourceGenerators() =>
        typeof(TCodeFix) == typeof(LstmGen.CodeFixes.ChainConstructorCodeFixer) ? new[] { typeof(SequentialGenerator) } : Array.Empty<Type>();

    protected override ParseOptions CreateParseOptions() => GeneratorDriverHelper.ParseOptions;

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    protected override ImmutableArray<CodeAction> FilterCodeActions(ImmutableArray<CodeAction> actions)
    {
        actions = base.FilterCodeActions(actions);
        Assert.True(actions.Length <= 1, "More than one code action for one diagnostic: " + string.Join(", ", actions.Select(a => a.Title)));
        return actions;
    }
}

/// <summary>
/// Code-fix tests: <see cref="LstmGenCodeFixTest{TCodeFix}"/>, then the fixed source must have no LSTMGEN error and,
/// with the generator's output, compile with no error and no warning.
/// </summary>
internal static class CodeFixVerifier
{
    /// <summary>
    /// The fix applied to the markup's diagnostics, <paramref name="iterations"/> times one diagnostic at a time (each
    /// time on the analyzer's fresh diagnostics, as a user would), and at most as many times through FixAll, gives
    /// exactly <paramref name="expected"/>.
    /// </summary>
    public static async Task VerifyFixAsync<TCodeFix>(string markup, string expected, int iterations = 1)
        where TCodeFix : CodeFixProvider, new()
    {
        await new LstmGenCodeFixTest<TCodeFix>
        {
            TestCode = markup,
            FixedCode = expected,
            NumberOfIncrementalIterations = iterations,
            NumberOfFixAllIterations = -iterations,
        }.RunAsync();
        AssertFixedSourceIsClean(expected);
    }

    /// <summary>
    /// Every marked diagnostic fixed, through the provider's FixAll (document scope) and one at a
    /// time, gives exactly <paramref name="expected"/>.
    /// </summary>
    public static async Task VerifyFixAllAsync<TCodeFix>(string markup, string expected)
        where TCodeFix : CodeFixProvider, new()
    {
        await new LstmGenCodeFixTest<TCodeFix> { TestCode = markup, FixedCode = expected, NumberOfFixAllIterations = 1 }.RunAsync();
        AssertFixedSourceIsClean(expected);
    }

    /// <summary>The markup's diagnostics, and no code action for any of them.</summary>
    public static async Task VerifyNoFixAsync<TCodeFix>(string markup)
        where TCodeFix : CodeFixProvider, new()
    {
        string source = DiagnosticVerifier.WithoutMarkup(markup);
        Assert.Contains(RunAnalyzer(CreateCompilation(source)), d => new TCodeFix().FixableDiagnosticIds.Contains(d.Id));
        await new LstmGenCodeFixTest<TCodeFix>
        {
            TestCode = markup,
            FixedCode = markup,
            NumberOfIncrementalIterations = 0,
            NumberOfFixAllIterations = 0,
        }.RunAsync();
    }

    /// <summary>The fixed source: no LSTMGEN error left, and with the generator's code it compiles with no warning.</summary>
    private static void AssertFixedSourceIsClean(string fixedSource)
    {
        Compilation compilation = CreateCompilation(fixedSource);
        ImmutableArray<Diagnostic> remaining = RunAnalyzer(compilation);
        Assert.True(!remaining.Any(d => d.Severity == DiagnosticSeverity.Error),
            "The fixed source still has LSTMGEN errors:\n" + string.Join("\n", remaining.Select(Describe)));
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        Assert.NotEmpty(run.HintNames);
        AssertCompilesCleanly(run.Output);
    }
}
