"""The safetensors reader and writer: round trips, compatibility, and hostile files."""

import json
import pickle

import numpy as np
import pytest

from lstmkit.io import SafetensorsError, read_safetensors, write_safetensors


def _raw_file(path, header: dict, data: bytes = b"", header_length=None):
    encoded = json.dumps(header).encode()
    length = len(encoded) if header_length is None else header_length
    path.write_bytes(length.to_bytes(8, "little") + encoded + data)
    return path


def test_round_trip_keeps_names_order_dtypes_and_metadata(tmp_path):
    tensors = {
        "b": np.arange(6, dtype=np.float32).reshape(2, 3),
        "a": np.array([1.5, -2.0]),
        "ids": np.array([[1, 2]], dtype=np.int64),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "flag": np.array([True, False]),
    }
    write_safetensors(tmp_path / "t.safetensors", tensors, {"note": "hello"})
    loaded, metadata = read_safetensors(tmp_path / "t.safetensors")
    assert list(loaded) == list(tensors) and metadata == {"note": "hello"}
    for name, value in tensors.items():
        assert loaded[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded[name], value)
    assert loaded["b"].flags.writeable, "loaded arrays are owned copies"


def test_files_are_readable_by_the_safetensors_package_and_back(tmp_path):
    from safetensors.numpy import load_file, save_file

    tensors = {"w": np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)}
    write_safetensors(tmp_path / "ours.safetensors", tensors)
    np.testing.assert_array_equal(load_file(str(tmp_path / "ours.safetensors"))["w"], tensors["w"])
    save_file(tensors, str(tmp_path / "theirs.safetensors"))
    np.testing.assert_array_equal(
        read_safetensors(tmp_path / "theirs.safetensors")[0]["w"], tensors["w"]
    )


def test_a_pickle_is_refused_without_being_run(tmp_path):
    class Payload:
        def __reduce__(self):
            return (exec, ("raise SystemExit('pickle executed')",))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(SafetensorsError, match="header length .* exceeds the file"):
        read_safetensors(path)


def test_wrong_header_length_and_truncation(tmp_path):
    header = {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
    with pytest.raises(SafetensorsError, match="exceeds the file"):
        read_safetensors(_raw_file(tmp_path / "a", header, b"\0" * 8, header_length=10**6))
    with pytest.raises(SafetensorsError, match="not valid JSON"):
        read_safetensors(_raw_file(tmp_path / "b", header, b"\0" * 8, header_length=20))
    with pytest.raises(SafetensorsError, match="truncated"):
        read_safetensors(_raw_file(tmp_path / "c", header, b"\0" * 5))
    (tmp_path / "d").write_bytes(b"\x01\x02")
    with pytest.raises(SafetensorsError, match="too short for a header"):
        read_safetensors(tmp_path / "d")


def test_huge_declared_shape_is_refused_before_allocating(tmp_path):
    header = {"w": {"dtype": "F64", "shape": [10**12, 10**12], "data_offsets": [0, 8]}}
    with pytest.raises(SafetensorsError, match=r"declares shape \[1000000000000, 1000000000000\]"):
        read_safetensors(_raw_file(tmp_path / "huge", header, b"\0" * 8))


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}, "holes or overlaps"),
        ({"dtype": "X99", "shape": [2], "data_offsets": [0, 8]}, "unsupported dtype"),
        ({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}, "invalid shape"),
        ({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}, "invalid data_offsets"),
        ({"dtype": "F32", "shape": [2]}, "must have dtype, shape, data_offsets"),
    ],
)
def test_malformed_entries(tmp_path, entry, message):
    with pytest.raises(SafetensorsError, match=message):
        read_safetensors(_raw_file(tmp_path / "m", {"w": entry}, b"\0" * 12))


def test_trailing_bytes_are_refused(tmp_path):
    header = {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    with pytest.raises(SafetensorsError, match="trailing bytes"):
        read_safetensors(_raw_file(tmp_path / "t", header, b"\0" * 9))


def _header_of(path) -> dict:
    raw = path.read_bytes()
    return json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])


def test_a_0d_array_round_trips_with_shape_empty(tmp_path):
    # issue 20: the writer stored a 0-d array with shape [1], so it came back 1-d
    path = tmp_path / "scalar.safetensors"
    write_safetensors(path, {"step": np.array(7, dtype=np.int64), "loss": np.float32(0.25)})
    assert _header_of(path)["step"]["shape"] == []
    assert _header_of(path)["loss"]["shape"] == []
    loaded, _ = read_safetensors(path)
    assert loaded["step"].shape == () and loaded["step"] == 7
    assert loaded["loss"].shape == () and loaded["loss"].dtype == np.float32


def test_bf16_tensors_load_as_float32_bit_exact(tmp_path):
    # issue 20: BF16 files were refused; bfloat16 is the top 16 bits of a float32
    values = np.array([[1.0, -2.5, 0.0], [3.140625, -0.0, np.inf]], dtype=np.float32)
    top_halves = (values.view(np.uint32) >> 16).astype("<u2")
    entry = {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, top_halves.nbytes]}
    path = _raw_file(tmp_path / "bf16.safetensors", {"w": entry}, top_halves.tobytes())
    loaded, _ = read_safetensors(path)
    assert loaded["w"].dtype == np.float32 and loaded["w"].shape == (2, 3)
    np.testing.assert_array_equal(loaded["w"].view(np.uint32), values.view(np.uint32))


def test_bf16_entries_are_checked_against_two_bytes_per_value(tmp_path):
    entry = {"dtype": "BF16", "shape": [3], "data_offsets": [0, 12]}  # 4 bytes each: wrong
    path = _raw_file(tmp_path / "bf16.safetensors", {"w": entry}, bytes(12))
    with pytest.raises(SafetensorsError, match="6 bytes"):
        read_safetensors(path)
