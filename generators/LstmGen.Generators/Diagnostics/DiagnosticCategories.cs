namespace LstmGen.Generators.Diagnostics;

internal static class DiagnosticCategories
{
    public const string Usage = "LstmGen.Usage";
    public const string Topology = "LstmGen.Topology";
    public const string Performance = "LstmGen.Performance";
    public const string Internal = "LstmGen.Internal";
}
