"""`lstmkit experiment NAME`: LSTM, GRU and RNN of similar size trained on a long-time-lag task
(Hochreiter and Schmidhuber 1997) with the same budget; prints and saves the results table."""

import dataclasses
import sys
import time

from lstmkit.cli.common import UsageError, add_common_arguments, output_dir, say
from lstmkit.cli.output import files_written
from lstmkit.cli.summary import require_positive
from lstmkit.report import REPORT
from lstmkit.report.experiment import experiment_report

TASK_NAMES = ("adding", "adding-fixed", "temporal-order", "temporal-order-8", "reber", "copy")


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "experiment",
        help="train LSTM, GRU and RNN on a long-time-lag task and compare",
        description="Train LSTM, GRU and vanilla RNN of about the same number of parameters on "
        "a task of Hochreiter and Schmidhuber (1997) with fresh sequences, the same budget each, "
        "and report the fraction of test sequences correct by the paper's criterion, the final "
        "error, the sequences seen to reach the criterion and the wall time. Run with "
        "OMP_NUM_THREADS=1: the networks are small and threads only add overhead.",
    )
    parser.add_argument("name", choices=TASK_NAMES, help="the task")
    parser.add_argument("--T", type=int, default=None, help="the lag (adding: minimal length)")
    parser.add_argument(
        "--budget", type=int, default=100_000, help="training sequences per model (100000)"
    )
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default: 0)")
    parser.add_argument("--models", default="lstm,gru,rnn", help="default: lstm,gru,rnn")
    parser.add_argument("--hidden-size", type=int, default=32, help="LSTM cells (default: 32)")
    parser.add_argument("--batch-size", type=int, default=32, help="default: 32")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam's learning rate (1e-2)")
    parser.add_argument(
        "--forget-bias", type=float, default=3.0, help="LSTM forget-gate bias at init (3.0)"
    )
    parser.add_argument(
        "--input-bias", type=float, default=-3.0, help="LSTM input-gate bias at init (-3.0)"
    )
    parser.add_argument("--eval-every", type=int, default=4000, help="sequences (4000)")
    parser.add_argument("--test-size", type=int, default=None, help="override the test set")
    add_common_arguments(parser, seed=False)
    parser.set_defaults(run=run)


def _integers(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{option} must be comma-separated integers; got {text!r}") from None
    if not values:
        raise UsageError(f"{option} must name at least one value; got {text!r}")
    return values


def run(args) -> dict:
    from lstmkit.experiments import MODELS, format_table, run_experiment

    seeds = _integers(args.seeds, "--seeds")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if not models or any(m not in MODELS for m in models):
        raise UsageError(f"--models must be some of {','.join(MODELS)}; got {args.models!r}")
    require_positive(args, "budget", "hidden_size", "batch_size", "eval_every")
    if args.test_size is not None:
        require_positive(args, "test_size")
    if not args.lr > 0:  # NaN too
        raise UsageError(f"--lr must be a positive number; got {args.lr}")
    if args.T is not None and args.T < 4:
        raise UsageError(f"--T must be an integer >= 4; got {args.T}")
    folder = output_dir(args)
    bar = _Progress(args.budget, quiet=args.quiet)
    start = time.perf_counter()
    rows = run_experiment(
        args.name, args.T, budget=args.budget, models=models, seeds=seeds,
        hidden_size=args.hidden_size, batch_size=args.batch_size, lr=args.lr,
        forget_bias=args.forget_bias, input_bias=args.input_bias,
        eval_every=args.eval_every, test_size=args.test_size, out=folder, progress=bar,
    )  # fmt: skip
    bar.close()
    lag = "" if args.name == "reber" else f", T = {rows[0].T}"
    print(f"{args.name}{lag}: budget {args.budget} sequences per model\n")
    print(format_table(rows))
    solved = sum(r.solved for r in rows)
    where = f"; table in {folder}" if folder else ""
    say(
        args,
        f"\n{solved} of {len(rows)} runs met the paper's criterion in "
        f"{time.perf_counter() - start:.0f} s{where}",
    )
    if folder is not None:
        page = experiment_report(folder, args, rows, time.perf_counter() - start)
        say(args, f"report: {page}")
    return {
        "task": args.name,
        "budget": args.budget,
        "runs": [dataclasses.asdict(row) for row in rows],
        "files": files_written(folder, "results.csv", "results.json", REPORT),
    }


class _Progress:
    """One tqdm bar per model and seed, its postfix the wrong test sequences so far."""

    def __init__(self, budget: int, quiet: bool):
        self.budget, self.quiet, self.bar, self.key = budget, quiet, None, None

    def __call__(self, model, seed, seen, loss, wrong, error):
        if self.quiet:
            return
        if self.key != (model, seed):
            from tqdm.auto import tqdm

            self.close()
            self.key = (model, seed)
            # disable=None: drawn on a terminal only, so logs get no carriage-return noise
            self.bar = tqdm(
                total=self.budget,
                desc=f"{model} seed {seed}",
                unit="seq",
                file=sys.stderr,
                disable=None,
            )
        self.bar.update(seen - self.bar.n)
        self.bar.set_postfix(loss=f"{loss:.4g}", wrong=wrong, error=f"{error:.4g}")

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
