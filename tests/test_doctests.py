"""The examples in lstmkit's docstrings run, and print what they say they print.

Every module of the package is imported (a module whose optional dependency is not installed
is skipped, with the dependency named) and its docstring examples run with doctest.
"""

import doctest
import importlib
import pkgutil

import pytest

import lstmkit

# Third-party packages some modules import at the top; without them those modules are skipped.
OPTIONAL = {"matplotlib", "numba", "onnx", "onnxruntime", "safetensors", "sklearn", "torch"}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def module_names() -> list[str]:
    names = ["lstmkit"]
    for info in pkgutil.walk_packages(lstmkit.__path__, "lstmkit.", onerror=_walk_error):
        names.append(info.name)  # lstmkit.__main__ too: importing it runs nothing
    return sorted(names)


def _walk_error(name):
    # walk_packages imports packages to list their contents; a missing optional dependency is
    # reported by the test of that package below, anything else fails there too
    pass


def import_or_skip(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs {error.name}, which is not installed")
        raise


def examples_of(module) -> list[doctest.DocTest]:
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, module.__name__)
    return [test for test in tests if test.examples]


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name):
    module = import_or_skip(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in examples_of(module):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed in {name}"


def test_the_examples_are_found():
    # guards the test above against passing because it found nothing to run
    counts = {}
    for name in module_names():
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        counts[name] = sum(len(test.examples) for test in examples_of(module))
    for name in ("lstmkit.nn.dropout", "lstmkit.nn.sequential", "lstmkit.testing"):
        assert counts[name] > 0, f"no docstring examples found in {name}"
    assert sum(counts.values()) >= 20
