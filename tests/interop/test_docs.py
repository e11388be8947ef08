"""The export example of docs/interop.md runs as written and its assertions hold."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "interop.md"


def test_the_onnxruntime_example_runs(tmp_path, monkeypatch, onnx, onnxruntime):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    example = next(block for block in blocks if "InferenceSession" in block)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, str(DOC), "exec"), {})  # the block asserts its own results
    assert (tmp_path / "classifier.onnx").stat().st_size > 0
