"""Every file lstmkit writes goes through `atomic_write`: a crash never leaves half a file.

The bytes go to a temporary file in the destination folder, are flushed and fsynced, and the
temporary file is renamed over the destination (`os.replace`, atomic on POSIX and Windows);
the folder is then fsynced so that the rename itself survives a power cut. A reader sees the
old file or the new one, never a mix. The text formats the command line and the experiments
write (JSON, CSV, plain text, NumPy .npz, figures) are thin layers over it.

A writer killed mid-write (kill -9, a power cut) cannot remove its temporary file, so each
write first removes those its dead predecessors left beside the same destination. The rule,
chosen so that a live writer's file is never touched: the temporary file's name carries its
writer's machine and process id, `.NAME.HOST-PID.RANDOM.tmp` (HOST 8 hex digits hashing the
host name), and a file is stale only when HOST is this machine and no process PID runs here.
A file of another machine (a folder shared over the network), of a live process (this one
included), or named without a writer (written before this rule) is left alone. A dead
writer's process id taken again by a new process keeps its file until that process ends.
Error messages name the file being written: a full disk says which file it could not write.
"""

import csv
import errno
import glob
import hashlib
import io
import json
import os
import re
import socket
import tempfile
from pathlib import Path

import numpy as np


def atomic_write(path, chunks) -> None:
    """Write byte chunks to `path` through a temporary file, fsync and rename; an OSError
    names `path`."""
    path = Path(path)
    try:
        _write_through_temporary(path, chunks)
    except OSError as error:
        if error.filename is not None:
            raise
        # a failed write or fsync (a full disk) says nothing of the file it was writing
        message = f"cannot write {path}: {error.strerror or error}"
        raise (OSError(error.errno, message) if error.errno else OSError(message)) from error


def _write_through_temporary(path: Path, chunks) -> None:
    _make_folder(path)
    remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.{_writer_tag()}.", suffix=".tmp", dir=path.parent
    )
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


def remove_stale_temporaries(path) -> list[Path]:
    """Remove the temporary files of `path` left by dead writers (see the module doc);
    returns those removed. A file that cannot be removed is left for a later write."""
    path = Path(path)
    pattern = re.compile(
        re.escape(f".{path.name}.{_host_hash()}-") + r"(?P<pid>[0-9]+)\.[^.]+\.tmp\Z"
    )
    removed = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        match = pattern.match(candidate.name)
        if match is None or _process_alive(int(match["pid"])):
            continue
        try:
            candidate.unlink()
        except OSError:  # gone already (another writer cleaned it), or not ours to remove
            continue
        removed.append(candidate)
    return removed


def _writer_tag() -> str:
    """`HOST-PID`: who writes a temporary file, in its name (see the module doc)."""
    return f"{_host_hash()}-{os.getpid()}"


def _host_hash() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine; True when that cannot be told."""
    if os.name != "posix" or pid == os.getpid():
        return True  # Windows' os.kill(pid, 0) would end the process instead of probing it
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def _make_folder(path: Path) -> None:
    """Create the folders above `path`; a part of that path that exists but is no folder is
    named as such (mkdir's own error, "File exists: '/dev/null'", hides which file was meant)."""
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder", str(path))
            break
    path.parent.mkdir(parents=True, exist_ok=True)


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
