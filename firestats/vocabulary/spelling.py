"""How a spelling is folded before it is looked up (headers, aliases, items), and names kept apart."""

from __future__ import annotations

import unicodedata


def normalise_header(name: object) -> str:
    """A header as aliases are written: NFKC (full-width to half-width), no white space."""
    return "".join(unicodedata.normalize("NFKC", str(name)).split())


def unique_names(names: list[str]) -> list[str]:
    """Names made unique (a repeated 备注 becomes 备注（2）), so no column or person hides another."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}（{seen[name]}）")
    return out
