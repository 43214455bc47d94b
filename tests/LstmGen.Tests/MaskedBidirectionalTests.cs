using System;
using System.Linq;
using LstmGen.Tests.Models;
using Xunit;

namespace LstmGen.Tests;

/// <summary>
/// Keras's Bidirectional sets <c>zero_output_for_mask = return_sequences</c> on both of its layers (tf.keras 2 and Keras 3,
/// <c>force_zero_output_for_mask</c>): a masked bidirectional sequence is zero at padded steps, while each direction's state
/// carries over them. Checked against the two directions run as separate one-way layers with the same weights (whose
/// masked semantics match the TensorFlow.js references): at unmasked steps the merge of the two, at masked steps zero.
/// The gradient of such a model is checked by finite differences in <see cref="NewLayerGradientTests"/>.
/// </summary>
public class MaskedBidirectionalTests
{
    [Fact]
    public void Padded_steps_are_zero_and_the_others_are_the_two_directions_merged()
    {
        var bi = new MaskedBidirectionalLstm(new ModelOptions { Seed = 3 });
        var forward = new MaskedForwardLstm(new ModelOptions { Seed = 4 });
        var backward = new MaskedBackwardLstm(new ModelOptions { Seed = 5 });
        forward.Weights.Set("embedding/embeddings", bi.Weights["embedding/embeddings"]);
        backward.Weights.Set("embedding/embeddings", bi.Weights["embedding/embeddings"]);
        foreach (string w in new[] { "kernel", "recurrent_kernel", "bias" })
        {
            forward.Weights.Set($"lstm/{w}", bi.Weights[$"bidirectional/forward_lstm/{w}"]);
            backward.Weights.Set($"lstm/{w}", bi.Weights[$"bidirectional/backward_lstm/{w}"]);
        }

        // Padding at the start, in the middle and at the end.
        int[][] sequences =
        {
            new[] { 0, 0, 3, 7, 1, 9, 2, 5 },
            new[] { 4, 8, 0, 11, 0, 6, 13, 2 },
            new[] { 5, 1, 12, 9, 3, 0, 0, 0 },
        };
        int masked = 0;
        foreach (int[] tokens in sequences)
        {
            var y = new float[8 * 6];
            var f = new float[8 * 3];
            var b = new float[8 * 3];
            bi.Predict(tokens, y);
            forward.Predict(tokens, f);
            backward.Predict(tokens, b); // in processed order: b[s] belongs to step 7 - s
            for (int t = 0; t < 8; t++)
            {
                float[] expected = tokens[t] == 0
                    ? new float[6]
                    : f.AsSpan(t * 3, 3).ToArray().Concat(b.AsSpan((7 - t) * 3, 3).ToArray()).ToArray();
                masked += tokens[t] == 0 ? 1 : 0;
                for (int u = 0; u < 6; u++)
                {
                    Assert.True(Math.Abs(expected[u] - y[t * 6 + u]) <= 1e-6f,
                        $"step {t} (token {tokens[t]}), unit {u}: {y[t * 6 + u]} instead of {expected[u]}");
                }
                if (tokens[t] != 0)
                {
                    Assert.NotEqual(0f, y[t * 6]); // a real value, so the comparison above checks something
                }
            }
        }
        Assert.Equal(7, masked);
    }
}
