"""Task status from milestones against the as-of date (序时进度), as pandas tables.

The rules, with the thresholds of the master's 设置 sheet, are stated once in
:func:`status_rules` (the ledger's 说明 sheet prints them; README quotes them for the
default thresholds) and applied by :func:`evaluate_task`:

* 未报送 — the lead unit has no usable file this period (none sent, or every file it
  sent rejected as a whole): nothing is judged from the master's dates.
* 已完成 / 申请销号 — every milestone done (state 已完成 with an actual date ≤ as-of).
* 严重滞后 — a milestone overdue by ≥ ``serious_late_days`` days, or reported progress
  more than ``serious_pace_gap_pp`` points behind the planned pace.
* 滞后 — a milestone overdue by more than ``late_days`` days, or progress at least
  ``pace_gap_pp`` points behind the planned pace.
* 未开始 — nothing done, no progress, and the earliest-planned milestone not yet due.
* 正常推进 — otherwise.

临期 (early warning) is a mark, not a status: a milestone not done whose planned date
falls within ``warn_days`` days after the as-of date. It lights a green task pale yellow.

Planned pace (序时进度) = share of milestones planned on or before the as-of date. Gaps are
compared exactly (fractions, never rounded first); printed figures carry as many decimals
as it takes to land on the same side of every threshold. Without usable progress (not
reported, or rejected as 错误) the pace test is not applied: the milestones decide.

A value the checks judged 错误 was removed from its row before it gets here; it is only
named, with the reason, in the ``rejected`` notes of the ledger and the milestone detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pandas as pd

from siyi_xlsx import schema as schemas
from siyi_xlsx.check.validate import milestone_done
from siyi_xlsx.compute.closing import closing_rules, task_review
from siyi_xlsx.errors import ERROR, Code, Issue
from siyi_xlsx.read.master import (
    NO_MILESTONE_CONTENT,
    Campaign,
    Milestone,
    Settings,
    Task,
)
from siyi_xlsx.statuses import ReportedMilestoneState, TaskStatus

STATUS_ORDER = (
    TaskStatus.SERIOUS,
    TaskStatus.BEHIND,
    TaskStatus.NO_RETURN,
    TaskStatus.ON_PACE,
    TaskStatus.NOT_STARTED,
    TaskStatus.DONE,
    TaskStatus.CLOSING,
    TaskStatus.CLOSED,
)
LIGHT = {
    TaskStatus.SERIOUS: "红",
    TaskStatus.BEHIND: "黄",
    TaskStatus.ON_PACE: "绿",
    TaskStatus.NOT_STARTED: "绿",
    TaskStatus.DONE: "绿",
    TaskStatus.CLOSING: "绿",
    TaskStatus.NO_RETURN: "灰",
    TaskStatus.CLOSED: "绿",
}
WARN_LIGHT = "浅黄"  # a green-lit task with a 临期 milestone
NOT_REPORTED = "未填报"
NO_RETURN_REASON = (
    "牵头单位本期没有可采用的填报表（未报送，或报送的文件整份未被采用，见校验报告“报送情况”），"
    "不按节点日期判定"
)
NOT_RETURNED = "未报送"
# how 领导汇总, its ranking and 通报 take the on-track rate (one sentence, printed by all)
RATE_RULE = (
    "(已报送的任务数 − 滞后 − 严重滞后) ÷ 已报送的任务数 × 100%；已报送的任务数 = 牵头任务数 − 未报送 − 已销号（办公室已审核关闭的任务不再计入）。"
    "未报送的任务不计入分母，另行列出；没有已报送任务的单位不计算正常推进率，不参加排名。"
)
MAX_PLACES = 12
_LEDGER = schemas.load("unit_ledger")  # 重点工作台账
_SCHEDULE = schemas.load("unit_schedule")  # 推进表


# ----------------------------------------------------------------------------- the rules


def status_rules(s: Settings) -> list[tuple[str, str]]:
    """Every rule deciding a task's status, as (label, sentence) with the thresholds in
    force: the ledger's 说明 sheet prints these lines, and README's "状态怎么判定" quotes
    them for the default thresholds (a test holds the two together)."""
    titles = schemas.load("master_settings")
    pace = f"落后百分点 ≥ {s.pace_gap_pp:g}" if s.pace_gap_pp > 0 else "落后百分点 > 0"
    return [
        (
            "判定顺序",
            "按下列顺序判定，先符合者为准：未报送 → 已完成 / 申请销号 → 严重滞后 → 滞后 → 未开始 → 正常推进。",
        ),
        (
            "未报送（灰灯）",
            "牵头单位本期没有可采用的填报表：没有报送，或报送的文件整份未被采用（不是本期的表、不是填报表等，见校验报告“报送情况”）。"
            "不按任务总表的节点日期判定滞后，台账不列其已完成节点、逾期节点数和最长逾期天数，单独计数；节点明细照列各节点计划完成日期已过的天数（完成情况不明，按未完成计）；有错误被退回修改、但文件已采用的单位，其无误的内容照常采用，按下列规则判定。",
        ),
        (
            "已完成 / 申请销号",
            "全部节点已完成；单位申请销号（节点全部完成且有佐证材料）的显示为“申请销号”，待办公室审核。",
        ),
        (
            "严重滞后（红灯）",
            f"有节点逾期天数 ≥ {s.serious_late_days}，或落后百分点 > {s.serious_pace_gap_pp:g}。",
        ),
        ("滞后（黄灯）", f"有节点逾期天数 > {s.late_days}，或{pace}。"),
        (
            "未开始",
            "没有完成的节点，未填报完成进度（或填报为 0），且首个节点的计划完成日期晚于数据截止日期。",
        ),
        ("正常推进（绿灯）", "不属于以上情形。"),
        (
            "临期（浅黄灯）",
            (
                f"未完成的节点，计划完成日期在数据截止日期之后 {s.warn_days} 天内（含第 {s.warn_days} 天）的为临期节点。"
                "临期是提醒标记，不是状态，不改变状态和计数；正常推进、未开始的任务有临期节点时亮浅黄灯。"
                "台账“临期节点”列、节点明细“临期”列和领导汇总“近期到期节点”表列出这些节点（未报送单位的也列出，注明未报送）。"
            )
            if s.warn_days > 0
            else "临期提醒天数为 0，不作临期提醒。",
        ),
        ("正常推进率", RATE_RULE),
        (
            "节点完成",
            "推进表中节点状态为“已完成”且实际完成日期不晚于数据截止日期，才算完成；"
            "单位未填写或填报有误未采用的节点，都按未完成计。",
        ),
        ("无节点的任务", "以任务总表中的完成时限为唯一节点。"),
        ("首个节点", "计划完成日期最早的节点，不一定是第 1 个节点。"),
        (
            "序时进度",
            "计划完成日期不晚于数据截止日期的节点数 ÷ 节点总数 × 100%；计划完成日期正好是数据截止日期的节点也计入。",
        ),
        (
            "逾期天数",
            "未完成节点的逾期天数 = 数据截止日期 − 计划完成日期；计划完成日期正好是数据截止日期的节点不算逾期。",
        ),
        (
            "落后百分点",
            "序时进度 − 填报的完成进度，按精确值与阈值比较，不先四舍五入；台账中的数字按需要多保留小数，读者按所列数字比较得出的结论与判定一致。",
        ),
        (
            "未填报完成进度",
            "单位未填写完成进度或所填进度填报有误未采用时，不作序时进度比较，只按节点判定（完成、逾期天数、未开始），“落后百分点”留空。"
            "不用“已完成节点数 ÷ 节点总数”代替完成进度：未完成的到期节点已经按逾期天数判定，再折算成进度会重复计算，使逾期 1 天的节点也成为严重滞后。",
        ),
        (
            "填报有误的内容",
            "被判为错误的内容在任何地方都不采用（状态、计数、图表、台账），按未填报处理；台账“未采用的填报内容”列注明原内容和原因，详见校验报告。",
        ),
        (
            "阈值从哪里改",
            "任务总表“设置”表中的"
            + "、".join(
                f"{titles.column(name).title}（{getattr(s, name):g}）"
                for name in (
                    "late_days",
                    "serious_late_days",
                    "pace_gap_pp",
                    "serious_pace_gap_pp",
                    "warn_days",
                )
            )
            + "。",
        ),
        *closing_rules(),  # 销号审核 (compute/closing.py)
    ]


# ----------------------------------------------------------------------------- figures


def exact(value: float | int) -> Fraction:
    """A typed number as the exact decimal it was written as (56.7 is 567/10, not the
    binary float next to it)."""
    return Fraction(str(value))


def _rounded(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, as Excel shows it."""
    with localcontext() as ctx:
        ctx.prec = 40
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def figure(value: Fraction | float | int, places: int = 1) -> str:
    """``value`` rounded to ``places`` decimals, trailing zeros dropped (66.7, 50, 9.97)."""
    shown = _rounded(exact(value) if not isinstance(value, Fraction) else value, places)
    text = f"{shown:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _decimals(value: Fraction) -> int:
    """How many decimals a decimal fraction needs (0 for an integer)."""
    places = 0
    while (value * 10**places).denominator != 1 and places < MAX_PLACES:
        places += 1
    return places


def _side(a: Fraction | Decimal, b: Fraction) -> int:
    return (a > b) - (a < b)


def pace_places(
    expected: Fraction, progress: Fraction | None, limits: Iterable[Fraction]
) -> int:
    """Decimals to print 序时进度, 填报进度 and the gap with, so that whoever compares the
    printed gap — or the printed 序时进度 minus the printed 填报进度 — with each of
    ``limits`` lands on the same side as the exact gap (10 is printed 9.97 when the gap is
    9.967). The reported progress is never cut: at least as many decimals as typed."""
    if progress is None:
        return 1
    gap = expected - progress
    limits = list(limits)
    places = max(1, _decimals(progress))
    while places < MAX_PLACES:
        shown_gap = Fraction(_rounded(gap, places))
        shown_diff = Fraction(_rounded(expected, places)) - progress
        if all(
            _side(shown_gap, t) == _side(gap, t) == _side(shown_diff, t) for t in limits
        ):
            break
        places += 1
    return places


# ----------------------------------------------------------------------------- one task


@dataclass(frozen=True)
class MilestoneState:
    milestone: Milestone
    done: bool
    actual_date: dt.date | None
    state: str
    overdue_days: int  # > 0 when not done and past its planned date
    rejected: str = ""  # what the unit filled in and was not used, with why


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
    places: int = 1  # decimals the pace figures are printed with (see pace_places)


def first_milestone(states: Sequence[MilestoneState]) -> MilestoneState | None:
    """首个节点: the milestone planned earliest (the lower number on a tie)."""
    return min(
        states,
        key=lambda st: (st.milestone.planned_date, st.milestone.seq),
        default=None,
    )


def due_soon(
    states: Sequence[MilestoneState], s: Settings
) -> list[tuple[MilestoneState, int]]:
    """临期: the milestones not done whose planned date falls within (as-of, as-of +
    ``warn_days``], each with the days left; none when ``warn_days`` is 0."""
    return [
        (st, (st.milestone.planned_date - s.as_of).days)
        for st in sorted(
            states, key=lambda st: (st.milestone.planned_date, st.milestone.seq)
        )
        if not st.done and 0 < (st.milestone.planned_date - s.as_of).days <= s.warn_days
    ]


def due_soon_text(soon: Sequence[tuple[MilestoneState, int]]) -> str:
    """临期节点 as the ledger shows them: ``第 3 个节点“主体完工”2022-10-05 到期（还有 5 天）``."""
    return "；".join(
        f"第 {st.milestone.seq} 个节点“{st.milestone.content}”"
        f"{st.milestone.planned_date.isoformat()} 到期（还有 {days} 天）"
        for st, days in soon
    )


def task_light(status: TaskStatus, soon: bool) -> str:
    """亮灯: the status's light, pale yellow (浅黄) for a green-lit task not yet done with a
    临期 milestone."""
    if soon and status in (TaskStatus.ON_PACE, TaskStatus.NOT_STARTED):
        return WARN_LIGHT
    return LIGHT[status]


def evaluate_task(
    task: Task,
    states: list[MilestoneState],
    progress: float | None,
    apply_close: bool,
    s: Settings,
    progress_rejected: bool = False,
    returned: bool = True,
) -> TaskAssessment:
    """Classify one task (rules: :func:`status_rules`); ``states`` are its milestones as
    reported (or not); ``progress`` is None when the unit gave none that could be used
    (``progress_rejected``: it gave one and it was judged 错误); ``returned`` is False
    when the lead unit has no usable file this period (未报送: nothing is judged)."""
    total = len(states)
    done = sum(st.done for st in states)
    due = sum(st.milestone.planned_date <= s.as_of for st in states)
    expected = Fraction(100 * due, total) if total else Fraction(0)
    reported = exact(progress) if progress is not None else None
    gap = expected - reported if reported is not None else None
    pace_limit, serious_limit = exact(s.pace_gap_pp), exact(s.serious_pace_gap_pp)
    places = pace_places(expected, reported, (pace_limit, serious_limit, Fraction(0)))
    overdue = [st for st in states if st.overdue_days > 0]
    worst = max(overdue, key=lambda st: st.overdue_days, default=None)
    max_days = worst.overdue_days if worst else 0

    def finish(status: TaskStatus, reason: str) -> TaskAssessment:
        return TaskAssessment(
            status,
            LIGHT[status],
            reason,
            float(expected),
            float(reported) if reported is not None else None,
            float(gap) if gap is not None else None,
            done,
            len(overdue),
            max_days,
            places,
        )

    if not returned:
        return TaskAssessment(
            TaskStatus.NO_RETURN,
            LIGHT[TaskStatus.NO_RETURN],
            NO_RETURN_REASON,
            float(expected),
            None,
            None,
            0,
            0,
            0,
        )
    if total and done == total:
        if apply_close:
            return finish(
                TaskStatus.CLOSING, f"全部 {total} 个节点已完成，单位申请销号（待审核）"
            )
        return finish(TaskStatus.DONE, f"全部 {total} 个节点已完成")
    if gap is None:
        lead = "完成进度填报有误未采用" if progress_rejected else "未填报完成进度"
        pace = f"{lead}，不作序时进度比较，按节点判定："
    else:
        pace = (
            f"序时进度 {figure(expected, places)}%，填报进度 {figure(reported, places)}%"
            + (f"，落后 {figure(gap, places)} 个百分点" if gap > 0 else "")
        )
    late_text = ""
    if worst:
        m = worst.milestone
        late_text = f"第 {m.seq} 个节点“{m.content}”计划 {m.planned_date.isoformat()} 完成，已逾期 {worst.overdue_days} 天"
        if len(overdue) > 1:
            late_text += f"（共 {len(overdue)} 个节点逾期）"
    nodes = "" if gap is not None else pace
    if max_days >= s.serious_late_days:
        return finish(
            TaskStatus.SERIOUS,
            f"{nodes}{late_text}，达到严重滞后标准（逾期 ≥{s.serious_late_days} 天）",
        )
    if gap is not None and gap > serious_limit:
        return finish(
            TaskStatus.SERIOUS,
            f"{pace}，超过严重滞后标准（>{s.serious_pace_gap_pp:g} 个百分点）",
        )
    if max_days > s.late_days:
        return finish(
            TaskStatus.BEHIND,
            f"{nodes}{late_text}，达到滞后标准（逾期 >{s.late_days} 天）",
        )
    if gap is not None and gap >= pace_limit and gap > 0:
        return finish(
            TaskStatus.BEHIND,
            f"{pace}，达到滞后标准（≥{s.pace_gap_pp:g} 个百分点）",
        )
    first = first_milestone(states)
    if done == 0 and not progress and first and first.milestone.planned_date > s.as_of:
        m = first.milestone
        return finish(
            TaskStatus.NOT_STARTED,
            f"{nodes}尚无完成的节点，首个节点“{m.content}”计划 {m.planned_date.isoformat()} 完成，尚未到期",
        )
    if gap is None:
        verdict = f"{pace}已完成 {done}/{total} 个节点，" + (
            "无逾期节点" if not overdue else f"{late_text}（未达到滞后标准）"
        )
    else:
        if gap > 0:
            pace += f"（未达到滞后标准 ≥{s.pace_gap_pp:g}）"
        verdict = f"{pace}，" + (
            "无逾期节点" if not overdue else f"{late_text}（未达到滞后标准）"
        )
    return finish(TaskStatus.ON_PACE, verdict)


# ----------------------------------------------------------------------------- rows


def _shown(value: Any) -> str:
    """A raw cell value as the unit sees it."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _what(message: str) -> str:
    """The 'what is wrong' part of a problem message, without how to fix it."""
    first = message.split("。")[0]
    return first.split("，请")[0]


def rejected_notes(
    row: Any, sheet: str, schema: Any, issues: Sequence[Issue]
) -> dict[str, str]:
    """What the unit filled in on ``row`` and was not used (judged 错误), by field, each
    with why: ``未采用：完成进度为 100%，但节点…尚未完成（重点工作台账!G5，见校验报告）``,
    ``未采用：申请销号“是”——申请销号须全部节点已完成…（…）``.

    ``schema`` gives the column titles. A field left blank is not listed (nothing was
    filled in); the reason is the 错误 reported at its cell, without how to fix it.
    """
    if row is None:
        return {}
    notes: dict[str, str] = {}
    for name in sorted(row.invalid, key=lambda n: (len(row.cell(n)), row.cell(n))):
        cell = row.cell(name)
        found = [
            i
            for i in issues
            if i.severity == ERROR and i.sheet == sheet and i.cell == cell
        ]
        raw = row.raw.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            # blank, unless it is a formula whose result was not saved
            raw = next((i.value for i in found if i.code == Code.FORMULA_NO_CACHE), None)
            if raw is None:
                continue
        what = "；".join(dict.fromkeys(_what(i.message) for i in found)) or "填报有误"
        shown = _shown(raw)
        label = f"{schema.column(name).title}“{shown}”"
        text = what if shown in what else f"{label}——{what}"
        notes[name] = f"未采用：{text}（{sheet}!{cell}，见校验报告）"
    return notes


def _state_text(row: Any, done: bool, rejected: list[str], returned: bool) -> str:
    """节点状态 as shown in the detail: what was used, or why nothing was."""
    if done:
        return ReportedMilestoneState.DONE
    if row is None:
        return NOT_RETURNED if not returned else NOT_REPORTED
    state = row.values.get("state", "")
    if state == ReportedMilestoneState.DONE:  # its date is missing or was rejected
        return "已完成（无有效的实际完成日期，未计入）"
    if "state" in row.invalid and rejected:
        return "填报有误，未采用（按未完成计）"
    if state:
        return state
    return "填报有误，未采用（按未完成计）" if rejected else NOT_REPORTED


def milestone_states(task: Task, submission: Any, as_of: dt.date) -> list[MilestoneState]:
    """Each milestone's state as the unit reported it (nothing usable = not done)."""
    milestones = task.milestones or [  # the master reader gives each task one
        Milestone(task.task_id, 1, NO_MILESTONE_CONTENT, task.deadline)
    ]
    table = submission.tables.get("unit_schedule") if submission else None
    sheet = table.sheet if table else ""
    states = []
    for m in milestones:
        row = submission.schedule.get((task.task_id, m.seq)) if submission else None
        done = milestone_done(row)
        actual = dt.date.fromisoformat(row.values["actual_date"]) if done else None
        rejected = list(
            rejected_notes(row, sheet, _SCHEDULE, submission.issues).values()
            if row
            else []
        )
        overdue = 0 if done or m.planned_date >= as_of else (as_of - m.planned_date).days
        states.append(
            MilestoneState(
                m,
                done,
                actual,
                _state_text(row, done, rejected, submission is not None),
                overdue,
                "\n".join(rejected),
            )
        )
    return states


def build_tables(
    campaign: Campaign, submissions: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consolidated ledger (one row per task) and the milestone detail.

    ``submissions`` maps unit code to its accepted submission (absent = not returned).
    Only values the checks kept are used; what was rejected is listed in ``rejected``.
    """
    s = campaign.settings
    tasks_out: list[dict[str, Any]] = []
    milestones_out: list[dict[str, Any]] = []
    for task in campaign.tasks.values():
        unit = campaign.unit_by_name(task.lead_unit)
        sub = submissions.get(unit.code) if unit else None
        row = sub.ledger.get(task.task_id) if sub else None
        values = row.values if row else {}
        table = sub.tables.get("unit_ledger") if sub else None
        rejected = (
            rejected_notes(row, table.sheet, _LEDGER, sub.issues) if row and table else {}
        )
        states = milestone_states(task, sub, s.as_of)
        # a request without evidence was rejected (REQUIRED) and does not count
        apply_close = values.get("apply_close") == "是" and bool(values.get("evidence"))
        # the office's 销号审核 decision (compute/closing.py)
        review = task_review(campaign, task.task_id, sub, row is not None, apply_close)
        result = evaluate_task(
            task,
            states,
            values.get("progress"),
            apply_close and not review.rejects,
            s,
            "progress" in rejected,
            returned=sub is not None,
        )
        result = review.settle(result, LIGHT, campaign.issues)
        # a task the office closed off has nothing coming due
        soon = due_soon(states, s) if result.status != TaskStatus.CLOSED else []
        judged = result.status != TaskStatus.NO_RETURN  # nothing counted when not
        # what the master's dates alone say (every node not done): the year-end
        # deductions count this, so not reporting never lowers a deduction
        dated = (
            result.status
            if judged
            else evaluate_task(task, states, None, False, s, returned=True).status
        )
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
                "done": result.done if judged else None,
                "overdue": result.overdue if judged else None,
                "max_overdue_days": result.max_overdue_days if judged else None,
                "expected_pct": result.expected_pct,
                "reported_pct": result.reported_pct,
                "gap_pp": result.gap_pp,
                "pace_places": result.places,
                "status": result.status,
                "dated_status": dated,
                "light": task_light(result.status, bool(soon)),
                "reason": result.reason,
                "due_soon": due_soon_text(soon),
                "rejected": "\n".join(
                    [*rejected.values()]
                    + [
                        f"第 {st.milestone.seq} 个节点{note}"
                        for st in states
                        if st.rejected
                        for note in st.rejected.split("\n")
                    ]
                ),
                "status_text": values.get("status_text", ""),
                "problems": values.get("problems", ""),
                "next_steps": values.get("next_steps", ""),
                "apply_close": values.get("apply_close", ""),
                "evidence": values.get("evidence", ""),
                "returned": "已报送"
                if row
                else review.unreported(NOT_RETURNED if not sub else "未填报该任务"),
                "source_file": sub.name if sub else "",
            }
        )
        left = {st.milestone.seq: days for st, days in soon}
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
                    "due_soon": f"临期（还有 {left[st.milestone.seq]} 天）"
                    if st.milestone.seq in left
                    else "",
                    "evidence": srow.values.get("evidence", "") if srow else "",
                    "rejected": st.rejected,
                }
            )
    tasks = pd.DataFrame(tasks_out)
    details = pd.DataFrame(milestones_out)
    return tasks, details


def status_counts(
    tasks: pd.DataFrame, by: str, order: Sequence[str] = ()
) -> pd.DataFrame:
    """Counts of each status per ``by`` (area, lead unit, front leader), with totals.

    Rows follow ``order`` (the master's order of units or leaders), then any other value
    in the order it first appears in ``tasks`` (the master's task order), never by
    character code."""
    if tasks.empty:
        return pd.DataFrame(columns=[by, *STATUS_ORDER, "合计"])
    labels = tasks[by].replace("", "（未指定）").fillna("（未指定）")
    table = pd.crosstab(labels.rename(by), tasks["status"]).reindex(
        columns=list(STATUS_ORDER), fill_value=0
    )
    rank = {name: i for i, name in enumerate(dict.fromkeys([*order, *labels]))}
    table = table.loc[sorted(table.index, key=lambda name: rank[name])]
    table["合计"] = table.sum(axis=1)
    table = table.reset_index()
    total = {by: "合计", **{c: int(table[c].sum()) for c in [*STATUS_ORDER, "合计"]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def master_rank(campaign: Campaign) -> dict[str, int]:
    """Each unit's place in the master's 单位 sheet (by name): statistics list units in
    this order, not by character code; a name not there comes last."""
    return {unit.name: i for i, unit in enumerate(campaign.units.values())}
