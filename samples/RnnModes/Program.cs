// Every RNN mode of the classic "many-to-one and many-to-many LSTM examples in Keras" question, each on a small task
// where that mode is what the task needs, trained with Fit and scored on held-out data.
//
//   dotnet run -c Release --project samples/RnnModes                 # all modes, default epochs (about a minute)
//   dotnet run -c Release --project samples/RnnModes -- encoder-decoder --epochs 200
//   dotnet run -c Release --project samples/RnnModes -- --quiet        # one summary line per mode
using RnnModes;

string? only = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
int? epochs = args.SkipWhile(a => a != "--epochs").Skip(1).Select(int.Parse).Cast<int?>().FirstOrDefault();
bool verbose = !args.Contains("--quiet");
var selected = Modes.All.Where(m => only is null || m.Name == only).ToArray();
if (selected.Length == 0)
{
    Console.Error.WriteLine($"Unknown mode '{only}'. Modes: {string.Join(", ", Modes.All.Select(m => m.Name))}.");
    return 2;
}
int missed = 0;
foreach (var (name, defaultEpochs, run) in selected)
{
    Console.WriteLine($"== {name}: training {epochs ?? defaultEpochs} epochs ...");
    ModeResult result = run(epochs ?? defaultEpochs, verbose ? Console.Out : null);
    Console.WriteLine(result);
    if (!result.Passed) missed++;
}
return missed == 0 ? 0 : 1;
