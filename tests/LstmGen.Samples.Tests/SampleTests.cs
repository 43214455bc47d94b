using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Sentiment;
using TimeSeries;
using Xunit;

namespace LstmGen.Samples.Tests;

/// <summary>The sentiment and forecasting samples, end to end on the data shipped in samples/data.</summary>
public class SampleTests
{
    private static string DataDirectory(string name)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LstmGen.sln")))
            {
                return Path.Combine(d.FullName, "samples", "data", name);
            }
        }
        throw new DirectoryNotFoundException("LstmGen.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Sentiment_is_clearly_above_chance_and_saved_models_classify()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-sentiment-" + Guid.NewGuid().ToString("N"));
        try
        {
            SentimentResult r = SentimentSample.Run(new SentimentOptions
            {
                DataDirectory = DataDirectory("sentiment"),
                Epochs = 6,
                SaveDirectory = dir,
                Output = null,
            });
            Assert.Equal(2400, r.TrainSamples);
            Assert.Equal(600, r.TestSamples);
            Assert.True(r.TestAccuracy > 0.72, $"held-out accuracy {r.TestAccuracy:P1} (majority class {r.MajorityBaseline:P1})");

            var output = new StringWriter();
            SentimentSample.ClassifySaved(dir, ["What a wonderful, great movie.", "The worst food I have ever had, awful."], output);
            string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("positive", lines[0]);
            Assert.Contains("negative", lines[1]);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Temperature and passengers: better than the naive last-value forecast. The S&amp;P 500 is close to a random walk
    /// (its best forecast is the drift, the mean training return), so there the test is that training found the drift:
    /// strictly better than "no change" at both horizons, and within 1% of the drift forecast. A model that always
    /// predicts no change has exactly the naive RMSE and fails; so does undertraining (measured: 3 epochs instead of 30
    /// give 14.063 and 22.728 against naive 14.051 and 22.111, which the former bound, 1.05 × naive, let pass). Measured
    /// with 30 epochs: 13.999 and 21.489 against naive 14.051 and 22.111 (0.4% and 2.8% lower), drift 13.979 and 21.484.
    /// </summary>
    [Fact]
    public void Forecasts_beat_the_naive_forecast_the_SP500_ones_by_its_drift_and_charts_are_written()
    {
        string charts = Path.Combine(Path.GetTempPath(), "lstmgen-charts-" + Guid.NewGuid().ToString("N"));
        try
        {
            var results = TimeSeriesSample.Run(new TimeSeriesOptions { DataDirectory = DataDirectory("timeseries"), ChartDirectory = charts, Output = null });
            Assert.Equal(6, results.Count); // temperature: stacked LSTM, CNN-LSTM, encoder-decoder; passengers; S&P twice
            foreach (ForecastResult r in results.Where(r => !r.Series.StartsWith("S&P", StringComparison.Ordinal)))
            {
                Assert.True(r.BeatsNaive, r.ToString());
            }
            foreach (ForecastResult r in results.Where(r => r.Series.StartsWith("S&P", StringComparison.Ordinal)))
            {
                Assert.True(r.Rmse < r.NaiveRmse, "no better than no change: " + r);
                Assert.True(r.Rmse < 1.01 * r.DriftRmse, "worse than the drift forecast: " + r);
            }
            string[] svgs = Directory.GetFiles(charts, "*.svg");
            Assert.Equal(12, svgs.Length); // test range and loss curve for each forecast
            foreach (string svg in svgs)
            {
                XDocument doc = XDocument.Load(svg);
                Assert.Equal("svg", doc.Root!.Name.LocalName);
                Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "polyline");
            }
        }
        finally
        {
            if (Directory.Exists(charts)) Directory.Delete(charts, recursive: true);
        }
    }
}
