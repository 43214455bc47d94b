using System.Globalization;
using LstmGen;
using LstmGen.Data;

namespace Sentiment;

/// <summary>Options of a run; the defaults are the sample's default run (about a minute on two cores).</summary>
public sealed record SentimentOptions
{
    public string DataDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "data");
    public int Epochs { get; init; } = 15;
    public int Workers { get; init; } = 2;
    public string? SaveDirectory { get; init; } = "sentiment-model";
    public TextWriter? Output { get; init; } = Console.Out;
    public Verbosity Verbose { get; init; } = Verbosity.ProgressBar;
}

/// <summary>The held-out result of a run.</summary>
public sealed record SentimentResult(int TrainSamples, int TestSamples, double TestAccuracy, double TestLoss, double MajorityBaseline, TimeSpan TrainingTime);

/// <summary>
/// Sentiment of short reviews (UCI "Sentiment Labelled Sentences": IMDb, Amazon and Yelp, 3000 sentences):
/// tokenise, pad to 40 tokens at the end (the mask makes the LSTM skip the padding), train with early stopping on a
/// validation tenth of the training data, evaluate once on a held-out fifth,
/// save the weights (safetensors) and the tokenizer, classify.
/// </summary>
public static class SentimentSample
{
    public const int VocabularySize = 2000;
    public const int MaxLength = 40;

    public static SentimentResult Run(SentimentOptions options)
    {
        TextWriter log = options.Output ?? TextWriter.Null;
        var texts = new List<string>();
        var labels = new List<float>();
        foreach (string file in new[] { "imdb_labelled.txt", "amazon_cells_labelled.txt", "yelp_labelled.txt" })
        {
            (string[] t, float[] l) = Datasets.ReadLabelledSentences(Path.Combine(options.DataDirectory, file));
            texts.AddRange(t);
            labels.AddRange(l);
        }
        log.WriteLine($"Read {texts.Count} labelled sentences ({labels.Count(l => l == 1)} positive) from {options.DataDirectory}.");

        // A shuffled 80/20 split; the tokenizer only sees the training texts.
        (int[] train, int[] test) = Split.Shuffled(texts.Count, testFraction: 0.2, seed: 7);
        var tokenizer = new Tokenizer { NumWords = VocabularySize, OovToken = "<oov>" };
        tokenizer.FitOnTexts(train.Select(i => texts[i]));
        log.WriteLine($"Vocabulary: {tokenizer.WordIndex.Count} words seen in training, the {VocabularySize - 1} most frequent kept (plus <oov>).");

        int[] Encode(IEnumerable<string> items) =>
            Sequences.Pad(tokenizer.TextsToSequences(items), MaxLength, padding: Padding.Post, truncating: Truncating.Post);
        int[] xTrain = Encode(train.Select(i => texts[i]));
        int[] xTest = Encode(test.Select(i => texts[i]));
        float[] yTrain = train.Select(i => labels[i]).ToArray();
        float[] yTest = test.Select(i => labels[i]).ToArray();

        var model = new SentimentModel();
        log.WriteLine(SentimentModel.Summary);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        model.Fit(xTrain, yTrain, new FitOptions
        {
            Loss = SentimentModel.DeclaredLoss, // binary cross-entropy, declared on [Sequential] and checked against the output
            Optimizer = new Adam(0.003f),
            Epochs = options.Epochs,
            BatchSize = 32,
            Seed = 1,
            Metrics = [Metric.BinaryAccuracy()],
            Workers = options.Workers,
            Verbose = options.Output is null ? Verbosity.Silent : options.Verbose,
            Output = log,
            // A tenth of the training sentences validates; the test fifth is only used once, at the end.
            ValidationSplit = 0.1,
            EarlyStopping = new EarlyStopping { Monitor = "val_loss", Patience = 2, RestoreBestWeights = true },
        });
        TimeSpan trainingTime = clock.Elapsed;

        Evaluation evaluation = model.Evaluate(xTest, yTest, Loss.BinaryCrossEntropy, [Metric.BinaryAccuracy()]);
        double majority = Math.Max(yTest.Average(), 1 - yTest.Average());
        var result = new SentimentResult(train.Length, test.Length, evaluation.Metrics["binary_accuracy"], evaluation.Loss, majority, trainingTime);
        log.WriteLine($"Held-out accuracy {result.TestAccuracy:P1} on {test.Length} sentences (majority class {majority:P1}); loss {evaluation.Loss:F4}; trained in {trainingTime.TotalSeconds:F1}s.");

        if (options.SaveDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            SafeTensors.Save(model.Weights, Path.Combine(dir, "weights.safetensors"));
            tokenizer.Save(Path.Combine(dir, "tokenizer.json"));
            log.WriteLine($"Saved the weights and the tokenizer to {Path.GetFullPath(dir)}.");
        }
        foreach (string sentence in new[] { "I loved this phone, the battery lasts for days.", "The food was cold and the service was terrible.", "Not worth the money." })
        {
            log.WriteLine($"  {Classify(model, tokenizer, sentence):F3}  {sentence}");
        }
        return result;
    }

    /// <summary>The probability that <paramref name="sentence"/> is positive.</summary>
    public static float Classify(SentimentModel model, Tokenizer tokenizer, string sentence)
    {
        int[] tokens = Sequences.Pad(tokenizer.TextsToSequences([sentence]), MaxLength, padding: Padding.Post, truncating: Truncating.Post);
        return model.Predict(tokens)[0];
    }

    /// <summary>Loads a model saved by <see cref="Run"/> and classifies sentences.</summary>
    public static void ClassifySaved(string directory, IEnumerable<string> sentences, TextWriter output)
    {
        string weights = Path.Combine(directory, "weights.safetensors"), tokens = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(weights) || !File.Exists(tokens))
        {
            throw new FileNotFoundException($"No saved model in {Path.GetFullPath(directory)} (weights.safetensors and tokenizer.json); run the sample without 'classify' first.");
        }
        var model = new SentimentModel();
        SafeTensors.Load(model.Weights, weights);
        Tokenizer tokenizer = Tokenizer.Load(tokens);
        foreach (string sentence in sentences)
        {
            float p = Classify(model, tokenizer, sentence);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p:F3} {(p >= 0.5 ? "positive" : "negative")}  {sentence}"));
        }
    }
}
