"""The pieces of a report on hand-made inputs: the best epoch of a curve, the curve figure's
lines and marks, the per-class and per-tag tables, escaping, data: URIs only."""

import numpy as np
import pytest

from lstmkit.report import html
from lstmkit.report.classification import accuracy_rows, class_rows
from lstmkit.report.curves import Curves, best_index, curves_figure, records_of, summary_rows
from lstmkit.report.tagging import tag_errors
from lstmkit.training.history import History


def test_best_epoch_by_the_monitor_its_direction_and_undefined_values():
    history = {
        "loss": [3.0, 2.0, 1.0],
        "val_loss": [2.0, None, 1.5],
        "val_accuracy": [0.5, 0.9, 0.9],
    }
    assert best_index(history, "val_loss", maximize=False) == 2  # None (non-finite) skipped
    assert best_index(history, "val_accuracy", maximize=True) == 1  # the first of equals
    # trained without validation data: the Trainer kept the epoch of least training loss
    assert best_index({"loss": [3.0, 1.0, 2.0]}, "val_loss", maximize=True) == 1
    assert best_index({"loss": [None, None]}, "val_loss", maximize=False) is None


def test_summary_rows_read_the_records_at_the_best_epoch():
    curves = Curves(
        {"a": {"loss": [3.0, 2.0, 1.0], "val_loss": [2.0, 1.0, 1.5]}, "b": {"loss": [4.0, 5.0]}},
        monitor="val_loss",
    )
    assert summary_rows(curves) == [["a", 3, 2, "2", "1"], ["b", 2, 1, "4", "-"]]
    seen = Curves({"run": {"seen": [32, 64, 96], "error": [0.3, 0.1, 0.2]}}, "error",
                  losses=("error",), x="seen")  # fmt: skip
    assert summary_rows(seen) == [["run", 3, "64", "0.1"]]


def test_records_of_a_history_and_of_a_list_of_records():
    history = History({"loss": [1.0, 0.5]})
    assert records_of(history) == {"loss": [1.0, 0.5]}
    listed = [{"epoch": 1, "loss": 2.0}, {"epoch": 2, "loss": 1.0, "val": 3.0}]
    assert records_of(listed) == {"epoch": [1, 2], "loss": [2.0, 1.0], "val": [None, 3.0]}


def test_the_figure_has_a_line_per_network_and_record_and_a_star_at_each_best_epoch():
    plt = pytest.importorskip("matplotlib.pyplot")
    histories = {
        f"member {k}": {"loss": [3.0, 2.0, 1.0], "val_loss": [2.0, 1.0 - k / 10, 1.5]}
        for k in (1, 2, 3)
    }
    histories["member 3"]["val_accuracy"] = [0.2, 0.4, 0.3]
    curves = Curves(histories, monitor="val_loss", metric="val_accuracy")
    figure = curves_figure(plt, curves)
    try:
        left, right = figure.axes[:2]
        labels = [line.get_label() for line in left.lines if not line.get_label().startswith("_")]
        assert labels == [f"member {k} {name}" for k in (1, 2, 3) for name in ("loss", "val_loss")]
        stars = [line for line in left.lines if line.get_marker() == "*"]
        assert [(s.get_xdata()[0], s.get_ydata()[0]) for s in stars] == [
            (2, 1.0 - k / 10) for k in (1, 2, 3)
        ]
        named = [line.get_label() for line in right.lines if not line.get_label().startswith("_")]
        assert named == ["member 3 val_accuracy"]
    finally:
        plt.close(figure)


def test_per_class_scores_and_the_chance_reference():
    matrix = np.array([[3, 1], [2, 4]])  # true classes down, predicted across
    assert class_rows(matrix, ["a", "b"]) == [("a", 4, "0.75", "0.6"), ("b", 6, "0.6667", "0.8")]
    assert accuracy_rows(0.7, matrix)[1][1] == "0.6"  # always "b": 6 of 10
    # no true "a" (recall undefined); "a" said once, wrongly (precision 0)
    assert class_rows(np.array([[0, 0], [1, 1]]), ["a", "b"])[0] == ("a", 0, "-", "0")


def test_tag_errors_count_each_gold_tag():
    gold = [["B-PER", "O", "O"], ["B-LOC", "O"]]
    predicted = [["B-LOC", "O", "B-PER"], ["B-LOC", "O"]]
    assert tag_errors(gold, predicted) == [
        ("B-PER", 1, 1, 1.0, "B-LOC"),
        ("O", 3, 1, 1 / 3, "B-PER"),
        ("B-LOC", 1, 0, 0.0, "-"),
    ]


def test_every_cell_caption_and_title_is_escaped():
    label = "<img src=x onerror=alert(1)> & \"'"
    text = html.page(label, [html.section(label, html.table([label], [[label]], label), label)])
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;&#x27;" in text


def test_a_figure_embeds_data_uris_only():
    with pytest.raises(ValueError, match="data: URIs only; got 'https://example.org/a.png'"):
        html.figure("https://example.org/a.png", "caption", "name")
