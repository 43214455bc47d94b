// Sentiment analysis (many-to-one) on real review sentences, the README's main job:
//
//   dotnet run -c Release --project samples/Sentiment                       # train, evaluate, save (about a minute)
//   dotnet run -c Release --project samples/Sentiment -- --epochs 20        # a longer run
//   dotnet run -c Release --project samples/Sentiment -- classify "Great phone." "Awful food."
using Sentiment;

if (args.FirstOrDefault() == "classify")
{
    string dir = "sentiment-model";
    string[] sentences = args.Skip(1).ToArray();
    if (sentences.Length == 0)
    {
        Console.Error.WriteLine("Usage: classify \"sentence\" [\"sentence\" ...]");
        return 2;
    }
    SentimentSample.ClassifySaved(dir, sentences, Console.Out);
    return 0;
}

int epochs = args.SkipWhile(a => a != "--epochs").Skip(1).Select(int.Parse).DefaultIfEmpty(15).First();
int workers = args.SkipWhile(a => a != "--workers").Skip(1).Select(int.Parse).DefaultIfEmpty(2).First();
SentimentResult result = SentimentSample.Run(new SentimentOptions { Epochs = epochs, Workers = workers });
return result.TestAccuracy > result.MajorityBaseline ? 0 : 1;
