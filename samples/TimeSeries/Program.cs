// Time-series forecasting with stacked LSTMs on real series (Melbourne daily minimum temperatures 1981-1990, airline
// passengers 1949-1960, S&P 500 daily closes 2013-2018): next-step and 5-step forecasts, RMSE against the naive
// last-value forecast, SVG charts of the test range and the loss curves in ./charts.
//
//   dotnet run -c Release --project samples/TimeSeries                  # under a minute
//   dotnet run -c Release --project samples/TimeSeries -- --epochs 100  # a longer run
using TimeSeries;

int epochs = args.SkipWhile(a => a != "--epochs").Skip(1).Select(int.Parse).DefaultIfEmpty(30).First();
int workers = args.SkipWhile(a => a != "--workers").Skip(1).Select(int.Parse).DefaultIfEmpty(2).First();
var results = TimeSeriesSample.Run(new TimeSeriesOptions { Epochs = epochs, Workers = workers });
// The temperature and passenger forecasts must beat the naive forecast; daily stock moves are not expected to.
return results.Where(r => !r.Series.StartsWith("S&P", StringComparison.Ordinal)).All(r => r.BeatsNaive) ? 0 : 1;
