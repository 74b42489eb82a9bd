"""Task status against the as-of date: hand-computed cases, through the result workbook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from conftest import cell_of
from hypothesis import assume, example, given
from hypothesis import strategies as st

from siyi_xlsx.compute.five_checks import check_progress
from siyi_xlsx.compute.progress import (
    NO_RETURN_REASON,
    MilestoneState,
    evaluate_task,
    first_milestone,
    milestone_states,
    status_rules,
)
from siyi_xlsx.errors import Code, make_issue
from siyi_xlsx.read.master import Milestone, Settings, Task
from siyi_xlsx.read.tables import TableRow

LEDGER = "重点工作台账"
SETTINGS = Settings(
    year=2022, period="2022Q3", as_of=dt.date(2022, 9, 30), return_deadline=None
)


def ledger_rows(small):
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "汇总台账.xlsx")[
        "汇总台账"
    ]
    header = [c.value for c in ws[3]]
    return {
        r[0]: dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=4, values_only=True)
        if r[0]
    }


def test_statuses_in_the_result_workbook(small):
    small.fill(
        "U01", {(LEDGER, "T2", "完成进度(%)"): 100}
    )  # T1 on pace (50 of 50), T2 done
    small.fill("U02", {(LEDGER, "T3", "完成进度(%)"): 0})  # nothing due yet
    # U03 does not return: T4's first milestone (2022-07-15) would be 77 days overdue,
    # but nothing is judged from the master's dates: 未报送, grey, no overdue days
    small.run()
    rows = ledger_rows(small)
    assert rows["T1"]["状态"] == "正常推进" and rows["T1"]["亮灯"] == "绿"
    assert rows["T1"]["序时进度(%)"] == 50 and rows["T1"]["填报进度(%)"] == 50
    assert rows["T2"]["状态"] == "已完成"
    assert rows["T3"]["状态"] == "未开始"
    assert rows["T4"]["状态"] == "未报送" and rows["T4"]["亮灯"] == "灰"
    assert rows["T4"]["最长逾期天数"] is None and rows["T4"]["逾期节点"] is None
    assert rows["T4"]["判定依据"] == NO_RETURN_REASON and "逾期" not in NO_RETURN_REASON
    assert rows["T4"]["报送情况"] == "未报送"


def test_pace_gap_thresholds(small):
    # T1: 2 of 4 milestones due -> 序时进度 50%. Gap 10 -> 滞后; gap 35 -> 严重滞后.
    small.fill(
        "U01", {(LEDGER, "T1", "完成进度(%)"): 40, (LEDGER, "T2", "完成进度(%)"): 100}
    )
    small.run()
    assert ledger_rows(small)["T1"]["状态"] == "滞后"
    assert ledger_rows(small)["T1"]["落后百分点"] == 10
    small.fill("U01", {(LEDGER, "T1", "完成进度(%)"): 15})
    small.run()
    assert ledger_rows(small)["T1"]["状态"] == "严重滞后"
    small.fill("U01", {(LEDGER, "T1", "完成进度(%)"): 41})
    small.run()
    assert ledger_rows(small)["T1"]["状态"] == "正常推进"


def test_close_off_request_shows_as_such(small):
    small.fill(
        "U01",
        {
            (LEDGER, "T2", "申请销号"): "是",
            (LEDGER, "T2", "佐证材料"): "验收报告",
            (LEDGER, "T2", "完成进度(%)"): 100,
        },
    )
    small.run()
    assert ledger_rows(small)["T2"]["状态"] == "申请销号"


def _task(planned: list[dt.date]) -> tuple[Task, list[Milestone]]:
    ms = [Milestone("X", i + 1, f"节点{i + 1}", d) for i, d in enumerate(planned)]
    return Task("X", "t", "a", "u", "target", planned[-1], milestones=ms), ms


def _states(ms: list[Milestone], done: set[int], as_of: dt.date) -> list[MilestoneState]:
    return [
        MilestoneState(
            m,
            m.seq in done,
            m.planned_date if m.seq in done else None,
            "",
            0
            if m.seq in done or m.planned_date >= as_of
            else (as_of - m.planned_date).days,
        )
        for m in ms
    ]


def test_days_thresholds_by_hand():
    task, ms = _task([dt.date(2022, 9, 20), dt.date(2022, 12, 31)])
    # 10 days overdue: > 0 -> 滞后 (but < 15 -> not 严重); pace: 1 of 2 due = 50%, progress 45 -> gap 5
    result = evaluate_task(task, _states(ms, set(), SETTINGS.as_of), 45, False, SETTINGS)
    assert (
        result.status,
        result.max_overdue_days,
        result.expected_pct,
        result.gap_pp,
    ) == ("滞后", 10, 50.0, 5.0)
    task, ms = _task([dt.date(2022, 9, 15), dt.date(2022, 12, 31)])
    result = evaluate_task(task, _states(ms, set(), SETTINGS.as_of), 45, False, SETTINGS)
    assert (result.status, result.max_overdue_days) == ("严重滞后", 15)
    # the same milestone done (even late): no longer overdue
    result = evaluate_task(task, _states(ms, {1}, SETTINGS.as_of), 50, False, SETTINGS)
    assert result.status == "正常推进"


SEVERITY = {"严重滞后": 2, "滞后": 1}


@given(
    offsets=st.lists(st.integers(min_value=-200, max_value=200), min_size=1, max_size=6),
    done_count=st.integers(min_value=0, max_value=6),
)
def test_completing_milestones_never_makes_a_task_worse(offsets, done_count):
    planned = sorted(SETTINGS.as_of + dt.timedelta(days=o) for o in offsets)
    task, ms = _task(planned)
    done_count = min(done_count, len(ms))
    before = evaluate_task(
        task,
        _states(ms, set(range(1, done_count + 1)), SETTINGS.as_of),
        None,
        False,
        SETTINGS,
    )
    after = evaluate_task(
        task,
        _states(ms, set(range(1, min(done_count + 1, len(ms)) + 1)), SETTINGS.as_of),
        None,
        False,
        SETTINGS,
    )
    assert SEVERITY.get(after.status, 0) <= SEVERITY.get(before.status, 0)
    assert after.gap_pp is None or before.gap_pp is None or after.gap_pp <= before.gap_pp


# ----------------------------------------------------------------------------- exact figures


def _eval(planned, progress, done=frozenset(), s=SETTINGS, rejected=False):
    task, ms = _task(planned)
    return evaluate_task(
        task, _states(ms, set(done), s.as_of), progress, False, s, rejected
    )


AFTER = [dt.date(2022, 10, 31), dt.date(2022, 11, 30), dt.date(2022, 12, 31)]
D = dt.date


def test_gap_is_compared_exactly_and_printed_on_the_right_side():
    # 2 of 3 due: 序时进度 66.666…; 56.7 reported: 9.967 behind, under 10 -> 正常推进
    planned = [D(2022, 6, 30), D(2022, 9, 30), D(2022, 12, 31)]
    result = _eval(planned, 56.7, done={1, 2})
    assert result.status == "正常推进"
    assert result.gap_pp == pytest.approx(9.9666666667)
    assert result.expected_pct == pytest.approx(66.6666666667)
    # printed with two decimals: 66.67 − 56.7 = 9.97 < 10, as the exact gap
    assert result.places == 2
    assert "序时进度 66.67%，填报进度 56.7%，落后 9.97 个百分点" in result.reason
    assert "10 个百分点" not in result.reason.replace("≥10", "")
    # 56.65: 10.017 behind -> 滞后, and the printed figures say so too (66.67 − 56.65 = 10.02)
    result = _eval(planned, 56.65, done={1, 2})
    assert result.status == "滞后" and "落后 10.02 个百分点" in result.reason


def test_pace_boundaries_by_hand():
    planned = [D(2022, 7, 31), D(2022, 9, 30), D(2022, 10, 31), D(2022, 12, 31)]
    # 序时进度 50 (the node due on the as-of date counts); nodes 1–2 done: nothing overdue
    cases = {40: "滞后", 40.01: "正常推进", 20: "滞后", 19.99: "严重滞后", 50: "正常推进"}
    for progress, status in cases.items():
        result = _eval(planned, progress, done={1, 2})
        assert (progress, result.status) == (progress, status)
    assert _eval(planned, 40, done={1, 2}).gap_pp == 10
    assert _eval(planned, 20, done={1, 2}).gap_pp == 30
    assert "落后 30.01 个百分点，超过严重滞后标准（>30 个百分点）" in (
        _eval(planned, 19.99, done={1, 2}).reason
    )
    # one third due: 33.333… − 23.33 = 10.003 -> 滞后, printed 10.003 (10.00 would not
    # say "more than"); 23.34 -> 9.993 -> 正常推进
    thirds = [D(2022, 9, 1), D(2022, 10, 31), D(2022, 12, 31)]
    behind = _eval(thirds, 23.33, done={1})
    assert behind.status == "滞后" and "落后 10.003 个百分点" in behind.reason
    assert _eval(thirds, 23.34, done={1}).status == "正常推进"


def test_overdue_day_boundaries_by_hand():
    # default late_days 0: a node due on the as-of date is not overdue, one due the day
    # before is 1 day overdue (> 0 -> 滞后); 14 days -> 滞后, 15 -> 严重滞后
    # (序时进度 50, progress 50: the pace is met, only the days decide)
    found = [
        (planned, r.max_overdue_days, r.status)
        for planned in (D(2022, 9, 30), D(2022, 9, 29), D(2022, 9, 16), D(2022, 9, 15))
        for r in [_eval([planned, D(2022, 12, 31)], 50)]
    ]
    assert found == [
        (D(2022, 9, 30), 0, "正常推进"),
        (D(2022, 9, 29), 1, "滞后"),
        (D(2022, 9, 16), 14, "滞后"),
        (D(2022, 9, 15), 15, "严重滞后"),
    ]
    # other thresholds from 设置: overdue exactly late_days is not late, one more is
    s = dataclasses.replace(SETTINGS, late_days=3, serious_late_days=10)
    assert _eval([D(2022, 9, 27), D(2022, 12, 31)], 50, s=s).status == "正常推进"
    assert _eval([D(2022, 9, 26), D(2022, 12, 31)], 50, s=s).status == "滞后"
    assert _eval([D(2022, 9, 21), D(2022, 12, 31)], 50, s=s).status == "滞后"
    assert _eval([D(2022, 9, 20), D(2022, 12, 31)], 50, s=s).status == "严重滞后"


def test_as_of_boundary_in_milestone_states():
    # due exactly on the as-of date: counted in 序时进度, not overdue
    task, _ = _task([D(2022, 9, 29), D(2022, 9, 30), D(2022, 12, 31)])
    states = milestone_states(task, None, SETTINGS.as_of)
    assert [st.overdue_days for st in states] == [1, 0, 0]
    result = evaluate_task(task, states, None, False, SETTINGS)
    assert result.expected_pct == pytest.approx(200 / 3)
    assert (result.status, result.max_overdue_days) == ("滞后", 1)


def test_missing_progress_means_no_pace_test():
    # a unit that did not report: 2 of 3 due, the first 1 day overdue. Node-based
    # progress (0 of 3) would be 66.7 behind -> 严重滞后; the nodes say 滞后.
    task, _ = _task([D(2022, 9, 29), D(2022, 9, 30), D(2022, 12, 31)])
    result = evaluate_task(
        task, milestone_states(task, None, SETTINGS.as_of), None, False, SETTINGS
    )
    assert (result.status, result.gap_pp, result.reported_pct) == ("滞后", None, None)
    assert result.reason.startswith(
        "未填报完成进度，不作序时进度比较，按节点判定：第 1 个节点“节点1”计划 2022-09-29 完成，已逾期 1 天"
    )
    # nothing overdue and nothing done, a node due: 正常推进 (not 未开始, not 滞后)
    result = _eval([D(2022, 9, 30), D(2022, 12, 31)], None, rejected=True)
    assert (result.status, result.gap_pp) == ("正常推进", None)
    assert result.reason == (
        "完成进度填报有误未采用，不作序时进度比较，按节点判定：已完成 0/2 个节点，无逾期节点"
    )
    # overdue 15 days without progress: 严重滞后 by the days alone
    assert _eval([D(2022, 9, 15), D(2022, 12, 31)], None).status == "严重滞后"


def test_first_milestone_is_the_earliest_planned():
    # listed first but planned last: 首个节点 is the one planned 2022-10-15
    task = Task(
        "X",
        "t",
        "a",
        "u",
        "target",
        D(2022, 12, 31),
        milestones=[
            Milestone("X", 1, "验收", D(2022, 12, 31)),
            Milestone("X", 2, "摸底", D(2022, 10, 15)),
        ],
    )
    states = milestone_states(task, None, SETTINGS.as_of)
    assert first_milestone(states).milestone.seq == 2
    result = evaluate_task(task, states, None, False, SETTINGS)
    assert result.status == "未开始"
    assert "首个节点“摸底”计划 2022-10-15 完成，尚未到期" in result.reason
    # the earliest node due on the as-of date (not overdue): by the plan the task has
    # started, so it is not 未开始 although the node listed first is not due
    task.milestones[1] = Milestone("X", 2, "摸底", D(2022, 9, 30))
    result = evaluate_task(
        task, milestone_states(task, None, SETTINGS.as_of), None, False, SETTINGS
    )
    assert (result.status, result.expected_pct, result.max_overdue_days) == (
        "正常推进",
        50,
        0,
    )


def test_task_without_milestones_uses_its_deadline():
    task = Task("X", "t", "a", "u", "target", D(2022, 9, 20))
    states = milestone_states(task, None, SETTINGS.as_of)
    assert [(st.milestone.planned_date, st.overdue_days, st.state) for st in states] == [
        (D(2022, 9, 20), 10, "未报送")
    ]
    result = evaluate_task(task, states, None, False, SETTINGS)
    assert (result.status, result.expected_pct) == ("滞后", 100)


def _row(values, raw=None, invalid=(), cells=None):
    return TableRow(
        row=5,
        values=dict(values),
        cells=cells or {"state": "H5", "actual_date": "G5", "progress": "F5"},
        raw=dict(raw or values),
        invalid=set(invalid),
    )


def _submission(schedule, issues=()):
    table = SimpleNamespace(sheet="推进表")
    return SimpleNamespace(
        schedule=schedule, tables={"unit_schedule": table}, issues=list(issues)
    )


def test_a_node_is_done_only_with_a_valid_actual_date():
    task, _ = _task([D(2022, 8, 31), D(2022, 9, 20), D(2022, 12, 31)])
    after = make_issue(
        Code.ACTUAL_AFTER_AS_OF,
        sheet="推进表",
        cell="G5",
        value="2022-10-05",
        detail="2022-09-30",
    )
    sub = _submission(
        {
            ("X", 1): _row({"state": "已完成", "actual_date": "2022-08-30"}),
            # 已完成 with a date after the as-of date: the date was rejected
            ("X", 2): _row(
                {"state": "已完成"},
                raw={"state": "已完成", "actual_date": dt.datetime(2022, 10, 5)},
                invalid={"actual_date"},
            ),
            # an unknown state word: rejected
            ("X", 3): _row({}, raw={"state": "完成了"}, invalid={"state"}),
        },
        [after],
    )
    states = milestone_states(task, sub, SETTINGS.as_of)
    assert [st.done for st in states] == [True, False, False]
    assert [st.overdue_days for st in states] == [0, 10, 0]
    assert states[1].state == "已完成（无有效的实际完成日期，未计入）"
    assert states[1].rejected == (
        "未采用：实际完成日期 2022-10-05 晚于数据截止日期 2022-09-30（推进表!G5，见校验报告）"
    )
    assert states[2].state == "填报有误，未采用（按未完成计）"
    assert (
        states[2].rejected
        == "未采用：节点状态“完成了”——填报有误（推进表!H5，见校验报告）"
    )
    assert milestone_states(task, _submission({}), SETTINGS.as_of)[0].state == "未填报"


def test_readme_states_every_rule_in_the_same_words():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme.split("## 状态怎么判定")[1].split("\n## ")[0]
    defaults = Settings(
        year=2022, period="2022Q3", as_of=D(2022, 9, 30), return_deadline=None
    )
    lines = [f"- **{label}**：{text}" for label, text in status_rules(defaults)]
    assert [line for line in lines if line not in section] == []
    # and every rule line there is one of them (no hand-written rule drifting apart)
    listed = [line for line in section.splitlines() if line.startswith("- **")]
    assert listed == lines
    assert (
        "被判为错误的内容在任何地方都不采用（状态、计数、图表、台账），台账中注明未采用的内容和原因"
        in readme.split("## 错误与提醒")[1]
    )


def test_rejected_values_are_named_not_used_in_the_ledger(small):
    small.fill(
        "U01",
        {
            (LEDGER, "T1", "完成进度(%)"): 100,  # T1's last node is not done: rejected
            ("推进表", ("T1", 3), "节点状态"): "暂停",  # not a listed state: rejected
        },
    )
    small.fill("U03", {(LEDGER, "T4", "完成进度(%)"): 40.05})  # 50 − 40.05 = 9.95
    # U02 does not return
    result = small.run()
    progress_cell = cell_of(
        openpyxl.load_workbook(small.issued("U01"))[LEDGER], "T1", "完成进度(%)"
    )
    book = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "汇总台账.xlsx")
    rows = ledger_rows(small)
    t1 = rows["T1"]
    assert (t1["填报进度(%)"], t1["落后百分点"], t1["状态"]) == (None, None, "正常推进")
    assert t1["判定依据"] == (
        "完成进度填报有误未采用，不作序时进度比较，按节点判定：已完成 2/4 个节点，无逾期节点"
    )
    assert t1["未采用的填报内容"].startswith("未采用：完成进度为 100%，但节点")
    assert f"（{LEDGER}!{progress_cell}，见校验报告）" in t1["未采用的填报内容"]
    # the task's row also names what was not used in its nodes
    assert "\n第 3 个节点未采用：节点状态“暂停”不是可选值" in t1["未采用的填报内容"]
    t4 = rows["T4"]
    assert (t4["状态"], t4["填报进度(%)"], t4["序时进度(%)"]) == ("正常推进", 40.05, 50)
    assert t4["落后百分点"] == pytest.approx(9.95)
    assert "序时进度 50%，填报进度 40.05%，落后 9.95 个百分点" in t4["判定依据"]
    ws = book["汇总台账"]
    header = [c.value for c in ws[3]]
    t4_row = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "T4")
    for title in ("序时进度(%)", "填报进度(%)", "落后百分点"):
        assert t4_row[header.index(title)].number_format == "0.00"
    # U02 did not return: its task and nodes say so, nothing is judged
    assert rows["T3"]["状态"] == "未报送" and rows["T3"]["报送情况"] == "未报送"
    nodes = {
        (r[0], r[3]): dict(zip([c.value for c in book["节点明细"][3]], r, strict=False))
        for r in book["节点明细"].iter_rows(min_row=4, values_only=True)
        if r[0]
    }
    assert nodes[("T3", 1)]["节点状态"] == "未报送"
    assert nodes[("T1", 3)]["节点状态"] == "填报有误，未采用（按未完成计）"
    assert nodes[("T1", 3)]["未采用的填报内容"].startswith(
        "未采用：节点状态“暂停”不是可选值"
    )
    assert nodes[("T1", 4)]["节点状态"] == "推进中"
    # 说明 lists every rule with this campaign's thresholds, in the same words as README
    explained = {
        r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r[0] and r[1]
    }
    for label, text in status_rules(result.campaign.settings):
        assert explained.get(label) == text


def test_five_checks_do_not_claim_a_pace_comparison_that_was_not_made():
    unit = SimpleNamespace(name="甲")
    tasks = pd.DataFrame(
        [
            {
                "lead_unit": "甲",
                "status": "正常推进",
                "reported_pct": None,
                "task_id": "A",
            },
            {
                "lead_unit": "甲",
                "status": "正常推进",
                "reported_pct": 60.0,
                "task_id": "B",
            },
            {"lead_unit": "甲", "status": "已完成", "reported_pct": None, "task_id": "C"},
        ]
    )
    assert check_progress(unit, tasks) == (
        "绿",
        "无滞后、严重滞后的任务（其中 1 项未填报完成进度或填报有误未采用，未作序时进度比较，只按节点判定）",
    )
    assert check_progress(unit, tasks.drop(index=0)) == ("绿", "无滞后、严重滞后的任务")


PACE_TEXT = re.compile(
    r"序时进度 ([\d.]+)%，填报进度 ([\d.]+)%(?:，落后 ([\d.]+) 个百分点)?"
)


@given(
    total=st.integers(min_value=1, max_value=12),
    due_share=st.floats(min_value=0, max_value=1),
    threshold=st.sampled_from([0, 10, 30]),
    offset=st.integers(min_value=-20, max_value=20),
)
@example(total=3, due_share=2 / 3, threshold=10, offset=3)  # 66.67 − 56.7: 9.97
def test_printed_pace_figures_reach_the_printed_status(
    total, due_share, threshold, offset
):
    # a progress (two decimals at most) close to a threshold's edge; every due node
    # done (nothing overdue), so the pace alone decides
    due = round(due_share * total)
    expected = Fraction(100 * due, total)
    hundredths = round((expected - threshold) * 100) + offset
    assume(0 <= hundredths <= 10000)
    planned = [SETTINGS.as_of - dt.timedelta(days=total - i) for i in range(due)] + [
        SETTINGS.as_of + dt.timedelta(days=i + 1) for i in range(total - due)
    ]
    progress = hundredths / 100
    result = _eval(planned, progress, done=set(range(1, due + 1)))
    if result.status in ("已完成", "未开始"):
        return
    expected, reported, gap = PACE_TEXT.search(result.reason).groups()
    shown_gap = Fraction(gap) if gap else Fraction(0)
    for behind in (shown_gap, Fraction(expected) - Fraction(reported)):
        if behind > 30:
            verdict = "严重滞后"
        elif behind >= 10:
            verdict = "滞后"
        else:
            verdict = "正常推进"
        assert verdict == result.status, (result.reason, behind)


def test_a_task_without_milestones_is_issued_its_deadline_as_a_node_and_can_be_done(
    tmp_path,
):
    import copy

    from conftest import SETTINGS, SMALL, Campaign

    from siyi_xlsx.read.master import MASTER_FILE
    from siyi_xlsx.write.master import write_master

    data = copy.deepcopy(SMALL)
    data["milestones"] = [m for m in data["milestones"] if m["task_id"] != "T2"]
    folder = tmp_path / "campaign"
    folder.mkdir()
    write_master(folder / MASTER_FILE, data, SETTINGS)
    campaign = Campaign(folder)
    # T2 (deadline 2022-09-30) is reported done on its deadline in its one 推进表 row
    campaign.fill(
        "U01",
        {
            ("推进表", ("T2", 1), "节点状态"): "已完成",
            ("推进表", ("T2", 1), "实际完成日期"): dt.datetime(2022, 9, 30),
        },
    )
    result = campaign.analyse()
    t2 = result.tasks.set_index("task_id").loc["T2"]
    assert (t2["milestones"], t2["done"], t2["status"]) == (1, 1, "已完成")
    node = result.milestones[result.milestones["task_id"] == "T2"].iloc[0]
    assert node["content"] == "完成全部任务（完成时限）"
    assert "TASK_NO_MILESTONE" in {i.code for i in result.issues}
