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
   sizes (`twin`): the same layers, read off the object, never restated here. lstmkit's
   weights are loaded into it (`load_state_dict(strict=True)`: same parameter names and
   shapes) and both networks' outputs are compared on a training batch; the run stops if they
   differ, as the timings would then compare different networks.
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
import functools
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # harness's and lstm_vs_torch's
from harness import (  # noqa: E402
    clear_openblas_kernel_vars,
    git_commit,
    machine_lines,
    prepare_threads,
    thread_limits,
    write_atomically,
)
from lstm_vs_torch import REPO_ROOT, scaled_max_diff  # noqa: E402

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


# ---------------------------------------------------------------------------- torch twins


def recurrent_twin(layer):
    """torch.nn.LSTM / GRU / RNN (batch_first) with the sizes and options of lstmkit's
    `layer`; options torch has no counterpart for are refused."""
    import torch

    for option in ("dropout_input", "dropout_output", "weight_drop", "zoneout_cell",
                   "zoneout_hidden"):  # fmt: skip
        if getattr(layer, option, 0.0):
            raise ValueError(f"{option}={getattr(layer, option)} has no torch.nn counterpart")
    if getattr(layer, "linear_before_reset", True) is False:
        raise ValueError("GRU linear_before_reset=False has no torch.nn counterpart")
    kind = type(layer).__name__
    options = {}
    if kind == "RNN":
        options["nonlinearity"] = layer.nonlinearity
    if kind == "LSTM" and getattr(layer, "proj_size", 0):
        options["proj_size"] = layer.proj_size
    return getattr(torch.nn, kind)(
        layer.input_size,
        layer.hidden_size,
        num_layers=layer.num_layers,
        bias=layer.bias,
        batch_first=True,
        dropout=layer.dropout,
        bidirectional=layer.bidirectional,
        **options,
    )


def twin(network):
    """The torch network of an lstmkit task network (SequenceNetwork, ForecastNetwork or
    CharLMNetwork), built from its sizes, submodules named as lstmkit's so that the parameter
    names match."""
    classes = twin_classes()
    kind = type(network).__name__
    if kind not in classes:
        raise ValueError(f"no torch twin for {kind}; known: {sorted(classes)}")
    return classes[kind](network)


@functools.cache
def twin_classes() -> dict:
    """{lstmkit network class name: torch twin class}; defined on first use (needs torch).

    Each twin has `outputs(batch)` (the forward pass on one of the Trainer's batches),
    `lstmkit_outputs(network, batch)` (lstmkit's, for the parity check) and
    `step(batch, training, carry) -> (mean loss, count, carry)`, the torch counterpart of the
    estimator's step function."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class ClassifierTwin(torch.nn.Module):
        """encoder (packed: each sequence stops at its length, in both directions) -> pool
        over the valid steps (max, mean or last) -> dropout -> linear; cross-entropy."""

        def __init__(self, network):
            super().__init__()
            self.head = network.head
            self.encoder = recurrent_twin(network.encoder)
            self.drop = torch.nn.Dropout(network.drop.p)
            self.output = torch.nn.Linear(network.output.in_features, network.output.out_features)

        def forward(self, x, lengths):
            steps = x.shape[1]
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            y, _ = self.encoder(packed)
            y, _ = pad_packed_sequence(y, batch_first=True, total_length=steps)
            if self.head == "max":
                padding = torch.arange(steps)[None, :] >= lengths[:, None]
                pooled = y.masked_fill(padding[:, :, None], float("-inf")).amax(dim=1)
            elif self.head == "mean":
                pooled = y.sum(dim=1) / lengths[:, None].to(y.dtype)
            else:
                pooled = y[torch.arange(len(y)), lengths - 1]
            return self.output(self.drop(pooled))

        def outputs(self, batch):
            return self(torch.from_numpy(batch.x), torch.from_numpy(batch.lengths))

        @staticmethod
        def lstmkit_outputs(network, batch):
            return network.forward(batch.x, batch.lengths)

        def step(self, batch, training, carry):
            logits = self.outputs(batch)
            target = torch.from_numpy(np.asarray(batch.y, dtype=np.int64))
            loss = F.cross_entropy(logits, target)
            (logits.argmax(dim=1) == target).sum().item()  # the accuracy lstmkit's step counts
            return loss, len(target), None

    class ForecastTwin(torch.nn.Module):
        """LSTM over the window -> last step (+ the horizon's covariates) -> linear: means and
        log-variances; Gaussian NLL with the log-variance clipped to +-LOG_VAR_LIMIT."""

        def __init__(self, network):
            super().__init__()
            from lstmkit.models.forecast_network import LOG_VAR_LIMIT

            self.limit = LOG_VAR_LIMIT
            self.size = network.horizon * network.outputs
            self.future_size = network.future_size
            self.encoder = recurrent_twin(network.encoder)
            self.head = torch.nn.Linear(network.head.in_features, network.head.out_features)

        def forward(self, x, future=None):
            y, _ = self.encoder(x)
            u = y[:, -1]
            if self.future_size:
                u = torch.cat([u, future], dim=1)
            return self.head(u)

        def _future(self, batch):
            return batch.y[:, self.size :] if self.future_size else None

        def outputs(self, batch):
            future = self._future(batch)
            return self(
                torch.from_numpy(batch.x), None if future is None else torch.from_numpy(future)
            )

        def lstmkit_outputs(self, network, batch):
            return network.forward(batch.x, self._future(batch))

        def step(self, batch, training, carry):
            out = self.outputs(batch)
            mean, log_var = out[:, : self.size], out[:, self.size :]
            var = torch.exp(torch.clamp(log_var, -self.limit, self.limit)).clamp_min(1e-6)
            target = torch.from_numpy(np.asarray(batch.y[:, : self.size], dtype=np.float32))
            loss = 0.5 * (torch.log(var) + (mean - target) ** 2 / var).mean()
            return loss, len(target), None

    class CharLMTwin(torch.nn.Module):
        """embedding -> stacked LSTM (state in, state out) -> dropout -> linear; training
        carries the state from chunk to chunk, cut from the graph (truncated BPTT)."""

        def __init__(self, network):
            super().__init__()
            self.embedding = torch.nn.Embedding(*network.embedding.weight.shape)
            self.lstm = recurrent_twin(network.lstm)
            self.drop = torch.nn.Dropout(network.drop.p)
            self.output = torch.nn.Linear(network.output.in_features, network.output.out_features)

        def forward(self, ids, state=None):
            y, state = self.lstm(self.embedding(ids), state)
            return self.output(self.drop(y)), state

        def outputs(self, batch, state=None):
            return self(torch.from_numpy(np.asarray(batch.inputs, dtype=np.int64)), state)

        @staticmethod
        def lstmkit_outputs(network, batch):
            return network.forward(batch.inputs)[0]

        def step(self, batch, training, carry):
            logits, state = self.outputs(batch, carry)
            target = torch.from_numpy(np.asarray(batch.targets, dtype=np.int64)).reshape(-1)
            carry = tuple(s.detach() for s in state)
            if training:
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target)
                return loss, target.numel(), carry
            # scoring, as lstmkit's: summed in float64 over the masked targets
            each = F.cross_entropy(
                logits.double().reshape(-1, logits.shape[-1]), target, reduction="none"
            )
            mask = torch.from_numpy(batch.mask.reshape(-1))
            count = int(mask.sum())
            return each[mask].sum() / max(count, 1), count, carry

        @staticmethod
        def schedule(optimizer):
            """lstmkit's: halve the learning rate after every epoch that is not the best."""
            return torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer, mode="min", factor=0.5, patience=0, threshold=0.0,
                threshold_mode="abs", eps=0.0,
            )  # fmt: skip

    return {
        "SequenceNetwork": ClassifierTwin,
        "ForecastNetwork": ForecastTwin,
        "CharLMNetwork": CharLMTwin,
    }


def parameter_count(network) -> int:
    """Scalars in an lstmkit Module's parameters."""
    return sum(int(value.size) for value in network.params.values())


def torch_parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def check_parity(network, model, batch) -> float:
    """Load `network`'s weights into `model` (strict: same names and shapes) and compare the
    two forward passes on `batch` in eval mode; returns the scaled max difference, and stops
    the run when it is over PARITY_TOLERANCE."""
    import torch

    model.load_state_dict(
        {name: torch.from_numpy(value.copy()) for name, value in network.params.items()},
        strict=True,
    )
    network.eval()
    model.eval()
    with torch.no_grad():
        theirs = model.outputs(batch)
        theirs = theirs[0] if isinstance(theirs, tuple) else theirs
    diff = scaled_max_diff(model.lstmkit_outputs(network, batch), theirs.numpy())
    if diff > PARITY_TOLERANCE:
        raise SystemExit(
            f"the torch twin of {type(network).__name__} disagrees with it by {diff:.1e}: the "
            "timings would compare different networks"
        )
    return diff


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
             "out_features", "p")  # fmt: skip
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
        "(same parameter names and shapes, outputs within "
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
