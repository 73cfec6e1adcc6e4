"""The Word draft of the annual report, laid out as an official document (GB/T 9704-2012).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 22 lines of 28 characters a page
(28 pt lines, characters set a quarter point closer than their size); title in 小标宋 2号
(22 pt), centred; body in 仿宋 3号 (16 pt) with a two-character first-line indent; level-1
headings in 黑体, level-2 in 楷体; the 落款 two characters in from the right and the 成文日期
under it, two characters further right; page numbers as — 1 — in 4号 宋体 7 mm below the text,
odd pages at the right and even pages at the left, one character in. Fonts, sizes, the line
and the page numbers are settings (``docx`` in settings.yaml), so a unit can follow its own rules.
An English station's summary keeps the page, its margins and page numbers, in one Latin font
(``docx.english``) without the Chinese character grid and first-line indent.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import math
import unicodedata
from functools import cache

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

import firestats
from firestats.privacy import xml_text
from firestats.publish.annual import Block
from firestats.settings import settings

_ALIGN = {"title": WD_ALIGN_PARAGRAPH.CENTER, "signature": WD_ALIGN_PARAGRAPH.RIGHT, "date": WD_ALIGN_PARAGRAPH.RIGHT}
_PAGE_MM = (210, 297)  # A4
_TWIPS_PER_PT = 20
_MM_PER_PT = 25.4 / 72
TITLE_CHARS = 255  # a document property holds no more (a station's long name is cut there, not in the text)


def _font(style_or_run, family: str, size_pt: float, bold: bool = False) -> None:
    """Set a style's or run's font for Chinese text too (python-docx sets only the Latin name)."""
    font = style_or_run.font
    font.name, font.size, font.bold = family, Pt(size_pt), bold
    style_or_run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)


def _field_run(paragraph, kind: str, instruction: str | None = None):
    """A run holding one piece of a field (begin, its instruction, separate, end): Word computes the field."""
    run = paragraph.add_run()
    if instruction is None:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)
    else:
        text = OxmlElement("w:instrText")
        text.set(qn("xml:space"), "preserve")
        text.text = instruction
        run._r.append(text)
    return run


def _english(spec: dict) -> dict:
    """The settings' document form for an English draft: every font the English one, every size and the line scaled
    from the Chinese body's to the English body's, level-1 headings bold (黑体's weight)."""
    latin = spec["english"]
    scale = latin["size_pt"] / spec["body"]["size_pt"]
    kinds = ("title", "salutation", "body", "heading1", "heading2", "signature", "date", "page_number")
    fonts = {kind: {**spec[kind], "font": latin["font"], "size_pt": spec[kind]["size_pt"] * scale,
                    "bold": kind in ("title", "heading1")} for kind in kinds}
    return {**spec, **fonts, "line_pt": spec["line_pt"] * scale}


def _page_numbers(doc, section, spec: dict) -> None:
    """— PAGE — in each footer, 4号 宋体, its top ``below_text_mm`` under the text block: odd pages at the right
    and even pages at the left, each one character in from the edge."""
    style = spec["page_number"]
    doc.settings.odd_and_even_pages_header_footer = True
    size = style["size_pt"]
    section.footer_distance = Mm(spec["margins_mm"]["bottom"] - style["below_text_mm"] - size * _MM_PER_PT)
    odd, even = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
    for footer, align in ((section.footer, odd), (section.even_page_footer, even)):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        layout = paragraph.paragraph_format
        layout.line_spacing_rule, layout.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(size)
        layout.right_indent, layout.left_indent = (Pt(size), None) if align == odd else (None, Pt(size))
        runs = [paragraph.add_run("— "), _field_run(paragraph, "begin"), _field_run(paragraph, "", " PAGE "),
                _field_run(paragraph, "separate"), paragraph.add_run("1"), _field_run(paragraph, "end"),
                paragraph.add_run(" —")]
        for run in runs:
            _font(run, style["font"], size)


def _condensed(spec: dict) -> int:
    """How much closer than its size a body character stands, in twentieths of a point, so that a line holds
    ``grid.chars`` of them (28 of 3号 in 156 mm: 15.75 pt a character). Spacing rather than a document grid:
    LibreOffice gives a character wider than a grid cell two cells (14 a line), Word and it both honour spacing.
    """
    margins = spec["margins_mm"]
    width_pt = (_PAGE_MM[0] - margins["left"] - margins["right"]) / _MM_PER_PT
    return math.floor((width_pt / spec["grid"]["chars"] - spec["body"]["size_pt"]) * _TWIPS_PER_PT)


def _grid(section, spec: dict) -> None:
    """The section's document grid: ``grid.lines`` lines of ``line_pt`` a page, and the character pitch of
    ``grid.chars`` a line recorded beside them (in 4096ths of a point on the body's size). The grid snaps lines
    only: under a character grid LibreOffice gives each character two cells, so the runs' spacing sets the pitch."""
    margins = spec["margins_mm"]
    width_pt = (_PAGE_MM[0] - margins["left"] - margins["right"]) / _MM_PER_PT
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(spec["line_pt"] * _TWIPS_PER_PT)))
    grid.set(qn("w:charSpace"), str(round((width_pt / spec["grid"]["chars"] - spec["body"]["size_pt"]) * 4096)))
    sectPr = section._sectPr
    for old in sectPr.findall(qn("w:docGrid")):
        sectPr.remove(old)
    sectPr.append(grid)


def _spaced(run, twips: int) -> None:
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(twips))
    run.element.get_or_add_rPr().append(spacing)


def _width(text: str) -> float:
    """How many Chinese characters wide a text is (a half-width digit is half of one)."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def _signed(blocks: list[Block]) -> dict[str, float]:
    """Right indents, in characters, of the 落款 (two in) and the 成文日期, whose first character stands two to the
    right of the 落款's first (GB/T 9704-2012 7.3.5.2); the 落款 moves left when the date is the longer."""
    texts = {b.kind: b.text for b in blocks if b.kind in ("signature", "date")}
    name, date = 2.0, 2.0 + _width(texts.get("signature", "")) - _width(texts.get("date", "")) - 2
    if date < 0:
        name, date = name - date, 0.0
    return {"signature": name, "date": date}


def document(blocks: list[Block], english: bool = False) -> bytes:
    """The draft as .docx bytes; ``english`` lays out an English summary (see the module's note)."""
    spec = _english(settings()["docx"]) if english else settings()["docx"]
    doc = copy.deepcopy(_page(json.dumps(spec, sort_keys=True), english))
    char_pt, condensed = spec["body"]["size_pt"], _condensed(spec)
    signed = _signed(blocks)
    for block in blocks:
        if block.kind == "signature":
            # A blank line between the text and the 落款, which never stands on a page of its own: the text's last
            # paragraph goes with it to the next page.
            doc.paragraphs[-1].paragraph_format.keep_with_next = True
            doc.add_paragraph().paragraph_format.keep_with_next = True
        paragraph = doc.add_paragraph()
        # A heading never ends a page, nor the 落款 stands without its date.
        paragraph.paragraph_format.keep_with_next = block.kind in ("heading1", "heading2", "signature")
        style = spec.get(block.kind, spec["body"])
        paragraph.alignment = _ALIGN.get(block.kind, WD_ALIGN_PARAGRAPH.JUSTIFY)
        if block.kind in ("paragraph", "heading1", "heading2") and not english:
            paragraph.paragraph_format.first_line_indent = Pt(char_pt * 2)
        if block.kind in signed:
            paragraph.paragraph_format.right_indent = Pt(char_pt * signed[block.kind])
        if block.kind == "title":
            paragraph.paragraph_format.space_after = Pt(spec["line_pt"])
        # The template's words and a notebook's own too: python-docx refuses a text holding a control character.
        run = paragraph.add_run(xml_text(block.text))
        _font(run, style["font"], style["size_pt"], bool(style.get("bold")))
        if style["size_pt"] == char_pt and not english:  # the title, larger, stands on its own
            _spaced(run, condensed)
    _properties(doc, xml_text(blocks[0].text) if blocks else "")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@cache
def _page(form: str, english: bool):
    """An empty draft laid out as the document form ``form`` (the settings' ``docx``, as JSON) says: A4, its margins,
    body style, page numbers and (for Chinese) line grid. Made once per form and copied for each draft: python-docx
    reading its default template again and laying the page out took half of each draft's time."""
    spec = json.loads(form)
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
    _page_numbers(doc, section, spec)
    if not english:
        _grid(section, spec)
    return doc


def _properties(doc, title: str) -> None:
    """The file's properties: its title, made by firestats (with its version), now (python-docx's template
    otherwise says python-docx, 2013)."""
    props = doc.core_properties
    props.title = title[:TITLE_CHARS]
    props.author = props.last_modified_by = f"firestats {firestats.__version__}"
    props.created = props.modified = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    props.revision = 1
