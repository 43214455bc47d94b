namespace LstmGen.Generators.Helpers;

/// <summary>Metadata names of the runtime's attributes.</summary>
internal static class KnownNames
{
    public const string Namespace = "LstmGen";
    public const string SequentialAttribute = "LstmGen.SequentialAttribute";

    public const string Sequential = "SequentialAttribute";
    public const string Input = "InputAttribute";
    public const string Dense = "DenseAttribute";
    public const string Embedding = "EmbeddingAttribute";
    public const string Lstm = "LstmAttribute";
    public const string Bidirectional = "BidirectionalAttribute";
    public const string TimeDistributed = "TimeDistributedAttribute";
    public const string RepeatVector = "RepeatVectorAttribute";
    public const string SliceLast = "SliceLastAttribute";
    public const string ZeroPadding1D = "ZeroPadding1DAttribute";

    public static bool IsModelAttribute(string name) => name switch
    {
        Sequential or Input or Dense or Embedding or Lstm or Bidirectional or TimeDistributed
            or RepeatVector or SliceLast or ZeroPadding1D => true,
        _ => false,
    };
}
