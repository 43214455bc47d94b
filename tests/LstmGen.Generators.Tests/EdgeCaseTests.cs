using System.Collections.Immutable;
using System.Linq;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Valid C# around a model, in the shapes users write: every model either gets an LSTMGEN error (and no code) or code
/// that compiles with no error and no warning; the generator never reports LSTMGEN900.
/// </summary>
public sealed class EdgeCaseTests
{
    /// <summary>Asserts the invariant and returns the generated sources.</summary>
    internal static GeneratorRun AssertDiagnosedOrCompiles(string source)
    {
        Compilation compilation = CreateCompilation("using LstmGen;\n\n" + source);
        Diagnostic[] errors = Errors(compilation);
        Assert.True(errors.Length == 0, "The test source itself does not compile:\n" + string.Join("\n", errors.Select(Describe)));

        ImmutableArray<Diagnostic> analyzer = RunAnalyzer(compilation);
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        if (analyzer.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            Assert.Empty(run.HintNames);
        }
        else
        {
            Assert.NotEmpty(run.HintNames);
            AssertCompilesCleanly(run.Output);
        }
        return run;
    }

    public static readonly TheoryData<string> Valid = new()
    {
        "[Sequential, Input(4), Dense(2)] public partial record M;",
        "[Sequential, Input(4), Dense(2)] public sealed partial record class M;",
        "[Sequential, Input(4), Dense(2)] public sealed partial class M;",
        "[Sequential, Input(4), Dense(2)] internal partial class M;",
        "[Sequential, Input(4), Dense(2)] public partial class M { public int Other() => _other; private readonly int _other = 2; }",
        "[Sequential, Input(4), Dense(2)] public partial class M<T> where T : class, new();",
        "[LstmGen.SequentialAttribute, LstmGen.InputAttribute(4), LstmGen.DenseAttribute(2, Activation = LstmGen.Activation.Relu)] public partial class M;",
        "[global::LstmGen.Sequential, global::LstmGen.Input(new[] { 3, 2 }), global::LstmGen.Lstm(units: 2), global::LstmGen.Dense(units: 1)] public partial class M;",
        "namespace A.B.C { [Sequential, Input(4), Dense(2)] public partial class M; }",
        "namespace A { internal partial record Outer { [Sequential, Input(4), Dense(2)] internal partial class M; } }",
        "namespace A { internal partial record struct Outer { [Sequential, Input(4), Dense(2)] internal partial class M; } }",
        "namespace A { internal partial interface IOuter { [Sequential, Input(4), Dense(2)] internal partial class M; } }",
        "namespace A { internal partial struct Outer<T1, T2> { [Sequential, Input(4), Dense(2)] internal partial class M<T3>; } }",
        // Two models with one name in two namespaces, and two arities of one name: distinct hint names.
        "namespace A { [Sequential, Input(4), Dense(2)] public partial class M; } namespace B { [Sequential, Input(4), Dense(3)] public partial class M; }",
        "[Sequential, Input(4), Dense(2)] public partial class M; [Sequential, Input(4), Dense(3)] public partial class M<T>;",
        // Partial declarations: the layers on one, other members on the other.
        "[Sequential, Input(4), Dense(2)] public partial class M; public partial class M { public void Extra() { } }",
        // Names: underscores, digits and unicode are fine.
        "[Sequential, Input(4), Dense(2, Name = \"d_1\"), Dense(1, Name = \"été\")] public partial class M;",
        // Smallest sizes.
        "[Sequential, Input(1, 1), Lstm(1)] public partial class M;",
        "[Sequential, Input(1), Embedding(1, 1, MaskZero = true), Lstm(1, GoBackwards = true), Dense(1)] public partial class M;",
        "[Sequential, Input(2, 1), Lstm(1, ReturnState = true, ReturnSequences = true, GoBackwards = true)] public partial class M;",
        "[Sequential(Unroll = UnrollPolicy.Always), Input(128, 1), Bidirectional(MergeMode.Mul), Lstm(1, ReturnSequences = true), TimeDistributed, Dense(1)] public partial class M;",
        "[Sequential, Input(3, 2), ZeroPadding1D(0), SliceLast(3), RepeatVector(2)] public partial class M;",
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ValidDeclarations_Compile(string source)
    {
        GeneratorRun run = AssertDiagnosedOrCompiles(source);
        Assert.Equal(run.HintNames.Count(), run.HintNames.Distinct().Count());
    }

    // ---- Generator bugs found while writing this suite: each test states the expected behaviour and is skipped until fixed.

    [Fact]
    public void StaticClass_IsDiagnosed() =>
        AssertDiagnosedOrCompiles("[Sequential, Input(4), Dense(2)] public static partial class M;");

    [Fact]
    public void FileLocalClass_IsDiagnosedNot900() =>
        AssertDiagnosedOrCompiles("[Sequential, Input(4), Dense(2)] file partial class M;");

    [Fact]
    public void VerbatimNamespace_Compiles() =>
        AssertDiagnosedOrCompiles("namespace @class.@int { [Sequential, Input(4), Dense(2)] public partial class M; }");

    [Fact]
    public void KeywordClassName_Compiles() =>
        AssertDiagnosedOrCompiles("[Sequential, Input(4), Dense(2)] public partial class @event;");

    [Theory]
    [InlineData("[Sequential, Input(4), Dense(2)] public partial class Summary;")]
    [InlineData("[Sequential, Input(4), Dense(2)] public partial class Weights;")]
    [InlineData("[Sequential, Input(3, 2), Lstm(2), Dense(1)] public partial class Streamer;")]
    public void ModelNamedLikeAGeneratedMember_IsDiagnosedOrCompiles(string source) => AssertDiagnosedOrCompiles(source);

    [Theory]
    [InlineData("[Sequential, Input(4), Dense(2, Name = \"a\\\"b\")] public partial class M;")]
    [InlineData("[Sequential, Input(4), Dense(2, Name = \"a\\nb\")] public partial class M;")]
    public void LayerNameNeedingEscapes_IsEscapedOrDiagnosed(string source) => AssertDiagnosedOrCompiles(source);

    [Fact]
    public void LayerNameWithBackslash_IsDiagnosed()
    {
        Compilation compilation = CreateCompilation("using LstmGen;\n\n[Sequential, Input(4), Dense(2, Name = \"a\\\\b\")] public partial class M;");
        Assert.Contains(RunAnalyzer(compilation), d => d.Id == "LSTMGEN006");
        Assert.Empty(RunGenerator(compilation).HintNames);
    }

    [Theory]
    [InlineData("[Sequential, Input(10, 1), Lstm(50000), Dense(1)] public partial class M;")]
    [InlineData("[Sequential, Input(100000, 100000), Dense(1)] public partial class M;")]
    [InlineData("[Sequential, Input(8), Embedding(100000, 100000), Lstm(1)] public partial class M;")]
    public void SizesThatOverflowInt_AreDiagnosed(string source)
    {
        Compilation compilation = CreateCompilation("using LstmGen;\n\n" + source);
        Assert.Contains(RunAnalyzer(compilation), d => d.Id.StartsWith("LSTMGEN", System.StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(RunGenerator(compilation).HintNames);
    }

    [Fact]
    public void UserConstructor_MustChain()
    {
        Compilation chained = CreateCompilation("using LstmGen;\n\n[Sequential, Input(4), Dense(2)] public partial class M { public M(int x) : this(new ModelOptions { Seed = x }) { } }");
        Assert.DoesNotContain(RunAnalyzer(chained), d => d.Id.StartsWith("LSTMGEN", System.StringComparison.Ordinal));
        AssertCompilesCleanly(RunGenerator(chained).Output);

        Compilation unchained = CreateCompilation("using LstmGen;\n\n[Sequential, Input(4), Dense(2)] public partial class M { public M(int x) { } }");
        Assert.Contains(RunAnalyzer(unchained), d => d.Id == "LSTMGEN009");
    }

    [Theory]
    [InlineData("[Sequential, Input(4), Dense(2)] public partial class M(int tag) { public int Tag => tag; }")]
    [InlineData("[Sequential, Input(4), Dense(2)] public sealed partial record M(int Tag);")]
    public void PrimaryConstructor_IsDiagnosedOrCompiles(string source) => AssertDiagnosedOrCompiles(source);

    [Fact]
    public void UserMemberNamedLikeAGeneratedField_Compiles() =>
        AssertDiagnosedOrCompiles("[Sequential, Input(4), Dense(2)] public partial class M { private int _p = 1; public int P => _p; }");
}
