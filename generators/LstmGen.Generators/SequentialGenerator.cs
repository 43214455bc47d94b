using System;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generators;

/// <summary>
/// Generates a specialised model for every class marked [Sequential]: parse (to an equatable spec) → validate (shape
/// inference) → emit. Invalid models get no code; their diagnostics come from <see cref="TopologyAnalyzer"/>. The
/// generator itself reports only LSTMGEN900 and never throws.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class SequentialGenerator : IIncrementalGenerator
{
    internal static readonly string Version = typeof(SequentialGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseOutcome> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.SequentialAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => ParseSafely((INamedTypeSymbol)ctx.TargetSymbol, ct))
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Parse);

        context.RegisterSourceOutput(models, static (spc, outcome) => Execute(spc, outcome));
    }

    /// <summary>The parse step's output: a spec, or the text of an internal error (no Roslyn types either way).</summary>
    internal sealed record ParseOutcome(NetworkSpec? Spec, string TypeName, string? Error);

    private static ParseOutcome? ParseSafely(INamedTypeSymbol type, System.Threading.CancellationToken ct)
    {
        try
        {
            NetworkSpec? spec = Parser.Parse(type, ct);
            return spec is null ? null : new ParseOutcome(spec, type.Name, null);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new ParseOutcome(null, type.Name, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static void Execute(SourceProductionContext context, ParseOutcome outcome)
    {
        if (outcome.Error is not null)
        {
            ReportInternal(context, outcome.TypeName, outcome.Error);
            return;
        }
        try
        {
            ValidationResult result = TopologyValidator.Validate(outcome.Spec!);
            if (result.Plan is null)
            {
                return; // invalid: the analyzer reports why
            }
            string source = Emitter.Emit(result.Plan, Version);
            context.AddSource(outcome.Spec!.Type.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            ReportInternal(context, outcome.TypeName, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static void ReportInternal(SourceProductionContext context, string typeName, string error)
    {
        int colon = error.IndexOf(':');
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None,
            typeName, colon > 0 ? error.Substring(0, colon) : "Exception", colon > 0 ? error.Substring(colon + 2) : error));
    }
}
