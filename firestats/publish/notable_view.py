"""How a report shows its notable incidents: the most rescued, the longest on scene, and the kinds rare in the
detachment (``compute.notable``)."""

from __future__ import annotations

from firestats.catalogue import table_heading
from firestats.compute.notable import Notable
from firestats.publish.html import table

_NONE = '<p class="fs-note">—</p>'


def notable_tables(found: Notable, language: str = "zh") -> str:
    """The notable incidents' three tables under their titles, headed in ``language``."""
    described = [table_heading(name, language) for name in ("date", "kind", "subtype", "summary")]
    parts = [f"<h3>{title}</h3>" + (table(described, rows.values.tolist()) if len(rows) else _NONE)
             for title, rows in (("营救人数最多", found.most_rescued), ("现场处置时间最长", found.longest_on_scene))]
    counted = [table_heading(name, language) for name in ("subtype", "count", "earliest")]
    rare = found.rare
    return "".join(parts) + "<h3>少见警情</h3>" + (table(counted, rare.values.tolist()) if len(rare) else _NONE)
