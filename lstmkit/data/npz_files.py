"""Numeric arrays read from a user's `.npz` file, each checked before any memory is given to it.

`np.load` answers a file that is not an archive by advising to load it "unsafely" with
pickle, and reads whatever shape a member's header declares. This reader opens the zip
archive itself and, for each array asked for, reads the `.npy` header first: a member holding
Python objects (dtype object, which only pickle can rebuild and which can run code) or of a
kind that is not numbers, or declaring more bytes than the member holds, is refused with a
ValueError naming the file and the array. Nothing here ever unpickles.
"""

import io
import os
import struct
import zipfile
import zlib
from contextlib import contextmanager

import numpy as np

NPY_MAGIC = b"\x93NUMPY"
_HEADER_BYTES = 65_536 + 12  # NumPy reads .npy headers of up to 64 KiB (its max_header_size)
_MAX_DEFLATE_RATIO = 1032  # deflate inflates one byte into at most about 1032
NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats
_KIND_NAMES = {
    "b": "booleans",
    "i": "integers",
    "u": "integers",
    "f": "floats",
    "c": "complex numbers",
    "U": "text",
    "S": "bytes",
    "M": "dates",
    "m": "durations",
}
# What a damaged archive or member raises while being read (zlib: corrupt deflate data;
# NotImplementedError: a compression method zipfile lacks; RuntimeError: an encrypted member).
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)


def read_npz_arrays(path, kinds, required=()) -> dict:
    """{name: array} for the arrays named in `kinds` that the `.npz` archive `path` holds.

    kinds: {name: the dtype kinds allowed for that array} (e.g. NUMERIC_KINDS).
    required: the names the file must hold.
    Raises ValueError naming the file (and the array) when the file is not an `.npz` archive,
    is damaged, or an array is of another kind or declares more data than it holds.
    """
    with open(path, "rb") as handle:
        start = handle.read(len(NPY_MAGIC))
    if start == NPY_MAGIC:
        raise ValueError(f"{path}: a single array (.npy), not an .npz archive of named arrays")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path}: not an .npz file (a zip archive of .npy arrays); it begins with {start!r}"
        )
    with _damage_named(path, "the archive"):
        archive = zipfile.ZipFile(path)
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    with archive:
        for name in required:
            if name not in members:
                raise ValueError(
                    f"{path}: no array {name!r} in the file (it holds {sorted(members)})"
                )
        return {
            name: _read_member(path, archive, members[name], name, allowed)
            for name, allowed in kinds.items()
            if name in members
        }


@contextmanager
def _damage_named(path, part):
    """zipfile's and zlib's errors on damaged data -> a ValueError naming the file and part.
    (A central directory of garbage can also give ValueError, struct.error or
    OverflowError from zipfile's parsing, or UnicodeDecodeError for a member's name.)"""
    try:
        yield
    except (*_DAMAGED, ValueError, struct.error, OverflowError) as error:
        problem = f"{type(error).__name__}: {error}"
        raise ValueError(f"{path}: a damaged .npz archive, in {part} ({problem})") from None


def _read_member(path, archive, info, name, kinds) -> np.ndarray:
    """One `.npy` member, its header checked (kind, declared size) before its data is read."""
    with _damage_named(path, f"array {name!r}"), archive.open(info) as member:
        header = member.read(_HEADER_BYTES)
    dtype, shape = _header(path, io.BytesIO(header), name)
    if dtype.kind not in kinds:
        raise ValueError(
            f"{path}: array {name!r} has dtype {dtype} ({_kind_name(dtype)}); "
            f"expected {_kinds_text(kinds)}"
        )
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    # the member's sizes in the archive's directory are the file's word, not a fact: the data
    # cannot be larger than the whole archive inflated at deflate's highest ratio
    holds = min(info.file_size, _MAX_DEFLATE_RATIO * os.path.getsize(path))
    if declared > holds:
        raise ValueError(
            f"{path}: array {name!r} declares shape {shape} ({declared} bytes) but its member "
            f"of the archive holds at most {holds} bytes"
        )
    with _damage_named(path, f"array {name!r}"), archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)  # ValueError: data too short


def _header(path, member, name):
    """(dtype, shape) from a `.npy` header (format 1.0 or 2.0)."""
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except ValueError as error:
        raise ValueError(f"{path}: member {name!r} is not a .npy array ({error})") from None
    return dtype, shape


def _kind_name(dtype) -> str:
    if dtype.hasobject:
        return "Python objects, which lstmkit never loads: they could run code"
    return _KIND_NAMES.get(dtype.kind, "records, not plain numbers")


def _kinds_text(kinds) -> str:
    return " or ".join(dict.fromkeys(_KIND_NAMES[k] for k in kinds))
