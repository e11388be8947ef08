"""The regularised-LSTM variants of issue 21 for the task benchmarks (char_lm.py, tagging.py,
text_classification.py): which hyperparameters each variant sets, the command-line options
that choose them, and the table that puts every variant beside the plain model.

    --variant plain layer_norm awd      variants by name (plain, the baseline, always runs
                                        unless --no-plain)
    --set weight_drop=0.3 --set layer_norm=True
                                        one more variant of exactly these settings

Each variant is added to the model's defaults (its own dropouts stay); `--set` can change
any hyperparameter, e.g. `--set embedding_dropout=0 --set dropout_input=0.5` to put variational
dropout in place of the ordinary one. Values follow the papers where they fit small models:
zoneout 0.5 on the cell and 0.05 on the hidden state (Krueger et al. 2016), weight drop 0.5
(Merity et al. 2017); variational dropout 0.25 on top of the models' own dropout.
"""

import ast
import statistics

VARIATIONAL = {"dropout_input": 0.25, "dropout_output": 0.25, "dropout_state": 0.25}
VARIANTS = {
    "plain": {},
    "layer_norm": {"layer_norm": True},
    "variational": VARIATIONAL,
    "weight_drop": {"weight_drop": 0.5},
    "zoneout": {"zoneout_cell": 0.5, "zoneout_hidden": 0.05},
    "awd": {"weight_drop": 0.5, **VARIATIONAL},  # AWD-LSTM: weight drop + variational dropout
}


def add_variant_arguments(parser, default=("plain",)) -> None:
    parser.add_argument(
        "--variant",
        nargs="+",
        choices=[*VARIANTS, "all"],
        default=list(default),
        metavar="VARIANT",
        help="regularised variants to run beside plain ('all': every one); "
        + "; ".join(f"{name}: {describe(settings)}" for name, settings in VARIANTS.items()),
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one more variant with these hyperparameters (repeat for several)",
    )
    parser.add_argument(
        "--no-plain",
        action="store_true",
        help="leave out the plain baseline (e.g. when it runs as a process of its own)",
    )


def chosen_variants(args) -> dict:
    """{variant name: hyperparameters}: plain first (unless --no-plain), then the named
    ones, then --set's."""
    names = list(VARIANTS) if "all" in args.variant else ["plain", *args.variant]
    if args.no_plain:
        names = [name for name in names if name != "plain"]
    chosen = {name: VARIANTS[name] for name in dict.fromkeys(names)}
    if args.set:
        settings = dict(parse_setting(text) for text in args.set)
        chosen[describe(settings)] = settings
    if not chosen:
        raise SystemExit("--no-plain leaves nothing to run: name a --variant or give --set")
    return chosen


def parse_setting(text: str) -> tuple[str, object]:
    """'name=value' -> (name, value); the value read as a Python literal (0.3, True, None),
    else kept as a string."""
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise SystemExit(f"--set needs NAME=VALUE; got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def describe(settings: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in settings.items()) or "defaults"


def summary(values) -> str:
    """'mean ± sd (min-max)' of a list of scores (sd 0 for one)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f} ({min(values):.4f}-{max(values):.4f})"


def variant_table(results: dict, metric: str, lower_is_better: bool = False) -> str:
    """A Markdown table from {group: {variant: {"scores": [...], "seconds": [...]}}}: one row
    per group and variant, its scores over the seeds, the change of their mean against plain
    in the same group, and the mean seconds per fit."""
    better = "lower" if lower_is_better else "higher"
    lines = [
        f"| data | variant | {metric}, mean ± sd (min-max) | vs plain ({better} is better) "
        "| seeds | time per fit |",
        "|---|---|---|---|---|---|",
    ]
    for group, by_variant in results.items():
        plain = by_variant.get("plain")
        for variant, run in by_variant.items():
            mean = statistics.mean(run["scores"])
            change = "" if plain is None else f"{mean - statistics.mean(plain['scores']):+.4f}"
            lines.append(
                f"| {group} | {variant} | {summary(run['scores'])} | {change} | "
                f"{len(run['scores'])} | {statistics.mean(run['seconds']):.0f} s |"
            )
    return "\n".join(lines)
