"""A second Ctrl-C while the first one's model is being saved (issue 23, item 20): the file is
never broken, and the command says whether anything was saved."""

import importlib

import pytest

from lstmkit.cli.summary import save_interrupted_model
from lstmkit.io import atomic
from lstmkit.io.atomic import atomic_write


class Model:
    """Saves a few chunks atomically; `interrupt_at` names the step a Ctrl-C hits."""

    def __init__(self, interrupt_at=None):
        self.interrupt_at = interrupt_at

    def save(self, path):
        atomic_write(path, self.chunks())
        if self.interrupt_at == "after the rename":
            raise KeyboardInterrupt

    def chunks(self):
        yield b"new "
        if self.interrupt_at == "mid-write":
            raise KeyboardInterrupt
        yield b"model"


def test_a_save_returns_where_it_saved(tmp_path):
    path = save_interrupted_model(Model(), tmp_path / "run")
    assert path == tmp_path / "run" / "model.safetensors"
    assert path.read_bytes() == b"new model"


def test_interrupted_mid_write_nothing_is_saved_and_it_says_so(tmp_path, capsys):
    with pytest.raises(KeyboardInterrupt):
        save_interrupted_model(Model("mid-write"), tmp_path)
    path = tmp_path / "model.safetensors"
    assert capsys.readouterr().err.splitlines() == [
        f"interrupted again while saving: nothing saved to {path} (no file was written)"
    ]
    assert list(tmp_path.iterdir()) == []  # no temporary file either


def test_interrupted_before_the_rename_the_previous_file_stays(tmp_path, capsys, monkeypatch):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"previous model")

    def interrupted_fsync(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        save_interrupted_model(Model(), tmp_path)
    monkeypatch.undo()
    assert capsys.readouterr().err.splitlines() == [
        f"interrupted again while saving: nothing saved to {path} (its previous file is unchanged)"
    ]
    assert path.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_interrupted_after_the_rename_it_says_the_model_was_saved(tmp_path, capsys):
    with pytest.raises(KeyboardInterrupt):
        save_interrupted_model(Model("after the rename"), tmp_path)
    path = tmp_path / "model.safetensors"
    assert capsys.readouterr().err.splitlines() == [
        f"interrupted again, after the model was saved to {path}"
    ]
    assert path.read_bytes() == b"new model"


@pytest.mark.parametrize("command", ["classify", "charlm"])
def test_a_second_ctrl_c_while_the_best_weights_are_put_back_says_why_nothing_is_saved(
    tmp_path, capsys, command
):
    # the Trainer turns the first Ctrl-C into TrainingInterrupted (with its record of the
    # epochs) after putting the best weights back; a second one during that arrives as a plain
    # KeyboardInterrupt, with no record: the weights may be half restored, so nothing is saved
    save_interrupted = importlib.import_module(f"lstmkit.cli.{command}").save_interrupted
    model = Model()
    model.network_ = object()
    save_interrupted(model, KeyboardInterrupt(), tmp_path)
    assert capsys.readouterr().err.splitlines() == [
        "interrupted before training had a model to save (or again, while the best weights "
        "were put back): nothing saved"
    ]
    assert list(tmp_path.iterdir()) == []
