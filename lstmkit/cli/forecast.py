"""`lstmkit forecast`: fit the Forecaster to one series, test it on the held-out end against
the baselines, refit on everything and forecast the future with intervals.

The series may have several columns (`--column a --column b`): one Forecaster forecasts them
together (K channels); the test's errors, the forecast table and the plots are then per column.
"""

import sys

import numpy as np

from lstmkit.cli.common import (
    UsageError,
    add_common_arguments,
    note,
    output_dir,
    pyplot,
    say,
    training_verbosity,
)
from lstmkit.cli.distributed import add_distributed_argument, distributed_option
from lstmkit.cli.forecast_dates import remember_dates
from lstmkit.cli.jobs import add_n_jobs_argument, n_jobs_option
from lstmkit.cli.output import files_written
from lstmkit.cli.parser import refuse_together, refuse_without
from lstmkit.cli.summary import (
    Stopwatch,
    require_positive,
    save_interrupted_model,
    summary_line,
    table,
)
from lstmkit.io.atomic import write_csv, write_json
from lstmkit.report import REPORT
from lstmkit.report.forecasting import forecast_report

METRIC_NAMES = ("MAE", "RMSE", "MAPE", "sMAPE", "MASE")


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "forecast",
        help="forecast a time series (CSV, or the built-in airline series) with intervals",
        description="Fit an LSTM forecaster to one column of a CSV file (rows = time steps; "
        "with no file, the built-in monthly airline passengers 1949-1960). The last HOLDOUT "
        "values are held out: a model fitted without them forecasts them, and its errors are "
        "printed beside the naive, seasonal naive and drift baselines. Then the model is "
        "refitted on the whole series and forecasts the next HORIZON values with intervals.",
    )
    parser.add_argument("csv", nargs="?", metavar="CSV", help="the series (default: airline)")
    parser.add_argument(
        "--column",
        "--value-column",
        action="append",
        dest="column",
        help="the value column (default: the only numeric one; with --id-column: y); give it "
        "once per column to forecast several columns together (--column a --column b)",
    )
    parser.add_argument(
        "--id-column",
        help="CSV holds many series stacked (one row per series and date): the column of their "
        "ids; one model is fitted on all of them (the date column defaults to ds)",
    )
    parser.add_argument(
        "--date-column", help="the date column (default: the first column if it holds dates)"
    )
    parser.add_argument(
        "--no-dates",
        action="store_true",
        help="read the CSV without dates (dates in a format lstmkit does not accept, such as "
        "03/29/1958, are otherwise an error)",
    )
    parser.add_argument(
        "--missing",
        default="interpolate",
        choices=("interpolate", "ffill", "drop", "error"),
        help="how missing values are filled (default: interpolate)",
    )
    parser.add_argument("--horizon", type=int, default=12, help="steps to forecast (default 12)")
    parser.add_argument(
        "--holdout",
        type=int,
        default=None,
        help="values held out to test the model (default: the horizon; 0: no test)",
    )
    parser.add_argument(
        "--season-length", type=int, default=None, help="seasonal period m (default: detected)"
    )
    parser.add_argument(
        "--level", type=float, default=0.95, help="coverage of the intervals (default 0.95)"
    )
    parser.add_argument("--epochs", type=int, default=300, help="most epochs (default 300)")
    parser.add_argument("--hidden-size", type=int, default=32, help="LSTM units (default 32)")
    parser.add_argument("--ensemble", type=int, default=5, help="networks averaged (default 5)")
    add_n_jobs_argument(parser)
    add_distributed_argument(parser)
    add_common_arguments(parser, training=True)
    parser.set_defaults(run=run)


def run(args) -> dict:
    clock = Stopwatch()
    args.distributed = distributed_option(args)  # before any output: rank 0 alone writes
    check_options(args)
    if args.id_column is not None:
        from lstmkit.cli.forecast_panel import run_panel

        return run_panel(args, clock, make_model, forecast_metrics)
    values, time, names, source = read_series(args)
    folder = output_dir(args)
    holdout = args.horizon if args.holdout is None else args.holdout
    check_holdout(args, holdout, len(values), source)
    span = date_span(time, ", {} to {}")
    say(args, f"{source}: {len(values)} values of {', '.join(names)}{span}")
    report = {"data": source, "length": len(values), "horizon": args.horizon}
    report.update({"column": names[0]} if len(names) == 1 else {"columns": names})
    test = None
    try:
        if holdout:
            test = test_forecast(args, values, time, holdout, names)
            report.update(holdout=holdout, period=test["period"], test=test["metrics"])
        model = make_model(args, args.horizon).fit(values)
        remember_dates(model, time)
    except KeyboardInterrupt:
        save_interrupted(test, holdout, folder, names)
        raise
    forecast, lower, upper = model.predict(level=args.level, return_intervals=True)
    future = future_time(time, args.horizon)
    report.update(period=model.period_, n_epochs=model.n_epochs_, level=args.level)
    say(
        args,
        f"\nForecast of the next {args.horizon} values by the model refitted on all "
        f"{len(values)} (seasonal period {model.period_}), {args.level:.0%} interval:",
    )
    header, rows = forecast_table(future, forecast, lower, upper, names)
    if folder is not None:
        report["seconds"] = clock.seconds
        write_json(folder / "metrics.json", report)
        write_outputs(args, folder, model, names, header, rows, (time, values), future, test)
        plots, forecast = plot_names(names), (header, rows)
        page = forecast_report(folder, args, model, report, forecast, plots, clock.seconds)
        say(args, f"report: {page}")
    metric = None if test is None else test_summary(test["metrics"], names)
    say(args, "\n" + summary_line(clock.seconds, model.n_epochs_, metric, folder))
    files = ("metrics.json", "model.safetensors", "forecast.csv", *plot_names(names), REPORT)
    forecasts = [dict(zip(header, row, strict=True)) for row in full_precision(rows)]
    return {**report, "forecast": forecasts, "files": files_written(folder, *files)}


def full_precision(rows) -> list:
    """forecast.csv's rows with the numbers as numbers (the date or step stays as it is)."""
    return [(row[0], *map(float, row[1:])) for row in rows]


def forecast_table(future, forecast, lower, upper, names):
    """Print the forecast at a readable precision; returns (header, rows) for forecast.csv,
    at full precision. One column: forecast, lower, upper; several (`forecast` (h, K)): the
    three for each, headed by the column's name."""
    header = ["date" if np.issubdtype(future.dtype, np.datetime64) else "step"]
    if len(names) == 1:
        header += ["forecast", "lower", "upper"]
        columns = (forecast, lower, upper)
    else:
        header += [f"{name}{part}" for name in names for part in ("", " lower", " upper")]
        columns = [a[:, k] for k in range(len(names)) for a in (forecast, lower, upper)]
    decimals = readable_decimals(np.concatenate([np.ravel(lower), np.ravel(upper)]))
    shown = [
        (str(t), *(f"{v:.{decimals}f}" for v in numbers))
        for t, *numbers in zip(future, *columns, strict=True)
    ]
    print(table(header, shown))
    rows = [
        (str(t), *(f"{v:.6g}" for v in numbers))
        for t, *numbers in zip(future, *columns, strict=True)
    ]
    return header, rows


def test_summary(metrics: dict, names) -> str:
    """The summary line's test metric: of the one column, or of each column in turn."""
    if len(names) == 1:
        return summary_metric(metrics["lstm"])
    return "; ".join(f"{name} {summary_metric(metrics[name]['lstm'])}" for name in names)


def summary_metric(lstm: dict) -> str:
    """The test metric of the summary line: MASE (else MAE), with MAPE where defined."""
    metric = (
        f"test MASE {lstm['MASE']:.3f}"
        if lstm["MASE"] is not None
        else f"test MAE {lstm['MAE']:.4g}"
    )
    if lstm["MAPE"] is not None:
        metric += f" (MAPE {lstm['MAPE']:.2f} %)"
    return metric


def save_interrupted(test, holdout, folder, names) -> None:
    """Ctrl-C: a forecaster is only usable once fitted, so the best model so far is the test
    model (fitted without the last `holdout` values) when the refit was interrupted."""
    if test is None:
        print("interrupted before a model was fitted: nothing saved", file=sys.stderr)
        return
    path = save_interrupted_model(test["model"], folder)
    print(
        f"interrupted during the refit: saved the model fitted without the last {holdout} "
        f"values ({test_summary(test['metrics'], names)}) to {path}",
        file=sys.stderr,
    )


def check_options(args) -> None:
    if args.horizon < 1:
        raise UsageError(f"--horizon must be a positive integer; got {args.horizon}")
    if args.holdout is not None and args.holdout < 0:
        raise UsageError(f"--holdout must be 0 or more; got {args.holdout}")
    if args.season_length is not None and args.season_length < 1:
        raise UsageError(f"--season-length must be a positive integer; got {args.season_length}")
    if not 0 < args.level < 1:
        raise UsageError(f"--level must lie strictly between 0 and 1; got {args.level}")
    require_positive(args, "epochs", "hidden_size", "ensemble")


def check_holdout(args, holdout, length, source) -> None:
    """The held-out values must leave some to fit on. Only a --holdout the user gave is blamed
    for it (a usage error); with the default (the horizon) the series is too short, a data
    error."""
    if holdout < length:
        return
    if args.holdout is not None:
        raise UsageError(f"--holdout must be less than the series' length {length}")
    raise ValueError(
        f"{source} is too short to test a model: it has {length} values, and the test holds "
        f"out the last {holdout} (by default as many as --horizon, {args.horizon}) and fits "
        "on the values before them; give a longer series, a smaller --horizon, or "
        "--holdout 0 to skip the test"
    )


def read_series(args):
    """(values (T,) or, for several --column, (T, K); time (T,) dates or step numbers; the
    column names; a description of the source)."""
    from lstmkit import datasets
    from lstmkit.data.csv_series import read_csv_series

    if args.csv is None:
        refuse_without(args, "column", "CSV", "the built-in series has one column")
        series = datasets.load_airline()
        source = "airline (built-in: monthly airline passengers, thousands)"
    else:
        path = datasets.resolve(args.csv)
        refuse_together(args, "no_dates", "date_column", "one says where the dates are")
        dates = False if args.no_dates else args.date_column
        series = read_csv_series(path, args.column, dates, args.missing)
        source = str(args.csv)
        missing = sum(series.missing_count.values())
        if missing:
            note(args, f"note: {missing} missing values in {path}, filled by {args.missing}")
    if series.values.shape[1] > 1 and args.column is None:
        raise UsageError(
            f"{args.csv} has several value columns ({', '.join(series.columns)}); "
            "choose one with --column (or several: --column a --column b)"
        )
    time = series.dates if series.dates is not None else np.arange(len(series))
    values = series.values[:, 0] if series.values.shape[1] == 1 else series.values
    return values, time, list(series.columns), source


def make_model(args, horizon):
    from lstmkit.models import Forecaster

    return Forecaster(
        horizon=horizon,
        period=args.season_length,
        epochs=args.epochs,
        hidden_size=args.hidden_size,
        ensemble=args.ensemble,
        level=args.level,
        seed=args.seed,
        n_jobs=n_jobs_option(args),
        verbose=training_verbosity(args),
        distributed=args.distributed,
    )


def test_forecast(args, values, time, holdout, names) -> dict:
    """Fit without the last `holdout` values, forecast them; print and return the metrics
    ({method: metrics} for one column, {column: {method: metrics}} for several)."""
    from lstmkit.models.backtest import cross_validation
    from lstmkit.models.baselines import drift_forecast, naive_forecast, seasonal_naive_forecast

    train, actual = values[:-holdout], values[-holdout:]
    model = make_model(args, holdout)
    # one cut-off: the model is fitted on `train` and forecasts the held-out end
    backtest = cross_validation(model, values, horizon=holdout)
    remember_dates(model, time[:-holdout])
    period = model.period_
    forecasts = {
        "lstm": backtest["lstmkit"].reshape(actual.shape),
        "seasonal naive": seasonal_naive_forecast(train, holdout, period),
        "naive": naive_forecast(train, holdout),
        "drift": drift_forecast(train, holdout),
    }
    say(
        args,
        f"\nTest: the last {holdout} values{date_span(time[-holdout:], ' ({} to {})')} "
        f"forecast by models fitted on the {len(train)} before them (seasonal period {period}"
        f"{' detected' if args.season_length is None else ''}):",
    )
    header = ["method", "MAE", "RMSE", "MAPE %", "sMAPE %", f"MASE (m={period})"]
    by_column = {}
    for k, name in enumerate(names):
        by_column[name] = {
            method: forecast_metrics(*(channel(a, k, names) for a in (actual, f, train)), period)
            for method, f in forecasts.items()
        }
        if len(names) > 1:
            say(args, f"{name}:")
        say(args, table(header, metric_rows(by_column[name])))
    metrics = by_column[names[0]] if len(names) == 1 else by_column
    return {
        "period": period,
        "metrics": metrics,
        "time": time[-holdout:],
        "lstm": forecasts["lstm"],
        "model": model,
    }


def channel(array, k, names):
    """Column k of a (T, K) array of several columns; a one-column series is (T,), as is."""
    return array if len(names) == 1 else array[:, k]


def metric_rows(metrics: dict) -> list:
    """{method: {metric: value}} -> table rows; MAE and RMSE in the data's units at a
    readable precision, percentages with 2 decimals, MASE with 3; "-" where undefined."""
    errors = [m[k] for m in metrics.values() for k in ("MAE", "RMSE") if m[k] is not None]
    decimals = {"MAE": readable_decimals(np.array(errors)), "MAPE": 2, "sMAPE": 2, "MASE": 3}
    decimals["RMSE"] = decimals["MAE"]
    return [
        (method, *("-" if m[k] is None else f"{m[k]:.{decimals[k]}f}" for k in METRIC_NAMES))
        for method, m in metrics.items()
    ]


def forecast_metrics(actual, forecast, training=None, period=1) -> dict:
    """MAE, RMSE, MAPE, sMAPE and (with the training series) MASE; None where undefined."""
    from lstmkit import metrics

    values = {
        "MAE": metrics.mae(actual, forecast),
        "RMSE": metrics.rmse(actual, forecast),
        "MAPE": None if np.any(np.asarray(actual) == 0) else metrics.mape(actual, forecast),
        "sMAPE": metrics.smape(actual, forecast),
        "MASE": None,
    }
    if training is not None:
        try:
            values["MASE"] = metrics.mase(actual, forecast, training, period)
        except ValueError:
            pass  # a constant training series, or one shorter than the period: no scale
    return values


def future_time(time, horizon):
    """The `horizon` dates (or step numbers) after the series, at its last step's spacing."""
    steps = np.arange(1, horizon + 1)
    if len(time) < 2:
        return time[-1] + steps
    return time[-1] + steps * (time[-1] - time[-2])


def readable_decimals(values) -> int:
    """Decimals that show about four significant digits of the largest value."""
    largest = float(np.max(np.abs(values))) if len(values) else 0.0
    return 2 if largest == 0 else int(min(8, max(0, 3 - np.floor(np.log10(largest)))))


def date_span(time, pattern) -> str:
    """`pattern` filled with the first and last dates; "" without dates."""
    if not np.issubdtype(np.asarray(time).dtype, np.datetime64):
        return ""
    return pattern.format(time[0], time[-1])


def plot_names(names) -> list[str]:
    """The plots' file names: forecast.png for one column, forecast-1.png ... for several."""
    if len(names) == 1:
        return ["forecast.png"]
    return [f"forecast-{k + 1}.png" for k in range(len(names))]


def write_outputs(args, folder, model, names, header, rows, observed, future, test) -> None:
    model.save(folder / "model.safetensors")
    write_csv(folder / "forecast.csv", header, rows)
    plt = pyplot(args)
    if plt is None:
        return
    from lstmkit.viz.forecast import plot_forecast

    time, values = observed
    numbers = np.array([row[1:] for row in full_precision(rows)])  # (h, 3 K)
    for k, (name, path) in enumerate(zip(names, plot_names(names), strict=True)):
        forecast, lower, upper = numbers[:, 3 * k : 3 * k + 3].T
        plot_forecast(
            plt,
            folder / path,
            time,
            channel(values, k, names),
            future,
            forecast,
            lower,
            upper,
            level=args.level,
            test=None if test is None else (test["time"], channel(test["lstm"], k, names)),
            title=f"{name}: forecast of the next {len(rows)} values",
            ylabel=name,
        )
