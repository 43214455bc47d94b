using System.Threading.Tasks;
using LstmGen.CodeFixes;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;

namespace LstmGen.Generators.Tests;

/// <summary>
/// The code fixes of LstmGen.CodeFixes on Microsoft.CodeAnalysis.Testing (TestHelpers/CodeFixVerifier.cs): the diagnostics
/// of the source are asserted with markup, the fixed source is compared exactly (one diagnostic at a time and through
/// FixAll in document scope), and it must have no diagnostic left and compile (with the generated
/// code) with no warning.
/// </summary>
public sealed class CodeFixTests
{
    private const string Prelude = "using LstmGen;\n\nnamespace Fix;\n\n";

    // The fixer argument only names the fixer's type (the library creates its own instances).
    private static Task Fix<TFixer>(TFixer fixer, string markup, string expected, int iterations = 1)
        where TFixer : CodeFixProvider, new() =>
        CodeFixVerifier.VerifyFixAsync<TFixer>(Prelude + markup, Prelude + expected, iterations);

    private static Task FixAll<TFixer>(TFixer fixer, string markup, string expected)
        where TFixer : CodeFixProvider, new() =>
        CodeFixVerifier.VerifyFixAllAsync<TFixer>(Prelude + markup, Prelude + expected);

    private static Task NoFix<TFixer>(TFixer fixer, string markup)
        where TFixer : CodeFixProvider, new() =>
        CodeFixVerifier.VerifyNoFixAsync<TFixer>(Prelude + markup);

    // ---- LSTMGEN001: make the class and its containing types partial ----

    [Fact]
    public Task Partial_AfterOtherModifiers() => Fix(new MakeModelPartialCodeFixer(), """
        [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
        public sealed class Model { }
        """, """
        [Sequential, Input(4), Dense(2)]
        public sealed partial class Model { }
        """);

    [Fact]
    public Task Partial_NoModifier_KeepsIndentation() => Fix(new MakeModelPartialCodeFixer(), """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public static partial class Holder
        {
            [{|LSTMGEN001:Sequential(Seed = 42)|}]
            [Input(10, 1)]
            [Lstm(8)]
            [Dense(1)]
            class Model;
        }
        """, """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public static partial class Holder
        {
            [Sequential(Seed = 42)]
            [Input(10, 1)]
            [Lstm(8)]
            [Dense(1)]
            partial class Model;
        }
        """);

    [Fact]
    public Task Partial_Record() => Fix(new MakeModelPartialCodeFixer(), """
        [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
        public sealed record Model;
        """, """
        [Sequential, Input(4), Dense(2)]
        public sealed partial record Model;
        """);

    [Fact]
    public Task Partial_ContainingTypes() => Fix(new MakeModelPartialCodeFixer(), """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public class Outer
        {
            internal class Middle
            {
                [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
                public partial class Model;
            }
        }
        """, """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public partial class Outer
        {
            internal partial class Middle
            {
                [Sequential, Input(4), Dense(2)]
                public partial class Model;
            }
        }
        """);

    [Fact]
    public Task Partial_ModelAndContainingType() => Fix(new MakeModelPartialCodeFixer(), """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public class Holder
        {
            [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
            public class Model { }
        }
        """, """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public partial class Holder
        {
            [Sequential, Input(4), Dense(2)]
            public partial class Model { }
        }
        """);

    [Fact]
    public Task Partial_FixAll_SharedContainingType() => FixAll(new MakeModelPartialCodeFixer(), """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public class Holder
        {
            [{|LSTMGEN001:Sequential|}, Input(4), Dense(2)]
            public partial class First;

            [{|LSTMGEN001:Sequential|}, Input(3), Dense(1)]
            public class Second;
        }

        [{|LSTMGEN001:Sequential|}, Input(5), Dense(2)]
        public class Third;
        """, """
        /// <summary>Documented: the generated code re-opens it, and CS1591 applies to a public type.</summary>
        public partial class Holder
        {
            [Sequential, Input(4), Dense(2)]
            public partial class First;

            [Sequential, Input(3), Dense(1)]
            public partial class Second;
        }

        [Sequential, Input(5), Dense(2)]
        public partial class Third;
        """);

    // ---- LSTMGEN104: ReturnSequences = true on the Lstm that feeds an Lstm ----

    [Fact]
    public Task ReturnSequences_Added() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(10, 1), Lstm(50), {|LSTMGEN104:Lstm(50)|}]
        public partial class Model;
        """, """
        [Sequential, Input(10, 1), Lstm(50, ReturnSequences = true), Lstm(50)]
        public partial class Model;
        """);

    [Fact]
    public Task ReturnSequences_OneAttributePerLine_AfterNamedArgument() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential(Seed = 42)]
        [Input(10, 1)]
        [Lstm(50, Name = "encoder")]
        [{|LSTMGEN104:Lstm(50)|}]
        [Dense(1)]
        public partial class StockModel;
        """, """
        [Sequential(Seed = 42)]
        [Input(10, 1)]
        [Lstm(50, Name = "encoder", ReturnSequences = true)]
        [Lstm(50)]
        [Dense(1)]
        public partial class StockModel;
        """);

    [Fact]
    public Task ReturnSequences_FalseBecomesTrue() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(6, 2), Lstm(4, ReturnSequences = false, GoBackwards = true), {|LSTMGEN104:Lstm(3)|}, Dense(1)]
        public partial class Model;
        """, """
        [Sequential, Input(6, 2), Lstm(4, ReturnSequences = true, GoBackwards = true), Lstm(3), Dense(1)]
        public partial class Model;
        """);

    [Fact]
    public Task ReturnSequences_OnTheLstmInsideBidirectional() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(6, 3), Bidirectional(MergeMode.Sum), Lstm(4), {|LSTMGEN104:Lstm(2)|}, Dense(1)]
        public partial class Model;
        """, """
        [Sequential, Input(6, 3), Bidirectional(MergeMode.Sum), Lstm(4, ReturnSequences = true), Lstm(2), Dense(1)]
        public partial class Model;
        """);

    [Fact]
    public Task ReturnSequences_ConsumerIsBidirectional() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(6, 3), Lstm(4), {|LSTMGEN104:Bidirectional|}, Lstm(2), Dense(1)]
        public partial class Model;
        """, """
        [Sequential, Input(6, 3), Lstm(4, ReturnSequences = true), Bidirectional, Lstm(2), Dense(1)]
        public partial class Model;
        """);

    [Fact]
    public Task ReturnSequences_CommentAfterLastArgumentStaysLast() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(10, 1)]
        [Lstm(8 /* encoder */)]
        [{|LSTMGEN104:Lstm(8)|}]
        public partial class Model;
        """, """
        [Sequential, Input(10, 1)]
        [Lstm(8, ReturnSequences = true /* encoder */)]
        [Lstm(8)]
        public partial class Model;
        """);

    [Fact]
    public Task ReturnSequences_ThreeStacked_TwoFixesInTurn() => Fix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(10, 1), Lstm(8), {|LSTMGEN104:Lstm(8)|}, Lstm(8), Dense(1)]
        public partial class Model;
        """, """
        [Sequential, Input(10, 1), Lstm(8, ReturnSequences = true), Lstm(8, ReturnSequences = true), Lstm(8), Dense(1)]
        public partial class Model;
        """, iterations: 2);

    [Fact]
    public Task ReturnSequences_FixAll_EveryModel() => FixAll(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(10, 1), Lstm(8), {|LSTMGEN104:Lstm(8)|}]
        public partial class First;

        [Sequential, Input(5, 2), Lstm(6, Name = "enc"), {|LSTMGEN104:Lstm(6)|}, Dense(1)]
        public partial class Second;
        """, """
        [Sequential, Input(10, 1), Lstm(8, ReturnSequences = true), Lstm(8)]
        public partial class First;

        [Sequential, Input(5, 2), Lstm(6, Name = "enc", ReturnSequences = true), Lstm(6), Dense(1)]
        public partial class Second;
        """);

    [Fact]
    public Task ReturnSequences_NoFix_WhenFedByTheInput() => NoFix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(4), {|LSTMGEN104:Lstm(3)|}]
        public partial class Model;
        """);

    [Fact]
    public Task ReturnSequences_NoFix_WhenFedByDense() => NoFix(new ReturnSequencesCodeFixer(), """
        [Sequential, Input(4), Dense(3), {|LSTMGEN104:Bidirectional|}, Lstm(3)]
        public partial class Model;
        """);

    // ---- LSTMGEN009: chain user constructors to the generated one ----

    [Fact]
    public Task Chain_Added() => Fix(new ChainConstructorCodeFixer(), """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public {|LSTMGEN009:Model|}(int tag) { Tag = tag; }

            public int Tag { get; }
        }
        """, """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public Model(int tag) : this(options: null) { Tag = tag; }

            public int Tag { get; }
        }
        """);

    [Fact]
    public Task Chain_BodyOnNextLine() => Fix(new ChainConstructorCodeFixer(), """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public {|LSTMGEN009:Model|}()
            {
                Tag = 1;
            }

            public int Tag { get; }
        }
        """, """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public Model() : this(options: null)
            {
                Tag = 1;
            }

            public int Tag { get; }
        }
        """);

    [Fact]
    public Task Chain_ExpressionBody() => Fix(new ChainConstructorCodeFixer(), """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public {|LSTMGEN009:Model|}(int tag) => Tag = tag;

            public int Tag { get; }
        }
        """, """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public Model(int tag) : this(options: null) => Tag = tag;

            public int Tag { get; }
        }
        """);

    [Fact]
    public Task Chain_ReplacesEmptyBaseCall() => Fix(new ChainConstructorCodeFixer(), """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public {|LSTMGEN009:Model|}(int tag)
                : base()
            {
                Tag = tag;
            }

            public int Tag { get; }
        }
        """, """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public Model(int tag)
                : this(options: null)
            {
                Tag = tag;
            }

            public int Tag { get; }
        }
        """);

    [Fact]
    public Task Chain_TypedDefault_WhenAUserConstructorHasAnOptionsParameter() => Fix(new ChainConstructorCodeFixer(), """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public {|LSTMGEN009:Model|}(string options) { Label = options; }

            public string? Label { get; }
        }
        """, """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public Model(string options) : this(default(ModelOptions)) { Label = options; }

            public string? Label { get; }
        }
        """);

    [Fact]
    public Task Chain_NoFix_WhenTheBaseCallHasArguments() => NoFix(new ChainConstructorCodeFixer(), """
        public class Base
        {
            public Base() { }

            public Base(int tag) => Tag = tag;

            public int Tag { get; }
        }

        [Sequential, Input(4), Dense(2)]
        public partial class Model : Base
        {
            public {|LSTMGEN009:Model|}(int tag) : base(tag) { }
        }
        """);

    [Fact]
    public Task Chain_FixAll_EveryConstructor() => FixAll(new ChainConstructorCodeFixer(), """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public {|LSTMGEN009:Model|}(int tag) { Tag = tag; }

            public {|LSTMGEN009:Model|}(int tag, string label) { Tag = tag; Label = label; }

            public int Tag { get; }

            public string? Label { get; }
        }
        """, """
        [Sequential, Input(4), Dense(2)]
        public partial class Model
        {
            public Model(int tag) : this(options: null) { Tag = tag; }

            public Model(int tag, string label) : this(options: null) { Tag = tag; Label = label; }

            public int Tag { get; }

            public string? Label { get; }
        }
        """);

    [Fact]
    public void EveryFixer_UsesTheBatchFixAllProvider()
    {
        foreach (CodeFixProvider fixer in new CodeFixProvider[] { new MakeModelPartialCodeFixer(), new ReturnSequencesCodeFixer(), new ChainConstructorCodeFixer() })
        {
            Assert.Same(WellKnownFixAllProviders.BatchFixer, fixer.GetFixAllProvider());
            Assert.Single(fixer.FixableDiagnosticIds);
        }
    }
}
