"""Task status against the as-of date: hand-computed cases, through the result workbook."""

from __future__ import annotations

import datetime as dt

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from siyi_xlsx.compute.progress import MilestoneState, evaluate_task
from siyi_xlsx.read.master import Milestone, Settings, Task

LEDGER = "重点工作台账"
SETTINGS = Settings(
    year=2022, period="2022Q3", as_of=dt.date(2022, 9, 30), return_deadline=None
)


def ledger_rows(small):
    ws = openpyxl.load_workbook(small.folder / "output" / "汇总台账.xlsx")["汇总台账"]
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
    # U03 does not return: T4's first milestone (2022-07-15) is 77 days overdue
    small.run()
    rows = ledger_rows(small)
    assert rows["T1"]["状态"] == "正常推进" and rows["T1"]["亮灯"] == "绿"
    assert rows["T1"]["序时进度(%)"] == 50 and rows["T1"]["填报进度(%)"] == 50
    assert rows["T2"]["状态"] == "已完成"
    assert rows["T3"]["状态"] == "未开始"
    assert rows["T4"]["状态"] == "严重滞后" and rows["T4"]["亮灯"] == "红"
    assert rows["T4"]["最长逾期天数"] == 77
    assert "第 1 个节点“选址”计划 2022-07-15 完成，已逾期 77 天" in rows["T4"]["判定依据"]
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
