namespace LstmGen.Generators.Helpers;

/// <summary>Names of the tracked pipeline steps (tests assert their run reasons).</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string ValidModels = nameof(ValidModels);
}
