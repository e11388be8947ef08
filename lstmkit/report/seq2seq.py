"""report.html of `lstmkit seq2seq`: the pairs, the curves (the validation exact match chose
the epoch), the exact-match accuracy, the first predictions beside their targets, and the
attention map the command drew (attention.png)."""

from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves, records_of
from lstmkit.report.document import Report, write_report

EXAMPLES = 20  # predictions shown


def seq2seq_report(folder, args, model, metrics: dict, scored, seconds):
    """Write the report; `metrics` as metrics.json holds it, `scored` the (source, target,
    prediction, correct) rows of predictions.csv."""
    scored = list(scored)
    where = "test" if "test_exact_match" in metrics else "train"
    data = [
        ("data", f"generated task {args.task!r}" if args.task else args.train),
        ("training pairs", metrics["train_pairs"]),
        (f"pairs scored ({where})", metrics[f"{where}_pairs"]),
        ("level", args.level),
        ("attention", args.attention),
        ("decoding", "greedy" if args.beam_size == 1 else f"beam of {args.beam_size}"),
    ]
    exact = [("exact match", html.number(metrics[f"{where}_exact_match"]))]
    examples = [(s, t, p, "yes" if right else "no") for s, t, p, right in scored[:EXAMPLES]]
    history = records_of(model.history_)
    metric = "val_exact" if "val_exact" in history else None
    report = Report(
        title="lstmkit seq2seq",
        data=data,
        card=card_rows(args, seconds, model=model),
        curves=Curves({"model": history}, monitor="val_exact", maximize=True, metric=metric),
        tables=[
            (f"{where} exact match", ["score", "value"], exact),
            (
                f"the first {len(examples)} {where} predictions",
                ["source", "target", "prediction", "right"],
                examples,
            ),
        ],  # fmt: skip
        images=[("attention weights of the first prediction", "attention.png")],
    )
    return write_report(folder, report)
