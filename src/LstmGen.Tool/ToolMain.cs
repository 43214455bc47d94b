using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using LstmGen.Import;

namespace LstmGen.Tool;

/// <summary>The <c>lstmgen</c> command line: <c>declare</c> and <c>convert</c>.</summary>
internal static class ToolMain
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line.</summary>
    public const int UsageError = 1;

    /// <summary>The file holds layers LstmGen cannot declare (the declaration is still written, with comments at their place).</summary>
    public const int Unsupported = 2;

    /// <summary>The file cannot be read, or does not hold what the command needs.</summary>
    public const int FileError = 3;

    public const string Usage = """
        lstmgen: LstmGen declarations and weights from trained Keras models.

        Usage:
          lstmgen declare <model.keras|model.h5> [--steps N] [--name ClassName] [--namespace Ns] [--keep-names] [-o File.cs]
              Writes the LstmGen declaration of the file's model ([Sequential] [Input(60, 1)] [Lstm(64, ReturnSequences = true)]
              [Dropout(0.2)] ...) to standard output (or File.cs) and the model's summary to standard error (standard output
              with -o). Layers LstmGen cannot declare are listed with their Keras class and position (exit code 2).
                --steps N       the number of steps, for files that leave it open (input shape (None, None, features))
                --name C        the class name (default: from the file name, e.g. lstm_model.keras -> LstmModel, gru.h5 -> GruModel)
                --namespace Ns  a file-scoped namespace for the declaration
                --keep-names    keep the file's layer names (Name = "lstm_4"): LstmGen's weight names are then the file's
          lstmgen convert <model.keras|model.h5> <out.safetensors> [--steps N] [--keep-names]
              Writes the file's weights as safetensors under LstmGen's weight names and layouts (lstm/kernel, ...) for the
              model `declare` writes with the same options (load them with SafeTensors.Load(model.Weights, path)).

        Exit codes: 0 done, 1 bad command line, 2 unsupported layers, 3 the file cannot be read or used.
        """;

    /// <summary>Runs a command.</summary>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? UsageError : Ok;
        }
        try
        {
            return args[0] switch
            {
                "declare" => Declare(args[1..], stdout, stderr),
                "convert" => Convert(args[1..], stdout, stderr),
                _ => throw new UsageException($"unknown command '{args[0]}': use declare or convert"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"lstmgen: {e.Message}");
            stderr.WriteLine("Run 'lstmgen --help' for the usage.");
            return UsageError;
        }
        catch (KerasFormatException e)
        {
            stderr.WriteLine($"lstmgen: {e.Message}");
            return e is KerasUnsupportedLayerException ? Unsupported : FileError;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"lstmgen: {e.Message}");
            return FileError;
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine($"lstmgen: {e.Message}");
            return FileError;
        }
    }

    private sealed class UsageException(string message) : Exception(message);

    private sealed class Options
    {
        public List<string> Positional { get; } = [];
        public int? Steps { get; set; }
        public string? Name { get; set; }
        public string? Namespace { get; set; }
        public bool KeepNames { get; set; }
        public string? Output { get; set; }
    }

    private static Options Parse(string[] args, bool declare)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"{a} needs a value");
                }
                return args[++i];
            }
            switch (a)
            {
                case "--steps":
                    string s = Value();
                    if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int steps) || steps <= 0)
                    {
                        throw new UsageException($"--steps takes a positive integer, not '{s}'");
                    }
                    o.Steps = steps;
                    break;
                case "--keep-names":
                    o.KeepNames = true;
                    break;
                case "--name" when declare:
                    o.Name = Value();
                    break;
                case "--namespace" when declare:
                    o.Namespace = Value();
                    break;
                case "-o" or "--output" when declare:
                    o.Output = Value();
                    break;
                default:
                    if (a.StartsWith('-') && a.Length > 1)
                    {
                        throw new UsageException($"unknown option '{a}'");
                    }
                    o.Positional.Add(a);
                    break;
            }
        }
        return o;
    }

    /// <summary>A class name from a file name, ending in Model (no clash with LstmGen's attributes): lstm_model.keras -> LstmModel, gru.h5 -> GruModel.</summary>
    internal static string ClassNameFor(string path)
    {
        string stem = Path.GetFileName(path);
        int dot = stem.IndexOf('.');
        if (dot > 0)
        {
            stem = stem[..dot];
        }
        var b = new StringBuilder();
        bool upper = true;
        foreach (char c in stem)
        {
            if (char.IsLetterOrDigit(c) && c < 128)
            {
                b.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }
        string name = b.ToString();
        if (name.Length == 0)
        {
            return "ImportedModel";
        }
        if (char.IsDigit(name[0]))
        {
            name = "Model" + name;
        }
        return name.EndsWith("Model", StringComparison.Ordinal) ? name : name + "Model";
    }

    private static KerasDeclaration DeclarationOf(KerasFile file, string path, Options o) =>
        KerasDeclaration.Create(file, new KerasDeclarationOptions
        {
            ClassName = o.Name ?? ClassNameFor(path),
            Namespace = o.Namespace,
            Steps = o.Steps,
            KeepLayerNames = o.KeepNames,
        });

    private static int Declare(string[] args, TextWriter stdout, TextWriter stderr)
    {
        Options o = Parse(args, declare: true);
        if (o.Positional.Count != 1)
        {
            throw new UsageException(o.Positional.Count == 0 ? "declare needs a model file" : $"declare takes one model file, not {o.Positional.Count} ({string.Join(", ", o.Positional)})");
        }
        string path = o.Positional[0];
        KerasDeclaration d;
        try
        {
            d = DeclarationOf(KerasFile.Read(path), path, o);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        TextWriter info = o.Output is null ? stderr : stdout;
        if (o.Output is null)
        {
            stdout.Write(d.Source);
        }
        else
        {
            File.WriteAllText(o.Output, d.Source, new UTF8Encoding(false));
        }
        info.Write(d.Summary);
        if (o.Output is not null)
        {
            info.WriteLine($"Declaration written to {o.Output}.");
        }
        if (!d.IsComplete)
        {
            stderr.WriteLine($"lstmgen: {d.Unsupported.Count} layer(s) of {Path.GetFileName(path)} cannot be declared:");
            foreach (KerasUnsupportedLayer u in d.Unsupported)
            {
                stderr.WriteLine($"  {u}");
            }
            return Unsupported;
        }
        return Ok;
    }

    private static int Convert(string[] args, TextWriter stdout, TextWriter stderr)
    {
        Options o = Parse(args, declare: false);
        if (o.Positional.Count != 2)
        {
            throw new UsageException($"convert takes a model file and an output file, not {o.Positional.Count} argument(s)");
        }
        string path = o.Positional[0], output = o.Positional[1];
        KerasFile file = KerasFile.Read(path);
        KerasDeclaration d = DeclarationOf(file, path, o);
        if (!d.IsComplete)
        {
            stderr.WriteLine($"lstmgen: {d.Unsupported.Count} layer(s) of {Path.GetFileName(path)} cannot be declared, so its weights have no LstmGen names:");
            foreach (KerasUnsupportedLayer u in d.Unsupported)
            {
                stderr.WriteLine($"  {u}");
            }
            return Unsupported;
        }
        var warnings = new List<string>();
        IReadOnlyList<KeyValuePair<string, float[]>> weights = KerasImport.ReadWeights(d.Architecture!, d.WeightShape, file, null, warnings);
        var entries = new List<WeightInfo>();
        int offset = 0;
        foreach ((string name, float[] values) in weights)
        {
            var info = new WeightInfo(name, d.WeightShape(name).ToArray(), offset, WeightInitializer.Zeros);
            entries.Add(info);
            offset += values.Length;
        }
        var store = new WeightStore(d.Architecture!.ModelName, entries);
        store.SetMany(weights);
        SafeTensors.Save(store, output);
        foreach (string w in warnings)
        {
            stderr.WriteLine($"lstmgen: warning: {w}");
        }
        stdout.WriteLine($"Wrote {entries.Count} tensors ({offset.ToString("N0", CultureInfo.InvariantCulture)} values) to {output}:");
        foreach (WeightInfo e in entries)
        {
            stdout.WriteLine($"  {e.Name} {e.ShapeText}");
        }
        return Ok;
    }
}
