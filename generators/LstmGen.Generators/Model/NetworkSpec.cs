using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Helpers;

namespace LstmGen.Generators.Model;

// Every spec is immutable and structurally equal: the incremental pipeline caches on their equality, so they hold
// only strings, numbers, enums and EquatableArray — never a symbol, syntax node, location or compilation.

/// <summary>A model class as the parser read it: where to re-open it, its options and its attribute entries in order.</summary>
internal sealed record NetworkSpec(
    TypeHierarchySpec Type,
    int Seed,
    UnrollKind Unroll,
    int SequentialAttributeIndex,
    int Loss,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<DiagnosticInfo> ParseDiagnostics)
{
    /// <summary>
    /// The members the user declared on the model type (outside generated files), as <c>kind|name|parameter types</c>
    /// (kind: method, member, type parameter): the validator checks them against the members the model's code declares.
    /// </summary>
    public EquatableArray<string> UserMembers { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>The model type and its containing namespace and types, to re-open them exactly.</summary>
internal sealed record TypeHierarchySpec(
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    TypeDeclarationSpec Type,
    string HintName)
{
    /// <summary>The name used in messages, e.g. <c>Outer.StockModel</c>.</summary>
    public string DisplayName => Type.Name;
}

/// <summary>One type declaration: its keyword (<c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>) and name with type parameters.</summary>
internal sealed record TypeDeclarationSpec(string Keyword, string Name, string NameWithTypeParameters);

internal enum UnrollKind
{
    Auto = 0,
    Never = 1,
    Always = 2,
}
