"""The package shows its pipeline: stages as subpackages, nothing importing upward, small modules,
one catalogue of figures behind every label, one error base, and a public API usable from anywhere."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import firestats
from firestats import errors
from firestats.catalogue import catalogue, heading, term

PACKAGE = Path(firestats.__file__).resolve().parent
REPO = PACKAGE.parent
STAGES = ("ingest", "store", "compute", "publish", "run")  # in pipeline order
GROUND = ("vocabulary",)  # beneath every stage: the words they share


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The firestats modules a file imports, wherever in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("firestats"):
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("firestats")}
    return names


def stage_of(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_the_stages_are_subpackages_and_few_modules_sit_at_the_top():
    subpackages = [p.parent.name for p in PACKAGE.glob("*/__init__.py")]
    assert set(STAGES) <= set(subpackages)
    top = [p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("__")]  # __init__, __main__: plumbing
    assert len(top) <= 10, top


def test_no_module_is_over_450_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in modules() if (n := len(p.read_text("utf-8").splitlines())) > 450}
    assert not long


def test_no_threshold_is_typed_into_code():
    typed = [str(p.relative_to(PACKAGE)) for p in modules() if "5分钟" in p.read_text("utf-8")]
    assert not typed


def test_nothing_imports_a_later_stage():
    upward = []
    for path in modules():
        here = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        mine = stage_of(here)
        for name in imported(path):
            theirs = stage_of(name)
            if theirs is None:
                continue
            top_level = mine is None and here.count(".") == 1 and not here.endswith(("cli", "__init__"))
            if (mine is not None and theirs > mine) or top_level:
                upward.append(f"{here} imports {name}")
    assert not upward


def test_nothing_outside_the_store_imports_more_than_its_public_face():
    inside = PACKAGE / "store"
    reaching = []
    for path in (p for p in [*modules(), *REPO.joinpath("benchmarks").glob("*.py")] if not p.is_relative_to(inside)):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            # from firestats.store import load is the face; from firestats.store.dataset import … reaches inside
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            reaching += [f"{path.name} imports {n}" for n in names if n.startswith("firestats.store.")]
    assert not reaching


def test_the_ground_floor_imports_no_stage():
    ground = [p for folder in GROUND for p in (PACKAGE / folder).rglob("*.py")]
    assert ground
    upward = [f"{p.relative_to(PACKAGE)} imports {name}" for p in ground for name in imported(p)
              if stage_of(name) is not None]
    assert not upward


def test_every_refusal_derives_from_one_base():
    refusals = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert len(refusals) >= 6 and all(issubclass(c, errors.FirestatsError) for c in refusals)


def test_threshold_words_come_from_the_settings():
    assert term("response.dispatch_to_arrival.within_share") == "5分钟内到场占比"
    assert "不超过300秒" in catalogue()["response.dispatch_to_arrival.within_share"].definition
    assert heading("incidents.total") == "接处警总数（起）" and heading("assessments.overall.pass_rate") == "总体及格率"


def test_each_view_places_its_figures_once_in_an_order_without_gaps():
    from firestats.catalogue import VIEWS, shown_in

    for view in VIEWS:
        places = [e.shown[view].order for e in shown_in(view)]
        assert places == list(range(1, len(places) + 1)), view
    names = [e.shown["text"].name for e in shown_in("text")]
    assert len(set(names)) == len(names) and all(names)
    assert all(e.shown["bulletin"].words for e in shown_in("bulletin"))
    assert all(e.shown["overview"].table for e in shown_in("overview"))
    with pytest.raises(KeyError, match="no view 'sidebar'"):
        shown_in("sidebar")


def test_the_row_accounting_is_named_once_for_the_page_the_workbook_and_the_index():
    from firestats.catalogue import accounting_rule, action_word, shown_in
    from firestats.vocabulary.problems import ACCOUNT_KEYS, FLAGGED, MERGED, QUARANTINE

    accounts = shown_in("accounting")
    assert tuple(e.shown["accounting"].name for e in accounts) == ACCOUNT_KEYS  # the store's columns, in order
    assert [e.term for e in accounts] == ["输入行", "保留行", "重复合并行", "隔离行"]
    assert accounting_rule() == "输入行 = 保留行 + 重复合并行 + 隔离行"
    assert [action_word(a) for a in (QUARANTINE, MERGED, FLAGGED)] == ["隔离", "合并", "标记"]


def test_every_catalogue_entry_is_complete():
    for key, e in catalogue().items():
        assert e.term and e.unit and e.definition and e.source, key


def test_a_ledger_row_with_a_bad_date_is_described_as_a_ledger_date(tmp_path):
    from firestats.store.preparation import build

    ledger = tmp_path / "台账.csv"
    ledger.write_text("日期,站,类别,内容,数量\n2024-13-45,城东站,实地演练,演练,1\n2024-03-01,城东站,实地演练,演练,1\n",
                      encoding="utf-8")
    sheet = tmp_path / "成绩.csv"
    sheet.write_text("日期,考核类型,姓名,站,科目,成绩,年龄\n2024-99-01,周测,张三,城东站,3000米跑,12:00,25\n",
                     encoding="utf-8")
    reasons = {(r["family"], r["reason"]): r["description"] for r in build([tmp_path]).quality["reasons"]}
    assert reasons[("activities", "bad_date")] == "台账日期无法识别"
    assert reasons[("assessments", "bad_date")] == "考核日期无法识别"


@pytest.mark.slow
def test_the_public_api_works_from_any_folder(prepared, tmp_path):
    code = (f"import firestats as fs; f = fs.figures({str(prepared)!r}, '城东', 2025); "
            "print(f['station'], f['incidents']['total'] > 0, sorted(fs.__all__))")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("城东站 True")
    for name in ("prepare", "load", "figures", "station_report", "detachment_overview", "render_station",
                 "render_all"):
        assert f"'{name}'" in run.stdout


def test_importing_firestats_loads_no_pandas():
    """`firestats report` resolves a station in its own process without pandas, and a batch with nothing changed
    writes its index page without it (importing pandas was a third of such a re-run): the API is imported lazily."""
    code = ("import sys, firestats, firestats.publish.exports, firestats.run.render, firestats.run.batch, "
            "firestats.publish.index_page; print('pandas' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "False", run.stderr


def test_the_api_function_is_the_library_function_itself():
    from firestats.compute.station import station_figures

    assert firestats.figures is station_figures
    with pytest.raises(AttributeError):
        firestats.no_such_thing  # noqa: B018
