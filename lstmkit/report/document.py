"""One report: what a training command hands over (`Report`), and `write_report`, which lays
it out as report.html in the command's --out folder, atomically.

The sections, in order: the data summary, the training curves, the result tables (the model
beside the baselines the command computed), the task's plots, the model card. Plots the
command wrote as PNG files are read back and embedded; figures drawn for the report alone
are rendered in memory. Without matplotlib the page holds the tables and a note saying that
plots need the `plot` extra.
"""

from dataclasses import dataclass, field
from pathlib import Path

from lstmkit.io.atomic import write_text
from lstmkit.report import REPORT, html
from lstmkit.report.card import card_section
from lstmkit.report.curves import Curves, curves_section
from lstmkit.report.figures import MISSING_PLOTS, file_uri, pyplot


@dataclass
class Report:
    """title: the page's heading; data: (name, value) rows of the data summary; curves: the
    training curves (None: none kept); tables: (caption, header, rows) result tables;
    images: (caption, file name) PNG files in the folder; card: the model card's rows
    (`lstmkit.report.card.card_rows`)."""

    title: str
    data: list
    card: list
    curves: Curves | None = None
    tables: list = field(default_factory=list)
    images: list = field(default_factory=list)


def write_report(folder, report: Report) -> Path:
    """Write `report` as REPORT (report.html) in `folder`; returns its path."""
    path = Path(folder) / REPORT
    write_text(path, render(folder, report))
    return path


def render(folder, report: Report) -> str:
    """The page's text (images read from `folder`)."""
    plt = pyplot()
    sections = [] if plt is not None else [html.note(MISSING_PLOTS)]
    sections.append(html.section("Data", html.table(None, report.data), "data"))
    if report.curves is not None:
        sections.append(curves_section(plt, report.curves))
    if report.tables:
        tables = "".join(html.table(head, rows, caption) for caption, head, rows in report.tables)
        sections.append(html.section("Results", tables, "results"))
    figures = _figures(folder, report.images)
    if figures:
        sections.append(html.section("Plots", figures, "plots"))
    sections.append(card_section(report.card))
    return html.page(report.title, sections)


def _figures(folder, images) -> str:
    """The PNG files in `folder` as <figure>s (a plot not written, without matplotlib, is
    left out)."""
    parts = []
    for number, (caption, name) in enumerate(images, start=1):
        uri = file_uri(Path(folder) / name)
        if uri is not None:
            parts.append(html.figure(uri, caption, f"plot-{number}"))
    return "".join(parts)
