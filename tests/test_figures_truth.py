"""`firestats figures` against the truth the sample generator drew, computed with plain pandas."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import everyday

from firestats.cli import main
from firestats.sample import STATIONS, YEARS
from firestats.schema import INCIDENT_TYPES

PAIRS = [(s, y) for y in YEARS for s in STATIONS]


@pytest.fixture(scope="module")
def data_dir(prepared):
    """The bundled sample prepared (test_sample checks it is what the generator writes)."""
    return prepared


def figures(data_dir, station, year) -> dict:
    result = CliRunner().invoke(main, ["figures", "--data", str(data_dir), "--station", station, "--year", str(year)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def expected(truth, station, year) -> dict:
    """The figures, straight from the generator's truth table."""
    t = truth.incidents
    mine = t[(t["station"] == station) & (t["received_at"].dt.year == year)]
    ok = ~mine["flag_arrival_before_dispatch"]
    d2a = (mine["arrived_at"] - mine["dispatched_at"]).dt.total_seconds()[ok].dropna()
    r2a = (mine["arrived_at"] - mine["received_at"]).dt.total_seconds()[ok].dropna()
    def segment(start, end):
        seconds = (mine[end] - mine[start]).dt.total_seconds()[ok]
        return seconds[(seconds >= 0) & (seconds < 86_400)]

    steps = {"call_processing": ("received_at", "dispatched_at"), "turnout": ("dispatched_at", "departed_at"),
             "travel": ("departed_at", "arrived_at"), "total": ("received_at", "arrived_at")}
    segments = {name: segment(*ends) for name, ends in steps.items()}
    dups = truth.duplicates
    merged = int(((dups["station"] == station) & (dups["year"] == year)).sum())
    junk = truth.junk
    quarantined = int(((junk["station"] == station) & (junk["year"] == year)).fillna(False).sum())
    return {
        "station": station,
        "year": year,
        "incidents": {"total": len(mine), "by_type": {k: int((mine["type"] == k).sum()) for k in INCIDENT_TYPES}},
        "people": {"rescued": int(mine["rescued"].sum()), "evacuated": int(mine["evacuated"].sum())},
        "loss_averted_10k_yuan": round(float(mine["loss_averted_10k_yuan"].sum()), 4),
        "response": {
            "dispatch_to_arrival": {"n": len(d2a), "median_s": float(np.median(d2a)),
                                    "p90_s": float(np.percentile(d2a, 90)),
                                    "within_share": float((d2a <= 300).sum() / len(d2a))},
            "received_to_arrival": {"n": len(r2a), "median_s": float(np.median(r2a)),
                                    "p90_s": float(np.percentile(r2a, 90))},
            "segments": {name: {"n": len(v), "median_s": float(np.median(v)), "p90_s": float(np.percentile(v, 90)),
                                "mean_s": float(v.mean())} for name, v in segments.items()},
            "standard": {"key": "cn", "name": "中国消防站布局要求（建标152、GB 51080）"},
            "compliance": [{"segment": "dispatch_to_arrival", "label": None, "threshold_s": 300, "fractile": None,
                            "n": len(d2a), "share": float((d2a <= 300).mean()), "met": None}],
        },
        "resources": {"vehicles": int(mine["vehicles"].sum()), "personnel": int(mine["personnel"].sum())},
        "monthly": {str(m): int((mine["received_at"].dt.month == m).sum()) for m in range(1, 13)},
        "hourly": {str(h): int((mine["received_at"].dt.hour == h).sum()) for h in range(24)},
        "rows": {"in": len(mine) + merged + quarantined, "kept": len(mine), "merged": merged,
                 "quarantined": quarantined},
    }


@pytest.mark.parametrize("station, year", everyday(PAIRS))
def test_figures_equal_truth(data_dir, truth, station, year):
    got, want = figures(data_dir, station, year), expected(truth, station, year)
    del got["assessments"], got["activities"], got["places"]  # checked in test_sheets_truth and test_places
    for segment in ("dispatch_to_arrival", "received_to_arrival"):
        for key in ("median_s", "p90_s", "within_share"):
            if key in want["response"][segment]:
                assert got["response"][segment][key] == pytest.approx(want["response"][segment].pop(key), abs=1e-9)
                got["response"][segment].pop(key)
    for name, values in want["response"].pop("segments").items():
        mine = got["response"]["segments"].pop(name)
        low, high = mine.pop("p90_interval_s")
        assert low <= mine["p90_s"] <= high
        assert mine == pytest.approx(values, abs=1e-9), name
    got["response"].pop("segments")
    got["response"]["compliance"][0]["share"] = pytest.approx(got["response"]["compliance"][0]["share"], abs=1e-12)
    assert got == want


def test_sample_is_messy_enough_to_matter(truth):
    t = truth.incidents
    assert len(truth.duplicates) / len(t) == pytest.approx(0.02, abs=0.006)
    assert t["flag_arrival_before_dispatch"].sum() > 0
    shares = t["type"].value_counts(normalize=True)
    assert shares.index[:2].tolist() in (["社会救助", "火灾扑救"], ["火灾扑救", "社会救助"])
    assert shares["抢险救援"] > shares["虚假警"] > shares["安保勤务"] > shares["其他"]


def test_any_spelling_of_the_station(data_dir):
    spelled = [figures(data_dir, name, 2024)["incidents"]["total"] for name in ("城东", "城东站", "城东消防救援站")]
    assert len(set(spelled)) == 1 and spelled[0] > 0


def test_unknown_station_is_a_clear_error(data_dir):
    result = CliRunner().invoke(main, ["figures", "--data", str(data_dir), "--station", "火星站", "--year", "2024"])
    assert result.exit_code == 2
    assert "no station '火星站'" in result.output and "城东站" in result.output
