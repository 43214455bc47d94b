using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.Generators;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.CodeFixes;

/// <summary>
/// A model class as the analyzer saw it: its symbol, the generator's spec, its LstmGen attributes (which
/// <see cref="LayerSpec.AttributeIndex"/> and DiagnosticInfo.AttributeIndex index) and the validator's result. Code fixes
/// work from this, so they agree with the diagnostics they fix.
/// </summary>
internal sealed class ModelLookup
{
    private ModelLookup(INamedTypeSymbol type, NetworkSpec spec, ImmutableArray<AttributeData> attributes, ValidationResult validation)
    {
        Type = type;
        Spec = spec;
        Attributes = attributes;
        Validation = validation;
    }

    public INamedTypeSymbol Type { get; }

    public NetworkSpec Spec { get; }

    public ImmutableArray<AttributeData> Attributes { get; }

    public ValidationResult Validation { get; }

    /// <summary>The model declared by the type declaration around <paramref name="node"/>, or null if it is none (or unparsable).</summary>
    public static async Task<ModelLookup?> FindAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
    {
        if (node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration ||
            await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } semanticModel ||
            semanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type)
        {
            return null;
        }
        NetworkSpec? spec = SequentialGenerator.Parser.Parse(type, cancellationToken);
        if (spec is null)
        {
            return null;
        }
        return new ModelLookup(type, spec, SequentialGenerator.Parser.GetModelAttributes(type), TopologyValidator.Validate(spec));
    }

    /// <summary>The index among <see cref="Attributes"/> of the attribute written as <paramref name="syntax"/>, or -1.</summary>
    public int IndexOf(AttributeSyntax syntax)
    {
        for (int i = 0; i < Attributes.Length; i++)
        {
            SyntaxReference? reference = Attributes[i].ApplicationSyntaxReference;
            if (reference is not null && reference.SyntaxTree == syntax.SyntaxTree && reference.Span == syntax.Span)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The syntax of the attribute at <paramref name="index"/>, or null.</summary>
    public AttributeSyntax? AttributeSyntaxAt(int index, CancellationToken cancellationToken) =>
        index >= 0 && index < Attributes.Length
            ? Attributes[index].ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax
            : null;
}
