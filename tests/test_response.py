"""Response segments, standards as data, crews and vehicles: the definitions, on small made-up exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firestats.compute import response
from firestats.compute.station import compute
from firestats.errors import MappingError
from firestats.ingest.mapping import parse_mapping
from firestats.periods import Period
from firestats.schema import FLAG_ARRIVAL_BEFORE_DISPATCH
from firestats.settings import settings
from firestats.store import load
from firestats.store.preparation import build

UNITS = {"name": "units", "fold_units": True, "standard": "nfpa1710", "fields": {
    "incident_id": "Incident", "station": "Station", "received_at": "Received", "dispatched_at": "Dispatch",
    "departed_at": "EnRoute", "arrived_at": "OnScene", "type": {"column": "Kind", "default": "其他"},
    "subtype": "Kind"}}


@pytest.mark.slow
def test_turnout_and_travel_are_the_first_arriving_units_not_each_columns_minimum(tmp_path):
    """Unit E2 is dispatched first but arrives second: turnout and travel are E1's, who arrived first."""
    path = tmp_path / "units.csv"
    path.write_text("Incident,Unit,Station,Received,Dispatch,EnRoute,OnScene,Kind\n"
                    "1,E2,A,2024-03-05 10:00:00,2024-03-05 10:00:30,2024-03-05 10:01:00,2024-03-05 10:09:00,Fire\n"
                    "1,E1,A,2024-03-05 10:00:00,2024-03-05 10:00:50,2024-03-05 10:02:00,2024-03-05 10:05:00,Fire\n",
                    encoding="utf-8")
    data = build([path], parse_mapping(UNITS, "units"))
    segments = compute(data, "A", Period(2024)).figures["response"]["segments"]
    assert segments["call_processing"]["median_s"] == 30  # the first dispatch of any unit
    assert segments["turnout"]["median_s"] == 70  # E1: 10:00:50 -> 10:02:00
    assert segments["travel"]["median_s"] == 180  # E1: 10:02:00 -> 10:05:00
    assert segments["total"]["median_s"] == 300
    assert compute(data, "A", Period(2024)).figures["resources"] == {"vehicles": 2, "personnel": None}


@pytest.mark.slow
def test_of_two_units_on_scene_in_the_same_second_the_first_dispatched_is_the_first_arriving(tmp_path):
    """E2 comes first in the file, E1 was dispatched 20 s earlier: turnout and travel are E1's, in any file order."""
    rows = ["1,E2,A,2024-03-05 10:00:00,2024-03-05 10:00:50,2024-03-05 10:01:30,2024-03-05 10:05:00,Fire",
            "1,E1,A,2024-03-05 10:00:00,2024-03-05 10:00:30,2024-03-05 10:01:10,2024-03-05 10:05:00,Fire"]
    for order in (rows, rows[::-1]):
        path = tmp_path / "units.csv"
        path.write_text("\n".join(["Incident,Unit,Station,Received,Dispatch,EnRoute,OnScene,Kind", *order]) + "\n",
                        encoding="utf-8")
        segments = compute(build([path], parse_mapping(UNITS, "units")), "A", Period(2024)).figures["response"]
        assert segments["segments"]["turnout"]["median_s"] == 40 and segments["segments"]["travel"]["median_s"] == 230


@pytest.mark.slow
def test_the_first_arriving_units_own_times_are_held_to_the_rules_of_the_incidents(tmp_path):
    """E1 arrives first but its dispatch and en route times read hours before the call (Dublin's incident 26678):
    blanked and listed, as the incident's own would be; an export of one row an incident lists its time once."""
    path = tmp_path / "units.csv"
    path.write_text("Incident,Unit,Station,Received,Dispatch,EnRoute,OnScene,Kind\n"
                    "1,E2,A,2024-03-05 19:39:15,2024-03-05 19:40:00,2024-03-05 19:41:00,2024-03-05 19:55:00,Fire\n"
                    "1,E1,A,2024-03-05 19:39:15,2024-03-05 11:50:42,2024-03-07 11:51:00,2024-03-05 19:50:00,Fire\n",
                    encoding="utf-8")
    data = build([path], parse_mapping(UNITS, "units"))
    kept = data.incidents.iloc[0]
    assert pd.isna(kept["first_unit_dispatched_at"]) and pd.isna(kept["first_unit_departed_at"])
    listed = data.problems.loc[data.problems["reason"] != "unit_row", ["reason", "column", "value"]]
    assert listed.values.tolist() == [["implausible_time", "first_unit_departed_at", "2024-03-07 11:51:00"],
                                      ["time_before_call", "dispatched_at", "2024-03-05 11:50:42"]]  # the first too
    segments = compute(data, "A", Period(2024)).figures["response"]["segments"]
    assert segments["turnout"]["n"] == 0 and segments["travel"]["n"] == 0

    single = tmp_path / "single.csv"
    single.write_text("Incident,Unit,Station,Received,Dispatch,EnRoute,OnScene,Kind\n"
                      "1,E1,A,2024-03-05 19:39:15,2024-03-05 11:50:42,,2024-03-05 19:50:00,Fire\n", encoding="utf-8")
    data = build([single], parse_mapping({**UNITS, "fold_units": False}, "units"))
    assert pd.isna(data.incidents.iloc[0]["first_unit_dispatched_at"])
    assert data.problems["column"].tolist() == ["dispatched_at"]


@pytest.mark.parametrize("name", list(settings()["response_standards"]["profiles"]))
def test_every_profile_grades_with_the_thresholds_it_states(name):
    """Each compliance row carries the settings' own number, and the share is graded against it."""
    standard = response.profile(name)
    rng = np.random.default_rng(7)
    seconds = pd.DataFrame({s: rng.integers(10, 600, 200).astype(float) for s in response.SEGMENTS})
    incidents = pd.DataFrame({"subtype": rng.choice(["Medical Incident", "Structure Fire"], 200)})
    rows = response.compliance(seconds, incidents, standard)
    assert [r["threshold_s"] for r in rows] == [t["seconds"] for t in standard["thresholds"]]
    for row, rule in zip(rows, standard["thresholds"]):
        values = seconds[rule["segment"]]
        if rule.get("subtype"):
            medical = incidents["subtype"].str.contains(rule["subtype"])
            values = values[~medical if rule.get("except") else medical]
        assert row["share"] == pytest.approx((values <= rule["seconds"]).mean())
        assert row["met"] == (None if rule["fractile"] is None else row["share"] >= rule["fractile"])
        assert rule["source"]


def test_nfpa_1710_thresholds_are_the_standards():
    thresholds = {(t["segment"], t.get("label")): (t["seconds"], t["fractile"])
                  for t in response.profile("nfpa1710")["thresholds"]}
    assert thresholds == {("call_processing", None): (64, 0.9), ("turnout", "火灾及特种作业"): (80, 0.9),
                          ("turnout", "医疗急救"): (60, 0.9), ("travel", None): (240, 0.9)}
    cn = response.profile("cn")["thresholds"]
    assert [(t["segment"], t["seconds"], t["fractile"]) for t in cn] == [("dispatch_to_arrival", 300, None)]


def test_the_home_office_leaves_out_totals_under_a_minute_or_over_an_hour_and_incidents_out_of_order_whole():
    call = pd.Timestamp("2024-03-05 10:00")

    def at(seconds: list[int | None]) -> list[pd.Timestamp]:
        return [pd.NaT if s is None else call + pd.Timedelta(seconds=s) for s in seconds]

    incidents = pd.DataFrame({"received_at": [call] * 6, "dispatched_at": at([10, 10, 10, 10, 10, 60]),
                              "departed_at": at([20, 20, 20, 20, 20, 30]),  # the last en route before dispatch
                              "arrived_at": at([30, 61, 3599, 3700, None, 300]),
                              FLAG_ARRIVAL_BEFORE_DISPATCH: False})
    seconds = response.segment_seconds(incidents)
    assert response.excluded(seconds, incidents, response.profile("uk")).tolist() == [True, False, False, True,
                                                                                    False, True]
    assert not response.excluded(seconds, incidents, response.profile("cn")).any()
    assert seconds["turnout"].isna().tolist() == [False] * 5 + [True]  # elsewhere only the step is left out
    assert response.minute_bands(pd.Series([61.0, 119.0, 120.0, 5000.0])) == {
        **{f"{m}-{m + 1}": 0 for m in range(20)}, "1-2": 2, "2-3": 1, "20+": 1}


def test_the_90th_percentile_interval_is_seeded_and_holds_the_estimate():
    values = pd.Series(np.random.default_rng(3).gamma(5, 60, 400))
    first, again = response.summary(values), response.summary(values)
    assert first["p90_interval_s"] == again["p90_interval_s"]
    low, high = first["p90_interval_s"]
    assert low < first["p90_s"] < high and high - low < 0.5 * first["p90_s"]
    assert response.summary(values.head(5))["p90_interval_s"] is None  # below the minimum n: no interval


def test_segments_bootstrapped_side_by_side_get_each_its_own_interval():
    """The segments' bootstraps run on threads at once; each is its own seeded draw, as if run alone."""
    rng = np.random.default_rng(4)
    segments = {name: pd.Series(rng.gamma(3 + i, 40, 300 + 50 * i)) for i, name in enumerate(response.GRADED)}
    found = response.summaries(segments | {"few": pd.Series([1.0, 2.0])})
    for name, seconds in segments.items():
        assert found[name] == response.summary(seconds)
        assert found[name]["p90_interval_s"] == response.p90_interval(seconds.to_numpy())
    assert found["few"]["p90_interval_s"] is None and found["few"]["n"] == 2


def test_a_mapping_names_a_standard_the_settings_know():
    assert parse_mapping(UNITS, "units").standard == "nfpa1710"
    with pytest.raises(MappingError, match="not a profile"):
        parse_mapping({**UNITS, "standard": "iso"}, "units")


@pytest.mark.parametrize("n", [1, 2, 11, 20, 21, 57, 400])
@pytest.mark.parametrize("width", [np.int16, np.int32])  # ranks sorted whole, or the two selected
def test_a_resampled_percentile_is_numpys_to_the_last_bit(n: int, width: type):
    rng = np.random.default_rng(n)
    for values in (rng.gamma(5, 60, n), rng.integers(0, 4, n).astype(float)):  # spread, and ties
        order = np.argsort(values, kind="stable")
        ranks = np.empty(n, dtype=width)
        ranks[order] = np.arange(n, dtype=width)
        draws = rng.integers(0, n, size=(200, n))
        for q in (2.5, 50, 90, 97.5):
            assert np.array_equal(response.resampled_percentile(values[order], ranks[draws], q),
                                  np.percentile(values[draws], q, axis=1))


@given(st.lists(st.tuples(st.integers(-1, 5), st.one_of(st.floats(0, 7200), st.sampled_from([np.nan, 60.0, 61.5]))),
                max_size=60))
def test_grouped_percentiles_are_numpys_for_each_groups_values_alone_to_the_last_bit(rows):
    """Six groups' values (NaN, code -1: counted in none; spread, and ties) in one pass: each group's count and
    percentiles are those np.percentile gives its values alone."""
    codes = np.array([c for c, _ in rows], dtype=np.intp)
    values = np.array([v for _, v in rows], dtype=float)
    qs = (2.5, 50, 90, 97.5)
    n, found = response.grouped_percentiles(values, codes, 6, qs)
    for group in range(6):
        own = values[(codes == group) & ~np.isnan(values)]
        assert n[group] == own.size
        want = np.percentile(own, qs) if own.size else np.full(len(qs), np.nan)
        assert np.array_equal(found[:, group], want, equal_nan=True), group


def test_segment_seconds_are_pandas_differences_of_the_times_to_the_last_bit(prepared):
    """Each segment is pandas' seconds between its two times (nanoseconds over 10⁹), NaN where a time is missing,
    negative, a day or more (an arrival a whole day after its call), or the arrival flagged; and an incident out of
    order is one with a negative segment or the flag."""
    incidents = load(prepared).incidents
    arrived, dispatched, at = incidents["arrived_at"], incidents["dispatched_at"], incidents.index
    arrived = arrived.mask(at % 7 == 0).mask(at % 13 == 1, incidents["received_at"] + pd.Timedelta(days=1))
    dispatched = dispatched.mask(at % 11 == 0, arrived + pd.Timedelta(seconds=1.5))  # after its arrival
    incidents = incidents.assign(arrived_at=arrived, dispatched_at=dispatched)
    flagged = incidents[FLAG_ARRIVAL_BEFORE_DISPATCH].astype(bool)
    got, raw = response.segment_seconds(incidents), {}
    for name, (start, end) in response.SEGMENTS.items():
        raw[name] = (incidents[end] - incidents[start]).dt.total_seconds()
        want = raw[name].where((raw[name] >= 0) & (raw[name] < 86_400) & ~flagged)
        assert np.array_equal(got[name].to_numpy(), want.to_numpy(), equal_nan=True), name
    assert got["dispatch_to_arrival"].isna().sum() > len(incidents) / 7
    negative = pd.DataFrame(raw).lt(0).any(axis=1)
    assert negative.any() and response.out_of_order(incidents).equals(negative | flagged)
