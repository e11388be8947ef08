"""`lstmkit forecast PANEL.csv --id-column unique_id`: one Forecaster for many series.

The CSV holds the series stacked (the long layout: an id column, a date column, a value column;
`data.panel_csv`). One global model is fitted on all of them. When a test part is held out
(--holdout, default the horizon), `models.backtest.cross_validation` fits a model without each
series' last HOLDOUT values and forecasts them; the errors per series and their means over the
series are printed beside the seasonal naive and naive forecasts. Then the model is refitted on
everything and forecasts the next HORIZON values of each series with intervals.

Files in --out: forecast.csv (the long table: id, date, lstmkit, lstmkit-lo-95, lstmkit-hi-95),
metrics.csv (per series and method, then the means: "(all)"), metrics.json, model.safetensors,
forecast-1.png ... for the first PLOTTED series, and report.html (`lstmkit.report.panel`).
"""

import numpy as np

from lstmkit.cli.common import UsageError, note, output_dir, pyplot, say
from lstmkit.cli.output import files_written
from lstmkit.cli.summary import summary_line, table
from lstmkit.io.atomic import write_csv, write_json
from lstmkit.report import REPORT
from lstmkit.report.panel import panel_report

PLOTTED = 3  # the series drawn: enough to see the fit, few enough to look at
METHODS = ("lstm", "seasonal naive", "naive")
COLUMNS = ("MAE", "RMSE", "MAPE", "sMAPE", "MASE", "coverage", "MSIS")


def run_panel(args, clock, make_model, forecast_metrics) -> dict:
    """The panel command, its options checked; `make_model(args, horizon)` and
    `forecast_metrics(actual, forecast, training, period)` are the one-series command's, so
    that both fit and report alike."""
    series, value_column, source = read_panel(args)
    folder = output_dir(args)
    holdout = args.horizon if args.holdout is None else args.holdout
    check_panel_holdout(args, series, holdout, source)
    lengths = [len(s) for s in series.values()]
    say(
        args,
        f"{source}: {len(series)} series of {value_column} ({min(lengths)} to {max(lengths)} "
        "values each)",
    )
    report = {"data": source, "series": len(series), "horizon": args.horizon}
    test = None
    if holdout:
        test = panel_test(args, series, holdout, make_model(args, holdout), forecast_metrics)
        report.update(holdout=holdout, period=test["period"], test=test["overall"])
    model = make_model(args, args.horizon).fit(series)
    report.update(period=model.period_, n_epochs=model.n_epochs_, level=args.level)
    forecasts = model.predict(level=args.level, return_intervals=True)  # {id: (f, lo, hi)}
    header, rows = long_forecast(args, series, forecasts)
    files = ("metrics.json", "model.safetensors", "forecast.csv")
    if folder is None:
        print(table(header, rows))
    else:
        report["seconds"] = clock.seconds
        write_json(folder / "metrics.json", {**report, "per_series": _per_series(test)})
        model.save(folder / "model.safetensors")
        write_csv(folder / "forecast.csv", header, rows)
        metrics = None if test is None else metrics_rows(test)
        if metrics is not None:
            write_csv(folder / "metrics.csv", *metrics)
            files += ("metrics.csv",)
        plots = plot_panel(args, folder, series, forecasts, test)
        files += (*(name for _, name in plots), REPORT)
        page = panel_report(folder, args, model, report, series, metrics, plots, clock.seconds)
        say(args, f"report: {page}")
    say(args, f"forecast of {len(series)} series x {args.horizon} steps: {len(rows)} rows")
    metric = None if test is None else summary_metric(test["overall"]["lstm"])
    say(args, "\n" + summary_line(clock.seconds, model.n_epochs_, metric, folder))
    return {**report, "files": files_written(folder, *files)}


def read_panel(args):
    """({id: Series}, the value column, a description of the source)."""
    from lstmkit import datasets
    from lstmkit.data.panel_csv import read_panel_csv

    if args.csv is None:
        raise UsageError("--id-column needs a CSV file of stacked series (the long layout)")
    if args.column is not None and len(args.column) > 1:
        raise UsageError("a panel has one value column: give --value-column (--column) once")
    value_column = "y" if args.column is None else args.column[0]
    date_column = None if args.no_dates else (args.date_column or "ds")
    path = datasets.resolve(args.csv)
    series = read_panel_csv(path, args.id_column, value_column, date_column, args.missing)
    missing = sum(s.missing_count[value_column] for s in series.values())
    if missing:
        note(args, f"note: {missing} missing values in {path}, filled by {args.missing}")
    return series, value_column, str(args.csv)


def check_panel_holdout(args, series, holdout, source) -> None:
    """Every series must keep a value to fit on after its held-out end."""
    shortest = min(series, key=lambda key: len(series[key]))
    if holdout < len(series[shortest]):
        return
    problem = (
        f"series {shortest!r} of {source} has {len(series[shortest])} values, and the test holds "
        f"out the last {holdout} of each series"
    )
    if args.holdout is not None:
        raise UsageError(f"--holdout must be less than every series' length: {problem}")
    raise ValueError(f"{problem} (by default as many as --horizon); give --holdout 0 to skip it")


def panel_test(args, series, holdout, model, forecast_metrics) -> dict:
    """Backtest the last `holdout` values of every series (one cut-off); the errors of the
    model and of the baselines per series, and their means over the series."""
    from lstmkit.metrics import coverage, msis
    from lstmkit.models.backtest import cross_validation
    from lstmkit.models.baselines import naive_forecast, seasonal_naive_forecast
    from lstmkit.models.panel import interval_columns

    cv = cross_validation(model, series, horizon=holdout, level=args.level)
    lower, upper = (cv[c] for c in interval_columns(args.level).values())
    period = model.period_
    per_series, forecasts = {}, {}
    for key, values in series.items():
        rows = cv["unique_id"] == key
        train, actual = values.values[:-holdout, 0], cv["y"][rows]
        forecasts[key] = (cv["ds"][rows], cv["lstmkit"][rows])
        seasonal = seasonal_naive_forecast(train, holdout, period) if len(train) >= period else None
        methods = {"lstm": cv["lstmkit"][rows], "seasonal naive": seasonal}
        methods["naive"] = naive_forecast(train, holdout)
        per_series[key] = {
            method: forecast_metrics(actual, forecast, train, period)
            for method, forecast in methods.items()
            if forecast is not None
        }
        lstm = per_series[key]["lstm"]
        lstm["coverage"] = coverage(actual, lower[rows], upper[rows])
        try:
            lstm["MSIS"] = msis(actual, lower[rows], upper[rows], train, period, args.level)
        except ValueError:
            lstm["MSIS"] = None  # a series no longer than its period, or constant: no scale
    overall = {method: _means(per_series, method) for method in METHODS}
    say(
        args,
        f"\nTest: the last {holdout} values of each series, forecast by models fitted without "
        f"them (seasonal period {period}); means over the {len(series)} series:",
    )
    say(args, table(["method", *COLUMNS], _shown(overall)))
    return {"period": period, "per_series": per_series, "overall": overall, "lstm": forecasts}


def _means(per_series, method) -> dict:
    """The mean of each metric over the series where it is defined (None where none is)."""
    means = {}
    for column in COLUMNS:
        found = [m[method].get(column) for m in per_series.values() if method in m]
        found = [v for v in found if v is not None]
        means[column] = float(np.mean(found)) if found else None
    return means


def _shown(metrics: dict) -> list:
    return [
        (method, *("-" if m[c] is None else f"{m[c]:.4g}" for c in COLUMNS))
        for method, m in metrics.items()
    ]


def _per_series(test):
    return None if test is None else {str(key): m for key, m in test["per_series"].items()}


def metrics_rows(test):
    """(header, rows) of metrics.csv: per series and method, then "(all)": the means."""
    header = ["series", "method", *COLUMNS]
    per_series = [
        (key, method, m)
        for key, methods in test["per_series"].items()
        for method, m in methods.items()
    ]
    per_series += [("(all)", method, m) for method, m in test["overall"].items()]
    rows = [
        (key, method, *("" if m.get(c) is None else f"{m[c]:.6g}" for c in COLUMNS))
        for key, method, m in per_series
    ]
    return header, rows


def summary_metric(lstm: dict) -> str:
    text = f"test sMAPE {lstm['sMAPE']:.2f} % (mean over series)"
    if lstm["MASE"] is not None:
        text += f", MASE {lstm['MASE']:.3f}"
    return text


def long_forecast(args, series, forecasts):
    """(header, rows) of forecast.csv: one row per series and future step."""
    from lstmkit.models.panel import MODEL_NAME, interval_columns

    date_column = None if args.no_dates else (args.date_column or "ds")
    header = [args.id_column, date_column or "step", MODEL_NAME]
    header += list(interval_columns(args.level).values())
    rows = []
    for key, (forecast, lower, upper) in forecasts.items():
        steps = future_steps(forecast, len(series[key]))
        numbers = zip(*(part.values[:, 0] for part in (forecast, lower, upper)), strict=True)
        rows += [
            (key, str(t), *(f"{v:.6g}" for v in three))
            for t, three in zip(steps, numbers, strict=True)
        ]
    return header, rows


def future_steps(forecast, length):
    """The forecast's dates, or the row numbers after the series' `length` without dates."""
    if forecast.dates is not None:
        return forecast.dates
    return np.arange(length, length + len(forecast))


def plot_panel(args, folder, series, forecasts, test) -> list[tuple]:
    """forecast-1.png ... for the first PLOTTED series; (caption, file name) of those written."""
    plt = pyplot(args)
    if plt is None:
        return []
    from lstmkit.viz.forecast import plot_forecast

    written = []
    for k, key in enumerate(list(series)[:PLOTTED]):
        values, (forecast, lower, upper) = series[key], forecasts[key]
        time = values.dates if values.dates is not None else np.arange(len(values))
        path = f"forecast-{k + 1}.png"
        plot_forecast(
            plt,
            folder / path,
            time,
            values.values[:, 0],
            future_steps(forecast, len(values)),
            *(part.values[:, 0] for part in (forecast, lower, upper)),
            level=args.level,
            test=None if test is None else test["lstm"][key],
            title=f"{args.id_column} {key}: forecast of the next {len(forecast)} values",
            ylabel=values.columns[0],
        )
        what = "history, test forecast and forecast" if test else "history and forecast"
        written.append((f"{args.id_column} {key}: {what}", path))
    return written
