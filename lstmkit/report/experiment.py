"""report.html of `lstmkit experiment`: the task, each run's test error and wrong test
sequences at every check (x: the training sequences seen; one line per model and seed, the
check of least error marked), and the results table the command prints, where the GRU and
the vanilla RNN of about the LSTM's size are the comparison."""

import json
from pathlib import Path

from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves
from lstmkit.report.document import Report, write_report

HEADER = ["model", "seed", "parameters", "solved", "wrong test sequences", "final error",
          "sequences to criterion", "sequences seen", "seconds"]  # fmt: skip


def experiment_report(folder, args, rows, seconds):
    """Write the report from the RunResult `rows` and the curves of results.json (which
    `lstmkit.experiments.run_experiment` wrote in `folder`)."""
    saved = json.loads((Path(folder) / "results.json").read_text(encoding="utf-8"))
    data = [
        ("task", args.name),
        ("lag T", "-" if args.name == "reber" else rows[0].T),
        ("training sequences per model", args.budget),
        ("test sequences", rows[0].test_size),
        ("models", ", ".join(dict.fromkeys(r.model for r in rows))),
        ("seeds", args.seeds),
    ]
    sizes = {r.model: f"{r.model} {r.parameters:,}" for r in rows}
    report = Report(
        title=f"lstmkit experiment {args.name}",
        data=data,
        card=card_rows(
            args,
            seconds,
            networks=f"one-layer networks of {args.hidden_size} LSTM cells or as many "
            f"parameters (GRU, RNN); Adam, batch {args.batch_size}, lr {args.lr}",
            parameters=", ".join(sizes.values()),
            seed=args.seeds,
        ),
        curves=experiment_curves(saved["curves"], rows),
        tables=[("results by the paper's criterion", HEADER, [result_row(r) for r in rows])],
    )
    return write_report(folder, report)


def experiment_curves(curves: dict, rows) -> Curves:
    """results.json's curves ({"lstm_seed0": [[seen, wrong, error], ...], ...}) as records,
    in the order of the results table."""
    histories = {}
    for row in rows:
        points = curves[f"{row.model}_seed{row.seed}"]
        histories[f"{row.model} seed {row.seed}"] = {
            "seen": [point[0] for point in points],
            "wrong": [point[1] for point in points],
            "error": [point[2] for point in points],
        }
    return Curves(
        histories,
        monitor="error",
        losses=("error",),
        metric="wrong",
        x="seen",
        x_label="training sequences",
        units={"error": "test error", "wrong": "wrong test sequences"},
    )


def result_row(row) -> tuple:
    return (
        row.model,
        row.seed,
        f"{row.parameters:,}",
        "yes" if row.solved else "no",
        f"{row.test_wrong}/{row.test_size}",
        html.number(row.final_error),
        "-" if row.sequences_to_criterion is None else row.sequences_to_criterion,
        row.sequences_seen,
        f"{row.wall_time_s:.1f}",
    )
