"""`lstmkit explore` without a browser: its errors, the models it refuses, and what the page
carries (weights, sequences, nothing fetched). tests/browser/test_explore.py runs the page."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from lstmkit import GRU, LSTM, save
from lstmkit.cli import main
from lstmkit.datasets import load_japanese_vowels
from lstmkit.models import SequenceClassifier


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Saved layers and classifiers, and a data file, for the commands below."""
    folder = tmp_path_factory.mktemp("explore")
    save(LSTM(2, 3, seed=0), folder / "lstm.safetensors")
    save(LSTM(2, 3, peepholes=True, seed=0), folder / "peepholes.safetensors")
    save(GRU(2, 3, seed=0), folder / "gru.safetensors")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 4, 2))
    y = np.array(["a", "b"] * 4)
    np.savez(folder / "data.npz", X=X, y=y)
    np.savez(folder / "wide.npz", X=rng.standard_normal((4, 6, 5)))
    gru = SequenceClassifier(cell="gru", hidden_size=3, epochs=1, ensemble=1, seed=0).fit(X, y)
    gru.save(folder / "gru_classifier.safetensors")
    return folder


def _page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="lstmkit-data">(.*?)</script>', text, re.S
    )
    return json.loads(found.group(1))


def _status(argv) -> int:
    """The exit status of `lstmkit ARGV` (argparse's own errors exit through SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--hidden-size", "0"], 2, "--hidden-size: must be a positive integer; got '0'"),
        (["--out", "{out}/page.txt"], 2, "--out must be an .html file or a folder; got"),
        (["--model", "{f}/lstm.safetensors", "--seed", "1"], 2, "--seed and --model exclude"),
        (["--model", "{f}/lstm.safetensors", "--hidden-size", "4"], 2, "--hidden-size and --model"),
        (["--data", "{f}/data.npz"], 2, "--data needs --model"),
        (["--model", "{f}/missing.safetensors"], 1, "no such model file"),
        (["--model", "{f}/gru.safetensors"], 1, "holds a GRU; trace, inspect and explore read"),
        (["--model", "{f}/gru_classifier.safetensors"], 1, "encoder is a gru, not an LSTM"),
        (["--model", "{f}/peepholes.safetensors"], 1, "explore shows the plain LSTM step; "),
        (["--model", "{f}/lstm.safetensors", "--data", "{f}/wide.npz"], 1, "have 5 features"),
    ],
)
def test_errors_are_one_line(files, tmp_path, capsys, arguments, code, message):
    filled = [a.format(f=files, out=tmp_path) for a in arguments]
    out = ["--out", str(tmp_path / "page.html")] if "--out" not in filled else []
    assert _status(["explore", *filled, *out]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmkit: error: ") and "\n" not in err and message in err, err
    assert not (tmp_path / "page.html").exists()


def test_the_page_holds_the_layers_weights_and_fetches_nothing(files, tmp_path):
    assert (
        main(["explore", "--model", str(files / "lstm.safetensors"), "--out", str(tmp_path)]) == 0
    )
    path = tmp_path / "explore.html"  # --out a folder: explore.html in it
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", text)  # nothing to fetch
    assert "window.lstmkitCell" in text
    layer = LSTM(2, 3, seed=0)  # the saved layer, rebuilt from its seed
    data = _page_data(path)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_array_equal(data["weights"][name], layer.params[f"{name}_l0"])
    # a bare layer steps through the built-in examples: a pulse at step 1, a sine
    pulse = np.zeros((12, 2))
    pulse[1] = 1
    assert data["sequences"][0]["x"] == pulse.tolist()


def test_the_page_shows_the_equations_of_docs_lstm_md(tmp_path):
    assert main(["explore", "--out", str(tmp_path / "page.html"), "--quiet"]) == 0
    text = (tmp_path / "page.html").read_text(encoding="utf-8")
    doc = (Path(__file__).resolve().parents[2] / "docs" / "lstm.md").read_text(encoding="utf-8")
    block = doc.split("## 1. One step", 1)[1].split("```")[1]
    # each line: the equation, then (after 3 or more spaces) what it means
    equations = [re.split(r"\s{3,}", line.strip())[0] for line in block.strip().splitlines()]
    assert len(equations) == 6
    for equation in equations:
        assert equation in text


def test_a_classifier_of_12_channels_steps_through_japanese_vowels_test_cases(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 13, 12))
    y = np.array(["1", "2", "3"] * 2)
    model = SequenceClassifier(hidden_size=3, epochs=1, ensemble=1, seed=0).fit(X, y)
    model.save(tmp_path / "model.safetensors")
    page = tmp_path / "page.html"
    assert (
        main(["explore", "--model", str(tmp_path / "model.safetensors"), "--out", str(page)]) == 0
    )
    sequences = _page_data(page)["sequences"]
    test = load_japanese_vowels("test")
    # 20 cases taken in turn from the 9 speakers: the first two of each, the third of two
    firsts = [np.flatnonzero(test.y == label)[:3] for label in dict.fromkeys(test.y)]
    chosen = sorted([k for f in firsts for k in f[:2]] + [f[2] for f in firsts[:2]])
    assert [s["name"].split(",")[0] for s in sequences] == [f"case {k}" for k in chosen]
    for sequence, k in zip(sequences, chosen, strict=True):
        assert f"label {test.y[k]}" in sequence["name"] and "predicted" in sequence["name"]
        standardised = (test.X[k] - model.mean_) / model.scale_  # as the classifier reads it
        np.testing.assert_allclose(sequence["x"], standardised, rtol=1e-6, atol=1e-6)
