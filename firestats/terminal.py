"""What firestats prints to a terminal: names from the data made inert.

A station or file name can hold escape sequences (``ESC]0;…BEL`` retitles the window,
``ESC]52;c;…`` writes the clipboard, ``ESC[2J`` clears the screen); printed raw, the terminal
would run them.
"""

from __future__ import annotations

import re

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
