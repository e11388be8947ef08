"""End-to-end speed of a user's fit: the default task models against the same training in
PyTorch, wall clock, one ratio per task.

    python bench/e2e.py --threads 1                   # the three tasks, default settings
    python bench/e2e.py --quick                       # 1-2 epochs each (a smoke run)
    python bench/e2e.py --tasks forecaster --repeats 3 --out /tmp/e2e.md

The tasks, each with the estimator's default hyperparameters and `--seed`:

* classifier: `SequenceClassifier` on JapaneseVowels' training cases (`lstmkit.datasets`);
* forecaster: `Forecaster` on the airline series (`lstmkit.datasets.load_airline`);
* charlm: `CharLanguageModel` on the first `--chars` characters of tinyshakespeare
  (../shared/data/text, or `--text`), else on lstmkit's own README and docs.

How "the same training in PyTorch" is made, so that it cannot drift from lstmkit's:

1. While lstmkit fits, every `Trainer.fit` call is recorded: the network, its training and
   validation data, the trainer's settings (batch size, learning rate, weight decay, clipping,
   seed) and the number of epochs it ran (early stopping included). An ensemble of three
   networks is three recorded fits; the Forecaster's probe fit that chooses the epochs is one
   more.
2. For each recorded fit a torch network is built from the fitted lstmkit network's own
   sizes (`twin`, bench/torch_twins.py): the same layers, read off the object, never restated
   here. lstmkit's weights and buffers are loaded into it (`load_state_dict(strict=True)`:
   same names and shapes) and both networks' outputs are compared on a training batch, in
   evaluation mode and in training mode (the twin applying lstmkit's dropout masks; the
   running statistics that pass updates compared too); the run stops if they differ, as the
   timings would then compare different networks.
3. The torch network is then trained as the Trainer trained lstmkit's: the same batches (the
   Trainer's own batching with its per-epoch seeds, so the same sequences go together), the
   same number of epochs, torch.optim.Adam with the same learning rate and weight decay, the
   global gradient norm clipped alike, a validation pass after each epoch where lstmkit had
   one, the best epoch's weights kept and put back, and for the language model the state
   carried from chunk to chunk and the learning rate halved on a plateau.

Before the timed fits, one untimed fit of 1 epoch and its torch replay run, so that neither
side's first-use costs (numba loading its kernels, torch's lazy set-up) are counted.

The headline "fit ratio" divides lstmkit's whole `fit` (data preparation included) by torch's
training loops alone, so it cannot flatter lstmkit; "loop ratio" compares the training loops
only. This is a benchmark, not a test: pytest never collects it (tests/bench checks it).
"""

import argparse
import contextlib
import copy
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # its neighbours' modules
from harness import (  # noqa: E402
    clear_openblas_kernel_vars,
    git_commit,
    machine_lines,
    prepare_threads,
    thread_limits,
    write_atomically,
)
from lstm_vs_torch import REPO_ROOT, scaled_max_diff  # noqa: E402
from torch_twins import follow_dropout, follows_training, twin  # noqa: E402

TASKS = ("classifier", "forecaster", "charlm")
SHAKESPEARE = REPO_ROOT.parent / "shared" / "data" / "text" / "tinyshakespeare.txt"
PARITY_TOLERANCE = 1e-4  # scaled max difference of the outputs (float32 and the fused kernels)


@dataclass
class RecordedFit:
    """One `Trainer.fit` call made while lstmkit fitted: what the torch twin replays."""

    trainer: object
    network: object
    train: object
    validation: object
    epochs: int
    seconds: float


@dataclass
class TaskResult:
    """The measurements of one task."""

    task: str
    data: str
    network: str = ""
    parameters: tuple = (0, 0)  # (lstmkit, torch)
    fits: list = field(default_factory=list)  # epochs run by each recorded fit
    batches: int = 0  # training batches of one epoch (first fit)
    lstmkit_fit: list = field(default_factory=list)  # seconds of each repeat
    lstmkit_loops: list = field(default_factory=list)
    torch_loops: list = field(default_factory=list)
    parity: float = 0.0

    def ratios(self, numerator: str) -> list:
        return [a / b for a, b in zip(getattr(self, numerator), self.torch_loops, strict=True)]


# ---------------------------------------------------------------------------- recording


@contextlib.contextmanager
def recording_fits():
    """Within the block, every `lstmkit.training.Trainer.fit` call is timed and appended to
    the yielded list as a RecordedFit (the estimators all train through it)."""
    from lstmkit.training import Trainer

    original = Trainer.fit
    fits = []

    def fit(self, model, step, train, validation=None, *args, **kwargs):
        start = time.perf_counter()
        history = original(self, model, step, train, validation, *args, **kwargs)
        seconds = time.perf_counter() - start
        fits.append(RecordedFit(self, model, train, validation, history.epochs, seconds))
        return history

    Trainer.fit = fit
    try:
        yield fits
    finally:
        Trainer.fit = original


# ---------------------------------------------------------------------------- the tasks


def task_epochs(task: str, args):
    """The epochs to fit with: --epochs, else 1 (language model) or 2 with --quick, else None
    (the estimator's default)."""
    if args.epochs is not None:
        return args.epochs
    if args.quick:
        return 1 if task == "charlm" else 2
    return None


def task_setup(task: str, args):
    """(estimator, fit's arguments, the data's name): the task's estimator with its default
    hyperparameters, but for `--seed` and the epochs of `task_epochs`."""
    from lstmkit.models import CharLanguageModel, Forecaster, SequenceClassifier

    epochs = task_epochs(task, args)
    settings = {"seed": args.seed} | ({} if epochs is None else {"epochs": epochs})
    if task == "classifier":
        from lstmkit.datasets import load_japanese_vowels

        train = load_japanese_vowels("train")
        return SequenceClassifier(**settings), (train.X, train.y), "JapaneseVowels train"
    if task == "forecaster":
        from lstmkit.datasets import load_airline

        return Forecaster(**settings), (load_airline(),), "airline, 144 months"
    if task == "charlm":
        text, name = task_text(args.text, args.chars)
        return CharLanguageModel(**settings), (text,), name
    raise ValueError(f"task must be one of {TASKS}; got {task!r}")


def task_text(path, chars: int) -> tuple[str, str]:
    """(text, what it is) for the language model: `chars` characters of `path`, else of
    tinyshakespeare, else of lstmkit's README and docs."""
    if path is None and SHAKESPEARE.is_file():
        path = SHAKESPEARE
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        return text[:chars], f"{Path(path).name}, first {min(chars, len(text))} characters"
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    return text[:chars], f"lstmkit's README and docs, first {min(chars, len(text))} characters"


def fit_lstmkit(task: str, args):
    """Fit the task's default model once; returns (seconds of the whole fit, recorded fits,
    the data's name)."""
    estimator, data, name = task_setup(task, args)
    with recording_fits() as fits:
        start = time.perf_counter()
        estimator.fit(*data)
        seconds = time.perf_counter() - start
    return seconds, fits, name


def parameter_count(network) -> int:
    """Scalars in an lstmkit Module's parameters."""
    return sum(int(value.size) for value in network.params.values())


def torch_parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def check_parity(network, model, batch) -> float:
    """Load `network`'s state (parameters and buffers) into `model` (strict: same names and
    shapes) and compare the two forward passes on `batch`: in evaluation mode, and in training
    mode where the twin can follow lstmkit's randomness (`follows_training`: the same dropout
    masks), together with the buffers that pass updated (BatchNorm's running statistics).
    The training-mode pass runs on copies, so the fitted network keeps its state. Returns the
    worst scaled max difference; stops the run when it is over PARITY_TOLERANCE."""
    import torch

    model.load_state_dict(
        {name: torch.from_numpy(value) for name, value in network.state_dict().items()},
        strict=True,
    )
    diffs = [_outputs_diff(network.eval(), model.eval(), batch)]
    if follows_training(model):
        network, model = copy.deepcopy(network).train(), copy.deepcopy(model).train()
        diffs.append(_outputs_diff(network, model, batch))
        theirs = model.state_dict()
        diffs += [scaled_max_diff(value, theirs[name].numpy())
                  for name, value in network.buffers.items()]  # fmt: skip
    if max(diffs) > PARITY_TOLERANCE:
        raise SystemExit(
            f"the torch twin of {type(network).__name__} disagrees with it by {max(diffs):.1e}: "
            "the timings would compare different networks"
        )
    return max(diffs)


def _outputs_diff(network, model, batch) -> float:
    """The scaled max difference of the two forward passes on `batch`, lstmkit's first (in
    training mode, the twin then applies the dropout masks it drew)."""
    import torch

    mine = model.lstmkit_outputs(network, batch)
    follow_dropout(network, model)
    with torch.no_grad():
        theirs = model.outputs(batch)
    theirs = theirs[0] if isinstance(theirs, tuple) else theirs
    return scaled_max_diff(mine, theirs.numpy())


# ---------------------------------------------------------------------------- torch training


def first_batch(fit):
    """The first training batch of a recorded fit's epoch 0."""
    from lstmkit.random import as_generator, child

    trainer = fit.trainer
    return trainer.batches(fit.train, shuffle=True).epoch(as_generator(child(trainer.seed, 0)))[0]


def replay(fit, model) -> float:
    """Train `model` (a twin) as `fit` trained lstmkit's network; returns the seconds taken.

    The same batches in the same order (the Trainer's batching and per-epoch seeds), the same
    epochs, Adam with the same learning rate and weight decay, the same gradient clipping, a
    validation pass per epoch where lstmkit had one, the best epoch's weights kept and put
    back (as the Trainer's restore_best), and the twin's learning-rate schedule if it has one.
    """
    import torch

    from lstmkit.random import as_generator, child

    trainer = fit.trainer
    train = trainer.batches(fit.train, shuffle=True)
    validation = None if fit.validation is None else trainer.batches(fit.validation, False)
    start = time.perf_counter()
    optimizer = torch.optim.Adam(
        model.parameters(), lr=trainer.lr, weight_decay=trainer.weight_decay
    )
    schedule = model.schedule(optimizer) if hasattr(model, "schedule") else None
    best, best_state = float("inf"), None
    for epoch in range(fit.epochs):
        model.train()
        monitored = run_epoch(model, train.epoch(as_generator(child(trainer.seed, epoch))),
                              optimizer, trainer.clip_norm)  # fmt: skip
        if validation is not None:
            model.eval()
            with torch.no_grad():
                monitored = run_epoch(model, validation.epoch(None), None, None)
        if monitored < best:
            best, best_state = monitored, copy.deepcopy(model.state_dict())
        if schedule is not None:
            schedule.step(monitored)
    if best_state is not None:
        model.load_state_dict(best_state)
    return time.perf_counter() - start


def run_epoch(model, batches, optimizer, clip_norm) -> float:
    """One pass over `batches`: training steps when `optimizer` is given, else scoring;
    returns the mean loss per item."""
    import torch

    total, count, carry = 0.0, 0, None
    for batch in batches:
        if optimizer is not None:
            optimizer.zero_grad(set_to_none=True)
        loss, items, carry = model.step(batch, optimizer is not None, carry)
        if optimizer is not None:
            loss.backward()
            if clip_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
        total += float(loss.detach()) * items
        count += items
    return total / max(count, 1)


# ---------------------------------------------------------------------------- one task


def measure_task(task: str, args) -> TaskResult:
    """Fit lstmkit's default model and the torch twins' replay, `args.repeats` times, the
    order of the two alternating from one repeat to the next after the first; before them,
    untimed, one fit of 1 epoch and its replay, so that neither side's first-use costs
    (numba loading its compiled kernels, torch's lazy initialisation) count."""
    if not args.no_warmup:  # one-time costs (JIT compilation, torch's lazy set-up) untimed
        _, fits, _ = fit_lstmkit(task, argparse.Namespace(**{**vars(args), "epochs": 1}))
        replay_all(fits)
    result = None
    recorded = None
    for repeat in range(args.repeats):
        torch_first = repeat % 2 == 1  # the first repeat must record before it can replay
        if torch_first:
            result.torch_loops.append(replay_all(recorded))
        seconds, fits, name = fit_lstmkit(task, args)
        if result is None:
            result, recorded = describe_task(task, name, fits), fits
        result.lstmkit_fit.append(seconds)
        result.lstmkit_loops.append(sum(fit.seconds for fit in fits))
        if not torch_first:
            result.torch_loops.append(replay_all(recorded))
        print(f"  {task} repeat {repeat + 1}: lstmkit fit {seconds:.2f} s (loops "
              f"{result.lstmkit_loops[-1]:.2f} s), torch loops {result.torch_loops[-1]:.2f} s",
              flush=True)  # fmt: skip
    return result


def describe_task(task, data_name, fits) -> TaskResult:
    """A TaskResult naming the network of the recorded fits, with its parameter counts and
    the parity of its twin."""
    network = fits[0].network
    model = twin(network)
    result = TaskResult(task, data_name)
    result.network = f"{type(network).__name__}: " + ", ".join(
        f"{type(child).__name__}" + _layer_sizes(child) for _, child in network.children()
    )
    result.parameters = (parameter_count(network), torch_parameter_count(model))
    result.fits = [fit.epochs for fit in fits]
    result.batches = len(fits[0].trainer.batches(fits[0].train, shuffle=True))
    result.parity = max(check_parity(fit.network, twin(fit.network), first_batch(fit))
                        for fit in fits)  # fmt: skip
    return result


def _layer_sizes(layer) -> str:
    names = ("input_size", "hidden_size", "num_layers", "bidirectional", "in_features",
             "out_features", "p", "in_channels", "out_channels", "kernel_size", "stride",
             "num_features")  # fmt: skip
    found = [f"{name}={getattr(layer, name)}" for name in names if hasattr(layer, name)]
    if type(layer).__name__ == "Embedding":
        found.append(f"shape={tuple(layer.weight.shape)}")
    return f"({', '.join(found)})" if found else ""


def replay_all(fits) -> float:
    """Seconds of the torch replay of every recorded fit (fresh twins each time)."""
    return sum(replay(fit, twin(fit.network)) for fit in fits)


# ---------------------------------------------------------------------------- report


def report(results, env_lines, command) -> str:
    lines = ["# End-to-end fits: lstmkit's default task models against the same training in "
             "PyTorch (CPU)", "", f"Reproduce: `{command}`", ""]  # fmt: skip
    lines += [f"- {line}" for line in env_lines]
    lines += [
        "- Each task's estimator runs with its default hyperparameters; the torch twin of each "
        "network it trained is built from the fitted network's sizes, checked against it "
        "(same parameter names and shapes, outputs in evaluation and training mode within "
        f"{PARITY_TOLERANCE:g}) and trained on the same batches for the same epochs "
        "(bench/e2e.py's docstring). An untimed 1-epoch fit of each side comes first "
        "(--no-warmup: none), so that first-use costs count for neither.",
        "- **fit ratio** = lstmkit's whole fit (data preparation included) / torch's training "
        "loops; loop ratio = lstmkit's training loops / torch's. Below 1: lstmkit is faster. "
        "With several repeats: the median, and the range in brackets.",
        "",
        "| task | data | network | parameters lstmkit / torch | fits x epochs | batches per "
        "epoch | lstmkit fit s | lstmkit loops s | torch loops s | **fit ratio** | loop ratio "
        "| parity |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.task} | {r.data} | {r.network} | {r.parameters[0]} / {r.parameters[1]} "
            f"| {len(r.fits)} x {r.fits} | {r.batches} | {_median(r.lstmkit_fit)} "
            f"| {_median(r.lstmkit_loops)} | {_median(r.torch_loops)} "
            f"| **{_median_range(r.ratios('lstmkit_fit'))}** "
            f"| {_median_range(r.ratios('lstmkit_loops'))} | {r.parity:.1e} |"
        )
    lines += ["", "## Target", "", "| target | measured | met |", "|---|---|---|"]
    for r in results:
        ratio = statistics.median(r.ratios("lstmkit_fit"))
        lines.append(
            f"| {r.task}: default fit <= 0.8 of the same training in PyTorch | {ratio:.2f} "
            f"| {'yes' if ratio <= 0.8 else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def _median(values) -> str:
    return f"{statistics.median(values):.2f}"


def _median_range(values) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


# ---------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 epochs (language model 1), 20000 chars")  # fmt: skip
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--threads", type=int, default=1, help="threads of both libraries (1)")
    parser.add_argument("--epochs", type=int, help="replace the estimators' default epochs")
    parser.add_argument("--repeats", type=int, default=1, help="fits per task (1)")
    parser.add_argument("--chars", type=int, help="characters of text for charlm (100000)")
    parser.add_argument("--text", type=Path, help="text file for charlm (tinyshakespeare)")
    parser.add_argument("--seed", type=int, default=0, help="the estimators' seed (0)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="no untimed 1-epoch fit of each side first")  # fmt: skip
    parser.add_argument("--keep-openblas-env", action="store_true",
                        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE if set")  # fmt: skip
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.chars is None:
        args.chars = 20_000 if args.quick else 100_000
    for name in ("threads", "repeats", "chars"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1; got {getattr(args, name)}")
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be at least 1; got {args.epochs}")
    return args


def main(argv=None):
    """Run the tasks; returns (the TaskResults, the Markdown report)."""
    args = parse_args(argv)
    numpy_was_loaded = "numpy" in sys.modules  # as when a test calls main
    removed = {}
    if not args.keep_openblas_env and not numpy_was_loaded:
        removed = clear_openblas_kernel_vars()
    if not numpy_was_loaded:
        prepare_threads(args.threads)
    sys.path.insert(0, str(REPO_ROOT))  # benchmark the checkout this script belongs to
    import torch

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with thread_limits(args.threads) as how:
            extra = [f"torch: {torch.get_num_threads()} intra-op threads",
                     f"checkout: {git_commit(REPO_ROOT)}"]  # fmt: skip
            env_lines = machine_lines(args.threads, how, removed, extra)
            print("\n".join(env_lines), flush=True)
            results = [measure_task(task, args) for task in args.tasks]
    finally:
        torch.set_num_threads(previous_threads)
    command = "python bench/e2e.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(results, env_lines, command.strip())
    print(text)
    if args.out is not None:
        write_atomically(args.out, text)
        print(f"wrote {args.out}")
    return results, text


if __name__ == "__main__":
    main()
