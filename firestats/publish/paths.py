"""Where each published file goes in the output folder: ``OUT/YEAR/STATION.html`` and its siblings, a level's
``OUT/YEAR/支队/NAME.html`` (or 大队).

A station's file name keeps its Chinese characters and opens on every system: no path separator
or control character, at most ``NAME_BYTES`` bytes of UTF-8 cut at a whole character, no Windows
device name (CON, NUL, COM1 …) and no trailing dot or space. A name that had to be changed ends
in a short hash of the real name, so 城东/站, 城东_站 and 城东:站 are three files, the same on every run.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from firestats.periods import Period
from firestats.privacy import redact

OVERVIEW_NAME = "支队总览"
# What a station report writes beside its HTML (the detachment overview writes the HTML alone).
BESIDE = (".json", ".csv", ".xlsx", ".txt", ".docx")
# A half's, quarter's or month's station report also writes its 通报 as a text of its own: 2024-03/城东站-通报.txt.
_BULLETIN_MARK = "-通报"
BULLETIN = f"{_BULLETIN_MARK}.txt"
KEPT_SUFFIX = ".failed.ipynb"  # the executed notebook of a report whose notebook failed
# A file name's limit is 255 bytes on Linux and macOS; the stem keeps room for the hash, the
# longest suffix (.failed.ipynb) and the temporary name a file is first written under.
NAME_BYTES = 200
_HASH_CHARS = 8
# Separators, characters Windows refuses, controls (C0, DEL, C1) and the bidirectional overrides
# that make a name read differently from what it is.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')
# Windows device names, whatever the case and with any extension (con.html is the console too).
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|CLOCK\$|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³]) *(\..*)?", re.IGNORECASE)
_HASHED = re.compile(rf".*-[0-9a-f]{{{_HASH_CHARS}}}")


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def safe_name(name: str) -> str:
    """A file name for a station that keeps its Chinese characters, unique to the name and safe on every system.

    A name that is safe as it is stays as it is (城东站); any other ends in a hash of the real name
    (城东/站 -> 城东_站-3f2a9c1e), as do names that could be taken for another's (支队总览, a name already
    ending in such a hash, 城东站-通报 whose .txt would be 城东站's 通报). A phone or identity number is
    redacted first, from the hash too (报警人13300133000 -> 报警人[电话已隐去]-…).
    """
    shown = redact(name)  # a phone or identity number never names a file, nor can be found again from its hash
    cleaned = _UNSAFE.sub("_", shown).strip(" .")
    reserved = _RESERVED.fullmatch(cleaned)
    kept = (cleaned and cleaned == name and len(name.encode("utf-8")) <= NAME_BYTES and not reserved
            and name != OVERVIEW_NAME and not _HASHED.fullmatch(name) and not name.endswith(_BULLETIN_MARK))
    if kept:
        return name
    if reserved:  # Windows reads the part before the first dot: CON.txt-3f2a9c1e.html would still be the console
        cleaned = f"_{cleaned}"
    stem = _cut(cleaned, NAME_BYTES - _HASH_CHARS - 1).rstrip(" .") or "_"
    return f"{stem}-{hashlib.sha256(shown.encode('utf-8', errors='surrogatepass')).hexdigest()[:_HASH_CHARS]}"


def report_name(station: str | None, period: Period, level: str | None = None) -> str:
    """A report's name in the output folder, manifest and index: ``2024/城东站`` (``2024-Q1/城东站`` for a
    part of a year); ``2024/支队总览`` for the detachment overview (station None); ``2024/大队/城东大队`` for a
    ``level``'s report (支队 or 大队, ``station`` its name)."""
    if station is None:
        return f"{period.label}/{OVERVIEW_NAME}"
    return f"{period.label}/{level + '/' if level else ''}{safe_name(station)}"


def report_files(station: str | None, period: Period, level: str | None = None) -> list[str]:
    """Every file a report writes, relative to the output folder: its HTML and, for a station or a level, the
    exports beside it (``2024/城东站.html``, ``2024/城东站.json`` …; ``2024-03/城东站-通报.txt`` for a part of a
    year)."""
    name = report_name(station, period, level)
    exports = (*BESIDE, *([BULLETIN] if period.kind != "year" else [])) if station is not None else ()
    return [f"{name}{suffix}" for suffix in (".html", *exports)]


def report_path(out_dir: Path | str, station: str | None, period: Period, level: str | None = None) -> Path:
    """Where a report goes: ``OUT/2024/城东站.html`` (``OUT/2024-Q1/城东站.html`` for a part of a year), the
    detachment overview (station None) ``OUT/2024/支队总览.html``, a level's ``OUT/2024/支队/NAME.html``."""
    return Path(out_dir) / f"{report_name(station, period, level)}.html"
