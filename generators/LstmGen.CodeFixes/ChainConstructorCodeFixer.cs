using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using LstmGen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace LstmGen.CodeFixes;

/// <summary>
/// LSTMGEN009: chains a model constructor to the generated one, <c>public M(int x) : this(options: null) { }</c>, so the
/// weights and workspaces are created with the default options. Offered when the constructor has no initializer or an
/// argument-free <c>: base()</c> (which the generated constructor makes implicitly); a <c>: base(...)</c> with arguments
/// would be lost, so it is left to the user.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChainConstructorCodeFixer))]
[Shared]
public sealed class ChainConstructorCodeFixer : CodeFixProvider
{
    private const string OptionsParameter = "options";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.ConstructorMustChainId);

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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<ConstructorDeclarationSyntax>() is not { } constructor ||
                constructor.Initializer is { } existing && (existing.IsKind(SyntaxKind.ThisConstructorInitializer) || existing.ArgumentList.Arguments.Count > 0) ||
                semanticModel.GetDeclaredSymbol(constructor, context.CancellationToken) is not { } symbol)
            {
                continue;
            }
            // 'options: null' names the generated constructor's parameter; if a user constructor also has a parameter
            // called 'options', the call could be ambiguous, so pass a typed default instead.
            bool ambiguous = symbol.ContainingType.InstanceConstructors.Any(c =>
                !c.IsImplicitlyDeclared && c.DeclaringSyntaxReferences.Any(r => r.GetSyntax(context.CancellationToken) is ConstructorDeclarationSyntax) &&
                c.Parameters.Any(p => p.Name == OptionsParameter));
            context.RegisterCodeFix(
                CodeAction.Create(
                    ambiguous ? "Chain to the generated constructor: this(default(ModelOptions))" : "Chain to the generated constructor: this(options: null)",
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(constructor, Chain(constructor, ambiguous)))),
                    equivalenceKey: nameof(ChainConstructorCodeFixer)),
                diagnostic);
        }
    }

    /// <summary>
    /// Adds (or replaces an empty <c>: base()</c> with) <c>: this(options: null)</c>, after the parameter list and before
    /// the body, keeping the line break or space that stood there.
    /// </summary>
    internal static ConstructorDeclarationSyntax Chain(ConstructorDeclarationSyntax constructor, bool typedDefault)
    {
        ArgumentSyntax argument = typedDefault
            ? SyntaxFactory.Argument(SyntaxFactory.DefaultExpression(
                SyntaxFactory.ParseTypeName("global::LstmGen.ModelOptions").WithAdditionalAnnotations(Simplifier.Annotation)))
            : SyntaxFactory.Argument(
                SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(OptionsParameter))
                    .WithColonToken(SyntaxFactory.Token(default, SyntaxKind.ColonToken, SyntaxFactory.TriviaList(SyntaxFactory.Space))),
                refKindKeyword: default,
                SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression));
        ConstructorInitializerSyntax initializer = SyntaxFactory.ConstructorInitializer(
            SyntaxKind.ThisConstructorInitializer,
            SyntaxFactory.Token(default, SyntaxKind.ColonToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)),
            SyntaxFactory.Token(SyntaxKind.ThisKeyword),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(argument)));

        if (constructor.Initializer is { } existing)
        {
            return constructor.WithInitializer(initializer.WithTriviaFrom(existing));
        }
        // "M(int x) {" → "M(int x) : this(options: null) {": the trivia after ')' moves behind the initializer.
        ParameterListSyntax parameters = constructor.ParameterList;
        SyntaxTriviaList after = parameters.CloseParenToken.TrailingTrivia;
        return constructor
            .WithParameterList(parameters.WithCloseParenToken(parameters.CloseParenToken.WithTrailingTrivia(SyntaxFactory.Space)))
            .WithInitializer(initializer.WithTrailingTrivia(after.Count == 0 ? SyntaxFactory.TriviaList(SyntaxFactory.Space) : after));
    }
}
