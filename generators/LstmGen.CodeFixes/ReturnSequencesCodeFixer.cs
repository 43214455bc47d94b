using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Layers;
using LstmGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.CodeFixes;

/// <summary>
/// LSTMGEN104, when the 2-D tensor comes from an Lstm (or Bidirectional Lstm) that returns only its last step: sets
/// <c>ReturnSequences = true</c> on that Lstm, as the diagnostic's message advises. The producer is found with the
/// generator's parser and validator, so the fix targets the layer the diagnostic names. No fix is offered when the
/// 2-D tensor comes from the input or a Dense layer: there the intended shape is not knowable.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReturnSequencesCodeFixer))]
[Shared]
public sealed class ReturnSequencesCodeFixer : CodeFixProvider
{
    private const string ReturnSequences = "ReturnSequences";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.RecurrentNeedsSequenceId);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>() is not { } consumer ||
                await ModelLookup.FindAsync(context.Document, consumer, context.CancellationToken).ConfigureAwait(false) is not { } model ||
                FindProducer(model, consumer, context.CancellationToken) is not { } producer)
            {
                continue;
            }
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Set ReturnSequences = true on '{producer.Name}'",
                    ct => SetReturnSequencesAsync(context.Document.Project.Solution, producer.Syntax, ct),
                    equivalenceKey: nameof(ReturnSequencesCodeFixer)),
                diagnostic);
        }
    }

    /// <summary>
    /// The Lstm attribute whose last-step output feeds the layer at <paramref name="consumer"/>, with its Keras name, when
    /// the validator reports LSTMGEN104 there with its advice to set ReturnSequences (so the fix is offered exactly when
    /// the message suggests it) and the layer before is a recurrent layer without ReturnSequences.
    /// </summary>
    private static (string Name, AttributeSyntax Syntax)? FindProducer(ModelLookup model, AttributeSyntax consumer, CancellationToken cancellationToken)
    {
        int index = model.IndexOf(consumer);
        DiagnosticInfo? info = model.Validation.Diagnostics.FirstOrDefault(d => d.Id == DiagnosticDescriptors.RecurrentNeedsSequenceId && d.AttributeIndex == index);
        // MessageArgs: who, shape, from, advice (": set ReturnSequences = true on 'name'", or "" when there is none).
        if (index < 0 || info is null || info.MessageArgs.Count < 4 || info.MessageArgs[2].Length < 3 || info.MessageArgs[3].Length == 0)
        {
            return null;
        }
        string from = info.MessageArgs[2];
        // The validator's producer is the previous layer of the body (a second, misplaced Input is not a layer).
        LayerSpec? previous = null;
        foreach (LayerSpec layer in model.Spec.Layers)
        {
            if (layer is InputSpec)
            {
                continue;
            }
            if (layer.PrimaryAttributeIndex == index)
            {
                break;
            }
            previous = layer;
        }
        if (previous is not RecurrentSpec { ReturnSequences: false } ||
            model.AttributeSyntaxAt(previous.AttributeIndex, cancellationToken) is not { } syntax)
        {
            return null;
        }
        return (from.Substring(1, from.Length - 2), syntax);
    }

    private static async Task<Solution> SetReturnSequencesAsync(Solution solution, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        Document? document = solution.GetDocument(attribute.SyntaxTree);
        if (document is null)
        {
            return solution;
        }
        SyntaxNode root = await attribute.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false);
        return solution.WithDocumentSyntaxRoot(document.Id, root.ReplaceNode(attribute, WithReturnSequences(attribute)));
    }

    /// <summary><c>Lstm(50)</c> → <c>Lstm(50, ReturnSequences = true)</c>; an existing <c>ReturnSequences = false</c> becomes <c>true</c>.</summary>
    internal static AttributeSyntax WithReturnSequences(AttributeSyntax attribute)
    {
        LiteralExpressionSyntax @true = SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression);
        AttributeArgumentListSyntax list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        foreach (AttributeArgumentSyntax argument in list.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == ReturnSequences)
            {
                return attribute.ReplaceNode(argument.Expression, @true.WithTriviaFrom(argument.Expression));
            }
        }

        AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(
                SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(default, ReturnSequences, SyntaxFactory.TriviaList(SyntaxFactory.Space))),
                SyntaxFactory.Token(default, SyntaxKind.EqualsToken, SyntaxFactory.TriviaList(SyntaxFactory.Space))),
            nameColon: null,
            @true);
        SyntaxNodeOrTokenList items = list.Arguments.GetWithSeparators();
        if (items.Count > 0)
        {
            // The trailing trivia of the last argument (a comment, say) moves behind the new one.
            SyntaxNodeOrToken last = items[items.Count - 1];
            SyntaxTriviaList trailing = last.GetTrailingTrivia();
            items = items.Replace(last, last.WithTrailingTrivia(SyntaxFactory.TriviaList()))
                .Add(SyntaxFactory.Token(default, SyntaxKind.CommaToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)));
            added = added.WithTrailingTrivia(trailing);
        }
        items = items.Add(added);
        return attribute.WithArgumentList(list.WithArguments(SyntaxFactory.SeparatedList<AttributeArgumentSyntax>(items)));
    }
}
