using System;
using System.IO;

namespace LstmGen.Tests.Data;

/// <summary>Locates files of the repository (samples/data is not copied to the test output).</summary>
internal static class RepoFiles
{
    /// <summary>The folder holding LstmGen.sln, found by walking up from the test assembly's folder.</summary>
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LstmGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LstmGen.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(FullName);

    public string FullName { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lstmgen-data-" + Guid.NewGuid().ToString("N"));

    public string File(string name, string contents)
    {
        string path = System.IO.Path.Combine(FullName, name);
        System.IO.File.WriteAllText(path, contents);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullName, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
