using System;
using System.Collections.Immutable;
using System.Linq;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// The declarations issue 14 found breaking builds: each now either compiles cleanly or gets an LSTMGEN error on the
/// model (and no code), and never an analyzer crash (AD0001), a failed generator (CS8785) or LSTMGEN900.
/// </summary>
public sealed class HardeningTests
{
    /// <summary>Runs analyzer and generator on <paramref name="source"/> and asserts that neither crashed.</summary>
    private static (ImmutableArray<Diagnostic> Analyzer, GeneratorRun Run) Run(string source)
    {
        Compilation compilation = CreateCompilation("using LstmGen;\n\n" + source);
        ImmutableArray<Diagnostic> analyzer = RunAnalyzer(compilation);
        Assert.DoesNotContain(analyzer, d => d.Id == "AD0001");
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        return (analyzer, run);
    }

    private static void AssertDiagnosed(string source, string id, string fragment)
    {
        (ImmutableArray<Diagnostic> analyzer, GeneratorRun run) = Run(source);
        Diagnostic d = Assert.Single(analyzer, d => d.Id == id);
        Assert.Contains(fragment, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("Models.M.g.cs", run.HintNames);
    }

    [Fact]
    public void Hint_names_stay_unique_where_names_differ_only_in_case_or_collide_once_sanitised()
    {
        // M and m (hints compare case-insensitively), M_1 and M<T> (M`1 sanitised), Outer_1.M and Outer<T>.M: all in one
        // compilation, all generated. (Namespace A.B with class C beside class A.B with a nested C collide the same way
        // across assemblies; within one they are CS0101.)
        (ImmutableArray<Diagnostic> analyzer, GeneratorRun run) = Run("""
            namespace Ns
            {
                [Sequential, Input(4), Dense(2)] public partial class M;
                [Sequential, Input(4), Dense(2)] public partial class m;
                [Sequential, Input(4), Dense(3)] public partial class M_1;
                [Sequential, Input(4), Dense(3)] public partial class M<T>;
                /// <summary>A container.</summary>
                public partial class Outer_1 { [Sequential, Input(4), Dense(1)] public partial class M; }
                /// <summary>A generic container.</summary>
                public partial class Outer<T> { [Sequential, Input(4), Dense(1)] public partial class M; }
            }
            """);
        Assert.DoesNotContain(analyzer, d => d.Severity == DiagnosticSeverity.Error);
        string[] hints = run.ExactHintNames.ToArray();
        Assert.Equal(6, hints.Length);
        Assert.Equal(6, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        AssertCompilesCleanly(run.Output);
    }

    [Theory]
    [InlineData("[Sequential, Input(null), Dense(1)] public partial class M;")]
    [InlineData("[Sequential, Input((int[])null), Dense(1)] public partial class M;")]
    public void A_null_input_shape_is_LSTMGEN110(string source) =>
        AssertDiagnosed("namespace Models;\n" + source, "LSTMGEN110", "Input");

    [Fact]
    public void A_base_class_without_a_parameterless_constructor_is_LSTMGEN008() => AssertDiagnosed("""
        namespace Models;
        public class Base { public Base(int x) { } }
        [Sequential, Input(4), Dense(1)] public partial class M : Base;
        """, "LSTMGEN008", "its base class 'Base' has no accessible constructor without arguments");

    [Fact]
    public void A_base_class_with_an_optional_parameter_constructor_compiles()
    {
        (ImmutableArray<Diagnostic> analyzer, GeneratorRun run) = Run("""
            namespace Models;
            public class Base { protected Base(int x = 3) { } }
            [Sequential, Input(4), Dense(1)] public partial class M : Base;
            """);
        Assert.DoesNotContain(analyzer, d => d.Severity == DiagnosticSeverity.Error);
        AssertCompilesCleanly(run.Output);
    }

    [Fact]
    public void A_model_deriving_from_a_model_is_LSTMGEN008() => AssertDiagnosed("""
        namespace Models;
        [Sequential, Input(4), Dense(1)] public partial class Base;
        [Sequential, Input(4), Dense(1)] public partial class M : Base;
        """, "LSTMGEN008", "derives from the model 'Base'");

    [Fact]
    public void A_class_named_var_compiles_and_leaves_other_models_alone()
    {
        (ImmutableArray<Diagnostic> analyzer, GeneratorRun run) = Run("""
            namespace Models;
            [Sequential, Input(4), Dense(1)] public partial class var;
            [Sequential, Input(3, 2), Lstm(2), Dense(1)] public partial class Other;
            """);
        Assert.DoesNotContain(analyzer, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(2, run.HintNames.Count());
        AssertCompilesCleanly(run.Output);
    }

    [Theory]
    [InlineData("public partial class M { private void __Forward() { } }", "the method '__Forward' starts with '__'")]
    [InlineData("public partial class M { public void Predict(System.ReadOnlySpan<float> x, System.Span<float> y) { } }", "the method 'Predict(System.ReadOnlySpan<float>, System.Span<float>)' has the signature of a generated method")]
    [InlineData("public partial class M { public int Weights; }", "the member 'Weights' has the name of a generated member")]
    [InlineData("public partial class M { public void Summary() { } }", "the method 'Summary' has the name of a generated member")]
    public void A_user_member_clashing_with_generated_code_is_LSTMGEN010(string member, string fragment) =>
        AssertDiagnosed("namespace Models;\n[Sequential, Input(3, 2), Lstm(2), Dense(1)]\n" + member, "LSTMGEN010", fragment);

    [Fact]
    public void A_type_parameter_named_like_the_nested_Streamer_is_LSTMGEN010() =>
        AssertDiagnosed("namespace Models;\n[Sequential, Input(3, 2), Lstm(2), Dense(1)] public partial class M<Streamer>;", "LSTMGEN010",
            "the type parameter 'Streamer' has the name of a generated member");

    [Fact]
    public void A_user_overload_with_other_parameters_compiles()
    {
        (ImmutableArray<Diagnostic> analyzer, GeneratorRun run) = Run("""
            namespace Models;
            [Sequential, Input(3, 2), Lstm(2), Dense(1)]
            public partial class M { public float[] Predict(float[] x) => Predict(new System.ReadOnlySpan<float>(x)); }
            """);
        Assert.DoesNotContain(analyzer, d => d.Severity == DiagnosticSeverity.Error);
        AssertCompilesCleanly(run.Output);
    }

    [Fact]
    public void A_global_type_named_System_is_LSTMGEN010() => AssertDiagnosed("""
        public class System { }
        namespace Models { [Sequential, Input(4), Dense(1)] public partial class M; }
        """, "LSTMGEN010", "hides the namespace System");

    [Fact]
    public void A_source_type_LstmGen_Kernels_is_LSTMGEN010() => AssertDiagnosed("""
        namespace LstmGen { class Kernels { } }
        namespace Models { [Sequential, Input(4), Dense(1)] public partial class M; }
        """, "LSTMGEN010", "declares the type LstmGen.Kernels");

    [Fact]
    public void Sequential_on_a_record_struct_gets_no_code()
    {
        // The attribute targets classes: the compiler reports CS0592 on a struct; the generator still sees record structs
        // (its predicate takes record declarations) and must neither emit nor report.
        Compilation compilation = CreateCompilation("using LstmGen;\n\nnamespace Models;\n[Sequential, Input(4), Dense(1)] public partial record struct M;");
        Assert.DoesNotContain(RunAnalyzer(compilation), d => d.Id == "AD0001");
        Assert.Contains(compilation.GetDiagnostics(), d => d.Id == "CS0592");
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        Assert.Empty(run.HintNames);
    }

    [Theory]
    [InlineData("ZeroPadding1D(int.MaxValue, 1)")]
    [InlineData("ZeroPadding1D(1, int.MaxValue)")]
    [InlineData("ZeroPadding1D(int.MaxValue)")]
    public void Padding_past_int_range_is_LSTMGEN114(string padding) =>
        AssertDiagnosed($"namespace Models;\n[Sequential, Input(5, 2), {padding}, Lstm(2)] public partial class M;", "LSTMGEN114", "its output steps");
}
