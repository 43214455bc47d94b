using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using LstmGen.Generators.Tests.TestHelpers;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Random layer sequences with random arguments, sensible or not (zero, negative, out-of-range enums, wrappers in the
/// wrong place, duplicate and invalid names): the generator never throws nor reports LSTMGEN900, and either the analyzer
/// reports an error and no code is emitted, or the code is emitted and compiles with no error and no warning.
/// </summary>
public sealed class PropertyTests(ITestOutputHelper output)
{
    private const int Tests = 120;

    private static string I(int v) => v < 0 ? $"({v.ToString(CultureInfo.InvariantCulture)})" : v.ToString(CultureInfo.InvariantCulture);

    private static readonly Gen<int> Size = Gen.Frequency(
        (1, Gen.Choose(-2, 0)),
        (8, Gen.Choose(1, 6)),
        (1, Gen.Elements(16, 17, 20)));

    private static readonly Gen<string> Activation = Gen.Frequency(
        (6, Gen.Constant("")),
        (6, Gen.Elements("Linear", "Relu", "Tanh", "Sigmoid", "Softmax").Select(a => $", Activation = Activation.{a}")),
        (1, Gen.Choose(-1, 6).Select(v => $", Activation = (Activation)({v})")));

    private static readonly Gen<string> Name = Gen.Frequency(
        (10, Gen.Constant("")),
        (2, Gen.Elements("a", "b", "dense", "lstm", "dense_1").Select(n => $", Name = \"{n}\"")),
        (1, Gen.Elements("", "x/y", " s").Select(n => $", Name = \"{n}\"")));

    private static Gen<string> Flag(string name) => Gen.Frequency(
        (3, Gen.Constant("")),
        (1, Gen.Elements(true, false).Select(b => $", {name} = {(b ? "true" : "false")}")));

    private static readonly Gen<string> Dense =
        from units in Size
        from activation in Activation
        from bias in Flag("UseBias")
        from name in Name
        select $"Dense({I(units)}{activation}{bias}{name})";

    private static readonly Gen<string> Lstm =
        from units in Size
        from sequences in Gen.Frequency((1, Gen.Constant("")), (2, Gen.Constant(", ReturnSequences = true")))
        from state in Gen.Frequency((6, Gen.Constant("")), (1, Gen.Constant(", ReturnState = true")))
        from backwards in Flag("GoBackwards")
        from activation in Activation
        from recurrent in Activation.Select(a => a.Replace("Activation =", "RecurrentActivation ="))
        from name in Name
        select $"Lstm({I(units)}{sequences}{state}{backwards}{activation}{recurrent}{name})";

    private static readonly Gen<string> Layer = Gen.Frequency(
        (6, Dense),
        (6, Lstm),
        (2, from d in Dense select "TimeDistributed, " + d),
        (2, from merge in Gen.Choose(-1, 4) from l in Lstm select (merge == 0 ? "Bidirectional, " : $"Bidirectional((MergeMode)({merge})), ") + l),
        (1, from a in Size from b in Size from mask in Flag("MaskZero") select $"Embedding({I(a * 10)}, {I(b)}{mask})"),
        (1, from n in Size select $"RepeatVector({I(n)})"),
        (1, from n in Size select $"SliceLast({I(n)})"),
        (1, from l in Gen.Choose(-1, 3) from r in Gen.Choose(-1, 3) from two in Gen.Elements(true, false) select two ? $"ZeroPadding1D({I(l)}, {I(r)})" : $"ZeroPadding1D({I(l)})"),
        (1, Gen.Elements("TimeDistributed", "Bidirectional")),
        (1, from s in Size select $"Input({I(s)})"));

    private static readonly Gen<string> Input = Gen.Frequency(
        (4, from s in Size from f in Size select $"Input({I(s)}, {I(f)})"),
        (3, from f in Size select $"Input({I(f)})"),
        (1, Gen.Elements("Input()", "Input(2, 3, 4)")),
        (1, Gen.Constant("")));

    private static readonly Gen<string> Sequential = Gen.Frequency(
        (6, Gen.Constant("Sequential")),
        (2, Gen.Elements("Never", "Always").Select(u => $"Sequential(Unroll = UnrollPolicy.{u}, Seed = 7)")),
        (1, Gen.Choose(-1, 3).Select(u => $"Sequential(Unroll = (UnrollPolicy)({u}))")));

    /// <summary>Any layer sequence: mostly invalid.</summary>
    private static readonly Gen<string> Nonsense =
        from sequential in Sequential
        from input in Input
        from layers in Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(Layer, n))
        select string.Join(", ", new[] { sequential, input }.Concat(layers).Where(a => a.Length > 0));

    private static readonly Gen<string> RecurrentActivations = Gen.Frequency(
        (4, Gen.Constant("")),
        (1, Gen.Elements("Linear", "Relu", "Tanh", "Sigmoid").Select(a => $", Activation = Activation.{a}")),
        (1, Gen.Elements("Linear", "Relu", "Tanh", "Sigmoid").Select(a => $", RecurrentActivation = Activation.{a}")));

    private static readonly Gen<string> SequenceLstm =
        from units in Gen.Choose(1, 5)
        from backwards in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Constant(", GoBackwards = true")))
        from bias in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Constant(", UseBias = false")), (1, Gen.Constant(", UnitForgetBias = false")))
        from activations in RecurrentActivations
        from wrapper in Gen.Frequency((3, Gen.Constant("")), (1, Gen.Choose(0, 3).Select(m => $"Bidirectional((MergeMode)({m})), ")))
        select $"{wrapper}Lstm({units}, ReturnSequences = true{backwards}{bias}{activations})";

    /// <summary>A model built along the rules (every mode), so that many are valid; the sizes are random.</summary>
    private static readonly Gen<string> Plausible =
        from sequential in Gen.Elements("Sequential", "Sequential(Unroll = UnrollPolicy.Never)", "Sequential(Unroll = UnrollPolicy.Always)")
        from steps in Gen.Frequency((4, Gen.Choose(1, 8)), (1, Gen.Choose(15, 20)))
        from features in Gen.Choose(1, 4)
        from start in Gen.Elements(
            $"Input({steps}, {features})",
            $"Input({steps}, {features}), ZeroPadding1D({steps % 3}, 1)",
            $"Input({steps}, {features}), SliceLast({(steps + 1) / 2})",
            $"Input({steps}), Embedding({features * 10}, 3)",
            $"Input({steps}), Embedding({features * 10}, 3, MaskZero = true)",
            $"Input({features}), Dense(3, Activation = Activation.Relu), RepeatVector({steps})",
            $"Input({features})")
        from body in Gen.Choose(0, 2).SelectMany(n => Gen.ListOf(SequenceLstm, n))
        from end in Gen.Elements(
            "Lstm(3), Dense(1, Activation = Activation.Sigmoid)",
            "Lstm(2, ReturnState = true)",
            "Lstm(2, ReturnSequences = true, ReturnState = true)",
            "TimeDistributed, Dense(2)",
            "Dense(2, Activation = Activation.Softmax, UseBias = false)",
            "Bidirectional, Lstm(2), Dense(1)",
            "Lstm(4, ReturnSequences = true), SliceLast(1), Dense(1)")
        select string.Join(", ", new[] { sequential, start }.Concat(body).Append(end));

    private static readonly Gen<string> Model =
        from attributes in Gen.Frequency((1, Nonsense), (2, Plausible))
        select "[" + attributes + "]\npublic partial class M;";

    [Fact]
    public void RandomModels_AreEitherDiagnosedOrCompileCleanly()
    {
        int generated = 0, diagnosed = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Tests), Prop.ForAll(Model.ToArbitrary(), source =>
        {
            if (GeneratesCode(source))
            {
                generated++;
            }
            else
            {
                diagnosed++;
            }
        }));
        output.WriteLine($"{generated} valid models generated and compiled, {diagnosed} diagnosed");
        // Not vacuous: both outcomes occur.
        Assert.True(generated >= Tests / 10, $"only {generated} of {Tests} random models were valid");
        Assert.True(diagnosed >= Tests / 10, $"only {diagnosed} of {Tests} random models were invalid");
    }

    /// <summary>Asserts the property for one model; true if it was valid (and its code compiled).</summary>
    private static bool GeneratesCode(string model)
    {
        string source = "using LstmGen;\n\nnamespace Fuzz;\n\n" + model + "\n";
        Compilation compilation = CreateCompilation(source);
        Assert.True(Errors(compilation).Length == 0, "invalid test input:\n" + source);

        ImmutableArray<Diagnostic> analyzer = RunAnalyzer(compilation);
        GeneratorRun run = RunGenerator(compilation);
        AssertGeneratorHealthy(run);
        bool error = analyzer.Any(d => d.Severity == DiagnosticSeverity.Error);
        if (error)
        {
            Assert.True(!run.HintNames.Any(), "code generated despite an error:\n" + source + string.Join("\n", analyzer.Select(Describe)));
            return false;
        }
        else
        {
            Assert.True(run.HintNames.SequenceEqual(new[] { "Fuzz.M.g.cs" }), "no code although no error:\n" + source);
            AssertCompilesCleanly(run.Output);
            return true;
        }
    }
}
