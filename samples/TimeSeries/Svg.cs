using System.Globalization;
using System.Text;

namespace TimeSeries;

/// <summary>A tiny SVG line-chart writer (no plotting package is available): named series over a shared x axis.</summary>
public static class Svg
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];

    public static void LineChart(string path, string title, IReadOnlyList<(string Name, double[] Values)> series, string xLabel, string yLabel)
    {
        const int W = 900, H = 420, L = 70, R = 160, T = 40, B = 50;
        double min = series.SelectMany(s => s.Values).Where(double.IsFinite).Min();
        double max = series.SelectMany(s => s.Values).Where(double.IsFinite).Max();
        if (max == min) max = min + 1;
        int n = series.Max(s => s.Values.Length);
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        double X(int i) => L + (W - L - R) * (n <= 1 ? 0 : (double)i / (n - 1));
        double Y(double v) => T + (H - T - B) * (1 - (v - min) / (max - min));

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{W / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        for (int k = 0; k <= 4; k++)
        {
            double v = min + (max - min) * k / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" x2=\"{W - R}\" y1=\"{F(Y(v))}\" y2=\"{F(Y(v))}\" stroke=\"#ddd\"/><text x=\"{L - 6}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{v.ToString("G4", CultureInfo.InvariantCulture)}</text>\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 12}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{(T + H - B) / 2}\" transform=\"rotate(-90 16 {(T + H - B) / 2})\" text-anchor=\"middle\">{Escape(yLabel)}</text>\n");
        for (int s = 0; s < series.Count; s++)
        {
            var points = series[s].Values.Select((v, i) => (v, i)).Where(p => double.IsFinite(p.v)).Select(p => $"{F(X(p.i))},{F(Y(p.v))}");
            string color = Colors[s % Colors.Length];
            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{string.Join(' ', points)}\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{W - R + 12}\" x2=\"{W - R + 32}\" y1=\"{T + 18 * s + 6}\" y2=\"{T + 18 * s + 6}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{W - R + 38}\" y=\"{T + 18 * s + 10}\">{Escape(series[s].Name)}</text>\n");
        }
        sb.Append("</svg>\n");
        File.WriteAllText(path, sb.ToString());
    }

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
