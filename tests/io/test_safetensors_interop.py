"""lstmkit's safetensors files against the `safetensors` package, both ways, every dtype.

Each dtype both implementations know is written by one and read by the other, with a 2-d
tensor, a 0-d tensor, an empty tensor and metadata, and compared bit for bit. BF16, which
lstmkit reads (widened to float32) but never writes, is written by `safetensors.torch`.
"""

import numpy as np
import pytest

from lstmkit.io import read_safetensors, write_safetensors
from lstmkit.io.safetensors import DTYPES

# every dtype code of lstmkit's writer; the safetensors package stores each of them too
SHARED_CODES = ["F64", "F32", "F16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"]
METADATA = {"written by": "a test", "empty": ""}


def test_the_shared_codes_are_every_dtype_lstmkit_writes():
    assert sorted(SHARED_CODES) == sorted(DTYPES)


def _tensors(code: str) -> dict:
    """A 2-d tensor holding the dtype's extremes, a 0-d tensor and an empty tensor."""
    dtype = np.dtype(DTYPES[code])
    if dtype.kind == "b":
        values = [True, False, True, True, False, False]
    elif dtype.kind == "f":
        info = np.finfo(dtype)
        values = [info.min, info.max, info.smallest_subnormal, -0.0, np.inf, np.nan]
    else:
        info = np.iinfo(dtype)
        values = [info.min, info.max, 0, 1, info.min + 1, info.max - 1]
    matrix = np.array(values, dtype=dtype).reshape(2, 3)
    return {"matrix": matrix, "scalar": np.array(matrix[1, 1]), "empty": np.zeros((0, 4), dtype)}


def _assert_same_bits(loaded: dict, expected: dict) -> None:
    assert sorted(loaded) == sorted(expected)
    for name, value in expected.items():
        value = np.asarray(value)
        assert isinstance(loaded[name], np.ndarray), name
        assert loaded[name].dtype == value.dtype, name
        assert loaded[name].shape == value.shape, name
        assert loaded[name].tobytes() == value.tobytes(), name  # bit for bit: NaN and -0.0 too


@pytest.mark.parametrize("code", SHARED_CODES)
def test_lstmkit_reads_what_the_safetensors_package_writes(tmp_path, code, safetensors_numpy):
    tensors = _tensors(code)
    path = tmp_path / f"{code}.safetensors"
    safetensors_numpy.save_file(tensors, str(path), metadata=METADATA)
    loaded, metadata = read_safetensors(path)
    _assert_same_bits(loaded, tensors)
    assert metadata == METADATA


@pytest.mark.parametrize("code", SHARED_CODES)
def test_the_safetensors_package_reads_what_lstmkit_writes(tmp_path, code, safetensors_numpy):
    tensors = _tensors(code)
    path = tmp_path / f"{code}.safetensors"
    write_safetensors(path, tensors, METADATA)
    _assert_same_bits(safetensors_numpy.load_file(str(path)), tensors)
    from safetensors import safe_open  # present: the fixture imported safetensors

    with safe_open(str(path), framework="numpy") as file:
        assert file.metadata() == METADATA


def test_lstmkit_reads_bf16_written_by_safetensors_torch_as_float32(
    tmp_path, torch, safetensors_numpy
):
    import safetensors.torch as safetensors_torch  # present: both fixtures imported

    source = torch.tensor([[1.0, -2.5, 3.0e38], [1.0e-40, -0.0, float("inf")]])
    tensors = {
        "matrix": source.bfloat16(),
        "scalar": torch.tensor(0.15625).bfloat16(),
        "empty": torch.zeros((0, 4), dtype=torch.bfloat16),
    }
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file(tensors, str(path), metadata=METADATA)
    loaded, metadata = read_safetensors(path)
    # torch widens bfloat16 to float32 exactly, as lstmkit must
    _assert_same_bits(loaded, {name: t.float().numpy() for name, t in tensors.items()})
    assert metadata == METADATA
