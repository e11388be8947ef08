"""The package version, in a module of its own so that any module may read it.

`lstmkit/__init__.py` imports everything; a module inside the package that imported the root
for `__version__` would import upward (and in a cycle). This is the version's one source: the
build reads it from here (pyproject.toml's `[tool.setuptools.dynamic]`, which parses this file
without importing lstmkit; tests/test_layering.py and tests/test_package.py check both ends).
"""

__version__ = "0.1.0"
