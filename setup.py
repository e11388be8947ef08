"""Build step: the package's long description is README.md with its relative links made absolute.

Everything else about the package is declared in pyproject.toml. The README links the guides,
the benchmark tables and the images by paths inside the repository (`docs/cli.md`,
`docs/images/...png`), which GitHub resolves; a package index shows the same text with no
repository beside it, so each such link would break there. At build time every relative link
(Markdown inline links and images, reference definitions, HTML `href` / `src`) becomes one into
the repository: images to their raw file (so that they display), everything else to its page.
Links inside fenced code blocks are left alone. tests/test_package.py checks the result.
"""

import posixpath
import re
from pathlib import Path

# the repository the links point into: pyproject.toml's Source URL (assumed; no remote is
# configured in the checkout), and the branch the published README describes
REPOSITORY = "https://github.com/lstmkit/lstmkit"
BRANCH = "main"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")

# where a link target sits: [text](target "title"), ![alt](target), [name]: target,
# href="target", src="target"; the group `target` is what gets rewritten
LINK_TARGETS = (
    re.compile(r"\]\(\s*(?P<target>[^)\s]+)"),
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(?P<target>\S+)"),
    re.compile(r"\b(?:href|src)\s*=\s*[\"'](?P<target>[^\"']+)"),
)
# a target with a scheme (https:, mailto:) or a protocol-relative one (//host) is absolute
ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def absolute_target(target: str) -> str:
    """The URL in the repository for a link target relative to the README (the repository root).

    An already absolute target is returned unchanged, and so is one that leaves the repository
    (`../x`): no URL would be right for it, and tests/test_package.py reports it.
    """
    if ABSOLUTE.match(target):
        return target
    path, hash_sign, anchor = target.partition("#")
    path = posixpath.normpath(path.removeprefix("/")) if path else "README.md"
    if path == ".." or path.startswith("../"):
        return target
    kind = "raw" if path.lower().endswith(IMAGE_SUFFIXES) else "blob"
    return f"{REPOSITORY}/{kind}/{BRANCH}/{path}{hash_sign}{anchor}"


def absolute_links(markdown: str) -> str:
    """`markdown` with the relative link targets outside fenced code blocks made absolute."""
    lines, in_code = [], False
    for line in markdown.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        elif not in_code:
            for pattern in LINK_TARGETS:
                line = pattern.sub(_rewrite_match, line)
        lines.append(line)
    return "".join(lines)


def _rewrite_match(match: re.Match) -> str:
    """The matched text with its `target` group replaced by the absolute target."""
    start, end = match.start("target") - match.start(), match.end("target") - match.start()
    text = match.group(0)
    return text[:start] + absolute_target(match.group("target")) + text[end:]


if __name__ == "__main__":  # a build runs this file as __main__; a test only imports it
    from setuptools import setup

    readme = Path(__file__).with_name("README.md").read_text(encoding="utf-8")
    setup(long_description=absolute_links(readme), long_description_content_type="text/markdown")
