"""The annual text's rounding and gaps, the 存在问题 rules at their boundaries, year-on-year, exports."""

import pandas as pd
import pytest

from firestats import wording
from firestats.compute import compare, findings
from firestats.publish import exports, narrative
from firestats.settings import use_settings
from firestats.wording import percentile


@pytest.mark.parametrize("value, shown", [(0, 0), (9, 9), (10, 10), (19, 10), (123, 120), (999, 990),
                                          (1000, 1000), (2345, 2300), (45.9, 40)])
def test_round_down(value, shown):
    assert wording.round_down(value) == shown


def figures(**parts):
    base = {"station": "城东站", "year": 2024,
            "incidents": {"total": 123, "by_type": {"火灾扑救": 40, "抢险救援": 30, "社会救助": 53}},
            "people": {"rescued": 5, "evacuated": 7}, "loss_averted_10k_yuan": 12.5,
            "response": {"dispatch_to_arrival": {"n": 100, "median_s": 250.0, "p90_s": 400.0,
                                                 "within_share": 0.8}},
            "assessments": None, "activities": None}
    base.update(parts)
    return base


def test_余_only_where_the_figure_is_not_round():
    acts = {"field_drills": 120, "unit_visits": 123}
    texts = {k: f.text for k, f in narrative.annual_figures(figures(activities=acts)).items()}
    assert texts["drills"] == "120次" and texts["visits"] == "120余家次"


# --- 存在问题: every rule just inside and just past its threshold -------------------------

def assessed(rate: float) -> dict:
    return figures(assessments={"weakest_items": ["双杠臂屈伸"],
                                "by_item": {"双杠臂屈伸": {"n": 50, "pass_rate": rate}}})


def test_weakest_item_boundary():
    rule = {"below_pass_rate": 0.9, "source": "s"}
    assert findings.weakest_item(assessed(0.90), rule) is None
    assert findings.weakest_item(assessed(0.8996), rule) is None  # written 90.0%: not below 90%
    found = findings.weakest_item(assessed(0.8994), rule)
    assert found.rule == "weakest_item" and "双杠臂屈伸及格率为89.9%" in found.text
    assert "weakest" not in found.text and found.threshold == 0.9


def test_beyond_5min_boundary():
    rule = {"above_share": 0.2, "source": "s"}

    def within(share):
        return figures(response={"dispatch_to_arrival": {"n": 100, "within_share": share}})

    assert findings.beyond_5min(within(0.8), rule) is None
    found = findings.beyond_5min(within(0.79), rule)
    assert found and "21.0%" in found.text and "有出动和到场时间的100起中有21起" in found.text
    assert "n=" not in found.text


def incidents(n: int, dispatch_to_arrival_s: float, turnout_s: float = 30, missing: int = 0,
              month: int = 3, hour: int = 10) -> pd.DataFrame:
    received = pd.Series([pd.Timestamp(2024, month, 5, hour, 0)] * n)
    dispatched = received + pd.Timedelta(seconds=30)
    arrived = dispatched + pd.Timedelta(seconds=dispatch_to_arrival_s)
    frame = pd.DataFrame({"received_at": received, "dispatched_at": dispatched,
                          "departed_at": dispatched + pd.Timedelta(seconds=turnout_s), "arrived_at": arrived,
                          "flag_arrival_before_dispatch": False})
    frame.loc[: missing - 1, "arrived_at"] = pd.NaT
    return frame


def test_slow_periods_boundary():
    rule = {"median_above_seconds": 300, "min_n": 20, "source": "s"}
    assert findings.slow_months(incidents(20, 300), rule) is None
    assert findings.slow_months(incidents(20, 300.4), rule) is None  # written 5分00秒: not over 5 minutes
    found = findings.slow_months(incidents(20, 301), rule)
    assert found.text == "3月的警情出动至到场用时中位数超过5分钟（为5分01秒）"
    hours = findings.slow_hours(incidents(20, 301), rule)
    assert hours.text == "接警时段为10时的警情出动至到场用时中位数超过5分钟（为5分01秒）"
    assert findings.slow_months(incidents(19, 900), rule) is None  # too few to judge


def test_turnout_boundary():
    rule = {"above_seconds": 60, "above_share": 0.2, "source": "s"}
    slow = pd.concat([incidents(8, 200, turnout_s=60), incidents(2, 200, turnout_s=61)], ignore_index=True)
    assert findings.turnout(slow, rule) is None  # 60 s is within; 20% is not above 20%
    slower = pd.concat([incidents(7, 200, turnout_s=60), incidents(3, 200, turnout_s=61)], ignore_index=True)
    assert findings.turnout(slower, rule).value == pytest.approx(0.3)


def test_missing_times_boundary():
    rule = {"above_share": 0.05, "source": "s"}
    assert findings.missing_times(incidents(100, 200, missing=5), rule) is None
    assert findings.missing_times(incidents(100, 200, missing=6), rule).value == pytest.approx(0.06)


def test_an_export_without_a_dispatch_column_gets_a_data_note_not_a_finding():
    """A column the export lacks is no shortcoming of the station's: no finding, a data note in its language."""
    london = incidents(30, 200).assign(dispatched_at=pd.NaT, departed_at=pd.NaT)
    assert findings.missing_times(london, {"above_share": 0.05, "source": "s"}) is None
    assert findings.data_notes(london) == ["导出的警情记录没有出动时间（共30起均无此列），"
                                           "出动至到场、接警处理、出动准备用时无法统计"]
    assert findings.data_notes(london, "en") == ["The export has no dispatch time for its 30 incidents; dispatch to "
                                                 "arrival, call handling and turnout are not computed"]
    assert findings.data_notes(incidents(30, 200)) == []


def test_year_on_year():
    this, last = figures(), figures(incidents={"total": 100, "by_type": {"火灾扑救": 40, "抢险救援": 0}})
    rows = {r["key"]: r for r in compare.year_on_year(this, last)}
    assert rows["incidents.total"]["change"] == 23 and rows["incidents.total"]["change_pct"] == pytest.approx(23.0)
    assert rows["incidents.by_type.抢险救援"]["change_pct"] is None  # from 0: no per cent
    assert rows["activities.field_drills"]["this"] is None and rows["activities.field_drills"]["change"] is None
    assert compare.year_on_year(this, None) is None


@pytest.mark.parametrize("cell, safe", [("=1+1", "'=1+1"), ("+86", "'+86"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("城东站", "城东站"), (12, 12)])
def test_spreadsheet_formulas_are_neutralised(cell, safe):
    assert exports.neutralise(cell) == safe


def test_percentiles_withheld_below_n():
    assert percentile(250.0, 19).startswith("样本不足（n=19<20）")
    assert percentile(250.0, 20) == "4分10秒"


def test_notable_incidents_with_few_times_recorded():
    """An export with no clearing times and nobody rescued still lists its rare kinds."""
    from firestats.compute import notable

    rows = pd.DataFrame({
        "received_at": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00"]), "arrived_at": pd.NaT,
        "cleared_at": pd.NaT, "type": ["抢险救援", "抢险救援"], "subtype": ["山体滑坡", "交通事故"],
        "district": [None, "东城"], "address": ["<b>路</b>", None], "rescued": pd.array([0, 0], dtype="Int64"),
    })
    assert notable.most_rescued(rows).empty and notable.longest_on_scene(rows).empty
    found = notable.notable(rows, {"山体滑坡": 1, "交通事故": 90})
    assert found.rare.values.tolist() == [["山体滑坡", 1, "03月01日"]]
    assert found.named[0] == {"date": "2024-03-01", "place": "<b>路</b>", "kind": "山体滑坡"}


def test_余_only_from_the_settings_threshold(tmp_path):
    """17 drills are 17次 (never 10余次): a figure below wording.approx_from (100) is written exact; a unit that
    writes 余 from 10 on says so in its settings."""
    assert narrative.written("activities.field_drills", 17) == "17次"
    assert narrative.written("activities.field_drills", 123) == "120余次"
    unit = tmp_path / "firestats.yaml"
    unit.write_text("wording: {approx_from: 10}\n", encoding="utf-8")
    use_settings(unit)
    try:
        assert narrative.written("activities.field_drills", 17) == "10余次"
    finally:
        use_settings(None)


def test_notable_incidents_are_the_heaviest_and_the_rarest_not_the_first_by_date():
    from firestats.compute import notable

    day = pd.Timestamp("2024-01-20 10:00")
    rows = pd.DataFrame({
        "received_at": [day, day + pd.Timedelta(days=11), day + pd.Timedelta(days=20), pd.Timestamp("2024-08-23"),
                        pd.Timestamp("2024-04-21"), pd.Timestamp("2024-02-01")],
        "arrived_at": pd.NaT, "cleared_at": pd.NaT,
        "type": ["火灾扑救", "火灾扑救", "火灾扑救", "抢险救援", "抢险救援", "虚假警"],
        "subtype": ["草地山林火灾", "草地山林火灾", "草地山林火灾", "山体滑坡", "危化品泄漏", "误报"],
        "district": ["甲", "乙", "丙", "丁", "戊", "己"], "address": None,
        "rescued": pd.array([0, 0, 0, 6, 0, 0], dtype="Int64"),
    })
    detachment = {"草地山林火灾": 11, "山体滑坡": 2, "危化品泄漏": 1, "误报": 1}
    named = [n["kind"] for n in notable.notable(rows, detachment).named]
    assert named == ["山体滑坡", "危化品泄漏", "草地山林火灾"]  # 6 rescued and rare; the rarest; then by date
    assert notable.notable(rows, detachment).rare["kind"].tolist() == ["危化品泄漏", "山体滑坡"]  # 11 is not rare
