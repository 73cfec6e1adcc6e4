"""What the console says, in its user's language: the English messages are the catalogue's keys, and
``firestats/locale/zh_CN/LC_MESSAGES/firestats.po`` (compiled beside it as ``firestats.mo``, ``make messages``) gives
their Chinese. Chinese where ``FIRESTATS_LANG=zh``, or without it where the locale is Chinese (LC_ALL, LC_MESSAGES,
LANG); English otherwise. Click's own words (Usage, Options, its refusals) come from the same catalogue.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from importlib import resources

DOMAIN = "firestats"
LOCALES = {"zh": "zh_CN"}  # a console language -> its catalogue's folder under firestats/locale


def console_language() -> str:
    """The console's language, zh or en: FIRESTATS_LANG if set, else the locale's."""
    chosen = os.environ.get("FIRESTATS_LANG", "").strip()
    if not chosen:
        chosen = next((os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(name)), "")
    return "zh" if chosen.lower().startswith("zh") else "en"


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    if language not in LOCALES:
        return gettext.NullTranslations()
    folder = str(resources.files("firestats") / "locale")
    return gettext.translation(DOMAIN, localedir=folder, languages=[LOCALES[language]], fallback=True)


def _(message: str) -> str:
    """A console message in the console's language (as given where the catalogue has no words for it)."""
    return _catalogue(console_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """A console message about ``n`` things, in the console's language."""
    return _catalogue(console_language()).ngettext(singular, plural, n)


def speak_through_click() -> None:
    """Click's own words (Usage, Options, Show this message and exit, Missing option …) from this catalogue: each
    click module binds gettext's module-level functions at import, so the catalogue is bound in their place."""
    import click

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils"):
        module = getattr(click, name, None)
        if module is not None and hasattr(module, "_"):
            module._ = _
            if hasattr(module, "ngettext"):
                module.ngettext = ngettext
