"""What a unit still has to do, with a date that has not passed (需要做什么, 催报通知).

The texts depend on the day they are read, not on the as-of date: a 催报通知 written after
报送截止日期 says 已逾期 and gives 补报截止日期 (:attr:`Settings.resubmit_by`, by default
报送截止日期 + 5 days); a 退回件 always has to be back by 补报截止日期; once that has passed
too, the text says so and asks for the file at once. No text ever quotes a passed date as
the date to meet.

:func:`today` is the day of the run; tests replace it (or pass ``when``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from siyi_xlsx.read.master import Campaign, Settings
from siyi_xlsx.statuses import ReportedMilestoneState, ReturnStatus

REJECTED_MARK = "文件无法采用："
MAX_REASONS = 160


def today() -> dt.date:
    """The day the command runs (replaced in tests)."""
    return dt.date.today()


def _day(when: dt.date | None) -> dt.date:
    return when or today()


def resubmit_clause(s: Settings, when: dt.date | None = None) -> str:
    """The date a 退回件 or a late file must be back by, as a clause ending the
    sentence: ``于 2022-10-15 前`` / ``立即（补报截止日期 2022-10-15 已过）`` / ``尽快``."""
    by = s.resubmit_by
    if by is None:
        return "尽快"
    if _day(when) <= by:
        return f"于 {by.isoformat()} 前"
    return f"立即（补报截止日期 {by.isoformat()} 已过）"


def todo_text(
    status: str,
    s: Settings,
    *,
    errors: int = 0,
    reasons: str = "",
    when: dt.date | None = None,
) -> str:
    """需要做什么 for a unit of ``status`` (未报送 or 被退回; "" otherwise): ``errors`` in the
    file in use, or — no file could be used — the ``reasons`` it was rejected for."""
    day = _day(when)
    deadline = s.return_deadline
    if status == ReturnStatus.MISSING:
        if deadline is None:
            return "请尽快报送"
        if day <= deadline:
            return f"请于 {deadline.isoformat()} 前报送"
        late = f"已逾期（报送截止日期 {deadline.isoformat()}）"
        by = s.resubmit_by
        if by is not None and day <= by:
            return f"{late}，请于 {by.isoformat()} 前补报"
        return f"{late}，补报截止日期 {by.isoformat() if by else ''} 也已过，请立即补报"
    if status == ReturnStatus.SENT_BACK:
        clause = resubmit_clause(s, day)
        if errors:
            return f"按退回件修改 {errors} 处错误后，{clause}重新报送"
        reasons = reasons[:MAX_REASONS]
        return f"请{clause}重新报送可采用的填报表。{REJECTED_MARK}{reasons}"
    return ""


def reasons_of(todo: str) -> str:
    """The rejection reasons in a 需要做什么 text written by :func:`todo_text`."""
    return todo.split(REJECTED_MARK, 1)[1] if REJECTED_MARK in todo else ""


def current_todo(row: dict[str, Any], s: Settings, when: dt.date | None = None) -> str:
    """A 报送情况 row's 需要做什么 as of ``when`` (the row may have been written on an
    earlier day by ``siyi run``)."""
    if row.get("status") not in (ReturnStatus.MISSING, ReturnStatus.SENT_BACK):
        return row.get("todo", "")
    errors = int(row.get("errors") or 0) if row.get("file") else 0
    note, todo = row.get("note", ""), row.get("todo", "")
    if note and todo.endswith(note):
        todo = todo[: -len(note)]
    text = todo_text(row["status"], s, errors=errors, reasons=reasons_of(todo), when=when)
    return text + note


def notice_deadline(s: Settings, when: dt.date | None = None) -> str:
    """The deadline sentence of a 催报通知's introduction, true on ``when``."""
    day = _day(when)
    deadline, by = s.return_deadline, s.resubmit_by
    if deadline is None:
        return "请按“需要做什么”一栏尽快完成报送。"
    if day <= deadline:
        return (
            f"请按“需要做什么”一栏于 {deadline.isoformat()} 前完成报送；"
            f"被退回的单位最迟于补报截止日期 {by.isoformat()} 前重新报送。"
        )
    if by is not None and day <= by:
        return (
            f"报送截止日期 {deadline.isoformat()} 已过，未报送的单位已逾期；"
            f"请按“需要做什么”一栏于补报截止日期 {by.isoformat()} 前完成补报或重新报送。"
        )
    return (
        f"报送截止日期 {deadline.isoformat()} 和补报截止日期 {by.isoformat() if by else ''} 均已过，"
        "请按“需要做什么”一栏立即完成补报或重新报送。"
    )


def reminder_window(s: Settings, when: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days a 催报通知's 近期到期节点 fall in: from the day after the as-of date, or
    from the notice's own day if later, for 临期提醒天数 days after the later of the two."""
    day = _day(when)
    start = max(s.as_of + dt.timedelta(days=1), day)
    return start, max(s.as_of, day) + dt.timedelta(days=s.warn_days)


def upcoming_milestones(
    campaign: Campaign,
    done: Iterable[tuple[str, int]] = (),
    when: dt.date | None = None,
) -> dict[str, list[str]]:
    """Per lead unit (by name, in the master's order): its milestones planned within
    :func:`reminder_window` and not known as done (``done``: (task, seq) pairs reported
    done), as ``T1 第 3 个节点“主体完工”（2022-10-05）``. Empty when 临期提醒天数 is 0."""
    s = campaign.settings
    if s.warn_days <= 0:
        return {}
    start, end = reminder_window(s, when)
    finished = set(done)
    closed = campaign.closed_tasks() if hasattr(campaign, "closed_tasks") else set()
    out: dict[str, list[str]] = {}
    for unit in campaign.units.values():
        items = sorted(
            (m.planned_date, task.task_id, m.seq, m.content)
            for task in campaign.tasks_of(unit)
            if task.task_id not in closed  # closed off by the office (已销号)
            for m in task.milestones
            if start <= m.planned_date <= end and (task.task_id, m.seq) not in finished
        )
        if items:
            out[unit.name] = [
                f"{tid} 第 {seq} 个节点“{content}”（{day.isoformat()}）"
                for day, tid, seq, content in items
            ]
    return out


def done_milestones(milestones: Any) -> set[tuple[str, int]]:
    """The (task, seq) pairs the milestone detail shows as done."""
    if milestones is None or getattr(milestones, "empty", True):
        return set()
    rows = milestones[milestones["state"] == ReportedMilestoneState.DONE]
    return {(r.task_id, int(r.seq)) for r in rows.itertuples()}
