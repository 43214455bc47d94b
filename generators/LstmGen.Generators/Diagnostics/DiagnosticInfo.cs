using System;
using LstmGen.Generators.Helpers;

namespace LstmGen.Generators.Diagnostics;

/// <summary>
/// A diagnostic found by the parser or validator, without Roslyn types: the descriptor ID, the attribute it belongs on
/// (index among the class's LstmGen attributes; -1 for the class itself), optionally the argument (constructor parameter
/// or property name) and the message arguments.
/// </summary>
internal sealed record DiagnosticInfo(string Id, int AttributeIndex, string? ArgumentName, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(string id, int attributeIndex, string? argumentName, params string[] args) =>
        new(id, attributeIndex, argumentName, new EquatableArray<string>(args));
}
