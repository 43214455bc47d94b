using System.Linq;
using LstmGen.Generators.Tests.TestHelpers;
using Xunit;
using static LstmGen.Generators.Tests.TestHelpers.GeneratorDriverHelper;

namespace LstmGen.Generators.Tests;

/// <summary>The test helpers themselves: scrubbing, diffs, references.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void Scrub_ReplacesTheVersionAndNormalisesLineEndings()
    {
        Assert.Equal(
            "a\n[GeneratedCode(\"LstmGen\", \"{scrubbed}\")]\nb\n",
            Snapshot.Scrub("a\r\n[GeneratedCode(\"LstmGen\", \"1.2.3.4\")]\rb\n"));
    }

    [Fact]
    public void GeneratedCode_CarriesTheRealVersion_WhichTheSnapshotsScrub()
    {
        GeneratorRun run = RunGenerator("using LstmGen; [Sequential, Input(4), Dense(2)] public partial class M;");
        string code = run.Sources.Values.Single();
        Assert.Contains($"GeneratedCode(\"LstmGen\", \"{SequentialGenerator.Version}\")", code);
        Assert.DoesNotContain(SequentialGenerator.Version, Snapshot.Scrub(code));
    }

    [Fact]
    public void DiffExcerpt_ShowsTheFirstDifferentLine()
    {
        string diff = Snapshot.DiffExcerpt("a\nb\nc\nd", "a\nb\nX\nd");
        Assert.Contains("line 3", diff);
        Assert.Contains("- c", diff);
        Assert.Contains("+ X", diff);
    }

    [Fact]
    public void References_IncludeTheRuntimeAndTheFramework()
    {
        var names = References.Select(r => System.IO.Path.GetFileNameWithoutExtension(r.Display!)).ToHashSet();
        Assert.Contains("LstmGen", names);
        Assert.Contains("System.Runtime", names);
        Assert.Contains("System.Numerics.Tensors", names);
    }
}
