"""The annual report a station hands in: the Word draft, its sentences and the checking workbook."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import openpyxl
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

import firestats
from firestats.periods import Period
from firestats.publish import annual, exports, word
from firestats.publish.narrative import annual_figures
from firestats.settings import use_settings

YEAR = Period(2024)  # the period the publications below are of


def publication(**figures_parts) -> dict:
    figures = {
        "station": "城东站", "year": 2024,
        "incidents": {"total": 123, "by_type": {"火灾扑救": 40, "抢险救援": 30, "社会救助": 53, "安保勤务": 0,
                                                "虚假警": 0, "其他": 0}},
        "people": {"rescued": 5, "evacuated": 0}, "loss_averted_10k_yuan": 12.5,
        "response": {"dispatch_to_arrival": {"n": 100, "median_s": 250.04, "p90_s": 400.0, "within_share": 0.8},
                     "received_to_arrival": {"n": 100, "median_s": 300.0, "p90_s": 454.0000000000001}},
        "monthly": {"1": 10}, "hourly": {"0": 1},
        "rows": {"in": 130, "kept": 123, "merged": 5, "quarantined": 2},
        "assessments": {"score_table": {"version": "example-2024", "title": "示例评分表", "official": False},
                        "tests": {"周测": 48, "月考": 12, "比武": 1}, "participants": 20, "results": 900,
                        "absent": 3, "exempt": 1,
                        "overall": {"n": 900, "pass_rate": 0.6789915966386555, "excellent_rate": 0.2,
                                    "mean_points": 71.25},
                        "by_item": {"3000米跑": {"n": 100, "pass_rate": 0.5, "excellent_rate": 0.1,
                                                 "mean_points": 60.0}},
                        "by_month": {"1": {"n": 75, "pass_rate": 0.6, "excellent_rate": 0.2, "mean_points": 70.0}},
                        "weakest_items": ["3000米跑"], "strongest_items": ["3000米跑"],
                        "competitions": [{"date": "2024-05-01", "person": "张*", "rank": 1}],
                        "people": {"张*": {"1": 70.0}}},
        "activities": {"field_drills": 123, "unit_visits": 45, "water_source_surveys": None, "preplans_revised": 6,
                       "special_education": 12, "routine_education": 40, "party_days": 11, "alcohol_tests": 52,
                       "drivers_trained": 2, "drone_pilots_trained": None, "licences": {"A2": 1, "无人机": 2},
                       "awards": [{"date": "2024-06-01", "content": "青年文明号"}],
                       "competitions": [{"date": "2024-12-01", "content": "全市冬季训练比武第一名"}]},
    }
    for key, value in figures_parts.items():
        figures[key] = value
    return {"figures": figures, "station_name": "城东消防救援站", "notable": ["3月5日东城街道山体滑坡"],
            "findings": ["训练成绩有待进一步提高，3000米跑及格率为50.0%，低于90%（有效成绩100项次）"],
            "licence_names": {"A2": "A2车辆驾驶证", "无人机": "无人机驾驶员执照"},
            "files": [{"source_file": "a.csv", "rows_in": 130, "kept": 123, "merged": 5, "quarantined": 2}],
            "sources": {"incidents": {"records": 123, "files": ["a.csv"]}}}


def text_of(blocks) -> str:
    return "\n".join(b.text for b in blocks)


def test_the_draft_follows_the_real_reports_structure():
    blocks = annual.draft(annual.load_template(), publication(), YEAR)
    headings = [b.text for b in blocks if b.kind == "heading1"]
    assert headings == ["一、主要做法及取得成效", "二、存在问题分析", "三、下一步工作及打算"]
    assert [b.text[:3] for b in blocks if b.kind == "heading2"] == ["（一）", "（二）", "（三）", "（四）"]
    assert blocks[0].kind == "title" and blocks[0].text == "城东消防救援站2024年度工作总结"
    assert blocks[1].text == "各位领导、同志们："
    text = text_of(blocks)
    assert "XXX" not in text and "{" not in text


def test_every_figure_sentence_is_the_figures():
    text = text_of(annual.draft(annual.load_template(), publication(), YEAR))
    assert "截至2024年12月31日，共接处警120余起" not in text  # incidents are never written with 余
    assert "截至2024年12月31日，共接处警123起，其中火灾扑救40起、抢险救援30起、社会救助53起，抢救被困人员5人" in text
    assert "抢救被困人员5人" in text and "疏散被困人员" not in text  # zero: left out, never 0人
    assert "挽回经济财产损失12万余元" in text
    assert "实地演练120余次，熟悉单位45家次，修订完善灭火作战预案6份" in text and "消防水源普查" not in text
    assert "成功处置了3月5日东城街道山体滑坡" in text
    assert "全年获得青年文明号荣誉" in text and "在比武竞赛中取得全市冬季训练比武第一名" in text
    assert "总体及格率67.9%、优秀率20.0%（按示例评分表计算）" in text
    assert "严格落实管酒治酒主体责任，全年开展酒精测试52次" in text
    assert "1人取得A2车辆驾驶证，2人取得无人机驾驶员执照" in text and "B2" not in text
    assert "一是训练成绩有待进一步提高" in text and "二是【请填写：" in text
    assert not re.search(r"(?<![\d.])0(人|起|次|份|家次)", text)


def test_a_list_names_each_item_once_and_says_等_only_after_two():
    honours = [{"date": "2024-06-01", "content": c} for c in ("岗位练兵先进队站", "岗位练兵先进队站", "青年文明号")]
    figures = publication()["figures"]
    pub = publication(activities=figures["activities"] | {"awards": honours})
    text = text_of(annual.draft(annual.load_template(), pub, YEAR))
    assert "全年获得岗位练兵先进队站×2、青年文明号等荣誉" in text
    ours = annual.load_template() | {"lists": {"separator": "，", "repeated": "（{n}次）", "more": "等多项"}}
    assert "全年获得岗位练兵先进队站（2次），青年文明号等多项荣誉" in text_of(annual.draft(ours, pub, YEAR))


def test_alcohol_tests_are_in_the_management_section_not_education():
    blocks = annual.draft(annual.load_template(), publication(), YEAR)
    kinds = [(b.kind, b.text) for b in blocks]
    management = next(i for i, (k, t) in enumerate(kinds) if t.startswith("（三）"))
    logistics = next(i for i, (k, t) in enumerate(kinds) if t.startswith("（四）"))
    assert any("酒精测试" in t for _, t in kinds[management:logistics])
    assert not any("酒精测试" in t for _, t in kinds[:management])


def test_prose_leaves_out_what_has_no_records_and_zero_is_never_written():
    no_incidents = publication(incidents={"total": 0, "by_type": {}}, people={"rescued": 0, "evacuated": 0},
                               loss_averted_10k_yuan=0.0)
    text = text_of(annual.draft(annual.load_template(), no_incidents, YEAR))
    assert "接处警" not in text and "火灾扑救" not in text and "（无记录）" not in text
    no_columns = publication(people={"rescued": None, "evacuated": None}, loss_averted_10k_yuan=None)
    text = text_of(annual.draft(annual.load_template(), no_columns, YEAR))
    assert "截至2024年12月31日，共接处警123起，其中火灾扑救40起、" in text
    assert "被困人员" not in text and "挽回" not in text and "（无记录）" not in text
    no_tests = publication(assessments=None)
    text = text_of(annual.draft(annual.load_template(), no_tests, YEAR))
    assert "每周一测" not in text and "组织周测" not in text  # no boasting of a practice without its records


def test_the_text_block_is_the_drafts_paragraphs_of_figures():
    blocks = annual.draft(annual.load_template(), publication(), YEAR)
    block = annual.data_paragraphs(blocks)
    assert len(block) == 5 and all(p in text_of(blocks) for p in block)
    assert not any("请填写" in p for p in block)


def test_a_units_own_template_replaces_the_wording(tmp_path):
    ours = tmp_path / "ours.yaml"
    ours.write_text('title: "{station_name}{year}年工作总结"\nblocks:\n  - heading1: "一、数据"\n'
                    '  - paragraph:\n      data: true\n      sentences:\n        - ["全年接警{total}", "火灾{fire}"]\n',
                    encoding="utf-8")
    blocks = annual.draft(annual.load_template(ours), publication(), YEAR)
    assert [b.text for b in blocks] == ["城东消防救援站2024年工作总结", "一、数据", "全年接警123起，火灾40起。"]


@pytest.mark.parametrize("content, message", [
    ("blocks: []", r"needs `title`"),
    ('title: x\nblocks:\n  - chapter: "y"', r"blocks\[1\]: one of"),
    ("title: [", r"not a readable report template"),
    ("title: x\nblocks: []\nlists: {separator: 、}", r"lists: a mapping of separator, repeated, more \(texts\)"),
])
def test_a_template_that_cannot_be_used_is_refused_in_one_line(tmp_path, content, message):
    from firestats.errors import InputError

    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        annual.load_template(bad)


def test_an_unknown_placeholder_is_named():
    from firestats.errors import InputError

    with pytest.raises(InputError, match=r"unknown placeholder \{drils\}"):
        annual.draft({"title": "x", "blocks": [{"paragraph": ["演练{drils}"]}]}, publication(), YEAR)


def test_the_word_file_is_an_official_document():
    blocks = annual.draft(annual.load_template(), publication(), YEAR)
    doc = docx.Document(io.BytesIO(word.document(blocks)))
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    paragraphs = [p for p in doc.paragraphs if p.text]
    assert paragraphs[0].text == "城东消防救援站2024年度工作总结" and paragraphs[0].runs[0].font.size.pt == 22
    body = next(p for p in paragraphs if p.text.startswith("全年队站共开展专项教育"))
    east_asian = body.runs[0]._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert "仿宋" in east_asian and body.runs[0].font.size.pt == 16
    heading = next(p for p in paragraphs if p.text == "一、主要做法及取得成效")
    assert "黑体" in heading.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
    for footer, side in ((section.footer, odd), (section.even_page_footer, even)):
        number = footer.paragraphs[0]
        assert number.text == "— 1 —" and number.alignment == side and "PAGE" in number._p.xml
        assert {run.font.size.pt for run in number.runs} == {14} and number.runs[0].font.name == "宋体"
    # 7 mm between the text block and the top of the number's 14 pt line
    assert round(section.bottom_margin.mm - section.footer_distance.mm - 14 * 25.4 / 72, 1) == 7.0
    # 28 characters of 16 pt in 156 mm: each set 0.25 pt closer; the grid's 22 lines of 28 pt, its pitch recorded
    assert body.runs[0]._element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "560"
    assert round(16 + int(grid.get(qn("w:charSpace"))) / 4096, 2) == round((210 - 28 - 26) / 25.4 * 72 / 28, 2)
    signature, date = paragraphs[-2:]
    assert (signature.text, date.text) == ("【请填写：落款单位】", "【请填写：成文日期】")
    assert signature.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert round(signature.paragraph_format.right_indent.pt) == 32 and date.paragraph_format.right_indent.pt == 0
    props = doc.core_properties
    assert props.author == f"firestats {firestats.__version__}" and props.title == paragraphs[0].text
    assert abs(props.created - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)


def test_the_signature_and_date_come_from_the_units_settings(tmp_path):
    unit = tmp_path / "firestats.yaml"
    unit.write_text("unit: {signatory: 城东站, issued: 2024年12月31日}\n", encoding="utf-8")
    use_settings(unit)
    try:
        blocks = annual.draft(annual.load_template(), publication(), YEAR)
    finally:
        use_settings(None)
    assert [(b.kind, b.text) for b in blocks[-2:]] == [("signature", "城东站"), ("date", "2024年12月31日")]
    doc = docx.Document(io.BytesIO(word.document(blocks)))
    signature, date = [p for p in doc.paragraphs if p.text][-2:]
    # the date (7 characters wide: a digit is half of one) starts two characters right of the name's first (3
    # wide): flush right, it moves the name 6 characters in
    assert signature.paragraph_format.right_indent.pt == 16 * 6 and date.paragraph_format.right_indent.pt == 0


def _parts(draft: bytes) -> dict[str, bytes]:
    """A .docx's parts but docProps/core.xml, which holds the time it was made."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(draft)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def test_a_draft_is_laid_on_a_page_of_its_own():
    """The page is laid out once and copied for each draft: a draft made after another holds none of the other's
    text and is the very file a page laid out for it alone gives."""
    long = annual.draft(annual.load_template(), publication(), YEAR)
    short = long[:3]
    word.document(long)
    after = word.document(short)
    word._page.cache_clear()
    alone = word.document(short)
    assert _parts(after) == _parts(alone)
    assert [p.text for p in docx.Document(io.BytesIO(after)).paragraphs] == [b.text for b in short]


def test_a_units_document_form_gives_its_own_page(tmp_path):
    unit = tmp_path / "firestats.yaml"
    unit.write_text("docx: {margins_mm: {top: 30}}\n", encoding="utf-8")
    blocks = annual.draft(annual.load_template(), publication(), YEAR)
    shipped = docx.Document(io.BytesIO(word.document(blocks))).sections[0]
    use_settings(unit)
    try:
        own = docx.Document(io.BytesIO(word.document(blocks))).sections[0]
    finally:
        use_settings(None)
    again = docx.Document(io.BytesIO(word.document(blocks))).sections[0]
    assert round(own.top_margin.mm) == 30 and round(shipped.top_margin.mm) == round(again.top_margin.mm) == 37
    assert round(own.left_margin.mm) == 28


def test_the_files_begun_as_the_figures_are_published_are_those_the_executed_notebook_gives(prepared, tmp_path):
    """The exports are begun on a thread from the first output publishing the figures, while the notebook runs on;
    when the executed notebook holds other figures (a later output cleared or replaced that one) they are made
    again from those, and an error met on the thread is met again where the report can name it."""
    from firestats.publish.station_report import station_report
    from firestats.request import Request

    report = station_report(Request.of("城东", 2024, prepared))
    html, published = tmp_path / "城东站.html", report.publication()
    other = published | {"station_name": "城西消防救援站"}

    def files(made: dict) -> dict:
        return {path: _parts(data) if path.suffix in (".docx", ".xlsx") else data for path, data in made.items()}

    early = exports.Early(html, report.request)
    early.seen({"output_type": "stream", "name": "stdout", "text": "1\n"})
    assert early.thread is None
    early.seen({"output_type": "display_data", "data": {exports.MIME: published, "text/html": "<p>"}})
    early.seen({"output_type": "display_data", "data": {exports.MIME: other}})
    assert early.publication is published
    made = early.files(published)
    assert made is early.made and files(made) == files(exports.beside(html, published, report.request))
    again = early.files(other)
    assert files(again) == files(exports.beside(html, other, report.request)) != files(made)
    broken = exports.Early(html, report.request)
    broken.seen({"output_type": "display_data", "data": {exports.MIME: {"figures": {}}}})
    with pytest.raises(KeyError):
        broken.files(broken.publication)


def test_the_checking_workbook_has_a_sheet_per_family_and_no_float_noise():
    pub = publication()
    book = openpyxl.load_workbook(io.BytesIO(exports.workbook(exports.rounded(pub["figures"]), pub, YEAR)))
    assert book.sheetnames == ["警情", "训练考核", "工作台账", "辖区", "典型警情", "获奖与比武", "同比环比", "数据质量"]
    headers = [c.value for c in book["警情"][2]]
    assert headers == ["指标", "数值", "文中写法", "单位", "定义", "依据"]
    for sheet in book:
        for row in sheet.iter_rows(values_only=True):
            for cell in row:
                if isinstance(cell, float):
                    assert len(repr(cell).split(".")[1]) <= 4, (sheet.title, row)
                if isinstance(cell, str):
                    words = re.sub(r"\w+\.(csv|xlsx)", "", cell)  # file names are the user's own
                    assert not re.search(r"[A-Za-z]{3,}", words), (sheet.title, cell)
    incidents = {r[0]: r for r in book["警情"].iter_rows(min_row=3, values_only=True)}
    assert incidents["接处警总数"][1] == 123 and incidents["接处警总数"][2] == "123起"
    assert incidents["出动至到场90%分位数"][1] == 400.0 and incidents["出动至到场90%分位数"][2] == "6分40秒"
    assert "接警至到场90%分位数" not in incidents  # the same series, listed once
    assert "接处警记录" in incidents["接处警总数"][5]
    training = {r[0]: r for r in book["训练考核"].iter_rows(min_row=3, values_only=True)}
    assert training["总体及格率"][1] == 0.679 and training["总体及格率"][2] == "67.9%"
    honours = [r for r in book["获奖与比武"].iter_rows(min_row=2, values_only=True)]
    assert ("2024-06-01", "获奖", "青年文明号") in [tuple(r[:3]) for r in honours]
    assert training["评分表"][1] == "示例评分表"  # says 示例 once, in its own title


def test_a_competitions_placings_are_listed_by_rank():
    pub = publication()
    placed = [{"date": "2024-05-01", "person": p, "rank": r} for p, r in (("赵*", 1), ("钱*", 2), ("孙*", 3))]
    pub["figures"]["assessments"] = pub["figures"]["assessments"] | {"competitions": placed}
    book = openpyxl.load_workbook(io.BytesIO(exports.workbook(exports.rounded(pub["figures"]), pub, YEAR)))
    ranks = [r[2] for r in book["获奖与比武"].iter_rows(min_row=3, values_only=True) if r[1] == "比武名次"]
    assert ranks == ["赵* 第1名", "钱* 第2名", "孙* 第3名"]


def test_published_numbers_are_rounded_where_they_are_published():
    figures = exports.rounded(publication()["figures"])
    assert figures["response"]["received_to_arrival"]["p90_s"] == 454.0
    assert figures["response"]["dispatch_to_arrival"]["median_s"] == 250.0
    assert figures["assessments"]["overall"]["pass_rate"] == 0.679


def test_annual_figures_use_the_catalogue_terms():
    from firestats.catalogue import term

    figures = annual_figures(publication()["figures"])
    assert figures["rescued"].label == term("people.rescued")


def test_the_workbook_holds_what_the_draft_states_and_lays_out_tables():
    pub = publication(resources={"vehicles": 1331, "personnel": 6644})
    pub |= {"named": [{"date": "2024-03-05", "place": "东城街道", "kind": "山体滑坡"}],
            "problems": [{"action": "隔离", "reason": "类别无法识别", "rows": 1}],
            "compared": [{"kind": "同比", "name": "2023年", "this": 123, "total": 100,
                          "rows": [{"label": "接处警总数", "key": "incidents.total", "unit": "起", "this": 123,
                                    "last": 100, "change": 23, "change_pct": 23.0}]}]}
    draft = text_of(annual.draft(annual.load_template(), pub, YEAR))
    assert "1331辆次" in draft and "6644人次" in draft
    book = openpyxl.load_workbook(io.BytesIO(exports.workbook(exports.rounded(pub["figures"]), pub, YEAR)))
    cells = {str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert {"1331辆次", "6644人次"} <= cells
    assert ("2024-03-05", "东城街道", "山体滑坡") in list(book["典型警情"].iter_rows(min_row=3, values_only=True))
    assert ("同比", "接处警总数", 123, 100, 23, 0.23) in list(book["同比环比"].iter_rows(min_row=3, values_only=True))
    assert ("类别无法识别", "隔离", 1) in [r[:3] for r in book["数据质量"].iter_rows(values_only=True)]
    training = list(book["训练考核"].iter_rows(values_only=True))
    people = next(i for i, r in enumerate(training) if r[0] == "个人各月平均分")
    assert training[people + 1][:2] == ("人员", "1月") and training[people + 2][:2] == ("张*", 70.0)
    assert not any(str(r[0]).startswith("训练考核·") for r in training if r[0])  # no code-style labels
