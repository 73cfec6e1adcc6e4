"""Reports opened the way people open them: from file:// in a real headless Chromium, offline."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from conftest import REPO, visit
from pypdf import PdfReader

from firestats.vocabulary.hierarchy import KINDS

pytestmark = pytest.mark.slow  # real kernels, browsers or real data: `pytest -m "not slow"` skips them

ARTEFACTS = REPO / "test-artefacts"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_every_report_and_the_index_work_offline(browser, batch):
    ARTEFACTS.mkdir(exist_ok=True)
    pages = sorted(batch.rglob("*.html"))
    assert len(pages) == 22  # 15 stations', 3 detachment's reports, 3 overviews and the index
    for path in pages:
        seen = visit(browser, path)
        page = seen.pop("page")
        outside = [u for u in seen["requests"] if not u.startswith(("file:", "data:"))]
        assert not outside, (path, outside)
        assert not seen["errors"], (path, seen["errors"])
        assert all(seen["images"]), path  # every chart drawn; a station's page has charts, the overview tables
        assert seen["images"] or path.name == "index.html" or path.stem == "支队总览", path
        assert any(word in seen["h1"] for word in ("年度", "目录", "各站对比")), (path, seen["h1"])
        assert seen["title"] == seen["h1"] or path.name == "index.html", (path, seen["title"])  # the tab names it
        name = f"{path.parent.name}-{path.stem}" if path.parent != batch else path.stem
        page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
        pdf = page.pdf(path=ARTEFACTS / f"{name}.pdf", format="A4")
        assert pdf.startswith(b"%PDF") and b"/MediaBox [0 0 595" in pdf  # A4: 595 x 842 points
        # A station's year prints on at most 10 A4 pages, a level's (its stations ranked besides) on 12.
        if path.parent != batch and path.stem != "支队总览":
            assert len(PdfReader(io.BytesIO(pdf)).pages) <= (12 if path.parent.name in KINDS else 10), path
        page.close()


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    """A station whose name, addresses and ledger text carry markup, rendered by the real CLI."""
    raw = tmp_path_factory.mktemp("hostile-raw")
    station = "城东<b>站"
    rows = ["警情编号,出动站,接警时间,出动时间,到场时间,警情类型,警情子类,地址,抢救人数"]
    for i in range(30):
        rows.append(f'H{i},{station},2024-03-{i % 28 + 1:02d} 10:00:00,2024-03-{i % 28 + 1:02d} 10:01:00,'
                    f'2024-03-{i % 28 + 1:02d} 10:05:00,抢险救援,山体滑坡,"{HOSTILE.replace(chr(34), chr(34) * 2)}",'
                    f'{9 if i == 0 else 0}')
    (raw / "incidents.csv").write_text("\n".join(rows), "utf-8")
    (raw / "ledger.csv").write_text("日期,站,类别,内容,数量\n"
                                    f'2024-05-01,{station},获奖,"{HOSTILE.replace(chr(34), chr(34) * 2)}",1\n', "utf-8")
    data, out = raw.parent / "hostile-data", raw.parent / "hostile-reports"
    cli = [sys.executable, "-m", "firestats.cli"]
    subprocess.run([*cli, "prepare", str(raw), "--out", str(data)], check=True, capture_output=True)
    subprocess.run([*cli, "batch", "--data", str(data), "--out", str(out), "--workers", "1"], check=True,
                   capture_output=True)
    return out


def test_text_from_the_data_stays_text(browser, hostile_reports):
    reports = [p for p in hostile_reports.glob("2024/*.html") if p.stem != "支队总览"]
    assert len(reports) == 1
    seen = visit(browser, reports[0])
    seen.pop("page").close()
    assert seen["pwned"] is None, "a script from the data ran"
    assert not [e for e in seen["errors"] if "dialog" in e]
    assert "<b>" in seen["h1"] and "window.__pwned = 1" in seen["text"]  # shown, not run
    assert [u for u in seen["requests"] if not u.startswith(("file:", "data:"))] == []
