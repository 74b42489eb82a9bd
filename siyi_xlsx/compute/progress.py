"""Task status from milestones against the as-of date (序时进度), as pandas tables.

Rules (thresholds from the master's 设置 sheet; DOMAIN.md §9):

* 已完成 — every milestone done (state 已完成 with an actual date ≤ as-of date);
  申请销号 — the same, and the unit asked to close it off with evidence.
* 未开始 — nothing done, no progress reported, and the first milestone is not yet due.
* 严重滞后 — a milestone overdue by ≥ ``serious_late_days`` days, or reported progress
  more than ``serious_pace_gap_pp`` points behind the planned pace.
* 滞后 — a milestone overdue by more than ``late_days`` days, or progress at least
  ``pace_gap_pp`` points behind the planned pace.
* 正常推进 — otherwise.

Planned pace = share of milestones due by the as-of date. A task without milestones
uses its deadline as its only milestone. Every status carries the reason (判定依据).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from siyi_xlsx.check.validate import milestone_done
from siyi_xlsx.read.master import Campaign, Milestone, Settings, Task
from siyi_xlsx.statuses import ReportedMilestoneState, TaskStatus

STATUS_ORDER = (
    TaskStatus.SERIOUS,
    TaskStatus.BEHIND,
    TaskStatus.ON_PACE,
    TaskStatus.NOT_STARTED,
    TaskStatus.DONE,
    TaskStatus.CLOSING,
)
LIGHT = {
    TaskStatus.SERIOUS: "红",
    TaskStatus.BEHIND: "黄",
    TaskStatus.ON_PACE: "绿",
    TaskStatus.NOT_STARTED: "绿",
    TaskStatus.DONE: "绿",
    TaskStatus.CLOSING: "绿",
}


@dataclass(frozen=True)
class MilestoneState:
    milestone: Milestone
    done: bool
    actual_date: dt.date | None
    state: str
    overdue_days: int  # > 0 when not done and past its planned date


@dataclass(frozen=True)
class TaskAssessment:
    """A task's status with the figures that decided it (判定依据)."""

    status: TaskStatus
    light: str
    reason: str
    expected_pct: float
    reported_pct: float | None
    gap_pp: float | None
    done: int
    overdue: int
    max_overdue_days: int


def evaluate_task(
    task: Task,
    states: list[MilestoneState],
    progress: float | None,
    apply_close: bool,
    s: Settings,
) -> TaskAssessment:
    """Classify one task; ``states`` are its milestones as reported (or not)."""
    total = len(states)
    done = sum(st.done for st in states)
    due = sum(st.milestone.planned_date <= s.as_of for st in states)
    expected = round(100.0 * due / total, 1) if total else 0.0
    basis = progress if progress is not None else (100.0 * done / total if total else 0.0)
    gap = round(expected - basis, 1)
    overdue = [st for st in states if st.overdue_days > 0]
    worst = max(overdue, key=lambda st: st.overdue_days, default=None)
    max_days = worst.overdue_days if worst else 0

    def finish(status: TaskStatus, reason: str) -> TaskAssessment:
        return TaskAssessment(
            status,
            LIGHT[status],
            reason,
            expected,
            progress,
            gap if progress is not None or total else None,
            done,
            len(overdue),
            max_days,
        )

    if total and done == total:
        if apply_close:
            return finish(
                TaskStatus.CLOSING, f"全部 {total} 个节点已完成，单位申请销号（待审核）"
            )
        return finish(TaskStatus.DONE, f"全部 {total} 个节点已完成")
    pace = f"序时进度 {expected:g}%，{'填报进度' if progress is not None else '按节点折算进度'} {round(basis, 1):g}%"
    late_text = ""
    if worst:
        m = worst.milestone
        late_text = f"第 {m.seq} 个节点“{m.content}”计划 {m.planned_date.isoformat()} 完成，已逾期 {worst.overdue_days} 天"
        if len(overdue) > 1:
            late_text += f"（共 {len(overdue)} 个节点逾期）"
    if max_days >= s.serious_late_days:
        return finish(
            TaskStatus.SERIOUS,
            f"{late_text}，达到严重滞后标准（≥{s.serious_late_days} 天）",
        )
    if gap > s.serious_pace_gap_pp:
        return finish(
            TaskStatus.SERIOUS,
            f"{pace}，落后 {gap:g} 个百分点，超过严重滞后标准（>{s.serious_pace_gap_pp:g} 个百分点）",
        )
    if max_days > s.late_days:
        return finish(
            TaskStatus.BEHIND, f"{late_text}，达到滞后标准（>{s.late_days} 天）"
        )
    if gap >= s.pace_gap_pp and gap > 0:
        return finish(
            TaskStatus.BEHIND,
            f"{pace}，落后 {gap:g} 个百分点（≥{s.pace_gap_pp:g} 个百分点为滞后）",
        )
    if (
        done == 0
        and not progress
        and states
        and states[0].milestone.planned_date > s.as_of
    ):
        return finish(
            TaskStatus.NOT_STARTED,
            f"首个节点计划 {states[0].milestone.planned_date.isoformat()} 完成，尚未到期",
        )
    return finish(
        TaskStatus.ON_PACE,
        f"{pace}，无逾期节点"
        if not overdue
        else f"{pace}；{late_text}（未超过滞后标准）",
    )


def milestone_states(task: Task, submission: Any, as_of: dt.date) -> list[MilestoneState]:
    """Each milestone's state as the unit reported it (nothing reported = not done)."""
    milestones = task.milestones or [
        Milestone(task.task_id, 1, "完成全部任务（完成时限）", task.deadline)
    ]
    states = []
    for m in milestones:
        row = submission.schedule.get((task.task_id, m.seq)) if submission else None
        done = milestone_done(row)
        actual = dt.date.fromisoformat(row.values["actual_date"]) if done else None
        state = row.values.get("state", "") if row else ""
        if state == ReportedMilestoneState.DONE and not done:
            state = "已完成（日期有误，未计入）"  # the date was rejected: see 校验报告
        overdue = 0 if done or m.planned_date >= as_of else (as_of - m.planned_date).days
        states.append(
            MilestoneState(
                m,
                done,
                actual,
                state or (ReportedMilestoneState.DONE if done else "未填报"),
                overdue,
            )
        )
    return states


def build_tables(
    campaign: Campaign, submissions: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consolidated ledger (one row per task) and the milestone detail.

    ``submissions`` maps unit code to its accepted submission (absent = not returned).
    """
    s = campaign.settings
    tasks_out: list[dict[str, Any]] = []
    milestones_out: list[dict[str, Any]] = []
    for task in campaign.tasks.values():
        unit = campaign.unit_by_name(task.lead_unit)
        sub = submissions.get(unit.code) if unit else None
        row = sub.ledger.get(task.task_id) if sub else None
        values = row.values if row else {}
        states = milestone_states(task, sub, s.as_of)
        # a request without evidence was rejected (REQUIRED) and does not count
        apply_close = values.get("apply_close") == "是" and bool(values.get("evidence"))
        result = evaluate_task(task, states, values.get("progress"), apply_close, s)
        tasks_out.append(
            {
                "task_id": task.task_id,
                "title": task.title,
                "area": task.area,
                "category": task.category,
                "lead_unit": task.lead_unit,
                "unit_code": unit.code if unit else "",
                "unit_kind": unit.kind if unit else "",
                "support_units": "、".join(task.support_units),
                "front_leader": task.front_leader,
                "team": task.team,
                "target": task.target,
                "deadline": task.deadline,
                "milestones": len(states),
                "done": result.done,
                "overdue": result.overdue,
                "max_overdue_days": result.max_overdue_days,
                "expected_pct": result.expected_pct,
                "reported_pct": result.reported_pct,
                "gap_pp": result.gap_pp,
                "status": result.status,
                "light": result.light,
                "reason": result.reason,
                "status_text": values.get("status_text", ""),
                "problems": values.get("problems", ""),
                "next_steps": values.get("next_steps", ""),
                "apply_close": values.get("apply_close", ""),
                "evidence": values.get("evidence", ""),
                "returned": "已报送"
                if row
                else ("未报送" if not sub else "未填报该任务"),
                "source_file": sub.name if sub else "",
            }
        )
        for st in states:
            srow = sub.schedule.get((task.task_id, st.milestone.seq)) if sub else None
            milestones_out.append(
                {
                    "task_id": task.task_id,
                    "title": task.title,
                    "lead_unit": task.lead_unit,
                    "seq": st.milestone.seq,
                    "content": st.milestone.content,
                    "planned_date": st.milestone.planned_date,
                    "actual_date": st.actual_date,
                    "state": st.state,
                    "overdue_days": st.overdue_days,
                    "evidence": srow.values.get("evidence", "") if srow else "",
                }
            )
    tasks = pd.DataFrame(tasks_out)
    details = pd.DataFrame(milestones_out)
    return tasks, details


def status_counts(tasks: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts of each status per ``by`` (area, lead unit, front leader), with totals."""
    if tasks.empty:
        return pd.DataFrame(columns=[by, *STATUS_ORDER, "合计"])
    labels = tasks[by].replace("", "（未指定）").fillna("（未指定）")
    table = pd.crosstab(labels.rename(by), tasks["status"]).reindex(
        columns=list(STATUS_ORDER), fill_value=0
    )
    table["合计"] = table.sum(axis=1)
    table = table.reset_index()
    total = {by: "合计", **{c: int(table[c].sum()) for c in [*STATUS_ORDER, "合计"]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)
