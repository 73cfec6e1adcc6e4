"""Assessments: every result spelling, scoring on both sides of every cut-off, both sheet forms."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firestats.compute.scoring import load_table
from firestats.errors import ScoreTableError
from firestats.ingest import assessments as training
from firestats.privacy import mask_name, redact
from firestats.vocabulary.items import catalogue

TABLE = load_table("example-2024")


@pytest.mark.parametrize(
    "item, cell, value",
    [
        ("3000米跑", "12'35\"", 755), ("3000米跑", "12′35″", 755), ("3000米跑", "12分35秒", 755),
        ("3000米跑", "12:35", 755), ("3000米跑", "755", 755), ("3000米跑", "12.35", 755), ("3000米跑", 755, 755),
        ("3000米跑", "１２分３５秒", 755), ("100米负重跑", "14.5", 14.5), ("100米负重跑", "14.5秒", 14.5),
        ("负重登六楼", "1'02\"", 62), ("单杠引体向上", "15", 15), ("单杠引体向上", "15个", 15),
        ("单杠引体向上", "15次", 15), ("单杠引体向上", 15, 15), ("双杠臂屈伸", " 12 ", 12),
    ],
)
def test_result_spellings(item, cell, value):
    got = training.results(pd.Series([cell], dtype=object), pd.Series([item]))
    assert got.iloc[0] == pytest.approx(value)


@pytest.mark.parametrize("item, cell", [("3000米跑", "很快"), ("单杠引体向上", "-3"), ("单杠引体向上", "十五")])
def test_unreadable_results_are_nan(item, cell):
    assert math.isnan(training.results(pd.Series([cell], dtype=object), pd.Series([item])).iloc[0])


# Lower is better (3000米跑, age 25): 100 at <=720, 90 at <=750, 80 at <=780, 70 at <=810, 60 at <=840.
# Cut-offs: pass 60, good 75, excellent 90; bonus 1 point per 10 s under 720, at most 10.
@pytest.mark.parametrize(
    "result, points, grade",
    [
        (750, 90, "优秀"), (751, 80, "良好"),  # excellent | good
        (780, 80, "良好"), (781, 70, "及格"),  # good | pass
        (840, 60, "及格"), (841, 50, "不及格"),  # pass | fail
        (720, 100, "优秀"), (710, 101, "优秀"), (709, 101, "优秀"),  # bonus steps
        (700, 102, "优秀"), (600, 110, "优秀"),  # bonus cap
        (1000, 0, "不及格"),  # worse than the table
    ],
)
def test_lower_is_better_on_both_sides_of_every_cutoff(result, points, grade):
    assert TABLE.points("3000米跑", result, 25) == points
    assert TABLE.grade(TABLE.points("3000米跑", result, 25)) == grade


# Higher is better (单杠引体向上, age 25): 100 at >=20, 90 at >=17, 80 at >=14, 70 at >=11, 60 at >=8.
# Bonus 2 points per repetition over 20, at most 10.
@pytest.mark.parametrize(
    "result, points, grade",
    [
        (17, 90, "优秀"), (16, 80, "良好"),
        (14, 80, "良好"), (13, 70, "及格"),
        (8, 60, "及格"), (7, 50, "不及格"),
        (20, 100, "优秀"), (21, 102, "优秀"), (26, 110, "优秀"), (0, 0, "不及格"),
    ],
)
def test_higher_is_better_on_both_sides_of_every_cutoff(result, points, grade):
    assert TABLE.points("单杠引体向上", result, 25) == points
    assert TABLE.grade(points) == grade


def test_age_groups_and_their_boundary():
    assert TABLE.points("单杠引体向上", 17, 29) == 90
    assert TABLE.points("单杠引体向上", 17, 30) == 100
    assert math.isnan(TABLE.points("单杠引体向上", 17, None))  # two age groups: age needed


def test_broken_table_names_the_file(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text("cutoffs: {pass: 60, good: 75, excellent: 90}\nitems:\n  3000米跑:\n"
                    "    - ages: [0, 99]\n      table: [[800, 60], [700, 100]]\n", "utf-8")
    with pytest.raises(ScoreTableError, match=r"ours\.yaml: items\.3000米跑: table rows must run from the best"):
        load_table(str(path))


def sheet(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame["source_file"] = "s.xlsx"
    frame["source_row"] = range(3, len(frame) + 3)
    return frame


def test_wide_sheet_with_statuses_and_no_identity_kept():
    base = {"日期": "2024-03-25", "考核类型": "月考", "站": "城东", "身份证号": "320102199001011234",
            "联系电话": "13912345678", "出生日期": "1995-04-01"}
    records, problems = training.to_records(sheet([
        {**base, "姓名": "张小三", "3000米跑": "12'35\"", "单杠引体向上": "缺考"},
        {**base, "姓名": "李四", "3000米跑": "免考", "单杠引体向上": ""},
        {**base, "姓名": "王五", "3000米跑": "太慢", "单杠引体向上": "12个"},
    ]), "s.xlsx")
    assert problems[["source_row", "reason", "column"]].to_dict("records") == [
        {"source_row": 5, "reason": "bad_result", "column": "3000米跑"}]
    table = records.set_index(["person", "item"])
    assert table.loc[("张小三", "3000米跑"), "result"] == 755 and table.loc[("张小三", "3000米跑"), "age"] == 28
    assert table.loc[("张小三", "单杠引体向上"), "status"] == "absent"
    assert table.loc[("李四", "3000米跑"), "status"] == "exempt"
    assert table.loc[("李四", "单杠引体向上"), "status"] == "absent"
    assert not {"id_number", "phone", "身份证号", "联系电话"} & set(records.columns)
    assert not records.astype(str).apply(lambda c: c.str.contains("13912345678|320102199001011234")).any().any()


def test_long_sheet_with_unknown_item_and_kind():
    records, problems = training.to_records(sheet([
        {"日期": "2024/1/5", "考核类型": "每周一测", "站": "城东站", "姓名": "张三", "年龄": "25", "科目": "引体向上",
         "成绩": "15个"},
        {"日期": "2024/1/5", "考核类型": "周测", "站": "城东站", "姓名": "张三", "年龄": "25", "科目": "跳远",
         "成绩": "5"},
        {"日期": "2024/1/5", "考核类型": "拉练", "站": "城东站", "姓名": "张三", "年龄": "25", "科目": "3000米",
         "成绩": "13:00"},
    ]), "w.csv")
    assert records[["kind", "item", "result"]].values.tolist() == [["周测", "单杠引体向上", 15.0]]
    assert problems["reason"].tolist() == ["unknown_kind", "unknown_item"]


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("王", "王")])
def test_masked_names(name, masked):
    assert mask_name(name) == masked


def test_identity_and_phone_numbers_are_redacted():
    text = "联系人 13912345678，身份证 32010219900101123X，编号 2024010001"
    assert redact(text) == "联系人 [电话已隐去]，身份证 [证件号已隐去]，编号 2024010001"


def _one_by_one(item, result, age):
    """The score table read row by row, as a person would: the age group, then the first limit reached."""
    bands = TABLE.bands.get(item, ())
    if age is None:
        band = bands[0] if len(bands) == 1 else None
    else:
        band = next((b for b in bands if b.ages[0] <= age <= b.ages[1]), None)
    if band is None or result is None:
        return math.nan
    lower = catalogue()[item].better == "lower"
    beats = (lambda r, limit: r <= limit) if lower else (lambda r, limit: r >= limit)
    earned = next((p for limit, p in zip(band.limits, band.points) if beats(result, limit)), 0.0)
    if band.bonus_step and beats(result, band.limits[0]):
        beyond = (band.limits[0] - result) if lower else (result - band.limits[0])
        earned += min(math.floor(beyond / band.bonus_step + 1e-9) * band.bonus_points, band.bonus_cap)
    return float(earned)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.sampled_from([*TABLE.bands, "没有的科目"]),
                          st.one_of(st.none(), st.integers(0, 1200), st.floats(0, 1200, allow_nan=False)),
                          st.one_of(st.none(), st.integers(16, 65))), min_size=1, max_size=40))
def test_scoring_a_whole_sheet_equals_scoring_it_row_by_row(rows):
    frame = pd.DataFrame(rows, columns=["item", "result", "age"], dtype=object)
    scored = TABLE.score_frame(frame)
    expected = [_one_by_one(*row) for row in rows]
    assert scored["points"].tolist() == pytest.approx(expected, nan_ok=True)
    assert [None if pd.isna(g) else g for g in scored["grade"]] == [TABLE.grade(p) for p in expected]
