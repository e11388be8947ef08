"""`load(path)`: an ONNX file run in NumPy, its recurrent nodes by `lstmkit.onnx_ops`.

Supported: the default ONNX domain, opset 11 and later, graphs whose nodes are all in
`kernels.KERNELS` (the recurrent operators and the common layers around them: what lstmkit's
export writes and what `torch.onnx.export` writes for nn.LSTM / nn.GRU / nn.RNN followed by
nn.Linear). Every node is checked when the file is loaded: an unsupported one is named (its
op_type and node name) before anything runs.
"""

from pathlib import Path

import numpy as np

from lstmkit.interop.onnx.kernels import KERNELS


class OnnxModel:
    """A loaded ONNX graph. `run(None, {"x": x})` -> list of outputs, as onnxruntime's
    InferenceSession.run; `model(x, lengths)` takes the inputs in order and returns the
    outputs (one array, or a tuple when there are several)."""

    def __init__(self, model_proto, source: str = "<model>"):
        from onnx import helper, numpy_helper

        self.source = source
        graph = model_proto.graph
        self.opset = _default_opset(model_proto, source)
        self._constants = {t.name: _array(numpy_helper.to_array(t)) for t in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in self._constants]
        self.output_names = [o.name for o in graph.output]
        self._nodes = []
        for node in graph.node:
            if node.domain not in ("", "ai.onnx") or node.op_type not in KERNELS:
                domain = f" of domain {node.domain!r}" if node.domain else ""
                raise ValueError(
                    f"{source}: node {node.name!r} (op_type {node.op_type}{domain}) is not "
                    f"supported by lstmkit.interop.onnx.load; supported: {sorted(KERNELS)}"
                )
            attrs = {a.name: _attribute(helper.get_attribute_value(a)) for a in node.attribute}
            self._nodes.append((node, attrs))

    def run(self, output_names, feeds: dict) -> list:
        """Outputs `output_names` (None: all) for the inputs in `feeds` (name -> array)."""
        missing = [name for name in self.input_names if name not in feeds]
        unknown = sorted(set(feeds) - set(self.input_names))
        if missing or unknown:
            raise ValueError(
                f"feeds must give exactly the inputs {self.input_names}; missing {missing}, "
                f"unknown {unknown}"
            )
        values = dict(self._constants)
        values.update({name: np.asarray(value) for name, value in feeds.items()})
        for node, attrs in self._nodes:
            inputs = [values[name] if name else None for name in node.input]
            try:
                outputs = KERNELS[node.op_type](inputs, attrs, self.opset)
            except (ValueError, TypeError, IndexError) as error:
                raise ValueError(
                    f"{self.source}: node {node.name!r} ({node.op_type}) failed: {error}"
                ) from error
            for name, value in zip(node.output, outputs, strict=False):
                if name:
                    values[name] = value
        return [values[name] for name in (output_names or self.output_names)]

    def __call__(self, *inputs, **named):
        feeds = dict(zip(self.input_names, inputs, strict=False))
        feeds.update(named)
        outputs = self.run(None, feeds)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def __repr__(self) -> str:
        return f"OnnxModel({self.source!r}, inputs={self.input_names}, outputs={self.output_names})"


def load(path) -> OnnxModel:
    """Read the ONNX file at `path` into a NumPy-run OnnxModel (needs the onnx package)."""
    import onnx

    path = Path(path)
    try:
        model_proto = onnx.load(str(path))
    except OSError:
        raise
    except Exception as error:  # protobuf's DecodeError and friends
        raise ValueError(f"{path}: not a readable ONNX model ({error})") from None
    return OnnxModel(model_proto, str(path))


def _default_opset(model_proto, source: str) -> int:
    for entry in model_proto.opset_import:
        if entry.domain in ("", "ai.onnx"):
            if entry.version < 11:
                raise ValueError(f"{source}: opset {entry.version} is older than 11, unsupported")
            return int(entry.version)
    raise ValueError(f"{source}: the model imports no default-domain opset")


def _attribute(value):
    """Attribute values as Python/NumPy: bytes -> str, TensorProto -> array."""
    from onnx import TensorProto, numpy_helper

    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, TensorProto):
        return _array(numpy_helper.to_array(value))
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode("utf-8") for v in value]
    return value


def _array(array: np.ndarray) -> np.ndarray:
    """String tensors come as arrays of bytes: make them arrays of str."""
    if array.dtype == object:
        return np.array(
            [v.decode("utf-8") if isinstance(v, bytes) else v for v in array.flat]
        ).reshape(array.shape)
    return array
