using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using LstmGen.Generators.Tests.TestHelpers;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Every C# code block of README.md and docs/**/*.md (docs/api excepted, which docfx writes) is compiled as a user would
/// paste it: against the LstmGen runtime, with the generator, the LstmGen analyzer and the .NET SDK's code analyzers (so
/// CA2014, stackalloc in a loop, fails too), as a console project with <c>dotnet new console</c>'s implicit usings and
/// nullable reference types. Each block says how, in an HTML comment on the line before it (invisible on GitHub):
/// <list type="bullet">
/// <item><c>&lt;!-- compile: program --&gt;</c>: a whole Program.cs (top-level statements and types).</item>
/// <item><c>&lt;!-- compile: library --&gt;</c>: declarations only (a class library file).</item>
/// <item><c>&lt;!-- compile: unit NAME --&gt;</c>: a part of one program; all blocks of the file with this NAME make one
/// project: their top-level statements, in order, are its Program.cs, each block's declarations a file of their own, and
/// the using directives of all of them head every file.</item>
/// <item><c>&lt;!-- compile: expect ID[, ID...] --&gt;</c>: declarations that must produce exactly these diagnostic IDs (the
/// bad examples of the diagnostics pages).</item>
/// <item><c>&lt;!-- compile: skip REASON --&gt;</c>: not compiled, for the reason given (required).</item>
/// </list>
/// <c>&lt;!-- output: NAME --&gt;</c> before a plain code block says that the program of unit NAME prints these lines: the
/// program is built, run in a folder of its own (with the files of samples/data whose names its code quotes, as the
/// walkthrough tells a reader to copy them) and must print every line of the block, in order, exactly.
/// Lines after the first line of the comment, up to <c>--&gt;</c>, are hidden setup code put before the block (for
/// example the variables a fragment uses). <c>&lt;!-- compile-preamble: CODE --&gt;</c> anywhere in a file adds CODE (for
/// example <c>global using LstmGen;</c>) to every block of that file. A C# block without a marker fails the test, and so
/// does a marker that is not followed by a C# block. Errors and warnings (compiler, analyzers, generator) are reported with
/// the Markdown file and line; Info diagnostics (LSTMGEN201), which a build does not show, count only in an <c>expect</c>
/// block that lists them.
/// </summary>
public sealed class DocumentationTests(ITestOutputHelper log)
{
    /// <summary>The implicit usings of a <c>dotnet new console</c> project (ImplicitUsings enabled).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest, DocumentationMode.Parse);

    private static readonly Lazy<DocSet> Docs = new(() => DocSet.Load(RepositoryRoot()));


    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> SdkAnalyzers = new(LoadSdkAnalyzers);

    /// <summary>One entry per compiled unit (a block, or the blocks of one <c>unit</c>), by id, e.g. <c>README.md:23</c>.</summary>
    public static TheoryData<string> Units()
    {
        var data = new TheoryData<string>();
        foreach (DocUnit unit in Docs.Value.Units)
        {
            data.Add(unit.Id);
        }
        return data;
    }

    [Fact]
    public void Every_csharp_block_is_marked_compiled_or_skipped_with_a_reason()
    {
        DocSet docs = Docs.Value;
        Assert.True(docs.Problems.Count == 0, "Code blocks in the docs without a valid compile marker:\n" + string.Join("\n", docs.Problems));
        Assert.Contains(docs.Files, f => f == "README.md");
        Assert.Contains(docs.Units, u => u.File == "README.md");
        Assert.DoesNotContain(docs.Files, f => f.StartsWith("docs/api/", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_diagnostic_has_a_page_and_a_row_in_the_index()
    {
        // The analyzer's descriptors, and the MSBuild warnings of the package's build logic (buildTransitive/*.targets).
        string root = RepositoryRoot();
        var titles = DiagnosticDescriptors.All.ToDictionary(d => d.Id, d => d.Title.ToString(CultureInfo.InvariantCulture));
        foreach (string targets in Directory.GetFiles(Path.Combine(root, "src", "LstmGen", "buildTransitive"), "*.targets"))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(targets), @"<Warning\s+Code=""(?<id>[^""]+)"""))
            {
                titles.Add(m.Groups["id"].Value, "");
            }
        }
        Assert.Contains("LSTMGENAOT01", titles.Keys);
        string index = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
        var problems = new List<string>();
        foreach ((string id, string title) in titles.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            string page = Path.Combine(root, "docs", "diagnostics", id + ".md");
            if (!File.Exists(page))
            {
                problems.Add($"{id}: no page docs/diagnostics/{id}.md");
                continue;
            }
            string heading = File.ReadLines(page).First();
            if (!heading.StartsWith($"# {id}: {title}", StringComparison.Ordinal))
            {
                problems.Add($"{id}: the page's heading '{heading}' is not '# {id}: {title}'");
            }
            if (!index.Contains($"[{id}]({id}.md)", StringComparison.Ordinal))
            {
                problems.Add($"{id}: no row in docs/diagnostics/README.md");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Relative_links_in_the_docs_point_at_files()
    {
        // README.md and docs/**/*.md, docs/api included; outside code blocks; the part before '#' (anchors are not checked).
        string root = RepositoryRoot();
        var files = new List<string> { Path.Combine(root, "README.md") };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories));
        var broken = new List<string>();
        int checkedLinks = 0;
        foreach (string file in files)
        {
            string text = Regex.Replace(File.ReadAllText(file), @"^\s*(`{3,}|~{3,}).*?^\s*\1", "", RegexOptions.Multiline | RegexOptions.Singleline);
            foreach (Match m in Regex.Matches(text, @"\]\((?<target>[^)\s]+)\)"))
            {
                string target = Regex.Replace(m.Groups["target"].Value, @"\\(.)", "$1");  // Markdown escapes, as docfx writes \- and \#
                if (Regex.IsMatch(target, "^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase) || target.StartsWith('#'))
                {
                    continue;
                }
                checkedLinks++;
                string path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(target.Split('#')[0])));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetRelativePath(root, file)}: ({m.Groups["target"].Value}) -> {Path.GetRelativePath(root, path)} does not exist");
                }
            }
        }
        Assert.True(checkedLinks > 100, $"only {checkedLinks} links found");
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void The_sdk_code_analyzers_are_loaded()
    {
        // Without them a stackalloc in a loop (CA2014) would compile unnoticed.
        Assert.Contains(SdkAnalyzers.Value, a => a.SupportedDiagnostics.Any(d => d.Id == "CA2014"));
        string[] problems = Compile(new DocUnit("test", "test.md", DocKind.Program, null, [new DocBlock("test.md", 1, """
            Span<float> y = stackalloc float[1];
            for (int i = 0; i < 3; i++)
            {
                Span<float> x = stackalloc float[] { i };
                y[0] += x[0];
            }
            Console.WriteLine(y[0]);
            """, [], 0)], ""));
        Assert.Contains(problems, p => p.Contains("CA2014", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void Code_block_compiles(string id)
    {
        DocUnit unit = Docs.Value.Units.Single(u => u.Id == id);
        // Info diagnostics (LSTMGEN201) are advice a build does not show: they count only where a block expects them.
        string[] problems = Compile(unit)
            .Where(p => !p.Contains(": info ", StringComparison.Ordinal) || unit.Expected is { } e && e.Any(x => p.Contains($": info {x}:", StringComparison.Ordinal)))
            .ToArray();
        if (unit.Expected is { } expected)
        {
            string[] ids = problems.Select(p => Regex.Match(p, @": (?:error|warning|info) ([A-Z]+[0-9A-Z]+):").Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.True(ids.SequenceEqual(expected.Order(StringComparer.Ordinal)),
                $"{unit.Id} should produce exactly {string.Join(", ", expected)}; it produced:\n" + string.Join("\n", problems));
        }
        else
        {
            Assert.True(problems.Length == 0, $"{unit.Id} does not compile cleanly:\n" + string.Join("\n", problems));
        }
    }

    /// <summary>The units whose printed output the docs show (<c>&lt;!-- output: NAME --&gt;</c>).</summary>
    public static TheoryData<string> UnitsWithOutput()
    {
        var data = new TheoryData<string>();
        foreach (string id in Docs.Value.Outputs.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(id);
        }
        return data;
    }

    [Fact]
    public void The_walkthrough_programs_have_their_output_shown()
    {
        Assert.Contains("docs/walkthrough.md#forecaster", Docs.Value.Outputs.Keys);
        Assert.Contains("docs/walkthrough.md#classifier", Docs.Value.Outputs.Keys);
    }

    [Theory]
    [MemberData(nameof(UnitsWithOutput))]
    public async Task Program_prints_what_the_docs_show(string id)
    {
        DocUnit unit = Docs.Value.Units.Single(u => u.Id == id);
        DocOutput shown = Docs.Value.Outputs[id];
        string root = RepositoryRoot();
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-doc-run-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        try
        {
            (Compilation output, _) = Generate(unit);
            using (FileStream pe = File.Create(Path.Combine(dir, "DocSnippet.dll")))
            {
                Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(pe);
                Assert.True(emitted.Success, $"{id} does not build:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Describe)));
            }
            // A framework-dependent app without a deps.json: the host loads the assemblies beside it.
            int major = Environment.Version.Major;
            File.WriteAllText(Path.Combine(dir, "DocSnippet.runtimeconfig.json"),
                $"{{ \"runtimeOptions\": {{ \"tfm\": \"net{major}.0\", \"framework\": {{ \"name\": \"Microsoft.NETCore.App\", \"version\": \"{major}.0.0\" }} }} }}\n");
            foreach (Assembly assembly in GeneratorDriverHelper.RuntimeAssemblies)
            {
                File.Copy(assembly.Location, Path.Combine(dir, Path.GetFileName(assembly.Location)));
            }
            string code = string.Join("\n", unit.Blocks.Select(b => b.Code));
            string[] data = Directory.GetFiles(Path.Combine(root, "samples", "data"), "*", SearchOption.AllDirectories)
                .Where(f => code.Contains($"\"{Path.GetFileName(f)}\"", StringComparison.Ordinal))
                .ToArray();
            foreach (string file in data)
            {
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            }

            CommandResult run = await DotnetCli.RunDotnetAsync(log, dir, TimeSpan.FromMinutes(5), "DocSnippet.dll");
            Assert.True(run.ExitCode == 0, $"{id} failed, with the data files {string.Join(", ", data.Select(Path.GetFileName))}:\n{run}");
            string[] printed = run.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            int from = 0;
            foreach (string line in shown.Lines)
            {
                int at = Array.IndexOf(printed, line, from);
                Assert.True(at >= 0, $"{shown.File}:{shown.FirstLine}: the docs show '{line}' (after the lines before it), which {id} did not print. It printed:\n{run.Output}");
                from = at + 1;
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [Fact]
    public void Output_markers_name_a_unit_of_their_file_and_precede_a_plain_block()
    {
        string[] unit = ["<!-- compile: unit demo -->", "```csharp", "Console.WriteLine(\"hi\");", "```"];
        DocSet good = DocSet.FromLines("a.md", [.. unit, "<!-- output: demo -->", "```", "hi", "```"]);
        Assert.Empty(good.Problems);
        Assert.Equal(["hi"], good.Outputs["a.md#demo"].Lines);
        Assert.Equal(7, good.Outputs["a.md#demo"].FirstLine); // the line of "hi"

        Assert.Contains("which is no 'compile: unit other'", Assert.Single(DocSet.FromLines("a.md", [.. unit, "<!-- output: other -->", "```", "hi", "```"]).Problems), StringComparison.Ordinal);
        Assert.Contains("before a C# block", Assert.Single(DocSet.FromLines("a.md", [.. unit, "<!-- output: demo -->", "```csharp", "hi", "```"]).Problems), StringComparison.Ordinal);
        Assert.Contains("not followed by a code block", Assert.Single(DocSet.FromLines("a.md", [.. unit, "<!-- output: demo -->", "prose", "```", "hi", "```"]).Problems), StringComparison.Ordinal);
        Assert.Contains("not followed by a code block", Assert.Single(DocSet.FromLines("a.md", [.. unit, "<!-- output: demo -->"]).Problems), StringComparison.Ordinal);
        Assert.Contains("a second output marker", Assert.Single(DocSet.FromLines("a.md", [.. unit, "<!-- output: demo -->", "```", "hi", "```", "<!-- output: demo -->", "```", "hi", "```"]).Problems), StringComparison.Ordinal);
        Assert.Contains("must be '<!-- output: UNIT -->' on one line", Assert.Single(DocSet.FromLines("a.md", [.. unit, "<!-- output: two words -->", "```", "hi", "```"]).Problems), StringComparison.Ordinal);
    }

    /// <summary>The unit's compilation (as <see cref="BuildTrees"/> lays it out) with the generator's code, and the generator's diagnostics.</summary>
    private static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics) Generate(DocUnit unit)
    {
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, Parse, "ImplicitUsings.g.cs"),
        };
        if (unit.Preamble.Length > 0)
        {
            trees.Add(CSharpSyntaxTree.ParseText(unit.Preamble, Parse, unit.File + ".preamble.cs"));
        }
        trees.AddRange(BuildTrees(unit));
        var options = new CSharpCompilationOptions(
            unit.Kind == DocKind.Program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 9999,
            allowUnsafe: false,
            deterministic: true);
        CSharpCompilation compilation = CSharpCompilation.Create("DocSnippet", trees, GeneratorDriverHelper.References, options);

        GeneratorDriver driver = CSharpGeneratorDriver.Create([new SequentialGenerator().AsSourceGenerator()], parseOptions: Parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = Assert.Single(driver.GetRunResult().Results);
        Assert.Null(result.Exception);
        return (output, generatorDiagnostics);
    }

    /// <summary>
    /// Compiles a unit with the generator and the analyzers; returns its problems as <c>file:line: severity ID: message</c>
    /// (LSTMGEN diagnostics of any severity, others from warning up; suppressed ones left out).
    /// </summary>
    private static string[] Compile(DocUnit unit)
    {
        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics) = Generate(unit);
        var exceptions = new List<Exception>();
        var analyzerOptions = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (ex, analyzer, _) => { lock (exceptions) exceptions.Add(new InvalidOperationException(analyzer.ToString(), ex)); },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<DiagnosticAnalyzer> analyzers = SdkAnalyzers.Value.Add(new TopologyAnalyzer());
        ImmutableArray<Diagnostic> diagnostics = output.WithAnalyzers(analyzers, analyzerOptions)
            .GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(exceptions.Count == 0, "An analyzer threw:\n" + string.Join("\n", exceptions));

        return generatorDiagnostics.Concat(diagnostics)
            .Where(d => !d.IsSuppressed)
            .Where(d => d.Id.StartsWith("LSTMGEN", StringComparison.Ordinal) ? d.Severity >= DiagnosticSeverity.Info : d.Severity >= DiagnosticSeverity.Warning)
            .Select(Describe)
            .Distinct()
            .ToArray();
    }

    private static string Describe(Diagnostic d)
    {
        FileLinePositionSpan span = d.Location.GetMappedLineSpan();
        string where = d.Location == Location.None ? "(no location)" : $"{span.Path}:{span.StartLinePosition.Line + 1}";
        return $"{where}: {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The syntax trees of a unit, as the files of one small project, each piece preceded by a <c>#line</c> directive to
    /// its place in the Markdown file: Program.cs with the top-level statements of every block in order (a block's hidden
    /// setup first), and one file per block with its declarations. The using directives of all the unit's blocks (and
    /// setups) head every file, as a user pasting the blocks into one project would put them where needed.
    /// </summary>
    private static IEnumerable<SyntaxTree> BuildTrees(DocUnit unit)
    {
        // Each block's hidden setup is parsed as a piece of its own before the block, so that setup statements never come
        // before the block's using directives.
        var pieces = new List<(DocBlock Block, bool IsSetup, CompilationUnitSyntax Root)>();
        foreach (DocBlock block in unit.Blocks)
        {
            if (block.Setup.Length > 0)
            {
                pieces.Add((block, true, (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(string.Join("\n", block.Setup), Parse).GetRoot()));
            }
            pieces.Add((block, false, (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Code, Parse).GetRoot()));
        }

        string Mapped((DocBlock Block, bool IsSetup, CompilationUnitSyntax Root) piece, SyntaxNode node, bool full)
        {
            int line = piece.Root.SyntaxTree.GetLineSpan(full ? node.FullSpan : node.Span).StartLinePosition.Line;
            int markdown = piece.IsSetup ? piece.Block.SetupLine + line : piece.Block.FirstLine + line;
            return $"#line {markdown} \"{piece.Block.File}\"\n{(full ? node.ToFullString() : node.ToString())}\n";
        }

        var usings = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var piece in pieces)
        {
            foreach (ExternAliasDirectiveSyntax alias in piece.Root.Externs)
            {
                if (seen.Add(alias.ToString())) usings.Append(Mapped(piece, alias, full: false));
            }
        }
        foreach (var piece in pieces)
        {
            foreach (UsingDirectiveSyntax u in piece.Root.Usings)
            {
                if (seen.Add(u.ToString())) usings.Append(Mapped(piece, u, full: false));
            }
        }

        var statements = new StringBuilder();
        var trees = new List<SyntaxTree>();
        int index = 0;
        foreach (var piece in pieces)
        {
            index++;
            CompilationUnitSyntax root = piece.Root;
            var declarations = new StringBuilder();
            foreach (AttributeListSyntax attributes in root.AttributeLists)
            {
                declarations.Append(Mapped(piece, attributes, full: true));
            }
            foreach (MemberDeclarationSyntax member in root.Members)
            {
                if (member is GlobalStatementSyntax statement)
                {
                    statements.Append(Mapped(piece, statement, full: true));
                }
                else
                {
                    declarations.Append(Mapped(piece, member, full: true));
                }
            }
            // Directives after the last member (e.g. a closing #pragma) are kept with the block.
            SyntaxToken end = root.EndOfFileToken;
            if (end.LeadingTrivia.Any(t => t.IsDirective || t.IsKind(SyntaxKind.SkippedTokensTrivia)))
            {
                int line = root.SyntaxTree.GetLineSpan(end.FullSpan).StartLinePosition.Line;
                int markdown = piece.IsSetup ? piece.Block.SetupLine + line : piece.Block.FirstLine + line;
                declarations.Append($"#line {markdown} \"{piece.Block.File}\"\n{end.LeadingTrivia.ToFullString()}\n");
            }
            if (declarations.Length > 0)
            {
                trees.Add(CSharpSyntaxTree.ParseText(usings.ToString() + declarations, Parse, $"{piece.Block.File}.block{index}.cs"));
            }
        }
        if (statements.Length > 0)
        {
            trees.Insert(0, CSharpSyntaxTree.ParseText(usings.ToString() + statements, Parse, $"{unit.File}.Program.cs"));
        }
        else if (trees.Count == 0)
        {
            trees.Add(CSharpSyntaxTree.ParseText(usings.ToString(), Parse, $"{unit.File}.usings.cs"));
        }
        return trees;
    }

    private static string RepositoryRoot()
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

    /// <summary>
    /// The .NET SDK's code analyzers (Microsoft.CodeAnalysis.NetAnalyzers, which a build runs with their default
    /// severities), from the SDK beside the dotnet running the tests: the newest SDK that has them.
    /// </summary>
    private static ImmutableArray<DiagnosticAnalyzer> LoadSdkAnalyzers()
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "dotnet");
        string root = Path.GetDirectoryName(Path.GetFullPath(dotnet))!;
        string? folder = Directory.Exists(Path.Combine(root, "sdk"))
            ? Directory.GetDirectories(Path.Combine(root, "sdk"))
                .Select(d => Path.Combine(d, "Sdks", "Microsoft.NET.Sdk", "analyzers"))
                .Where(d => File.Exists(Path.Combine(d, "Microsoft.CodeAnalysis.CSharp.NetAnalyzers.dll")))
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(d))))?.Split('-')[0], out Version? v) ? v : new Version(0, 0))
                .FirstOrDefault()
            : null;
        Assert.True(folder is not null, $"No .NET SDK with code analyzers under {root}/sdk.");
        var loader = new AnalyzerLoader();
        var analyzers = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
        foreach (string name in new[] { "Microsoft.CodeAnalysis.NetAnalyzers.dll", "Microsoft.CodeAnalysis.CSharp.NetAnalyzers.dll" })
        {
            var reference = new AnalyzerFileReference(Path.Combine(folder!, name), loader);
            var failures = new List<string>();
            reference.AnalyzerLoadFailed += (_, e) => failures.Add($"{name}: {e.Message}");
            // Only the analyzers with a rule a build reports as a warning or an error by default: the findings of the
            // others (suggestions, rules off by default) would be filtered out anyway.
            analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp)
                .Where(a => a.SupportedDiagnostics.Any(d => d.IsEnabledByDefault && d.DefaultSeverity >= DiagnosticSeverity.Warning)));
            Assert.True(failures.Count == 0, "SDK analyzers failed to load:\n" + string.Join("\n", failures));
        }
        return analyzers.ToImmutable();
    }

    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    private enum DocKind
    {
        Program,
        Library,
    }

    /// <summary>One code block: its Markdown file, the 1-based line of its first code line, its code, and its hidden setup with the line of the setup's first line.</summary>
    private sealed record DocBlock(string File, int FirstLine, string Code, string[] Setup, int SetupLine);

    /// <summary>What a unit's program prints, as the Markdown shows it: the block's lines and the 1-based line of the first.</summary>
    private sealed record DocOutput(string File, int FirstLine, string[] Lines);

    /// <summary>What is compiled as one project: a block, or the blocks of one <c>unit</c>.</summary>
    private sealed record DocUnit(string Id, string File, DocKind Kind, string[]? Expected, List<DocBlock> Blocks, string Preamble);

    /// <summary>The Markdown files, their compiled units, and the problems with their markers.</summary>
    private sealed class DocSet
    {
        public List<string> Files { get; } = [];

        public List<DocUnit> Units { get; } = [];

        public List<string> Problems { get; } = [];

        /// <summary>The output blocks (<c>&lt;!-- output: NAME --&gt;</c>), by the id of the unit whose program prints them.</summary>
        public Dictionary<string, DocOutput> Outputs { get; } = new(StringComparer.Ordinal);

        public static DocSet Load(string root)
        {
            var set = new DocSet();
            var files = new List<string> { Path.Combine(root, "README.md") };
            files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(root, f).Replace('\\', '/').StartsWith("docs/api/", StringComparison.Ordinal)));
            foreach (string path in files.OrderBy(f => f, StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
                set.Files.Add(relative);
                set.Read(relative, File.ReadAllLines(path));
            }
            return set;
        }

        /// <summary>One Markdown file's units, outputs and problems (for the marker tests).</summary>
        public static DocSet FromLines(string file, params string[] lines)
        {
            var set = new DocSet();
            set.Files.Add(file);
            set.Read(file, lines);
            return set;
        }

        private static readonly Regex Fence = new(@"^(?<indent>\s*)(?<fence>`{3,}|~{3,})\s*(?<lang>[^\s`]*)", RegexOptions.Compiled);

        private void Read(string file, string[] lines)
        {
            var preamble = new StringBuilder();
            var units = new Dictionary<string, DocUnit>(StringComparer.Ordinal);
            (string Mode, string[] Setup, int Line, int SetupLine)? pending = null;
            (string Unit, int Line)? pendingOutput = null;
            var outputs = new List<(string Unit, int Line, DocOutput Output)>();
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                string trimmed = line.Trim();
                Match outputMarker = Regex.Match(trimmed, @"^<!--\s*output:\s*(?<unit>[A-Za-z0-9_-]+)\s*-->$");
                if (outputMarker.Success || trimmed.StartsWith("<!-- output", StringComparison.Ordinal))
                {
                    if (!outputMarker.Success || pending is not null || pendingOutput is not null)
                    {
                        Problems.Add($"{file}:{i + 1}: an output marker must be '<!-- output: UNIT -->' on one line, before a code block, and not between a compile marker and its block");
                        pending = null;
                        pendingOutput = null;
                        continue;
                    }
                    pendingOutput = (outputMarker.Groups["unit"].Value, i + 1);
                    continue;
                }
                if (trimmed.StartsWith("<!-- compile", StringComparison.Ordinal))
                {
                    if (pending is { } stale)
                    {
                        Problems.Add($"{file}:{stale.Line}: a compile marker not followed by a C# code block");
                    }
                    int start = i;
                    var comment = new List<string> { trimmed };
                    while (!lines[i].Contains("-->", StringComparison.Ordinal) && i + 1 < lines.Length)
                    {
                        comment.Add(lines[++i]);
                    }
                    string first = comment[0]["<!--".Length..];
                    bool oneLine = first.Contains("-->", StringComparison.Ordinal);
                    if (oneLine)
                    {
                        first = first[..first.IndexOf("-->", StringComparison.Ordinal)];
                    }
                    string[] rest = oneLine ? [] : comment.Skip(1).Select(l => l.Replace("-->", "", StringComparison.Ordinal)).ToArray();
                    if (rest.Length > 0 && rest[^1].Trim().Length == 0)
                    {
                        rest = rest[..^1];
                    }
                    first = first.Trim();
                    if (first.StartsWith("compile-preamble:", StringComparison.Ordinal))
                    {
                        preamble.AppendLine(first["compile-preamble:".Length..].Trim());
                        foreach (string l in rest) preamble.AppendLine(l);
                        continue;
                    }
                    if (!first.StartsWith("compile:", StringComparison.Ordinal))
                    {
                        Problems.Add($"{file}:{start + 1}: unknown marker '{first}'; expected 'compile: program|library|unit NAME|expect IDS|skip REASON' or 'compile-preamble: CODE'");
                        continue;
                    }
                    pending = (first["compile:".Length..].Trim(), rest, start + 1, start + 2);
                    continue;
                }
                Match fence = Fence.Match(line);
                if (!fence.Success)
                {
                    if (trimmed.Length > 0 && pending is { } orphan)
                    {
                        Problems.Add($"{file}:{orphan.Line}: a compile marker not followed by a C# code block");
                        pending = null;
                    }
                    if (trimmed.Length > 0 && pendingOutput is { } lost)
                    {
                        Problems.Add($"{file}:{lost.Line}: an output marker not followed by a code block");
                        pendingOutput = null;
                    }
                    continue;
                }
                // A fenced block: find its end (same fence character, at least as long).
                string marker = fence.Groups["fence"].Value;
                int indent = fence.Groups["indent"].Length;
                int open = i;
                var code = new List<string>();
                for (i++; i < lines.Length; i++)
                {
                    string t = lines[i].Trim();
                    if (t.Length >= marker.Length && t.All(c => c == marker[0]))
                    {
                        break;
                    }
                    code.Add(lines[i].Length >= indent && lines[i][..indent].Trim().Length == 0 ? lines[i][indent..] : lines[i].TrimStart());
                }
                string lang = fence.Groups["lang"].Value.ToLowerInvariant();
                bool csharp = lang is "csharp" or "cs" or "c#";
                if (pendingOutput is { } printed)
                {
                    pendingOutput = null;
                    if (csharp)
                    {
                        Problems.Add($"{file}:{printed.Line}: an output marker before a C# block (it goes before the block that shows what the program prints)");
                    }
                    else
                    {
                        outputs.Add((printed.Unit, printed.Line, new DocOutput(file, open + 2, code.ToArray())));
                    }
                    continue;
                }
                if (!csharp)
                {
                    if (pending is { } wrong)
                    {
                        Problems.Add($"{file}:{wrong.Line}: a compile marker before a '{lang}' block (only C# blocks are compiled)");
                        pending = null;
                    }
                    continue;
                }
                if (pending is not { } mark)
                {
                    Problems.Add($"{file}:{open + 1}: a C# code block without a marker; put <!-- compile: program|library|unit NAME|expect IDS|skip REASON --> on the line before it");
                    continue;
                }
                pending = null;
                var block = new DocBlock(file, open + 2, string.Join("\n", code), mark.Setup, mark.SetupLine);
                string[] words = mark.Mode.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                string mode = words.Length > 0 ? words[0] : "";
                string argument = words.Length > 1 ? words[1] : "";
                string id = $"{file}:{open + 1}";
                switch (mode)
                {
                    case "program" when argument.Length == 0:
                        Units.Add(new DocUnit(id, file, DocKind.Program, null, [block], ""));
                        break;
                    case "library" when argument.Length == 0:
                        Units.Add(new DocUnit(id, file, DocKind.Library, null, [block], ""));
                        break;
                    case "unit" when Regex.IsMatch(argument, @"^[A-Za-z0-9_-]+$"):
                        if (units.TryGetValue(argument, out DocUnit? unit))
                        {
                            unit.Blocks.Add(block);
                        }
                        else
                        {
                            unit = new DocUnit($"{file}#{argument}", file, DocKind.Program, null, [block], "");
                            units.Add(argument, unit);
                            Units.Add(unit);
                        }
                        break;
                    case "expect" when argument.Length > 0:
                        string[] ids = argument.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        Units.Add(new DocUnit(id, file, DocKind.Library, ids, [block], ""));
                        break;
                    case "skip" when argument.Length > 0:
                        break;
                    default:
                        Problems.Add($"{file}:{mark.Line}: invalid marker 'compile: {mark.Mode}'; expected program, library, unit NAME, expect IDS or skip REASON (a reason is required)");
                        break;
                }
            }
            if (pending is { } last)
            {
                Problems.Add($"{file}:{last.Line}: a compile marker not followed by a C# code block");
            }
            if (pendingOutput is { } unfinished)
            {
                Problems.Add($"{file}:{unfinished.Line}: an output marker not followed by a code block");
            }
            foreach ((string name, int markerLine, DocOutput output) in outputs)
            {
                if (!units.TryGetValue(name, out DocUnit? unit))
                {
                    Problems.Add($"{file}:{markerLine}: an output marker for '{name}', which is no 'compile: unit {name}' of this file");
                }
                else if (!Outputs.TryAdd(unit.Id, output))
                {
                    Problems.Add($"{file}:{markerLine}: a second output marker for '{name}'");
                }
            }
            // The preamble applies to the whole file, wherever it is written.
            for (int u = 0; u < Units.Count; u++)
            {
                if (Units[u].File == file)
                {
                    Units[u] = Units[u] with { Preamble = preamble.ToString() };
                }
            }
        }
    }
}
