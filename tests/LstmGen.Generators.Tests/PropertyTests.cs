using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using Xunit.Abstractions;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Random declarations, sensible or not: layer stacks of every kind with sizes including 0, negative and int.MaxValue,
/// random named arguments, class shapes (nested, generic, record, struct, static, abstract, base classes with and without
/// a parameterless constructor, members and names that clash with generated ones, types hiding System or LstmGen), several
/// models in one compilation with names that differ only in case or collide once sanitised. The property, for every
/// compilation: the analyzer and the generator never throw (no AD0001, CS8785, LSTMGEN900); a model with an LSTMGEN error
/// gets no code; a model without one gets code; the generated code has no error and no warning; hint names are unique
/// case-insensitively.
/// </summary>
/// <remarks>
/// <see cref="Cases"/> declarations (ten to thirty per compilation) in the normal run; set LSTMGEN_PROPERTY_CASES (e.g.
/// 20000) for a longer run and LSTMGEN_PROPERTY_SEED to replay one. The seed is printed, and a failure names it: each
/// shrunk failure becomes a regular test (<see cref="HardeningTests"/>, <see cref="EdgeCaseTests"/>). The compilations
/// are drawn as one sequence from the seed and dealt round-robin to <see cref="Partitions"/> test classes
/// (<see cref="Part1"/> to <see cref="Part4"/>), which xunit runs in parallel: together they check exactly the
/// declarations one class would, and a failure names the seed, the part and the compilation's index in the sequence.
/// </remarks>
public abstract class PropertyTests(ITestOutputHelper output)
{
    /// <summary>
    /// Declarations checked in the normal run: 2,000, as the generator-hardening issue asks (the project's longest test
    /// on a 2-core machine). LSTMGEN_PROPERTY_CASES=20000 for a longer run.
    /// </summary>
    public const int Cases = 2000;

    /// <summary>The test classes that share the compilations (one xunit collection each, so they run in parallel).</summary>
    public const int Partitions = 4;

    /// <summary>Which of the <see cref="Partitions"/> parts this class checks: compilations i with i % Partitions == Part.</summary>
    protected abstract int Part { get; }

    /// <summary>Compilations 0, 4, 8, ... of the sequence.</summary>
    public sealed class Part1(ITestOutputHelper output) : PropertyTests(output) { protected override int Part => 0; }

    /// <summary>Compilations 1, 5, 9, ... of the sequence.</summary>
    public sealed class Part2(ITestOutputHelper output) : PropertyTests(output) { protected override int Part => 1; }

    /// <summary>Compilations 2, 6, 10, ... of the sequence.</summary>
    public sealed class Part3(ITestOutputHelper output) : PropertyTests(output) { protected override int Part => 2; }

    /// <summary>Compilations 3, 7, 11, ... of the sequence.</summary>
    public sealed class Part4(ITestOutputHelper output) : PropertyTests(output) { protected override int Part => 3; }

    private static string I(int v) => v < 0 ? $"({v.ToString(CultureInfo.InvariantCulture)})" : v.ToString(CultureInfo.InvariantCulture);

    private static readonly Gen<int> Size = Gen.Frequency(
        (1, Gen.Choose(-2, 0)),
        (10, Gen.Choose(1, 6)),
        (1, Gen.Elements(16, 17, 20)),
        (1, Gen.Constant(int.MaxValue)));

    private static readonly string[] Activations =
        ["Linear", "Relu", "Tanh", "Sigmoid", "Softmax", "HardSigmoid", "HardSigmoidKeras2", "Elu", "Selu", "Gelu", "Softplus", "Softsign", "Swish", "LeakyRelu", "Exponential"];

    private static Gen<string> Activation(string property) => Gen.Frequency(
        (6, Gen.Constant("")),
        (6, Gen.Elements(Activations).Select(a => $", {property} = Activation.{a}")),
        (1, Gen.Choose(-1, 16).Select(v => $", {property} = (Activation)({v})")));

    private static readonly Gen<string> Name = Gen.Frequency(
        (12, Gen.Constant("")),
        (2, Gen.Elements("a", "b", "dense", "lstm", "gru", "dense_1").Select(n => $", Name = \"{n}\"")),
        (1, Gen.Elements("", "x/y", " s").Select(n => $", Name = \"{n}\"")));

    private static Gen<string> Flag(string name) => Gen.Frequency(
        (3, Gen.Constant("")),
        (1, Gen.Elements(true, false).Select(b => $", {name} = {(b ? "true" : "false")}")));

    private static readonly Gen<string> Rate = Gen.Frequency(
        (4, Gen.Elements("0.1", "0.25", "0.5")),
        (1, Gen.Elements("0", "1", "-0.5", "1.5")));

    private static Gen<string> Optional(string name, Gen<string> value) => Gen.Frequency(
        (3, Gen.Constant("")),
        (1, value.Select(v => $", {name} = {v}")));

    private static readonly Gen<string> Dense =
        from units in Size
        from activation in Activation("Activation")
        from bias in Flag("UseBias")
        from name in Name
        select $"Dense({I(units)}{activation}{bias}{name})";

    private static readonly Gen<string> Recurrent =
        from kind in Gen.Elements("Lstm", "Gru", "SimpleRnn")
        from units in Size
        from sequences in Gen.Frequency((1, Gen.Constant("")), (2, Gen.Constant(", ReturnSequences = true")))
        from state in Gen.Frequency((8, Gen.Constant("")), (1, Gen.Constant(", ReturnState = true")))
        from backwards in Flag("GoBackwards")
        from activation in Activation("Activation")
        from recurrent in kind == "SimpleRnn" ? Gen.Constant("") : Activation("RecurrentActivation")
        from dropout in Optional("Dropout", Rate)
        from recurrentDropout in Optional("RecurrentDropout", Rate)
        from reset in kind == "Gru" ? Flag("ResetAfter") : Gen.Constant("")
        from name in Name
        select $"{kind}({I(units)}{sequences}{state}{backwards}{activation}{recurrent}{dropout}{recurrentDropout}{reset}{name})";

    private static readonly Gen<string> Padding = Optional("Padding", Gen.Choose(-1, 3).Select(p => p switch
    {
        0 => "PaddingMode.Valid",
        1 => "PaddingMode.Same",
        2 => "PaddingMode.Causal",
        _ => $"(PaddingMode)({p})",
    }));

    private static readonly Gen<string> Layer = Gen.Frequency(
        (5, Dense),
        (6, Recurrent),
        (2, from d in Dense select "TimeDistributed, " + d),
        (2, from merge in Gen.Choose(-1, 4) from l in Recurrent select (merge == 0 ? "Bidirectional, " : $"Bidirectional((MergeMode)({merge})), ") + l),
        (1, from a in Size from b in Size from mask in Flag("MaskZero") select $"Embedding({I(a == int.MaxValue ? a : a * 10)}, {I(b)}{mask})"),
        (1, from n in Size select $"RepeatVector({I(n)})"),
        (1, from n in Size select $"SliceLast({I(n)})"),
        (1, from l in Gen.Choose(-1, 3) from r in Gen.Elements(-1, 0, 2, int.MaxValue) from two in Gen.Elements(true, false) select two ? $"ZeroPadding1D({I(l)}, {I(r)})" : $"ZeroPadding1D({I(l)})"),
        (2, from r in Rate from seed in Optional("Seed", Gen.Choose(0, 9).Select(v => I(v))) select $"Dropout({r}{seed})"),
        (1, from r in Rate select $"SpatialDropout1D({r})"),
        (1, from a in Gen.Elements(Activations) select $"Activation(Activation.{a})"),
        (2, from f in Size from k in Size from s in Optional("Strides", Size.Select(I)) from d in Optional("DilationRate", Size.Select(I)) from p in Padding from a in Activation("Activation")
            select $"Conv1D({I(f)}, {I(k)}{s}{d}{p}{a})"),
        (1, from max in Gen.Elements("Max", "Average") from p in Size from s in Optional("Strides", Size.Select(I)) from pad in Padding select $"{max}Pooling1D({I(p)}{s}{pad})"),
        (1, Gen.Elements("GlobalMaxPooling1D", "GlobalAveragePooling1D", "Flatten", "LayerNormalization", "BatchNormalization", "Masking", "Masking(-1)")),
        (1, from axis in Gen.Elements(-1, 1, 2) from m in Gen.Elements("0.99", "0.5", "2") select $"BatchNormalization(Axis = {I(axis)}, Momentum = {m})"),
        (1, from a in Gen.Elements(-1, 2, 3, 6, 12, 0) from b in Gen.Elements(1, 2, 4) from two in Gen.Elements(true, false) select two ? $"Reshape({I(a)}, {I(b)})" : $"Reshape({I(a)})"),
        (1, Gen.Elements("TimeDistributed", "Bidirectional")),
        (1, from s in Size select $"Input({I(s)})"));

    private static readonly Gen<string> InputDeclaration = Gen.Frequency(
        (4, from s in Size from f in Size select $"Input({I(s)}, {I(f)})"),
        (3, from f in Size select $"Input({I(f)})"),
        (1, Gen.Elements("Input()", "Input(2, 3, 4)", "Input(null)")),
        (1, Gen.Constant("")));

    private static readonly Gen<string> Sequential = Gen.Frequency(
        (6, Gen.Constant("Sequential")),
        (2, Gen.Elements("Never", "Always").Select(u => $"Sequential(Unroll = UnrollPolicy.{u}, Seed = 7)")),
        (1, Gen.Elements("MeanSquaredError", "BinaryCrossEntropy", "CategoricalCrossEntropy").Select(l => $"Sequential(Loss = LossKind.{l})")),
        (1, Gen.Choose(-1, 3).Select(u => $"Sequential(Unroll = (UnrollPolicy)({u}))")));

    /// <summary>Any layer sequence: mostly invalid.</summary>
    private static readonly Gen<string> Nonsense =
        from sequential in Sequential
        from input in InputDeclaration
        from layers in Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(Layer, n))
        select string.Join(", ", new[] { sequential, input }.Concat(layers).Where(a => a.Length > 0));

    private static readonly Gen<string> SequenceLayer = Gen.Frequency(
        (4, from kind in Gen.Elements("Lstm", "Gru", "SimpleRnn")
            from units in Gen.Choose(1, 5)
            from backwards in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Constant(", GoBackwards = true")))
            from dropout in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Constant(", Dropout = 0.2, RecurrentDropout = 0.1")))
            from wrapper in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Choose(0, 3).Select(m => $"Bidirectional((MergeMode)({m})), ")))
            select $"{wrapper}{kind}({units}, ReturnSequences = true{backwards}{dropout})"),
        (1, Gen.Elements("Dropout(0.3)", "SpatialDropout1D(0.2)", "LayerNormalization", "BatchNormalization", "Activation(Activation.Swish)",
            "Conv1D(3, 2, Padding = PaddingMode.Causal)", "Conv1D(4, 3, Padding = PaddingMode.Same)", "TimeDistributed, Dense(3, Activation = Activation.Gelu)")));

    /// <summary>A model built along the rules (every mode), so that many are valid; the sizes are random.</summary>
    private static readonly Gen<string> Plausible =
        from sequential in Gen.Elements("Sequential", "Sequential(Unroll = UnrollPolicy.Never)", "Sequential(Unroll = UnrollPolicy.Always)")
        from steps in Gen.Frequency((4, Gen.Choose(3, 8)), (1, Gen.Choose(15, 20)))
        from features in Gen.Choose(1, 4)
        from start in Gen.Elements(
            $"Input({steps}, {features})",
            $"Input({steps}, {features}), ZeroPadding1D({steps % 3}, 1)",
            $"Input({steps}, {features}), SliceLast({(steps + 1) / 2})",
            $"Input({steps}, {features}), Masking",
            $"Input({steps}, {features}), Conv1D(4, 2), MaxPooling1D(2)",
            $"Input({steps}), Embedding({features * 10}, 3)",
            $"Input({steps}), Embedding({features * 10}, 3, MaskZero = true)",
            $"Input({features}), Dense(3, Activation = Activation.Relu), RepeatVector({steps})",
            $"Input({features * 2}), Reshape({features}, 2)",
            $"Input({features})")
        from body in Gen.Choose(0, 2).SelectMany(n => Gen.ListOf(SequenceLayer, n))
        from end in Gen.Elements(
            "Lstm(3), Dense(1, Activation = Activation.Sigmoid)",
            "Gru(2, ReturnState = true)",
            "SimpleRnn(2, ReturnSequences = true, ReturnState = true)",
            "Lstm(2, ReturnSequences = true, ReturnState = true)",
            "TimeDistributed, Dense(2)",
            "Dense(2, Activation = Activation.Softmax, UseBias = false)",
            "Bidirectional, Gru(2, ResetAfter = false), Dense(1)",
            "GlobalAveragePooling1D, Dense(1)",
            "Flatten, Dropout(0.5), Dense(1)",
            "Lstm(4, ReturnSequences = true), SliceLast(1), Dense(1)")
        select string.Join(", ", new[] { sequential, start }.Concat(body).Append(end));

    /// <summary>One model: its attributes and how it is declared.</summary>
    private sealed record ModelCase(string Attributes, string Shape, string Name, string Extra);

    private static readonly Gen<string> Shape = Gen.Frequency(
        (12, Gen.Constant("public partial class {0}")),
        (2, Gen.Elements("internal sealed partial class {0}", "public partial record {0}", "public partial class {0}<T>", "public sealed partial record class {0}<TItem>")),
        (2, Gen.Elements("nested:public partial class {0}", "nested-generic:public partial class {0}")),
        (1, Gen.Elements("public static partial class {0}", "public abstract partial class {0}", "public partial struct {0}", "public partial class {0}(int tag)")),
        (1, Gen.Elements("public partial class {0} : BaseWithDefault", "public partial class {0} : BaseWithArgument", "public partial class {0} : System.Exception")));

    private static readonly Gen<string> Extra = Gen.Frequency(
        (10, Gen.Constant("")),
        (1, Gen.Elements(
            "public void Extra() { }",
            "private int __scratch;",
            "public void Predict(System.ReadOnlySpan<float> x, System.Span<float> y) { }",
            "public float[] Predict(float[] x) => new float[1];",
            "public int Weights;",
            "public string Summary() => \"\";")));

    private static readonly Gen<string> ModelName = Gen.Frequency(
        (6, Gen.Elements("M", "m", "M_1", "Model")),
        (1, Gen.Elements("var", "@class", "Predict", "Streamer", "Kernels", "System")));

    private static readonly Gen<ModelCase> OneModel =
        from attributes in Gen.Frequency((1, Nonsense), (2, Plausible))
        from shape in Shape
        from name in ModelName
        from extra in Extra
        select new ModelCase(attributes, shape, name, extra);

    /// <summary>
    /// A compilation: many models (their names collide in every way the pool allows; a compilation's fixed cost, the
    /// references, is shared), and rarely a type that hides what generated code refers to.
    /// </summary>
    private static readonly Gen<(ModelCase[] Models, string Global)> Compilations =
        from count in Gen.Choose(10, 30)
        from models in Gen.ArrayOf(OneModel, count)
        from global in Gen.Frequency(
            (30, Gen.Constant("")),
            (1, Gen.Elements("public class System { }", "namespace LstmGen { internal class Kernels { } }")))
        select (models, global);

    private static int CaseCount =>
        int.TryParse(Environment.GetEnvironmentVariable("LSTMGEN_PROPERTY_CASES"), out int n) && n > 0 ? n : Cases;

    private static ulong Seed =>
        ulong.TryParse(Environment.GetEnvironmentVariable("LSTMGEN_PROPERTY_SEED"), out ulong s) ? s : 20261130UL;

    /// <summary>
    /// The whole sequence, drawn once per process (every part draws the same): compilations of ten to thirty models drawn
    /// with FsCheck from the seed, until the declarations reach the asked number (Sample's arguments: how many, the seed,
    /// the size).
    /// </summary>
    private static readonly Lazy<(ModelCase[] Models, string Global)[]> s_sequence = new(() =>
    {
        int cases = CaseCount;
        var taken = new List<(ModelCase[] Models, string Global)>();
        int declarations = 0;
        foreach ((ModelCase[] Models, string Global) compilation in Compilations.Sample(cases / 10 + 10, new FsCheck.Rnd(Seed, 0x9E3779B97F4A7C15UL), 30))
        {
            if (declarations >= cases) break;
            taken.Add(compilation);
            declarations += compilation.Models.Length;
        }
        return taken.ToArray();
    });

    [Fact]
    public void Random_declarations_are_diagnosed_or_compile_cleanly()
    {
        int cases = CaseCount;
        ulong seed = Seed;
        (ModelCase[] Models, string Global)[] sequence = s_sequence.Value;
        int total = sequence.Sum(c => c.Models.Length);
        Assert.True(total >= cases, $"only {total} declarations were drawn");
        output.WriteLine($"seed {seed} (replay with LSTMGEN_PROPERTY_SEED={seed}); {cases} declarations in {sequence.Length} compilations, " +
            $"part {Part + 1} of {Partitions}");
        var stats = new int[2];
        int declarations = 0, compilations = 0;
        for (int index = Part; index < sequence.Length; index += Partitions)
        {
            (ModelCase[] models, string global) = sequence[index];
            try
            {
                CheckCompilation(models, global, stats);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"Property failed (seed {seed}, part {Part + 1} of {Partitions}, compilation {index}):\n{Source(models, global).Text}\n{e.Message}");
            }
            declarations += models.Length;
            compilations++;
        }
        output.WriteLine($"part {Part + 1}: {declarations} declarations in {compilations} compilations: {stats[0]} generated and compiled, {stats[1]} diagnosed");
        Assert.True(compilations > 0, $"part {Part + 1} got no compilation");
        Assert.True(stats[0] >= declarations / 10, $"only {stats[0]} of {declarations} random models were valid");
        Assert.True(stats[1] >= declarations / 10, $"only {stats[1]} of {declarations} random models were invalid");
    }

    private static (string Text, (TextSpan Span, string Hint)[] Models) Source(ModelCase[] models, string global)
    {
        var sb = new StringBuilder("using LstmGen;\n\n");
        sb.Append(global).Append('\n');
        sb.Append("namespace Fuzz\n{\n");
        sb.Append("    public class BaseWithDefault { protected BaseWithDefault(int x = 1) { } }\n");
        sb.Append("    public class BaseWithArgument { protected BaseWithArgument(int x) { } }\n");
        var spans = new (TextSpan, string)[models.Length];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < models.Length; i++)
        {
            ModelCase m = models[i];
            string name = m.Name;
            string shape = m.Shape;
            bool nested = shape.StartsWith("nested", StringComparison.Ordinal);
            string container = shape.StartsWith("nested-generic", StringComparison.Ordinal) ? $"Outer{i}<TOuter>" : $"Outer{i}";
            shape = nested ? shape.Substring(shape.IndexOf(':') + 1) : shape;
            // Two models of the same name and arity in one namespace would be one class: keep names distinct exactly
            // (case and arity still collide in the hint names, which is the point).
            string key = name + (shape.Contains('<') ? "`1" : "");
            if (!nested && !used.Add(key)) name += i.ToString(CultureInfo.InvariantCulture);
            string declaration = $"[{m.Attributes}]\n    " + string.Format(CultureInfo.InvariantCulture, shape, name) +
                (m.Extra.Length > 0 ? " { " + m.Extra + " }" : ";");
            if (nested)
            {
                declaration = $"internal partial class {container}\n    {{\n    {declaration}\n    }}";
            }
            int start = sb.Length;
            sb.Append("    ").Append(declaration).Append('\n');
            spans[i] = (TextSpan.FromBounds(start, sb.Length), "");
        }
        sb.Append("}\n");
        return (sb.ToString(), spans);
    }

    private static void CheckCompilation(ModelCase[] models, string global, int[] stats)
    {
        (string text, (TextSpan Span, string Hint)[] spans) = Source(models, global);
        Compilation compilation = CreateCompilation(text);
        ImmutableArray<Diagnostic> analyzer = RunAnalyzer(compilation); // fails on AD0001 or an analyzer exception
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run); // no exception, CS8785 or LSTMGEN900

        // Each generated file belongs to the model whose class it re-opens: find it by the class declaration it holds.
        SyntaxTree[] generated = run.Output.SyntaxTrees.Where(t => !compilation.SyntaxTrees.Contains(t)).ToArray();
        string[] exact = run.ExactHintNames.ToArray();
        Assert.Equal(exact.Length, exact.Distinct(StringComparer.OrdinalIgnoreCase).Count());

        SyntaxTree source = compilation.SyntaxTrees.Single();
        var modelSymbols = new List<INamedTypeSymbol?>();
        SemanticModel semantic = run.Output.GetSemanticModel(source); // symbols of the output compilation, to compare with the generated declarations
        foreach ((TextSpan span, _) in spans)
        {
            var declaration = source.GetRoot().DescendantNodes(span).OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>()
                .Last(d => d.AttributeLists.Count > 0);
            modelSymbols.Add(semantic.GetDeclaredSymbol(declaration) as INamedTypeSymbol);
        }
        var generatedFor = new Dictionary<INamedTypeSymbol, int>(SymbolEqualityComparer.Default);
        foreach (SyntaxTree tree in generated)
        {
            SemanticModel model = run.Output.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is INamedTypeSymbol symbol && declaration.BaseList is not null)
                {
                    var original = symbol.OriginalDefinition;
                    generatedFor[original] = generatedFor.TryGetValue(original, out int c) ? c + 1 : 1;
                }
            }
        }

        // The output compilation's diagnostics: the compiler's on the source (CS0592 below) and on the generated code.
        ImmutableArray<Diagnostic> compiler = run.Output.GetDiagnostics();
        Diagnostic[] misplaced = compiler.Where(d => d.Id == "CS0592").ToArray();
        for (int i = 0; i < spans.Length; i++)
        {
            // An error is LstmGen's own, or the compiler's CS0592 ([Sequential] on a struct: its AttributeUsage admits classes only).
            bool error = analyzer.Concat(misplaced).Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == source && spans[i].Span.Contains(d.Location.SourceSpan));
            INamedTypeSymbol? symbol = modelSymbols[i]?.OriginalDefinition;
            bool hasCode = symbol is not null && generatedFor.ContainsKey(symbol);
            if (error)
            {
                Assert.False(hasCode, $"model {i} ({models[i].Name}) got code despite an error:\n" + string.Join("\n", analyzer.Select(Describe)));
                stats[1]++;
            }
            else
            {
                Assert.True(hasCode, $"model {i} ({models[i].Name}) got no code although no error was reported:\n" + string.Join("\n", analyzer.Select(Describe)));
                stats[0]++;
            }
        }

        // No error and no warning located in generated code.
        Diagnostic[] problems = compiler
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } t && generated.Contains(t))
            .ToArray();
        Assert.True(problems.Length == 0, "generated code has diagnostics:\n" + string.Join("\n", problems.Select(Describe)));
    }
}
