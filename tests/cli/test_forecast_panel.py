"""`lstmkit forecast PANEL.csv --id-column ...` (issue 17): one model on stacked series; the
long forecast table, metrics per series and overall, plots; bad panel files as one line."""

import csv
import json

import numpy as np
import pytest

from lstmkit.cli import main
from lstmkit.models import Forecaster

TINY = ["--epochs", "2", "--hidden-size", "4", "--ensemble", "1", "--season-length", "6"]
TINY += ["--quiet", "--id-column", "store", "--date-column", "month", "--value-column", "sales"]
# store b: 30 months from 2000-01, store a: 20 from 2003-07 (ids in order of appearance: b, a)
LENGTHS, STARTS = {"b": 30, "a": 20}, {"b": "2000-01", "a": "2003-07"}


def sales(length, level):
    t = np.arange(length)
    return level + t + 10 * np.sin(2 * np.pi * t / 6)


@pytest.fixture
def panel_csv(tmp_path):
    lines = ["store,month,sales"]
    for k, (key, length) in enumerate(LENGTHS.items()):
        months = np.datetime64(STARTS[key]) + np.arange(length)
        rows = [
            f"{key},{m},{v:.3f}" for m, v in zip(months, sales(length, 100 + 50 * k), strict=True)
        ]
        lines += rows[::-1]  # latest first: the reader sorts each store's rows
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def read(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


def test_a_panel_gets_the_long_table_metrics_per_series_and_plots(panel_csv, tmp_path):
    out = tmp_path / "run"
    assert main(["forecast", str(panel_csv), *TINY, "--horizon", "3", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= {
        "forecast.csv", "metrics.csv", "metrics.json", "model.safetensors", "forecast-1.png",
        "forecast-2.png",
    }  # fmt: skip
    table = read(out / "forecast.csv")
    assert table[0] == ["store", "month", "lstmkit", "lstmkit-lo-95", "lstmkit-hi-95"]
    assert [row[:2] for row in table[1:]] == [
        ["b", "2002-07"], ["b", "2002-08"], ["b", "2002-09"],  # b ends 2002-06
        ["a", "2005-03"], ["a", "2005-04"], ["a", "2005-05"],  # a ends 2005-02
    ]  # fmt: skip
    for row in table[1:]:
        forecast, lower, upper = map(float, row[2:])
        assert lower < forecast < upper
    model = Forecaster.load(out / "model.safetensors")
    assert model.panel_["ids"] == ["b", "a"]
    # the seasonal naive's test errors, computed here from the data: the last 3 of each store
    # forecast by the values 6 months before them
    metrics = {(row[0], row[1]): row[2:] for row in read(out / "metrics.csv")[1:]}
    for k, (key, length) in enumerate(LENGTHS.items()):
        values = np.round(sales(length, 100 + 50 * k), 3)
        expected = np.mean(np.abs(values[-3:] - values[-9:-6]))
        assert float(metrics[key, "seasonal naive"][0]) == pytest.approx(expected, rel=1e-5)
    mean = np.mean([float(metrics[key, "seasonal naive"][0]) for key in LENGTHS])
    assert float(metrics["(all)", "seasonal naive"][0]) == pytest.approx(mean, rel=1e-5)
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["series"] == 2 and set(summary["per_series"]) == {"a", "b"}
    assert 0 <= summary["test"]["lstm"]["coverage"] <= 1


def test_predict_refuses_a_panel_model_by_name(panel_csv, tmp_path, capsys):
    """`lstmkit predict` prints one series' forecast; a panel model ended in an internal
    error (a reshape of its dict of forecasts)."""
    out = tmp_path / "run"
    assert main(["forecast", str(panel_csv), *TINY, "--horizon", "2", "--holdout", "0",
                 "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["predict", str(out / "model.safetensors")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmkit: error: the model forecasts 2 series") and "\n" not in err


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda text: text.replace("store,", "shop,", 1),
         "id column 'store' is not a column of the header (line 1)"),
        (lambda text: text.replace("b,2000-02,", "b,2000-01,"),
         "line 31: the date '2000-01' (column 'month') appears twice for series 'b' "
         "(also line 30)"),
        (lambda text: text.replace("a,2003-07,150.000", "a,2003-07,lots"),
         "line 51: cannot read 'lots' in column 'sales' as a number"),
    ],
)  # fmt: skip
def test_bad_panel_files_are_one_line_naming_file_line_and_column(panel_csv, capsys, edit, message):
    panel_csv.write_text(edit(panel_csv.read_text()))
    assert main(["forecast", str(panel_csv), *TINY]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lstmkit: error: {panel_csv}") and "\n" not in err
    assert message in err
