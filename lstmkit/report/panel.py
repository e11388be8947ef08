"""report.html of `lstmkit forecast --id-column` (a panel: many series, one global model): the
series (how many, how long, how often dated), the curves of the refitted model, the test
errors of the model beside the seasonal naive and naive forecasts (their means over the
series, then each series) as the command wrote them to metrics.csv, the forecast plots of the
series it drew, and the model card.

The spacing of a series' dates is the median step between consecutive dates, in the unit the
dates were written in (`2000-01` counts months, `2000-01-31` days):

    spacing = median_t (date[t + 1] - date[t])
"""

import numpy as np

from lstmkit.report.card import card_rows
from lstmkit.report.document import Report, write_report
from lstmkit.report.forecasting import forecast_curves

ALL = "(all)"  # metrics.csv's series name for the means over the series
UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day", "h": "hour", "m": "minute",
         "s": "second"}  # fmt: skip


def panel_report(folder, args, model, results: dict, series: dict, metrics, images, seconds):
    """Write the report; `results` is what metrics.json holds (data, series, horizon, period,
    holdout, level), `series` the {id: Series} fitted, `metrics` the (header, rows) of
    metrics.csv (None without a test), `images` the (caption, PNG file) plots written."""
    lengths = [len(s) for s in series.values()]
    data = [
        ("data", results["data"]),
        ("series", len(series)),
        ("values per series", f"{min(lengths)} to {max(lengths)} (median {np.median(lengths):g})"),
        ("spacing of the dates", spacing(series)),
        ("seasonal period", results["period"]),
        ("held out for the test (per series)", results.get("holdout", 0)),
        ("horizon", results["horizon"]),
        ("interval level", f"{results['level']:.0%}"),
    ]
    report = Report(
        title="lstmkit forecast (panel)",
        data=data,
        card=card_rows(args, seconds, model=model),
        curves=forecast_curves(model),
        tables=[] if metrics is None else test_tables(metrics, results),
        images=images,
    )
    return write_report(folder, report)


def test_tables(metrics, results) -> list:
    """metrics.csv as two tables: the means over the series, then each series (an undefined
    value, blank in the file, shown as "-")."""
    header, rows = metrics
    shown = [[cell if cell != "" else "-" for cell in row] for row in rows]
    means = [row[1:] for row in shown if row[0] == ALL]
    each = [row for row in shown if row[0] != ALL]
    what = f"errors on the last {results['holdout']} values of each series (models fitted "
    return [
        (what + f"without them): means over the {results['series']} series", header[1:], means),
        (what + "without them): per series", header, each),
    ]


def spacing(series: dict) -> str:
    """The spacings of the series' dates (see the module doc), each once; or that there are
    no dates."""
    found = {}
    for values in series.values():
        if values.dates is None:
            return "no dates (rows in file order)"
        if len(values.dates) > 1:
            unit = np.datetime_data(values.dates.dtype)[0]
            step = float(np.median(np.diff(values.dates).astype(np.int64)))
            name = UNITS.get(unit, unit)
            found[f"{step:g} {name}" + ("" if step == 1 else "s")] = None
    return ", ".join(found) or "-"
