using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// Code-fix tests in the manner of Microsoft.CodeAnalysis.Testing's CodeFixTest (not available here): the markup's
/// diagnostics are asserted first (every one, with its span), then the fix is applied in an <see cref="AdhocWorkspace"/>
/// (one diagnostic at a time, or through the provider's FixAll), the fixed text is compared exactly, and the fixed source
/// must have no LSTMGEN error and, with the generator's output, compile with no error and no warning.
/// </summary>
internal static class CodeFixVerifier
{
    public const string DocumentName = "Source0.cs";

    /// <summary>
    /// Applies <paramref name="fixer"/> to the first diagnostic it can fix, <paramref name="iterations"/> times (each
    /// time on the analyzer's fresh diagnostics, as a user would), and asserts the result is <paramref name="expected"/>.
    /// </summary>
    public static Task VerifyFixAsync(CodeFixProvider fixer, string markup, string expected, int iterations = 1) =>
        VerifyAsync(fixer, markup, expected, iterations, fixAll: null);

    /// <summary>Applies the provider's FixAll in <paramref name="scope"/> once and asserts the result.</summary>
    public static Task VerifyFixAllAsync(CodeFixProvider fixer, string markup, string expected, FixAllScope scope = FixAllScope.Document) =>
        VerifyAsync(fixer, markup, expected, iterations: 1, fixAll: scope);

    /// <summary>Asserts the markup's diagnostics and that <paramref name="fixer"/> offers no fix for any of them.</summary>
    public static async Task VerifyNoFixAsync(CodeFixProvider fixer, string markup)
    {
        (Document document, ImmutableArray<Diagnostic> diagnostics) = await OpenAsync(markup);
        Diagnostic[] fixable = diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).ToArray();
        Assert.NotEmpty(fixable);
        foreach (Diagnostic diagnostic in fixable)
        {
            Assert.Empty(await GetActionsAsync(fixer, document, diagnostic));
        }
    }

    private static async Task VerifyAsync(CodeFixProvider fixer, string markup, string expected, int iterations, FixAllScope? fixAll)
    {
        (Document document, ImmutableArray<Diagnostic> diagnostics) = await OpenAsync(markup);
        for (int i = 0; i < iterations; i++)
        {
            if (i > 0)
            {
                diagnostics = await AnalyzeAsync(document.Project);
            }
            Diagnostic diagnostic = diagnostics.FirstOrDefault(d => fixer.FixableDiagnosticIds.Contains(d.Id))
                ?? throw new Xunit.Sdk.XunitException($"Iteration {i + 1}: no diagnostic for {string.Join(", ", fixer.FixableDiagnosticIds)} to fix.");
            CodeAction action = Assert.Single(await GetActionsAsync(fixer, document, diagnostic));
            if (fixAll is { } scope)
            {
                FixAllProvider provider = fixer.GetFixAllProvider() ?? throw new Xunit.Sdk.XunitException("The fixer has no FixAll provider.");
                Assert.Contains(scope, provider.GetSupportedFixAllScopes());
                var context = new FixAllContext(document, fixer, scope, action.EquivalenceKey, fixer.FixableDiagnosticIds,
                    new AnalyzerDiagnosticProvider(), CancellationToken.None);
                action = await provider.GetFixAsync(context) ?? throw new Xunit.Sdk.XunitException("FixAll produced no action.");
            }
            document = await ApplyAsync(action, document);
        }

        string actual = (await document.GetTextAsync()).ToString();
        Assert.True(expected == actual, $"The fixed source differs.\n{Snapshot.DiffExcerpt(expected, actual)}\nActual:\n{actual}");
        await AssertFixedSourceIsCleanAsync(document.Project);
    }

    /// <summary>The fixed project: no LSTMGEN error left, and with the generator's code it compiles with no warning.</summary>
    private static async Task AssertFixedSourceIsCleanAsync(Project project)
    {
        ImmutableArray<Diagnostic> remaining = await AnalyzeAsync(project);
        Assert.True(!remaining.Any(d => d.Severity == DiagnosticSeverity.Error),
            "The fixed source still has LSTMGEN errors:\n" + string.Join("\n", remaining.Select(Describe)));
        Compilation compilation = (await project.GetCompilationAsync())!;
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        Assert.NotEmpty(run.HintNames);
        AssertCompilesCleanly(run.Output);
    }

    /// <summary>A one-document project in a fresh workspace, with the markup's diagnostics asserted.</summary>
    private static async Task<(Document Document, ImmutableArray<Diagnostic> Diagnostics)> OpenAsync(string markup)
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = DiagnosticMarkup.Parse(markup);
        var workspace = new AdhocWorkspace();
        ProjectInfo info = ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "TestProject", "TestAssembly", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable, deterministic: true),
            parseOptions: GeneratorDriverHelper.ParseOptions,
            metadataReferences: References);
        Project project = workspace.AddProject(info);
        Document document = workspace.AddDocument(project.Id, DocumentName, SourceText.From(source));

        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        Diagnostic[] errors = Errors(compilation);
        Assert.True(errors.Length == 0, "The test source itself does not compile:\n" + string.Join("\n", errors.Select(Describe)));
        ImmutableArray<Diagnostic> diagnostics = RunAnalyzer(compilation);
        DiagnosticVerifier.AssertMatches(source, expected, diagnostics);
        return (document, diagnostics);
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Project project) =>
        RunAnalyzer((await project.GetCompilationAsync())!)
            .Where(d => d.Id.StartsWith("LSTMGEN", StringComparison.Ordinal))
            .ToImmutableArray();

    private static async Task<List<CodeAction>> GetActionsAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await fixer.RegisterCodeFixesAsync(context);
        return actions;
    }

    /// <summary>Applies the action's changes (after its clean-up: simplification and formatting of annotated nodes).</summary>
    private static async Task<Document> ApplyAsync(CodeAction action, Document document)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        ApplyChangesOperation apply = Assert.Single(operations.OfType<ApplyChangesOperation>());
        Document? changed = apply.ChangedSolution.GetDocument(document.Id);
        Assert.NotNull(changed);
        return changed!;
    }

    /// <summary>FixAll's view of the diagnostics: the analyzer's, on the project as it is when asked.</summary>
    private sealed class AnalyzerDiagnosticProvider : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            SyntaxTree? tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await AnalyzeAsync(document.Project)).Where(d => d.Location.SourceTree == tree);
        }

        public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            (await AnalyzeAsync(project)).Where(d => !d.Location.IsInSource);

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await AnalyzeAsync(project);
    }
}
