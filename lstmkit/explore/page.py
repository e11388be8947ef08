"""The explorer page: one self-contained HTML file, the cell's data and script inside it.

`explorer_page(cell)` fills the template page.html with the cell's title, its data as JSON
(weights and sequences; Python writes each float64 with the shortest digits that read back
as the same number, so the page computes with exactly the weights lstmkit has) and the script
cell.js. The page fetches nothing: no external script, style, font or image.
"""

import html
import json
from importlib import resources

from lstmkit.explore.cell import ExplorerCell
from lstmkit.io.atomic import write_text


def _resource(name: str) -> str:
    return resources.files("lstmkit.explore").joinpath(name).read_text(encoding="utf-8")


def explorer_page(cell: ExplorerCell) -> str:
    """The HTML text of the explorer page for `cell`."""
    # "</" inside the JSON would end its <script> element early; "<\/" is the same JSON
    data = json.dumps(cell.to_json(), allow_nan=False).replace("</", "<\\/")
    filled = {"title": html.escape(cell.title), "data": data, "script": _resource("cell.js")}
    page = _resource("page.html")
    for name, text in filled.items():
        page = page.replace("{{" + name + "}}", text)
    return page


def write_explorer(path, cell: ExplorerCell) -> None:
    """Write the explorer page for `cell` to `path`, atomically."""
    write_text(path, explorer_page(cell))
