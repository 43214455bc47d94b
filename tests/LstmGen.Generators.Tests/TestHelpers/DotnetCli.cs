using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>The result of one command: exit code, stdout and stderr interleaved, and how long it took.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"$ {Command}\n(exit {ExitCode} after {Elapsed.TotalSeconds:F1} s)\n{Output}";
}

/// <summary>
/// Runs the dotnet CLI (and built programs) for the integration tests: the dotnet that runs the tests, MSBuild node reuse
/// and the MSBuild server off (a node that outlives the command would inherit the output pipes and hang the read), the
/// compiler server only where a command asks for it (-p:UseSharedCompilation=true; VBCSCompiler starts with pipes of its
/// own), MSBuild variables of the test host removed, a time limit per command, and every command logged to the test output.
/// </summary>
internal static class DotnetCli
{
    /// <summary>The dotnet executable running the tests (the CLI sets DOTNET_HOST_PATH), else "dotnet" from PATH.</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The repository root: the folder above the test binaries that holds LstmGen.sln.</summary>
    public static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LstmGen.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException($"No LstmGen.sln above {AppContext.BaseDirectory}.");
    }

    public static Task<CommandResult> RunDotnetAsync(ITestOutputHelper log, string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync(log, Dotnet, workingDirectory, timeout, arguments);

    public static async Task<CommandResult> RunAsync(ITestOutputHelper log, string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var inherited = new List<string>();
        foreach (string key in start.Environment.Keys)
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase))
            {
                inherited.Add(key);
            }
        }
        foreach (string key in inherited)
        {
            start.Environment.Remove(key);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";

        string command = fileName + " " + string.Join(" ", arguments);
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited;
        try
        {
            using var cancel = new System.Threading.CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cancel.Token);
            exited = true;
        }
        catch (OperationCanceledException)
        {
            exited = false;
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        // Drains the asynchronous output; bounded, so that a child that kept the pipes open cannot hang the test.
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            lock (output) output.AppendLine("(the output pipes stayed open after the process exited)");
        }
        var result = new CommandResult(command, exited ? process.ExitCode : -1, output.ToString(), stopwatch.Elapsed);
        log.WriteLine($"$ {command}  (exit {result.ExitCode}, {result.Elapsed.TotalSeconds:F1} s)");
        if (!exited)
        {
            throw new TimeoutException($"Timed out after {timeout}: {result}");
        }
        return result;
    }
}
