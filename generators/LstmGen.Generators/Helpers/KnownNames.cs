namespace LstmGen.Generators.Helpers;

/// <summary>Metadata names of the runtime's attributes.</summary>
internal static class KnownNames
{
    public const string Namespace = "LstmGen";
    public const string SequentialAttribute = "LstmGen.SequentialAttribute";

    public const string Sequential = "SequentialAttribute";
    public const string Bidirectional = "BidirectionalAttribute";
    public const string TimeDistributed = "TimeDistributedAttribute";

    /// <summary>True for the marker, the wrappers and every attribute a layer unit reads.</summary>
    public static bool IsModelAttribute(string name) =>
        name is Sequential or Bidirectional or TimeDistributed || Layers.LayerRegistry.Find(name) is not null;
}
