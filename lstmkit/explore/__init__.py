"""`lstmkit explore`'s page: an LSTM cell in the browser, every gate drawn as its inputs change.

    >>> from lstmkit.explore import seeded_cell, explorer_page
    >>> page = explorer_page(seeded_cell(input_size=2, hidden_size=3, seed=0))
    >>> "window.lstmkitCell" in page
    True

`seeded_cell` / `layer_cell` (lstmkit.explore.cell) give the cell and the sequences the page
steps through; `explorer_page` / `write_explorer` (lstmkit.explore.page) make the one
self-contained HTML file; its script is cell.js beside them.
"""

from lstmkit.explore.cell import ExplorerCell, example_sequences, layer_cell, seeded_cell
from lstmkit.explore.page import explorer_page, write_explorer

__all__ = [
    "ExplorerCell",
    "example_sequences",
    "explorer_page",
    "layer_cell",
    "seeded_cell",
    "write_explorer",
]
