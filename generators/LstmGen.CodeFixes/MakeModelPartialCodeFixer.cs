using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.CodeFixes;

/// <summary>
/// LSTMGEN001: adds <c>partial</c> to the model class and to every containing type that lacks it (each declaration,
/// in whatever document it is), right before the type keyword as C# requires.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeModelPartialCodeFixer))]
[Shared]
public sealed class MakeModelPartialCodeFixer : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.ClassMustBePartialId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null)
        {
            return;
        }
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration ||
                semanticModel.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type)
            {
                continue;
            }
            List<INamedTypeSymbol> targets = TypesToMakePartial(type, context.CancellationToken);
            if (targets.Count == 0)
            {
                continue;
            }
            string title = targets.Count == 1
                ? $"Make '{type.Name}' partial"
                : $"Make '{type.Name}' and its containing types partial";
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => MakePartialAsync(context.Document.Project.Solution, targets, ct), equivalenceKey: nameof(MakeModelPartialCodeFixer)),
                diagnostic);
        }
    }

    /// <summary>The type and its containing types that have a declaration without <c>partial</c>, innermost first.</summary>
    private static List<INamedTypeSymbol> TypesToMakePartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var result = new List<INamedTypeSymbol>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (NonPartialDeclarations(t, cancellationToken).Any())
            {
                result.Add(t);
            }
        }
        return result;
    }

    private static IEnumerable<TypeDeclarationSyntax> NonPartialDeclarations(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences
            .Select(r => r.GetSyntax(cancellationToken))
            .OfType<TypeDeclarationSyntax>()
            .Where(d => !d.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static async Task<Solution> MakePartialAsync(Solution solution, List<INamedTypeSymbol> types, CancellationToken cancellationToken)
    {
        foreach (IGrouping<SyntaxTree, TypeDeclarationSyntax> inTree in types
            .SelectMany(t => NonPartialDeclarations(t, cancellationToken))
            .GroupBy(d => d.SyntaxTree))
        {
            Document? document = solution.GetDocument(inTree.Key);
            if (document is null)
            {
                continue; // not source we can edit (e.g. generated)
            }
            SyntaxNode root = await inTree.Key.GetRootAsync(cancellationToken).ConfigureAwait(false);
            SyntaxNode fixedRoot = root.ReplaceNodes(inTree, static (_, rewritten) => AddPartial(rewritten));
            solution = solution.WithDocumentSyntaxRoot(document.Id, fixedRoot);
        }
        return solution;
    }

    /// <summary>
    /// Appends <c>partial</c> to the modifiers (so it stands directly before <c>class</c>/<c>record</c>/<c>struct</c>), taking over
    /// the keyword's leading trivia when there was no modifier: <c>public class M</c> → <c>public partial class M</c>.
    /// </summary>
    internal static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        if (declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return declaration;
        }
        SyntaxToken keyword = declaration.Keyword;
        SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return declaration
            .ReplaceToken(keyword, keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
            .WithModifiers(declaration.Modifiers.Add(partial));
    }
}
