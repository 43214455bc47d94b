using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>The run reasons expected of the tracked Parse step and of the source output after one edit (Mapperly's IncrementalGeneratorRunReasons).</summary>
public sealed record RunReasons(IncrementalStepRunReason Parse, IncrementalStepRunReason SourceOutput)
{
    public static readonly RunReasons Cached = new(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Cached);
    public static readonly RunReasons Modified = new(IncrementalStepRunReason.Modified, IncrementalStepRunReason.Modified);
}

/// <summary>
/// The pipeline caches: a re-run on an equal compilation does no work, unrelated edits leave the model cached or
/// unchanged, a model edit modifies it; and the pipeline models are equatable and hold no Roslyn object.
/// </summary>
public sealed class IncrementalityTests
{
    private const string Model = """
        using LstmGen;

        namespace Models;

        [Sequential]
        [Input(20)]
        [Embedding(5000, 128, MaskZero = true)]
        [Lstm(128)]
        [Dense(1, Activation = Activation.Sigmoid)]
        public partial class Sentiment
        {
            public int Helper() => 1;
        }
        """;

    private const string Path = "Models/Sentiment.cs";

    private static readonly string[] ExpectedSteps = { TrackingNames.Parse };

    private static (Compilation Compilation, GeneratorDriver Driver) FirstRun(string source = Model, int models = 1)
    {
        Compilation compilation = CreateCompilation((Path, source));
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        Assert.Equal(models, run.HintNames.Count());
        foreach (string step in ExpectedSteps)
        {
            Assert.Contains(step, run.Result.TrackedSteps.Keys);
        }
        return (compilation, run.Driver);
    }

    private static Compilation ReplaceSource(Compilation compilation, string newText)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == Path);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, GeneratorDriverHelper.ParseOptions, Path));
    }

    /// <summary>
    /// The outputs of our named steps (Roslyn's own steps, such as the ones that carry the compilation, are left out), or
    /// of every source output step.
    /// </summary>
    private static IEnumerable<(string Step, object Value, IncrementalStepRunReason Reason)> Outputs(IReadOnlyDictionary<string, ImmutableArray<IncrementalGeneratorRunStep>> steps) =>
        steps.Where(s => ExpectedSteps.Contains(s.Key) || s.Key == WellKnownGeneratorOutputs.SourceOutput)
            .SelectMany(s => s.Value.SelectMany(run => run.Outputs.Select(o => (s.Key, o.Value, o.Reason))));

    [Fact]
    public void SecondRunOnAClone_IsAllCachedOrUnchanged_WithEqualStepOutputs()
    {
        (Compilation compilation, GeneratorDriver driver) = FirstRun();
        GeneratorRunResult first = driver.GetRunResult().Results.Single();

        GeneratorRun second = RunGenerator(compilation.Clone(), driver);
        AssertGeneratorHealthy(second);

        var tracked = Outputs(second.Result.TrackedSteps).ToList();
        var outputs = Outputs(second.Result.TrackedOutputSteps).ToList();
        Assert.NotEmpty(tracked);
        Assert.NotEmpty(outputs);
        Assert.All(tracked.Concat(outputs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{o.Step}: {o.Reason}"));

        // The tracked steps produced equal values on both runs (NetEscapades' TestHelpers).
        foreach ((string name, ImmutableArray<IncrementalGeneratorRunStep> runs) in first.TrackedSteps.Where(s => ExpectedSteps.Contains(s.Key)))
        {
            object[] before = runs.SelectMany(r => r.Outputs.Select(o => o.Value)).ToArray();
            object[] after = second.Result.TrackedSteps[name].SelectMany(r => r.Outputs.Select(o => o.Value)).ToArray();
            Assert.Equal(before, after);
        }
        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.Result.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    public static readonly TheoryData<string, RunReasons> Edits = new()
    {
        { "add an unrelated file", RunReasons.Cached },
        // An edit of the model's own file re-runs the parse inside ForAttributeWithMetadataName (Unchanged there, since the
        // ParseOutcome is equal), so the named Parse step downstream of it is Cached.
        { "append an unrelated type to the same file", RunReasons.Cached },
        { "change a method body elsewhere in the class", RunReasons.Cached },
        { "change Lstm(128) to Lstm(64)", RunReasons.Modified },
        { "change an argument to an equal constant expression", RunReasons.Cached },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Edit_HasTheExpectedRunReasons(string edit, RunReasons expected)
    {
        (Compilation compilation, GeneratorDriver driver) = FirstRun();
        Compilation edited = edit switch
        {
            "add an unrelated file" => compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { }", GeneratorDriverHelper.ParseOptions, "Other.cs")),
            "append an unrelated type to the same file" => ReplaceSource(compilation, Model + "\npublic class Unrelated { }\n"),
            "change a method body elsewhere in the class" => ReplaceSource(compilation, Model.Replace("Helper() => 1;", "Helper() => 2;")),
            "change Lstm(128) to Lstm(64)" => ReplaceSource(compilation, Model.Replace("Lstm(128)", "Lstm(64)")),
            "change an argument to an equal constant expression" => ReplaceSource(compilation, Model.Replace("Lstm(128)", "Lstm(64 * 2)")),
            _ => throw new System.ArgumentException(edit),
        };

        GeneratorRun run = RunGenerator(edited, driver);
        AssertGeneratorHealthy(run);
        Assert.Single(run.HintNames);
        IncrementalStepRunReason parse = Outputs(run.Result.TrackedSteps).Where(o => o.Step == TrackingNames.Parse).Select(o => o.Reason).Single();
        IncrementalStepRunReason output = Outputs(run.Result.TrackedOutputSteps).Select(o => o.Reason).Single();
        Assert.Equal(expected, new RunReasons(parse, output));
        if (expected.SourceOutput == IncrementalStepRunReason.Modified)
        {
            Assert.Contains("Lstm(64)", run.Sources["Models.Sentiment.g.cs"]);
        }
    }

    [Fact]
    public void TwoModels_EditingOneLeavesTheOtherCached()
    {
        string source = Model + """

            [Sequential, Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50), Dense(1)]
            public partial class Stock;
            """;
        (Compilation compilation, GeneratorDriver driver) = FirstRun(source, models: 2);
        GeneratorRun run = RunGenerator(ReplaceSource(compilation, source.Replace("Lstm(50), Dense(1)", "Lstm(40), Dense(1)")), driver);
        AssertGeneratorHealthy(run);
        var reasons = Outputs(run.Result.TrackedSteps).Where(o => o.Step == TrackingNames.Parse)
            .ToDictionary(o => ((SequentialGenerator.ParseOutcome)o.Value).TypeName, o => o.Reason);
        Assert.Equal(IncrementalStepRunReason.Cached, reasons["Sentiment"]);
        Assert.Equal(IncrementalStepRunReason.Modified, reasons["Stock"]);
        Assert.Equal(
            new[] { "Cached", "Modified" },
            Outputs(run.Result.TrackedOutputSteps).Select(o => o.Reason.ToString()).OrderBy(r => r, System.StringComparer.Ordinal));
    }

    // ---- The pipeline models.

    private static NetworkSpec Parse(string source, string metadataName = "Models.Sentiment")
    {
        Compilation compilation = CreateCompilation(source);
        Assert.Empty(Errors(compilation));
        INamedTypeSymbol type = compilation.GetTypeByMetadataName(metadataName)!;
        Assert.NotNull(type);
        NetworkSpec? spec = SequentialGenerator.Parser.Parse(type, CancellationToken.None);
        Assert.NotNull(spec);
        return spec!;
    }

    [Fact]
    public void ParsingTheSameSourceTwice_GivesEqualSpecs()
    {
        NetworkSpec a = Parse(Model);
        NetworkSpec b = Parse(Model);
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(a.Layers.GetHashCode(), b.Layers.GetHashCode());
        Assert.True(a.Layers == b.Layers);
    }

    [Fact]
    public void EquivalentSources_GiveEqualSpecs()
    {
        NetworkSpec compact = Parse("""
            using LstmGen;
            namespace Models;
            [Sequential, Input(20), Embedding(5000, 128, MaskZero = true), Lstm(128), Dense(1, Activation = Activation.Sigmoid)]
            public partial class Sentiment;
            """);
        NetworkSpec spelledOut = Parse("""
            namespace Models
            {
                // Comments, separate lists, explicit defaults, named constructor arguments and constant expressions.
                [LstmGen.Sequential(Seed = 0, Unroll = LstmGen.UnrollPolicy.Auto)]
                [LstmGen.Input(new[] { 20 })]
                [LstmGen.Embedding(outputDim: 128, inputDim: 5000, MaskZero = true)]
                [LstmGen.Lstm(64 * 2, ReturnSequences = false, Activation = LstmGen.Activation.Tanh, UseBias = true)]
                [LstmGen.Dense(1, Activation = LstmGen.Activation.Sigmoid, UseBias = true)]
                public partial class Sentiment
                {
                    private int _unrelated = 3;
                    public int Unrelated => _unrelated;
                }
            }
            """);
        Assert.Equal(compact, spelledOut);
        Assert.Equal(compact.GetHashCode(), spelledOut.GetHashCode());
    }

    [Theory]
    [InlineData("Lstm(128)", "Lstm(64)")]
    [InlineData("Lstm(128)", "Lstm(128, GoBackwards = true)")]
    [InlineData("[Sequential]", "[Sequential(Seed = 1)]")]
    [InlineData("MaskZero = true", "MaskZero = false")]
    [InlineData("public partial class Sentiment", "internal partial class Sentiment")]
    public void DifferentModels_GiveDifferentSpecs(string from, string to)
    {
        string changed = Model.Replace(from, to);
        Assert.NotEqual(Model, changed);
        NetworkSpec a = Parse(Model);
        NetworkSpec b = Parse(changed);
        if (from.StartsWith("public"))
        {
            Assert.Equal(a, b); // accessibility is not part of the model: the generated partial does not repeat it
        }
        else
        {
            Assert.NotEqual(a, b);
        }
    }

    [Fact]
    public void SpecGraph_HoldsNoRoslynObject()
    {
        NetworkSpec spec = Parse("""
            using LstmGen;
            namespace Models;
            public partial class Outer<T>
            {
                [Sequential(Seed = 3), Input(6, 3), Bidirectional(MergeMode.Sum, Name = "bi"), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(2, Activation = (Activation)42)]
                public partial class Sentiment;
            }
            """, "Models.Outer`1+Sentiment");
        Assert.NotEmpty(spec.ParseDiagnostics); // the graph includes diagnostics too
        Assert.Null(ObjectGraph.FindRoslynObject(spec, out int visited));
        Assert.True(visited > 10, $"only {visited} objects visited");
    }

    [Fact]
    public void PipelineStepOutputs_HoldNoRoslynObject()
    {
        (_, GeneratorDriver driver) = FirstRun();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var values = Outputs(result.TrackedSteps).Where(o => o.Step == TrackingNames.Parse).Select(o => o.Value).ToList();
        Assert.NotEmpty(values);
        foreach (object value in values)
        {
            Assert.IsType<SequentialGenerator.ParseOutcome>(value);
            Assert.Null(ObjectGraph.FindRoslynObject(value, out _));
        }
    }

    [Fact]
    public void ObjectGraphWalker_FindsRoslynObjects()
    {
        // The walker itself must be able to fail: by interface (ISymbol), by base class (Location, SyntaxNode), nested.
        Compilation compilation = CreateCompilation(Model);
        INamedTypeSymbol symbol = compilation.GetTypeByMetadataName("Models.Sentiment")!;
        Assert.NotNull(ObjectGraph.FindRoslynObject(new StrongBox<object>(symbol), out _));
        Assert.NotNull(ObjectGraph.FindRoslynObject(new object[] { 1, new StrongBox<object>(Location.None) }, out _));
        Assert.NotNull(ObjectGraph.FindRoslynObject(new List<object> { compilation.SyntaxTrees.First().GetRoot() }, out _));
        Assert.NotNull(ObjectGraph.FindRoslynObject(new StrongBox<object>(compilation), out _));
        Assert.Null(ObjectGraph.FindRoslynObject(new StrongBox<object>(new[] { "a", "b" }), out _));
    }
}
