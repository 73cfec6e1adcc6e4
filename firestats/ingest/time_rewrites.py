"""Year-first time spellings rewritten to 2021-3-5 14:32:07 (or a prefix of it), each kind of cell by what can
change it: pandas then parses them at C speed with one exact format.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

_CANONICAL = r"\1-\2-\3 \4:\5:\6"
# RE2 replacements turning year-first spellings into 2021-3-5 14:32:07 (or a prefix of it): separated (2021/3/5,
# 2021年3月5日14时32分) and compact (20210305143207) ones, then what the optional parts left empty.
_SEPARATED = (r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]*(\d{1,2})[:时点](\d{1,2})"
              r"(?:[:分](\d{1,2})(?:\.\d+)?)?[分秒]?)?$", _CANONICAL)
_COMPACT = (r"^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?$", _CANONICAL)
_LEFT_EMPTY = (r"[ :]+$", "")


def rewritten(cells: pa.Array) -> pa.Array:
    """Year-first spellings (cells, no nulls) rewritten to 2021-3-5 14:32:07 as ``_SEPARATED``, ``_COMPACT`` then
    ``_LEFT_EMPTY`` rewrite them, each given to the cells it can change alone: a regular expression with groups costs
    some 60 ms on 200,000 cells, cutting 14 digits apart a tenth of it."""
    digits = pc.ascii_is_decimal(cells)  # the compact spelling's cells; the separated one's have a separator
    cells = _where(cells, pc.invert(digits), lambda part: pc.replace_substring_regex(part, *_SEPARATED))
    whole = pc.and_(digits, pc.equal(pc.binary_length(cells), 14))
    cells = _where(cells, whole, _compact_stamps)
    cells = _where(cells, pc.and_not(digits, whole), lambda part: pc.replace_substring_regex(part, *_COMPACT))
    ragged = pc.or_(pc.ends_with(cells, " "), pc.ends_with(cells, ":"))
    return _where(cells, ragged, lambda part: pc.replace_substring_regex(part, *_LEFT_EMPTY))


def _where(cells: pa.Array, mask: pa.Array, change: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """The cells with ``change`` made to those of ``mask`` alone."""
    if not pc.any(mask).as_py():
        return cells
    return pc.replace_with_mask(cells, mask, change(pc.filter(cells, mask)))


def _compact_stamps(cells: pa.Array) -> pa.Array:
    """Cells of 14 digits (20210305143207) as 2021-03-05 14:32:07."""
    y, mo, d, h, mi, s = (pc.utf8_slice_codeunits(cells, start, start + width)
                          for start, width in ((0, 4), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2)))
    dash, space, colon, joint = (pa.scalar(text, cells.type) for text in ("-", " ", ":", ""))
    return pc.binary_join_element_wise(y, dash, mo, dash, d, space, h, colon, mi, colon, s, joint)
