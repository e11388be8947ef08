"""The confusion matrix as a picture: counts in cells, true classes down, predicted across."""

import numpy as np

from lstmkit.io.atomic import write_figure


def plot_confusion(plt, path, matrix, labels, title="") -> None:
    """Write a PNG of `matrix` (true x predicted counts) with class `labels`."""
    matrix = np.asarray(matrix)
    size = max(4.0, 0.45 * len(labels) + 2.5)
    figure, axes = plt.subplots(figsize=(size + 1, size), layout="constrained")
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, shrink=0.8)
    ticks = np.arange(len(labels))
    axes.set_xticks(ticks, [str(label) for label in labels], rotation=45, ha="right")
    axes.set_yticks(ticks, [str(label) for label in labels])
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > threshold else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=colour, fontsize=8)
    write_figure(path, figure, dpi=110)
    plt.close(figure)
