namespace LstmGen.Generators.Helpers;

/// <summary>Hash combining for netstandard2.0 (no System.HashCode there).</summary>
internal static class HashCode
{
    public static int Combine(int h1, int h2)
    {
        unchecked
        {
            return ((h1 << 5) + h1) ^ h2;
        }
    }
}
