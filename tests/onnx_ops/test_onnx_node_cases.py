"""The 18 ONNX backend node tests of LSTM, GRU and RNN, run on ``lstmkit.onnx_ops``.

The cases live in ``../shared/data/onnx/onnx_node.{npz,json}`` (see ``../shared/data/README.md``):
npz keys ``<case>/in/<name>`` and ``<case>/out/<name>``; the json lists each case's
``op_type``, ``attributes``, ``input_names`` (in ONNX input order; an empty name is an absent
input), ``output_names`` (in ONNX output order; an empty name is an output not checked) and
the ONNX runner's ``rtol`` / ``atol``. Each case's inputs are passed by the keyword of their
ONNX position and its attributes as keyword arguments; every named output is compared with
``np.testing.assert_allclose`` at the case's tolerances, first with the stored float32 inputs
(the outputs must be float32) and again with the inputs cast to float64 (outputs float64).

Without ``../shared/data`` the tests skip (fail under CI) through the ``shared_data`` fixture.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstmkit import onnx_ops

FUNCTIONS = {"LSTM": onnx_ops.lstm, "GRU": onnx_ops.gru, "RNN": onnx_ops.rnn}
# Keyword of each ONNX input position, per operator.
INPUTS = {
    "LSTM": ("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"),
    "GRU": ("X", "W", "R", "B", "sequence_lens", "initial_h"),
    "RNN": ("X", "W", "R", "B", "sequence_lens", "initial_h"),
}
NUM_OUTPUTS = {"LSTM": 3, "GRU": 2, "RNN": 2}
EXPECTED_CASE_COUNT = 18

# Where the conftest's ``shared_data`` fixture looks: ../shared/data beside the checkout.
_SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
_JSON = _SHARED_DATA / "onnx" / "onnx_node.json"


def _case_names() -> list[str]:
    """Case names for parametrisation (read at collection only when the file exists)."""
    if not _JSON.is_file():
        return ["shared-data-absent"]  # one case, which the shared_data fixture skips
    return [case["name"] for case in json.loads(_JSON.read_text())]


def load_cases(shared_data: Path) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    folder = shared_data / "onnx"
    json_path, npz_path = folder / "onnx_node.json", folder / "onnx_node.npz"
    assert json_path.is_file() and npz_path.is_file(), f"{folder} lacks onnx_node.json/.npz"
    cases = {case["name"]: case for case in json.loads(json_path.read_text())}
    with np.load(npz_path) as npz:
        arrays = {key: npz[key] for key in npz.files}
    return cases, arrays


def call(case: dict, arrays: dict[str, np.ndarray], dtype=None) -> tuple:
    """Run the case's operator on its stored inputs (cast to ``dtype`` if given)."""
    op = case["op_type"]
    names = case["input_names"]
    assert len(names) <= len(INPUTS[op]), f"{case['name']}: too many inputs for {op}"
    kwargs = {}
    for keyword, name in zip(INPUTS[op], names, strict=False):
        if not name:
            kwargs[keyword] = None
            continue
        value = arrays[f"{case['name']}/in/{name}"]
        if dtype is not None and keyword != "sequence_lens":
            value = value.astype(dtype)
        kwargs[keyword] = value
    return FUNCTIONS[op](**kwargs, **case["attributes"])


def test_the_data_holds_the_18_cases(shared_data):
    cases, arrays = load_cases(shared_data)
    assert len(cases) == EXPECTED_CASE_COUNT
    assert {case["op_type"] for case in cases.values()} == set(FUNCTIONS)
    used = set()
    for name, case in cases.items():
        for direction, names in (("in", case["input_names"]), ("out", case["output_names"])):
            keys = {f"{name}/{direction}/{n}" for n in names if n}
            missing = keys - set(arrays)
            assert not missing, f"{name}: arrays missing from the npz: {sorted(missing)}"
            used |= keys
        assert any(case["output_names"]), f"{name}: no output is checked"
    assert used == set(arrays), f"npz arrays no case uses: {sorted(set(arrays) - used)}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", _case_names())
def test_onnx_node_case(shared_data, name, dtype):
    cases, arrays = load_cases(shared_data)
    assert name in cases, f"case {name!r} is not in onnx_node.json"
    case = cases[name]
    result = call(case, arrays, dtype=None if dtype == "float32" else np.float64)
    op = case["op_type"]
    assert isinstance(result, tuple) and len(result) == NUM_OUTPUTS[op], (
        f"{name}: {op} must return a tuple of {NUM_OUTPUTS[op]} arrays"
    )
    checked = 0
    for position, output_name in enumerate(case["output_names"]):
        if not output_name:
            continue
        expected = arrays[f"{name}/out/{output_name}"]
        actual = result[position]
        assert isinstance(actual, np.ndarray), f"{name}: {output_name} is not an array"
        assert actual.dtype == np.dtype(dtype), f"{name}: {output_name} has dtype {actual.dtype}"
        assert actual.shape == expected.shape, (
            f"{name}: {output_name} has shape {actual.shape}, expected {expected.shape}"
        )
        np.testing.assert_allclose(
            actual,
            expected,
            rtol=case["rtol"],
            atol=case["atol"],
            err_msg=f"{name} [{dtype}]: {output_name}",
        )
        checked += 1
    assert checked >= 1
