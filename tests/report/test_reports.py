"""report.html of every training command, read back as HTML: its sections, its numbers
against the command's own files, the escaping of user strings, nothing loaded from outside,
the page without matplotlib, the atomic write."""

import csv
import html
import json
import sys
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest

from lstmkit._version import __version__
from lstmkit.cli import main
from lstmkit.report import REPORT
from lstmkit.report.figures import MISSING_PLOTS

COMMANDS = ("forecast", "forecast-panel", "classify", "textclf", "tag", "charlm", "seq2seq",
            "experiment")  # fmt: skip
# a plot beside the curves (charlm: the gate heatmap)
WITH_PLOTS = {"forecast", "forecast-panel", "classify", "textclf", "tag", "charlm", "seq2seq"}
TYPED = {"charlm": "charlm train", "forecast-panel": "forecast"}  # the command line's words


class Page(HTMLParser):
    """What a report holds: element ids, every attribute, the tags used, and each table as
    (caption, rows of cell texts), the caption being the <h3> before it (or the section's
    <h2>)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.ids, self.attributes, self.tags, self.tables = set(), [], Counter(), []
        self._heading, self._in_heading, self._row, self._cell = "", False, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attributes += [(tag, name, value) for name, value in attrs]
        self.ids.update(value for name, value in attrs if name == "id")
        if tag in ("h2", "h3"):
            self._in_heading, self._heading = True, ""
        elif tag == "table":
            self.tables.append((self._heading, []))
        elif tag == "tr":
            self._row = []
            self.tables[-1][1].append(self._row)
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("h2", "h3"):
            self._in_heading = False
        elif tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._in_heading:
            self._heading += data
        if self._cell is not None:
            self._cell += data

    def table(self, caption) -> list:
        """The rows of the first table whose caption starts with `caption`."""
        return next(rows for title, rows in self.tables if title.startswith(caption))

    def facts(self, caption) -> dict:
        """A two-column table as {name: value}."""
        return {name: value for name, value in self.table(caption)}


def read(folder) -> str:
    return (folder / REPORT).read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_section_is_there(report_folders, command):
    page = Page(read(report_folders[command]))
    assert {"data", "training-curves", "results", "model-card", "curves"} <= page.ids
    assert ("plot-1" in page.ids) == (command in WITH_PLOTS)
    card = page.facts("Model card")
    assert card["lstmkit"] == __version__
    assert card["NumPy"] == np.__version__
    assert card["command line"].startswith(f"lstmkit {TYPED.get(command, command)} ")


@pytest.mark.parametrize("command", COMMANDS)
def test_user_strings_are_shown_as_text(report_folders, command):
    text = read(report_folders[command])
    assert "<script" not in text.lower()  # no script at all: neither ours nor the user's
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_nothing_is_loaded_from_outside_the_file(report_folders, command):
    text = read(report_folders[command])
    page = Page(text)
    sources = [value for _, name, value in page.attributes if name == "src"]
    assert sources and all(v.startswith("data:image/png;base64,") for v in sources)
    assert not [a for a in page.attributes if a[1] in ("href", "srcset", "action", "data")]
    assert not {"link", "script", "iframe", "object", "embed"} & set(page.tags)
    assert "http" not in text.lower() and "url(" not in text and "@import" not in text


def test_forecast_tables_are_the_command_s_numbers(report_folders):
    folder = report_folders["forecast"]
    page = Page(read(folder))
    metrics = json.loads((folder / "metrics.json").read_text())
    errors = page.table("<script>alert(1)</script>: errors on the last 4 values")
    assert errors[0] == ["method", "MAE", "RMSE", "MAPE", "sMAPE", "MASE"]
    assert [row[0] for row in errors[1:]] == ["lstm", "seasonal naive", "naive", "drift"]
    for row in errors[1:]:
        assert float(row[1]) == pytest.approx(metrics["test"][row[0]]["MAE"], rel=5e-4)
    with open(folder / "forecast.csv", newline="") as handle:
        assert page.table("forecast of the next 4 values") == list(csv.reader(handle))
    curves = page.table("Training curves")
    # the probe network that chose the epochs, then one line per ensemble member (2)
    assert [row[0] for row in curves[1:]] == ["probe (chose the epochs)", "member 1", "member 2"]


def test_classify_card_counts_the_saved_model_s_parameters(report_folders):
    from lstmkit.models import SequenceClassifier

    folder = report_folders["classify"]
    page = Page(read(folder))
    model = SequenceClassifier.load(folder / "model.safetensors")
    count = sum(value.size for value in model.network_.params.values())
    assert page.facts("Model card")["parameters"] == f"{count:,}"
    assert page.facts("Model card")["seed"] == "0"
    assert [row[0] for row in page.table("Training curves")[1:]] == ["member 1", "member 2"]
    metrics = json.loads((folder / "metrics.json").read_text())
    confusion = page.table("confusion matrix")
    assert [[int(v) for v in row[1:]] for row in confusion[1:]] == metrics["confusion"]
    assert [row[0] for row in confusion[1:]] == metrics["classes"]


def test_panel_report_holds_the_series_and_the_command_s_metrics(report_folders):
    folder = report_folders["forecast-panel"]
    page = Page(read(folder))
    data = page.facts("Data")
    assert (data["series"], data["values per series"]) == ("2", "24 to 30 (median 27)")
    assert data["spacing of the dates"] == "1 month"  # dates written as 2000-01, ...
    assert data["held out for the test (per series)"] == "3"
    with open(folder / "metrics.csv", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows = [[cell or "-" for cell in row] for row in rows]  # blank: undefined
    means = page.table("errors on the last 3 values of each series (models fitted without "
                       "them): means over the 2 series")  # fmt: skip
    assert means == [header[1:]] + [row[1:] for row in rows if row[0] == "(all)"]
    assert [row[0] for row in means[1:]] == ["lstm", "seasonal naive", "naive"]
    each = page.table("errors on the last 3 values of each series (models fitted without "
                      "them): per series")  # fmt: skip
    assert each == [header] + [row for row in rows if row[0] != "(all)"]
    assert {row[0] for row in each[1:]} == {"b", "<script>alert(1)</script>"}
    curves = page.table("Training curves")
    assert [row[0] for row in curves[1:]] == ["probe (chose the epochs)", "member 1"]
    assert {"plot-1", "plot-2"} <= page.ids and "plot-3" not in page.ids
    assert ("img", "alt", "store b: history, test forecast and forecast") in page.attributes


def test_panel_report_path_is_printed_and_in_the_json_files(tiny_runs, tmp_path, capsys):
    """Without a test part (--holdout 0) the page still holds the data, curves and card."""
    rows = [f"{key},{k},{10 + k % 4 + len(key)}" for key in ("p", "q") for k in range(16)]
    (tmp_path / "panel.csv").write_text("id,t,y\n" + "\n".join(rows) + "\n")
    argv = ["forecast", str(tmp_path / "panel.csv"), "--id-column", "id", "--no-dates",
            "--holdout", "0", "--epochs", "1", "--hidden-size", "4", "--ensemble", "1",
            "--horizon", "2", "--season-length", "4", "--out"]  # fmt: skip
    assert main([*argv, str(tmp_path / "text")]) == 0
    assert f"report: {tmp_path / 'text' / REPORT}" in capsys.readouterr().out.splitlines()
    assert main([*argv, str(tmp_path / "json"), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert str(tmp_path / "json" / REPORT) in files
    page = Page(read(tmp_path / "json"))
    assert page.facts("Data")["spacing of the dates"] == "no dates (rows in file order)"
    assert {"data", "training-curves", "model-card"} <= page.ids and "results" not in page.ids


def test_tag_errors_by_tag_match_the_predictions_file(report_folders):
    folder = report_folders["tag"]
    words, wrong = Counter(), Counter()
    for line in (folder / "predictions.tsv").read_text(encoding="utf-8").splitlines():
        if line:
            _, gold, guess = line.split("\t")
            words[gold] += 1
            wrong[gold] += guess != gold
    rows = Page(read(folder)).table("errors by tag")
    assert {row[0]: (int(row[1]), int(row[2])) for row in rows[1:]} == {
        tag: (words[tag], wrong[tag]) for tag in words
    }
    assert [int(row[2]) for row in rows[1:]] == sorted(wrong.values(), reverse=True)
    assert (folder / "tag_errors.png").exists()


def test_charlm_curve_marks_the_epoch_of_least_validation_loss(report_folders):
    folder = report_folders["charlm"]
    history = json.loads((folder / "metrics.json").read_text())["history"]
    losses = [record["val_nats_per_char"] for record in history]
    [row] = Page(read(folder)).table("Training curves")[1:]
    assert row[1:3] == [str(len(history)), str(losses.index(min(losses)) + 1)]
    assert row[4] == f"{min(losses):.4g}"


def test_experiment_table_holds_each_run(report_folders):
    folder = report_folders["experiment"]
    saved = json.loads((folder / "results.json").read_text())
    rows = Page(read(folder)).table("results by the paper's criterion")[1:]
    assert [(row[0], row[1], row[4]) for row in rows] == [
        (r["model"], str(r["seed"]), f"{r['test_wrong']}/{r['test_size']}") for r in saved["rows"]
    ]
    curves = Page(read(folder)).table("Training curves")[1:]
    assert [row[0] for row in curves] == [f"{r['model']} seed {r['seed']}" for r in saved["rows"]]


def test_the_path_is_printed_and_in_the_json_files(tiny_runs, tmp_path, capsys):
    train = tmp_path / "texts.tsv"
    train.write_text("".join(f"a {k % 3} b\t{'x' if k % 2 else 'y'}\n" for k in range(20)))
    argv = ["textclf", str(train), "--epochs", "1", "--hidden-size", "4", "--out"]
    assert main([*argv, str(tmp_path / "text")]) == 0
    assert f"report: {tmp_path / 'text' / REPORT}" in capsys.readouterr().out.splitlines()
    assert main([*argv, str(tmp_path / "json"), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert str(tmp_path / "json" / REPORT) in files


def test_without_matplotlib_the_tables_remain_and_the_page_says_why(
    tiny_runs, tmp_path, monkeypatch
):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib: ImportError
    folder = tiny_runs.classify(tmp_path)
    text = read(folder)
    page = Page(text)
    assert MISSING_PLOTS in html.unescape(text)
    assert 'pip install "lstmkit[plot]"' in html.unescape(text)
    assert page.tags["img"] == 0 and not (folder / "confusion.png").exists()
    assert not (folder / "gates.png").exists()
    assert {"data", "training-curves", "results", "model-card"} <= page.ids
    assert len(page.table("Training curves")) == 3  # header and the two members
    assert page.table("confusion matrix")[0][0] == "true \\ predicted"


def test_a_failed_write_leaves_the_previous_report(report_folders, monkeypatch):
    from lstmkit.report import document

    folder = report_folders["charlm"]
    before = read(folder)

    def refuse(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lstmkit.io.atomic.os.replace", refuse)
    report = document.Report(title="other", data=[("a", 1)], card=[("b", 2)])
    with pytest.raises(OSError, match="No space left"):
        document.write_report(folder, report)
    assert read(folder) == before
    assert not list(folder.glob(f".{REPORT}.*"))


def test_forecast_of_two_columns_has_their_tables_and_plots(tiny_runs, tmp_path):
    t = np.arange(60)
    dates = np.arange("2000-01", "2005-01", dtype="datetime64[M]")
    rows = [
        f"{d},{100 + k + 10 * np.sin(k):.3f},{50 + k:.3f}" for k, d in zip(t, dates, strict=True)
    ]
    (tmp_path / "two.csv").write_text("month,a,<b>\n" + "\n".join(rows) + "\n")
    options = ["--epochs", 2, "--hidden-size", 4, "--ensemble", 1, "--horizon", 4]
    folder = tiny_runs.run(tmp_path, "forecast", tmp_path / "two.csv", "--column", "a",
                           "--column", "<b>", *options, "--season-length", 6)  # fmt: skip
    page = Page(read(folder))
    captions = [caption for caption, _ in page.tables]
    assert [c for c in captions if "errors on the last" in c] == [
        "a: errors on the last 4 values (models fitted without them)",
        "<b>: errors on the last 4 values (models fitted without them)",
    ]
    assert page.table("forecast of the next 4 values")[0][1:4] == ["a", "a lower", "a upper"]
    assert {"plot-1", "plot-2"} <= page.ids and "plot-3" not in page.ids
