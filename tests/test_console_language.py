"""The console speaks its user's language: Chinese where FIRESTATS_LANG=zh or the locale is Chinese, English
otherwise, every Chinese message from the one catalogue (firestats/locale/zh_CN/LC_MESSAGES/firestats.po)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import click
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from conftest import BUNDLED_RAW

from firestats.cli import main

PACKAGE = Path(__file__).resolve().parents[1] / "firestats"
CATALOGUE = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "firestats"
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_messages() -> set[str]:
    """Every message the console may show: each command's and option's help, and each `_("…")` in the code."""
    found = set()
    for command in (main, *main.commands.values()):
        found.add(vars(command).get("english_help") or inspect.cleandoc(command.help))
        found |= {vars(p).get("english_help") or p.help for p in command.params if isinstance(p, click.Option)}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return {m for m in found if m}


def test_every_message_has_its_chinese_and_the_compiled_catalogue_is_the_source():
    with open(f"{CATALOGUE}.po", "rb") as source:
        po = read_po(source)
    translated = {m.id: m.string for m in po if m.id and m.string and isinstance(m.id, str)}
    assert sorted(english_messages() - set(translated)) == []  # a new English message needs its Chinese
    with open(f"{CATALOGUE}.mo", "rb") as compiled:  # `make messages` was run after the last change
        assert entries(read_mo(compiled)) == entries(po)


def entries(catalogue) -> dict:
    """A catalogue's messages, a plural's forms as tuples."""
    def whole(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {whole(m.id): whole(m.string) for m in catalogue if m.id}


@pytest.mark.parametrize("environment", [{"FIRESTATS_LANG": "zh"}, {"FIRESTATS_LANG": "", "LC_ALL": "",
                                                                     "LANG": "zh_CN.UTF-8"}])
def test_a_chinese_console_gets_chinese_help_tables_and_refusals(environment, tmp_path):
    runner = CliRunner()
    helped = runner.invoke(main, ["--help"], env=environment)
    for words in ("用法", "把消防救援站的原始导出表", "显示本帮助后退出"):  # click's, the command's, the option's
        assert words in helped.output
    option = runner.invoke(main, ["batch", "--help"], env=environment).output
    assert "只生成这一年" in option and "Only this year" not in option
    checked = runner.invoke(main, ["validate", str(BUNDLED_RAW / "工作台账_2024.csv")], env=environment)
    assert checked.output.splitlines()[0].split() == ["文件", "输入行", "保留行", "重复合并行", "隔离行"]
    refused = runner.invoke(main, ["figures", "--year", "x", "--station", "城东"], env=environment)
    assert refused.exit_code == 2 and "的值无效" in refused.output


def test_an_english_console_stays_english():
    runner = CliRunner()
    helped = runner.invoke(main, ["--help"], env={"FIRESTATS_LANG": "", "LC_ALL": "", "LANG": "en_GB.UTF-8"})
    assert "Usage:" in helped.output and not CJK.search(helped.output.replace("城东站", ""))
    assert "Only this year" in runner.invoke(main, ["batch", "--help"], env={"FIRESTATS_LANG": "en"}).output
