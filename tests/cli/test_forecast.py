"""`lstmkit forecast` end to end on a tiny series: output, files, errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lstmkit.cli import main
from lstmkit.io import atomic
from lstmkit.models import Forecaster

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TINY = ["--epochs", "3", "--hidden-size", "4", "--ensemble", "1", "--horizon", "4", "--quiet"]


def tiny(*arguments) -> list[str]:
    """`arguments` after TINY less the options they give again (an option may be given once:
    a repeated one is a usage error)."""
    options = dict(zip(TINY[0:-1:2], TINY[1:-1:2], strict=True))
    kept = [
        part for name, value in options.items() if name not in arguments for part in (name, value)
    ]
    return [*kept, "--quiet", *arguments]


@pytest.fixture
def series_csv(tmp_path):
    """60 monthly values with a season of 6 and a trend; a text column to be ignored."""
    t = np.arange(60)
    values = 100 + t + 10 * np.sin(2 * np.pi * t / 6)
    dates = np.arange("2000-01", "2005-01", dtype="datetime64[M]")
    lines = ["month,note,sales"] + [f"{d},x,{v:.3f}" for d, v in zip(dates, values, strict=True)]
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_forecast_prints_metrics_and_writes_every_file(series_csv, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["forecast", str(series_csv), *TINY, "--out", str(out), "--season-length", "6"])
    assert code == 0
    printed = capsys.readouterr().out
    # quiet: only the forecast table (header + 4 dated rows)
    lines = printed.strip().splitlines()
    assert lines[0].split() == ["date", "forecast", "lower", "upper"]
    assert [line.split()[0] for line in lines[1:]] == ["2005-01", "2005-02", "2005-03", "2005-04"]
    for line in lines[1:]:
        forecast, lower, upper = map(float, line.split()[1:])
        assert lower < forecast < upper
    assert {p.name for p in out.iterdir()} == {
        "model.safetensors",
        "metrics.json",
        "forecast.csv",
        "forecast.png",
        "report.html",
    }
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["holdout"] == 4 and metrics["period"] == 6 and metrics["length"] == 60
    test = metrics["test"]
    assert set(test) == {"lstm", "seasonal naive", "naive", "drift"}
    # the seasonal naive's errors, computed here from the series itself
    values = np.loadtxt(series_csv, delimiter=",", skiprows=1, usecols=2)
    train, actual = values[:-4], values[-4:]
    snaive = train[-6:][:4]
    assert test["seasonal naive"]["MAE"] == pytest.approx(np.mean(np.abs(actual - snaive)))
    # forecast.csv holds what was printed, and the saved model forecasts it again
    rows = (out / "forecast.csv").read_text().strip().splitlines()
    assert rows[0] == "date,forecast,lower,upper" and len(rows) == 5
    model = Forecaster.load(out / "model.safetensors")
    np.testing.assert_allclose(
        model.predict(), [float(r.split(",")[1]) for r in rows[1:]], rtol=1e-5
    )
    png = (out / "forecast.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    image = pytest.importorskip("matplotlib.image").imread(out / "forecast.png")
    assert image.ndim == 3 and image.shape[0] > 100


def test_forecast_without_holdout_and_verbose_summary(series_csv, capsys):
    args = [a for a in TINY if a != "--quiet"]
    assert main(["forecast", str(series_csv), *args, "--holdout", "0"]) == 0
    out = capsys.readouterr().out
    assert "Test:" not in out
    assert out.strip().splitlines()[-1].startswith("done in ")
    assert "no files written (no --out)" in out


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["missing.csv"], 1, "no such file: missing.csv"),
        (["{csv}", "--column", "profit"], 1, "value column 'profit' is not a column"),
        (["{csv}", "--horizon", "0"], 2, "--horizon must be a positive integer; got 0"),
        (["{csv}", "--level", "1.5"], 2, "--level must lie strictly between 0 and 1"),
        (["{csv}", "--holdout", "60"], 2, "--holdout must be less than the series' length 60"),
        (["{two}"], 2, "has several value columns (a, b); choose one with --column"),
        # no --holdout given: the series is too short (a data error), the option not blamed
        (
            ["{short}"],
            1,
            "short.csv is too short to test a model: it has 4 values, and the "
            "test holds out the last 4 (by default as many as --horizon, 4)",
        ),
    ],
)
def test_errors_are_one_line_with_their_exit_status(
    series_csv, tmp_path, capsys, arguments, code, message
):
    two = tmp_path / "two.csv"
    two.write_text("a,b\n" + "".join(f"{k},{2 * k}\n" for k in range(40)))
    short = tmp_path / "short.csv"
    short.write_text("value\n" + "".join(f"{k}\n" for k in range(4)))
    filled = [a.format(csv=series_csv, two=two, short=short) for a in arguments]
    assert main(["forecast", *tiny(*filled)]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmkit: error: ") and "\n" not in err
    assert message in err


def test_console_entry_runs_in_a_subprocess(series_csv, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lstmkit", "forecast", str(series_csv), *tiny("--horizon", "2")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 3
    bad = subprocess.run(
        [sys.executable, "-m", "lstmkit", "forecast", "--horizon", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "invalid int value: 'x'" in bad.stderr


def test_without_matplotlib_the_files_but_the_plot_are_written(
    series_csv, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    out = tmp_path / "run"
    loud = [a for a in TINY if a != "--quiet"]
    assert main(["forecast", str(series_csv), *loud, "--out", str(out)]) == 0
    written = {p.name for p in out.iterdir()}
    assert written == {"model.safetensors", "metrics.json", "forecast.csv", "report.html"}
    assert "pip install 'lstmkit[plot]'" in capsys.readouterr().err


def test_ctrl_c_in_the_refit_saves_the_test_model(series_csv, tmp_path, capsys, monkeypatch):
    real_fit, calls = Forecaster.fit, []

    def fit(self, series, *args, **kwargs):
        calls.append(len(series))
        if len(calls) == 2:  # the refit on the whole series
            raise KeyboardInterrupt
        return real_fit(self, series, *args, **kwargs)

    monkeypatch.setattr(Forecaster, "fit", fit)
    out = tmp_path / "run"
    assert main(["forecast", str(series_csv), *TINY, "--out", str(out)]) == 130
    assert calls == [56, 60]
    err = capsys.readouterr().err
    assert "saved the model fitted without the last 4 values" in err
    assert str(out / "model.safetensors") in err
    saved = Forecaster.load(out / "model.safetensors")
    assert saved.horizon == 4


def test_a_second_ctrl_c_during_the_save_says_nothing_was_saved(
    series_csv, tmp_path, capsys, monkeypatch
):
    real_fit, real_save = Forecaster.fit, Forecaster.save

    def fit(self, series, *args, **kwargs):
        if len(series) == 60:  # the refit on the whole series
            raise KeyboardInterrupt
        return real_fit(self, series, *args, **kwargs)

    def save(self, path):  # the second Ctrl-C, once the file is half written
        monkeypatch.setattr(atomic.os, "fsync", interrupted)
        real_save(self, path)

    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(Forecaster, "fit", fit)
    monkeypatch.setattr(Forecaster, "save", save)
    out = tmp_path / "run"
    assert main(["forecast", str(series_csv), *TINY, "--out", str(out)]) == 130
    assert capsys.readouterr().err.splitlines() == [
        f"interrupted again while saving: nothing saved to {out / 'model.safetensors'} "
        "(no file was written)",
        "lstmkit: interrupted",
    ]
    assert list(out.iterdir()) == []


def test_ctrl_c_before_any_fit_saves_nothing(series_csv, tmp_path, capsys, monkeypatch):
    def fit(self, series, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Forecaster, "fit", fit)
    assert main(["forecast", str(series_csv), *TINY, "--out", str(tmp_path / "run")]) == 130
    assert "interrupted before a model was fitted: nothing saved" in capsys.readouterr().err
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_no_dates_reads_a_file_whose_dates_lstmkit_does_not_accept(tmp_path, capsys):
    """US-style dates in the first column are refused (issue 23, item 21: never silently
    ignored); --no-dates is the command line's way to read such a file without its dates,
    as date_column=False is in Python."""
    us = tmp_path / "us.csv"
    rows = [
        f"{m % 12 + 1:02d}/01/{1950 + m // 12},{100 + 10 * np.sin(m / 2) + m:.2f}"
        for m in range(60)
    ]
    us.write_text("d,v\n" + "\n".join(rows) + "\n")
    assert main(["forecast", str(us), *tiny("--column", "v")]) == 1
    assert "looks like a date but is not a valid date" in capsys.readouterr().err
    assert main(["forecast", str(us), *tiny("--column", "v", "--no-dates")]) == 0
    assert main(["forecast", str(us), *tiny("--no-dates", "--date-column", "d")]) == 2
    assert "--no-dates and --date-column exclude each other" in capsys.readouterr().err
