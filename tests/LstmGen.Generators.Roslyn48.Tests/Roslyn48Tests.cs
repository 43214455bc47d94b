using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.CodeFixes;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace LstmGen.Generators.Roslyn48.Tests;

/// <summary>
/// The Roslyn 4.8 build of the generator, analyzer and code fixes (what the package ships in analyzers/dotnet/roslyn4.8/cs),
/// run by Microsoft.CodeAnalysis 4.8.0 as a compiler of the .NET 8 SDK would: real models generate the same code as the
/// Roslyn 4.14 build (the committed snapshots of LstmGen.Generators.Tests), the code compiles with no warning and runs
/// with exact outputs, an invalid model gets its LSTMGEN diagnostic and no code, and a code fix applies.
/// </summary>
public sealed class Roslyn48Tests
{
    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest, DocumentationMode.Parse);
    private static readonly CSharpParseOptions s_generatedParse = new(LanguageVersion.Latest, DocumentationMode.Diagnose);
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        foreach (string path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            paths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }
        string runtime = typeof(LstmGen.SequentialAttribute).Assembly.Location;
        paths[Path.GetFileNameWithoutExtension(runtime)] = runtime;
        return paths.Values.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    private static CSharpCompilation Compile(string source) =>
        CSharpCompilation.Create(
            "Roslyn48Model" + Guid.NewGuid().ToString("N"),
            new[] { CSharpSyntaxTree.ParseText(source, s_parse, "Source0.cs") },
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true));

    private static (GeneratorRunResult Result, Compilation Output, ImmutableArray<Diagnostic> DriverDiagnostics) Generate(Compilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new SequentialGenerator().AsSourceGenerator() }, parseOptions: s_generatedParse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.DoesNotContain(diagnostics, d => d.Id is "CS8784" or "CS8785");
        return (result, output, diagnostics);
    }

    private static ImmutableArray<Diagnostic> Analyze(Compilation compilation)
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (ex, _, _) => { lock (exceptions) exceptions.Add(ex); }, concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new TopologyAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, "The analyzer threw:\n" + string.Join("\n", exceptions));
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    private static void AssertCompilesCleanly(Compilation output)
    {
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, "The output compilation has diagnostics:\n" + string.Join("\n", problems.Select(d => d.ToString())));
    }

    [Fact]
    public void RunsOnRoslyn48()
    {
        // This test host loads Microsoft.CodeAnalysis 4.8 (a 4.14 build could not run here), and the generator under test
        // was compiled against 4.8: the assembly the package ships in analyzers/dotnet/roslyn4.8/cs.
        Assert.Equal(new Version(4, 8, 0, 0), typeof(CSharpCompilation).Assembly.GetName().Version);
        Assert.Equal(new Version(4, 8, 0, 0), typeof(Compilation).Assembly.GetName().Version);
        Assembly generator = typeof(SequentialGenerator).Assembly;
        AssemblyName[] roslyn = generator.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(roslyn);
        Assert.All(roslyn, a => Assert.Equal(new Version(4, 8, 0, 0), a.Version));
        Assembly fixes = typeof(MakeModelPartialCodeFixer).Assembly;
        Assert.All(fixes.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)),
            a => Assert.Equal(new Version(4, 8, 0, 0), a.Version));
    }

    /// <summary>(snapshot test name, hint name, source): models of LstmGen.Generators.Tests/SnapshotTests.cs, verbatim.</summary>
    public static readonly TheoryData<string, string, string> SnapshotModels = new()
    {
        { "OneToOne", "Models.OneToOne.g.cs", """
            namespace Models;

            [Sequential, Input(4), Dense(8, Activation = Activation.Relu), Dense(3, Activation = Activation.Softmax)]
            public partial class OneToOne;
            """ },
        { "Dropout_SpatialDropout_Activation", "Models.Classifier.g.cs", """
            namespace Models;

            [Sequential]
            [Input(8)]
            [Embedding(100, 8, MaskZero = true)]
            [SpatialDropout1D(0.2)]
            [Bidirectional, Gru(4)]
            [Dropout(0.5, Seed = 3)]
            [Dense(2)]
            [Activation(Activation.Softmax)]
            public partial class Classifier;
            """ },
        { "Conv1D_Pooling_Lstm", "Models.ConvForecaster.g.cs", """
            namespace Models;

            [Sequential, Input(30, 4), Conv1D(8, 3, Activation = Activation.Relu), MaxPooling1D(2), Lstm(16), Dense(1)]
            public partial class ConvForecaster;
            """ },
        { "ManyToManySame", "Models.ManyToManySame.g.cs", """
            namespace Models;

            [Sequential(Seed = 42)]
            [Input(10, 1)]
            [Lstm(50, ReturnSequences = true)]
            [Lstm(50, ReturnSequences = true)]
            [TimeDistributed, Dense(1)]
            public partial class ManyToManySame;
            """ },
    };

    [Theory]
    [MemberData(nameof(SnapshotModels))]
    public void RealModel_SameCodeAsRoslyn414Build_AndCompiles(string snapshotTest, string hintName, string source)
    {
        Compilation compilation = Compile("using LstmGen;\n\n" + source);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(Analyze(compilation));

        var (result, output, _) = Generate(compilation);
        GeneratedSourceResult generated = Assert.Single(result.GeneratedSources);
        Assert.Matches(@"\.[0-9a-f]{8}\.g\.cs$", generated.HintName);
        Assert.Equal(hintName, Regex.Replace(generated.HintName, @"\.[0-9a-f]{8}\.g\.cs$", ".g.cs"));
        AssertCompilesCleanly(output);

        string expected = File.ReadAllText(SnapshotPath(snapshotTest, hintName)).Replace("\r\n", "\n");
        string actual = Regex.Replace(generated.SourceText.ToString().Replace("\r\n", "\n"),
            """GeneratedCode\("LstmGen", "[^"]*"\)""", """GeneratedCode("LstmGen", "{scrubbed}")""");
        Assert.Equal(expected, actual);
    }

    private static string SnapshotPath(string test, string hintName, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "LstmGen.Generators.Tests", "Snapshots",
            $"SnapshotTests.{test}#{hintName[..^".cs".Length]}.verified.cs");

    [Fact]
    public void GeneratedCode_Runs_WithExactOutputs()
    {
        // Dense: hand-computed outputs. LSTM with zero kernels: the gates see only their biases, so two steps give
        // c1 = s(bi) tanh(bc), h1 = s(bo) tanh(c1), c2 = s(bf) c1 + s(bi) tanh(bc), h2 = s(bo) tanh(c2).
        Compilation compilation = Compile("""
            using LstmGen;

            namespace Run;

            [Sequential, Input(3), Dense(2, Activation = Activation.Relu)]
            public partial class Affine;

            [Sequential, Input(2, 1), Lstm(1)]
            public partial class Cell;

            public static class Probe
            {
                public static float[] Affine(float[] x)
                {
                    var model = new Affine();
                    model.Weights.Set("dense/kernel", new float[] { 1, -1, 2, 0, 0, 1 });
                    model.Weights.Set("dense/bias", new float[] { 0.5f, -4 });
                    return model.Predict(x);
                }

                public static float[] Cell(float[] x)
                {
                    var model = new Cell();
                    model.Weights.Set("lstm/kernel", new float[4]);
                    model.Weights.Set("lstm/recurrent_kernel", new float[4]);
                    model.Weights.Set("lstm/bias", new float[] { 0.3f, -0.2f, 0.7f, 1.1f });
                    return model.Predict(x);
                }
            }
            """);
        var (_, output, _) = Generate(compilation);
        AssertCompilesCleanly(output);
        using var pe = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(pe);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        Assembly assembly = Assembly.Load(pe.ToArray());
        Type probe = assembly.GetType("Run.Probe", throwOnError: true)!;

        var affine = (float[])probe.GetMethod("Affine")!.Invoke(null, new object[] { new float[] { 1, 2, 3 } })!;
        Assert.Equal(new float[] { 5.5f, 0f }, affine);   // (1 + 4 + 0 + 0.5, relu(-1 + 0 + 3 - 4))

        var cell = (float[])probe.GetMethod("Cell")!.Invoke(null, new object[] { new float[] { 0.9f, -0.4f } })!;
        static double S(double v) => 1 / (1 + Math.Exp(-v));
        double c1 = S(0.3) * Math.Tanh(0.7);
        double c2 = S(-0.2) * c1 + S(0.3) * Math.Tanh(0.7);
        double h2 = S(1.1) * Math.Tanh(c2);
        Assert.Equal(h2, Assert.Single(cell), 1e-6);
    }

    [Fact]
    public void InvalidModel_ReportsLstmGen104_AndGetsNoCode()
    {
        const string source = """
            using LstmGen;

            namespace Diag;

            [Sequential, Input(10, 1), Lstm(50), Lstm(50)]
            public partial class Bad;

            [Sequential, Input(4), Dense(2)]
            public partial class Good;
            """;
        Compilation compilation = Compile(source);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        Diagnostic diagnostic = Assert.Single(Analyze(compilation));
        Assert.Equal("LSTMGEN104", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        int start = source.IndexOf("Lstm(50)]", StringComparison.Ordinal);
        Assert.Equal(new TextSpan(start, "Lstm(50)".Length), diagnostic.Location.SourceSpan);
        Assert.Equal(
            "Lstm 'lstm_1' needs a sequence (batch, steps, features) but receives (batch, 50) from 'lstm': set ReturnSequences = true on 'lstm'",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));

        var (result, output, _) = Generate(compilation);
        GeneratedSourceResult generated = Assert.Single(result.GeneratedSources);
        Assert.StartsWith("Diag.Good.", generated.HintName, StringComparison.Ordinal);
        AssertCompilesCleanly(output);
    }

    [Fact]
    public async Task CodeFix_ReturnSequences_AppliesOnWorkspaces48()
    {
        const string source = """
            using LstmGen;

            namespace Fix;

            [Sequential, Input(10, 1), Lstm(50), Lstm(50)]
            public partial class Model;
            """;
        using var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "P", "P", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: s_parse, metadataReferences: s_references.Value));
        Document document = workspace.AddDocument(project.Id, "Source0.cs", SourceText.From(source));
        Diagnostic diagnostic = Assert.Single(Analyze((await document.Project.GetCompilationAsync())!));

        var fixer = new ReturnSequencesCodeFixer();
        Assert.Contains(diagnostic.Id, fixer.FixableDiagnosticIds);
        var actions = new List<CodeAction>();
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
        CodeAction action = Assert.Single(actions);
        ApplyChangesOperation apply = Assert.Single((await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        Document fixedDocument = apply.ChangedSolution.GetDocument(document.Id)!;

        Assert.Equal(source.Replace("Lstm(50), Lstm(50)", "Lstm(50, ReturnSequences = true), Lstm(50)"),
            (await fixedDocument.GetTextAsync()).ToString());
        Compilation fixedCompilation = (await fixedDocument.Project.GetCompilationAsync())!;
        Assert.Empty(Analyze(fixedCompilation));
        var (result, output, _) = Generate(fixedCompilation);
        Assert.Single(result.GeneratedSources);
        AssertCompilesCleanly(output);
    }
}
