"""A unit's own wording template (``--docx-template``, or ``unit.template`` in its settings) checked before any
report starts: its size, its YAML (no aliases), each block against its schema and every placeholder against
those the draft fills. Each refusal is one line naming the file, the line and the field.

What it guards against: a sentence typed with the input method's full-width brace (``｛station_name}``), a
block of the wrong kind (``heading1: 2024``, ``findings`` as one text, ``sentence:`` for ``sentences:``), a
paragraph given as one text (it would be read one character to a sentence), an alias bomb, a file of
megabytes; and ``{total:>999999999}``, which asks ``str.format`` for a gigabyte of spaces.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from firestats.errors import InputError
from firestats.periods import Period
from firestats.publish.annual import BLOCK_KINDS, values
from firestats.settings import complaint

# A template is wording: the shipped one is 5 KB. Past this it is no template (a 10 MB one ran three minutes).
TEMPLATE_BYTES = 256 * 1024
_UNION_MEMBERS = ("str", "list[str]")  # how pydantic names the members of a sentence's union in an error's path
_TEXT_KINDS = tuple(kind for kind in BLOCK_KINDS if kind not in ("paragraph", "findings", "notes"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Paragraph(_Strict):
    data: bool = False  # also part of the 年度数据 block
    sentences: list[str | list[str]]  # a sentence is a text, or its clauses


class Findings(_Strict):
    none: str  # said when the data shows no problem
    more: str | None = None  # what the unit adds after the problems found


class Notes(_Strict):
    heading: str  # over the data notes (what the export lacks), when there are any


class Punctuation(_Strict):
    clause: str  # between a sentence's clauses
    stop: str  # after a sentence
    between: str  # between a paragraph's sentences


class Lists(_Strict):
    separator: str
    repeated: str  # {n}: how many times an item is given
    more: str


class Template(_Strict):
    title: str
    lists: Lists | None = None
    punctuation: Punctuation | None = None
    drop_empty_sections: bool = False  # a level-1 heading with nothing under it left out
    blocks: list[dict[str, Any]]


_SENTENCES = TypeAdapter(list[str | list[str]], config=ConfigDict(strict=True))
_TEXT = TypeAdapter(str, config=ConfigDict(strict=True))


@cache
def placeholders(period: Period) -> frozenset[str]:
    """Every placeholder a template of ``period``'s draft may use: the names ``annual.values`` fills, read from it
    (for a report without records) so the two never differ."""
    return frozenset(values({"figures": {"incidents": {"total": 0, "by_type": {}}}, "station_name": ""}, period))


def check_template(path: Path | str | None, period: Period) -> None:
    """Refuse (InputError, naming the file, the line and the field) a unit's template the draft of ``period``
    cannot use (None: the shipped one, checked by the tests)."""
    if path is None:
        return
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(TEMPLATE_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable report template ({type(exc).__name__})") from exc
    if len(data) > TEMPLATE_BYTES:
        raise InputError(f"{path}: larger than a report template can be ({TEMPLATE_BYTES // 1024} KB); the shipped "
                         "one is 5 KB")
    lines = _read(path, text)
    found = _problem(yaml.safe_load(text), placeholders(period))
    if found is not None:
        where, problem = found
        line = next((lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in lines), 1)
        raise InputError(f"{path}: line {line}: {_named(where) or 'the template'}: {problem}")


def _read(path: Path, text: str) -> dict[tuple, int]:
    """The line of every key and item of the template's YAML, by its path; refused if it is no YAML or uses an
    alias (a template writes each sentence out: aliases are how a few lines become a billion)."""
    try:
        alias = next((e for e in yaml.parse(text, Loader=yaml.SafeLoader) if isinstance(e, yaml.AliasEvent)), None)
        if alias is not None:
            raise InputError(f"{path}: line {alias.start_mark.line + 1}: an alias (*{alias.anchor}); a template "
                             "writes each sentence out")
        return _lines(yaml.compose(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        why = f"line {mark.line + 1}: {exc.problem}" if mark else "nested too deeply"
        raise InputError(f"{path}: not a readable report template ({why})") from exc


def _lines(node: yaml.Node | None, where: tuple = ()) -> dict[tuple, int]:
    if node is None:
        return {}
    found = {where: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found |= _lines(value, (*where, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found |= _lines(item, (*where, i))
    return found


def _named(where: tuple) -> str:
    """A field as the message names it: blocks[3].paragraph.sentences[1] (items counted from 1)."""
    return "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in where).lstrip(".")


def _refused(exc: ValidationError, where: tuple = ()) -> tuple[tuple, str]:
    """A schema's first complaint, at its path under ``where`` (the names pydantic gives a union's members left
    out: they are no field of the template)."""
    error = exc.errors()[0]
    return (*where, *(part for part in error["loc"] if part not in _UNION_MEMBERS)), complaint(error)


def _problem(spec: Any, known: frozenset[str]) -> tuple[tuple, str] | None:
    """The template's first problem (its path and what is wrong), None when it has none: its shape first, then
    its texts' placeholders (``known``: those the draft fills)."""
    try:
        template = Template.model_validate(spec)
    except ValidationError as exc:
        return _refused(exc)
    texts: list[tuple[tuple, str]] = [(("title",), template.title)]
    for i, block in enumerate(template.blocks):
        if len(block) != 1 or next(iter(block)) not in BLOCK_KINDS:
            return ("blocks", i), f"one block of one kind: {', '.join(BLOCK_KINDS)}"
        kind, body = next(iter(block.items()))
        where = ("blocks", i, kind)
        if kind == "paragraph" and isinstance(body, str):
            return where, "a list of sentences expected, not one text (it would be read a character a sentence)"
        try:
            texts += _texts(kind, body, where)
        except ValidationError as exc:
            return _refused(exc, where)
    if template.lists is not None:
        texts.append((("lists", "repeated"), template.lists.repeated))
    for where, text in texts:
        wrong = _placeholder_problem(text, {"n"} if where == ("lists", "repeated") else known)
        if wrong:
            return where, wrong
    return None


def _texts(kind: str, body: Any, where: tuple) -> list[tuple[tuple, str]]:
    """The texts of one block, each with its path; its shape checked against its kind's (ValidationError)."""
    if kind in _TEXT_KINDS:
        return [(where, _TEXT.validate_python(body))]
    if kind == "notes":
        return [((*where, "heading"), Notes.model_validate(body).heading)]
    if kind == "findings":
        found = Findings.model_validate(body)
        return [((*where, "none"), found.none)] + ([((*where, "more"), found.more)] if found.more else [])
    if isinstance(body, dict):
        sentences, where = Paragraph.model_validate(body).sentences, (*where, "sentences")
    else:
        sentences = _SENTENCES.validate_python(body)
    return [((*where, i) if isinstance(clauses, str) else (*where, i, j), clause)
            for i, clauses in enumerate(sentences)
            for j, clause in enumerate([clauses] if isinstance(clauses, str) else clauses)]


def _placeholder_problem(text: str, known: frozenset[str] | set[str]) -> str | None:
    """What is wrong with a text's placeholders (None: nothing): a brace without its pair, a placeholder the draft
    does not fill, or one with a format or a conversion (``{total:>999999999}``)."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as exc:
        wide = "; is a brace the input method's full-width ｛ or ｝?" if {"｛", "｝"} & set(text) else ""
        return f"{exc} in {text[:40]!r}{wide}"
    for name, spec, conversion in fields:
        if spec or conversion:
            return (f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}: a placeholder "
                    "is written {name} alone")
        if name not in known:
            return f"unknown placeholder {{{name}}}; known: {', '.join(sorted(known))}"
    return None
