"""`lstmkit explain gradients`: how the gradient of the final loss reaches earlier inputs in a
vanilla RNN, a GRU and an LSTM (forget-gate bias 0 and 1), at initialisation and after training
on the adding problem; prints the numbers and plots them on a log scale."""

from pathlib import Path

import numpy as np

from lstmkit.cli.common import UsageError, add_common_arguments, note, output_dir, pyplot, say
from lstmkit.cli.output import files_written
from lstmkit.cli.parser import refuse_together
from lstmkit.cli.summary import require_positive
from lstmkit.io.atomic import write_csv, write_json

MODELS = ("rnn", "gru", "lstm")
# the initialisations compared; `lstmkit experiment` trains the LSTM from +3/-3 by default
# (T = 100) and used +6/-4 for T = 500
INITS = {
    "rnn": {"rnn init": {}},
    "gru": {"gru init": {}},
    "lstm": {
        "lstm init (forget bias 0)": {"forget_bias": 0.0},
        "lstm init (forget bias 1)": {"forget_bias": 1.0},
        "lstm init (forget +3, input -3)": {"forget_bias": 3.0, "input_bias": -3.0},
        "lstm init (forget +6, input -4)": {"forget_bias": 6.0, "input_bias": -4.0},
    },
}


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "explain",
        help="measure why gates matter: gradient flow through time",
        description="gradients: ||d loss_T / d x_t|| for every step t of an adding-problem "
        "sequence of length T, for RNN, GRU and LSTM of similar size, at initialisation "
        "(LSTM with forget-gate bias 0 and 1) and after training; printed, saved as CSV/JSON "
        "and plotted (log scale) with --out.",
    )
    parser.add_argument("topic", choices=("gradients",), help="what to explain")
    parser.add_argument("--T", type=int, default=100, help="sequence length (default: 100)")
    parser.add_argument(
        "--trained",
        metavar="DIR",
        default=None,
        help="folder of an `lstmkit experiment adding --out DIR` run: use its trained networks "
        "(rnn/gru/lstm_seed0.safetensors) instead of training here",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=40_000,
        help="without --trained: training sequences per model (default: 40000; 0: init only)",
    )
    parser.add_argument("--hidden-size", type=int, default=32, help="LSTM cells (default: 32)")
    parser.add_argument("--samples", type=int, default=8, help="sequences averaged (8)")
    add_common_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.experiments import gradient_norms

    if args.T < 10:
        raise UsageError(f"--T must be an integer >= 10; got {args.T}")
    if args.budget < 0:
        raise UsageError(f"--budget must be 0 or more; got {args.budget}")
    require_positive(args, "hidden_size", "samples")
    why = "--trained reads networks trained before; --budget trains new ones"
    refuse_together(args, "trained", "budget", why)
    folder = output_dir(args)
    sizes = _matched_sizes(args.hidden_size)
    probe = {"T": args.T, "n": args.samples, "seed": args.seed}
    curves = {}
    for kind in MODELS:
        for label, biases in INITS[kind].items():
            curves[label] = gradient_norms(kind, hidden_size=sizes[kind], **biases, **probe)
    for kind, network in _trained_networks(args, sizes).items():
        curves[f"{kind} trained"] = gradient_norms(network=network, **probe)
    _print_table(curves, args.T)
    if folder is not None:
        _save(folder, curves, args)
    names = (f"gradient_norms_T{args.T}.{kind}" for kind in ("csv", "json"))
    return {
        "T": args.T,
        "gradient_norms": curves,  # per curve, ||d loss_T / d x_t|| for t = 0 .. T-1
        "files": files_written(folder, *names, f"gradient_T{args.T}.png"),
    }


def _matched_sizes(hidden_size: int) -> dict:
    from lstmkit.experiments import matched_hidden_size, parameter_count

    reference = parameter_count("lstm", 2, hidden_size, 1)
    return {kind: matched_hidden_size(kind, 2, 1, reference) for kind in MODELS} | {
        "lstm": hidden_size
    }


def _trained_networks(args, sizes) -> dict:
    from lstmkit.experiments import TaskNetwork, get_task, train_network
    from lstmkit.io import load
    from lstmkit.random import spawn

    if args.trained is not None:
        folder = Path(args.trained)
        paths = {kind: folder / f"{kind}_seed0.safetensors" for kind in MODELS}
        missing = [str(p) for p in paths.values() if not p.exists()]
        if missing:
            raise OSError(f"--trained {folder}: missing {', '.join(missing)}")
        return {kind: load(path) for kind, path in paths.items()}
    if args.budget == 0:
        return {}
    task = get_task("adding", args.T)
    networks = {}
    for kind in MODELS:
        biases = {"forget_bias": 3.0, "input_bias": -3.0} if kind == "lstm" else {}
        network_seed, training_seed = spawn(args.seed, 2)  # as run_experiment does
        network = TaskNetwork(2, 1, kind, sizes[kind], seed=network_seed, **biases)
        # progress, not results: on stderr (the results are the table and the files)
        note(args, f"training {kind} (H = {sizes[kind]}) on the adding problem, T = {args.T}, "
            f"{args.budget} sequences")  # fmt: skip
        summary = train_network(network, task, budget=args.budget, seed=training_seed)
        note(args, f"  test sequences wrong: {summary['test_wrong']} of {task.test_size}")
        networks[kind] = network
    return networks


def _print_table(curves: dict, T: int) -> None:
    lags = sorted({0, 1, 10, T // 4, T // 2, T - 1})
    print(f"||d loss_T / d x_t|| at k = T-1-t steps before the end (T = {T}):\n")
    width = max(len(label) for label in curves)
    print(" " * width + "".join(f"{'k=' + str(k):>11}" for k in lags))
    for label, norms in curves.items():
        print(label.ljust(width) + "".join(f"{norms[T - 1 - k]:11.2e}" for k in lags))


def _save(folder: Path, curves: dict, args) -> None:
    labels = list(curves)
    rows = [[t, *(float(curves[label][t]) for label in labels)] for t in range(args.T)]
    write_csv(folder / f"gradient_norms_T{args.T}.csv", ["t", *labels], rows)
    write_json(
        folder / f"gradient_norms_T{args.T}.json", {k: np.asarray(v) for k, v in curves.items()}
    )
    plt = pyplot(args)
    if plt is None:
        return
    from lstmkit.experiments import plot_gradient_norms

    path = folder / f"gradient_T{args.T}.png"
    plot_gradient_norms(curves, path, plt, title=f"Gradient flow over T = {args.T} steps")
    say(args, f"plot: {path}")
