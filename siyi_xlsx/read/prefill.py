"""What the office hands each lead unit: the prefilled rows of its workbook, from the master.

The template writer writes them; the tamper check compares a returned file against them.
"""

from __future__ import annotations

from typing import Any

from siyi_xlsx.read.master import Campaign, Unit
from siyi_xlsx.schema.layout import UNIT_SHEETS
from siyi_xlsx.statuses import ReportedMilestoneState


def unit_rows(campaign: Campaign, unit: Unit) -> dict[str, list[dict[str, Any]]]:
    """The prefilled rows of each sheet of a unit's workbook, keyed by schema id.

    Tasks the office has closed off (销号审核: 同意销号 on or before the as-of date) are
    left out: the unit no longer reports on them."""
    closed = campaign.closed_tasks()
    tasks = [t for t in campaign.tasks_of(unit) if t.task_id not in closed]
    ledger = [
        {
            "task_id": t.task_id,
            "title": t.title,
            "area": t.area,
            "target": t.target,
            "deadline": t.deadline,
            "support_units": "、".join(t.support_units),
            "apply_close": "否",
        }
        for t in tasks
    ]
    responsibility = [
        {
            "task_id": t.task_id,
            "title": t.title,
            "target": t.target,
            "deadline": t.deadline,
            "front_leader": t.front_leader,
            "unit_head": unit.head,
        }
        for t in tasks
    ]
    schedule = [
        {
            "task_id": t.task_id,
            "title": t.title,
            "seq": m.seq,
            "content": m.content,
            "planned_date": m.planned_date,
            "done_mark": m.done_mark,
            # not yet due: 未开始 is the honest default; due ones are left for the unit to answer
            "state": ReportedMilestoneState.NOT_STARTED
            if m.planned_date > campaign.settings.as_of
            else None,
        }
        for t in tasks
        for m in t.milestones
    ]
    evaluation = [
        {
            "code": i.code,
            "name": i.name,
            "points": i.points,
            "criteria": i.criteria,
            "evidence_required": "是" if i.evidence_required else "否",
        }
        for i in campaign.indicators_for(unit)
    ]
    return dict(
        zip(UNIT_SHEETS, (ledger, responsibility, schedule, evaluation), strict=True)
    )
