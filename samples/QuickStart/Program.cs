// LstmGen quick start: declare a model with attributes, let the generator check its shapes at compile time and write
// its code, then run it on real data (monthly airline passengers, 1949-1960, shipped in samples/data).
//
// The weights here are the Keras-default initialisation (seeded), not trained (samples/Sentiment and samples/TimeSeries
// train): this shows the generated API, deterministically (it is also the target of the trim/NativeAOT check): shapes
// as constants, Keras weight names, batch and single-sample Predict, the streaming form, and the errors for bad input.
using System.Globalization;
using LstmGen;
using LstmGen.Import;

string csv = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data", "airline-passengers.csv");
float[] passengers = File.ReadLines(csv).Skip(1)
    .Select(line => float.Parse(line.Split(',')[1], CultureInfo.InvariantCulture))
    .ToArray();
float min = passengers.Min(), max = passengers.Max();
float[] scaled = passengers.Select(v => (v - min) / (max - min)).ToArray();
Console.WriteLine($"Read {passengers.Length} monthly totals from {Path.GetFileName(csv)} ({min}..{max} thousand passengers).");
Console.WriteLine();

var model = new PassengerForecaster();
Console.WriteLine(PassengerForecaster.Summary);
Console.WriteLine();
Console.WriteLine("Weights (Keras names and shapes):");
foreach (WeightInfo w in model.Weights.Entries)
{
    Console.WriteLine($"  {w.Name,-24} {w.ShapeText}");
}
Console.WriteLine();

// Every 12-month window of the series as one batch: (windows, 12 steps, 1 feature), batch-major as in Keras.
int windows = scaled.Length - PassengerForecaster.InputSteps;
var inputs = new float[windows * PassengerForecaster.InputLength];
for (int i = 0; i < windows; i++)
{
    scaled.AsSpan(i, PassengerForecaster.InputSteps).CopyTo(inputs.AsSpan(i * PassengerForecaster.InputLength));
}
var outputs = new float[windows];
model.PredictBatch(inputs, outputs, windows);
Console.WriteLine($"PredictBatch: {windows} windows -> first outputs {string.Join(", ", outputs.Take(4).Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} (untrained)");

// The same numbers one step at a time with carried state, as a real-time application would feed them.
var stream = model.OpenStream();
var y = new float[1];
for (int t = 0; t < PassengerForecaster.InputSteps; t++)
{
    stream.Step(scaled.AsSpan(t, 1), y);
}
Console.WriteLine($"Streaming the first window step by step gives {y[0]:F6}; PredictBatch gave {outputs[0]:F6}.");

// Bad input is reported with the shape the model expects.
try
{
    model.Predict(scaled.AsSpan(0, 11), y);
}
catch (ArgumentException e)
{
    Console.WriteLine($"Predict on 11 values: {e.Message}");
}

// Keras interop: save the weights in Keras 3's layout (Python: model.load_weights("forecaster.weights.h5")), then read
// the HDF5 file back with LstmGen's Keras reader (which also reads .keras archives and legacy .h5 files).
KerasWeight Keras(string name) => new(name[(name.IndexOf('/') + 1)..], model.Weights.Find(name).Dimensions.ToArray(), model.Weights.Get(name));
KerasLayerWeights[] kerasLayers =
[
    KerasLayerWeights.Create("LSTM", "lstm", Keras("lstm/kernel"), Keras("lstm/recurrent_kernel"), Keras("lstm/bias")),
    KerasLayerWeights.Create("LSTM", "lstm_1", Keras("lstm_1/kernel"), Keras("lstm_1/recurrent_kernel"), Keras("lstm_1/bias")),
    KerasLayerWeights.Create("Dense", "dense", Keras("dense/kernel"), Keras("dense/bias")),
];
string kerasPath = Path.Combine(Path.GetTempPath(), $"quickstart-{Environment.ProcessId}.weights.h5");
KerasWeightsWriter.WriteWeights(kerasPath, kerasLayers);
try
{
    KerasFile saved = KerasFile.Read(kerasPath);
    Console.WriteLine();
    Console.WriteLine($"Saved as a Keras 3 .weights.h5 ({new FileInfo(kerasPath).Length} bytes) and read back ({saved.Format}):");
    foreach (KerasWeightGroup group in saved.WeightGroups)
    {
        Console.WriteLine($"  {group.Path,-14} {string.Join(", ", group.Weights.Select(w => $"{w.Name} {w.ShapeText}"))}");
    }
    IReadOnlyList<string> groups = KerasNaming.WeightGroupNames(kerasLayers.Select(l => l.ClassName)); // lstm, lstm_1, dense
    bool same = kerasLayers.Select((layer, i) => (layer, saved.WeightGroups.Single(g => g.Name == groups[i])))
        .All(p => p.layer.AllWeights.Zip(p.Item2.Weights).All(w => w.First.Values.AsSpan().SequenceEqual(w.Second.Values)));
    Console.WriteLine($"Every value read back identical: {same}");
}
finally
{
    File.Delete(kerasPath);
}

/// <summary>Next-month forecaster: 12 months in, stacked LSTMs, one value out.</summary>
[Sequential(Seed = 42)]
[Input(12, 1)]
[Lstm(32, ReturnSequences = true)]
[Lstm(32)]
[Dense(1)]
public partial class PassengerForecaster;
