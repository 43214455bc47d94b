using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generators.Tests.TestHelpers;

/// <summary>
/// Walks an object graph through every instance field (public or not, of every base type) and every array element, and
/// reports the first value that would root a compilation in the incremental cache. Checks assignability
/// (<c>value is ISymbol</c>), never an exact type: an exact-type check can never fire on an interface.
/// </summary>
internal static class ObjectGraph
{
    /// <summary>Returns the path of the first forbidden value, or null; <paramref name="visited"/> counts the objects seen.</summary>
    public static string? FindRoslynObject(object? root, out int visited)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(object Value, string Path)>();
        if (root is not null)
        {
            stack.Push((root, root.GetType().Name));
        }
        visited = 0;
        while (stack.Count > 0)
        {
            (object value, string path) = stack.Pop();
            if (Forbidden(value) is { } what)
            {
                return $"{path} is {what} ({value.GetType().FullName})";
            }
            Type type = value.GetType();
            if (type.IsPrimitive || type.IsEnum || value is string || value is Type || value is Delegate || value is Pointer)
            {
                continue;
            }
            if (!type.IsValueType && !seen.Add(value))
            {
                continue;
            }
            visited++;
            if (value is Array array)
            {
                int i = 0;
                foreach (object? element in array)
                {
                    if (element is not null)
                    {
                        stack.Push((element, $"{path}[{i}]"));
                    }
                    i++;
                }
                continue;
            }
            for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                    {
                        continue;
                    }
                    if (field.GetValue(value) is { } child)
                    {
                        stack.Push((child, $"{path}.{field.Name}"));
                    }
                }
            }
        }
        return null;
    }

    private static string? Forbidden(object value) => value switch
    {
        ISymbol => nameof(ISymbol),
        SyntaxNode => nameof(SyntaxNode),
        SyntaxTree => nameof(SyntaxTree),
        Location => nameof(Location),
        Compilation => nameof(Compilation),
        SemanticModel => nameof(SemanticModel),
        AttributeData => nameof(AttributeData),
        SyntaxReference => nameof(SyntaxReference),
        IOperation => nameof(IOperation),
        SyntaxToken => nameof(SyntaxToken),
        SyntaxTrivia => nameof(SyntaxTrivia),
        TypedConstant => nameof(TypedConstant),
        _ => null,
    };
}
