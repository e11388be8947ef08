"""What the commands print: aligned tables, checked counts, and the one-line summary that
every training command prints last (time, best epoch, metric, where its files went)."""

import sys
import time
from pathlib import Path

from lstmkit.cli.common import UsageError

INTERRUPTED_FOLDER = "lstmkit-interrupted"  # where Ctrl-C saves a model without --out


class Stopwatch:
    """Wall time since creation, for the summary line."""

    def __init__(self):
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def summary_line(seconds, best_epoch, metric, folder, saved=None) -> str:
    """`done in 12.3 s: best epoch 41, test accuracy 0.978; files in run/`.

    best_epoch may be None (not known); metric is "name value" text or None; saved, when
    given, replaces the files part (e.g. "nothing saved (no --out)").
    """
    parts = [f"done in {seconds:.1f} s"]
    details = []
    if best_epoch is not None:
        details.append(f"best epoch {best_epoch}")
    if metric:
        details.append(metric)
    where = saved or (
        f"files in {folder}/" if folder is not None else "no files written (no --out)"
    )
    details.append(where)
    return parts[0] + ": " + ", ".join(details)


def interrupted_folder(folder) -> Path:
    """The --out folder, or INTERRUPTED_FOLDER (created) when there is none."""
    folder = Path(INTERRUPTED_FOLDER) if folder is None else Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def say_nothing_saved(history) -> None:
    """After Ctrl-C in fit with no model to save: why, on stderr. Without the Trainer's record
    of the epochs (`history` None) the interrupt came before training began, or a second
    Ctrl-C came while the Trainer was putting the best weights back."""
    reason = (
        "the first epoch ended"
        if history is not None
        else "training had a model to save (or again, while the best weights were put back)"
    )
    print(f"interrupted before {reason}: nothing saved", file=sys.stderr)


def save_interrupted_model(model, folder) -> Path:
    """After a first Ctrl-C: save `model` as model.safetensors in `folder` (or the folder of
    interrupted runs) and return that path.

    A second Ctrl-C during this save cannot break the file (the write is atomic: the old file
    or none stays, and the temporary file is removed), but then nothing was saved: say so
    plainly before passing the interrupt on (the command still ends with status 130).
    """
    path = interrupted_folder(folder) / "model.safetensors"
    before = _identity(path)
    try:
        model.save(path)
    except KeyboardInterrupt:
        if _identity(path) == before:  # interrupted before the file was renamed into place
            kept = "its previous file is unchanged" if before else "no file was written"
            print(
                f"interrupted again while saving: nothing saved to {path} ({kept})", file=sys.stderr
            )
        else:  # the second Ctrl-C came after the new file was in place
            print(f"interrupted again, after the model was saved to {path}", file=sys.stderr)
        raise
    return path


def _identity(path: Path):
    """(inode, modification time) of `path`, None when there is none: a completed save
    replaces the file, which changes both."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def require_positive(args, *options) -> None:
    """UsageError naming the first of `options` (argparse dests) that is below 1."""
    for option in options:
        value = getattr(args, option)
        if value < 1:
            flag = "--" + option.replace("_", "-")
            raise UsageError(f"{flag} must be a positive integer; got {value}")


def table(header, rows) -> str:
    """Columns right-aligned under their header, the first left-aligned."""
    cells = [list(header)] + [list(row) for row in rows]
    widths = [max(len(str(row[k])) for row in cells) for k in range(len(header))]
    lines = []
    for row in cells:
        first = str(row[0]).ljust(widths[0])
        rest = [str(v).rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
    return "\n".join(lines)
