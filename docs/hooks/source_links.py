"""mkdocs hook: links from the guides to source and test files become repository links.

The guides point at the code and the tests that hold what they say (`../lstmkit/io/atomic.py`,
`../tests/reliability/test_hostile_files.py`). Those files lie outside docs/, so the site
cannot serve them and mkdocs would report each link as not found. Before mkdocs reads a page,
this hook resolves every relative Markdown link that leaves docs/ against the checkout:

- the file (or folder) exists: the link becomes one to it in the repository (`repo_url`), so
  it works on the published site;
- it does not exist: a warning naming the page and the link, which `mkdocs build --strict`
  turns into a failure, as it does for a broken link between pages.

Links that stay inside docs/ are left alone for mkdocs to check.
"""

import logging
import re
from pathlib import Path

LOG = logging.getLogger("mkdocs.hooks.source_links")

# [text](target) or [text](target#anchor); the target is a relative path (no scheme, no '/')
LINK = re.compile(r"\]\((?P<target>[^)\s#:]+)(?P<anchor>#[^)\s]*)?\)")

# the branch the repository links point into
BRANCH = "main"


def on_page_markdown(markdown, page, config, files):
    """Rewrite the page's links that leave docs/ (warning on any whose file is missing)."""
    page_dir = Path(page.file.abs_src_path).parent
    docs_dir = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).resolve().parent

    def rewrite(match):
        target = (page_dir / match["target"]).resolve()
        if target.is_relative_to(docs_dir) or not target.is_relative_to(root):
            return match[0]  # a page of the site, or outside the checkout: mkdocs decides
        if not target.exists():
            LOG.warning(
                "Doc file '%s' links to '%s', which is not a file of the checkout",
                page.file.src_uri,
                match["target"],
            )
            return match[0]
        return f"]({repository_url(config, target.relative_to(root), target.is_dir())}" + (
            f"{match['anchor'] or ''})"
        )

    return LINK.sub(rewrite, markdown)


def repository_url(config, path: Path, is_dir: bool) -> str:
    """The address of a checkout path in the repository (a folder as a tree, a file as a blob)."""
    kind = "tree" if is_dir else "blob"
    return f"{config['repo_url'].rstrip('/')}/{kind}/{BRANCH}/{path.as_posix()}"
