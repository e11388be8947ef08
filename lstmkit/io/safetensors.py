"""A strict reader and an atomic writer of the safetensors format, in NumPy, no pickle.

The format: 8 bytes little-endian unsigned length N, then N bytes of UTF-8 JSON mapping each
tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data that
follows) plus an optional "__metadata__" of string -> string, then the raw little-endian data.
Files written here load with the `safetensors` package (and so straight into PyTorch).

Reading trusts nothing in the file: the header length is checked against the file's real size
and a cap before anything is allocated, every entry's byte count must equal the product of its
shape and item size (computed with Python integers, so a huge declared shape cannot overflow
or allocate), and the entries must tile the data exactly (no holes, no overlaps, no bytes
left over). Only JSON is parsed; nothing in a file is ever executed.

BF16 (bfloat16, common in files saved from PyTorch) has no NumPy type: it is read, widened to
float32 exactly, and never written.
"""

import json
import math
from pathlib import Path

import numpy as np

from lstmkit.io.atomic import atomic_write

DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U64": np.uint64,
    "U32": np.uint32,
    "U16": np.uint16,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
CODES = {np.dtype(v).str: k for k, v in DTYPES.items()}
MAX_HEADER_BYTES = 100 * 1024 * 1024


def _bfloat16_to_float32(bits: np.ndarray) -> np.ndarray:
    """Widen bfloat16 values (given as their uint16 bit patterns) to float32, bit-exact.

    bfloat16 is the top half of a float32 (same sign, exponent, and the first 7 mantissa
    bits), so shifting its bits up and viewing them as float32 loses nothing.
    """
    widened = bits.astype(np.uint32)
    widened <<= 16  # in place: a ufunc on a 0-d array would return a NumPy scalar instead
    return widened.view(np.float32)


# Read only: the code -> (the type its bytes are stored as, the widening to what is returned).
WIDENED = {"BF16": (np.uint16, _bfloat16_to_float32)}


class SafetensorsError(ValueError):
    """The file is not a valid (or not a complete) safetensors file; the message says why."""


def write_safetensors(path, tensors: dict, metadata: dict | None = None) -> None:
    """Write `tensors` (name -> array) and string `metadata` to `path`, atomically.

    The data goes to a temporary file in the same folder, is flushed and fsynced, and then
    renamed over `path` (and the folder fsynced): a crash at any point leaves either the old
    file or the new one, never a partial file.
    """
    path = Path(path)
    # np.asarray, not np.ascontiguousarray: the latter turns a 0-d array into shape (1,)
    arrays = {name: np.asarray(value, order="C") for name, value in tensors.items()}
    header, offset = {}, 0
    for name, array in arrays.items():
        code = CODES.get(array.dtype.newbyteorder("<").str)
        if code is None:
            raise TypeError(f"tensor {name!r} has dtype {array.dtype}, not storable in safetensors")
        header[name] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # align the data to 8 bytes
    atomic_write(
        path,
        [
            len(encoded).to_bytes(8, "little"),
            encoded,
            *(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes() for a in arrays.values()),
        ],
    )


def read_safetensors(path) -> tuple[dict, dict]:
    """Read `path` -> (tensors as name -> np.ndarray, metadata as str -> str)."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, a pipe (reading would wait), a device
        raise SafetensorsError(f"{path}: not a regular file, so not a safetensors file")
    size = path.stat().st_size
    with open(path, "rb") as file:
        prefix = file.read(8)
        if len(prefix) < 8:
            raise SafetensorsError(f"{path}: truncated: {size} bytes, too short for a header")
        header_size = int.from_bytes(prefix, "little")
        if header_size > min(size - 8, MAX_HEADER_BYTES):
            raise SafetensorsError(
                f"{path}: header length {header_size} exceeds the file ({size} bytes) or the "
                f"{MAX_HEADER_BYTES}-byte cap: truncated or not a safetensors file"
            )
        header = _parse_header(path, file.read(header_size))
        data = file.read(size - 8 - header_size)
    metadata = header.pop("__metadata__", {}) or {}
    return _tensors_from(path, header, data), metadata


def _parse_header(path: Path, raw: bytes) -> dict:
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafetensorsError(f"{path}: header is not valid JSON ({error})") from None
    except RecursionError:  # hostile nesting ([[[[...]]]]): refused, never a traceback
        raise SafetensorsError(f"{path}: header nests JSON too deeply") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header must be a JSON object")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise SafetensorsError(f"{path}: __metadata__ must map strings to strings")
    return header


def _tensors_from(path: Path, header: dict, data: bytes) -> dict:
    entries = {name: _check_entry(path, name, entry) for name, entry in header.items()}
    for name, (dtype, shape, begin, end, _) in entries.items():
        expected = math.prod(shape) * np.dtype(dtype).itemsize
        if end - begin != expected:
            raise SafetensorsError(
                f"{path}: tensor {name!r} declares shape {shape} ({expected} bytes) but "
                f"offsets {begin}..{end} ({end - begin} bytes)"
            )
    position = 0
    for name, (_, _, begin, end, _) in sorted(entries.items(), key=lambda item: item[1][2:4]):
        if begin != position:
            raise SafetensorsError(
                f"{path}: tensor {name!r} starts at byte {begin}, expected {position} "
                "(holes or overlaps in the data)"
            )
        position = end
    if position != len(data):
        raise SafetensorsError(
            f"{path}: the tensors cover {position} bytes but the file holds {len(data)}: "
            + ("truncated" if position > len(data) else "trailing bytes")
        )
    return {name: _array_from(data, *entry) for name, entry in entries.items()}


def _array_from(data: bytes, dtype, shape: list, begin: int, end: int, code: str) -> np.ndarray:
    """The tensor stored at data[begin:end], as an owned native-order array (BF16 widened)."""
    stored = np.dtype(dtype).newbyteorder("<")
    array = np.frombuffer(data, dtype=stored, count=math.prod(shape), offset=begin)
    array = array.reshape(shape).astype(dtype, copy=True)
    return WIDENED[code][1](array) if code in WIDENED else array


def _check_entry(path: Path, name: str, entry) -> tuple:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise SafetensorsError(f"{path}: tensor {name!r} must have dtype, shape, data_offsets")
    code = entry["dtype"]
    dtype = _stored_type(code) if isinstance(code, str) else None
    if dtype is None:
        raise SafetensorsError(f"{path}: tensor {name!r} has unsupported dtype {entry['dtype']!r}")
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise SafetensorsError(f"{path}: tensor {name!r} has an invalid shape {shape!r}")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        raise SafetensorsError(f"{path}: tensor {name!r} has invalid data_offsets {offsets!r}")
    return dtype, shape, offsets[0], offsets[1], code


def _stored_type(code: str):
    """The NumPy type a dtype code's bytes are stored as, or None for an unknown code."""
    return WIDENED[code][0] if code in WIDENED else DTYPES.get(code)
