"""What leaders read about units that have not reported, milestones due soon, and the
dates a reminder quotes (issue 10): rules tested in memory, boundaries included."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import openpyxl
import pandas as pd
from conftest import SETTINGS as SMALL_SETTINGS
from conftest import SMALL

from siyi_xlsx.compute import reminders
from siyi_xlsx.compute.bulletin import Rules, standings
from siyi_xlsx.compute.progress import (
    NO_RETURN_REASON,
    build_tables,
    due_soon,
    due_soon_text,
    evaluate_task,
    milestone_states,
    status_counts,
    task_light,
)
from siyi_xlsx.read.master import Milestone, Settings, Task, Unit, load_campaign
from siyi_xlsx.statuses import TaskStatus
from siyi_xlsx.write.master import write_master
from siyi_xlsx.write.summary import return_line, unit_ranking

D = dt.date
AS_OF = D(2022, 9, 30)
S = Settings(2022, "2022Q3", AS_OF, D(2022, 10, 10))


def _task(task_id: str, lead: str, *dates: dt.date) -> Task:
    return Task(
        task_id,
        f"任务{task_id}",
        "领域",
        lead,
        "目标1项",
        max(dates),
        milestones=[
            Milestone(task_id, n, f"节点{n}", d) for n, d in enumerate(dates, start=1)
        ],
    )


# ----------------------------------------------------------------------------- 未报送


def test_a_unit_without_a_usable_file_is_not_judged_from_the_masters_dates():
    task = _task("X", "甲", D(2022, 5, 31), D(2022, 12, 31))  # first node 122 days ago
    states = milestone_states(task, None, AS_OF)
    judged = evaluate_task(task, states, None, False, S)
    assert (judged.status, judged.max_overdue_days) == (TaskStatus.SERIOUS, 122)
    unjudged = evaluate_task(task, states, None, False, S, returned=False)
    assert (unjudged.status, unjudged.light) == (TaskStatus.NO_RETURN, "灰")
    assert (unjudged.max_overdue_days, unjudged.overdue, unjudged.gap_pp) == (0, 0, None)
    assert unjudged.reason == NO_RETURN_REASON and "逾期" not in unjudged.reason


def _campaign(tasks: list[Task], settings: Settings = S, units=("甲", "乙", "丙")):
    by_name = {
        name: Unit(f"U{n}", name, "区直部门", "", "", "") for n, name in enumerate(units)
    }
    return SimpleNamespace(
        settings=settings,
        tasks={t.task_id: t for t in tasks},
        units={u.code: u for u in by_name.values()},
        unit_by_name=by_name.get,
        tasks_of=lambda unit: [t for t in tasks if t.lead_unit == unit.name],
        review_of=lambda task_id, until=None: None,  # no 销号审核 decisions
        issues=[],
    )


def _empty_submission():
    return SimpleNamespace(ledger={}, schedule={}, tables={}, issues=[], name="乙.xlsx")


def test_ledger_rows_of_unreported_and_due_soon_tasks():
    tasks = [
        _task("A", "甲", D(2022, 7, 1), D(2022, 10, 3)),  # 甲 sent nothing
        _task("B", "乙", D(2022, 10, 3), D(2022, 12, 1)),  # nothing due yet, one soon
        _task("C", "乙", D(2022, 10, 20)),  # nothing due within 7 days
    ]
    frame, nodes = build_tables(_campaign(tasks), {"U1": _empty_submission()})
    rows = frame.set_index("task_id")
    assert rows.loc["A", "status"] == TaskStatus.NO_RETURN
    assert rows.loc["A", "light"] == "灰"  # grey wins over the 临期 mark
    assert pd.isna(rows.loc["A", "max_overdue_days"]) and pd.isna(rows.loc["A", "done"])
    assert rows.loc["A", "due_soon"] == "第 2 个节点“节点2”2022-10-03 到期（还有 3 天）"
    assert (rows.loc["B", "status"], rows.loc["B", "light"]) == ("未开始", "浅黄")
    assert (rows.loc["C", "status"], rows.loc["C", "light"]) == ("未开始", "绿")
    # the year-end deductions still see what the dates say: not reporting saves nothing
    assert rows.loc["A", "dated_status"] == TaskStatus.SERIOUS
    assert rows.loc["B", "dated_status"] == rows.loc["B", "status"]
    detail = nodes.set_index(["task_id", "seq"])
    assert detail.loc[("A", 1), "state"] == "未报送"
    assert detail.loc[("A", 1), "overdue_days"] == 91  # shown next to 未报送, not judged
    assert detail.loc[("B", 1), "due_soon"] == "临期（还有 3 天）"
    assert detail.loc[("B", 2), "due_soon"] == ""


# ----------------------------------------------------------------------------- 临期


def test_due_soon_window_is_after_the_as_of_date_up_to_n_days_inclusive():
    task = _task(
        "X",
        "甲",
        AS_OF,  # due on the as-of date: not 临期 (judged by the status rules)
        AS_OF + dt.timedelta(days=1),
        AS_OF + dt.timedelta(days=3),  # done: not 临期
        AS_OF + dt.timedelta(days=7),  # exactly N days: 临期
        AS_OF + dt.timedelta(days=8),  # N + 1: not yet
    )
    states = milestone_states(task, None, AS_OF)
    states[2] = dataclasses.replace(states[2], done=True)
    soon = due_soon(states, S)
    assert [(st.milestone.seq, days) for st, days in soon] == [(2, 1), (4, 7)]
    assert due_soon_text(soon[:1]) == "第 2 个节点“节点2”2022-10-01 到期（还有 1 天）"
    assert due_soon(states, dataclasses.replace(S, warn_days=0)) == []
    assert due_soon(states, dataclasses.replace(S, warn_days=8))[-1][1] == 8


def test_due_soon_is_a_mark_on_green_tasks_only():
    assert task_light(TaskStatus.ON_PACE, True) == "浅黄"
    assert task_light(TaskStatus.NOT_STARTED, True) == "浅黄"
    assert task_light(TaskStatus.ON_PACE, False) == "绿"
    assert task_light(TaskStatus.BEHIND, True) == "黄"
    assert task_light(TaskStatus.SERIOUS, True) == "红"
    assert task_light(TaskStatus.NO_RETURN, True) == "灰"


# ----------------------------------------------------------------------------- counts


def _frame(rows):
    return pd.DataFrame(
        [
            {"task_id": f"T{n}", "lead_unit": u, "status": s}
            for n, (u, s) in enumerate(rows)
        ]
    )


def test_counts_and_ranking_follow_the_master_and_leave_out_unreported_tasks():
    # master order 长青乡, 永安街道, 区发改局 — by character code it would be 区, 永, 长
    order = {"长青乡": 0, "永安街道": 1, "区发改局": 2}
    tasks = _frame(
        [
            ("区发改局", "正常推进"),
            ("区发改局", "滞后"),
            ("永安街道", "未报送"),
            ("永安街道", "未报送"),
            ("长青乡", "滞后"),
            ("长青乡", "已完成"),
        ]
    )
    counts = status_counts(tasks, "lead_unit", tuple(order))
    assert list(counts["lead_unit"]) == ["长青乡", "永安街道", "区发改局", "合计"]
    assert counts.iloc[-1]["未报送"] == 2
    ranking = unit_ranking(tasks, order)
    # equal rates (50): the master's order; 永安街道 reported nothing: not ranked, last
    assert list(ranking["lead_unit"]) == ["长青乡", "区发改局", "永安街道"]
    assert list(ranking["rate"].iloc[:2]) == [50, 50]
    assert list(ranking["rank"].iloc[:2]) == [1, 1]
    assert pd.isna(ranking["rate"].iloc[2]) and pd.isna(ranking["rank"].iloc[2])
    assert ranking["no_return"].iloc[2] == 2


def test_bulletin_rate_over_reported_tasks_and_no_rank_without_any():
    tasks = _frame(
        [("甲", "正常推进"), ("甲", "严重滞后"), ("乙", "未报送"), ("丙", "已完成")]
    )
    table = standings(tasks, pd.DataFrame(), Rules(100, 1, 1, 2), {"丙": 0, "甲": 1})
    rows = table.set_index("unit")
    assert list(table["unit"]) == ["丙", "甲", "乙"]
    assert (rows.loc["甲", "rate"], rows.loc["甲", "verdict"]) == (50, "批评")
    assert (rows.loc["丙", "verdict"], rows.loc["丙", "light"]) == ("表扬", "绿")
    assert rows.loc["乙", "light"] == "灰" and rows.loc["乙", "no_return"] == 1
    assert pd.isna(rows.loc["乙", "rank"]) and rows.loc["乙", "verdict"] == ""


def test_front_page_return_line_names_who_has_not_reported():
    returns = [
        {"name": "甲", "status": "按时报送", "file": "a.xlsx"},
        {"name": "乙", "status": "被退回", "file": "b.xlsx"},
        {"name": "丙", "status": "被退回", "file": ""},  # its only file was rejected
        {"name": "丁", "status": "未报送", "file": ""},
        {"name": "戊", "status": "无需报送", "file": ""},
    ]
    tasks = _frame([("丙", "未报送"), ("丁", "未报送"), ("甲", "正常推进")])
    assert return_line(returns, tasks) == (
        "报送情况：已报送 2/4 个单位（其中 1 个有错误已退回修改）；未报送 1 个：丁；"
        "文件未采用 1 个：丙。这些单位牵头的 2 项任务显示为“未报送”（灰灯），不作判定，不计入正常推进率。"
    )
    everyone = [{"name": "甲", "status": "按时报送", "file": "a.xlsx"}]
    assert return_line(everyone, _frame([("甲", "正常推进")])) == (
        "报送情况：已报送 1/1 个单位。"
    )
    # a closed task is named, so that the rate recomputes from the tiles
    closed = _frame([("甲", "正常推进"), ("甲", "已销号")])
    assert return_line(everyone, closed) == (
        "报送情况：已报送 1/1 个单位。“已完成”中含已销号 1 项（办公室已审核关闭），不计入正常推进率。"
    )


# ----------------------------------------------------------------------------- dates


def test_todo_never_quotes_a_passed_date():
    todo = reminders.todo_text
    assert S.resubmit_by == D(2022, 10, 15)  # blank: 报送截止日期 + 5 days
    assert todo("未报送", S, when=D(2022, 10, 10)) == "请于 2022-10-10 前报送"
    assert todo("未报送", S, when=D(2022, 10, 11)) == (
        "已逾期（报送截止日期 2022-10-10），请于 2022-10-15 前补报"
    )
    assert todo("未报送", S, when=D(2022, 10, 15)).endswith("请于 2022-10-15 前补报")
    assert todo("未报送", S, when=D(2022, 10, 16)) == (
        "已逾期（报送截止日期 2022-10-10），补报截止日期 2022-10-15 也已过，请立即补报"
    )
    # a 退回件 is due back by 补报截止日期, typed or by default
    assert todo("被退回", S, errors=3, when=D(2022, 10, 2)) == (
        "按退回件修改 3 处错误后，于 2022-10-15 前重新报送"
    )
    typed = dataclasses.replace(S, resubmit_deadline=D(2022, 10, 20))
    assert todo("被退回", typed, errors=3, when=D(2022, 10, 20)).endswith(
        "于 2022-10-20 前重新报送"
    )
    assert todo("被退回", typed, errors=3, when=D(2022, 10, 21)) == (
        "按退回件修改 3 处错误后，立即（补报截止日期 2022-10-20 已过）重新报送"
    )
    undated = dataclasses.replace(S, return_deadline=None)
    assert todo("未报送", undated) == "请尽快报送"
    assert todo("按时报送", S) == ""
    # a file rejected as a whole: its reasons survive rebuilding the text on a later day
    first = todo("被退回", S, reasons="不是本期的表", when=D(2022, 10, 1))
    assert first == "请于 2022-10-15 前重新报送可采用的填报表。文件无法采用：不是本期的表"
    row = {"status": "被退回", "file": "", "errors": 1, "todo": first}
    assert reminders.current_todo(row, S, D(2022, 10, 16)) == (
        "请立即（补报截止日期 2022-10-15 已过）重新报送可采用的填报表。文件无法采用：不是本期的表"
    )


def test_notice_deadline_sentence_on_both_sides_of_each_date():
    notice = reminders.notice_deadline
    assert "于 2022-10-10 前完成报送" in notice(S, D(2022, 10, 10))
    after = notice(S, D(2022, 10, 11))
    assert "2022-10-10 已过" in after and "2022-10-15 前完成补报" in after
    assert "均已过" in notice(S, D(2022, 10, 16)) and " 前" not in notice(
        S, D(2022, 10, 16)
    )


def test_settings_for_early_warning_and_resubmission(tmp_path):
    settings = {**SMALL_SETTINGS, "resubmit_deadline": D(2022, 10, 5)}
    write_master(tmp_path / "任务总表.xlsx", SMALL, settings)
    book = openpyxl.load_workbook(tmp_path / "任务总表.xlsx")
    for row in book["设置"].iter_rows(min_row=4):
        if row[0].value == "临期提醒天数":
            row[1].value = None
    book.save(tmp_path / "任务总表.xlsx")
    c = load_campaign(tmp_path)
    # 补报截止日期 before 报送截止日期: not used (default + 5 days), with a reminder
    assert sorted(i.code for i in c.issues) == [
        "RESUBMIT_BEFORE_DEADLINE",
        "SETTING_DEFAULT",
    ]
    assert (c.settings.resubmit_by, c.settings.warn_days) == (D(2022, 10, 15), 7)
    settings["resubmit_deadline"] = D(2022, 10, 10)  # the same day is allowed
    write_master(tmp_path / "任务总表.xlsx", SMALL, settings)
    c = load_campaign(tmp_path)
    assert c.issues == [] and c.settings.resubmit_by == D(2022, 10, 10)


def test_reminder_names_each_units_milestones_due_from_the_notice_day():
    tasks = [
        _task("A", "丙", D(2022, 10, 11), D(2022, 10, 19), D(2022, 10, 20)),
        _task("B", "甲", D(2022, 10, 12), D(2022, 10, 13)),
    ]
    campaign = _campaign(tasks)
    # sent 2022-10-12: from that day to 7 days later; B's first node reported done
    assert reminders.reminder_window(S, D(2022, 10, 12)) == (
        D(2022, 10, 12),
        D(2022, 10, 19),
    )
    soon = reminders.upcoming_milestones(campaign, {("B", 1)}, D(2022, 10, 12))
    assert soon == {
        "甲": ["B 第 2 个节点“节点2”（2022-10-13）"],
        "丙": ["A 第 2 个节点“节点2”（2022-10-19）"],
    }
    assert list(soon) == ["甲", "丙"]  # the master's order
    # sent before the as-of date: the window starts the day after it
    assert reminders.reminder_window(S, D(2022, 9, 1)) == (D(2022, 10, 1), D(2022, 10, 7))
    off = _campaign(tasks, dataclasses.replace(S, warn_days=0))
    assert reminders.upcoming_milestones(off, (), D(2022, 10, 12)) == {}
