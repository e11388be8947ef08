"""The report page as text: escaping, tables, figures and the page around them.

Everything the page shows is built here from plain values, and every value that came from
the user (a file name, a class label, a word) goes through `escape` on its way in, so that a
label such as `<script>` is shown as text, never run. The page needs nothing outside itself:
its style sheet is inline and its images are `data:` URIs (see `lstmkit.report.figures`).
"""

import html

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222;
       padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right;
         white-space: pre-wrap; }
th { background: #f2f2f2; }
td:first-child, th:first-child, table.facts td { text-align: left; }
table.facts td:first-child { white-space: nowrap; }
figure { margin: 0.5em 0 1.2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; }
p.note { background: #fff7e0; border-left: 4px solid #e0a800; padding: 0.4em 0.8em; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def escape(value) -> str:
    """`value` as text safe inside HTML elements and quoted attributes (& < > " ')."""
    return html.escape(str(value), quote=True)


def number(value) -> str:
    """A result in a table: four significant digits; "-" where undefined (None)."""
    return "-" if value is None else f"{value:.4g}"


def table(header, rows, caption=None) -> str:
    """A <table>: `header` cells (none when None), then one row per item of `rows`; every
    cell escaped."""
    head = "" if header is None else "".join(f"<th>{escape(cell)}</th>" for cell in header)
    head = f"<thead><tr>{head}</tr></thead>" if head else ""
    kind = "" if head else ' class="facts"'  # name and value rows: text, left-aligned
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    title = f"<h3>{escape(caption)}</h3>" if caption else ""
    return f"{title}<table{kind}>{head}<tbody>{body}</tbody></table>"


def figure(uri: str, caption: str, name: str) -> str:
    """An <img> of a `data:` URI with its caption; `name` is the image's id (for tests)."""
    if not uri.startswith("data:image/"):
        raise ValueError(f"a report embeds data: URIs only; got {uri[:40]!r}")
    return (
        f'<figure><img id="{escape(name)}" alt="{escape(caption)}" src="{uri}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def note(text: str) -> str:
    """A highlighted paragraph (e.g. that plots need matplotlib)."""
    return f'<p class="note">{escape(text)}</p>'


def section(title: str, body: str, name: str) -> str:
    """One <section> with its heading; `name` is its id."""
    return f'<section id="{escape(name)}"><h2>{escape(title)}</h2>{body}</section>'


def page(title: str, sections) -> str:
    """The whole document: inline style, the title, then `sections` (HTML already built)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )
