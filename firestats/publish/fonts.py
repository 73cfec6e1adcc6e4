"""Find a font that draws Chinese, and make matplotlib use it.

Without one, matplotlib draws every Chinese character as an empty box. Fonts are looked up
by family among those matplotlib knows, then by file name among the system's font files and
the pip-installable Noto Sans CJK (``pip install firestats[cjk-font]``), so a font installed
after matplotlib built its cache is found too.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from firestats.errors import FontMissing

# Simplified-Chinese designs first; the TC/JP/KR cuts of Noto cover the same characters.
FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "SimHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Source Han Sans",
)
FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "msyh", "pingfang", "simhei", "wqy")
PIP_FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"


def _known() -> set[str]:
    # matplotlib's font cache outlives uninstalled fonts: only count files still on disk.
    return {f.name for f in font_manager.fontManager.ttflist if Path(f.fname).is_file()}


def _candidate_files() -> list[Path]:
    files = [Path(f) for f in font_manager.findSystemFonts()]
    spec = importlib.util.find_spec(PIP_FONT_PACKAGE)
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            files += sorted(Path(location).glob("*.[ot]t[fc]"))
    return [f for f in files if any(h in f.name.lower().replace("-", "") for h in FILE_HINTS)]


@cache
def cjk_family() -> str:
    """The family name of a Chinese-capable font, registered with matplotlib."""
    for family in FAMILIES:
        if family in _known():
            return family
    for path in _candidate_files():
        try:
            font_manager.fontManager.addfont(str(path))
        except (OSError, RuntimeError):
            continue  # an unreadable font file is not worth failing for
    for family in FAMILIES:
        if family in _known():
            _remember()
            return family
    raise FontMissing(
        "no Chinese font found; install one, e.g. `apt-get install fonts-noto-cjk` "
        "or `pip install 'firestats[cjk-font]'`"
    )


def _remember() -> None:
    """Save matplotlib's font list with the fonts just added, so later processes need not search again."""
    path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    try:
        font_manager.json_dump(font_manager.fontManager, path)
    except OSError:
        pass  # an unwritable cache only costs each process the same search


def use_cjk_font() -> str:
    """Make matplotlib draw text with the Chinese font first; returns its family name."""
    family = cjk_family()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    return family


if __name__ == "__main__":
    try:
        print(cjk_family())
    except FontMissing as exc:
        print(f"firestats: {exc}", file=sys.stderr)
        sys.exit(1)
