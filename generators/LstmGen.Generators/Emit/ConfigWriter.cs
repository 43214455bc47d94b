using System.Collections.Generic;
using System.Globalization;
using LstmGen.Generators.Model;

namespace LstmGen.Generators.Emit;

/// <summary>
/// Collects a layer's Keras config entries (keys as Keras writes them) as C# expressions for the generated
/// <c>Architecture</c>: ints, doubles, bools, strings and <c>LstmGen.Activation</c> values.
/// </summary>
internal sealed class ConfigWriter
{
    private readonly List<string> _entries = new();

    public IReadOnlyList<string> Entries => _entries;

    private void Add(string key, string expression) =>
        _entries.Add($"new(\"{key}\", {expression})");

    public void Int(string key, int value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

    public void Double(string key, double value) => Add(key, value.ToString("R", CultureInfo.InvariantCulture) + "d");

    public void Bool(string key, bool value) => Add(key, value ? "true" : "false");

    public void String(string key, string value) => Add(key, "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"");

    public void Activation(string key, ActivationKind kind) => Add(key, ActivationInfo.Expression(kind));

    public void Ints(string key, params int[] values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++) parts[i] = values[i].ToString(CultureInfo.InvariantCulture);
        Add(key, "new int[] { " + string.Join(", ", parts) + " }");
    }
}
