"""What is private to lstmkit.training stays there: no module outside it imports a private
name from it (the char LM once imported the Trainer's `_progress` to run a loop of its own)."""

import ast
from pathlib import Path

import lstmkit

PACKAGE = Path(lstmkit.__file__).parent


def private_imports(path: Path) -> list[str]:
    """'line: name' for each private name `path` imports from lstmkit.training."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lstmkit.training"):
            found += [f"{node.lineno}: {a.name}" for a in node.names if a.name.startswith("_")]
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: {a.name}"
                for a in node.names
                if a.name.startswith("lstmkit.training") and "._" in a.name
            ]
    return found


def test_no_module_outside_training_imports_its_private_names():
    training = PACKAGE / "training"
    offenders = {
        str(path.relative_to(PACKAGE)): private_imports(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if training not in path.parents
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 50  # the walk did read the package


def test_the_check_sees_a_private_import(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text("from lstmkit.training.trainer import Trainer, _progress\n")
    assert private_imports(source) == ["1: _progress"]
