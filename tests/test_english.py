"""An export whose mapping declares `language: en` (London's) gets English outputs: an English summary as its Word
draft, English labels from the catalogue on its page and in its workbook; and what the export does not hold (a
dispatch time, an incident type) is a data note and no records, never a finding or a 0."""

from __future__ import annotations

import io
import json
import re
import zipfile

import docx
import openpyxl
import pytest
import yaml
from test_labels import page_labels, page_of

from firestats import catalogue as cat
from firestats.errors import MappingError
from firestats.ingest.mapping import parse_mapping
from firestats.periods import Period
from firestats.publish import annual, exports
from firestats.publish.station_report import station_report
from firestats.request import Request

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
NOT_HELD = ["社会救助", "安保勤务", "其他"]  # the types London's IncidentGroup cannot hold


def made(report, tmp_path) -> dict[str, bytes]:
    """The files beside the report's page, as `firestats report` writes them, by suffix."""
    written = exports.beside(tmp_path / "Soho.html", report.publication(), report.request)
    return {path.suffix: content for path, content in written.items() if path.stem == "Soho"}


@pytest.fixture(scope="module")
def soho(english_prepared):
    return station_report(Request.of("Soho", 2023, english_prepared))


@pytest.fixture(scope="module")
def files(soho, tmp_path_factory) -> dict[str, bytes]:
    return made(soho, tmp_path_factory.mktemp("soho"))


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs if p.text]


def test_the_draft_of_an_english_export_is_an_english_summary_without_a_chinese_character(files):
    xml = zipfile.ZipFile(io.BytesIO(files[".docx"])).read("word/document.xml").decode("utf-8")
    assert CJK.findall(xml) == []  # no 党支部, no Chinese heading, no Chinese font name
    text = paragraphs(files[".docx"])
    assert text[0] == "Soho — Annual Summary 2023"
    assert [t for t in text if t in ("Incidents", "Response", "Training", "Data notes")] == [
        "Incidents", "Response", "Data notes"]  # no training records: no Training section
    assert "In 2023, Soho attended 30 incidents, of which fires 6, rescues and special services 4 and false alarms " \
           "20." in text[2]
    assert "The export has no dispatch time for its 30 incidents; dispatch to arrival, call handling and turnout " \
           "are not computed." in text
    assert files[".txt"].decode("utf-8-sig").startswith("In 2023, Soho attended 30 incidents")


def test_the_breakdown_lists_every_type_with_records_and_adds_up_to_the_total(files, soho):
    sentence = next(t for t in paragraphs(files[".docx"]) if "of which" in t)
    breakdown = sentence.split("of which")[1].split(". ")[0] + "."  # its own sentence, not the next one's
    parts = [int(n) for n in re.findall(r"(\d+)(?:,| and |\.)", breakdown)]
    assert sum(parts) == soho.figures["incidents"]["total"] == 30 and len(parts) == 3


@pytest.mark.parametrize("period, title", [("2023-H1", "Soho — Half-Year Summary, H1 2023"),
                                           ("2023-Q3", "Soho — Quarterly Summary, Q3 2023"),
                                           ("2023-07", "Soho — Monthly Summary, July 2023")])
def test_a_summary_names_its_period(english_prepared, tmp_path, period, title):
    report = station_report(Request.of("Soho", period, english_prepared))
    written = exports.beside(tmp_path / "Soho.html", report.publication(), report.request)
    text = paragraphs(written[tmp_path / "Soho.docx"])
    assert text[0] == title
    bulletin = next(content for path, content in written.items() if path.stem != "Soho").decode("utf-8-sig")
    assert bulletin.startswith(title) and not CJK.search(bulletin)  # the period's text beside it is English too
    assert "fs-block" not in report.header().data  # no Chinese 通报 paragraph atop the page
    assert text[2].startswith({"2023-H1": "In the first half of 2023, ", "2023-Q3": "In Q3 2023, ",
                               "2023-07": "In July 2023, "}[period])


def test_an_export_gap_is_a_data_note_never_a_finding(soho):
    publication = soho.publication()
    assert publication["findings"] == [] and publication["language"] == "en"
    assert publication["notes"] == ["The export has no dispatch time for its 30 incidents; dispatch to arrival, call "
                                    "handling and turnout are not computed"]
    page = soho.problems_found().data
    assert "Data notes" in page and "The export has no dispatch time" in page and "没有出动时间" not in page


def test_the_workbook_and_the_pages_labels_are_the_english_catalogues(soho, files):
    book = openpyxl.load_workbook(io.BytesIO(files[".xlsx"]))
    assert book.sheetnames == ["Incidents", "Training", "Ledger", "Places", "Notable incidents",
                               "Awards and competitions", "Comparisons", "Data quality"]
    cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert [c for c in cells if CJK.search(c)] == []
    assert ("duplicate", "Merged", 1) in [r[:3] for r in book["Data quality"].iter_rows(values_only=True)]
    labels = {row[0] for row in book["Incidents"].iter_rows(min_row=3, values_only=True) if row[0]}
    incidents = cat.sheets()["警情"]
    keys = [key for key, _ in exports.sheet_rows(json.loads(files[".json"]), incidents)]
    assert labels == {exports.row_label(key, incidents, "en") for key in keys}
    assert {"Incidents", "False alarms", "Call to first arrival, mean"} <= labels
    definitions = {row[0]: row[4] for row in book["Incidents"].iter_rows(min_row=3, values_only=True)}
    assert definitions["False alarms"] == cat.definition("incidents.by_type.虚假警", "en") != ""
    shown = page_labels(page_of(soho))
    assert {"Incidents", "Figure", "Rows kept", "Segment", "Incident type"} <= shown
    assert [label for label in shown if CJK.search(label)] == []


def test_types_the_export_cannot_hold_have_no_records_never_zero(soho, files):
    by_type = soho.figures["incidents"]["by_type"]
    assert [t for t, n in by_type.items() if n is None] == NOT_HELD
    assert json.loads(files[".json"])["incidents"]["by_type"]["社会救助"] is None
    rows = {row[0]: row[1] for row in openpyxl.load_workbook(io.BytesIO(files[".xlsx"]))["Incidents"]
            .iter_rows(min_row=3, values_only=True)}
    assert rows["Assistance to the public"] == "No records" and rows["False alarms"] == 20
    table = soho.type_table().data
    assert "<td>Security duties</td><td>No records</td><td>—</td>" in table


def test_every_english_word_has_its_chinese_key_and_every_figure_its_english_term():
    data = yaml.safe_load((cat.resources.files("firestats") / "data/figures.yaml").read_text("utf-8"))
    english = data["english"]
    for section in ("headings", "parts", "actions"):
        assert set(english[section]) == set(data[section]), section
    assert {e.unit for e in cat.catalogue().values()} | set(data["part_units"].values()) <= set(english["units"])
    assert all(e.en and e.en_definition and not CJK.search(e.en + e.en_definition) for e in cat.catalogue().values())
    assert not any(CJK.search(str(w)) for section in english.values() for w in section.values())


@pytest.mark.parametrize("spec, message", [
    ({"language": "fr"}, "language 'fr' is not one reports are written in (zh, en)"),
    ({"types": ["火灾"]}, "types: a list of incident types among"),
    ({"types": ["火灾扑救"], "fields": {"type": {"column": "T", "values": {"A": "火灾扑救", "B": "虚假警"}}}},
     "types: the type rule gives 虚假警, which types leaves out"),
])
def test_a_mapping_with_a_wrong_language_or_types_is_refused_naming_the_key(spec, message):
    fields = {"incident_id": "ID", "station": "S", "received_at": "R", "type": "T"} | spec.pop("fields", {})
    with pytest.raises(MappingError, match=re.escape(message)):
        parse_mapping({"fields": fields, **spec}, "m.yaml")


def test_a_chinese_drafts_data_notes_stand_apart_from_its_findings():
    """A Chinese export's gap is a 数据说明 after the report, never one of its 存在问题."""
    from test_annual_report import publication

    note = "导出的警情记录没有出动时间（共30起均无此列），出动至到场、接警处理、出动准备用时无法统计"
    for period in (Period(2024), Period.containing(2024, 7, "quarter")):
        blocks = annual.draft(annual.load_template(period=period), publication() | {"notes": [note]}, period)
        texts = [b.text for b in blocks]
        at = texts.index("附：数据说明")
        assert texts[at + 1] == note + "。" and blocks[at].kind == "heading1"
        assert all(note not in b.text for b in blocks[:at])
    assert "附：数据说明" not in [b.text for b in annual.draft(annual.load_template(), publication(), Period(2024))]


def test_a_summary_of_records_that_stop_short_of_the_period_names_the_days_they_cover():
    """Pudong's kind of gap, in English: records to 23 April never speak for the whole year."""
    from test_annual_report import publication

    covered = publication() | {"station_name": "Soho", "coverage": {"from": "2025-01-01", "to": "2025-04-23",
                                                                    "whole": False}}
    template = annual.load_template(language="en")
    text = [b.text for b in annual.draft(template, covered, Period(2025))]
    assert text[0] == "Soho — Annual Summary 2025"
    assert text[2].startswith("From 1 January 2025 to 23 April 2025, Soho attended 123 incidents, of which fires 40, "
                              "rescues and special services 30 and assistance to the public 53.")
    assert not any(CJK.search(t) for t in text)
