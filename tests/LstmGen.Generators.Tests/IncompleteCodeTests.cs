using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Code as it is while being typed. The generator must never crash (no exception, no CS8785) nor report LSTMGEN900,
/// must generate nothing for the broken model, and must still generate the valid neighbour; the analyzer must not throw
/// and reports only what the markup says (nothing when the compiler already reports the problem).
/// </summary>
public sealed class IncompleteCodeTests
{
    private const string Neighbour = "\n\nnamespace Other\n{\n    using LstmGen;\n\n    [Sequential, Input(4), Dense(2)]\n    public partial class Neighbour;\n}\n";

    public static readonly TheoryData<string, string, bool> Cases = new()
    {
        { "half-typed attribute", """
            [Sequential, Input(10, 1), Lstm(
            public partial class Bad;
            """, false },
        { "half-typed attribute list", """
            [Sequential, Input(10, 1), Lstm(50), 
            public partial class Bad;
            """, true },
        { "missing )", """
            [Sequential, Input(10, 1), Lstm(50, Dense(1)]
            public partial class Bad;
            """, false },
        { "missing ] and )", """
            [Sequential, Input(10, 1), Lstm(50
            public partial class Bad;
            """, true },
        { "unknown attribute type", """
            [Sequential, Input(10, 1), Lsmt(5), Dense(1)]
            public partial class Bad;
            """, false },
        { "wrong argument type", """
            [Sequential, Input(10, 1), Lstm("a"), Dense(1)]
            public partial class Bad;
            """, false },
        { "missing argument", """
            [Sequential, Input(4), Dense]
            public partial class Bad;
            """, false },
        { "missing named value", """
            [Sequential, Input(4), Dense(2, Activation = )]
            public partial class Bad;
            """, false },
        { "unknown enum member", """
            [Sequential, Input(4), Dense(2, Activation = Activation.Mish)]
            public partial class Bad;
            """, false },
        { "unknown named argument", """
            [Sequential, Input(4), Dense(2, Nmae = "x")]
            public partial class Bad;
            """, true },
        { "wrong Input argument type", """
            [Sequential, Input(4, "x"), Dense(2)]
            public partial class Bad;
            """, false },
        { "non-constant argument", """
            [Sequential, Input(4), Dense(System.Environment.ProcessorCount)]
            public partial class Bad;
            """, false },
        { "constant overflow", """
            [Sequential, Input(4), Dense(int.MaxValue + 1)]
            public partial class Bad;
            """, false },
        { "Sequential twice", """
            [Sequential, Sequential, Input(4), Dense(2)]
            public partial class Bad;
            """, true },
        { "Sequential on a struct", """
            [Sequential, Input(4), Dense(2)]
            public partial struct Bad;
            """, false },
        { "class without body or semicolon", """
            [Sequential, Input(4), Dense(2)]
            public partial class Bad
            """, true },
        { "attribute on nothing", """
            [Sequential, Input(4), Dense(2)]
            """, false },
        { "unclosed class body", """
            [Sequential, Input(4), Dense(2)]
            public partial class Bad
            {
                public void M() {
            """, true },
        { "missing using", """
            [LstmGen.Sequential, Input(4), Dense(2)]
            public partial class Bad;
            """, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DoesNotCrash(string name, string source, bool modelGetsCode)
    {
        string text = (name == "missing using" ? "" : "using LstmGen;\n\n") + source + Neighbour;
        Compilation compilation = CreateCompilation(text);
        Assert.NotEmpty(Errors(compilation)); // the compiler reports the problem itself

        ImmutableArray<Diagnostic> analyzer = RunAnalyzer(compilation);
        Assert.DoesNotContain(analyzer, d => d.Id.StartsWith("LSTMGEN", System.StringComparison.Ordinal));

        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        // The broken model gets code only when its own declaration is complete (the rest of the file may still be broken).
        string[] expected = modelGetsCode ? new[] { "Bad.g.cs", "Other.Neighbour.g.cs" } : new[] { "Other.Neighbour.g.cs" };
        Assert.Equal(expected, run.HintNames.OrderBy(h => h, System.StringComparer.Ordinal));
        AssertNoErrorsInGeneratedCode(compilation, run);
    }

    /// <summary>The generated files add no error of their own to a broken compilation.</summary>
    private static void AssertNoErrorsInGeneratedCode(Compilation input, GeneratorRun run)
    {
        var inputTrees = input.SyntaxTrees.ToHashSet();
        Diagnostic[] generatedErrors = run.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && !inputTrees.Contains(tree))
            .ToArray();
        Assert.True(generatedErrors.Length == 0, "Errors in generated code:\n" + string.Join("\n", generatedErrors.Select(Describe)));
    }

    [Fact]
    public void ClassWithoutName_GetsNoCode()
    {
        Compilation compilation = CreateCompilation("using LstmGen;\n\n[Sequential, Input(4), Dense(2)]\npublic partial class\n" + Neighbour);
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        Assert.Equal(new[] { "Other.Neighbour.g.cs" }, run.HintNames);
        AssertNoErrorsInGeneratedCode(compilation, run);
    }

    [Fact]
    public Task NonPartialClass_Lstmgen001AndNoCode() => DiagnosticVerifier.VerifyAsync("""
        [{|LSTMGEN001:Sequential|}, Input(10, 1), Lstm(50), Dense(1)]
        public class Bad;
        """);

    [Fact]
    public Task EnumCastOutOfRange_Lstmgen003() => DiagnosticVerifier.VerifyAsync("""
        [Sequential, Input(4), Dense(2, {|LSTMGEN003:Activation = (Activation)42|})]
        public partial class Bad;
        """);

    [Fact]
    public Task AttributesSplitOverTwoPartialDeclarations_Lstmgen002() => DiagnosticVerifier.VerifyAsync("""
        [Sequential]
        [Input(10, 1)]
        [Lstm(50)]
        public partial class Bad;

        [{|LSTMGEN002:Dense(1)|}]
        public partial class Bad
        {
            public int Extra => 1;
        }
        """);

    [Fact]
    public async Task SplitOverTwoFiles_Lstmgen002()
    {
        const string first = """
            using LstmGen;
            namespace Diag;
            [Sequential, Input(10, 1), Lstm(50)]
            public partial class Bad;
            """;
        const string second = """
            using LstmGen;
            namespace Diag;
            [{|LSTMGEN002:Dense(1)|}]
            public partial class Bad;
            """;
        // The library: exactly LSTMGEN002 on Dense(1) in the second file, nothing in the first.
        await new LstmGenAnalyzerTest { TestState = { Sources = { ("A.cs", first), ("B.cs", second) } } }.RunAsync();

        Compilation compilation = CreateCompilation(("A.cs", first), ("B.cs", DiagnosticVerifier.WithoutMarkup(second)));
        Assert.Empty(Errors(compilation));
        Diagnostic d = Assert.Single(RunAnalyzer(compilation));
        Assert.Equal("LSTMGEN002", d.Id);
        Assert.Equal("B.cs", d.Location.SourceTree!.FilePath);

        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        Assert.Empty(run.HintNames);
    }

    [Fact]
    public void EveryPrefixOfAValidModel_NeverCrashes()
    {
        // Every keystroke of typing a model: truncate the declaration at each character.
        const string model = "[Sequential(Seed = 1), Input(6, 3), Bidirectional(MergeMode.Sum), Lstm(4, ReturnSequences = true), TimeDistributed, Dense(2, Activation = Activation.Softmax)]\npublic partial class Typed;";
        GeneratorDriver driver = CreateDriver();
        for (int length = 0; length <= model.Length; length++)
        {
            Compilation compilation = CreateCompilation("using LstmGen;\n" + model[..length] + Neighbour);
            GeneratorRun run = RunGenerator(compilation, driver);
            driver = run.Driver;
            AssertGeneratorHealthy(run);
            Assert.Contains("Other.Neighbour.g.cs", run.HintNames);
            if (length == model.Length)
            {
                Assert.Contains("Typed.g.cs", run.HintNames);
                AssertCompilesCleanly(run.Output);
            }
        }
    }
}
