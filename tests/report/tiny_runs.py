"""Tiny runs of the seven training commands (and of forecast's panel path), each with --out,
for the report tests (and the browser tests, which load this file by its path).

Every run carries a user string that is HTML, `LABEL` (a class label, a column name, a tag, a
word, a file name), so that each report must escape it. `RUNS[command](folder)` writes the
inputs under `folder`, runs the command with `main` and returns its --out folder.
"""

import numpy as np

from lstmkit.cli import main

LABEL = "<script>alert(1)</script>"  # a user string that must be shown, never run


def run(folder, command, *arguments, out=None):
    """`lstmkit COMMAND ARGUMENTS --out folder/OUT --quiet` (OUT: the command's last word by
    default); returns that --out folder."""
    out = folder / (out or command.split()[-1])
    argv = [*command.split(), *map(str, arguments), "--out", str(out), "--quiet"]
    code = main(argv)
    if code != 0:
        raise AssertionError(f"lstmkit {' '.join(argv)} exited with status {code}")
    return out


def forecast(folder):
    """60 monthly values, a season of 6, in a column named LABEL; two ensemble members."""
    t = np.arange(60)
    values = 100 + t + 10 * np.sin(2 * np.pi * t / 6)
    dates = np.arange("2000-01", "2005-01", dtype="datetime64[M]")
    lines = [f'month,"{LABEL}"'] + [f"{d},{v:.3f}" for d, v in zip(dates, values, strict=True)]
    (folder / "series.csv").write_text("\n".join(lines) + "\n")
    return run(folder, "forecast", folder / "series.csv", "--epochs", 3, "--hidden-size", 4,
               "--ensemble", 2, "--horizon", 4, "--season-length", 6)  # fmt: skip


def forecast_panel(folder):
    """Two monthly series stacked (the long layout), one of them with the id LABEL."""
    lines = ["store,month,sales"]
    for key, length, start in (("b", 30, "2000-01"), (LABEL, 24, "2001-07")):
        t = np.arange(length)
        values = 100 + t + 10 * np.sin(2 * np.pi * t / 6)
        months = np.datetime64(start) + t
        lines += [f"{key},{m},{v:.3f}" for m, v in zip(months, values, strict=True)]
    (folder / "panel.csv").write_text("\n".join(lines) + "\n")
    return run(folder, "forecast", folder / "panel.csv", "--id-column", "store",
               "--date-column", "month", "--value-column", "sales", "--epochs", 2,
               "--hidden-size", 4, "--ensemble", 1, "--horizon", 3, "--season-length", 6,
               out="panel")  # fmt: skip


def classify(folder):
    """Two classes (one labelled LABEL): rising and falling two-channel sequences."""
    rng = np.random.default_rng(0)
    padded, labels, lengths = np.zeros((24, 8, 2)), [], []
    for n in range(24):
        steps = int(rng.integers(5, 9))
        slope = 1.0 if n % 2 else -1.0
        padded[n, :steps] = np.stack([slope * np.arange(steps), rng.standard_normal(steps)], 1)
        labels.append(LABEL if n % 2 else "down")
        lengths.append(steps)
    np.savez(folder / "train.npz", X=padded, y=np.array(labels), lengths=np.array(lengths))
    return run(folder, "classify", folder / "train.npz", "--epochs", 2, "--hidden-size", 4,
               "--ensemble", 2)  # fmt: skip


def textclf(folder):
    lines = [
        f"the film {k % 5} was {'great' if k % 2 else 'awful'}\t{LABEL if k % 2 else 'neg'}"
        for k in range(40)
    ]
    (folder / "texts.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run(folder, "textclf", folder / "texts.tsv", "--epochs", 2, "--hidden-size", 4)


def tag(folder):
    """BIO sentences in which the word LABEL is an entity of type LABEL."""
    names, lines = ["Ann", "Bob", "Cy", "Di"], []
    for n in range(12):
        lines += [
            f"{names[n % 4]}\tB-PER",
            "Smith\tI-PER",
            "went\tO",
            "to\tO",
            f"{LABEL}\tB-{LABEL}",
            "",
        ]
    (folder / "tags.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run(folder, "tag", folder / "tags.tsv", "--epochs", 2, "--hidden-size", 4)


def charlm(folder):
    """A text file named `<script>.txt` (a file name cannot hold LABEL's slash)."""
    text = folder / "<script>.txt"
    text.write_text(f"to be or not to be, {LABEL} is the question. " * 10)
    return run(folder, "charlm train", text, "--hidden-size", 8, "--layers", 1,
               "--epochs", 2, "--batch-size", 4)  # fmt: skip


def seq2seq(folder):
    """Reverse short strings; one source is LABEL."""
    words = ["ab", "ba", "abc", "cab", "bca", "aab", "cc", LABEL]
    pairs = "".join(f"{w}\t{w[::-1]}\n" for w in words * 3)
    (folder / "pairs.tsv").write_text(pairs, encoding="utf-8")
    return run(folder, "seq2seq", folder / "pairs.tsv", "--hidden-size", 8, "--epochs", 2)


def experiment(folder):
    """The adding problem at T = 10, LSTM and RNN, two seeds, 64 sequences each; the
    command line (in the model card) names a folder `experiment-<script>`."""
    return run(folder, "experiment", "adding", "--T", 10, "--budget", 64, "--batch-size", 16,
               "--eval-every", 32, "--test-size", 50, "--hidden-size", 4, "--seeds", "0,1",
               "--models", "lstm,rnn", out="experiment-<script>")  # fmt: skip


RUNS = {
    "forecast": forecast,
    "forecast-panel": forecast_panel,
    "classify": classify,
    "textclf": textclf,
    "tag": tag,
    "charlm": charlm,
    "seq2seq": seq2seq,
    "experiment": experiment,
}
