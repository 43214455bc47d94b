using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Threading.Tasks;
using System.Xml.Linq;
using LstmGen.Generators.Tests.TestHelpers;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Generators.Tests;

/// <summary>
/// The LstmGen package as a user gets it: <c>dotnet pack src/LstmGen --no-build</c> of the runtime and the four generator
/// and code-fix assemblies this test project was built with (the solution's build, in this test's configuration: packing
/// them again in a folder of its own compiled the runtime and all four a second time, about 30 s of CPU on 2 cores), then a
/// new console project that references the package
/// by PackageReference from a local folder source (System.Numerics.Tensors comes from the default source), declares models,
/// builds with warnings as errors (so the generator and code-fix assemblies must load cleanly in the compiler) and
/// runs; the outputs are checked against hand-computed values. Finally an invalid model must fail the build with the
/// packaged analyzer's LSTMGEN104. About 10-15 s, mostly in the child dotnet processes, so it runs beside the unit tests
/// (a collection of its own), and its builds use the compiler server (<see cref="Server"/>). Filter out with
/// <c>--filter Category!=Integration</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PackageTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The compiler server (VBCSCompiler, shared with other builds, as a user's builds are) instead of a cold csc per
    /// compilation: the same compiler, with the package's analyzers loaded from their own (unique) paths; the test alone went
    /// from 63 to 33 s on 2 cores. MSBuild node reuse stays off (<see cref="DotnetCli"/>), and the server does not hold the output pipes.
    /// </summary>
    private const string Server = "-p:UseSharedCompilation=true";

    /// <summary>The configuration this test project, and so the runtime and generators it references, was built in.</summary>
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly ITestOutputHelper _log;

    public PackageTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public async Task PackedPackage_BuildsAndRunsAConsumerProject()
    {
        string repository = DotnetCli.RepositoryRoot();
        string root = Path.Combine(Path.GetTempPath(), "lstmgen-pack-" + Guid.NewGuid().ToString("N")[..12]);
        // A version of its own, so no copy of another build in a packages folder can stand in for this one.
        string version = "0.1.0-packtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(root);
        try
        {
            string feed = Path.Combine(root, "feed");
            CommandResult pack = await DotnetCli.RunDotnetAsync(_log, repository, CommandTimeout,
                "pack", Path.Combine(repository, "src", "LstmGen", "LstmGen.csproj"), "-c", Configuration, "--no-build", "-o", feed,
                "-p:Version=" + version, "-p:NuspecOutputPath=" + Path.Combine(root, "nuspec") + "/"); // the .nuspec outside the repository's obj
            Assert.True(pack.ExitCode == 0, pack.ToString());

            string package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
            Assert.Equal($"LstmGen.{version}.nupkg", Path.GetFileName(package));
            AssertPackageContents(package, version);
            // The symbols package beside it: the runtime's PDB.
            using (ZipArchive symbols = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(feed, "*.snupkg"))))
            {
                Assert.Contains(symbols.Entries, e => e.FullName == "lib/net10.0/LstmGen.pdb");
            }

            string app = Path.Combine(root, "app");
            WriteConsumer(root, app, feed, version);
            // This SDK (compiler Roslyn 5.9) picks the highest folder not newer than its compiler: roslyn4.14.
            CommandResult build = await DotnetCli.RunDotnetAsync(_log, app, CommandTimeout, "build", "-c", "Release", Server);
            await AssertConsumerBuildsAndRunsAsync(app, build, "roslyn4.14");

            // A host that does not version Roslyn components (an SDK before 6.0.100, NuGet's targets for non-SDK projects):
            // every analyzers folder reaches the compiler and SupportsRoslynComponentVersioning is unset. The consumer
            // simulates it (LstmGenTestUnversionedHost). buildTransitive/LstmGen.targets must leave only the roslyn4.8
            // build, which must load in this compiler and generate the same models (else CS0101 twice over, or CS8032).
            CommandResult unversioned = await DotnetCli.RunDotnetAsync(_log, app, CommandTimeout, "build", "-c", "Release", "--no-restore",
                "--no-incremental", Server, "-p:SupportsRoslynComponentVersioning=false", "-p:LstmGenTestUnversionedHost=true");
            await AssertConsumerBuildsAndRunsAsync(app, unversioned, "roslyn4.8");

            CommandResult bad = await DotnetCli.RunDotnetAsync(_log, app, CommandTimeout,
                "build", "-c", "Release", "--no-restore", Server, "-p:DefineConstants=LSTMGEN_BAD_MODEL");
            Assert.True(bad.ExitCode != 0, "The invalid model built:\n" + bad);
            Assert.Contains("error LSTMGEN104", bad.Output, StringComparison.Ordinal);
            Assert.Contains("set ReturnSequences = true on 'lstm'", bad.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("LSTMGEN_KEEP_TEMP") is not "1")
            {
                try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            else
            {
                _log.WriteLine("Kept " + root);
            }
        }
    }

    /// <summary>
/// One package: runtime in lib/net10.0, generator and code fixes built against Roslyn 4.14 and 4.8 in
/// analyzers/dotnet/roslyn4.14/cs and analyzers/dotnet/roslyn4.8/cs (each referencing exactly its Roslyn version), the
/// README, one dependency.
/// </summary>
    private void AssertPackageContents(string package, string version)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] entries = zip.Entries.Select(e => e.FullName).Where(n => !n.StartsWith("package/", StringComparison.Ordinal) &&
            !n.StartsWith("_rels/", StringComparison.Ordinal) && n != "[Content_Types].xml").OrderBy(n => n, StringComparer.Ordinal).ToArray();
        _log.WriteLine("Package entries:\n  " + string.Join("\n  ", entries));
        Assert.Equal(new[]
        {
            "LICENSE",
            "LstmGen.nuspec",
            "README.md",
            "analyzers/dotnet/roslyn4.14/cs/LstmGen.CodeFixes.dll",
            "analyzers/dotnet/roslyn4.14/cs/LstmGen.Generators.dll",
            "analyzers/dotnet/roslyn4.8/cs/LstmGen.CodeFixes.dll",
            "analyzers/dotnet/roslyn4.8/cs/LstmGen.Generators.dll",
            "buildTransitive/LstmGen.targets",
            "lib/net10.0/LstmGen.dll",
            "lib/net10.0/LstmGen.xml",
        }, entries);

        foreach ((string folder, Version roslyn) in new[] { ("roslyn4.14", new Version(4, 14, 0, 0)), ("roslyn4.8", new Version(4, 8, 0, 0)) })
        {
            foreach (string name in new[] { "LstmGen.Generators", "LstmGen.CodeFixes" })
            {
                using var image = new MemoryStream();
                using (Stream entry = zip.GetEntry($"analyzers/dotnet/{folder}/cs/{name}.dll")!.Open())
                {
                    entry.CopyTo(image);
                }
                image.Position = 0;
                using var pe = new PEReader(image);
                MetadataReader reader = pe.GetMetadataReader();
                Assert.Equal(name, reader.GetString(reader.GetAssemblyDefinition().Name));
                Version[] references = reader.AssemblyReferences.Select(reader.GetAssemblyReference)
                    .Where(r => reader.GetString(r.Name).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
                    .Select(r => r.Version).Distinct().ToArray();
                Assert.True(references.Length == 1 && references[0] == roslyn,
                    $"{folder}/cs/{name}.dll references Roslyn {string.Join(", ", references.Select(v => v.ToString()))}, expected {roslyn}");
            }
        }

        using Stream nuspec = zip.GetEntry("LstmGen.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("LstmGen", Value("id"));
        Assert.Equal(version, Value("version"));
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("https://github.com/lstmgen/lstmgen", Value("projectUrl"));
        Assert.Equal("https://github.com/lstmgen/lstmgen",
            (string?)metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url"));
        Assert.StartsWith("# Release notes", Value("releaseNotes"), StringComparison.Ordinal);
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string?)e.Attribute("id")).ToArray();
        Assert.Equal(new[] { "System.Numerics.Tensors" }, dependencies);
    }

    private static void WriteConsumer(string root, string app, string feed, string version)
    {
        Directory.CreateDirectory(app);
        // Stop MSBuild's upward search for Directory.*.props at the temp root.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");

        // The local feed beside the machine's default sources; a packages folder of its own (with the user's as a
        // read-only fallback), so the test package never enters the user's cache.
        string userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string fallback = Directory.Exists(userPackages)
            ? $"  <fallbackPackageFolders>\n    <add key=\"user\" value=\"{userPackages}\" />\n  </fallbackPackageFolders>\n"
            : "";
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(root, "packages")}" />
              </config>
              <packageSources>
                <add key="lstmgen-local" value="{feed}" />
              </packageSources>
            {fallback}</configuration>
            """);

        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <IsAotCompatible>true</IsAotCompatible>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LstmGen" Version="{version}" />
              </ItemGroup>
              <!-- A host that does not version Roslyn components: every assembly under the package's analyzers/dotnet, as
                   NuGet's targets for non-SDK projects pass them (this SDK, with its CompilerApiVersion, passes only the
                   highest folder not newer than its compiler; without one, none). Runs before the package's targets. -->
              <Target Name="SimulateUnversionedHost" Condition="'$(LstmGenTestUnversionedHost)' == 'true'"
                      BeforeTargets="ResolvePackageDependenciesForBuild" AfterTargets="ResolvePackageAssets">
                <ItemGroup>
                  <Analyzer Remove="@(Analyzer)" Condition="'%(Analyzer.NuGetPackageId)' == 'LstmGen'" />
                  <Analyzer Include="{Path.Combine(root, "packages", "lstmgen", version, "analyzers", "dotnet")}/**/*.dll" NuGetPackageId="LstmGen" />
                </ItemGroup>
              </Target>
              <!-- Which of the package's analyzer assemblies the compiler gets (asserted by the test). -->
              <Target Name="PrintLstmGenAnalyzers" BeforeTargets="CoreCompile">
                <Message Importance="high" Condition="'%(Analyzer.NuGetPackageId)' == 'LstmGen'" Text="lstmgen-analyzer: %(Analyzer.Identity)" />
              </Target>
            </Project>
            """);

        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using System.Globalization;
            using System.Linq;
            using LstmGen;

            static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

            // Dense with set weights: y = x . kernel + bias.
            var affine = new Affine();
            affine.Weights.Set("dense/kernel", new float[] { 1, 2, 3, 4, 5, 6 });   // (3, 2)
            affine.Weights.Set("dense/bias", new float[] { 0.5f, -0.5f });
            var y = new float[Affine.OutputLength];
            affine.Predict(new float[] { 1, 1, 1 }, y);
            Console.WriteLine("affine=" + string.Join(",", y.Select(F)));

            // One LSTM unit over two steps with set weights (gate order i, f, c, o).
            var tiny = new TinyLstm();
            tiny.Weights.Set("lstm/kernel", new float[] { 0.1f, 0.2f, 0.3f, 0.4f });
            tiny.Weights.Set("lstm/recurrent_kernel", new float[] { 0.5f, 0.6f, 0.7f, 0.8f });
            tiny.Weights.Set("lstm/bias", new float[] { 0.01f, 0.02f, 0.03f, 0.04f });
            var h = new float[TinyLstm.OutputLength];
            tiny.Predict(new float[] { 1f, 2f }, h);
            Console.WriteLine("tiny=" + F(h[0]));

            // The README's model with Keras-initialised weights: whole window and streamed step by step agree.
            var stock = new StockModel();
            float[] window = Enumerable.Range(0, StockModel.InputLength).Select(i => i / 10f).ToArray();
            var forecast = new float[StockModel.OutputLength];
            stock.Predict(window, forecast);
            var stream = stock.OpenStream();
            var streamed = new float[StockModel.OutputLength];
            for (int t = 0; t < window.Length; t++)
            {
                stream.Step(window.AsSpan(t, 1), streamed);
            }
            Console.WriteLine("stock_parameters=" + StockModel.ParameterCount.ToString(CultureInfo.InvariantCulture));
            Console.WriteLine("stock=" + F(forecast[0]));
            Console.WriteLine("stream_matches=" + (Math.Abs(forecast[0] - streamed[0]) < 1e-5f && float.IsFinite(forecast[0])));

            [Sequential, Input(3), Dense(2)]
            public partial class Affine;

            [Sequential, Input(2, 1), Lstm(1)]
            public partial class TinyLstm;

            [Sequential(Seed = 42)]
            [Input(10, 1)]
            [Lstm(50, ReturnSequences = true)]
            [Lstm(50)]
            [Dense(1)]
            public partial class StockModel;
            """);

        File.WriteAllText(Path.Combine(app, "Broken.cs"), """
            #if LSTMGEN_BAD_MODEL
            using LstmGen;

            [Sequential, Input(10, 1), Lstm(8), Lstm(8)]
            public partial class Broken;
            #endif
            """);
    }

    /// <summary>
    /// The build succeeded with no warning, the compiler got exactly the generator and code fixes of
    /// <paramref name="folder"/> (the consumer prints its LstmGen analyzers), and the built program prints the expected values.
    /// </summary>
    private async Task AssertConsumerBuildsAndRunsAsync(string app, CommandResult build, string folder)
    {
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", build.Output); // e.g. CS8032: an analyzer assembly that does not load
        string[] analyzers = System.Text.RegularExpressions.Regex.Matches(build.Output, @"lstmgen-analyzer: (\S+)")
            .Select(m => m.Groups[1].Value.Replace('\\', '/'))
            .Select(p => p[(p.IndexOf("/analyzers/dotnet/", StringComparison.Ordinal) + "/analyzers/dotnet/".Length)..])
            .Distinct().OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { $"{folder}/cs/LstmGen.CodeFixes.dll", $"{folder}/cs/LstmGen.Generators.dll" }, analyzers);

        CommandResult run = await DotnetCli.RunDotnetAsync(_log, app, CommandTimeout, Path.Combine(app, "bin", "Release", "net10.0", "Consumer.dll"));
        Assert.True(run.ExitCode == 0, run.ToString());
        _log.WriteLine(run.Output);
        AssertConsumerOutput(run.Output);
    }

    private static void AssertConsumerOutput(string output)
    {
        Dictionary<string, string> values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

        Assert.Equal("9.5,11.5", values["affine"]);
        Assert.Equal(TinyLstmReference(), double.Parse(values["tiny"], CultureInfo.InvariantCulture), 6);
        // Keras's count: lstm 4*50*(1+50+1), lstm_1 4*50*(50+50+1), dense 50+1.
        Assert.Equal("30651", values["stock_parameters"]);
        Assert.True(double.IsFinite(double.Parse(values["stock"], CultureInfo.InvariantCulture)));
        Assert.Equal("True", values["stream_matches"]);
    }

    /// <summary>The LSTM equations (Keras: i, f, c, o; sigmoid gates, tanh cell) for the consumer's TinyLstm, in double.</summary>
    private static double TinyLstmReference()
    {
        double[] kernel = { 0.1, 0.2, 0.3, 0.4 }, recurrent = { 0.5, 0.6, 0.7, 0.8 }, bias = { 0.01, 0.02, 0.03, 0.04 };
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        double h = 0, c = 0;
        foreach (double x in new[] { 1.0, 2.0 })
        {
            double Z(int gate) => (float)kernel[gate] * x + (float)recurrent[gate] * h + (float)bias[gate];
            double i = Sigmoid(Z(0)), f = Sigmoid(Z(1)), g = Math.Tanh(Z(2)), o = Sigmoid(Z(3));
            c = f * c + i * g;
            h = o * Math.Tanh(c);
        }
        return h;
    }
}
