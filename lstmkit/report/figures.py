"""Images inside the page: a matplotlib figure or a PNG file as a `data:` URI.

The report is one file that opens anywhere, offline: an image is its PNG bytes in base64 in
the `src` attribute itself (`data:image/png;base64,...`), never a link to a file beside it.
matplotlib is the `plot` extra; without it `pyplot()` is None and the report says so instead
of drawing (MISSING_PLOTS).
"""

import base64
import io
from pathlib import Path

MISSING_PLOTS = (
    'Plots need the plot extra (pip install "lstmkit[plot]"): matplotlib is not installed, '
    "so this report holds the tables only."
)


def pyplot():
    """matplotlib.pyplot drawing into memory only (the Agg backend), or None without it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def png_uri(data: bytes) -> str:
    """PNG bytes as a data: URI."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def figure_uri(plt, figure, dpi: int = 100) -> str:
    """A matplotlib figure rendered to PNG in memory, as a data: URI; the figure is closed."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(figure)
    return png_uri(buffer.getvalue())


def file_uri(path) -> str | None:
    """A PNG file the command wrote, as a data: URI; None when there is no such file."""
    path = Path(path)
    return png_uri(path.read_bytes()) if path.is_file() else None
