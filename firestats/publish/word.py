"""The Word draft of the annual report, laid out as an official document (GB/T 9704-2012).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title in 小标宋 2号 (22 pt),
centred; body in 仿宋 3号 (16 pt) with a two-character first-line indent and 28 pt lines;
level-1 headings in 黑体, level-2 in 楷体; page numbers centred at the foot as — 1 —. Fonts
and sizes are settings (``docx`` in settings.yaml), so a unit can follow its own rules.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from firestats.publish.annual import Block
from firestats.settings import settings

_ALIGN = {"title": WD_ALIGN_PARAGRAPH.CENTER}
TITLE_CHARS = 255  # a document property holds no more (a station's long name is cut there, not in the text)


def _font(style_or_run, family: str, size_pt: float, bold: bool = False) -> None:
    """Set a style's or run's font for Chinese text too (python-docx sets only the Latin name)."""
    font = style_or_run.font
    font.name, font.size, font.bold = family, Pt(size_pt), bold
    style_or_run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)


def _page_number(section) -> None:
    """— PAGE — centred in the footer: Word fills in the number (a PAGE field)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    number.append(text)
    field.append(number)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def document(blocks: list[Block]) -> bytes:
    """The draft as .docx bytes."""
    spec = settings()["docx"]
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    margins = spec["margins_mm"]
    section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
    section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])
    body = doc.styles["Normal"]
    _font(body, spec["body"]["font"], spec["body"]["size_pt"])
    body.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    body.paragraph_format.line_spacing = Pt(spec["line_pt"])
    body.paragraph_format.space_after = Pt(0)
    _page_number(section)
    for block in blocks:
        paragraph = doc.add_paragraph()
        style = spec.get(block.kind, spec["body"])
        paragraph.alignment = _ALIGN.get(block.kind, WD_ALIGN_PARAGRAPH.JUSTIFY)
        if block.kind in ("paragraph", "heading1", "heading2"):
            paragraph.paragraph_format.first_line_indent = Pt(spec["body"]["size_pt"] * 2)
        if block.kind == "title":
            paragraph.paragraph_format.space_after = Pt(spec["line_pt"])
        run = paragraph.add_run(block.text)
        _font(run, style["font"], style["size_pt"], bool(style.get("bold")))
    buffer = io.BytesIO()
    doc.core_properties.title = blocks[0].text[:TITLE_CHARS] if blocks else ""
    doc.save(buffer)
    return buffer.getvalue()
