using Xunit;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// The slow tests (the dotnet CLI, timings): one collection that xunit runs alone, after the parallel unit tests, so that
/// they neither slow the others down nor are timed while the others run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection
{
    public const string Name = "Integration";
}
