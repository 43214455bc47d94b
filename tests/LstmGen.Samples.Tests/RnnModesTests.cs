using System.Linq;
using RnnModes;
using Xunit;

namespace LstmGen.Samples.Tests;

/// <summary>Every RNN mode sample trains to its stated held-out score (the sample's default run, about 15 s in all).</summary>
public class RnnModesTests
{
    public static TheoryData<string> ModeNames => new(Modes.All.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(ModeNames))]
    public void Mode_reaches_its_target(string name)
    {
        var (_, epochs, run) = Modes.All.Single(m => m.Name == name);
        ModeResult result = run(epochs, null);
        Assert.True(result.Passed, result.ToString());
    }
}
