using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// The target layout of a loss per output (<see cref="Loss.PerOutput"/>) on a ReturnState model: per sample, the output's
/// targets, then one row of <c>units</c> targets per state ([output | h | c]), as Keras's <c>compile(loss=[...])</c> takes
/// one target array per output. The multi_* training references use this layout.
/// </summary>
public class PerOutputTargetLayoutTests
{
    [Fact]
    public void A_state_of_units_values_takes_units_targets_per_sample()
    {
        Loss two = Loss.PerOutput(Loss.MeanSquaredError, Loss.MeanSquaredError);
        // GRU(5), ReturnState, last output: output (5) | h (5).
        Assert.Equal(5 + 5, ((OutputLosses)two).TargetLength(outputRows: 1, outputFeatures: 5, stateLength: 5, stateCount: 1, "model"));
        Assert.Equal(5 + 5, new RefGruReturnState().TargetLength(two));
        // LSTM(5), ReturnState, sequence output (6, 5): output (30) | h (5) | c (5).
        Assert.Equal(30 + 5 + 5, new ReturnStateSeq().TargetLength(Loss.PerOutput(Loss.MeanSquaredError, Loss.MeanSquaredError, Loss.MeanSquaredError)));
    }
}
