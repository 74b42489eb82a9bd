"""考核评价: hand-computed scores, ranks, grades and quota; invariants with hypothesis."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from decimal import Decimal
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import Campaign
from hypothesis import given
from hypothesis import strategies as st

from siyi_xlsx.cli import main
from siyi_xlsx.compute.scoring import (
    Adjustment,
    RaterScore,
    SourceScore,
    r2,
    rater_mean,
    score_units,
    trim,
)
from siyi_xlsx.errors import CampaignError
from siyi_xlsx.read.master import MASTER_FILE

# meant to keep the module on one pytest-xdist worker (`scored_template` once); with pytest 9,
# xdist 3.8 ignores xdist_group, so each worker may prepare it
pytestmark = pytest.mark.xdist_group("scoring")

W = {"self": 20.0, "team": 30.0, "public": 20.0, "leader": 30.0}
BANDS = (90.0, 80.0, 60.0)


def row(code, group, self_, team, public, leader, adjustments=()):
    values = {"self": self_, "team": team, "public": public, "leader": leader}
    return {
        "code": code,
        "name": code,
        "kind": group,
        "group": group,
        "sources": {
            k: SourceScore(None if v is None else r2(v), "") for k, v in values.items()
        },
        "adjustments": list(adjustments),
    }


JF01 = Adjustment("JF01", "表彰奖励", +1, 1, 1.0, 3.0, "")
KF01 = Adjustment("KF01", "严重滞后", -1, 2, 1.0, 5.0, "")
KF02 = Adjustment("KF02", "逾期节点", -1, 20, 0.2, 3.0, "")  # 4 points, capped at 3


def hand_case(reweight=True, quota=25.0):
    rows = [
        row("A", "区直部门", 95, 92, 90, 94, [JF01]),
        row("B", "区直部门", 90, 95, 88, 92, [KF01]),
        row("C", "区直部门", 100, 90, None, 90),
        row("D", "区直部门", 60, 50, 40, 55, [KF02]),
        row("E", "乡镇街道", 85, 85, 85, 85),
        row("F", "乡镇街道", 85, 85, 85, 85),
        row("G", "乡镇街道", 70, 70, 70, 70),
    ]
    return {u.code: u for u in score_units(rows, W, reweight, BANDS, quota, True)}


def test_hand_computed_case():
    u = hand_case()
    # A: 0.2×95 + 0.3×92 + 0.2×90 + 0.3×94 = 92.8, +1 表彰 = 93.8
    assert (u["A"].weighted, u["A"].bonus, u["A"].final) == (
        D("92.80"),
        D("1.00"),
        D("93.80"),
    )
    # B: 18 + 28.5 + 17.6 + 27.6 = 91.7, −2 (2 × 1) = 89.7
    assert (u["B"].weighted, u["B"].deduction, u["B"].final) == (
        D("91.70"),
        D("2.00"),
        D("89.70"),
    )
    # C: public missing, re-weighted over 80%: (20×100 + 30×90 + 30×90) ÷ 80 = 92.5
    assert (
        u["C"].final == 92.5 and u["C"].base == 80 and "按其余来源权重折算" in u["C"].note
    )
    assert u["C"].contribution["self"] == 25  # 100 × 20 ÷ 80
    # D: 12 + 15 + 8 + 16.5 = 51.5, −3 (20 × 0.2 = 4, capped at 3) = 48.5
    assert (u["D"].weighted, u["D"].deduction, u["D"].final) == (
        D("51.50"),
        D("3.00"),
        D("48.50"),
    )
    assert [u[c].rank for c in "ABCD"] == [1, 3, 2, 4]
    # quota 25% of 4 = 1: A is 优秀, C (92.5 ≥ 90) drops to 良好
    assert [u[c].grade for c in "ABCD"] == ["优秀", "良好", "良好", "较差"]
    assert (
        u["C"].band == "优秀" and "名额已由得分更高的 1 个单位用完" in u["C"].quota_note
    )
    # a tie shares the rank and the next rank is skipped
    assert [u[c].rank for c in "EFG"] == [1, 1, 3]
    assert [u[c].grade for c in "EFG"] == ["良好", "良好", "一般"]


def test_missing_source_scored_zero_under_the_other_policy():
    u = hand_case(reweight=False)
    # C: (20×100 + 30×90 + 0 + 30×90) ÷ 100 = 74.0
    assert u["C"].final == 74.0 and u["C"].grade == "一般" and "按 0 分计" in u["C"].note
    assert u["C"].base == 100 and u["C"].contribution["public"] == 0


def test_a_tie_across_the_quota_drops_every_tied_unit():
    rows = [
        row("X", "g", 95, 95, 95, 95),
        row("Y", "g", 92, 92, 92, 92),
        row("Z", "g", 92, 92, 92, 92),
    ]
    u = {x.code: x for x in score_units(rows, W, True, BANDS, 66.7, True)}
    # ⌊3 × 66.7%⌋ = 2 places; Y and Z tie for the second: granting both would make 3
    assert [u[c].grade for c in "XYZ"] == ["优秀", "良好", "良好"]


def _raters(*scores):
    return [
        RaterScore(f"R{i}", "专班", f"f{i}.xlsx", Decimal(str(v)), Decimal(100))
        for i, v in enumerate(scores)
    ]


def test_trimming_drops_one_highest_and_one_lowest_above_the_count():
    assert rater_mean(trim(_raters(80, 90), 5)) == 85
    five = trim(_raters(60, 80, 82, 84, 100), 5)  # exactly 5: nothing dropped
    assert not any(r.dropped for r in five) and rater_mean(five) == Decimal("81.20")
    six = trim(_raters(60, 80, 82, 84, 86, 100), 5)  # six raters: drop 100 and 60
    assert [(r.score, r.dropped) for r in six if r.dropped] == [
        (60, "去掉最低分"),
        (100, "去掉最高分"),
    ]
    assert rater_mean(six) == 83


def test_rater_scores_are_rounded_before_they_are_averaged():
    # 2 ÷ 3 × 100 = 66.666… → 66.67; 1 ÷ 3 × 100 = 33.33; mean (66.67 + 33.33) ÷ 2 = 50.00
    raters = [
        RaterScore("甲", "专班", "a", Decimal(2), Decimal(3)),
        RaterScore("乙", "专班", "b", Decimal(1), Decimal(3)),
    ]
    assert [r.score for r in raters] == [Decimal("66.67"), Decimal("33.33")]
    assert rater_mean(raters) == Decimal("50.00")
    # half up, not to even: 0.125 → 0.13; 2.675 (a float that prints so) → 2.68
    assert r2(Decimal("0.125")) == Decimal("0.13") and r2(2.675) == Decimal("2.68")


scores = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False))  # fmt: skip


@st.composite
def campaigns(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    return [
        row(
            f"U{i}",
            draw(st.sampled_from(["区直部门", "乡镇街道"])),
            draw(scores),
            draw(scores),
            draw(scores),
            draw(scores),
        )
        for i in range(n)
    ]


@given(
    campaigns(),
    st.booleans(),
    st.integers(0, 3),
    st.floats(min_value=0, max_value=100),
    st.integers(0, 11),
)
def test_raising_one_source_never_lowers_the_total(
    rows, reweight, source_index, raise_to, which
):
    source = ["self", "team", "public", "leader"][source_index]
    which %= len(rows)
    before = score_units(rows, W, reweight, BANDS, 20, True)[which]
    current = rows[which]["sources"][source].value
    if current is None or r2(raise_to) <= current:
        return
    rows[which]["sources"][source] = SourceScore(r2(raise_to), "")
    after = score_units(rows, W, reweight, BANDS, 20, True)[which]
    assert after.final >= before.final


@given(campaigns(), st.booleans(), st.floats(min_value=0, max_value=100))
def test_ranks_follow_totals_and_the_quota_holds(rows, reweight, quota):
    units = score_units(rows, W, reweight, BANDS, quota, True)
    assert all(u.grade == "无法评定" and u.rank == 0 for u in units if not u.rated)
    for group in {u.group for u in units}:
        members = [u for u in units if u.group == group and u.rated]
        for a in members:
            for b in members:
                if a.final > b.final:
                    assert a.rank < b.rank
                if a.final == b.final:
                    assert a.rank == b.rank
            assert a.rank == 1 + sum(1 for b in members if b.final > a.final)
        excellent = sum(1 for u in members if u.grade == "优秀")
        assert excellent <= math.floor(
            Fraction(len(members)) * Fraction(str(quota)) / 100
        )
        assert all(u.final >= BANDS[0] for u in members if u.grade == "优秀")


# ----------------------------------------------------------------------------- end to end


def _fill_ballot(path, scores_by_unit, rater, target):
    book = openpyxl.load_workbook(path)
    ws = book["考评打分"]
    cols = {c.value: c.column for c in ws[3] if c.value}
    row = 4
    while ws.cell(row, 1).value:
        unit, code = ws.cell(row, 1).value, ws.cell(row, cols["指标编号"]).value
        if unit in scores_by_unit:
            ws.cell(row, cols["评分"]).value = scores_by_unit[unit][code]
        row += 1
    for r in range(row, ws.max_row + 1):
        if ws.cell(r, 2).value == "评分人（签字）":
            ws.cell(r, 4).value = rater
    book.save(target)


@pytest.fixture(scope="module")
def scored_template(tmp_path_factory, small_handout) -> Path:
    """The campaign of :func:`scored`, prepared once per module; each test gets a copy."""
    folder = tmp_path_factory.mktemp("scored") / "campaign"
    folder.mkdir()
    (folder / MASTER_FILE).write_bytes(small_handout.master)
    small = Campaign(folder, small_handout)  # as the `small` fixture makes it
    small.fill("U01", {("考评册", "KP02", "自评分"): 30})
    small.fill("U02")
    small.fill("U03")
    runner = CliRunner()
    assert runner.invoke(main, ["issue", str(small.folder)]).exit_code == 0
    issued = small.folder / "issued" / "2022Q3" / "考评表"
    evaluations = small.folder / "evaluations"
    evaluations.mkdir()
    _fill_ballot(
        issued / "2022年专班小组评价表_产业专班.xlsx",
        {"U01": {"KP01": 50, "KP02": 35, "KP03": 5}, "U02": {"KP01": 54, "KP02": 36}},
        "甲",
        evaluations / "team.xlsx",
    )
    _fill_ballot(
        issued / "2022年战线领导评价表_陈副区长.xlsx",
        {
            "U01": {"KP01": 57, "KP02": 38, "KP03": 5},
            "U02": {"KP01": 48, "KP02": 32},
            "U03": {"KP01": 51, "KP02": 34},
        },
        "陈",
        evaluations / "leader.xlsx",
    )
    public = small.folder / "public"
    public.mkdir()
    csv = "被评单位,渠道,满意,基本满意,不满意,不了解\n区发展和改革局,合计,30,10,0,5\n长青乡,合计,10,5,5,0\n"
    (public / "测评汇总.csv").write_bytes(csv.encode("gbk"))
    master = small.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(master)
    ws = book["加减分登记"]
    ws["A4"], ws["B4"], ws["C4"], ws["D4"], ws["E4"] = (
        "区发展和改革局",
        "JF01",
        1,
        dt.datetime(2022, 9, 30),  # the as-of date itself still counts
        "获市级表彰",
    )
    book.save(master)
    return folder


@pytest.fixture
def scored(tmp_path, scored_template) -> Campaign:
    """SMALL with three returns, the evaluators' ballots, a public survey and a bonus."""
    folder = tmp_path / "campaign"
    shutil.copytree(scored_template, folder)
    return Campaign(folder)


def _ranking(folder):
    ws = openpyxl.load_workbook(folder / "output" / "2022Q3" / "考评结果.xlsx")[
        "总分排名"
    ]
    header = [c.value for c in ws[3]]
    return {
        r[2]: dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=4, values_only=True)
        if r[2]
    }


def test_score_end_to_end_matches_the_hand_computation(scored):
    result = CliRunner().invoke(main, ["score", str(scored.folder)])
    assert result.exit_code == 0, result.output
    rows = _ranking(scored.folder)
    u01, u02, u03 = rows["区发展和改革局"], rows["长青乡"], rows["永安街道办事处"]
    # U01: self (60+30+5)/105 = 90.48, team 90/105 = 85.71, public (30×100+10×60)/40 = 90, leader 100/105 = 95.24
    assert (
        u01["部门自评(20%)"],
        u01["专班小组评价(30%)"],
        u01["群众测评(20%)"],
        u01["战线领导评价(30%)"],
    ) == (90.48, 85.71, 90, 95.24)
    # 0.2×90.476 + 0.3×85.714 + 0.2×90 + 0.3×95.238 = 90.38; +1 表彰 = 91.38
    assert (u01["加权得分"], u01["加分"], u01["最终得分"], u01["排名"]) == (
        90.38,
        1,
        91.38,
        1,
    )
    # only one 区直部门 unit is scored: ⌊1 × 20%⌋ = 0 places for 优秀
    assert (u01["分数段"], u01["等次"]) == ("优秀", "良好")
    # U02: public has 20 valid votes (< 30): re-weighted (20×100 + 30×90 + 30×80) ÷ 80 = 88.75
    assert (u02["群众测评(20%)"], u02["最终得分"], u02["排名"]) == ("缺", 88.75, 2)
    # U03: only self and leader: (20×100 + 30×85) ÷ 50 = 91.0
    assert (u03["最终得分"], u03["排名"], u03["等次"]) == (91, 1, "良好")
    book = openpyxl.load_workbook(scored.folder / "output" / "2022Q3" / "考评结果.xlsx")
    assert book.sheetnames[:4] == ["总分排名", "得分图", "得分明细", "公示"]
    detail = [
        r
        for r in book["得分明细"].iter_rows(min_row=4, values_only=True)
        if r[0] == "区发展和改革局"
    ]
    assert any(r[1].startswith("加分 JF01") and "获市级表彰" in r[7] for r in detail)
    posted = [
        r
        for r in book["公示"].iter_rows(values_only=True)
        if r[1] in ("长青乡", "永安街道办事处")
    ]
    assert posted == [(1, "永安街道办事处", "良好"), (2, "长青乡", "良好")]
    assert book["得分图"]._charts


def test_zero_policy_changes_the_missing_sources(scored):
    book = openpyxl.load_workbook(scored.folder / "任务总表.xlsx")
    for r in book["考评设置"].iter_rows(min_row=4):
        if r[0].value == "来源缺失时":
            r[1].value = "按0分计"
    book.save(scored.folder / "任务总表.xlsx")
    CliRunner().invoke(main, ["score", str(scored.folder)])
    rows = _ranking(scored.folder)
    assert rows["长青乡"]["最终得分"] == 71  # (2000 + 2700 + 0 + 2400) ÷ 100
    assert (
        rows["永安街道办事处"]["最终得分"] == 45.5
        and rows["永安街道办事处"]["等次"] == "较差"
    )


def test_weights_not_summing_to_100_are_an_error(scored):
    book = openpyxl.load_workbook(scored.folder / "任务总表.xlsx")
    for r in book["考评设置"].iter_rows(min_row=4):
        if r[0].value == "群众测评权重(%)":
            r[1].value = 25
    book.save(scored.folder / "任务总表.xlsx")
    result = CliRunner().invoke(main, ["score", str(scored.folder)])
    assert result.exit_code == 2 and "权重之和为 105%" in result.output
    from siyi_xlsx.read.evaluations import load_eval_config
    from siyi_xlsx.read.master import load_campaign

    with pytest.raises(CampaignError):
        load_eval_config(load_campaign(scored.folder), [])


def test_uniform_ballot_is_invalid(scored):
    issued = scored.folder / "issued" / "2022Q3" / "考评表"
    _fill_ballot(
        issued / "2022年专班小组评价表_产业专班.xlsx",
        {"U01": {"KP01": 60, "KP02": 40, "KP03": 5}, "U02": {"KP01": 60, "KP02": 40}},
        "乙",
        scored.folder / "evaluations" / "same.xlsx",
    )
    result = CliRunner().invoke(main, ["score", "--json", str(scored.folder)])
    assert result.exit_code == 1
    import json

    data = json.loads(result.output)
    assert [i["code"] for i in data["issues"] if i["file"] == "same.xlsx"] == [
        "BALLOT_UNIFORM"
    ]
    u01 = next(u for u in data["units"] if u["code"] == "U01")
    assert (
        round(u01["sources"]["team"], 2) == 85.71
    )  # the invalid ballot is not averaged in


def test_public_votes_as_xlsx_and_utf8_csv(small):
    from siyi_xlsx.read.evaluations import read_public
    from siyi_xlsx.read.master import load_campaign

    public = small.folder / "public"
    public.mkdir()
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["被评单位", "渠道", "评价"])
    for answer in ["满意"] * 3 + ["基本满意", "不满意", "不了解"]:
        ws.append(["U01", "便民热线", answer])
    ws.append(["外区某局", "便民热线", "满意"])
    book.save(public / "热线.xlsx")
    (public / "问卷.csv").write_text(
        "被评单位,渠道,评价\n区发展和改革局,网上问卷,满意\n", encoding="utf-8"
    )
    tallies, issues = read_public(public, load_campaign(small.folder))
    t = tallies["U01"]
    assert (t.satisfied, t.basic, t.unsatisfied, t.unknown, t.valid) == (4, 1, 1, 1, 6)
    assert [(i.code, i.cell) for i in issues] == [("PUBLIC_UNIT_UNKNOWN", "A8")]


def test_sensitivity_flags_rank_moves_over_three():
    from siyi_xlsx.compute.scoring import sensitivity

    # U0 leads only thanks to the public score; without it, it falls from 1st to 6th
    rows = [row("U0", "g", 60, 60, 100, 60)] + [
        row(f"U{i}", "g", 70 - i, 70 - i, 40, 70 - i) for i in range(1, 6)
    ]
    units = score_units(rows, W, True, BANDS, 20, True)
    ranks = sensitivity(units, True, True)
    u0 = next(u for u in units if u.code == "U0")
    assert u0.rank == 1 and ranks["U0"]["public"] == 6


def test_ballot_row_problems_are_positioned(scored):
    issued = (
        scored.folder
        / "issued"
        / "2022Q3"
        / "考评表"
        / "2022年专班小组评价表_产业专班.xlsx"
    )
    target = scored.folder / "evaluations" / "bad.xlsx"
    _fill_ballot(
        issued,
        {"U01": {"KP01": 70, "KP02": 35, "KP03": 5}, "U02": {"KP01": 54, "KP02": None}},
        "丙",
        target,
    )
    book = openpyxl.load_workbook(target)
    book["考评打分"]["C4"] = "KP09"  # a row changed to an indicator that was not issued
    book.save(target)
    result = CliRunner().invoke(main, ["score", "--json", str(scored.folder)])
    import json

    codes = {
        (i["code"], i["cell"])
        for i in json.loads(result.output)["issues"]
        if i["file"] == "bad.xlsx"
    }
    assert ("INDICATOR_UNKNOWN", "C4") in codes
    assert ("REQUIRED", "G8") in codes  # U02's KP02 left blank
    assert ("BALLOT_INCOMPLETE", "") in codes


def test_a_unit_without_any_source_is_not_ranked():
    rows = [row("A", "g", 80, 80, 80, 80), row("B", "g", None, None, None, None)]
    u = {x.code: x for x in score_units(rows, W, True, BANDS, 50, True)}
    assert (u["A"].rank, u["A"].grade) == (1, "良好")
    assert (u["B"].rated, u["B"].rank, u["B"].grade) == (False, 0, "无法评定")


# ----------------------------------------------------------------------------- issue 9


def _graded(rows, policy="参加排名，最高评为良好", quota=50.0, min_sources=3):
    units = score_units(rows, W, True, BANDS, quota, True, policy, min_sources)
    return {u.code: u for u in units}


def test_a_unit_with_one_source_is_not_excellent_however_high():
    # S sent nothing: only 33 public votes (96.38); F was scored by all four sources
    rows = [row("S", "g", None, None, 96.38, None), row("F", "g", 92, 92, 92, 92)]
    u = _graded(rows)
    assert (u["S"].final, u["S"].rank, u["S"].band, u["S"].grade) == (
        D("96.38"),
        1,
        "优秀",
        "良好",
    )
    assert "有得分的评价来源 1 个，少于 3 个" in u["S"].eligibility_note
    # ⌊2 × 50%⌋ = 1 place, and S does not take it: F is 优秀
    assert u["F"].grade == "优秀" and "在名额内" in u["F"].quota_note
    # the other policy: S is neither ranked nor graded, and the group has one unit
    u = _graded(rows, policy="不予评定等次")
    assert (u["S"].rank, u["S"].grade) == (0, "不予评定")
    assert u["F"].rank == 1 and u["F"].grade == "良好"  # ⌊1 × 50%⌋ = 0 places
    assert "优秀最多 0 个" in u["F"].quota_note


def test_three_sources_are_enough_two_are_not():
    rows = [
        row("T3", "g", 95, 95, None, 95),  # three sources: eligible
        row("T2", "g", 95, None, None, 95),  # two: capped
        *(row(f"X{i}", "g", 70, 70, 70, 70) for i in range(8)),
    ]
    u = _graded(rows, quota=20.0)  # ⌊10 × 20%⌋ = 2 places
    assert u["T3"].grade == "优秀" and not u["T3"].ineligible
    assert u["T2"].grade == "良好" and u["T2"].band == "优秀"
    # a unit below 优秀 is told, but its grade stands
    u = _graded([row("L", "g", 85, None, None, None)])
    assert u["L"].grade == "良好" and "等次不受影响" in u["L"].eligibility_note


def test_reasons_from_outside_the_scores_cap_the_grade():
    rows = [row("N", "g", 99, 99, 99, 99), row("M", "g", 60, 60, 60, 60)]
    rows[0]["ineligible"] = ["本年度 2022M07 未报送"]
    u = _graded(rows)
    assert u["N"].grade == "良好" and "2022M07 未报送" in u["N"].eligibility_note


def test_ineligibility_reads_every_period_of_the_year():
    from types import SimpleNamespace

    from siyi_xlsx.compute.previous import PeriodTables
    from siyi_xlsx.compute.year_scores import ineligibility
    from siyi_xlsx.read.evaluations import EvalConfig

    def period(name, status):
        empty = __import__("pandas").DataFrame()
        return PeriodTables(
            name, "", empty, empty, empty, [{"code": "U1", "status": status}]
        )

    settings = SimpleNamespace(period="2022Q4", year=2022)
    analysis = SimpleNamespace(
        campaign=SimpleNamespace(settings=settings),
        previous=[
            period("2021Q4", "未报送"),  # another year: does not count
            period("2022M07", "未报送"),
            period("2022Q3", "逾期报送"),
        ],
    )
    unit = SimpleNamespace(code="U1")
    sub = SimpleNamespace(tables={"unit_evaluation": object()})
    config = EvalConfig({}, {}, 30, True, 5, BANDS, 20, True)
    assert ineligibility(unit, sub, config, analysis) == ["本年度 2022M07 未报送"]
    assert (
        ineligibility(unit, None, config, analysis)[0]
        == "本期（2022Q4）未报送填报表和考评册"
    )
    sent_unusable = ineligibility(unit, None, config, analysis, unusable=True)
    assert sent_unusable[0] == "本期（2022Q4）报送的填报表无法采用，没有可用的考评册"
    no_booklet = SimpleNamespace(tables={})
    assert "没有可用的考评册" in ineligibility(unit, no_booklet, config, analysis)[0]
    config.require_returns = False
    assert ineligibility(unit, None, config, analysis) == []


def test_exact_figures_decide_the_band():
    # 89.995 rounds half up to 90.00: the printed 90.00 is 优秀, as a reader would expect
    u = _graded([row("A", "g", 89.995, 89.995, 89.995, 89.995)], quota=100)
    assert u["A"].final == D("90.00") and u["A"].grade == "优秀"
    # 89.994 prints 89.99: 良好
    u = _graded([row("A", "g", 89.994, 89.994, 89.994, 89.994)], quota=100)
    assert u["A"].final == D("89.99") and u["A"].grade == "良好"
    # parts are rounded to 4 places and then added: 3 sources re-weighted over 70
    u = _graded([row("A", "g", 91.11, None, 88.89, 90.01)], quota=100)
    # 91.11×20/70 = 26.0314…→26.0314; 88.89×20/70 = 25.3971…→25.3971; 90.01×30/70 = 38.5757…→38.5757
    assert [u["A"].contribution[s] for s in ("self", "public", "leader")] == [
        D("26.0314"),
        D("25.3971"),
        D("38.5757"),
    ]
    assert u["A"].weighted == D("90.00")  # 90.0042 → 90.00


def test_a_tie_across_the_quota_is_explained_on_its_own_line():
    rows = [
        row("X", "g", 95, 95, 95, 95),
        row("Y", "g", 92, 92, 92, 92),
        row("Z", "g", 92, 92, 92, 92),
    ]
    u = {x.code: x for x in score_units(rows, W, True, BANDS, 66.7, True)}
    assert "2 个单位并列 92.00 分，全部授予将超出名额" in u["Y"].quota_note
    assert u["Y"].note == ""  # the quota does not overwrite the sources' note


def _read_csv_survey(small, name, text):
    """read_public on one UTF-8 CSV file in the campaign's public/ folder."""
    from siyi_xlsx.read.evaluations import read_public
    from siyi_xlsx.read.master import load_campaign

    public = small.folder / "public"
    public.mkdir()
    (public / name).write_text(text, encoding="utf-8")
    return read_public(public, load_campaign(small.folder))


def test_public_rows_with_an_error_are_not_counted(small):
    tallies, issues = _read_csv_survey(
        small,
        "问卷.csv",
        "被评单位,渠道,评价\n"
        "区发展和改革局,网上问卷,满意\n"
        "区发展和改革局,微信公众号,不满意\n"  # channel not in the list: 错误, row left out
        "区发展和改革局,网上问卷,很满意\n",  # answer not in the list
    )
    t = tallies["U01"]
    assert (t.satisfied, t.basic, t.unsatisfied, t.valid) == (1, 0, 0, 1)
    assert len(t.excluded) == 2 and "第 3 行" in t.excluded[0]
    assert [(i.code, i.cell) for i in issues] == [
        ("NOT_IN_LIST", "B3"),
        ("NOT_IN_LIST", "C4"),
    ]


def test_adjustments_count_only_inside_the_year_up_to_the_as_of_date(scored):
    master = scored.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(master)
    ws = book["加减分登记"]
    for r, day in enumerate(
        [
            dt.datetime(2022, 1, 1),
            dt.datetime(2021, 12, 31),
            dt.datetime(2022, 10, 1),
            None,
        ],
        start=5,
    ):
        ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 3).value = (
            "区发展和改革局",
            "JF01",
            1,
        )
        ws.cell(r, 4).value, ws.cell(r, 5).value = day, "获表彰"
    book.save(master)
    result = CliRunner().invoke(main, ["score", "--json", str(scored.folder)])
    import json

    data = json.loads(result.output)
    codes = sorted(
        (i["cell"], i["code"]) for i in data["issues"] if i["sheet"] == "加减分登记"
    )
    # last year's entry is kept as a record (a reminder); one after the as-of date is wrong
    assert codes == [
        ("D6", "ADJUST_EARLIER_YEAR"),
        ("D7", "ADJUST_OUTSIDE_YEAR"),
        ("D8", "REQUIRED"),
    ]
    severity = {
        i["cell"]: i["severity"] for i in data["issues"] if i["sheet"] == "加减分登记"
    }
    assert (severity["D6"], severity["D7"]) == ("提醒", "错误")
    u01 = next(u for u in data["units"] if u["code"] == "U01")
    assert u01["bonus"] == 2  # 2022-09-30 (A4) and 2022-01-01 (A5): 2 × 1 point


def test_interim_results_are_marked_and_the_printed_breakdown_recomputes(scored):
    from score_recompute import recompute

    result = CliRunner().invoke(main, ["score", str(scored.folder)])
    assert "不是本年度最后一期，这是阶段性结果" in result.output
    assert "0. " not in result.output
    path = scored.folder / "output" / "2022Q3" / "考评结果.xlsx"
    book = openpyxl.load_workbook(path)
    assert book["公示"]["A1"].value.endswith("（阶段性结果）")
    assert recompute(path) > 10
    # a printed figure changed by hand no longer recomputes: the check can fail
    ws = book["得分明细"]
    for r in ws.iter_rows(min_row=4):
        if r[1].value == "加权得分" and r[3].value is not None:
            r[3].value = r[3].value + 0.01
            break
    book.save(path)
    with pytest.raises(AssertionError):
        recompute(path)


def test_a_unit_not_graded_is_left_out_of_the_summary_and_the_posting(scored):
    master = scored.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(master)
    for r in book["考评设置"].iter_rows(min_row=4):
        if r[0].value == "不符合评优条件时":
            r[1].value = "不予评定等次"
    book.save(master)
    result = CliRunner().invoke(main, ["score", str(scored.folder)])
    # U03 has two sources (self and leader): not graded, not ranked, not in the top three
    assert "永安街道办事处" not in result.output.split("结果文件")[0].split("前三")[-1]
    assert "0. " not in result.output
    rows = _ranking(scored.folder)
    u03 = rows["永安街道办事处"]
    assert (u03["排名"], u03["等次"]) == ("—", "不予评定")
    assert "有得分的评价来源 2 个，少于 3 个" in u03["说明"]
    posted = openpyxl.load_workbook(
        scored.folder / "output" / "2022Q3" / "考评结果.xlsx"
    )["公示"]
    texts = [c for r in posted.iter_rows(values_only=True) for c in r if c]
    assert "以下单位不符合评定条件，本次不予评定：永安街道办事处" in texts


def test_the_readme_states_every_scoring_rule_in_the_result_workbooks_words():
    from siyi_xlsx.compute.year_scores import scoring_rules
    from siyi_xlsx.read.evaluations import default_eval_config

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for title, text in scoring_rules(default_eval_config()):
        assert f"- **{title}**：{text}" in readme, title


def test_a_planted_error_in_a_public_row_only_takes_that_row_away(small, tmp_path):
    """Property: a survey with one row made bad tallies exactly like the survey
    without that row — 错误 acts only as "value missing"."""
    import tempfile

    from hypothesis import settings

    from siyi_xlsx.read.evaluations import read_public
    from siyi_xlsx.read.master import load_campaign

    campaign = load_campaign(small.folder)
    answers = st.sampled_from(["满意", "基本满意", "不满意", "不了解"])
    good = st.tuples(
        st.sampled_from(["区发展和改革局", "U02", "长青乡"]),
        st.sampled_from(["门户网站", "网上问卷", "网格调查", "便民热线"]),
        answers,
    )
    spoil = st.sampled_from(
        [(1, "微信公众号"), (2, "很满意"), (2, "满意 ✓"), (0, "外区某局")]
    )

    def tally(rows):
        with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
            text = "被评单位,渠道,评价\n" + "".join(",".join(r) + "\n" for r in rows)
            (Path(folder) / "票.csv").write_text(text, encoding="utf-8")
            found, _ = read_public(Path(folder), campaign)
        return {
            code: (t.satisfied, t.basic, t.unsatisfied, t.unknown)
            for code, t in found.items()
        }

    @settings(max_examples=15, deadline=None)
    @given(st.lists(good, min_size=1, max_size=8), st.data())
    def check(rows, data):
        at = data.draw(st.integers(0, len(rows) - 1))
        col, value = data.draw(spoil)
        planted = [list(r) for r in rows]
        planted[at][col] = value
        without = rows[:at] + rows[at + 1 :]
        clean = {k: v for k, v in tally(without).items() if any(v)}
        assert {k: v for k, v in tally(planted).items() if any(v)} == clean

    check()


def test_a_rejected_ballot_score_acts_as_a_blank_one(scored):
    import json

    issued = (
        scored.folder
        / "issued"
        / "2022Q3"
        / "考评表"
        / "2022年专班小组评价表_产业专班.xlsx"
    )
    target = scored.folder / "evaluations" / "team.xlsx"

    def scores_with(kp02):
        _fill_ballot(
            issued,
            {
                "U01": {"KP01": 50, "KP02": kp02, "KP03": 5},
                "U02": {"KP01": 54, "KP02": 36},
            },
            "甲",
            target,
        )
        result = CliRunner().invoke(main, ["score", "--json", str(scored.folder)])
        units = json.loads(result.output)["units"]
        return {
            u["code"]: (u["sources"], u["final"], u["rank"], u["grade"]) for u in units
        }

    blank = scores_with(None)
    assert blank["U01"][0]["team"] is None  # the only team ballot left out for U01
    for bad in ("很好", 99, -1):  # text, above the points, below 0
        assert scores_with(bad) == blank, bad


def test_an_indicator_without_evidence_scores_0_and_keeps_its_points(scored):
    import json

    scored.fill(
        "U01",
        {("考评册", "KP02", "自评分"): 30, ("考评册", "KP01", "自评说明及佐证"): None},
    )
    result = CliRunner().invoke(main, ["score", "--json", str(scored.folder)])
    units = {u["code"]: u for u in json.loads(result.output)["units"]}
    # KP01 (60 points, 佐证 required) left without 佐证: (0 + 30 + 5) ÷ 105 × 100 = 33.33
    assert units["U01"]["sources"]["self"] == 33.33
    # only lead units are evaluated: 区统计局 (U04) leads no task
    assert set(units) == {"U01", "U02", "U03"}


def test_uniform_is_judged_on_the_completely_scored_units(scored):
    import json

    issued = (
        scored.folder
        / "issued"
        / "2022Q3"
        / "考评表"
        / "2022年战线领导评价表_陈副区长.xlsx"
    )
    target = scored.folder / "evaluations" / "leader.xlsx"

    def leader_scores(by_unit):
        _fill_ballot(issued, by_unit, "陈", target)
        result = CliRunner().invoke(main, ["score", "--json", str(scored.folder)])
        data = json.loads(result.output)
        codes = {i["code"] for i in data["issues"] if i["file"] == "leader.xlsx"}
        return {u["code"]: u["sources"]["leader"] for u in data["units"]}, codes

    blank = {"KP01": None, "KP02": None}
    # U01 and U02 complete and equal (90 %), U03 left blank: void, nobody gets it
    scores, codes = leader_scores(
        {
            "U01": {"KP01": 54, "KP02": 36, "KP03": 4.5},
            "U02": {"KP01": 54, "KP02": 36},
            "U03": blank,
        }
    )
    assert "BALLOT_UNIFORM" in codes and scores == {"U01": None, "U02": None, "U03": None}
    # only U01 complete: one unit cannot be "all the same"; the ballot counts for U01
    scores, codes = leader_scores(
        {"U01": {"KP01": 54, "KP02": 36, "KP03": 4.5}, "U02": blank, "U03": blank}
    )
    assert "BALLOT_UNIFORM" not in codes and scores["U01"] == 90.0


def test_trimming_counts_only_the_ballots_usable_for_the_unit():
    from types import SimpleNamespace

    from siyi_xlsx.compute.year_scores import rater_source
    from siyi_xlsx.read.evaluations import Ballot

    def ballot(i, got, **extra):
        b = Ballot(f"b{i}.xlsx", "team", "T", f"评分人{i}", None, str(i), "专班", ("U1",))
        if got is not None:
            b.scores["U1"] = (Decimal(got), Decimal(100))
        for key, value in extra.items():
            setattr(b, key, value)
        return b

    ballots = [ballot(i, 80 + i) for i in range(1, 6)]  # five usable: 81 … 85
    ballots.append(ballot(6, None, incomplete={"U1": "评分不完整或有误（KP01）"}))
    ballots.append(
        ballot(7, 99, used=False, reason="所有单位同分（99.00），按无效票处理")
    )
    unit = SimpleNamespace(code="U1")
    src = rater_source(ballots, "team", unit, trim_above=5)
    # 5 usable ballots, not more than 5: no trimming; (81 + … + 85) ÷ 5 = 83.00
    assert src.value == Decimal("83.00") and not any(r.dropped for r in src.raters)
    assert [x.reason for x in src.excluded] == [
        "评分不完整或有误（KP01）",
        "所有单位同分（99.00），按无效票处理",
    ]
    # a sixth usable ballot makes six: 81 and 90 are dropped, (82 + 83 + 84 + 85) ÷ 4 = 83.50
    src = rater_source([*ballots, ballot(8, 90)], "team", unit, trim_above=5)
    assert src.value == Decimal("83.50")
    assert [(r.rater, r.dropped) for r in src.raters if r.dropped] == [
        ("评分人1", "去掉最低分"),
        ("评分人8", "去掉最高分"),
    ]


def test_a_total_row_counts_only_without_votes_by_channel(small):
    tallies, issues = _read_csv_survey(
        small,
        "汇总.csv",
        "被评单位,渠道,满意,基本满意,不满意,不了解\n"
        "区发展和改革局,网格调查,10,2,1,0\n"
        "区发展和改革局,合计,20,4,2,0\n"  # the same votes again: left out
        "长青乡,合计,7,3,0,1\n",  # only a total: counted
    )
    u01, u02 = tallies["U01"], tallies["U02"]
    assert (u01.satisfied, u01.basic, u01.unsatisfied) == (10, 2, 1)
    assert (u02.satisfied, u02.basic, u02.unsatisfied, u02.unknown) == (7, 3, 0, 1)
    assert [(i.code, i.unit) for i in issues] == [
        ("PUBLIC_TOTAL_IGNORED", "区发展和改革局")
    ]
