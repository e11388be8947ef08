"""Each NumPy kernel of `load` against onnxruntime on a one-node graph with random inputs
(the recurrent operators have their own tests in tests/onnx_ops)."""

import numpy as np
import pytest

from lstmkit.interop.onnx import OnnxModel
from lstmkit.interop.onnx.kernels import KERNELS

R = np.random.default_rng(0)
F = R.standard_normal((2, 3, 4)).astype(np.float32)
M = R.standard_normal((3, 4)).astype(np.float32)
I64 = np.int64

CASES = [
    ("Identity", [F], {}, 17),
    ("Dropout", [F], {}, 17),
    ("Shape", [F], {"start": 1}, 17),
    ("Gather", [F, np.array([[1, -1]], I64)], {"axis": 2}, 17),
    ("Unsqueeze", [M, np.array([0, -1], I64)], {}, 17),
    ("Unsqueeze", [M], {"axes": [1]}, 11),
    ("Squeeze", [F[:1], np.array([0], I64)], {}, 17),
    ("Squeeze", [F[:1]], {"axes": [0]}, 11),
    ("Concat", [F, F * 2], {"axis": -1}, 17),
    ("Transpose", [F], {"perm": [2, 0, 1]}, 17),
    ("Transpose", [F], {}, 17),
    (
        "Slice",
        [F, np.array([1, -3], I64), np.array([9, 2**62], I64), np.array([2, 1], I64)],
        {},
        17,
    ),
    (
        "Slice",
        [
            F,
            np.array([-1], I64),
            np.array([-(2**62)], I64),
            np.array([2], I64),
            np.array([-2], I64),
        ],
        {},
        17,
    ),
    ("Reshape", [F, np.array([0, -1], I64)], {}, 17),
    ("Flatten", [F], {"axis": 2}, 17),
    ("Expand", [M[:1], np.array([2, 3, 4], I64)], {}, 17),
    ("Range", [np.array(1, I64), np.array(9, I64), np.array(3, I64)], {}, 17),
    ("MatMul", [F, M.T.copy()], {}, 17),
    ("Add", [F, M[0]], {}, 17),
    ("Sub", [F, M], {}, 17),
    ("Mul", [F, np.float32(3)], {}, 17),
    ("Div", [F, M + 5], {}, 17),
    ("Div", [np.array([7, -7, 6, -6, 7], I64), np.array([2, 2, -3, 4, -2], I64)], {}, 17),
    # the remainder takes the divisor's sign (fmod=0), or the dividend's (fmod=1, floats)
    ("Mod", [np.array([7, -7, 6, -6, 7, 0], I64), np.array([3, 3, -4, 4, -2, 5], I64)], {}, 17),
    ("Mod", [F, np.abs(M) + 0.5], {"fmod": 1}, 17),
    ("Sum", [F, F, M], {}, 17),
    ("Neg", [F], {}, 17),
    ("Sqrt", [np.abs(F)], {}, 17),
    ("Log", [np.abs(F) + 0.1], {}, 17),
    ("Exp", [F], {}, 17),
    ("Tanh", [F], {}, 17),
    ("Sigmoid", [F * 30], {}, 17),
    ("Relu", [F], {}, 17),
    ("IsNaN", [np.array([1, np.nan], np.float32)], {}, 17),
    ("Less", [F, M], {}, 17),
    ("Greater", [F, M], {}, 17),
    ("Equal", [np.array([1, 2], I64), np.array([2, 2], I64)], {}, 17),
    ("Not", [np.array([True, False])], {}, 17),
    ("Where", [F > 0, F, np.float32(-1)], {}, 17),
    ("Cast", [F * 10], {"to": 7}, 17),
    ("Gemm", [M, M, M[0, :3]], {"transB": 1, "alpha": 0.5, "beta": 2.0}, 17),
    ("Gemm", [M.T.copy(), M.T.copy()], {"transA": 1}, 17),
    ("Conv", [F, R.standard_normal((5, 3, 3)).astype(np.float32)], {"pads": [1, 2]}, 17),
    (
        "Conv",
        [F, M.T[:, :, None] * np.array([1, -2], np.float32), M[0]],
        {"strides": [3], "dilations": [2], "pads": [2, 1]},
        17,
    ),
    ("Pad", [F, np.array([0, 1, 0, 2, 0, 3], I64)], {}, 17),
    ("Pad", [M, np.array([1, 0, 0, 2], I64), np.float32(-1.5)], {}, 17),
    ("Softmax", [F], {"axis": 1}, 17),
    ("Softmax", [F], {}, 11),
    ("LogSoftmax", [F], {}, 17),
    ("LayerNormalization", [F, M[0], M[1]], {"axis": -1, "epsilon": 1e-3}, 17),
    ("LayerNormalization", [F, M], {"axis": 1}, 17),
    ("ReduceMean", [F], {"axes": [0, 2], "keepdims": 0}, 17),
    ("ReduceMean", [F, np.array([1], I64)], {}, 18),
    ("ReduceMax", [F], {"axes": [-1]}, 17),
    ("ReduceMax", [F], {}, 18),
    ("ReduceSum", [F, np.array([0], I64)], {"keepdims": 0}, 17),
    ("ReduceProd", [np.array([[2, 3], [4, 5]], I64)], {"axes": [1]}, 17),
    ("ArgMax", [F], {"axis": 2, "keepdims": 0}, 17),
    ("ArgMax", [np.array([[1.0, 3.0, 3.0]], np.float32)], {"axis": 1, "select_last_index": 1}, 17),
    ("TopK", [np.array([[3, 1, 3, 2]], I64), np.array([3], I64)], {"axis": 1}, 17),
    ("TopK", [M, np.array([2], I64)], {"axis": 0, "largest": 0}, 17),
    (
        "ScatterElements",
        [np.zeros((3,), I64), np.array([2, 0], I64), np.array([7, 8], I64)],
        {"axis": 0},
        17,
    ),
]


def _one_node(onnx, op_type, inputs, attrs, opset, outputs):
    helper, mapping = onnx.helper, onnx.helper.np_dtype_to_tensor_dtype
    names = [f"in{k}" for k in range(len(inputs))]
    graph = helper.make_graph(
        [helper.make_node(op_type, names, [f"out{k}" for k in range(outputs)], **attrs)],
        "g",
        [
            helper.make_tensor_value_info(n, mapping(v.dtype), v.shape)
            for n, v in zip(names, inputs, strict=True)
        ],
        [helper.make_empty_tensor_value_info(f"out{k}") for k in range(outputs)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0]}-opset{case[3]}")
def test_kernel_matches_onnxruntime(onnx, onnxruntime, case):
    op_type, inputs, attrs, opset = case
    inputs = [np.asarray(v) for v in inputs]
    model = _one_node(onnx, op_type, inputs, attrs, opset, 2 if op_type == "TopK" else 1)
    feeds = {f"in{k}": v for k, v in enumerate(inputs)}
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    expected = session.run(None, feeds)
    got = OnnxModel(model).run(None, feeds)
    for value, reference in zip(got, expected, strict=True):
        assert value.dtype == reference.dtype and value.shape == reference.shape
        np.testing.assert_allclose(value, reference, rtol=1e-6, atol=1e-6)


def test_every_kernel_is_covered():
    tested = {case[0] for case in CASES} | {"LSTM", "GRU", "RNN", "Constant", "ConstantOfShape"}
    assert tested == set(KERNELS)


def test_constants_of_every_kind(onnx):
    helper = onnx.helper
    nodes = [
        helper.make_node("Constant", [], ["a"], value_floats=[1.5, 2.5]),
        helper.make_node("Constant", [], ["b"], value_int=3),
        helper.make_node(
            "ConstantOfShape",
            ["s"],
            ["c"],
            value=helper.make_tensor("v", onnx.TensorProto.INT64, [1], [7]),
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("s", onnx.TensorProto.INT64, [2])],
        [helper.make_empty_tensor_value_info(n) for n in "abc"],
    )
    model = OnnxModel(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    a, b, c = model(np.array([2, 1], I64))
    assert a.dtype == np.float32 and a.tolist() == [1.5, 2.5]
    assert b.dtype == np.int64 and b.shape == () and b == 3
    assert c.dtype == np.int64 and c.tolist() == [[7], [7]]
