"""ONNX export and import (needs the `onnx` package: `pip install 'lstmkit[onnx]'`).

export(model, path, opset=17, lengths=True)   an lstmkit layer or model as an ONNX file
to_onnx(model, ...)                           the same, as an onnx.ModelProto
load(path)                                    run an ONNX file in NumPy (OnnxModel)
"""

from lstmkit.interop.onnx.export import export, to_onnx
from lstmkit.interop.onnx.runtime import OnnxModel, load

__all__ = ["OnnxModel", "export", "load", "to_onnx"]
