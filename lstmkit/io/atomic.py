"""Every file lstmkit writes goes through `atomic_write`: a crash never leaves half a file.

The bytes go to a temporary file in the destination folder, are flushed and fsynced, and the
temporary file is renamed over the destination (`os.replace`, atomic on POSIX and Windows);
the folder is then fsynced so that the rename itself survives a power cut. A reader sees the
old file or the new one, never a mix. The text formats the command line and the experiments
write (JSON, CSV, plain text, NumPy .npz, figures) are thin layers over it.
"""

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np


def atomic_write(path, chunks) -> None:
    """Write byte chunks to `path` through a temporary file, fsync and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600; a saved file gets the mode any new file would (0666
        # less the umask), as open() would give it
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _umask() -> int:
    """The process's umask (read by setting it and putting it back: POSIX has no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename itself is still atomic
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_text(path, text: str) -> None:
    """Write `text` as UTF-8, atomically."""
    atomic_write(path, [text.encode("utf-8")])


def write_json(path, value) -> None:
    """Write `value` as indented JSON with sorted keys, atomically; NumPy scalars and arrays
    are written as numbers and lists."""
    text = json.dumps(value, indent=2, sort_keys=True, default=_json_default) + "\n"
    write_text(path, text)


def write_csv(path, header: list[str], rows) -> None:
    """Write rows under a header as CSV (lines end in '\\n'), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_text(path, buffer.getvalue())


def write_npz(path, arrays: dict) -> None:
    """`np.savez` into memory, then one atomic write."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write(path, [buffer.getvalue()])


def write_figure(path, figure, dpi: int = 100) -> None:
    """A matplotlib figure as an image (its format from the file's suffix: .png, .svg, .pdf),
    rendered into memory first, then one atomic write."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=dpi)
    atomic_write(path, [buffer.getvalue()])


def _json_default(value):
    # NumPy scalars and arrays in metrics dicts
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
