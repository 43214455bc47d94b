using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Helpers;
using LstmGen.Generators.Layers;
using LstmGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generators;

public sealed partial class SequentialGenerator
{
    /// <summary>
    /// Reads a [Sequential] class into a <see cref="NetworkSpec"/>. The only stage that touches symbols and syntax; shared by
    /// the generator and the analyzers so that both see the same model.
    /// </summary>
    internal static class Parser
    {
        /// <summary>The class's LstmGen attributes in source order; <see cref="LayerSpec.AttributeIndex"/> indexes this list.</summary>
        public static ImmutableArray<AttributeData> GetModelAttributes(INamedTypeSymbol type)
        {
            var builder = ImmutableArray.CreateBuilder<AttributeData>();
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (IsModelAttribute(attribute.AttributeClass))
                {
                    builder.Add(attribute);
                }
            }
            return builder.ToImmutable();
        }

        private static bool IsModelAttribute(INamedTypeSymbol? type) =>
            type is { TypeKind: not TypeKind.Error } &&
            KnownNames.IsModelAttribute(type.Name) &&
            type.ContainingNamespace is { Name: KnownNames.Namespace, ContainingNamespace.IsGlobalNamespace: true };

        /// <summary>
        /// Parses the model, or returns null when the code is incomplete in a way the compiler reports itself (an unknown
        /// attribute type, an argument that does not bind): then nothing is generated and nothing more is reported.
        /// </summary>
        public static NetworkSpec? Parse(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass is null || attribute.AttributeClass.TypeKind == TypeKind.Error)
                {
                    return null;
                }
            }

            if (type.Name.Length == 0)
            {
                return null; // the class name is not typed yet
            }
            if (type.TypeKind != TypeKind.Class)
            {
                return null; // [Sequential] targets classes: the compiler reports CS0592 on a struct or record struct itself
            }

            ImmutableArray<AttributeData> attributes = GetModelAttributes(type);
            foreach (AttributeData attribute in attributes)
            {
                if (attribute.AttributeConstructor is null ||
                    attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error) ||
                    attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
                {
                    return null;
                }
            }

            var diagnostics = new List<DiagnosticInfo>();
            int sequentialIndex = -1;
            for (int i = 0; i < attributes.Length; i++)
            {
                if (attributes[i].AttributeClass!.Name == KnownNames.Sequential)
                {
                    sequentialIndex = i;
                    break;
                }
            }

            TypeHierarchySpec hierarchy = ReadHierarchy(type);
            CheckPartial(type, sequentialIndex, diagnostics, cancellationToken);
            CheckTypeKind(type, sequentialIndex, diagnostics, cancellationToken);
            CheckConstructors(type, diagnostics, cancellationToken);
            CheckSingleDeclaration(type, attributes, diagnostics, cancellationToken);
            CheckHiddenNames(type, sequentialIndex, diagnostics);

            int seed = 0;
            UnrollKind unroll = UnrollKind.Auto;
            int loss = 0;
            if (sequentialIndex >= 0)
            {
                var sequential = new AttributeReader(attributes[sequentialIndex], sequentialIndex, diagnostics);
                seed = sequential.Named("Seed", 0);
                unroll = (UnrollKind)sequential.Enum("Unroll", 0, 2, "UnrollPolicy");
                loss = sequential.Enum("Loss", 0, 6, "LossKind");
            }

            var layers = new List<LayerSpec>();
            (WrapperKind Kind, int Index, string? Name, MergeModeKind Merge)? pending = null;
            for (int i = 0; i < attributes.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                AttributeData a = attributes[i];
                string name = a.AttributeClass!.Name;
                if (name == KnownNames.Sequential)
                {
                    continue;
                }

                if (name is KnownNames.TimeDistributed or KnownNames.Bidirectional)
                {
                    if (pending is { } dangling)
                    {
                        ReportDanglingWrapper(dangling.Kind, dangling.Index, diagnostics);
                    }
                    WrapperKind kind = name == KnownNames.TimeDistributed ? WrapperKind.TimeDistributed : WrapperKind.Bidirectional;
                    var reader = new AttributeReader(a, i, diagnostics);
                    MergeModeKind merge = kind == WrapperKind.Bidirectional
                        ? (MergeModeKind)reader.EnumArgument(0, "mergeMode", 0, 3, "MergeMode")
                        : MergeModeKind.Concat;
                    pending = (kind, i, reader.LayerName, merge);
                    continue;
                }

                LayerUnit? unit = LayerRegistry.Find(name);
                if (unit is null)
                {
                    continue;
                }
                var layerReader = new AttributeReader(a, i, diagnostics);
                LayerSpec layer = unit.Read(layerReader) with { AttributeIndex = i, Name = layerReader.LayerName };

                if (pending is { } wrapper)
                {
                    pending = null;
                    if (layer is InputSpec)
                    {
                        ReportDanglingWrapper(wrapper.Kind, wrapper.Index, diagnostics);
                    }
                    else if (!unit.Accepts(wrapper.Kind))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrapperMismatchId, wrapper.Index, null,
                            WrapperName(wrapper.Kind), layer.Describe(), Accepted(wrapper.Kind)));
                    }
                    else
                    {
                        layer = layer with
                        {
                            Wrapper = wrapper.Kind,
                            WrapperAttributeIndex = wrapper.Index,
                            WrapperName = wrapper.Name,
                            MergeMode = wrapper.Merge,
                        };
                    }
                }
                layers.Add(layer);
            }
            if (pending is { } last)
            {
                ReportDanglingWrapper(last.Kind, last.Index, diagnostics);
            }

            return new NetworkSpec(hierarchy, seed, unroll, sequentialIndex, loss, layers.ToEquatableArray(), diagnostics.ToEquatableArray())
            {
                UserMembers = ReadUserMembers(type, cancellationToken),
            };
        }

        private static string WrapperName(WrapperKind kind) => kind == WrapperKind.Bidirectional ? "Bidirectional" : "TimeDistributed";

        /// <summary>The layers a wrapper accepts, for messages: <c>an Lstm, a Gru or a SimpleRnn</c>.</summary>
        private static string Accepted(WrapperKind kind)
        {
            var names = new List<string>();
            foreach (LayerUnit unit in LayerRegistry.All)
            {
                if (unit.Accepts(kind)) names.Add(unit.DisplayName);
            }
            for (int i = 0; i < names.Count; i++)
            {
                names[i] = (names[i].StartsWith("Lstm", System.StringComparison.Ordinal) || "AEIOU".IndexOf(names[i][0]) >= 0 ? "an " : "a ") + names[i];
            }
            return names.Count switch
            {
                0 => "a layer",
                1 => names[0],
                _ => string.Join(", ", names.Take(names.Count - 1)) + " or " + names[names.Count - 1],
            };
        }

        private static void ReportDanglingWrapper(WrapperKind kind, int index, List<DiagnosticInfo> diagnostics) =>
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrapperWithoutLayerId, index, null,
                WrapperName(kind),
                kind == WrapperKind.Bidirectional ? "recurrent layer (Lstm, Gru or SimpleRnn)" : "Dense attribute",
                kind == WrapperKind.Bidirectional ? "[Bidirectional, Lstm(32)]" : "[TimeDistributed, Dense(2)]"));

        private static TypeHierarchySpec ReadHierarchy(INamedTypeSymbol type)
        {
            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            var containing = new List<TypeDeclarationSpec>();
            for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
            {
                containing.Insert(0, Declaration(t));
            }
            // From metadata names (arity included, '`' replaced), so that nested and generic types get unique hints.
            var path = new List<string> { type.MetadataName.Replace('`', '_') };
            for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
            {
                path.Insert(0, t.MetadataName.Replace('`', '_'));
            }
            // Sanitised names can collide (M`1 and M_1; namespace A.B with C and class A.B with C nested) and hint names are
            // compared case-insensitively (M and m): a hash of the exact metadata identity keeps them unique.
            string identity = (ns ?? "") + "|" + string.Join("+", type.ContainingType is null ? new[] { type.MetadataName } : Containing(type));
            string hint = SanitizeHint((ns is null ? "" : ns + ".") + string.Join(".", path)) + "." + Fnv32(identity).ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
            return new TypeHierarchySpec(ns, containing.ToEquatableArray(), Declaration(type), hint);
        }

        private static string[] Containing(INamedTypeSymbol type)
        {
            var names = new List<string>();
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                names.Insert(0, t.MetadataName);
            }
            return names.ToArray();
        }

        private static uint Fnv32(string text)
        {
            uint h = 2166136261;
            foreach (char c in text)
            {
                h = (h ^ c) * 16777619;
            }
            return h;
        }

        private static TypeDeclarationSpec Declaration(INamedTypeSymbol t)
        {
            string keyword = t.TypeKind switch
            {
                TypeKind.Struct => t.IsRecord ? "record struct" : "struct",
                TypeKind.Interface => "interface",
                _ => t.IsRecord ? "record" : "class",
            };
            string withParameters = t.TypeParameters.Length == 0
                ? Identifier(t.Name)
                : Identifier(t.Name) + "<" + string.Join(", ", t.TypeParameters.Select(p => Identifier(p.Name))) + ">";
            return new TypeDeclarationSpec(keyword, Identifier(t.Name), withParameters);
        }

        /// <summary>The name as C# source: reserved keywords get '@' (class @event).</summary>
        private static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary>Hint names allow letters, digits, '_', '.', '-' (and a few more); anything else becomes '_'.</summary>
        private static string SanitizeHint(string hint)
        {
            var chars = hint.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (!(char.IsLetterOrDigit(chars[i]) || chars[i] is '_' or '.' or '-'))
                {
                    chars[i] = '_';
                }
            }
            return new string(chars);
        }

        private static void CheckPartial(INamedTypeSymbol type, int sequentialIndex, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            if (!IsPartial(type, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBePartialId, sequentialIndex, null, $"The model class '{type.Name}'"));
                return;
            }
            for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
            {
                if (!IsPartial(t, cancellationToken))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBePartialId, sequentialIndex, null,
                        $"The type '{t.Name}', which contains the model class '{type.Name}',"));
                    return;
                }
            }
        }

        private static void CheckTypeKind(INamedTypeSymbol type, int sequentialIndex, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            string? reason = null;
            if (type.IsStatic)
            {
                reason = "it is static, but a model is an object that holds its weights and workspaces";
            }
            else if (type.IsAbstract)
            {
                reason = "it is abstract, but the generated model must be instantiable (its constructor and CreateReplica create instances)";
            }
            else if (IsFileLocal(type))
            {
                reason = "it is file-local, so generated code in another file cannot complete it";
            }
            else if (Emit.GeneratedMembers.AllNames.Contains(type.Name))
            {
                reason = $"'{type.Name}' is the name of a member LstmGen generates; rename the class";
            }
            else if (ModelBase(type) is { } model)
            {
                reason = $"it derives from the model '{model.Name}', whose generated members its own would hide; derive from a plain class, or hold the other model in a field";
            }
            else if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType && !HasCallableParameterlessConstructor(type, baseType))
            {
                reason = $"its base class '{baseType.Name}' has no accessible constructor without arguments for the generated constructors to call";
            }
            else
            {
                foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: not null })
                    {
                        reason = "it has a primary constructor; declare the model without one (the generated constructor takes ModelOptions)";
                        break;
                    }
                }
            }
            if (reason is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedModelTypeId, sequentialIndex, null, type.Name, reason));
            }
        }

        /// <summary>The nearest base type that is itself a model ([Sequential]), or null.</summary>
        private static INamedTypeSymbol? ModelBase(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? b = type.BaseType; b is not null; b = b.BaseType)
            {
                foreach (AttributeData a in b.GetAttributes())
                {
                    if (a.AttributeClass is { Name: KnownNames.Sequential, ContainingNamespace: { Name: KnownNames.Namespace, ContainingNamespace.IsGlobalNamespace: true } })
                    {
                        return b;
                    }
                }
            }
            return null;
        }

        /// <summary>True when the generated constructors' implicit <c>base()</c> call binds: a constructor whose parameters are all optional.</summary>
        private static bool HasCallableParameterlessConstructor(INamedTypeSymbol type, INamedTypeSymbol baseType)
        {
            foreach (IMethodSymbol constructor in baseType.InstanceConstructors)
            {
                bool accessible = constructor.DeclaredAccessibility switch
                {
                    Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal => true,
                    Accessibility.Internal or Accessibility.ProtectedAndInternal => SymbolEqualityComparer.Default.Equals(constructor.ContainingAssembly, type.ContainingAssembly),
                    _ => false,
                };
                if (accessible && constructor.Parameters.All(p => p.IsOptional || p.IsParams))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Runtime types the generated code names as <c>global::LstmGen.X</c>: a source type of that name hides them.</summary>
        private static readonly string[] RuntimeTypes =
        {
            "Kernels", "WeightStore", "WeightInfo", "WeightInitializer", "ModelOptions", "ISequentialModel", "ITrainableModel",
            "Loss", "OutputLosses", "Activation", "MergeMode", "ModelArchitecture", "LayerArchitecture",
        };

        /// <summary>LSTMGEN010 when the user's assembly hides a namespace or runtime type the generated code refers to.</summary>
        private static void CheckHiddenNames(INamedTypeSymbol type, int sequentialIndex, List<DiagnosticInfo> diagnostics)
        {
            INamespaceSymbol global = type.ContainingAssembly.GlobalNamespace;
            foreach (string name in new[] { "System", "LstmGen" })
            {
                if (global.GetTypeMembers(name).Length > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameConflictId, sequentialIndex, null, type.Name,
                        $"the type '{name}' in the global namespace hides the namespace {name}, which the generated code refers to as global::{name}; rename the type or move it into a namespace"));
                }
            }
            foreach (INamespaceSymbol ns in global.GetNamespaceMembers())
            {
                if (ns.Name != KnownNames.Namespace)
                {
                    continue;
                }
                foreach (string name in RuntimeTypes)
                {
                    if (ns.GetTypeMembers(name).Length > 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameConflictId, sequentialIndex, null, type.Name,
                            $"this project declares the type LstmGen.{name}, which hides the LstmGen runtime's type the generated code uses; rename it or move it out of the LstmGen namespace"));
                    }
                }
            }
        }

        /// <summary>
        /// The members the user declared on the model type that could clash with generated ones (named like one, or
        /// starting with '__'), for the validator's check (LSTMGEN010). Other members are left out, so that adding an
        /// unrelated member does not change the spec.
        /// </summary>
        private static EquatableArray<string> ReadUserMembers(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            static bool Relevant(string name) => Emit.GeneratedMembers.AllNames.Contains(name) || name.StartsWith("__", System.StringComparison.Ordinal);
            var members = new List<string>();
            foreach (ITypeParameterSymbol parameter in type.TypeParameters)
            {
                if (Relevant(parameter.Name)) members.Add("type parameter|" + parameter.Name + "|");
            }
            foreach (ISymbol member in type.GetMembers())
            {
                if (!Relevant(member.Name) || member.IsImplicitlyDeclared || !DeclaredByUser(member, cancellationToken))
                {
                    continue;
                }
                switch (member)
                {
                    case IMethodSymbol { MethodKind: MethodKind.Ordinary } method:
                        members.Add("method|" + method.Name + "|" + string.Join(",", method.Parameters.Select(p =>
                            (p.RefKind switch { RefKind.In => "in ", RefKind.Ref => "ref ", RefKind.Out => "out ", _ => "" }) + p.Type.ToDisplayString())));
                        break;
                    case IMethodSymbol:
                        break; // constructors, operators, accessors, explicit implementations
                    default:
                        members.Add("member|" + member.Name + "|");
                        break;
                }
            }
            members.Sort(System.StringComparer.Ordinal);
            return members.ToEquatableArray();
        }

        private static bool DeclaredByUser(ISymbol member, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
            {
                if (!IsGenerated(reference.SyntaxTree, cancellationToken))
                {
                    return true;
                }
            }
            return false;
        }

        private static bool IsFileLocal(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.IsFileLocal)
                {
                    return true;
                }
            }
            return false;
        }

        private static void CheckConstructors(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            for (int ordinal = 0; ordinal < type.InstanceConstructors.Length; ordinal++)
            {
                IMethodSymbol constructor = type.InstanceConstructors[ordinal];
                foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is ConstructorDeclarationSyntax declaration &&
                        !IsGenerated(declaration.SyntaxTree, cancellationToken) &&
                        declaration.Initializer is not { RawKind: (int)SyntaxKind.ThisConstructorInitializer })
                    {
                        string signature = type.Name + "(" + string.Join(", ", constructor.Parameters.Select(p => p.Type.ToDisplayString())) + ")";
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConstructorMustChainId, -1, "ctor:" + ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture), signature));
                    }
                }
            }
        }

        /// <summary>True for a file that starts with the auto-generated marker (the analyzer also sees LstmGen's own output).</summary>
        private static bool IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) =>
            tree.GetRoot(cancellationToken).GetLeadingTrivia().ToString().Contains("<auto-generated");

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration &&
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }
            return true;
        }

        private static void CheckSingleDeclaration(INamedTypeSymbol type, ImmutableArray<AttributeData> attributes, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            SyntaxNode? first = null;
            for (int i = 0; i < attributes.Length; i++)
            {
                if (attributes[i].AttributeClass!.Name == KnownNames.Sequential)
                {
                    continue;
                }
                SyntaxNode? declaration = attributes[i].ApplicationSyntaxReference?.GetSyntax(cancellationToken)
                    .FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (declaration is null)
                {
                    continue;
                }
                if (first is null)
                {
                    first = declaration;
                }
                else if (declaration != first)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersSplitAcrossDeclarationsId, i, null, type.Name));
                    return;
                }
            }
        }
    }
}
