using System.Globalization;
using System.Text;

namespace TimeSeries;

/// <summary>One line of a chart.</summary>
public sealed record ChartSeries(string Name, double[] Values);

/// <summary>
/// A small SVG line-chart writer for the samples (no plotting package, nothing native): named series over a shared x
/// axis of dates or epochs, round tick values (1, 2 or 5 times a power of ten) on both axes, axis titles and a legend.
/// The files open in any browser; <c>rsvg-convert -o chart.png chart.svg</c> (librsvg2-bin) makes a PNG.
/// </summary>
public static class Svg
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Series over dates (one value per date; NaN leaves a gap), ticks on years, months or days.</summary>
    public static void DateChart(string path, string title, DateTime[] dates, IReadOnlyList<ChartSeries> series, string yLabel)
    {
        double[] x = dates.Select(d => d.ToOADate()).ToArray();
        var ticks = DateTicks(dates[0], dates[^1]);
        Write(path, title, x, ticks.Select(t => (t.Date.ToOADate(), t.Label)).ToList(), series, "date", yLabel, marker: null);
    }

    /// <summary>Series over epochs 1..n (loss curves); <paramref name="marked"/> draws a dashed line at one epoch with its label.</summary>
    public static void EpochChart(string path, string title, IReadOnlyList<ChartSeries> series, string yLabel, (int Epoch, string Label)? marked = null)
    {
        int n = series.Max(s => s.Values.Length);
        double[] x = Enumerable.Range(1, n).Select(e => (double)e).ToArray();
        double step = Math.Max(1, NiceStep(Math.Max(1, n - 1) / 6.0));
        var ticks = new List<(double, string)>();
        for (double e = step; e <= n; e += step) ticks.Add((e, e.ToString("0", Invariant)));
        if (ticks.Count == 0 || ticks[0].Item1 > 1) ticks.Insert(0, (1, "1"));
        Write(path, title, x, ticks, series, "epoch", yLabel, marked is { } m ? (m.Epoch, m.Label) : null);
    }

    private static void Write(string path, string title, double[] x, IReadOnlyList<(double At, string Label)> xTicks,
        IReadOnlyList<ChartSeries> series, string xLabel, string yLabel, (double At, string Label)? marker)
    {
        const int W = 900, H = 440, L = 80, R = 190, T = 44, B = 62;
        double[] finite = series.SelectMany(s => s.Values).Where(double.IsFinite).ToArray();
        double yMin = finite.Min(), yMax = finite.Max();
        if (yMax == yMin) { yMin -= 1; yMax += 1; }
        double yStep = NiceStep((yMax - yMin) / 5);
        yMin = Math.Floor(yMin / yStep) * yStep;
        yMax = Math.Ceiling(yMax / yStep) * yStep;
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(yStep) + 1e-9));
        double xMin = x[0], xMax = x[^1] == x[0] ? x[0] + 1 : x[^1];
        double X(double v) => L + (W - L - R) * (v - xMin) / (xMax - xMin);
        double Y(double v) => T + (H - T - B) * (1 - (v - yMin) / (yMax - yMin));
        string F(double v) => v.ToString("0.#", Invariant);

        var sb = new StringBuilder();
        sb.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n");
        sb.Append(Invariant, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n");
        sb.Append(Invariant, $"<text x=\"{(L + W - R) / 2}\" y=\"26\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        // Grid and y ticks.
        for (double v = yMin; v <= yMax + yStep / 2; v += yStep)
        {
            string label = (Math.Abs(v) < yStep / 1e6 ? 0 : v).ToString("N" + decimals, Invariant);
            sb.Append(Invariant, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{F(Y(v))}\" y2=\"{F(Y(v))}\" stroke=\"#e3e3e3\"/>");
            sb.Append(Invariant, $"<text x=\"{L - 8}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{label}</text>\n");
        }
        // x ticks.
        foreach (var (at, label) in xTicks.Where(t => t.At >= xMin - 1e-9 && t.At <= xMax + 1e-9))
        {
            sb.Append(Invariant, $"<line x1=\"{F(X(at))}\" x2=\"{F(X(at))}\" y1=\"{T}\" y2=\"{H - B}\" stroke=\"#f0f0f0\"/>");
            sb.Append(Invariant, $"<line x1=\"{F(X(at))}\" x2=\"{F(X(at))}\" y1=\"{H - B}\" y2=\"{H - B + 5}\" stroke=\"#555\"/>");
            sb.Append(Invariant, $"<text x=\"{F(X(at))}\" y=\"{H - B + 19}\" text-anchor=\"middle\">{Escape(label)}</text>\n");
        }
        sb.Append(Invariant, $"<rect x=\"{L}\" y=\"{T}\" width=\"{W - L - R}\" height=\"{H - T - B}\" fill=\"none\" stroke=\"#555\"/>\n");
        // Axis titles.
        sb.Append(Invariant, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 14}\" text-anchor=\"middle\" font-size=\"13\">{Escape(xLabel)}</text>\n");
        sb.Append(Invariant, $"<text x=\"18\" y=\"{(T + H - B) / 2}\" transform=\"rotate(-90 18 {(T + H - B) / 2})\" text-anchor=\"middle\" font-size=\"13\">{Escape(yLabel)}</text>\n");
        if (marker is { } mk)
        {
            sb.Append(Invariant, $"<line x1=\"{F(X(mk.At))}\" x2=\"{F(X(mk.At))}\" y1=\"{T}\" y2=\"{H - B}\" stroke=\"#777\" stroke-dasharray=\"5,4\"/>");
            // The label on the side with more room, inside the plot (not over the legend).
            bool left = X(mk.At) > (L + W - R) / 2.0;
            sb.Append(Invariant, $"<text x=\"{F(X(mk.At) + (left ? -5 : 5))}\" y=\"{T + 14}\" text-anchor=\"{(left ? "end" : "start")}\" fill=\"#555\">{Escape(mk.Label)}</text>\n");
        }
        // Lines (split at NaN) and the legend.
        for (int s = 0; s < series.Count; s++)
        {
            string color = Colors[s % Colors.Length];
            var segment = new List<string>();
            void Flush()
            {
                if (segment.Count > 0)
                {
                    sb.Append(Invariant, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" stroke-linejoin=\"round\" points=\"{string.Join(' ', segment)}\"/>\n");
                }
                segment.Clear();
            }
            double[] values = series[s].Values;
            for (int i = 0; i < values.Length && i < x.Length; i++)
            {
                if (double.IsFinite(values[i])) segment.Add($"{F(X(x[i]))},{F(Y(values[i]))}");
                else Flush();
            }
            Flush();
            int ly = T + 10 + 20 * s;
            sb.Append(Invariant, $"<line x1=\"{W - R + 14}\" x2=\"{W - R + 38}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2.5\"/>");
            sb.Append(Invariant, $"<text x=\"{W - R + 44}\" y=\"{ly + 4}\">{Escape(series[s].Name)}</text>\n");
        }
        sb.Append("</svg>\n");
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>The round step (1, 2 or 5 × 10ⁿ) nearest above <paramref name="raw"/>.</summary>
    internal static double NiceStep(double raw)
    {
        if (!(raw > 0)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double m = raw / magnitude;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * magnitude;
    }

    /// <summary>Tick dates for a range: years, or every 1, 2, 3 or 6 months, or days, about 5 to 12 of them.</summary>
    internal static List<(DateTime Date, string Label)> DateTicks(DateTime first, DateTime last)
    {
        var ticks = new List<(DateTime, string)>();
        double days = (last - first).TotalDays;
        if (days > 4 * 365)
        {
            int step = (int)NiceStep(days / 365.25 / 8);
            for (int y = (first.Year + step - 1) / step * step; y <= last.Year; y += step)
            {
                var d = new DateTime(y, 1, 1);
                if (d >= first) ticks.Add((d, y.ToString(Invariant)));
            }
        }
        else if (days > 60)
        {
            int months = (int)Math.Round(days / 30.44);
            int step = new[] { 1, 2, 3, 6, 12 }.First(s => months / s <= 10);
            var d = new DateTime(first.Year, first.Month, 1);
            if (d < first) d = d.AddMonths(1);
            while ((d.Month - 1) % step != 0) d = d.AddMonths(1);
            for (; d <= last; d = d.AddMonths(step)) ticks.Add((d, d.ToString("MMM yyyy", Invariant)));
        }
        else
        {
            int step = (int)Math.Max(1, NiceStep(days / 8));
            for (DateTime d = first.Date; d <= last; d = d.AddDays(step)) ticks.Add((d, d.ToString("d MMM", Invariant)));
        }
        return ticks;
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
