"""Seeded sample score sheets and activity ledgers, with the truth behind them.

Score sheets: weekly tests (周测) as long-form CSV, monthly exams (月考) and competitions (比武)
as wide-form Excel, one column per item, with identity and phone columns that must never reach
a report. Results are spelled as real sheets spell them (``12'35"``, ``12分35秒``, ``12:35``,
``755``, ``12.35``; ``15``, ``15个``), with blanks, 缺考 and 免考. Ledgers drift between category
spellings, carry units on quantities, leave some quantities blank and hold a few rows no one
can use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from firestats.vocabulary.activities import spec as activity_spec
from firestats.vocabulary.items import catalogue

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子"
    "杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮"
    "政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航"
    "弘"
)
# Typical result (median) and spread per item, in the item's unit, for a fit 25-year-old.
ABILITY = {
    "3000米跑": (815.0, 45.0), "1000米跑": (262.0, 15.0), "100米负重跑": (17.0, 1.2),
    "负重登六楼": (59.0, 6.0), "原地着战斗服": (28.0, 3.5), "单杠引体向上": (11.0, 4.0), "双杠臂屈伸": (14.0, 5.0),
}
WEEKLY_ITEMS = ("3000米跑", "100米负重跑", "单杠引体向上", "双杠臂屈伸", "负重登六楼", "原地着战斗服")
POSITIONS = ("消防员", "消防员", "消防员", "班长", "驾驶员", "站长助理")
# category -> (records per year, quantity range, spellings)
ACTIVITY_PLAN = {
    "实地演练": (10, (1, 3), ("实地演练", "演练", "实战演练")),
    "熟悉单位": (30, (1, 5), ("熟悉单位", "熟悉", "六熟悉")),
    "水源普查": (12, (1, 2), ("水源普查", "消防水源普查")),
    "预案修订": (12, (1, 3), ("预案修订", "修订预案")),
    "专项教育": (12, (1, 1), ("专项教育", "专题教育")),
    "日常教育": (40, (1, 1), ("日常教育", "经常性教育")),
    "主题党日": (12, (1, 1), ("主题党日", "党日活动")),
    "酒精测试": (48, (1, 1), ("酒精测试", "酒测")),
    "驾驶员培训": (2, (1, 4), ("驾驶员培训", "培训驾驶员")),
    "无人机培训": (1, (1, 3), ("无人机培训", "飞手培训")),
    "取证": (3, (1, 2), ("取证",)),
    "比武": (1, (1, 1), ("比武",)),
    "获奖": (2, (1, 1), ("获奖", "表彰")),
}
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class SheetsSample:
    """What the sample sheets mean: scored records, ledger records, and the rows to quarantine."""

    assessments: pd.DataFrame  # date, station, kind, person, position, age, item, result, status, rank
    activities: pd.DataFrame  # date, station, category, content, quantity
    junk: pd.DataFrame  # family, station, year, reason


def generate(stations: list[str], years: list[int], seed: int) -> SheetsSample:
    """Draw every station's people, tests and activities for the years (deterministic for a seed)."""
    rng = np.random.default_rng(seed + 7)
    assessments, activities, junk = [], [], []
    for code, station in enumerate(stations):
        people = _people(rng, station, code, len(years))
        for year in years:
            assessments.append(_tests(rng, station, year, people))
            activities.append(_activities(rng, station, year))
            junk.append({"family": "activities", "station": station, "year": year, "reason": "unknown_category"})
    return SheetsSample(pd.concat(assessments, ignore_index=True), pd.concat(activities, ignore_index=True),
                        pd.DataFrame(junk))


def _people(rng: np.random.Generator, station: str, code: int, years: int) -> pd.DataFrame:
    n = int(rng.integers(12, 19))
    names: set[str] = set()
    while len(names) < n:
        given = "".join(rng.choice(list(GIVEN), size=int(rng.choice([1, 2], p=[0.35, 0.65]))))
        names.add(rng.choice(list(SURNAMES)) + given)
    births = [dt.date(int(y), int(m), int(d)) for y, m, d in
              zip(rng.integers(1985, 2004, n), rng.integers(1, 13, n), rng.integers(1, 29, n))]
    return pd.DataFrame({
        "person": sorted(names), "birth": births, "position": rng.choice(POSITIONS, n),
        "id_number": [f"3201{code:02d}{b:%Y%m%d}{rng.integers(100, 999)}{rng.integers(0, 10)}" for b in births],
        "phone": [f"1{rng.choice([3, 5, 7, 8])}{rng.integers(100_000_000, 999_999_999)}" for _ in range(n)],
        "skill": rng.normal(0, 1, n),  # one sd better or worse than typical
    })


def _result(rng: np.random.Generator, item: str, skill: float, month: int) -> float:
    median, spread = ABILITY[item]
    lower = catalogue()[item].better == "lower"
    improvement = (month - 1) / 11 * 0.4  # training shows over the year
    z = skill + improvement + rng.normal(0, 0.5)
    value = median - z * spread if lower else median + z * spread
    if catalogue()[item].unit == "reps":
        return float(max(0, round(value)))
    return round(max(value, median * 0.6), 1 if median < 30 else 0)


def _tests(rng: np.random.Generator, station: str, year: int, people: pd.DataFrame) -> pd.DataFrame:
    rows = []
    start = pd.Timestamp(f"{year}-01-01")
    sessions = [("周测", start + pd.Timedelta(days=7 * w + int(rng.integers(0, 5))),
                 tuple(rng.choice(WEEKLY_ITEMS, size=2, replace=False))) for w in range(52)]
    sessions += [("月考", pd.Timestamp(f"{year}-{m:02d}-{int(rng.integers(20, 28))}"), tuple(ABILITY))
                 for m in range(1, 13)]
    sessions += [("比武", pd.Timestamp(f"{year}-11-{int(rng.integers(5, 25))}"), ("3000米跑", "单杠引体向上"))]
    for kind, date, items in sessions:
        if date.year != year:
            continue
        chosen = people if kind != "比武" else people.nlargest(4, "skill")
        for person in chosen.itertuples():
            age = date.year - person.birth.year - ((date.month, date.day) < (person.birth.month, person.birth.day))
            for item in items:
                draw = rng.random()
                status = "absent" if draw < 0.03 else "exempt" if draw < 0.05 else "present"
                result = _result(rng, item, person.skill, date.month) if status == "present" else np.nan
                rows.append({"date": date, "station": station, "kind": kind, "person": person.person,
                             "position": person.position, "age": float(age), "item": item, "result": result,
                             "status": status, "rank": pd.NA, "id_number": person.id_number,
                             "phone": person.phone, "birth": person.birth})
    frame = pd.DataFrame(rows)
    # A competition places each competitor overall (名次), here the strongest first.
    placing = {p: i for i, p in enumerate(people.nlargest(4, "skill")["person"], start=1)}
    contest = frame["kind"] == "比武"
    frame.loc[contest, "rank"] = frame.loc[contest, "person"].map(placing)
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def _activities(rng: np.random.Generator, station: str, year: int) -> pd.DataFrame:
    rows = []
    for category, (per_year, (low, high), spellings) in ACTIVITY_PLAN.items():
        n = max(1, int(per_year * rng.uniform(0.8, 1.2)))
        days = np.sort(rng.integers(0, 365, n))
        for day in days:
            date = pd.Timestamp(f"{year}-01-01") + pd.Timedelta(days=int(day))
            if date.year != year:
                date = pd.Timestamp(f"{year}-12-31")
            quantity = int(rng.integers(low, high + 1))
            rows.append({"date": date, "station": station, "category": category, "content": _content(rng, category),
                         "quantity": quantity, "spelling": spellings[int(rng.integers(len(spellings)))]})
    return pd.DataFrame(rows)


def _content(rng: np.random.Generator, category: str) -> str:
    if category == "取证":
        return str(rng.choice(["取得B2驾驶证", "取得B2驾驶证", "取得A2驾驶证", "取得无人机驾驶员执照"]))
    if category == "比武":
        return str(rng.choice(["全市冬季训练比武第一名", "支队岗位练兵比武团体第二名", "总队体能比武第三名"]))
    if category == "获奖":
        return str(rng.choice(["岗位练兵先进队站", "青年文明号", "书法类作品三等奖"]))
    return {"实地演练": "辖区重点单位实地演练", "熟悉单位": "熟悉辖区重点单位",
            "水源普查": "辖区市政消火栓普查", "预案修订": "修订灭火作战预案"}.get(category, category)


# --- writing -------------------------------------------------------------------------------

def write(sample: SheetsSample, out_dir: Path, seed: int) -> list[Path]:
    """Write the score sheets and ledgers, one set per year."""
    rng = np.random.default_rng(seed + 8)
    written = []
    for year in sorted(sample.assessments["date"].dt.year.unique()):
        tests = sample.assessments[sample.assessments["date"].dt.year == year]
        written.append(_weekly_csv(rng, tests[tests["kind"] == "周测"], out_dir / f"每周一测成绩_{year}.csv"))
        written.append(_wide_xlsx(rng, tests[tests["kind"] == "月考"], out_dir / f"月考成绩_{year}.xlsx", year,
                                  list(ABILITY), f"{year}年度月考成绩登记表"))
        contest = tests[tests["kind"] == "比武"]
        written.append(_wide_xlsx(rng, contest, out_dir / f"比武成绩_{year}.xlsx", year,
                                  sorted(contest["item"].unique()), f"{year}年度岗位练兵比武成绩"))
        ledger = sample.activities[sample.activities["date"].dt.year == year]
        junk = sample.junk[(sample.junk["year"] == year) & (sample.junk["family"] == "activities")]
        written.append(_ledger(rng, ledger, junk, out_dir / f"工作台账_{year}.csv", year))
    return written


def spell_result(rng: np.random.Generator, item: str, result: float, status: str) -> str:
    """A result as a sheet spells it: the four time spellings (five for long runs), counts with units."""
    if status == "absent":
        return "" if rng.random() < 0.5 else "缺考"
    if status == "exempt":
        return "免考"
    info = catalogue()[item]
    if info.unit == "reps":
        return f"{int(result)}{rng.choice(['', '', '个', '次'])}"
    if result < 60:
        return f"{result:g}" if rng.random() < 0.7 else f"{result:g}秒"
    minutes, seconds = divmod(int(result), 60)
    styles = [f"{minutes}'{seconds:02d}\"", f"{minutes}分{seconds:02d}秒", f"{minutes}:{seconds:02d}", f"{int(result)}"]
    if info.dotted_minutes:
        styles.append(f"{minutes}.{seconds:02d}")
    return styles[int(rng.integers(len(styles)))]


def _weekly_csv(rng: np.random.Generator, tests: pd.DataFrame, path: Path) -> Path:
    kinds = {"周测": ("周测", "每周一测")}
    table = pd.DataFrame({
        "日期": tests["date"].dt.strftime("%Y/%m/%d").str.replace("/0", "/"),
        "考核类型": [kinds["周测"][int(rng.integers(2))] for _ in range(len(tests))],
        "站": tests["station"].str.removesuffix("站"),
        "姓名": tests["person"],
        "岗位": tests["position"],
        "年龄": tests["age"].astype(int).astype(str),
        "科目": tests["item"],
        "成绩": [spell_result(rng, i, r, s) for i, r, s in zip(tests["item"], tests["result"], tests["status"])],
    })
    path.write_bytes(table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
    return path


def _wide_xlsx(rng: np.random.Generator, tests: pd.DataFrame, path: Path, year: int, items: list[str],
               title: str) -> Path:
    """A wide sheet, one column per item: a blank cell there means the person missed the item."""
    keys = ["date", "kind", "station", "person"]
    wide = tests.pivot_table(index=keys, columns="item", values="result", aggfunc="first", dropna=False)
    status = tests.pivot_table(index=keys, columns="item", values="status", aggfunc="first")
    rank = tests.groupby(keys)["rank"].min()
    people = tests.drop_duplicates(keys).set_index(keys)
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        book = writer.book
        book.set_properties({"created": dt.datetime(year + 1, 1, 5)})
        sheet = book.add_worksheet("成绩")
        sheet.write(0, 0, title)
        header = ["日期", "考核类型", "站", "姓名", "身份证号", "联系电话", "岗位", "出生日期", "名次", *items]
        sheet.write_row(1, 0, header)
        for r, key in enumerate(people.index, start=2):
            person = people.loc[key]
            date, kind, station, name = key
            cells = [f"{date:%Y-%m-%d}", kind, station, name, person["id_number"], person["phone"],
                     person["position"], f"{person['birth']:%Y-%m-%d}",
                     "" if pd.isna(rank.get(key)) else f"第{int(rank[key])}名"]
            for item in items:
                value, state = wide.loc[key].get(item), status.loc[key].get(item) if item in status.columns else None
                cells.append("" if state is None or pd.isna(state) else spell_result(rng, item, value, state))
            sheet.write_row(r, 0, cells)
    return path


def _ledger(rng: np.random.Generator, ledger: pd.DataFrame, junk: pd.DataFrame, path: Path, year: int) -> Path:
    units = {name: c["unit"] for name, c in activity_spec()["categories"].items()}
    rows = []
    for r in ledger.itertuples():
        quantity = str(r.quantity)
        roll = rng.random()
        if r.quantity == 1 and roll < 0.3:
            quantity = ""  # a single activity often goes without a number
        elif roll < 0.5:
            quantity = f"{r.quantity}{units[r.category]}"
        elif roll < 0.55:
            quantity = quantity.translate(_FULL_WIDTH)
        note = "联系人 13912345678" if rng.random() < 0.02 else ""
        rows.append([f"{r.date:%Y年%-m月%-d日}", r.station, r.spelling, r.content, quantity, note])
    for j in junk.itertuples():
        rows.append([f"{year}年6月30日", j.station, "其他工作", "清理营区卫生", "1", ""])
    order = rng.permutation(len(rows))
    table = pd.DataFrame([rows[i] for i in order], columns=["日期", "队站", "类别", "内容", "数量", "备注"])
    path.write_bytes(table.to_csv(index=False, lineterminator="\r\n").encode("gb18030"))
    return path
