"""report.html of `lstmkit forecast`: the series, the curves of the refitted model (the probe
network whose validation loss chose the epochs, then each ensemble member trained on every
window for that many epochs), the test errors beside the baselines, the forecast table with
its intervals and the forecast plots."""

from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves, records_of
from lstmkit.report.document import Report, write_report

METRICS = ("MAE", "RMSE", "MAPE", "sMAPE", "MASE")


def forecast_report(folder, args, model, results: dict, forecast, plots, seconds):
    """Write the report; `results` is the command's results (data, length, test metrics...),
    `forecast` the (header, rows) of forecast.csv, `plots` the PNG files written."""
    columns = results.get("columns") or [results["column"]]
    data = [
        ("series", results["data"]),
        ("values", results["length"]),
        ("columns", ", ".join(map(str, columns))),
        ("seasonal period", results["period"]),
        ("held out for the test", results.get("holdout", 0)),
        ("horizon", results["horizon"]),
        ("interval level", f"{results['level']:.0%}"),
    ]
    tables = test_tables(results.get("test"), columns, results.get("holdout"))
    header, rows = forecast
    tables.append((f"forecast of the next {len(rows)} values (refitted model)", header, rows))
    images = [(f"{name}: history, test forecast and forecast", file) for name, file in
              zip(columns, plots, strict=True)]  # fmt: skip
    report = Report(
        title="lstmkit forecast",
        data=data,
        card=card_rows(args, seconds, model=model),
        curves=forecast_curves(model),
        tables=tables,
        images=images,
    )
    return write_report(folder, report)


def forecast_curves(model) -> Curves:
    histories = {}
    if getattr(model, "probe_history_", None) is not None:
        histories["probe (chose the epochs)"] = records_of(model.probe_history_)
    for k, history in enumerate(getattr(model, "member_histories_", []), start=1):
        histories[f"member {k}"] = records_of(history)
    return Curves(histories, monitor="val_loss", units={"loss": "Gaussian NLL"})


def test_tables(test, columns, holdout) -> list:
    """The test errors of the model and each baseline (one table per column)."""
    if not test:
        return []
    by_column = {columns[0]: test} if len(columns) == 1 else test
    header = ["method", *METRICS]
    return [
        (
            f"{name}: errors on the last {holdout} values (models fitted without them)",
            header,
            [(method, *(html.number(m[k]) for k in METRICS)) for method, m in methods.items()],
        )
        for name, methods in by_column.items()
    ]
