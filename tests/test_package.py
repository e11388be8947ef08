"""The package as a package index receives it: the wheel's files and metadata, and the README.

The wheel is built once (from a copy of the checkout, so the checkout gains no build/ folder)
with the installed setuptools, offline. What is checked: the built-in data sets and py.typed
are inside, the licence is in the dist-info, no tests, benchmarks or guides are; the metadata
carries the version from lstmkit/_version.py, the project URLs, the classifiers and only numpy
and tqdm as requirements (everything else is an extra); and the README it carries, rendered as
a package index renders it, links nothing by a relative path, while every repository file it
links exists.
"""

import email
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lstmkit._version import __version__

REPO = Path(__file__).resolve().parents[1]
SOURCE_URL = "https://github.com/lstmkit/lstmkit"
PROJECT_URLS = {
    "Homepage": SOURCE_URL,
    "Documentation": "https://lstmkit.github.io/lstmkit",
    "Source": SOURCE_URL,
    "Issues": f"{SOURCE_URL}/issues",
}
REQUIRED_CLASSIFIERS = {
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Topic :: Scientific/Engineering :: Artificial Intelligence",
    "Typing :: Typed",
}
# what a copy of the checkout leaves out: version control, caches, earlier builds
NOT_COPIED = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "site"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel built from a copy of the checkout, opened."""
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:  # pyproject.toml's build requirement
        # the dev extra (which CI installs) brings one new enough
        pytest.skip(f"setuptools {setuptools.__version__} installed; the build needs >= 77")
    source = tmp_path_factory.mktemp("checkout") / "lstmkit"
    shutil.copytree(REPO, source, ignore=NOT_COPIED)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps"]
    command += ["--no-build-isolation", "--no-index", "-q", "-w", str(out)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = out.glob("lstmkit-*.whl")
    with zipfile.ZipFile(path) as opened:
        yield opened


@pytest.fixture(scope="module")
def metadata(wheel) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_the_wheel_holds_the_data_sets_py_typed_and_every_module(wheel):
    names = set(wheel.namelist())
    data = {p.name for p in (REPO / "lstmkit" / "datasets").iterdir() if p.is_file()}
    assert {"airline.csv", "JapaneseVowels_TRAIN.ts.gz", "README.md"} <= data
    assert {f"lstmkit/datasets/{n}" for n in data if not n.endswith(".pyc")} <= names
    assert "lstmkit/py.typed" in names
    # what lstmkit explore assembles its page from (package data, not modules)
    assert {"lstmkit/explore/cell.js", "lstmkit/explore/page.html"} <= names
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "lstmkit").rglob("*.py")}
    assert modules - names == set()


def test_the_wheel_holds_the_licence_and_no_tests_benchmarks_or_guides(wheel):
    names = wheel.namelist()
    licences = [n for n in names if re.fullmatch(r"lstmkit-[^/]+\.dist-info/licenses/LICENSE", n)]
    assert len(licences) == 1, f"no dist-info/licenses/LICENSE among {names}"
    assert b"MIT License" in wheel.read(licences[0])
    top_level = {name.split("/")[0] for name in names}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"lstmkit"}
    assert not [n for n in names if re.search(r"(^|/)(tests|bench|docs)/", n)]


def test_the_metadata_has_the_version_urls_classifiers_and_two_requirements(metadata):
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT"
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL"))
    assert urls == PROJECT_URLS
    assert REQUIRED_CLASSIFIERS <= set(metadata.get_all("Classifier"))
    assert any(c.startswith("Development Status ::") for c in metadata.get_all("Classifier"))
    assert any(c.startswith("Intended Audience ::") for c in metadata.get_all("Classifier"))
    requirements = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert sorted(re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in requirements) == [
        "numpy",
        "tqdm",
    ]


def test_the_wheels_readme_links_nothing_relative(metadata, mkdocs):
    assert metadata["Description-Content-Type"].startswith("text/markdown")
    assert broken_links(metadata.get_payload()) == []


def test_the_readme_as_built_links_nothing_relative(mkdocs):
    # the same check without a build: README.md through setup.py's rewriting
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert broken_links(build_script().absolute_links(readme)) == []


@pytest.mark.parametrize(
    "markdown, expected",
    [
        ("[guide](docs/cli.md#json)", f"[guide]({SOURCE_URL}/blob/main/docs/cli.md#json)"),
        ("![plot](./docs/images/a.png)", f"![plot]({SOURCE_URL}/raw/main/docs/images/a.png)"),
        ('[l](LICENSE "the licence")', f'[l]({SOURCE_URL}/blob/main/LICENSE "the licence")'),
        ("[up](#the-lstm-layer)", f"[up]({SOURCE_URL}/blob/main/README.md#the-lstm-layer)"),
        ("[ref]: bench/RESULTS.md", f"[ref]: {SOURCE_URL}/blob/main/bench/RESULTS.md"),
        ('<img src="docs/x.svg">', f'<img src="{SOURCE_URL}/raw/main/docs/x.svg">'),
        ("[web](https://example.org/a.md)", "[web](https://example.org/a.md)"),
        ("[outside](../shared/DESIGN.md)", "[outside](../shared/DESIGN.md)"),
        ("```python\nx = a[0](docs/no.md)\n```\n", "```python\nx = a[0](docs/no.md)\n```\n"),
    ],
)
def test_relative_links_become_repository_links(markdown, expected):
    assert build_script().absolute_links(markdown) == expected


def build_script():
    """setup.py's module object, imported without running setup() (that runs as __main__)."""
    spec = importlib.util.spec_from_file_location("lstmkit_setup", REPO / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Links(HTMLParser):
    """Collects every href and src of rendered HTML."""

    def __init__(self):
        super().__init__()
        self.targets = []

    def handle_starttag(self, tag, attrs):
        self.targets += [value for name, value in attrs if name in ("href", "src") and value]


def broken_links(markdown_text: str) -> list:
    """Each link of the rendered text that a package index page could not follow: a relative
    one, or one into the repository whose file is missing from the checkout. Needs the
    `markdown` package, which mkdocs brings (the tests calling this ask for the fixture)."""
    import markdown

    parser = _Links()
    parser.feed(markdown.markdown(markdown_text, extensions=["tables", "fenced_code"]))
    broken = []
    for target in parser.targets:
        into_repository = re.match(rf"{re.escape(SOURCE_URL)}/(?:blob|raw)/main/([^#]+)", target)
        if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            broken.append(f"relative: {target}")
        elif into_repository and not (REPO / into_repository.group(1)).exists():
            broken.append(f"missing in the checkout: {target}")
    return broken
