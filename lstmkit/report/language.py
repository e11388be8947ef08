"""report.html of `lstmkit charlm train`: the text, the training and validation loss per
epoch (both in nats per character), the validation score beside a uniform guess, and the
sample the command wrote (sample.txt), and the gates of the LSTM's first layer over the first
GATE_CHARS characters of the validation text (gates.png).

A model that spreads its probability evenly over the V characters of its vocabulary scores

    ln V nats per character    (log2 V bits)

on any text: the reference that says how much the network learned.
"""

import math

from lstmkit.data.tokenizers import char_tokenize
from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves, records_of
from lstmkit.report.document import Report, write_report
from lstmkit.report.gates import gate_image

SAMPLE_SHOWN = 500  # characters of sample.txt shown
GATE_CHARS = 40  # characters whose gates are drawn: a readable heatmap, a step per column


def language_report(folder, args, model, result: dict, counts, sample: str, seconds, text=""):
    """Write the report; `result` is the model's evaluation on the validation text
    ({"nats_per_char", "bits_per_char"}), `counts` the (training, validation) characters,
    `text` the validation text (its start is drawn through the LSTM's gates)."""
    size = len(model.vocabulary_)
    data = [
        ("text", args.text),
        ("training characters", counts[0]),
        ("validation characters (the end of the text)", counts[1]),
        ("vocabulary", f"{size} characters"),
    ]
    header = ["model", "nats/char", "bits/char"]
    rows = [
        ("LSTM language model", html.number(result["nats_per_char"]),
         html.number(result["bits_per_char"])),
        ("uniform over the vocabulary", html.number(math.log(size)),
         html.number(math.log2(size))),
    ]  # fmt: skip
    curves = Curves(
        {"model": records_of(model.history_)},
        monitor="val_nats_per_char",
        losses=("loss", "val_nats_per_char"),
        units={"loss": "nats/char (training)", "val_nats_per_char": "validation"},
    )
    report = Report(
        title="lstmkit charlm train",
        data=data,
        card=card_rows(args, seconds, model=model),
        curves=curves,
        tables=[
            ("validation loss", header, rows),
            ("sample (temperature 0.8)", ["text"], [[sample[:SAMPLE_SHOWN]]]),
        ],
        images=gate_plot(folder, model, text[:GATE_CHARS]),
    )
    return write_report(folder, report)


def gate_plot(folder, model, piece: str) -> list:
    """gates.png: the characters of `piece` through the first layer of the model's LSTM, which
    reads their embeddings (the state starts at zeros); the report's image entries."""
    if not piece:
        return []
    network, ids = model.network_, model.vocabulary_.encode(char_tokenize(piece))
    x = network.embedding(ids[None])[0]
    caption = (
        f"gates and states of the LSTM (first layer) over the first {len(ids)} characters of "
        f"the validation text, {piece!r}, from a zero state: per unit (down) and character "
        "(across)"
    )
    return gate_image(folder, network.lstm, x, f"{len(ids)} validation characters", caption)
