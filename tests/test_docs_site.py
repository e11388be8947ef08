"""The documentation site: `mkdocs build --strict` passes and the API reference is complete.

The site is built once (about 6 s) into a temporary folder. --strict turns every warning into a
failure: a broken link between pages, a link to a source or test file that does not exist
(docs/hooks/source_links.py), a docstring mkdocstrings cannot parse. Skips with the reason when
mkdocs or its plugins are missing; fails under LSTMKIT_REQUIRE_REFERENCES=1 (tests/conftest.py).
"""

import importlib
import importlib.util
import logging
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]

# API reference page (docs/api/NAME.md) -> the modules whose public names it must show
API_PAGES = {
    "models": ["lstmkit.models"],
    "nn": ["lstmkit.nn"],
    "training": ["lstmkit.training"],
    "optim": ["lstmkit.optim"],
    "losses": ["lstmkit.losses"],
    "data": ["lstmkit.data"],
    "io": ["lstmkit.io"],
    "onnx_ops": ["lstmkit.onnx_ops"],
    "interop": ["lstmkit.interop.onnx", "lstmkit.interop.torch"],
    "metrics": ["lstmkit.metrics"],
    "random": ["lstmkit.random"],
}


@pytest.fixture(scope="module")
def site(mkdocs, tmp_path_factory):
    """The built site's folder and the build's log (the build must succeed)."""
    folder = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return SimpleNamespace(folder=folder, log=build.stdout + build.stderr)


def page(site, name: str) -> str:
    return (site.folder / name / "index.html").read_text(encoding="utf-8")


def public_names(module_name: str) -> list:
    """A module's `__all__`, or where it has none its public functions and classes."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return [name for name in module.__all__ if not name.startswith("__")]
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module_name
    ]


def test_the_site_builds_with_no_warning(site):
    assert "WARNING -" not in site.log, site.log


def test_the_models_page_renders_each_estimator_and_its_docstring(site):
    html = page(site, "api/models")
    for name in ("SequenceClassifier", "Forecaster", "TextClassifier", "Seq2Seq"):
        assert f'id="lstmkit.models.{name}"' in html, name
    assert "Forecast one or many series" in html  # Forecaster's docstring
    assert "Classify whole sequences" in html  # SequenceClassifier's docstring


@pytest.mark.parametrize("page_name", sorted(API_PAGES))
def test_every_public_name_has_an_entry_on_its_page(site, page_name):
    html = page(site, f"api/{page_name}")
    missing = [
        f"{module}.{name}"
        for module in API_PAGES[page_name]
        for name in public_names(module)
        if not any(f'id="{anchor}"' in html for anchor in anchors(module, name))
    ]
    assert not missing, f"api/{page_name}.md does not render {missing}"


def anchors(module_name: str, name: str) -> tuple:
    """The anchors an entry for `name` may have: where it is exported, or where it is defined
    (a function named like its own module is rendered from that module)."""
    value = getattr(importlib.import_module(module_name), name)
    defined = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
    return f"{module_name}.{name}", defined


def test_the_top_level_page_renders_the_layers_and_save_and_load(site):
    html = page(site, "api/lstmkit")
    for name in ("LSTM", "GRU", "RNN", "Module", "save", "load"):
        assert f'id="lstmkit.{name}"' in html, name


def test_links_to_source_files_point_into_the_repository(site):
    html = page(site, "reliability")
    assert "https://github.com/lstmkit/lstmkit/blob/main/tests/reliability/" in html
    assert 'href="../tests/' not in html


def test_the_site_fetches_no_web_fonts(site):
    assert "fonts.googleapis.com" not in page(site, "")


# --- the hook that turns links to source files into repository links -------------------------


@pytest.fixture(scope="module")
def source_links():
    spec = importlib.util.spec_from_file_location(
        "source_links", REPO / "docs" / "hooks" / "source_links.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rewrite(source_links, markdown: str) -> str:
    """The hook's answer for `markdown` on docs/reliability.md of this checkout."""
    page = SimpleNamespace(
        file=SimpleNamespace(abs_src_path=str(REPO / "docs" / "reliability.md"), src_uri="x.md")
    )
    config = {
        "docs_dir": str(REPO / "docs"),
        "config_file_path": str(REPO / "mkdocs.yml"),
        "repo_url": "https://example.org/repo/",
    }
    return source_links.on_page_markdown(markdown, page, config, files=None)


def test_a_link_to_an_existing_source_file_becomes_a_repository_link(source_links):
    assert rewrite(source_links, "[atomic](../lstmkit/io/atomic.py#L3) and [t](../tests)") == (
        "[atomic](https://example.org/repo/blob/main/lstmkit/io/atomic.py#L3) and "
        "[t](https://example.org/repo/tree/main/tests)"
    )


def test_a_link_to_a_missing_source_file_is_a_warning(source_links, caplog):
    markdown = "[gone](../lstmkit/no_such_file.py)"
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.source_links"):
        assert rewrite(source_links, markdown) == markdown
    assert "'../lstmkit/no_such_file.py'" in caplog.text


def test_links_between_pages_and_to_the_web_are_left_to_mkdocs(source_links):
    markdown = "[cli](cli.md#exit-codes) [api](api/models.md) [web](https://numpy.org)"
    assert rewrite(source_links, markdown) == markdown
