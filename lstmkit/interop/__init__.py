"""Moving models between lstmkit and other frameworks.

lstmkit.interop.onnx    export to ONNX (onnx package needed) and run ONNX files in NumPy
lstmkit.interop.torch   to_torch / from_torch for layers (PyTorch needed)

Neither onnx nor torch is imported by `import lstmkit`; each is imported only inside the
function that needs it, so the core runs without them (`pip install 'lstmkit[onnx]'` or
`'lstmkit[torch]'` adds them).
"""
