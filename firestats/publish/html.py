"""HTML blocks for the notebooks' outputs: tables, embedded charts, and text from the data made safe.

Every text that comes from the data is escaped and has identity and phone numbers hidden, so a
station or address can never inject markup into a report or leak a number.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
from IPython.display import HTML

from firestats.catalogue import table_heading
from firestats.privacy import redact
from firestats.publish import charts
from firestats.publish.svg import Canvas


def text(value: Any) -> str:
    """Text from the data, made safe for a shared report: escaped, identity and phone numbers hidden."""
    return escape(redact(str(value)))


class Markup(str):
    """HTML made here, from text already escaped (a link to a station's page): a table cell keeps it as it is."""


def _cell(value: Any) -> str:
    if isinstance(value, Markup):
        return f"<td>{value}</td>"
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num">{escape(str(value))}</td>' if numeric else f"<td>{text(value)}</td>"


def heat_table(counts: dict[str, dict[int, int]], unit: str, caption: str, corner: str = "") -> str:
    """Each row's counts by column (a station's incidents by month, ``unit`` 月, or by day) and its total,
    every count shaded by its share of the largest: one table for any number of stations, where small
    charts grew a row per four stations and took seconds to draw."""
    columns = sorted({column for row in counts.values() for column in row})
    largest = max((n for row in counts.values() for n in row.values()), default=0) or 1
    headings = (corner, *(f"{c}{unit}" for c in columns), table_heading("total"))
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headings)

    def shaded(n: int) -> str:
        strength = n / largest
        ink = "color:#fff;" if strength > HEAT_WHITE_TEXT else ""
        return f'<td class="num" style="{ink}background:rgba(192,57,43,{strength:.2f})">{n}</td>'

    body = "".join(f"<tr><td>{text(name)}</td>" + "".join(shaded(int(row.get(c, 0))) for c in columns)
                   + f'<td class="num">{sum(row.values())}</td></tr>' for name, row in counts.items())
    return (f'<table class="fs-table fs-compact fs-heat"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def table(headers: list[str], rows: list[list[Any]], cls: str = "") -> str:
    """An HTML table: numbers right-aligned, every other cell escaped and redacted."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<table class="fs-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# Above this share of the largest count a cell is dark enough to need white figures.
HEAT_WHITE_TEXT = 0.55
# Characters an SVG may keep as they are in a data: URL inside a double-quoted attribute; the rest
# (quotes, <, >, &, %, #, line breaks, Chinese) are percent-encoded: a third smaller than base64.
URL_SAFE = " /:;=,.-_()'!*+?@[]{}|~$"
# Which bytes a data: URL keeps as they are: urllib's always safe and the above.
_KEPT = np.zeros(256, dtype=bool)
_KEPT[list(f"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~{URL_SAFE}".encode())] = True
_HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)


def url_quoted(data: bytes) -> str:
    """``data`` percent-encoded for a data: URL, as ``urllib.parse.quote(data, safe=URL_SAFE)`` writes it, in numpy:
    urllib's byte by byte took a report's charts some 5 ms."""
    raw = np.frombuffer(data, dtype=np.uint8)
    escaped = ~_KEPT[raw]
    # Each byte's place in the output: two more for every escaped byte before it.
    at = np.arange(raw.size) + 2 * (np.cumsum(escaped) - escaped)
    out = np.empty(raw.size + 2 * int(escaped.sum()), dtype=np.uint8)
    out[at[~escaped]] = raw[~escaped]
    where, byte = at[escaped], raw[escaped]
    out[where], out[where + 1], out[where + 2] = ord("%"), _HEX[byte >> 4], _HEX[byte & 15]
    return out.tobytes().decode("ascii")


def chart(fig: Canvas, alt: str) -> HTML:
    """A chart as an embedded SVG image, so the HTML needs no other file."""
    data = url_quoted(charts.to_svg(fig))
    return HTML(f'<figure class="fs-chart"><img src="data:image/svg+xml,{data}" alt="{escape(alt)}"></figure>')


class Publishing(HTML):
    """HTML for the reader that also carries the report's figures under ``mime`` for the exports."""

    def __init__(self, html: str, mime: str, publication: dict[str, Any]) -> None:
        super().__init__(html)
        self.mime = mime
        self.publication = publication

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {self.mime: self.publication}
