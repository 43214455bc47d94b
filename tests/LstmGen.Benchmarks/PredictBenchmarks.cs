using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>BenchmarkDotNet suite: Predict of the benchmark models at batch 1 and 32.</summary>
[MemoryDiagnoser]
public class PredictBenchmarks
{
    private W1Model _w1 = null!;
    private W2Model _w2 = null!;
    private int[] _tokens = null!;
    private float[] _series = null!;
    private float[] _y = null!;

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new System.Random(1234);
        _w1 = new W1Model();
        _w2 = new W2Model();
        _tokens = new int[Batch * W1Model.InputLength];
        for (int i = 0; i < _tokens.Length; i++) _tokens[i] = rng.Next(1, W1Model.Vocabulary);
        _series = new float[Batch * W2Model.InputLength];
        for (int i = 0; i < _series.Length; i++) _series[i] = (float)rng.NextDouble();
        _y = new float[Batch];
    }

    [Benchmark(Description = "W1 Embedding(5000,128)-LSTM(128)-Dense(1) x20")]
    public void W1() => _w1.PredictBatch(_tokens, _y, Batch);

    [Benchmark(Description = "W2 LSTM(50,seq)-LSTM(50)-Dense(1) x10")]
    public void W2() => _w2.PredictBatch(_series, _y, Batch);
}
