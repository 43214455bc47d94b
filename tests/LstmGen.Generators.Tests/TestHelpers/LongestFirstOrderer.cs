using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("LstmGen.Generators.Tests.TestHelpers.LongestFirstOrderer", "LstmGen.Generators.Tests")]

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// Starts the longest test classes first (xunit runs one collection per class, two at a time on 2 cores): the package
/// test (child dotnet processes), the four parts of the property test, then the other slow classes, then the rest in
/// xunit's default order. Longest first keeps both threads busy to the end instead of leaving one long class alone;
/// the order changes nothing else (each class is independent).
/// </summary>
public sealed class LongestFirstOrderer : ITestCollectionOrderer
{
    /// <summary>The slow classes, slowest first (measured on 2 cores; see the README of this project).</summary>
    private static readonly string[] Slowest =
    [
        "." + nameof(PackageTests),
        "." + nameof(PropertyTests) + "+",
        "." + nameof(DiagnosticTests),
        "." + nameof(DocumentationTests),
        "." + nameof(CodeFixTests),
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .Select((collection, index) => (collection, index))
            .OrderBy(c => Rank(c.collection.DisplayName))
            .ThenBy(c => c.index)
            .Select(c => c.collection);

    private static int Rank(string displayName)
    {
        for (int i = 0; i < Slowest.Length; i++)
        {
            if (displayName.Contains(Slowest[i], StringComparison.Ordinal))
            {
                return i;
            }
        }
        return Slowest.Length;
    }
}
