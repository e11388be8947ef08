"""The package's floors, enforced: no module imports from a floor above its own, no cycles.

DESIGN.md section 1: imports flow one way, ops -> cells -> recurrent -> nn -> models;
training uses nn; interop, viz and cli may use everything; nothing low imports anything high,
not even the package root for `__version__`. FLOORS below is the one place that says which
floor each top-level module or package of lstmkit stands on; a module may import its own floor
and the floors below it. Every import counts, those inside functions included (a lazy import
upward is still an upward dependency; it only fails later).
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import lstmkit

PACKAGE = Path(lstmkit.__file__).resolve().parent

# Bottom to top. "__init__" is the package root (lstmkit/__init__.py), which imports everything
# and so stands above all: no module inside the package may import it.
FLOORS = (
    # plain Python and NumPy that any floor may need: the version, exception types, the class
    # registry, input checks, seeds (lstmkit.random), the Module base (every layer is one) and
    # the gradient checker
    ("base", ("_version", "errors", "registry", "validation", "random", "module", "testing")),
    # save/load and the atomic file writers every floor that writes files uses
    ("io", ("io",)),
    # readers, batching and built-in data sets; metrics on plain arrays
    ("data", ("data", "datasets", "metrics")),
    ("ops", ("ops",)),
    ("cells", ("cells",)),
    ("recurrent", ("recurrent",)),
    # the other layers, and what trains them: losses and optimizers; the ONNX operators
    # (built on cells/ and the recurrent direction loop)
    ("nn", ("nn", "onnx_ops", "losses", "optim")),
    # more than one process: ranks, sharding, gradient averaging (the Trainer calls it);
    # independent fits dispatched through joblib (n_jobs)
    ("distributed", ("distributed", "parallel")),
    ("training", ("training",)),
    # task estimators, and the long-time-lag experiments (networks trained on synthetic tasks)
    ("models", ("models", "experiments")),
    ("interop", ("interop", "viz", "report", "explore")),
    ("cli", ("cli", "__main__")),
    ("root", ("__init__",)),
)

FLOOR_OF = {unit: rank for rank, (_, units) in enumerate(FLOORS) for unit in units}
FLOOR_NAME = [name for name, _ in FLOORS]


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = ("lstmkit", *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def all_modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def unit_of(module: str) -> str:
    """The top-level module or package a dotted name belongs to ("__init__" for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(source: str, module: str, package: bool, known: set[str]) -> list[tuple]:
    """(line, statement, imported module) for every lstmkit import anywhere in `source`.

    `from a.b import c` imports the module a.b.c when c is a module (in `known`), else a.b.
    Relative imports are resolved against `module` (a package resolves against itself).
    """
    found = []
    here = module.split(".") if package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            targets = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in known else origin
                for alias in node.names
            ]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target == "lstmkit" or target.startswith("lstmkit."):
                found.append((node.lineno, ast.unparse(node), target))
    return found


def upward_imports(module: str, path: Path, known: set[str], source: str | None = None):
    """Lines of `module` that import from a higher floor, as 'file:line: statement (why)'."""
    source = path.read_text(encoding="utf-8") if source is None else source
    floor = FLOOR_OF[unit_of(module)]
    found = []
    for line, statement, target in imports_of(source, module, is_package(path), known):
        target_floor = FLOOR_OF.get(unit_of(target))
        if target_floor is not None and target_floor > floor:
            found.append(
                f"{path.relative_to(PACKAGE.parent) if path.is_absolute() else path}:{line}: "
                f"`{statement}` imports {target} (floor {FLOOR_NAME[target_floor]}) from floor "
                f"{FLOOR_NAME[floor]}"
            )
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the lstmkit modules it imports (itself excluded)."""
    known = set(modules)
    graph = defaultdict(set)
    for module, path in modules.items():
        source = path.read_text(encoding="utf-8")
        for _, _, target in imports_of(source, module, is_package(path), known):
            if target != module:
                graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        # recursion depth is bounded by the number of modules (a few hundred)
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return sorted(found)


# ---- the package ---------------------------------------------------------------------------


def test_every_top_level_module_stands_on_a_floor():
    units = {unit_of(m) for m in all_modules()}
    missing = sorted(units - set(FLOOR_OF))
    assert not missing, (
        f"lstmkit modules or packages on no floor: {missing}; add each to FLOORS in "
        "tests/test_layering.py, as low as what it imports allows"
    )
    assert not sorted(set(FLOOR_OF) - units), "FLOORS names modules that do not exist"


def test_no_module_imports_from_a_higher_floor():
    modules = all_modules()
    known = set(modules)
    found = [line for m, p in modules.items() for line in upward_imports(m, p, known)]
    assert not found, "imports from a higher floor:\n" + "\n".join(found)


def test_no_import_cycle_between_top_level_modules():
    unit_graph = defaultdict(set)
    for module, targets in import_graph(all_modules()).items():
        for target in targets:
            if unit_of(target) != unit_of(module):
                unit_graph[unit_of(module)].add(unit_of(target))
    assert cycles(unit_graph) == []


def test_no_import_cycle_between_modules():
    assert cycles(import_graph(all_modules())) == []


def test_the_version_has_one_source():
    # pyproject.toml declares no version of its own: the build reads lstmkit/_version.py
    # (tests/test_package.py checks that the wheel's metadata carries it)
    from lstmkit._version import __version__

    try:
        import tomllib
    except ImportError:  # Python 3.10: pytest's own TOML reader
        import tomli as tomllib
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"], "a second, static version"
    assert "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "lstmkit._version.__version__"}
    assert lstmkit.__version__ is __version__


# ---- the checker itself ---------------------------------------------------------------------


def test_the_checker_catches_an_upward_import_inside_a_function(tmp_path):
    root = tmp_path / "lstmkit"
    (root / "ops").mkdir(parents=True)
    (root / "models").mkdir()
    for name in ("__init__.py", "ops/__init__.py", "models/__init__.py", "errors.py"):
        (root / name).write_text("")
    source = (
        "from lstmkit.errors import NoForwardPassError\n"  # down: allowed
        "from . import softmax\n"  # its own floor: allowed
        "def f():\n"
        "    from ..models import Forecaster\n"  # up, relative, inside a function
        "    import lstmkit\n"  # the root
    )
    bad = root / "ops" / "bad.py"
    bad.write_text(source)
    known = set(all_modules(root))
    found = [
        line.split(": ", 1)[1]
        for line in upward_imports("lstmkit.ops.bad", bad.relative_to(tmp_path), known, source)
    ]
    assert found == [
        "`from ..models import Forecaster` imports lstmkit.models (floor models) from floor ops",
        "`import lstmkit` imports lstmkit (floor root) from floor ops",
    ]
    lines = [
        int(line.split(":")[1])
        for line in upward_imports("lstmkit.ops.bad", bad.relative_to(tmp_path), known, source)
    ]
    assert lines == [4, 5]


def test_from_package_import_submodule_is_an_import_of_the_submodule():
    known = {"lstmkit", "lstmkit.optim", "lstmkit.training.trainer"}
    found = imports_of(
        "from lstmkit import optim, __version__\n",
        "lstmkit.training.trainer",
        False,
        known,
    )
    assert [target for _, _, target in found] == ["lstmkit.optim", "lstmkit"]


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder(graph, expected):
    assert cycles(graph) == expected
