"""The package version, in a module of its own so that any module may read it.

`lstmkit/__init__.py` imports everything; a module inside the package that imported the root
for `__version__` would import upward (and in a cycle). Keep this equal to `version` in
pyproject.toml (tests/test_layering.py checks it).
"""

__version__ = "0.1.0"
