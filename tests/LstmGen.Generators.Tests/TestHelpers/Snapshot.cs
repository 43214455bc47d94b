using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// Snapshot checks with Verify's conventions (Verify itself is not available here): the accepted text lives in
/// <c>Snapshots/{TestClass}.{TestName}#{hintName}.verified.cs</c> beside the test's source file; a mismatch writes
/// <c>*.received.cs</c> beside it and fails with a short diff. Set <c>LSTMGEN_ACCEPT_SNAPSHOTS=1</c> to accept the
/// received text (the verified file is overwritten). The generator version is scrubbed and line endings normalised.
/// </summary>
internal static partial class Snapshot
{
    public const string AcceptVariable = "LSTMGEN_ACCEPT_SNAPSHOTS";
    public const string ScrubbedVersion = "{scrubbed}";

    private static bool Accept => Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true" or "True";

    [GeneratedRegex("""GeneratedCode\("LstmGen", "[^"]*"\)""")]
    private static partial Regex GeneratedCodeVersion();

    public static string Scrub(string text) =>
        GeneratedCodeVersion().Replace(Normalize(text), $"GeneratedCode(\"LstmGen\", \"{ScrubbedVersion}\")");

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    /// <summary>Compares <paramref name="actual"/> (one generated file) with its verified snapshot.</summary>
    /// <param name="actual">The generated text.</param>
    /// <param name="hintName">The generated file's hint name, e.g. <c>Models.OneToOne.g.cs</c>.</param>
    /// <param name="testName">Filled by the compiler: the calling test method.</param>
    /// <param name="sourceFile">Filled by the compiler: the calling test's source file, whose name is the test class.</param>
    public static void Verify(string actual, string hintName, [CallerMemberName] string testName = "", [CallerFilePath] string sourceFile = "")
    {
        string directory = Path.Combine(SourceDirectory(sourceFile), "Snapshots");
        string testClass = Path.GetFileNameWithoutExtension(sourceFile);
        string hint = hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;
        string stem = Path.Combine(directory, $"{testClass}.{testName}#{hint}");
        string verifiedPath = stem + ".verified.cs";
        string receivedPath = stem + ".received.cs";

        string received = Scrub(actual);
        if (!received.EndsWith('\n'))
        {
            received += "\n";
        }
        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;

        if (verified == received)
        {
            File.Delete(receivedPath);
            return;
        }
        if (Accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, received, new UTF8Encoding(false));
            File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(receivedPath, received, new UTF8Encoding(false));
        string message = verified is null
            ? $"No verified snapshot {Path.GetFileName(verifiedPath)}; wrote {Path.GetFileName(receivedPath)}. Review it and rename it, or run with {AcceptVariable}=1."
            : $"Snapshot {Path.GetFileName(verifiedPath)} differs; wrote {Path.GetFileName(receivedPath)} (run with {AcceptVariable}=1 to accept).\n" + DiffExcerpt(verified, received);
        throw new XunitException(message);
    }

    /// <summary>
    /// The folder of the calling source file; when the compiler mapped source paths (deterministic CI builds with
    /// PathMap, e.g. <c>/_/</c>), the project folder found by walking up from the test binaries instead.
    /// </summary>
    private static string SourceDirectory(string sourceFile)
    {
        string? directory = Path.GetDirectoryName(sourceFile);
        if (directory is not null && Directory.Exists(directory))
        {
            return directory;
        }
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LstmGen.Generators.Tests.csproj")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException($"Cannot find the snapshot folder: '{sourceFile}' does not exist and no LstmGen.Generators.Tests.csproj is above {AppContext.BaseDirectory}.");
    }

    /// <summary>The first differing line with a little context, from both sides.</summary>
    internal static string DiffExcerpt(string expected, string actual, int context = 3)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        int first = 0;
        while (first < a.Length && first < b.Length && a[first] == b[first])
        {
            first++;
        }
        var sb = new StringBuilder();
        sb.Append("First difference at line ").Append(first + 1).Append(" (verified ").Append(a.Length)
          .Append(" lines, received ").Append(b.Length).Append(" lines):\n");
        int from = Math.Max(0, first - context);
        for (int i = from; i < first; i++)
        {
            sb.Append("  ").Append(a[i]).Append('\n');
        }
        for (int i = first; i < Math.Min(a.Length, first + context); i++)
        {
            sb.Append("- ").Append(a[i]).Append('\n');
        }
        for (int i = first; i < Math.Min(b.Length, first + context); i++)
        {
            sb.Append("+ ").Append(b[i]).Append('\n');
        }
        return sb.ToString();
    }
}
