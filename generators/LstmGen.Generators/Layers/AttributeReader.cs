using System.Collections.Generic;
using System.Globalization;
using LstmGen.Generators.Diagnostics;
using LstmGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generators.Layers;

/// <summary>
/// A layer attribute as the parse stage sees it: typed access to its arguments with the defaults the runtime attribute
/// declares, and LSTMGEN003 for enum values outside their range. Only units' <see cref="LayerUnit.Read"/> use it, inside
/// the parse transform; nothing Roslyn leaves through it.
/// </summary>
internal sealed class AttributeReader
{
    private readonly AttributeData _attribute;
    private readonly List<DiagnosticInfo> _diagnostics;

    public AttributeReader(AttributeData attribute, int index, List<DiagnosticInfo> diagnostics)
    {
        _attribute = attribute;
        Index = index;
        _diagnostics = diagnostics;
    }

    /// <summary>The attribute's position among the class's LstmGen attributes.</summary>
    public int Index { get; }

    /// <summary>Positional arguments given.</summary>
    public int PositionalCount => _attribute.ConstructorArguments.Length;

    /// <summary>The layer's <c>Name</c> property, or null.</summary>
    public string? LayerName => Named<string?>("Name", null);

    /// <summary>The positional int argument, or 0 when absent.</summary>
    public int Int(int position) =>
        position < _attribute.ConstructorArguments.Length && _attribute.ConstructorArguments[position].Value is int value ? value : 0;

    /// <summary>The positional floating-point argument (double or float), or <paramref name="fallback"/>.</summary>
    public double Double(int position, double fallback = 0)
    {
        if (position >= _attribute.ConstructorArguments.Length)
        {
            return fallback;
        }
        return _attribute.ConstructorArguments[position].Value switch
        {
            double d => d,
            float f => f,
            int i => i,
            _ => fallback,
        };
    }

    /// <summary>The positional int elements of a params array (or the positional ints themselves).</summary>
    public int[] Ints()
    {
        var args = _attribute.ConstructorArguments;
        if (args.Length == 1 && args[0].Kind == TypedConstantKind.Array)
        {
            if (args[0].IsNull)
            {
                return System.Array.Empty<int>();
            }
            var values = args[0].Values;
            var result = new int[values.Length];
            for (int i = 0; i < values.Length; i++) result[i] = values[i].Value is int n ? n : 0;
            return result;
        }
        var direct = new int[args.Length];
        for (int i = 0; i < args.Length; i++) direct[i] = args[i].Value is int n ? n : 0;
        return direct;
    }

    /// <summary>True when the named property is set.</summary>
    public bool Has(string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name) return true;
        }
        return false;
    }

    /// <summary>The named property's value, or <paramref name="fallback"/> when it is not set.</summary>
    public T Named<T>(string name, T fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is T value)
            {
                return value;
            }
        }
        return fallback;
    }

    /// <summary>A named floating-point property (double), or <paramref name="fallback"/>.</summary>
    public double NamedDouble(string name, double fallback)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                switch (argument.Value.Value)
                {
                    case double d: return d;
                    case float f: return f;
                    case int i: return i;
                }
            }
        }
        return fallback;
    }

    /// <summary>A named enum property, checked against [0, <paramref name="max"/>] (LSTMGEN003, then the fallback).</summary>
    public int Enum(string property, int fallback, int max, string enumName)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == property && argument.Value.Value is int value)
            {
                return Check(value, property, max, enumName, fallback);
            }
        }
        return fallback;
    }

    /// <summary>A positional enum argument, checked like <see cref="Enum"/>.</summary>
    public int EnumArgument(int position, string parameter, int fallback, int max, string enumName)
    {
        if (position < _attribute.ConstructorArguments.Length && _attribute.ConstructorArguments[position].Value is int value)
        {
            return Check(value, parameter, max, enumName, fallback);
        }
        return fallback;
    }

    /// <summary>A named <c>Activation</c> property.</summary>
    public ActivationKind Activation(string property, ActivationKind fallback) =>
        (ActivationKind)Enum(property, (int)fallback, ActivationInfo.Max, "Activation");

    private int Check(int value, string argument, int max, string enumName, int fallback)
    {
        if (value < 0 || value > max)
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidAttributeArgumentId, Index, argument,
                value.ToString(CultureInfo.InvariantCulture), argument, $"use a named {enumName} value"));
            return fallback;
        }
        return value;
    }
}
