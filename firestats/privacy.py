"""What leaves firestats about people and from the data: names masked unless allowed, identity and phone numbers
never shown, text no XML file can hold taken out, and names printed to a terminal made inert.

A station or file name can hold escape sequences (``ESC]0;…BEL`` retitles the window,
``ESC]52;c;…`` writes the clipboard, ``ESC[2J`` clears the screen); printed raw, the terminal
would run them.
"""

from __future__ import annotations

import re
from typing import Any

# Digits as offices type them: ASCII or full-width; between groups at most one space
# (also the ideographic one) or dash, as in 110101 19900307 1234 or 138-0013-8000.
_D = "[0-9０-９]"
_SEP = "[ \u3000\u00a0\\-－‐–—]?"
# Mainland resident identity numbers: 18 characters, the last a digit or X (6-8-4 or 6-4-4-4 when spaced).
_ID_NUMBER = re.compile(f"(?<!{_D}){_D}{{6}}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}{_SEP}{_D}{{3}}[0-9０-９XxＸｘ](?!{_D})")
# Mobile numbers 1[3-9]x xxxx xxxx, with or without +86 / 0086 / 86 before them.
_PHONE = re.compile(f"(?<![0-9０-９+＋])(?:(?:[+＋]|00|００)?[8８][6６]{_SEP})?"
                    f"[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}(?!{_D})")
# What XML 1.0 forbids (its Char production): the C0 controls but tab, line feed and carriage return, and U+FFFE,
# U+FFFF. python-docx refuses a text holding one ("All strings must be XML compatible"), Excel repairs the file. A
# character class both Python's re and Arrow's RE2 read, so ingest (parse.text) and publishing take out the same.
XML_FORBIDDEN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\ufffe\uffff]"
_XML_FORBIDDEN = re.compile(XML_FORBIDDEN)


def mask_name(name: str) -> str:
    """A name masked for a shared report: 张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明."""
    name = str(name).strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (a Word draft or a workbook cannot hold them)."""
    return _XML_FORBIDDEN.sub("", str(text))


def redact(text: str) -> str:
    """Free text with any identity or mobile number replaced by a notice (spaced, dashed, +86, full-width), and
    what XML forbids taken out: the text every published file may show."""
    return _PHONE.sub("[电话已隐去]", _ID_NUMBER.sub("[证件号已隐去]", xml_text(text)))


def redact_all(value: Any) -> Any:
    """Every text in figures or a publication (keys too, in nested dicts and lists) redacted; numbers as they are.

    The one redaction applied before anything is published, so the HTML, the exports, the Word
    draft and ``firestats figures`` all carry the same redacted text.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_all(k): redact_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_all(v) for v in value]
    return value


# Whole escape sequences first (OSC … BEL or ST, CSI … final byte, a two-character escape), then
# any control character left (C0, DEL, C1, line breaks: a message stays one line) and the
# bidirectional overrides that make a name read differently from what it is.
_SEQUENCES = re.compile(r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: title, clipboard
                        r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: cursor, colours, erase
                        r"|\x1b[@-_]?")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Inside JSON text json.dumps escapes C0 controls itself but not these.
_UNESCAPED_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without escape sequences or control characters, safe to print on one line."""
    return _CONTROLS.sub(" ", _SEQUENCES.sub("", str(text)))


def inert_json(text: str) -> str:
    """JSON text with the control characters json.dumps leaves as they are escaped as ``\\u009b``: the same
    JSON, harmless in a terminal."""
    return _UNESCAPED_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
