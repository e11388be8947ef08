"""`lstmkit export MODEL --onnx OUT`: exit status, a file that passes onnx.checker and gives
the model's outputs, and one-line errors for files that are not models."""

import subprocess
import sys

import numpy as np

import lstmkit
from lstmkit.cli import main
from lstmkit.models import SequenceClassifier


def _classifier(path):
    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((int(rng.integers(3, 7)), 2)) for _ in range(12)]
    labels = np.array([0, 1] * 6)
    model = SequenceClassifier(hidden_size=4, epochs=1, validation_fraction=0, seed=0)
    model.fit(sequences, labels).save(path)
    return model


def test_export_writes_a_checked_file_that_matches(tmp_path, onnx, onnxruntime, capsys):
    model = _classifier(tmp_path / "model.safetensors")
    out = tmp_path / "model.onnx"
    code = main(["export", str(tmp_path / "model.safetensors"), "--onnx", str(out)])
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)
    x = np.random.default_rng(1).standard_normal((3, 5, 2)).astype(np.float32)
    lengths = np.array([5, 2, 4])
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    probabilities, _ = session.run(None, {"x": x, "lengths": lengths})
    np.testing.assert_allclose(probabilities, model.predict_proba(x, lengths), atol=1e-5)


def test_export_of_a_layer_without_lengths_at_another_opset(tmp_path, onnx):
    lstmkit.save(lstmkit.GRU(3, 4, bidirectional=True, seed=0), tmp_path / "gru.safetensors")
    out = tmp_path / "gru.onnx"
    args = ["export", str(tmp_path / "gru.safetensors"), "--onnx", str(out), "--opset", "20"]
    assert main([*args, "--no-lengths", "--quiet"]) == 0
    model = onnx.load(str(out))
    assert [i.name for i in model.graph.input] == ["x"] and model.opset_import[0].version == 20


def test_a_file_that_is_not_a_model_gives_one_line_and_exit_1(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\n")
    result = subprocess.run(
        [sys.executable, "-m", "lstmkit", "export", str(junk), "--onnx", str(tmp_path / "x.onnx")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lstmkit: error:") and "notes.txt" in lines[0]
    assert not (tmp_path / "x.onnx").exists()


def test_a_bad_opset_is_a_usage_error(tmp_path, capsys):
    lstmkit.save(lstmkit.LSTM(2, 3), tmp_path / "m.safetensors")
    code = main(["export", str(tmp_path / "m.safetensors"), "--onnx", "o.onnx", "--opset", "9"])
    assert code == 2
    assert "--opset must lie in 17..21; got 9" in capsys.readouterr().err
