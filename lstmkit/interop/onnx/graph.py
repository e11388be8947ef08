"""A small builder of ONNX graphs: unique names, constants, opset-aware helpers, atomic save.

The onnx package is imported lazily (when a builder is made), so importing this module costs
nothing. The exported networks compute in float32 (weights are cast to it); sequences between
layers are time-major, (T, N, F), the ONNX recurrent operators' default layout (layout=0),
which every runtime supports (onnxruntime refuses layout=1).
"""

from collections import Counter
from pathlib import Path

import numpy as np

from lstmkit.io.atomic import atomic_write

MIN_OPSET = 17  # LayerNormalization appears in opset 17
DEFAULT_OPSET = 17
MAX_OPSET = 21  # the newest opset the round-trip tests run in onnxruntime
INT64_MAX = np.iinfo(np.int64).max


def check_opset(opset) -> int:
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise ValueError(f"opset must be an integer in {MIN_OPSET}..{MAX_OPSET}; got {opset!r}")
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"opset must lie in {MIN_OPSET}..{MAX_OPSET}; got {opset}")
    return int(opset)


class GraphBuilder:
    """Collects nodes, initializers, inputs and outputs, then makes a checked ModelProto."""

    def __init__(self, opset: int = DEFAULT_OPSET):
        import onnx

        self.onnx = onnx
        self.opset = check_opset(opset)
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self._used, self._count = set(), Counter()

    def fresh(self, base: str) -> str:
        """A name not used before in this graph, derived from `base` (base, base_1, ...)."""
        name = base
        while name in self._used:
            self._count[base] += 1
            name = f"{base}_{self._count[base]}"
        self._used.add(name)
        return name

    def constant(self, value, base: str = "const", double: bool = False) -> str:
        """An initializer holding `value`: floats become float32 (float64 with `double`),
        integers int64 unless given as int32."""
        array = np.asarray(value)
        if array.dtype.kind == "f" and double:
            array = array.astype(np.float64)
        elif array.dtype == np.float64:
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu" and array.dtype != np.int32:
            array = array.astype(np.int64)
        name = self.fresh(base)
        if array.dtype.kind in "UO":
            tensor = self.onnx.helper.make_tensor(
                name,
                self.onnx.TensorProto.STRING,
                array.shape,
                [str(v).encode("utf-8") for v in array.reshape(-1)],
            )
        else:
            tensor = self.onnx.numpy_helper.from_array(np.require(array, requirements="C"), name)
        self.initializers.append(tensor)
        return name

    def op(self, op_type: str, inputs, outputs: int = 1, base: str | None = None, **attrs):
        """Add a node; returns its output name (or list of names when outputs > 1)."""
        base = base or op_type.lower()
        names = [self.fresh(base if k == 0 else f"{base}_out{k}") for k in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        node = self.onnx.helper.make_node(
            op_type, list(inputs), names, name=self.fresh(f"{base}_node"), **attrs
        )
        self.nodes.append(node)
        return names[0] if outputs == 1 else names

    def add_input(self, name: str, elem_type: str, shape) -> str:
        self.inputs.append(self._value_info(name, elem_type, shape))
        self._used.add(name)
        return name

    def add_output(self, source: str, name: str, elem_type: str, shape) -> None:
        """Expose `source` as graph output `name` (through an Identity node)."""
        self._used.add(name)
        self.nodes.append(
            self.onnx.helper.make_node(
                "Identity", [source], [name], name=self.fresh(name + "_node")
            )
        )
        self.outputs.append(self._value_info(name, elem_type, shape))

    def _value_info(self, name, elem_type, shape):
        types = {
            "float": self.onnx.TensorProto.FLOAT,
            "int64": self.onnx.TensorProto.INT64,
            "string": self.onnx.TensorProto.STRING,
        }
        return self.onnx.helper.make_tensor_value_info(name, types[elem_type], shape)

    # ---- helpers whose form changed between opsets ----------------------------------------

    def reduce(self, op_type: str, x: str, axes, keepdims: int = 0) -> str:
        """ReduceMean / ReduceMax / ReduceSum over `axes` (an input from opset 18, or 13 for
        ReduceSum; an attribute before)."""
        takes_input = op_type == "ReduceSum" or self.opset >= 18
        if takes_input:
            return self.op(op_type, [x, self.constant(list(axes), "axes")], keepdims=keepdims)
        return self.op(op_type, [x], axes=list(axes), keepdims=keepdims)

    def unsqueeze(self, x: str, axes) -> str:
        return self.op("Unsqueeze", [x, self.constant(list(axes), "axes")])

    def squeeze(self, x: str, axes) -> str:
        return self.op("Squeeze", [x, self.constant(list(axes), "axes")])

    def dim(self, x: str, axis: int) -> str:
        """The size of axis `axis` of x, as a scalar int64 tensor."""
        return self.op("Gather", [self.op("Shape", [x]), self.constant(axis, "axis")], axis=0)

    # ---- the model --------------------------------------------------------------------------

    def model(self, doc: str = ""):
        """The ModelProto, checked with onnx.checker (full_check: shapes are inferred too)."""
        from lstmkit._version import __version__

        helper = self.onnx.helper
        graph = helper.make_graph(
            self.nodes, "lstmkit", self.inputs, self.outputs, initializer=self.initializers
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name="lstmkit",
            producer_version=__version__,
            doc_string=doc,
        )
        model.ir_version = min(model.ir_version, 10)  # runtimes lag behind the newest IR
        self.onnx.checker.check_model(model, full_check=True)
        return model


def save_model(model, path) -> Path:
    """Write a ModelProto to `path` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    atomic_write(path, [model.SerializeToString()])
    return path
