using System.Collections.Immutable;
using System.Linq;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Model;
using LstmGen.Generators.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LstmGen.Generators.Diagnostics;

/// <summary>
/// Reports every LSTMGEN diagnostic of a [Sequential] class, live in the IDE and on the command line, by running the
/// generator's own parser and <see cref="TopologyValidator"/>. Each diagnostic sits on the offending attribute, or on
/// the argument at fault when there is one.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TopologyAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        DiagnosticDescriptors.All.Where(d => d.Id != DiagnosticDescriptors.InternalErrorId).ToImmutableArray();

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? sequential = start.Compilation.GetTypeByMetadataName(KnownNames.SequentialAttribute);
            if (sequential is null)
            {
                return;
            }
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, sequential), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol sequential)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, sequential)))
        {
            return;
        }
        NetworkSpec? spec = SequentialGenerator.Parser.Parse(type, context.CancellationToken);
        if (spec is null)
        {
            return;
        }
        ImmutableArray<AttributeData> attributes = SequentialGenerator.Parser.GetModelAttributes(type);
        foreach (DiagnosticInfo info in TopologyValidator.Validate(spec).Diagnostics)
        {
            Location location = Locate(type, attributes, info, context.CancellationToken);
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById[info.Id], location, info.MessageArgs.ToArray<object>()));
        }
    }

    /// <summary>The argument named by the diagnostic if it can be found, else the attribute, else the type's name.</summary>
    internal static Location Locate(INamedTypeSymbol type, ImmutableArray<AttributeData> attributes, DiagnosticInfo info, System.Threading.CancellationToken ct)
    {
        if (info.AttributeIndex >= 0 && info.AttributeIndex < attributes.Length &&
            attributes[info.AttributeIndex].ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax syntax)
        {
            if (info.ArgumentName is { } argument && syntax.ArgumentList is { } list)
            {
                // "#n": the n-th positional argument (the elements of a params array such as Input's shape).
                if (argument.StartsWith("#", System.StringComparison.Ordinal) &&
                    int.TryParse(argument.Substring(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int position) &&
                    position < list.Arguments.Count)
                {
                    return list.Arguments[position].GetLocation();
                }
                IMethodSymbol? constructor = attributes[info.AttributeIndex].AttributeConstructor;
                for (int i = 0; i < list.Arguments.Count; i++)
                {
                    AttributeArgumentSyntax arg = list.Arguments[i];
                    string? name = arg.NameEquals?.Name.Identifier.ValueText ?? arg.NameColon?.Name.Identifier.ValueText;
                    if (name is null && constructor is not null && i < constructor.Parameters.Length)
                    {
                        name = constructor.Parameters[i].Name;
                    }
                    if (name == argument)
                    {
                        return arg.GetLocation();
                    }
                }
            }
            return syntax.GetLocation();
        }
        // "ctor:n": the n-th instance constructor (LSTMGEN009).
        if (info.ArgumentName is { } member && member.StartsWith("ctor:", System.StringComparison.Ordinal) &&
            int.TryParse(member.Substring(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int ordinal) &&
            ordinal < type.InstanceConstructors.Length && type.InstanceConstructors[ordinal].Locations.FirstOrDefault() is { } constructorLocation)
        {
            return constructorLocation;
        }
        return type.Locations.FirstOrDefault() ?? Location.None;
    }
}
