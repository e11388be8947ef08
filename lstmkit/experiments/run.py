"""`run_experiment`: LSTM, GRU and vanilla RNN of about the same size on one task and lag, the
same budget of training sequences each, and a table of how far each got by the paper's
criterion."""

from dataclasses import replace
from pathlib import Path

from lstmkit.experiments.network import TaskNetwork, matched_hidden_size, parameter_count
from lstmkit.experiments.tasks import DEFAULT_T, get_task
from lstmkit.experiments.training import RunResult, test_seed, train_network
from lstmkit.random import spawn

MODELS = ("lstm", "gru", "rnn")
TABLE_COLUMNS = (
    "task", "T", "model", "hidden_size", "parameters", "seed", "solved", "test_correct",
    "test_wrong", "test_size", "final_error", "sequences_to_criterion", "sequences_seen",
    "wall_time_s",
)  # fmt: skip


def run_experiment(
    name: str,
    T: int | None = None,
    *,
    budget: int = 100_000,
    models=MODELS,
    seeds=(0,),
    hidden_size: int = 32,
    batch_size: int = 32,
    lr: float = 1e-2,
    clip: float = 1.0,
    forget_bias: float = 3.0,
    input_bias: float = -3.0,
    eval_every: int = 4000,
    test_size: int | None = None,
    out=None,
    progress=None,
) -> list[RunResult]:
    """Train every model in `models` once per seed on task `name` at lag T; return the rows.

    The LSTM has `hidden_size` cells; the GRU and RNN get the hidden size whose parameter count
    is closest to the LSTM's. The LSTM starts with `forget_bias` and `input_bias` added to its
    forget and input gates' biases (see TaskNetwork: nearly shut input gates and open forget
    gates, as the 1997 paper's initialisation); the GRU and RNN keep PyTorch's. Every model
    sees at most `budget` training sequences (fresh ones, in batches of `batch_size`; Adam at
    `lr`, global gradient norm clipped to `clip`) and stops as soon as the test set meets the
    paper's criterion. `test_size` overrides the task's test set size (the paper's 2560 for
    adding). With `out` (a folder), writes results.csv, results.json (rows and learning
    curves) and each trained network as `{model}_seed{seed}.safetensors` (load with
    `lstmkit.load` after importing lstmkit.experiments). `progress(model, seed, seen, loss,
    wrong, error)` is called at every evaluation.
    """
    task = get_task(name, T)
    T = 0 if name == "reber" else (T or DEFAULT_T[name])
    models = _check_models(models)
    if test_size:
        task = replace(task, test_size=int(test_size))
    reference = parameter_count("lstm", task.input_size, hidden_size, task.output_size)
    rows, curves = [], {}
    for seed in seeds:
        # the network and the training (batches, test set) draw from two children of seed
        network_seed, training_seed = spawn(int(seed), 2)
        test = task.generate(task.test_size, test_seed(training_seed))
        for cell in models:
            size = hidden_size
            if cell != "lstm":
                size = matched_hidden_size(cell, task.input_size, task.output_size, reference)
            network = TaskNetwork(
                task.input_size, task.output_size, cell, size, task.per_step,
                forget_bias=forget_bias, input_bias=input_bias, seed=network_seed,
            )  # fmt: skip
            report = None
            if progress is not None:
                report = _bind(progress, cell, seed)
            summary = train_network(
                network, task, budget=budget, batch_size=batch_size, lr=lr, clip=clip,
                eval_every=eval_every, seed=training_seed, test=test, progress=report,
            )  # fmt: skip
            rows.append(_row(task, T, cell, size, seed, summary))
            curves[f"{cell}_seed{seed}"] = summary["curve"]
            if out is not None:
                _save_network(network, Path(out) / f"{cell}_seed{seed}.safetensors")
    if out is not None:
        write_table(out, rows, curves)
    return rows


def write_table(out, rows: list[RunResult], curves: dict | None = None) -> None:
    """results.csv and results.json (rows, and curves as [seen, wrong, error]) in `out`."""
    from lstmkit.io.atomic import write_csv, write_json

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    table = [[getattr(row, c) for c in TABLE_COLUMNS] for row in rows]
    write_csv(folder / "results.csv", list(TABLE_COLUMNS), table)
    write_json(folder / "results.json", {"rows": [r.as_dict() for r in rows], "curves": curves})


def format_table(rows: list[RunResult]) -> str:
    """The rows as an aligned text table."""
    header = ("model", "H", "params", "seed", "correct", "wrong", "error", "to criterion",
              "seen", "time (s)")  # fmt: skip
    lines = [header]
    for r in rows:
        lines.append((
            r.model, str(r.hidden_size), str(r.parameters), str(r.seed),
            f"{100 * r.test_correct:.2f} %", f"{r.test_wrong}/{r.test_size}",
            f"{r.final_error:.4g}", "-" if r.sequences_to_criterion is None
            else str(r.sequences_to_criterion), str(r.sequences_seen), f"{r.wall_time_s:.0f}",
        ))  # fmt: skip
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    return "\n".join(
        "  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)) for line in lines
    )


def _row(task, T, cell, size, seed, summary) -> RunResult:
    wrong = summary["test_wrong"]
    return RunResult(
        task=task.name, T=T, model=cell, hidden_size=size,
        parameters=parameter_count(cell, task.input_size, size, task.output_size),
        seed=int(seed), solved=wrong <= task.allowed_wrong,
        test_correct=1.0 - wrong / task.test_size, test_wrong=wrong, test_size=task.test_size,
        final_error=summary["final_error"],
        sequences_to_criterion=summary["sequences_to_criterion"],
        sequences_seen=summary["sequences_seen"], wall_time_s=summary["wall_time_s"],
    )  # fmt: skip


def _bind(progress, cell, seed):
    def report(seen, loss, wrong, error):
        progress(cell, seed, seen, loss, wrong, error)

    return report


def _check_models(models) -> tuple:
    models = tuple(models)
    unknown = [m for m in models if m not in MODELS]
    if not models or unknown:
        raise ValueError(f"models must be some of {list(MODELS)}; got {list(models)}")
    return models


def _save_network(network, path: Path) -> None:
    from lstmkit.io import save

    save(network, path)
