"""`firestats figures` for assessments and activities against the generator's truth, scored independently."""

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from conftest import everyday

from firestats.cli import main
from firestats.privacy import mask_name
from firestats.sample import STATIONS, YEARS, generate_sheets

REPO_TABLE = "firestats/data/score_tables/example-2024.yaml"
ITEMS = "firestats/data/assessments.yaml"
ACTIVITIES = "firestats/data/activities.yaml"


@pytest.fixture(scope="module")
def data_dir(prepared):
    """The bundled sample prepared (test_sample checks it is what the generator writes)."""
    return prepared


@pytest.fixture(scope="module")
def sheets():
    return generate_sheets()


def independent_points(table: dict, better: dict, item: str, result: float, age: float) -> float:
    """Points the plain way: walk the table rows, add the bonus, cap it."""
    for band in table["items"][item]:
        low, high = band["ages"]
        if low <= age <= high:
            rows = band["table"]
            lower = better[item] == "lower"
            points = 0
            for limit, p in rows:
                if (result <= limit) if lower else (result >= limit):
                    points = p
                    break
            bonus = band.get("bonus")
            best = rows[0][0]
            if bonus and ((result <= best) if lower else (result >= best)):
                steps = int(((best - result) if lower else (result - best)) / bonus["step"] + 1e-9)
                points += min(steps * bonus["points"], bonus["cap"])
            return points
    raise AssertionError(f"no age group for {age}")


def close(got, want) -> bool:
    """Equal, with floats compared to 1e-12 (two ways of averaging differ in the last bit)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(close(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(close, got, want))
    if isinstance(want, float):
        return got == pytest.approx(want, abs=1e-12)
    return got == want


def rates(points: list[float], cut: dict) -> dict:
    n = len(points)
    return {"n": n, "pass_rate": sum(p >= cut["pass"] for p in points) / n,
            "excellent_rate": sum(p >= cut["excellent"] for p in points) / n,
            "mean_points": round(sum(points) / n, 2)}


def expected_assessments(truth, station: str, year: int, root) -> dict:
    table = yaml.safe_load((root / REPO_TABLE).read_text("utf-8"))
    better = {i["name"]: i["better"] for i in yaml.safe_load((root / ITEMS).read_text("utf-8"))["items"]}
    cut = table["cutoffs"]
    mine = truth[(truth["station"] == station) & (truth["date"].dt.year == year)]
    present = mine[mine["status"] == "present"].copy()
    present["points"] = [independent_points(table, better, i, r, a)
                         for i, r, a in zip(present["item"], present["result"], present["age"])]
    sessions = {(d, k) for d, k in zip(mine["date"], mine["kind"])}
    by_item = {item: rates(list(rows["points"]), cut) for item, rows in present.groupby("item")}
    order = sorted(by_item, key=lambda i: (by_item[i]["pass_rate"], by_item[i]["excellent_rate"],
                                           by_item[i]["mean_points"]))
    contest = mine[(mine["kind"] == "比武") & mine["rank"].notna()].drop_duplicates(["date", "person"])
    contest = contest.sort_values(["date", "rank"])
    people, seen = {}, {}
    for person, rows in present.groupby("person"):  # two people masked alike stay two: 许*, 许*（2）
        label = mask_name(person)
        seen[label] = seen.get(label, 0) + 1
        label = label if seen[label] == 1 else f"{label}（{seen[label]}）"
        people[label] = {str(m): round(float(g["points"].mean()), 2) for m, g in rows.groupby(rows["date"].dt.month)}
    return {
        "tests": {k: sum(1 for _, kind in sessions if kind == k) for k in ("周测", "月考", "比武")},
        "participants": present["person"].nunique(), "results": len(present),
        "absent": int((mine["status"] == "absent").sum()), "exempt": int((mine["status"] == "exempt").sum()),
        "overall": rates(list(present["points"]), cut),
        "by_item": by_item,
        "by_month": {str(m): rates(list(rows["points"]), cut) for m, rows in present.groupby(present["date"].dt.month)},
        "weakest_items": order[:3], "strongest_items": order[::-1][:3],
        "competitions": [{"date": f"{r.date:%Y-%m-%d}", "person": mask_name(r.person), "rank": int(r.rank)}
                         for r in contest.itertuples()],
        "people": people,
    }


def expected_activities(truth, station: str, year: int, root) -> dict:
    spec = yaml.safe_load((root / ACTIVITIES).read_text("utf-8"))
    mine = truth[(truth["station"] == station) & (truth["date"].dt.year == year)]
    out = {}
    for name, category in spec["categories"].items():
        rows = mine[mine["category"] == name].sort_values("date", kind="stable")
        key = category["figure"]
        if key in ("awards", "competitions"):
            out[key] = sorted(({"date": f"{r.date:%Y-%m-%d}", "content": r.content} for r in rows.itertuples()),
                              key=lambda e: e["date"])
        elif key == "licences":
            kinds = {}
            for r in rows.itertuples():
                found = re.search("|".join(spec["licence_kinds"]), r.content)
                kind = found.group(0) if found else "其他"
                kinds[kind] = kinds.get(kind, 0) + r.quantity
            out[key] = kinds or None
        else:
            out[key] = int(rows["quantity"].sum()) if len(rows) else None
    return out


@pytest.mark.parametrize("station, year", everyday([(s, y) for y in YEARS for s in STATIONS]))
def test_sheet_figures_equal_truth(data_dir, sheets, station, year, request):
    root = request.config.rootpath
    result = CliRunner().invoke(main, ["figures", "--data", str(data_dir), "--station", station, "--year", str(year)])
    got = json.loads(result.output)
    assessments = got["assessments"]
    assert assessments.pop("score_table")["version"] == "example-2024"
    want = json.loads(json.dumps(expected_assessments(sheets.assessments, station, year, root)))
    assert assessments.keys() == want.keys()
    for key in want:
        assert close(assessments[key], want[key]), key
    assert got["activities"] == expected_activities(sheets.activities, station, year, root)


def test_names_shown_only_when_asked(data_dir):
    masked = CliRunner().invoke(main, ["figures", "--data", str(data_dir), "--station", "城东", "--year", "2024"])
    named = CliRunner().invoke(main, ["figures", "--data", str(data_dir), "--station", "城东", "--year", "2024",
                                      "--names"])
    people_masked = json.loads(masked.output)["assessments"]["people"]
    people_named = json.loads(named.output)["assessments"]["people"]
    assert all("*" in p for p in people_masked) and not any("*" in p for p in people_named)
    assert len(people_named) == len(people_masked)
    assert {mask_name(p) for p in people_named} == {p.split("（")[0] for p in people_masked}


def test_a_units_own_score_table(data_dir, tmp_path, request):
    """A unit's table, passed by path, grades the same results and names itself in the figures."""
    own = yaml.safe_load((request.config.rootpath / REPO_TABLE).read_text("utf-8"))
    own.update(version="ours-2025", title="本单位评分表", official=True,
               cutoffs={"pass": 95, "good": 97, "excellent": 99})
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(own, allow_unicode=True), "utf-8")
    args = ["figures", "--data", str(data_dir), "--station", "城东", "--year", "2024"]
    default = json.loads(CliRunner().invoke(main, args).output)["assessments"]
    ours = json.loads(CliRunner().invoke(main, [*args, "--score-table", str(path)]).output)["assessments"]
    assert ours["score_table"] == {"version": "ours-2025", "title": "本单位评分表", "official": True}
    assert ours["overall"]["pass_rate"] < default["overall"]["pass_rate"]
    assert ours["overall"]["mean_points"] == default["overall"]["mean_points"]
    missing = CliRunner().invoke(main, [*args, "--score-table", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "no such score table" in missing.output


def own_table(tmp_path, request) -> str:
    """A unit's own score table, stricter than the example's: its file's path."""
    own = yaml.safe_load((request.config.rootpath / REPO_TABLE).read_text("utf-8"))
    own.update(version="ours-2025", cutoffs={"pass": 95, "good": 97, "excellent": 99})
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(own, allow_unicode=True), "utf-8")
    return str(path)


def graded_pass_rate(data_dir, station: str, year: int, table: str) -> float:
    """A station's overall pass rate of a year as `firestats figures --score-table` gives it."""
    args = ["figures", "--data", str(data_dir), "--station", station, "--year", str(year), "--score-table", table]
    return json.loads(CliRunner().invoke(main, args).output)["assessments"]["overall"]["pass_rate"]


def test_the_years_behind_a_report_are_graded_by_its_own_score_table(data_dir, tmp_path, request):
    """Every year of the trend is graded by the table the report is: each year's pass rate is what `figures` gives
    that year with the same table, never the example table's."""
    from firestats.publish.station_report import station_report
    from firestats.request import Request

    path = own_table(tmp_path, request)
    years = station_report(Request.of("城东", YEARS[-1], data_dir, score_table=path)).years
    for year in YEARS:
        assert years.loc[year, "assessments.overall.pass_rate"] == pytest.approx(graded_pass_rate(data_dir, "城东",
                                                                                                   year, path))


@pytest.mark.slow
def test_the_overview_and_a_levels_stations_are_graded_by_the_score_table_asked_for(data_dir, tmp_path, request):
    """A batch's --score-table grades every station alike: the overview's and the 支队 report's rows of each station
    are what `figures` gives it with the same table, as its own page is."""
    from firestats.compute.compare import value_at
    from firestats.periods import Period
    from firestats.publish.overview import compact_overview, detachment_overview
    from firestats.publish.station_report import station_report
    from firestats.request import Options, Request
    from firestats.store.dataset import load
    from firestats.vocabulary.hierarchy import levels

    path, year, key = own_table(tmp_path, request), YEARS[-1], "assessments.overall.pass_rate"
    view = detachment_overview(Request.of(None, year, data_dir, score_table=path))
    detachment = next(level for level in levels(load(data_dir).station_years()) if level.kind == "支队")
    members = station_report(Request.of(detachment.name, year, data_dir, detachment.kind, score_table=path)).members
    compact = compact_overview(load(data_dir), Period(year), view.stations, Options(score_table=path))  # many stations'
    for station in view.stations:
        graded = graded_pass_rate(data_dir, station, year, path)
        assert value_at(view.figures[station], key) == pytest.approx(graded)
        assert value_at(members.figures[station], key) == pytest.approx(graded)
        assert value_at(compact.figures[station], key) == pytest.approx(graded)
