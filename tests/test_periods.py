"""Months, quarters and halves: periods as users write them, slices that add up to the year, and the
figures of a quarter and a month against plain pandas on the sample's truth."""

from __future__ import annotations

import re
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest
from conftest import everyday, write_exports

from firestats.compute.station import compute, station_figures
from firestats.errors import InputError
from firestats.periods import Period, parse_period, period_of, periods_in
from firestats.privacy import redact
from firestats.request import Request
from firestats.sample import STATIONS, YEARS
from firestats.store import load, prepare


@pytest.mark.parametrize("text, period, name, dates, words", [
    ("2024", Period(2024), "2024年", "2024年1月1日至12月31日", "全年"),
    ("2024-H2", Period(2024, "half", 2), "2024年下半年", "2024年7月1日至12月31日", "下半年"),
    ("2024-q3", Period(2024, "quarter", 3), "2024年第三季度", "2024年7月1日至9月30日", "本季度"),
    ("2024-03", Period(2024, "month", 3), "2024年3月", "2024年3月1日至3月31日", "本月"),
    ("2024-2", Period(2024, "month", 2), "2024年2月", "2024年2月1日至2月29日", "本月"),
    ("2024-12", Period(2024, "month", 12), "2024年12月", "2024年12月1日至12月31日", "本月"),
])
def test_periods_as_users_write_them(text, period, name, dates, words):
    assert parse_period(text) == period
    assert (period.name, period.dates, period.words) == (name, dates, words)
    assert parse_period(period.label) == period


@pytest.mark.parametrize("text", ["2024-Q5", "2024-13", "2024-H3", "24", "2024/03", "三月"])
def test_a_period_nobody_can_mean_is_refused(text):
    with pytest.raises(InputError, match="is no period"):
        parse_period(text)


def test_the_period_before_and_a_year_before():
    assert Period(2024, "quarter", 1).previous() == Period(2023, "quarter", 4)
    assert Period(2024, "month", 3).previous() == Period(2024, "month", 2)
    assert Period(2024, "half", 1).previous() == Period(2023, "half", 2)
    assert Period(2024, "month", 3).a_year_earlier() == Period(2023, "month", 3)


@pytest.mark.slow
def test_months_quarters_and_halves_add_up_to_the_year(prepared):
    data = load(prepared)
    for station in STATIONS:
        for year in YEARS:
            whole = data.narrow(station, year)
            for kind in ("half", "quarter", "month"):
                parts = [data.narrow(station, p) for p in periods_in(year, kind)]
                assert sum(len(p.incidents) for p in parts) == len(whole.incidents), (station, year, kind)
                assert sum(len(p.problems) for p in parts) == len(whole.problems), (station, year, kind)
                assert sum(len(p.activities) for p in parts) == len(whole.activities), (station, year, kind)


@pytest.mark.parametrize("label", ["2024-Q2", "2024-03", "2025-H1"])
def test_a_periods_figures_equal_plain_pandas(prepared, truth, label):
    period = parse_period(label)
    t = truth.incidents
    mine = t[(t["station"] == "城南站") & (t["received_at"] >= period.start) & (t["received_at"] < period.end)]
    figures = station_figures(prepared, "城南", label)
    assert figures["period"] == label and figures["year"] == period.year
    assert figures["incidents"]["total"] == len(mine)
    by_type = figures["incidents"]["by_type"]
    assert by_type == {k: int((mine["type"] == k).sum()) for k in by_type}
    ok = ~mine["flag_arrival_before_dispatch"]
    d2a = (mine["arrived_at"] - mine["dispatched_at"]).dt.total_seconds()[ok].dropna()
    assert figures["response"]["dispatch_to_arrival"]["n"] == len(d2a)
    assert figures["response"]["dispatch_to_arrival"]["median_s"] == pytest.approx(float(np.median(d2a)))
    # its own months only: months it does not cover are not zeros, they are not its to count
    assert list(figures["monthly"]) == list(period.months)
    assert sum(figures["monthly"].values()) == len(mine)


def test_a_year_computed_as_a_period_is_the_year(prepared):
    data = load(prepared)
    as_year, as_period = compute(data, "城东站", Period(2024)).figures, compute(data, "城东站", Period(2024)).figures
    assert as_year == as_period and "period" not in as_year
    assert pd.Series(as_year["monthly"]).sum() == as_year["incidents"]["total"]


def test_a_monthly_report_names_its_dates_and_compares_with_the_month_before(prepared):
    from firestats.publish.station_report import station_report

    report = station_report(Request.of("城东", "2024-03", prepared))
    header, compared = report.header().data, report.year_on_year().data
    assert "城东消防救援站 2024年3月工作数据分析" in header and "统计期间：2024年3月1日至3月31日" in header
    assert f"本月共接处警{report.figures['incidents']['total']}起" in header
    assert "同比（与2023年3月比）" in compared and "环比（与2024年2月比）" in compared
    yearly = station_report(Request.of("城东", 2024, prepared))
    assert "2024年1月1日至12月31日" in yearly.header().data and "环比" not in yearly.year_on_year().data


def test_a_month_is_drawn_day_by_day(prepared, truth):
    from firestats.publish.station_report import station_report

    report = station_report(Request.of("城西", "2024-02", prepared))
    t = truth.incidents
    mine = t[(t["station"] == "城西站") & (t["received_at"].dt.strftime("%Y-%m") == "2024-02")]
    daily = report.figures["daily"]
    assert len(daily) == 29 and sum(daily.values()) == len(mine)
    assert daily[1] == int((mine["received_at"].dt.day == 1).sum())
    assert "2024年2月每日接处警数量" in report.monthly_chart().data


def test_a_half_years_word_draft_keeps_the_annual_structure_said_of_the_half(prepared):
    from firestats.publish import annual
    from firestats.publish.station_report import station_report

    half = station_report(Request.of("城东", "2024-H1", prepared)).publication()
    blocks = annual.draft(annual.load_template(), half, Period(2024, "half", 1))
    assert blocks[0].text == "城东消防救援站2024年上半年工作总结"
    text = "".join(b.text for b in blocks)
    assert "截至2024年6月30日" in text and "上半年累计开展实地演练" in text and "全年" not in text
    whole = station_report(Request.of("城东", 2024, prepared)).publication()
    year = annual.draft(annual.load_template(), whole, Period(2024))
    assert year[0].text == "城东消防救援站2024年度工作总结" and "盘点2024年全年工作" in "".join(b.text for b in year)


def test_a_quarterly_overview_counts_each_stations_incidents_as_plain_pandas(prepared, truth):
    from firestats.publish.overview import TOTAL, station_figures

    quarter = Period(2024, "quarter", 3)
    this, last = station_figures(load(prepared), quarter)
    t = truth.incidents
    totals = ({s: f["incidents"]["total"] for s, f in this.items()}, last)
    for counted, period in zip(totals, (quarter, quarter.a_year_earlier())):
        mine = t[(t["received_at"] >= period.start) & (t["received_at"] < period.end)]
        expected = mine.groupby("station").size().to_dict() | {TOTAL: len(mine)}
        assert counted == expected, period
    assert set(this) == {*STATIONS, TOTAL} and all(f["period"] == "2024-Q3" for f in this.values())


def test_a_months_通报_is_the_pages_paragraph_under_a_title_naming_its_dates(prepared, tmp_path):
    from firestats.publish.exports import beside
    from firestats.publish.station_report import station_report

    report = station_report(Request.of("城东", "2024-03", prepared))
    written = beside(tmp_path / "2024-03" / "城东站.html", report.publication(), report.request)
    text = written[tmp_path / "2024-03" / "城东站-通报.txt"].decode("utf-8-sig")
    title, paragraph = text.removesuffix("\r\n").split("\r\n\r\n")
    assert title == "城东消防救援站2024年3月工作通报（2024年3月1日至3月31日）"
    assert paragraph.startswith("2024年3月1日至3月31日，城东消防救援站本月共接处警")
    assert f"<p>{paragraph}</p>" in report.header().data  # the same words as on the page


@pytest.mark.slow
def test_a_monthly_report_is_rendered_into_its_periods_folder(prepared, tmp_path):
    from click.testing import CliRunner

    from firestats.cli import main

    result = CliRunner().invoke(main, ["report", "--data", str(prepared), "--station", "城东", "--year", "2024",
                                       "--period", "03", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2024-03" / "城东站.html").read_text("utf-8")
    assert "统计期间：2024年3月1日至3月31日" in page and "环比（与2024年2月比）" in page
    text = (tmp_path / "2024-03" / "城东站.txt").read_text("utf-8-sig")
    assert text.startswith("2024年3月1日至3月31日，城东消防救援站本月")
    bulletin = (tmp_path / "2024-03" / "城东站-通报.txt").read_text("utf-8-sig")
    assert bulletin.startswith("城东消防救援站2024年3月工作通报（2024年3月1日至3月31日）")
    assert redact(bulletin) == bulletin  # no identity or phone number in it
    refused = CliRunner().invoke(main, ["report", "--data", str(prepared), "--station", "城东", "--year", "2024",
                                        "--period", "Q7", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "is no period" in refused.output


@pytest.mark.slow
def test_a_quarters_batch_renders_each_station_overview_detachment_and_brigade_listed_by_quarter(prepared, tmp_path):
    """`batch --period quarter` with the unit's brigades in its settings: every station, the overview, the 支队 and
    each 大队 for each quarter, the levels each with a workbook listing its stations and a 警情通报, the index grouped
    by quarter, every level's Word draft one LibreOffice opens, and nothing rendered again on a second run."""
    import json
    import shutil
    import subprocess

    import openpyxl
    from click.testing import CliRunner

    from firestats.cli import main

    brigades = {"一大队": list(STATIONS)[:2], "二大队": list(STATIONS)[2:]}
    unit = tmp_path / "firestats.yaml"
    settings = {"unit": {"detachment": "东江市消防救援支队", "brigades": brigades}}
    unit.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    out = tmp_path / "reports"
    args = ["batch", "--data", str(prepared), "--out", str(out), "--period", "quarter", "--year", "2024",
            "--workers", "2", "--settings", str(unit)]
    reports, pages = 4 * (len(STATIONS) + 2 + len(brigades)), {f"{s}.html" for s in [*STATIONS, "支队总览"]}
    levels = {"支队/东江市消防救援支队", *(f"大队/{name}" for name in brigades)}
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0 and f"rendered {reports}, unchanged 0, failed 0" in first.output, first.output
    drafts = []
    for q in range(1, 5):
        folder = out / f"2024-Q{q}"
        assert {p.name for p in folder.glob("*.html")} == pages
        assert all((folder / f"{s}-通报.txt").is_file() for s in STATIONS)
        assert {p.relative_to(folder).with_suffix("").as_posix() for p in folder.glob("*/*.html")} == levels
        for page in folder.glob("*/*.html"):
            drafts.append(page.with_suffix(".docx"))
            workbook = openpyxl.load_workbook(page.with_suffix(".xlsx"), read_only=True)
            listed = [row[0] for row in workbook["各站接处警记录"].iter_rows(min_row=3, values_only=True)]
            assert listed[-1] == f"{page.parent.name}合计" and len(listed) >= 2  # a row per station, then the total
            assert "警情通报（" in (page.parent / f"{page.stem}-通报.txt").read_text("utf-8-sig").splitlines()[0]
    overview = (out / "2024-Q3" / "支队总览.html").read_text("utf-8")
    assert "2024年第三季度各站对比" in overview and "统计期间：2024年7月1日至9月30日" in overview
    assert "同比（与2023年第三季度比）" in overview and "环比（与2024年第二季度比）" in overview
    index = (out / "index.html").read_text("utf-8")
    groups = index.split('<th class="period"')[1:]  # one heading row per period, its reports under it
    assert [g[g.index(">") + 1:g.index("（")] for g in groups] == [f"2024年第{n}季度" for n in "一二三四"]
    for q, group in enumerate(groups, start=1):
        links = set(re.findall(r'href="([^"]+)\.html"', group))
        assert links == {quote(f"2024-Q{q}/{s}") for s in [*STATIONS, "支队总览", *levels]}, q
    assert index.count('<span class="level">大队</span>') == 8 and index.count('<span class="level">支队</span>') == 4
    assert f"rendered 0, unchanged {reports}" in CliRunner().invoke(main, args).output
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("no LibreOffice on this machine (make test installs Debian's libreoffice-writer-nogui as root)")
    copies = []
    for draft in drafts:  # one folder for all: the detachment's and the brigades' drafts, named apart
        copy = tmp_path / f"{draft.parent.parent.name}-{draft.parent.name}-{draft.stem}.docx"
        copy.write_bytes(draft.read_bytes())
        copies.append(copy)
    run = subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                          "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, copies)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.stem for p in (tmp_path / "pdf").glob("*.pdf")) == sorted(p.stem for p in copies)
    assert len(copies) == 12


def test_records_that_stop_short_of_the_period_are_never_said_to_cover_it(tmp_path):
    """Two incidents in March and a ledger row in May: the year's page and draft say what the records cover, and
    no sentence runs 截至 the year's end or speaks of 全年."""
    from firestats.publish import annual
    from firestats.publish.station_report import station_report

    raw = write_exports(tmp_path / "raw", ["城东站"], ledger=[("城东站", "实地演练", "演练")])
    prepare([raw], tmp_path / "data")
    report = station_report(Request.of("城东", 2024, tmp_path / "data"))
    assert "数据覆盖2024年3月1日至5月1日，未覆盖整个统计期间" in report.header().data
    publication = report.publication()
    assert publication["coverage"] == {"from": "2024-03-01", "to": "2024-05-01", "whole": False}
    text = "".join(b.text for b in annual.draft(annual.load_template(), publication, report.period))
    assert "截至2024年5月1日，共接处警2起" in text and "2024年3月1日至5月1日累计开展实地演练1次" in text
    assert "12月31日" not in text and "全年" not in text


def test_a_reports_key_changes_when_another_station_reaches_a_later_month(tmp_path):
    """Its coverage reads the months every station has records in: the batch renders it again."""
    from firestats.run.batch import plan

    raw = write_exports(tmp_path / "raw", ["城东站", "城西站"])
    prepare([raw], tmp_path / "data")
    before = {job.name: job.key for job in plan(tmp_path / "data", tmp_path / "out")}
    ledger = "日期,站,类别,内容,数量,备注\n2024-12-01,城西站,实地演练,演练,1,\n"
    (raw / "台账.csv").write_text(ledger, encoding="utf-8")
    prepare([raw], tmp_path / "data")
    after = {job.name: job.key for job in plan(tmp_path / "data", tmp_path / "out")}
    assert after["2024/城东站"] != before["2024/城东站"]


@pytest.mark.parametrize("period", everyday(["2024", "2024-H2", "2025-03"]))  # a year, a half, a month
def test_every_documents_breakdown_adds_up_to_its_total(prepared, period):
    """共接处警N起，其中…: every type with incidents is named (虚假警 and 其他 too), so the parts make N, in the
    draft, its text block and a period's 通报."""
    from firestats.publish import annual
    from firestats.publish.narrative import bulletin_paragraph
    from firestats.publish.station_report import station_report

    for station in STATIONS:
        report = station_report(Request.of(station, period, prepared))
        publication = report.publication()
        texts = ["".join(b.text for b in annual.draft(annual.load_template(), publication, report.period)),
                 "".join(publication["annual"])]
        if report.period.kind != "year":
            texts.append(bulletin_paragraph(report.figures, report.period, report.station_name))
        for text in texts:
            found = re.search(r"共接处警(\d+)起，其中([^，。]+)", text)
            assert found, (station, period, text)
            parts = [int(n) for n in re.findall(r"(\d+)起", found[2])]
            assert sum(parts) == int(found[1]) == report.figures["incidents"]["total"], (station, period, found[0])


@pytest.mark.parametrize("period, title, says", [
    ("2024-Q3", "城东消防救援站2024年第三季度工作通报",
     ["2024年7月1日至9月30日，城东消防救援站本季度共接处警", "接处警同比", "环比", "1—9月累计接处警",
      "【请填写：2024年第四季度的工作重点】"]),
    ("2024-07", "城东消防救援站2024年7月工作通报",
     ["本月共接处警", "1—7月累计接处警", "【请填写：2024年8月的工作重点】"]),
    ("2024-H1", "城东消防救援站2024年上半年工作总结", ["截至2024年6月30日，共接处警", "【请填写：下半年的工作思路"]),
    ("2024-H2", "城东消防救援站2024年下半年工作总结",
     ["2024年7月1日至12月31日，共接处警", "【请填写：2025年的工作思路"]),
])
def test_a_parts_document_fits_its_period(prepared, period, title, says):
    """A quarter's or a month's draft is a 通报, a half's a 半年总结; none speaks of the year (本年度, 全年, 今年以来,
    年内), runs 截至 from 1 January over a later part's own incidents, or writes statistics notation (n=)."""
    from firestats.publish import annual
    from firestats.publish.station_report import station_report

    report = station_report(Request.of("城东", period, prepared))
    publication = report.publication()
    blocks = annual.draft(annual.load_template(None, report.period), publication, report.period)
    text = "\n".join(b.text for b in blocks)
    assert blocks[0].text == title and all(words in text for words in says), text
    assert not re.search(r"本年度|全年|今年以来|年内|n=", text), text
    assert publication["annual"] and all(p in text for p in publication["annual"])  # the text block is the draft's


def test_a_quarters_workbook_and_page_name_the_quarter(prepared, tmp_path):
    import io

    import openpyxl

    from firestats.publish.exports import beside
    from firestats.publish.station_report import station_report

    report = station_report(Request.of("城东", "2024-Q3", prepared))
    written = beside(tmp_path / "城东站.html", report.publication(), report.request)
    book = openpyxl.load_workbook(io.BytesIO(written[tmp_path / "城东站.xlsx"]))
    assert [book[name]["A1"].value for name in book.sheetnames][:1] == ["城东消防救援站 2024年第三季度·警情"]
    assert book.properties.title == "城东消防救援站2024年第三季度数据核对表"
    quality = report.quality().data + report.activities_table().data
    assert "本站本季度警情" in quality and "本年度" not in quality


@pytest.mark.parametrize("year, given, label", [(None, "2024-Q3", "2024-Q3"), (None, "2024", "2024"),
                                                (None, "2025Q3", "2025-Q3"), (None, "2025 03", "2025-03"),
                                                (2024, "Q3", "2024-Q3"), (2024, "h1", "2024-H1"), (2024, None, "2024"),
                                                (2024, "2024-Q3", "2024-Q3")])
def test_a_period_is_taken_whole_alone_or_as_a_part_of_its_year(year, given, label):
    assert period_of(year, given).label == label


@pytest.mark.parametrize("year, given, refusal", [(2025, "2024-Q1", "name different years"),
                                                  (None, "Q3", "give --year too"), (None, None, "give --year"),
                                                  (None, "2025-Q5", "is no period")])
def test_a_period_that_cannot_be_meant_is_refused_saying_why(year, given, refusal):
    with pytest.raises(InputError, match=refusal):
        period_of(year, given)


@pytest.mark.slow  # twenty drafts, then LibreOffice converting them all
def test_every_stations_drafts_for_a_year_a_half_a_quarter_and_a_month_state_nothing_untrue(prepared, tmp_path):
    """Each sample station's Word draft for 2024, 2024-H1, 2024-Q3 and 2024-07, as `firestats report` writes it:
    其中 adds up, no （无记录） or n= in its sentences, no 截至 past the last record, a quarter's and a month's name
    their period and never speak of the year; and a real office suite converts every one."""
    import datetime as dt
    import io
    import shutil
    import subprocess

    import docx

    from firestats.publish import exports
    from firestats.publish.station_report import station_report

    drafts = []
    for station in STATIONS:
        for label in ("2024", "2024-H1", "2024-Q3", "2024-07"):
            report = station_report(Request.of(station, label, prepared))
            publication = report.publication()
            written = exports.beside(tmp_path / label / f"{station}.html", publication, report.request)
            content = next(data for path, data in written.items() if path.suffix == ".docx")
            text = "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
            found = re.search(r"共接处警(\d+)起，其中([^，。]+)", text)
            assert found and sum(map(int, re.findall(r"(\d+)起", found[2]))) == int(found[1]), (station, label)
            assert "（无记录）" not in text and "n=" not in text, (station, label)
            last = dt.date.fromisoformat(publication["coverage"]["to"])
            for y, m, d in re.findall(r"截至(\d{4})年(\d{1,2})月(\d{1,2})日", text):
                assert dt.date(int(y), int(m), int(d)) <= last, (station, label, text)
            if report.period.kind in ("quarter", "month"):
                assert report.period.name in text.splitlines()[0] and not re.search(r"本年度|全年|今年以来", text)
            path = tmp_path / f"{station}-{label}.docx"
            path.write_bytes(content)
            drafts.append(path)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("no LibreOffice on this machine (make test installs Debian's libreoffice-writer-nogui as root)")
    run = subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                          "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, drafts)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.stem for p in (tmp_path / "pdf").glob("*.pdf")) == sorted(p.stem for p in drafts)
