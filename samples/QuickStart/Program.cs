// LstmGen quick start: declare a model with attributes, let the generator check its shapes at compile time and write
// its code, then run it on real data (monthly airline passengers, 1949-1960, shipped in samples/data).
//
// First the generated API on the Keras-default initialisation (seeded): shapes as constants, Keras weight names, batch
// and single-sample Predict, the streaming form, the errors for bad input, and the Keras round trip (KerasExport saves
// a .weights.h5 and a .keras archive, KerasImport loads the archive back). Then a short training run: Fit on the
// first 80% of the windows, the test range's error, and the weights saved and loaded back (safetensors). Everything is
// seeded, so the output is the same on every run; it is also the target of the trim/NativeAOT check (tests/aot-check.sh),
// which compares a published binary's output and speed with this program under the JIT.
using System.Globalization;
using LstmGen;
using LstmGen.Import;

string csv = args.Length > 0 && args[0].Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data", "airline-passengers.csv");
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

// Keras interop: save the weights in Keras 3's layout (Python: model.load_weights("forecaster.weights.h5") on the same
// Keras model) and the whole model as a .keras archive (keras.models.load_model("forecaster.keras")), then load the
// archive back into a fresh model with KerasImport, which checks its layers against the declaration first.
string kerasWeights = Path.Combine(Path.GetTempPath(), $"quickstart-{Environment.ProcessId}.weights.h5");
string kerasModel = Path.Combine(Path.GetTempPath(), $"quickstart-{Environment.ProcessId}.keras");
try
{
    KerasExport.SaveWeights(model, kerasWeights);
    KerasExport.SaveModel(model, kerasModel, new KerasWriteOptions { DateSaved = new DateTime(2026, 1, 1) });
    KerasFile saved = KerasFile.Read(kerasWeights);
    Console.WriteLine();
    Console.WriteLine($"Saved as a Keras 3 .weights.h5 ({new FileInfo(kerasWeights).Length} bytes) and read back ({saved.Format}):");
    foreach (KerasWeightGroup group in saved.WeightGroups)
    {
        Console.WriteLine($"  {group.Path,-14} {string.Join(", ", group.Weights.Select(w => $"{w.Name} {w.ShapeText}"))}");
    }
    var reloaded = new PassengerForecaster(new ModelOptions { Seed = 1 });
    KerasImportResult imported = KerasImport.Load(reloaded, kerasModel);
    var again = new float[windows];
    reloaded.PredictBatch(inputs, again, windows);
    Console.WriteLine($"Saved as a .keras archive ({imported.File.Model!.Layers.Count} layers in its config) and loaded back: {imported.Parameters} values, "
        + $"predictions {(again.SequenceEqual(outputs) ? "identical" : "DIFFERENT")}");
}
finally
{
    File.Delete(kerasWeights);
    File.Delete(kerasModel);
}

// Training: the first 80% of the windows, next month's value as the target (scaled to [0, 1] with the whole series'
// range to keep this short; samples/TimeSeries fits the scaler on the training range only, as it should be).
Console.WriteLine();
Console.WriteLine($"Kernels: {KernelInfo.Description}");
var targets = new float[windows];
for (int i = 0; i < windows; i++) targets[i] = scaled[i + PassengerForecaster.InputSteps];
int trainCount = windows * 4 / 5;
float[] trainX = inputs[..(trainCount * PassengerForecaster.InputLength)], trainY = targets[..trainCount];
float[] testX = inputs[(trainCount * PassengerForecaster.InputLength)..], testY = targets[trainCount..];
int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
var trained = new PassengerForecaster();
var clock = System.Diagnostics.Stopwatch.StartNew();
History history = trained.Fit(trainX, trainY, new FitOptions
{
    Loss = Loss.MeanSquaredError, Optimizer = new Adam(), Epochs = epochs, BatchSize = 16, Seed = 7, Verbose = Verbosity.Silent,
});
double fitSeconds = clock.Elapsed.TotalSeconds;
IReadOnlyList<double> loss = history["loss"];
Console.WriteLine($"Fit: {trainCount} windows, {epochs} epochs, batch 16, Adam: loss {loss[0]:G6} after epoch 1, {loss[loss.Count / 2]:G6} after {loss.Count / 2 + 1}, {loss[^1]:G6} after {loss.Count}");

var forecast = new float[testY.Length];
trained.PredictBatch(testX, forecast, testY.Length);
double Rmse(float[] f) => Math.Sqrt(f.Select((v, i) => (double)(v - testY[i]) * (v - testY[i])).Average()) * (max - min);
float[] naive = testX.Where((_, i) => i % PassengerForecaster.InputLength == PassengerForecaster.InputLength - 1).ToArray();
Console.WriteLine($"Test range ({testY.Length} months): RMSE {Rmse(forecast):F4} thousand passengers (naive last value {Rmse(naive):F4})");

string weightsFile = Path.Combine(Path.GetTempPath(), $"quickstart-{Environment.ProcessId}.safetensors");
try
{
    SafeTensors.Save(trained.Weights, weightsFile);
    var loaded = new PassengerForecaster();
    SafeTensors.Load(loaded.Weights, weightsFile);
    var again = new float[testY.Length];
    loaded.PredictBatch(testX, again, testY.Length);
    Console.WriteLine($"Saved and loaded {new FileInfo(weightsFile).Length} bytes of safetensors: predictions {(again.SequenceEqual(forecast) ? "identical" : "DIFFERENT")}");
    Console.WriteLine($"Forecasts for the last 4 test months: {string.Join(", ", again[^4..].Select(v => (v * (max - min) + min).ToString("F4", CultureInfo.InvariantCulture)))} (actual {string.Join(", ", testY[^4..].Select(v => (v * (max - min) + min).ToString("F1", CultureInfo.InvariantCulture)))})");
}
finally
{
    File.Delete(weightsFile);
}

// ONNX: the trained model as an .onnx file for ONNX Runtime (server, mobile, web) and Netron; batch-major input as PredictBatch.
string onnxFile = Path.Combine(Path.GetTempPath(), $"quickstart-{Environment.ProcessId}.onnx");
try
{
    trained.ExportOnnx(onnxFile);
    Console.WriteLine($"Exported as ONNX (opset {LstmGen.Export.OnnxExport.Opset}, input (batch, 12, 1)): {new FileInfo(onnxFile).Length} bytes");
}
finally
{
    File.Delete(onnxFile);
}

// Timings for tests/aot-check.sh and docs/performance.md, on standard error (the output above is the same on every run).
if (Environment.GetEnvironmentVariable("QUICKSTART_TIMING") == "1")
{
    var one = new float[1];
    for (int i = 0; i < 200; i++) trained.Predict(testX.AsSpan(0, PassengerForecaster.InputLength), one);
    const int Predictions = 20000;
    clock.Restart();
    for (int i = 0; i < Predictions; i++) trained.Predict(testX.AsSpan(i % testY.Length * PassengerForecaster.InputLength, PassengerForecaster.InputLength), one);
    double predictMicroseconds = clock.Elapsed.TotalMicroseconds / Predictions;
    Console.Error.WriteLine(FormattableString.Invariant($"timing: fit {fitSeconds:F3} s, predict (batch 1) {predictMicroseconds:F2} us"));
}

/// <summary>Next-month forecaster: 12 months in, stacked LSTMs, one value out.</summary>
[Sequential(Seed = 42)]
[Input(12, 1)]
[Lstm(32, ReturnSequences = true)]
[Lstm(32)]
[Dense(1)]
public partial class PassengerForecaster;
