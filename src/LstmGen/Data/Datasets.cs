using System;
using System.Collections.Generic;
using System.IO;

namespace LstmGen.Data;

/// <summary>Readers for the sample data sets' file formats.</summary>
public static class Datasets
{
    /// <summary>
    /// Reads a labelled-sentences file in the UCI "Sentiment Labelled Sentences" format: UTF-8, no header, one record
    /// per line, <c>sentence&lt;TAB&gt;label</c> with label <c>0</c> or <c>1</c>. Each line is split at its last tab,
    /// so the sentence is kept exactly as written (quotes and trailing spaces included); it is not a CSV file. Lines
    /// are read with <see cref="File.ReadLines(string)"/>, which breaks only at CR, LF and CRLF (not at U+0085, which
    /// occurs inside some sentences). Empty lines are skipped.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The sentences and their labels (0 or 1), in file order.</returns>
    /// <exception cref="InvalidDataException">A non-empty line has no tab, or its label is not 0 or 1 (the message gives the line number).</exception>
    public static (string[] Texts, float[] Labels) ReadLabelledSentences(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var texts = new List<string>();
        var labels = new List<float>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            int tab = line.LastIndexOf('\t');
            if (tab < 0)
            {
                throw new InvalidDataException(
                    $"{path}, line {lineNumber}: no tab; expected \"sentence<TAB>label\" with label 0 or 1. The line: \"{Shorten(line)}\".");
            }

            string label = line.AsSpan(tab + 1).Trim().ToString();
            float value = label switch
            {
                "0" => 0f,
                "1" => 1f,
                _ => throw new InvalidDataException(
                    $"{path}, line {lineNumber}: the label after the last tab is \"{Shorten(label)}\"; expected 0 or 1."),
            };
            texts.Add(line.Substring(0, tab));
            labels.Add(value);
        }

        return (texts.ToArray(), labels.ToArray());
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 77), "...");
}
