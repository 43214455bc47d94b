using Xunit;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// The timing tests (<see cref="GeneratorTimingTests"/>): one collection that xunit runs alone, after the parallel tests, so
/// that they are not timed while the others run. (<see cref="PackageTests"/>, mostly waiting on child dotnet processes,
/// runs beside the unit tests.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection
{
    public const string Name = "Integration";
}
