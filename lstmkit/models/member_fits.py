"""Training an ensemble's members, one after another or `n_jobs` at a time.

Each member's fit is described before any of them starts (`MemberFit`: its network, already
initialised from its seed, its data split and its Trainer's settings, shuffling seed
included), so nothing random is left to the order in which members run: member k trains to
the same weights, bit for bit, in this process or in any worker (`lstmkit.parallel`). A worker
returns its trained network and History; they replace member k of the ensemble in member
order.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass

from lstmkit.data.sequences import SequenceData
from lstmkit.module import Module
from lstmkit.parallel import Interrupted, in_process, map_in_order
from lstmkit.training import History, Trainer, TrainingInterrupted


@dataclass
class MemberFit:
    """One member's fit: `Trainer(**trainer).fit(network, step(network), train, validation)`.
    `step` is a module-level function (workers receive it pickled)."""

    network: Module
    step: Callable
    trainer: dict
    train: SequenceData
    validation: SequenceData | None = None


def train_member(fit: MemberFit) -> tuple[Module, History]:
    """(network, History): `fit.network` trained in place."""
    trainer = Trainer(**fit.trainer)
    history = trainer.fit(fit.network, fit.step(fit.network), fit.train, fit.validation)
    return fit.network, history


def train_members(ensemble, fits: list[MemberFit], n_jobs, verbose: int = 0) -> list[History]:
    """Train member k of `ensemble` (`ensemble.member(k)` is `fits[k].network`) as `fits[k]`
    says; their Histories in member order.

    n_jobs None or 1: in place, one after another, as lstmkit always trained them; Ctrl-C
    leaves the members before the interrupted one and that one with its best epoch's weights
    (`keep_first`, where the ensemble has it) and raises the Trainer's TrainingInterrupted.
    Otherwise through joblib: the workers train silently and each finished member gets one
    line on stderr (verbose >= 1); Ctrl-C keeps the members finished so far, in order, and
    raises TrainingInterrupted with the last one's History, or a KeyboardInterrupt saying that
    none had finished.
    """
    if in_process(n_jobs):
        return _in_place(ensemble, fits)
    quiet = [_silent(fit) for fit in fits]
    histories = []

    def arrived(k, result):
        network, history = result
        setattr(ensemble, f"member{k}", network)
        histories.append(history)
        if verbose:
            print(f"member {k + 1} of {len(fits)}: {_summary(history)}", file=sys.stderr)

    try:
        map_in_order(train_member, [(fit,) for fit in quiet], n_jobs, arrived)
    except Interrupted:
        raise _interrupted(ensemble, histories, len(fits)) from None
    return histories


def _in_place(ensemble, fits) -> list[History]:
    histories = []
    for k, fit in enumerate(fits):
        try:
            histories.append(train_member(fit)[1])
        except TrainingInterrupted:
            # keep the members trained so far (member k with its best epoch's weights), so
            # that the caller can save a usable model
            if hasattr(ensemble, "keep_first"):
                ensemble.keep_first(k + 1)
            raise
    return histories


def _silent(fit: MemberFit) -> MemberFit:
    """`fit` with its Trainer silent: progress bars of several workers would overwrite each
    other on one terminal."""
    return MemberFit(
        fit.network, fit.step, {**fit.trainer, "verbose": 0}, fit.train, fit.validation
    )


def _interrupted(ensemble, histories, total) -> KeyboardInterrupt:
    """What Ctrl-C during a parallel fit raises, the finished members kept where possible."""
    done = len(histories)
    if done and hasattr(ensemble, "keep_first"):
        ensemble.keep_first(done)
        error = TrainingInterrupted(histories[-1])
        error.args = (f"training interrupted: kept the {done} of {total} members finished",)
        return error
    return KeyboardInterrupt(
        f"training interrupted with {done} of the {total} ensemble members trained in "
        "parallel finished: the fit is incomplete, refit it (with n_jobs=1 Ctrl-C keeps a "
        "SequenceClassifier's members trained so far)"
    )


def _summary(history: History) -> str:
    monitor = "val_loss" if "val_loss" in history else "loss"
    if monitor not in history or not history.epochs:
        return f"trained {history.epochs} epochs"
    return f"trained {history.epochs} epochs, best {monitor} {min(history[monitor]):.4g}"
