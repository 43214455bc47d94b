using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace LstmGen.Benchmarks.Tests;

/// <summary>
/// The file `compare` hands the torch peers for their same-function check (they run outside CI): per workload, the
/// model's weights under their Keras names with their shapes, a batch of 2 inputs (token ids for W1) and LstmGen's
/// outputs for that batch, which a fresh model with the written weights reproduces.
/// </summary>
public class TorchCheckTests
{
    [Fact]
    public void Check_file_holds_weights_inputs_and_LstmGen_outputs_per_workload()
    {
        string path = TorchCheck.Write(["W1", "W2", "W5"])!;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal(["W1", "W2", "W5"], doc.RootElement.EnumerateObject().Select(p => p.Name));

            JsonElement w1 = doc.RootElement.GetProperty("W1");
            Assert.True(w1.GetProperty("tokenInput").GetBoolean());
            Assert.Equal(2 * W1Model.InputLength, w1.GetProperty("input").GetArrayLength());
            Assert.All(w1.GetProperty("input").EnumerateArray(), v => Assert.InRange(v.GetInt32(), 1, W1Model.Vocabulary - 1));
            Assert.Equal(["embedding/embeddings", "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "dense/kernel", "dense/bias"],
                w1.GetProperty("weights").EnumerateArray().Select(e => e.GetProperty("name").GetString()));

            JsonElement w2 = doc.RootElement.GetProperty("W2");
            Assert.False(w2.GetProperty("tokenInput").GetBoolean());
            Assert.Contains("lstm_1/recurrent_kernel", w2.GetProperty("weights").EnumerateArray().Select(e => e.GetProperty("name").GetString()));

            // The written weights and inputs give the written outputs in a fresh W5.
            JsonElement w5 = doc.RootElement.GetProperty("W5");
            var model = new W5Model(new ModelOptions { Seed = 99 });
            foreach (JsonElement e in w5.GetProperty("weights").EnumerateArray())
            {
                float[] values = e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                Assert.Equal(values.Length, e.GetProperty("shape").EnumerateArray().Aggregate(1, (a, d) => a * d.GetInt32()));
                model.Weights.Set(e.GetProperty("name").GetString()!, values);
            }
            float[] x = w5.GetProperty("input").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float[] want = w5.GetProperty("output").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float[] got = new float[want.Length];
            model.PredictBatch(x, got, 2);
            Assert.Equal(want, got);
            Assert.Contains(want, v => v != 0f);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
