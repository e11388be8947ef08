"""The model card: what was trained, how, by which command and software, and when.

Rows: the architecture (the estimator and its settings), the number of learned parameters,
the seed, the command line as typed, the lstmkit and NumPy versions, the date (UTC) and the
fit time. Everything is read from the fitted model and the parsed options; nothing is
recomputed.
"""

import datetime
import shlex

import numpy as np

from lstmkit._version import __version__
from lstmkit.report import html

QUIET_SETTINGS = ("verbose",)  # settings that change what is printed, not what is trained


def architecture(model) -> str:
    """`Name(setting=value, ...)`: the estimator's class and its settings."""
    settings = getattr(model, "get_params", dict)()
    shown = ", ".join(f"{k}={v!r}" for k, v in settings.items() if k not in QUIET_SETTINGS)
    return f"{type(model).__name__}({shown})"


def parameter_count(network) -> int:
    """Learned numbers in `network` (every parameter array's size)."""
    return int(sum(np.size(value) for value in network.params.values()))


def command_line(args) -> str:
    """The command as typed (`lstmkit.cli.main` keeps it); the parsed command's name when a
    caller built `args` without it."""
    words = getattr(args, "command_line", None)
    return shlex.join(words) if words else f"lstmkit {getattr(args, 'command', '')}".strip()


def card_rows(args, seconds, *, model=None, networks=None, parameters=None, seed=None) -> list:
    """The card's (name, value) rows. The architecture and parameter count are `model`'s
    (an estimator); for several networks trained apart, `networks` and `parameters` say them
    as text. `seed` defaults to args.seed."""
    if model is not None:
        networks, parameters = architecture(model), f"{parameter_count(model.network_):,}"
    rows = [("architecture", networks), ("parameters", parameters)] if networks else []
    rows += [
        ("seed", getattr(args, "seed", None) if seed is None else seed),
        ("command line", command_line(args)),
        ("lstmkit", __version__),
        ("NumPy", np.__version__),
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("fit time", f"{seconds:.1f} s"),
    ]
    return rows


def card_section(rows) -> str:
    return html.section("Model card", html.table(None, rows), "model-card")
