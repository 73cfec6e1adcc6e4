"""Reports rendered for real: papermill runs the notebook on a kernel, nbconvert writes the HTML."""

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from unicodedata import east_asian_width
from urllib.parse import unquote

import pandas as pd
import pytest
import yaml

import firestats
from firestats.catalogue import term
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish.exports import rounded
from firestats.publish.station_report import station_report
from firestats.request import Request
from firestats.run.render import OVERVIEW_NOTEBOOK, STATION_NOTEBOOK, render_station
from firestats.store.dataset import load

pytestmark = pytest.mark.slow  # real kernels, browsers or real data: `pytest -m "not slow"` skips them

FIRESTATS = [sys.executable, "-m", "firestats.cli"]
# year on year, the years behind, type mix, monthly, hourly, response; places and their map; items, weekly tests;
# activities
CHARTS = 11


class Refs(HTMLParser):
    """Every src/href attribute, script and image in a page."""

    def __init__(self):
        super().__init__()
        self.refs, self.scripts, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.refs += [attrs[k] for k in ("src", "href") if attrs.get(k)]
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "img":
            self.images.append(attrs)


def parse(html: str) -> Refs:
    refs = Refs()
    refs.feed(html)
    return refs


def station_reports(batch: Path) -> list[Path]:
    return [p for p in batch.glob("*/*.html") if p.stem != "支队总览"]


def test_batch_renders_one_report_per_station_and_year(batch, prepared):
    pairs = [(s, p.year) for s, p in load(prepared).station_periods("year")]
    expected = {f"{year}/{station}.html" for station, year in pairs}
    expected |= {f"{year}/{page}.html" for _, year in pairs for page in ("支队总览", "支队/支队")} | {"index.html"}
    assert len(expected) == 15 + 3 + 3 + 1  # the stations', the overviews, the detachment's own reports
    assert {str(p.relative_to(batch)) for p in batch.rglob("*.html")} == expected


def test_every_page_is_offline_and_chinese(batch):
    for path in batch.rglob("*.html"):
        html = path.read_text("utf-8")
        refs = parse(html)
        assert re.search(r'<html lang="zh">', html), path
        network = [r for r in refs.refs if re.match(r"^([a-z][a-z0-9+.-]*:|//)", r, re.I) and not r.startswith("data:")]
        assert not network, (path, network)
        assert not any("src" in s for s in refs.scripts), path
        assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html), path


def test_station_reports_show_charts_and_no_code(batch):
    for path in station_reports(batch):
        html = path.read_text("utf-8")
        refs = parse(html)
        assert all(r.startswith(("data:", "#")) or r == "../index.html" for r in refs.refs), path
        body = html.split("<main>")[1]
        assert "station_report(" not in body and "import " not in body, path
        assert "vnd.jupyter.stderr" not in body and "Traceback" not in body, path
        first = path.parent.name == "2023"  # the sample's first year has no years behind it to chart
        assert len(refs.images) == CHARTS - first
        assert all(i["src"].startswith("data:image/svg+xml,") for i in refs.images)


def test_a_station_page_is_lean(batch):
    """Its CSS is what the report uses (not JupyterLab's theme), its charts compact SVG: no page over 400 KB."""
    for path in station_reports(batch):
        html = path.read_bytes()
        css = sum(len(style) for style in re.findall(rb"<style.*?</style>", html, re.S))
        assert len(html) <= 400_000 and css <= 60_000, (path, len(html), css)


def test_index_links_every_report(batch):
    index = (batch / "index.html").read_text("utf-8")
    links = set(parse(index).refs)
    assert all((batch / unquote(link)).is_file() for link in links)
    assert len({link for link in links if link.endswith(".html")}) == 21
    for suffix in (".docx", ".xlsx", ".txt"):  # each station's and detachment's report's Word draft, workbook, text
        assert len({link for link in links if link.endswith(suffix)}) == 18, suffix
    assert "支队总览" in index and "全部数据质量" in index
    manifest = json.loads((batch / "manifest.json").read_text("utf-8"))
    # each station report's coverage, from its JSON, is kept for the index: the sample's years are whole
    assert {entry["coverage"]["whole"] for name, entry in manifest.items() if "支队总览" not in name} == {True}
    assert "数据仅覆盖" not in index


def test_report_shows_the_figures(batch, prepared):
    figures = json.loads(subprocess.run(
        [*FIRESTATS, "figures", "--data", str(prepared), "--station", "城南站", "--year", "2024"],
        capture_output=True, text=True, check=True).stdout)
    html = (batch / "2024" / "城南站.html").read_text("utf-8")
    assert "城南消防救援站 2024年度工作数据分析" in html
    values = re.findall(r'<div class="fs-card-value">([^<]*)</div>', html)
    assert values[:3] == [str(figures["incidents"]["total"]), str(figures["people"]["rescued"]),
                          str(figures["people"]["evacuated"])]
    rows = figures["rows"]
    assert f'<td class="num">{rows["in"]}</td><td class="num">{rows["kept"]}</td>' in html
    for type_name, count in figures["incidents"]["by_type"].items():  # each type by its catalogue term (其他警情)
        assert f"<td>{term(f'incidents.by_type.{type_name}')}</td><td class=\"num\">{count}</td>" in html


def test_report_command_takes_any_spelling(prepared, tmp_path):
    run = subprocess.run(
        [*FIRESTATS, "report", "--data", str(prepared), "--station", "城西消防救援站", "--year", "2023",
         "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()) == tmp_path / "2023" / "城西站.html"
    assert "城西消防救援站 2023年度工作数据分析" in (tmp_path / "2023" / "城西站.html").read_text("utf-8")


def test_report_command_names_the_stations_of_an_unknown_one(prepared, tmp_path):
    run = subprocess.run([*FIRESTATS, "report", "--data", str(prepared), "--station", "火星站", "--year", "2024",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "no station '火星站'" in run.stderr and "城东站" in run.stderr
    assert not any(tmp_path.rglob("*"))


def test_exports_hold_the_library_figures(batch, prepared):
    """The kernel publishes the figures the exports are written from: nothing is lost on the way."""
    whole = load(prepared)
    for path in station_reports(batch):
        expected = rounded(compute(whole, path.stem, Period(int(path.parent.name))).figures)
        exported = json.loads(path.with_suffix(".json").read_text("utf-8"))
        assert exported.pop("coverage")["whole"] is True  # what the records cover goes with the figures
        assert exported == json.loads(json.dumps(expected)), path


def test_a_notebook_without_the_annual_data_still_gets_its_exports(prepared, tmp_path):
    """A notebook of one's own that leaves out 年度数据 (which publishes the figures) gets them computed."""
    import nbformat  # here, not at the top: its import (jsonschema's format checkers) costs the fast loop 1-3 s
    custom = nbformat.read(STATION_NOTEBOOK, as_version=4)
    custom.cells = [c for c in custom.cells if "annual_data" not in c.source]
    notebook = tmp_path / "notebooks" / "mine.ipynb"
    notebook.parent.mkdir()
    nbformat.write(custom, notebook)
    html = render_station(Request.of("城北站", 2025, prepared), tmp_path / "out", notebook)
    assert "数据段落（可直接用于" in html.read_text("utf-8")  # the heading stays; its output is gone
    expected = station_report(Request.of("城北站", 2025, prepared))
    exported = json.loads(html.with_suffix(".json").read_text("utf-8"))
    assert exported.pop("coverage") == expected.publication()["coverage"]
    assert exported == json.loads(json.dumps(rounded(expected.figures)))
    written = html.with_suffix(".txt").read_bytes().decode("utf-8-sig")
    assert written == "\r\n\r\n".join(expected.annual_block()) + "\r\n"


@pytest.mark.parametrize("shipped, charts, title", [(STATION_NOTEBOOK, CHARTS, "城东消防救援站 2025年度工作数据分析"),
                                                    (OVERVIEW_NOTEBOOK, 0, "支队 2025年度各站对比")],
                         ids=["station", "overview"])
def test_notebook_runs_with_its_defaults_as_in_jupyterlab(prepared, tmp_path, shipped, charts, title):
    """As an analyst opens it: its own kernel (`firestats`), its own folder, no parameters (the whole year)."""
    import shutil

    import papermill
    from jupyter_client.kernelspec import KernelSpecManager

    if "firestats" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("the firestats kernel is not registered (make setup registers it)")
    (tmp_path / "notebooks").mkdir()
    shutil.copytree(prepared, tmp_path / "data" / "processed")
    notebook = tmp_path / "notebooks" / shipped.name
    shutil.copy(shipped, notebook)
    executed = papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), cwd=str(notebook.parent),
                                          progress_bar=False)
    assert executed.metadata.kernelspec.name == "firestats"
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum(o.get("data", {}).get("text/html", "").count("data:image/svg+xml,") for o in outputs) == charts
    assert title in outputs[0]["data"]["text/html"]


def test_report_shows_training_and_activities_without_personal_data(batch):
    from firestats.sample import generate_sheets

    truth = generate_sheets().assessments
    html = (batch / "2024" / "城北站.html").read_text("utf-8")
    body = html.split("<main>")[1]
    for heading in ("训练考核", "各科目成绩", "每周一测", "工作台账", "获奖情况", "示例评分表"):
        assert heading in body, heading
    people = truth[truth["station"] == "城北站"]
    for column in ("id_number", "phone"):
        assert not [v for v in people[column].unique() if v in html], column
    assert not [p for p in people["person"].unique() if p in body]  # names are masked by default
    assert "[电话已隐去]" in body or "13912345678" not in body


def test_the_training_section_shows_its_parts_under_their_headings_only_with_records(prepared):
    from dataclasses import replace

    report = station_report(Request.of("城北站", 2024, prepared))
    shown = report.training().data
    headings = ["各科目成绩", "每周一测", "各月成绩", "人员成绩趋势（月平均分）"]
    assert [shown.index(f"<h3>{h}</h3>") for h in headings] == sorted(shown.index(f"<h3>{h}</h3>") for h in headings)
    assert shown.count("data:image/svg+xml,") == 2  # the items' rates and the weekly tests
    none = replace(report, this=replace(report.this, figures={**report.figures, "assessments": None}))
    assert "<h3>" not in none.training().data and "无训练考核记录" in none.training().data


def _number(figures: dict, key: str):
    value = figures
    for part in key.split("."):
        value = value[part] if value is not None else None
    return value


BLOCK = {  # wording in the annual text -> key in `firestats figures`, and whether it reads "N余"
    r"共接处警(\d+)起": ("incidents.total", False),
    r"其中火灾扑救(\d+)起": ("incidents.by_type.火灾扑救", False),
    r"抢险救援(\d+)起": ("incidents.by_type.抢险救援", False),
    r"社会救助(\d+)起": ("incidents.by_type.社会救助", False),
    r"抢救被困人员(\d+)人": ("people.rescued", False),
    r"疏散被困人员(\d+)人": ("people.evacuated", False),
    r"挽回经济财产损失(\d+)万(余)?元": ("loss_averted_10k_yuan", "floor"),
    r"实地演练(\d+)(余)?次": ("activities.field_drills", True),
    r"熟悉单位(\d+)(余)?家次": ("activities.unit_visits", True),
    r"消防水源普查(\d+)次": ("activities.water_source_surveys", False),
    r"修订完善灭火作战预案(\d+)份": ("activities.preplans_revised", False),
    r"专项教育(\d+)次": ("activities.special_education", False),
    r"日常教育(\d+)次": ("activities.routine_education", False),
    r"主题党日活动(\d+)次": ("activities.party_days", False),
    r"酒精测试(\d+)次": ("activities.alcohol_tests", False),
    r"周测(\d+)次": ("assessments.tests.周测", False),
    r"月考(\d+)次": ("assessments.tests.月考", False),
    r"参加考核(\d+)人": ("assessments.participants", False),
    r"培训驾驶员(\d+)人": ("activities.drivers_trained", False),
    r"培训无人机飞手(\d+)人": ("activities.drone_pilots_trained", False),
}


def test_annual_block_is_filled_from_the_figures(batch, prepared):
    """Every number in each STATION.txt equals `firestats figures` (余 figures: rounded down to tens)."""
    for txt in batch.glob("*/*.txt"):
        text = txt.read_text("utf-8-sig")
        assert "XXX" not in text and "（无记录）" not in text, txt
        station, year = txt.stem, txt.parent.name
        figures = json.loads(subprocess.run(
            [*FIRESTATS, "figures", "--data", str(prepared), "--station", station, "--year", year],
            capture_output=True, text=True, check=True).stdout)
        for pattern, (key, approx) in BLOCK.items():
            found = re.search(pattern, text)
            assert found, (txt, pattern)
            value, written = _number(figures, key), int(found.group(1))
            if approx == "floor":
                assert written == int(value), (txt, key)
            elif approx and found.group(2):
                assert written == value // 10 * 10 < value, (txt, key)
            else:
                assert written == value, (txt, key)
        names = yaml.safe_load((Path(firestats.__file__).parent / "data" / "activities.yaml").read_text("utf-8"))
        for kind, n in (figures["activities"]["licences"] or {}).items():
            assert f"{n}人取得{names['licence_kinds'][kind]}" in text, (txt, kind)
        assert not re.search(r"(?<![\d.])0(人|起|次|份|家次)", text), txt  # zero is left out, never written


def test_exports_beside_each_report(batch):
    html = batch / "2025" / "城南站.html"
    for suffix in (".json", ".csv", ".xlsx", ".txt", ".docx"):
        assert html.with_suffix(suffix).is_file(), suffix
    table = pd.read_excel(html.with_suffix(".xlsx"), sheet_name="警情", header=1, engine="calamine")
    assert list(table.columns) == ["指标", "数值", "文中写法", "单位", "定义", "依据"]
    assert table.set_index("指标").loc["接处警总数", "数值"] == json.loads(html.with_suffix(".json").read_text())[
        "incidents"]["total"]
    csv = pd.read_csv(html.with_suffix(".csv"), encoding="utf-8-sig")
    saved = json.loads(html.with_suffix(".json").read_text("utf-8"))
    assert csv.set_index("键").loc["incidents.total", "数值"] == saved["incidents"]["total"]


def test_first_year_says_there_is_no_comparison(batch):
    first = (batch / "2023" / "城东站.html").read_text("utf-8")
    assert "无2022年同期数据，不作同比比较" in first
    later = (batch / "2024" / "城东站.html").read_text("utf-8")
    assert "2023年</th>" in later and "增减幅度" in later


def test_a_failing_notebook_is_one_line_and_its_notebook_is_kept(prepared, tmp_path):
    import nbformat  # here, not at the top: its import (jsonschema's format checkers) costs the fast loop 1-3 s
    run = subprocess.run([*FIRESTATS, "report", "--data", str(prepared), "--station", "城东站", "--year", "2024",
                          "--out", str(tmp_path), "--score-table", str(tmp_path / "missing.yaml")],
                         capture_output=True, text=True, timeout=300)
    kept = tmp_path / "2024" / "城东站.failed.ipynb"
    assert run.returncode == 1 and "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert "ScoreTableError" in run.stderr and "missing.yaml" in run.stderr and str(kept) in run.stderr
    errors = [o for c in nbformat.read(kept, as_version=4).cells for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors[0].ename == "ScoreTableError" and not (tmp_path / "2024" / "城东站.html").exists()


def test_every_label_a_reader_sees_is_the_catalogues(batch):
    """Each figure's term in the HTML, the 年度数据 table and the xlsx is the catalogue's: the workbook keeps no
    keys, so each sheet's 指标 column is read against the figures the JSON holds for that sheet, row by row."""
    import openpyxl

    from firestats.catalogue import catalogue, label, sheets, shown_in
    from firestats.publish.exports import row_label, sheet_rows

    page = batch / "2025" / "城东站.html"
    html = page.read_text("utf-8")
    figures = json.loads(page.with_suffix(".json").read_text("utf-8"))
    book = openpyxl.load_workbook(page.with_suffix(".xlsx"))
    for name, sheet in sheets().items():
        held = sheet_rows(figures, sheet)
        rows = list(book[name].iter_rows(min_row=3, max_row=len(held) + 2, max_col=2, values_only=True))
        assert rows == [(row_label(key, sheet), "无记录" if value is None else value) for key, value in held], name
        assert all(row_label(key, sheet) in (catalogue()[key].term if key in catalogue() else label(key))
                   for key, _ in held)  # the catalogue's words, less the sheet's own name
    terms = [row[0] for row in book["警情"].iter_rows(min_row=3, values_only=True)]
    assert catalogue()["incidents.total"].term in terms and "3月接处警" in terms  # a term, and words of parts
    text_figures = [e.key for e in shown_in("text")]
    for key in [*text_figures, "response.dispatch_to_arrival.within_share",
                "assessments.overall.pass_rate", "assessments.absent", "assessments.exempt"]:
        assert f">{catalogue()[key].term}" in html, key
    # the 年度数据 table: 指标 | 文中写法 | 确切数值 | 单位, each 指标 the catalogue's term
    annual = html[html.index("文中写法"):]
    assert all(f"<td>{catalogue()[k].term}</td>" in annual for k in text_figures)
    assert figures["incidents"]["total"] > 0


def test_every_station_year_has_a_word_draft_of_its_annual_report(batch):
    """python-docx reads each .docx: the real report's three sections, no XXX, the figures, awards, 仿宋."""
    import docx

    eastasia = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    for html in station_reports(batch):
        doc = docx.Document(html.with_suffix(".docx"))
        text = "\n".join(p.text for p in doc.paragraphs)
        figures = json.loads(html.with_suffix(".json").read_text("utf-8"))
        for section in ("一、主要做法及取得成效", "二、存在问题分析", "三、下一步工作及打算"):
            assert section in text, (html, section)
        assert "XXX" not in text and f"共接处警{figures['incidents']['total']}起" in text, html
        for award in figures["activities"]["awards"]:
            assert award["content"] in text, (html, award)
        body = next(p for p in doc.paragraphs if p.text.startswith("全年队站共开展"))
        assert "仿宋" in body.runs[0]._element.rPr.rFonts.get(eastasia), html


def test_the_page_states_the_period_and_shows_no_identifiers(batch):
    for html in station_reports(batch):
        page = html.read_text("utf-8")
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S))
        year = html.parent.name
        assert f"统计期间：{year}年1月1日至12月31日" in visible, html
        assert not re.search(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b", visible), (html, re.findall(
            r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b", visible)[:5])
        assert visible.index("数据段落") < visible.index("同比"), html  # the text block first after the cards


def test_every_workbook_has_no_float_noise_and_no_english(batch):
    import openpyxl

    for html in station_reports(batch):
        book = openpyxl.load_workbook(html.with_suffix(".xlsx"))
        assert book.sheetnames == ["警情", "训练考核", "工作台账", "辖区", "典型警情", "获奖与比武", "同比环比",
                                   "数据质量"], html
        for sheet in book:
            for row in sheet.iter_rows(values_only=True):
                for cell in row:
                    if isinstance(cell, float):
                        assert len(repr(cell).split(".")[1]) <= 4, (html, sheet.title, row)
                    if isinstance(cell, str):
                        words = re.sub(r"\S+\.(csv|xlsx)", "", cell)  # file names are the user's own
                        assert not re.search(r"[A-Za-z]{3,}", words), (html, sheet.title, cell)


def test_a_year_without_records_is_refused_in_one_line(prepared, tmp_path):
    for command in (["report", "--out", str(tmp_path)], ["figures"]):
        run = subprocess.run([*FIRESTATS, command[0], "--data", str(prepared), "--station", "城东站", "--year", "1999",
                              *command[1:]], capture_output=True, text=True, timeout=300)
        assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "no records of 城东站 in 1999" in run.stderr and "2023" in run.stderr
    assert not any(tmp_path.rglob("*.html"))


def test_libreoffice_opens_the_word_draft(batch, tmp_path):
    """A real office suite converts the .docx to PDF, and the PDF holds the report's text."""
    import shutil

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("no LibreOffice on this machine (make test installs Debian's libreoffice-writer-nogui as root)")
    pypdf = pytest.importorskip("pypdf")
    draft = batch / "2025" / "城东站.docx"
    run = subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                          "--convert-to", "pdf", "--outdir", str(tmp_path), str(draft)],
                         capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "城东站.pdf"
    assert run.returncode == 0 and pdf.is_file(), run.stderr
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    text = re.sub(r"\s", "", "".join(pages))
    # GB/T 9704: a full line of Chinese holds 28 characters; the 落款 and 成文日期 close the draft
    lines = [re.sub(r"\s", "", line) for page in pages for line in page.splitlines()]
    assert max(len(line) for line in lines if line and all(east_asian_width(c) in "WF" for c in line)) == 28
    assert lines[-3:-1] == ["【请填写：落款单位】", "【请填写：成文日期】"] and lines[-1] == f"—{len(pages)}—"
    figures = json.loads(draft.with_suffix(".json").read_text("utf-8"))
    assert "城东消防救援站2025年度工作总结" in text and "二、存在问题分析" in text
    assert f"共接处警{figures['incidents']['total']}起" in text


def test_a_pages_markdown_is_each_cells_own_and_rendered_once_a_process():
    """A Markdown cell's HTML is kept by its text (every page shows the notebook's same headings): each text gives its
    own HTML, a later page gets what a first page rendered, and a cell with an attachment is rendered with it."""
    from urllib.parse import quote

    import nbformat

    from firestats.run.render import _exporter, to_html

    def page(*cells) -> str:
        return to_html(nbformat.v4.new_notebook(cells=list(cells), metadata={"title": "页"}))

    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    pictured = nbformat.v4.new_markdown_cell("![点](attachment:dot.png)", attachments={"dot.png": {"image/png": pixel}})
    heading = nbformat.v4.new_markdown_cell("## 同比")
    first = page(nbformat.v4.new_markdown_cell("## 主要数据"), nbformat.v4.new_markdown_cell("## 同比"), pictured)
    second = page(heading)
    data, compared = (f'<h2 id="{quote(heading)}">{heading}<a' for heading in ("主要数据", "同比"))
    assert first.count(data) == first.count(compared) == second.count(compared) == 1 and data not in second
    assert f"data:image/png;base64,{pixel}" in first
    _exporter.cache_clear()  # a process of its own
    assert page(heading) == second
