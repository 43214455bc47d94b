using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace LstmGen.Import;

/// <summary>
/// How Keras 3 names the weight groups of a <c>.keras</c> archive or <c>.weights.h5</c> file: not by layer name but by
/// the layer's class name in snake case with a per-class counter in model order (<c>lstm</c>, <c>lstm_1</c>, <c>dense</c>,
/// <c>dense_1</c>, <c>time_distributed</c>, <c>simple_rnn</c>).
/// </summary>
public static class KerasNaming
{
    private static readonly Regex NonWord = new(@"\W+", RegexOptions.CultureInvariant);
    private static readonly Regex WordStart = new("(.)([A-Z][a-z]+)", RegexOptions.CultureInvariant);
    private static readonly Regex LowerUpper = new("([a-z])([A-Z])", RegexOptions.CultureInvariant);

    /// <summary>
    /// Keras 3's <c>naming.to_snake_case</c>: <c>LSTM</c> → <c>lstm</c>, <c>SimpleRNN</c> → <c>simple_rnn</c>,
    /// <c>TimeDistributed</c> → <c>time_distributed</c>, <c>Conv1D</c> → <c>conv1d</c>, <c>InputLayer</c> → <c>input_layer</c>.
    /// </summary>
    public static string ToSnakeCase(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        string name = NonWord.Replace(className, "");
        name = WordStart.Replace(name, "$1_$2");
        return LowerUpper.Replace(name, "$1_$2").ToLowerInvariant();
    }

    /// <summary>
    /// The group names Keras 3 gives to layers of these classes, in model order: the snake-case class name, then
    /// <c>_1</c>, <c>_2</c>, ... for later layers of the same class (e.g. LSTM, Dropout, LSTM, Dense →
    /// lstm, dropout, lstm_1, dense).
    /// </summary>
    public static IReadOnlyList<string> WeightGroupNames(IEnumerable<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (string cls in classNames)
        {
            string name = ToSnakeCase(cls);
            if (used.TryGetValue(name, out int n))
            {
                used[name] = n + 1;
                names.Add($"{name}_{n + 1}");
            }
            else
            {
                used[name] = 0;
                names.Add(name);
            }
        }
        return names;
    }
}
