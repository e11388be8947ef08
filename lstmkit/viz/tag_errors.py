"""Tagging errors by tag: for each gold tag, how many of its words were tagged wrong."""

import numpy as np

from lstmkit.io.atomic import write_figure


def plot_tag_errors(plt, path, tags, words, wrong, title="") -> None:
    """Write a PNG of horizontal bars, one per gold tag (`tags`): its words tagged wrong
    (dark) within all its words (light), the tag with most errors on top."""
    order = np.argsort(wrong, kind="stable")  # barh draws the first bar at the bottom
    labels = [str(tags[k]) for k in order]
    height = max(2.5, 0.3 * len(tags) + 1.2)
    figure, axes = plt.subplots(figsize=(7, height), layout="constrained")
    positions = np.arange(len(tags))
    axes.barh(positions, np.asarray(words)[order], color="#c6dbef", label="words with this tag")
    axes.barh(positions, np.asarray(wrong)[order], color="#d62728", label="tagged wrong")
    axes.set_yticks(positions, labels)
    axes.set_xlabel("words in the test data")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    write_figure(path, figure, dpi=100)
    plt.close(figure)
