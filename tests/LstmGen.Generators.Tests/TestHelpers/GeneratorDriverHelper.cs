using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>What one run of <see cref="SequentialGenerator"/> produced.</summary>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    GeneratorRunResult Result,
    Compilation Output,
    ImmutableArray<Diagnostic> DriverDiagnostics)
{
    /// <summary>Generated sources by readable hint name (see <see cref="Readable"/>).</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.GeneratedSources.ToDictionary(s => Readable(s.HintName), s => s.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The readable hint names: the generator's, without the identity hash (<c>Models.M.g.cs</c>).</summary>
    public IEnumerable<string> HintNames => Result.GeneratedSources.Select(s => Readable(s.HintName));

    /// <summary>The hint names exactly as the generator gives them (<c>Models.M.1a2b3c4d.g.cs</c>).</summary>
    public IEnumerable<string> ExactHintNames => Result.GeneratedSources.Select(s => s.HintName);

    /// <summary>
    /// A hint name without the 8-hex-digit hash of the type's exact identity that the generator inserts before
    /// <c>.g.cs</c> (it keeps hint names unique where sanitised names collide or differ only in case).
    /// </summary>
    public static string Readable(string hintName) =>
        System.Text.RegularExpressions.Regex.Replace(hintName, @"\.[0-9a-f]{8}\.g\.cs$", ".g.cs");
}

/// <summary>
/// Builds test compilations against the running framework (the trusted platform assemblies) and the LstmGen runtime,
/// runs the generator through a <see cref="CSharpGeneratorDriver"/> and the analyzer through
/// <see cref="CompilationWithAnalyzers"/>. Nothing is downloaded.
/// </summary>
internal static class GeneratorDriverHelper
{
    /// <summary>
    /// Options of the hand-written test sources: doc comments are parsed but not diagnosed, so test models need no
    /// XML docs (CS1591).
    /// </summary>
    public static readonly CSharpParseOptions ParseOptions =
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Parse);

    /// <summary>Options of the generated sources: doc comments are diagnosed (bad XML, bad cref, missing docs).</summary>
    public static readonly CSharpParseOptions GeneratedParseOptions =
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>
    /// The running shared framework's assemblies (what a user's console app references), the LstmGen runtime and its one
    /// dependency, System.Numerics.Tensors; not the test's own xunit, FsCheck or Roslyn assemblies, which a user's project
    /// does not see (and which made every test compilation bind about 190 assemblies instead of about 170).
    /// </summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    /// <summary>The LstmGen runtime and its one dependency, System.Numerics.Tensors: what a user's app gets from the package.</summary>
    public static readonly System.Reflection.Assembly[] RuntimeAssemblies =
        [typeof(LstmGen.SequentialAttribute).Assembly, typeof(System.Numerics.Tensors.TensorPrimitives).Assembly];

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (string path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(Path.GetDirectoryName(path), framework, StringComparison.Ordinal))
            {
                paths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            }
        }
        foreach (System.Reflection.Assembly assembly in RuntimeAssemblies)
        {
            paths[Path.GetFileNameWithoutExtension(assembly.Location)] = assembly.Location;
        }
        return paths.Values.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation(sources.Select((s, i) => ($"Source{i}.cs", s)).ToArray());

    public static CSharpCompilation CreateCompilation(params (string Path, string Text)[] sources) =>
        s_empty.Value.AddSyntaxTrees(sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)));

    /// <summary>
    /// The empty compilation every test compilation is made from (<see cref="Compilation.AddSyntaxTrees(SyntaxTree[])"/>):
    /// derived compilations share its reference manager, so the symbols of the ~190 referenced assemblies are built once
    /// per test run instead of once per compilation (the property test alone makes about 100).
    /// </summary>
    private static readonly Lazy<CSharpCompilation> s_empty = new(() =>
        CSharpCompilation.Create(
            "TestAssembly",
            [],
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true)));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new SequentialGenerator().AsSourceGenerator() },
            parseOptions: GeneratedParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator on <paramref name="compilation"/> (continuing <paramref name="driver"/> if given).</summary>
    public static GeneratorRun RunGenerator(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        return new GeneratorRun(driver, result, output, diagnostics);
    }

    public static GeneratorRun RunGenerator(params string[] sources) => RunGenerator(CreateCompilation(sources));

    /// <summary>
    /// Asserts that the generator did not throw (no exception, no CS8784/CS8785), reported no LSTMGEN900, and reported
    /// nothing else of its own (invalid models are the analyzer's job).
    /// </summary>
    public static void AssertGeneratorHealthy(GeneratorRun run)
    {
        Assert.Null(run.Result.Exception);
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id is "CS8784" or "CS8785");
        Assert.DoesNotContain(run.Result.Diagnostics, d => d.Id == DiagnosticDescriptors.InternalErrorId);
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id == DiagnosticDescriptors.InternalErrorId);
        Assert.Empty(run.Result.Diagnostics);
    }

    /// <summary>Asserts that the compilation (sources plus generated code) has no error and no warning.</summary>
    public static void AssertCompilesCleanly(Compilation output)
    {
        Diagnostic[] problems = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToArray();
        Assert.True(problems.Length == 0,
            "The output compilation has diagnostics:\n" + string.Join("\n", problems.Select(Describe)));
    }

    /// <summary>Compiler errors of the compilation (for checking that test inputs are what they claim to be).</summary>
    public static Diagnostic[] Errors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();

    /// <summary>Runs <see cref="TopologyAnalyzer"/>; fails if it throws. Returns its diagnostics in source order.</summary>
    public static ImmutableArray<Diagnostic> RunAnalyzer(Compilation compilation)
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (ex, _, _) => { lock (exceptions) exceptions.Add(ex); },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new TopologyAnalyzer()), options);
        ImmutableArray<Diagnostic> diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, "The analyzer threw:\n" + string.Join("\n", exceptions));
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
    }

    public static string Describe(Diagnostic d) =>
        $"{d.Id} ({d.Severity}) at {d.Location.GetLineSpan()}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
}
