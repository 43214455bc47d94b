using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using Xunit.Abstractions;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Generator time on a compilation of 200 model classes (one file each, a mix of the README's model kinds): a cold run
/// (fresh driver, first use of the generator's code in the process, then again with the code warm), and re-runs of the
/// same driver after a one-line layer edit and after a method-body edit in one model, as the IDE does on a keystroke.
/// Prints the numbers (see the test output: <c>--logger "console;verbosity=detailed"</c>) and asserts only that the
/// re-runs did the expected amount of work; timings are never asserted.
/// </summary>
[Trait("Category", "Performance")]
[Collection(IntegrationCollection.Name)]
public sealed class GeneratorTimingTests
{
    private const int ModelCount = 200;
    private const int Edits = 9;

    /// <summary>The README's model kinds; {0} is the model's number. The first kind's "[Lstm(50)]" line is the one edited.</summary>
    private static readonly string[] Kinds =
    {
        "[Sequential(Seed = {0})]\n[Input(10, 1)]\n[Lstm(50, ReturnSequences = true)]\n[Lstm(50)]\n[Dense(1)]",
        "[Sequential(Seed = {0})]\n[Input(4)]\n[Dense(8, Activation = Activation.Relu)]\n[Dense(3, Activation = Activation.Softmax)]",
        "[Sequential(Seed = {0})]\n[Input(3)]\n[RepeatVector(5)]\n[Lstm(6, ReturnSequences = true)]\n[TimeDistributed, Dense(2)]",
        "[Sequential(Seed = {0})]\n[Input(7, 3)]\n[Lstm(5)]\n[Dense(1)]",
        "[Sequential(Seed = {0})]\n[Input(6, 2)]\n[Lstm(4, ReturnSequences = true)]\n[TimeDistributed, Dense(3)]",
        "[Sequential(Seed = {0})]\n[Input(6, 4)]\n[Lstm(8, ReturnSequences = true)]\n[SliceLast(3)]\n[TimeDistributed, Dense(2)]",
        "[Sequential(Seed = {0})]\n[Input(4, 2)]\n[ZeroPadding1D(0, 3)]\n[Lstm(5, ReturnSequences = true)]\n[Dense(2)]",
        "[Sequential(Seed = {0})]\n[Input(5, 2)]\n[Lstm(6)]\n[RepeatVector(3)]\n[Lstm(6, ReturnSequences = true)]\n[TimeDistributed, Dense(1)]",
        "[Sequential(Seed = {0})]\n[Input(12, 3)]\n[Bidirectional, Lstm(16, ReturnSequences = true)]\n[Lstm(8)]\n[Dense(1)]",
        "[Sequential(Seed = {0})]\n[Input(20)]\n[Embedding(1000, 16, MaskZero = true)]\n[Lstm(32)]\n[Dense(1, Activation = Activation.Sigmoid)]",
    };

    private readonly ITestOutputHelper _log;

    public GeneratorTimingTests(ITestOutputHelper log) => _log = log;

    private static string PathOf(int i) => $"Models/Model{i:000}.cs";

    private static string Source(int i) =>
        "using LstmGen;\n\nnamespace Perf.Group" + (i / 10).ToString(CultureInfo.InvariantCulture) + ";\n\n" +
        string.Format(CultureInfo.InvariantCulture, Kinds[i % Kinds.Length], i) +
        $"\npublic partial class Model{i:000}\n{{\n    public int Tag() => {i};\n}}\n";

    private static CSharpCompilation CreateModels() =>
        CreateCompilation(Enumerable.Range(0, ModelCount).Select(i => (PathOf(i), Source(i))).ToArray());

    /// <summary>The driver the compiler and IDE use: no step tracking (it costs time); outputs as the IDE keeps them.</summary>
    private static GeneratorDriver UntrackedDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new SequentialGenerator().AsSourceGenerator() },
            parseOptions: GeneratedParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private static (GeneratorDriver Driver, double WallMs, double GeneratorMs) Run(GeneratorDriver driver, Compilation compilation)
    {
        var stopwatch = Stopwatch.StartNew();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> diagnostics);
        double wall = stopwatch.Elapsed.TotalMilliseconds;
        Assert.Empty(diagnostics);
        return (driver, wall, driver.GetTimingInfo().ElapsedTime.TotalMilliseconds);
    }

    /// <summary>Replaces one line of one model's file through a text change (an incremental reparse, as in the IDE).</summary>
    private static Compilation Edit(Compilation compilation, int model, string oldText, string newText)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == PathOf(model));
        SourceText text = tree.GetText();
        int at = text.ToString().IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{oldText}' not in {PathOf(model)}");
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(text.WithChanges(new TextChange(new TextSpan(at, oldText.Length), newText))));
    }

    [Fact]
    public void TwoHundredModels_ColdAndIncremental()
    {
        CSharpCompilation compilation = CreateModels();
        Assert.Empty(Errors(compilation));
        _ = compilation.GetDiagnostics(); // bind once, as the compiler has before generators run; not part of the timing

        (GeneratorDriver driver, double coldWall, double coldGenerator) = Run(UntrackedDriver(), compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Equal(ModelCount, result.GeneratedSources.Length);
        long generatedChars = result.GeneratedSources.Sum(s => (long)s.SourceText.Length);
        int generatedLines = result.GeneratedSources.Sum(s => s.SourceText.Lines.Count);

        // Cold again with the generator's code already jitted: a fresh driver on a fresh compilation.
        CSharpCompilation second = CreateModels();
        _ = second.GetDiagnostics();
        (_, double warmColdWall, double warmColdGenerator) = Run(UntrackedDriver(), second);

        // Re-runs with no edit: on the same compilation object, and on a new compilation with the same trees. FAWMN combines
        // its syntax-cached nodes with the compilation, so on any new compilation every model's parse transform runs again.
        var sameCompilation = new List<(double Wall, double Generator)>();
        var clonedCompilation = new List<(double Wall, double Generator)>();
        for (int e = 0; e < Edits; e++)
        {
            (driver, double wall, double generator) = Run(driver, compilation);
            sameCompilation.Add((wall, generator));
            (driver, wall, generator) = Run(driver, compilation.Clone());
            clonedCompilation.Add((wall, generator));
        }

        // A one-line layer edit (Lstm(50) -> Lstm(64)) in one model per run, on the same driver: one model re-emitted.
        var layerEdits = new List<(double Wall, double Generator)>();
        Compilation current = compilation;
        for (int e = 0; e < Edits; e++)
        {
            int model = e * Kinds.Length * 2; // models of the first kind: 0, 20, 40, ...
            current = Edit(current, model, "[Lstm(50)]", "[Lstm(64)]");
            (driver, double wall, double generator) = Run(driver, current);
            layerEdits.Add((wall, generator));
        }

        // A method-body edit in one model: the model is re-parsed, its spec is equal, nothing is re-emitted.
        var bodyEdits = new List<(double Wall, double Generator)>();
        for (int e = 0; e < Edits; e++)
        {
            int model = 1 + e * 7;
            current = Edit(current, model, $"Tag() => {model};", $"Tag() => {model + 1000};");
            (driver, double wall, double generator) = Run(driver, current);
            bodyEdits.Add((wall, generator));
        }

        AssertOneEditReEmitsOneModel(current);
        (double parseMs, double attributesMs) = ParseCost();

        static string Median(IEnumerable<double> values)
        {
            double[] sorted = values.OrderBy(v => v).ToArray();
            return sorted[sorted.Length / 2].ToString("F1", CultureInfo.InvariantCulture);
        }
        _log.WriteLine($"Generator timings, {ModelCount} model classes ({Kinds.Length} kinds), {Environment.ProcessorCount} cores, {RuntimeInfo()}:");
        _log.WriteLine($"  generated: {ModelCount} files, {generatedLines:N0} lines, {generatedChars / 1024.0 / 1024.0:F1} MiB of source");
        _log.WriteLine($"  cold (first run in process, JIT included): {coldWall:F0} ms wall, {coldGenerator:F0} ms generator");
        _log.WriteLine($"  cold (fresh driver, code warm):            {warmColdWall:F0} ms wall, {warmColdGenerator:F0} ms generator");
        string Line(List<(double Wall, double Generator)> runs) =>
            $"median {Median(runs.Select(x => x.Wall))} ms wall, {Median(runs.Select(x => x.Generator))} ms generator; " +
            $"all: {string.Join(", ", runs.Select(x => x.Wall.ToString("F1", CultureInfo.InvariantCulture)))} ms";
        _log.WriteLine($"  no edit, same compilation (x{Edits}):          {Line(sameCompilation)}");
        _log.WriteLine($"  no edit, new compilation, same trees (x{Edits}): {Line(clonedCompilation)}");
        _log.WriteLine($"  one-line layer edit, same driver (x{Edits}):   {Line(layerEdits)}");
        _log.WriteLine($"  method-body edit, same driver (x{Edits}):      {Line(bodyEdits)}");
        _log.WriteLine($"  Parser.Parse of the {ModelCount} models on a fresh compilation: {parseMs:F1} ms, of which binding their attributes (GetAttributes) {attributesMs:F1} ms");
    }

    /// <summary>
    /// The parse transform's cost, which every run on a new compilation pays for every model: Parser.Parse over all model
    /// symbols of a fresh compilation, after binding their attributes separately on another fresh compilation.
    /// </summary>
    private static (double ParseMs, double AttributesMs) ParseCost()
    {
        static INamedTypeSymbol[] Models(Compilation c) => Enumerable.Range(0, ModelCount)
            .Select(i => c.GetTypeByMetadataName($"Perf.Group{i / 10}.Model{i:000}")!).ToArray();

        INamedTypeSymbol[] forAttributes = Models(CreateModels());
        var stopwatch = Stopwatch.StartNew();
        int count = forAttributes.Sum(t => t.GetAttributes().Length);
        double attributes = stopwatch.Elapsed.TotalMilliseconds;
        Assert.True(count >= ModelCount * 4);

        INamedTypeSymbol[] forParse = Models(CreateModels());
        stopwatch.Restart();
        foreach (INamedTypeSymbol type in forParse)
        {
            Assert.NotNull(SequentialGenerator.Parser.Parse(type, default));
        }
        return (stopwatch.Elapsed.TotalMilliseconds, attributes);
    }

    /// <summary>With step tracking: after a layer edit exactly one source output is Modified and every other one is Cached.</summary>
    private static void AssertOneEditReEmitsOneModel(Compilation compilation)
    {
        GeneratorRun first = RunGenerator(compilation);
        Compilation edited = Edit(compilation, ModelCount - 10, "[Lstm(50)]", "[Lstm(32)]"); // a model the timed edits leave alone
        GeneratorRun second = RunGenerator(edited, first.Driver);
        IncrementalStepRunReason[] parse = second.Result.TrackedSteps[TrackingNames.Parse]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        IncrementalStepRunReason[] outputs = second.Result.TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput]
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(1, parse.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(ModelCount - 1, parse.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Equal(1, outputs.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(ModelCount - 1, outputs.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    private static string RuntimeInfo() =>
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription +
        (typeof(GeneratorTimingTests).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is [DebuggableAttribute { IsJITOptimizerDisabled: true }]
            ? ", test assembly Debug" : ", test assembly Release");
}
