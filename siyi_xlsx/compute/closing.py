"""销号审核: what the office's decisions on close-off (销号) applications do.

The office records each decision in the master's 销号审核 sheet (read into
``Campaign.reviews``; the decision in force on a task is ``Campaign.review_of``). The
rules, stated once in :func:`closing_rules` (printed in the ledger's 说明 after the status
rules, quoted in README), are applied here:

* to the ledger, by :func:`task_review` and :meth:`TaskReview.settle` (the hook in
  :func:`siyi_xlsx.compute.progress.build_tables`): 同意销号 makes the task 已销号;
  驳回 and 重新启动 have the task judged by its milestones again, with the decision in
  the 判定依据;
* to the next period's workbooks, by :func:`reset_applications` (申请销号 back to 否,
  the office's comment handed to the unit); approved tasks are left out of them by
  ``Campaign.closed_tasks`` (see :func:`siyi_xlsx.read.prefill.unit_rows`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from siyi_xlsx.errors import Code, Issue
from siyi_xlsx.read.master import MASTER_FILE, REVIEWS_SCHEMA, Campaign, Review
from siyi_xlsx.read.tables import Where
from siyi_xlsx.schema.sheets import load as load_schema
from siyi_xlsx.statuses import ReviewResult, TaskStatus

APPROVE, REJECT, REOPEN = ReviewResult.APPROVE, ReviewResult.REJECT, ReviewResult.REOPEN


def closing_rules() -> list[tuple[str, str]]:
    """The 销号审核 rules as (label, sentence): appended to the status rules, so the
    ledger's 说明 prints them and README quotes them in the same words."""
    return [
        (
            "已销号（绿灯）",
            "任务总表“销号审核”表中该任务最新的审核结果（审核日期最晚的一行）为“同意销号”：任务显示为“已销号”，不再按节点判定，先于以上各项；"
            "审核日期不晚于某期数据截止日期的，从该期起填报表不再列出该任务，单位无需报送。",
        ),
        (
            "销号申请驳回",
            "最新的审核结果为“驳回”：任务按节点照常判定，判定依据写明“销号申请已驳回（审核日期）：审核意见”；在驳回日期当天或之前保存的报送文件中的销号申请不再计为“申请销号”，"
            "驳回日期之后保存的文件中重新申请的，显示为“申请销号”，待办公室再次审核。",
        ),
        (
            "驳回意见送达单位",
            "驳回或重新启动的日期晚于上一期数据截止日期（或没有上一期）、不晚于本期数据截止日期的，本期下发的填报表中该任务的“申请销号”预填为“否”，审核意见写在填报说明的“办公室意见”中和该单元格的批注里。",
        ),
        (
            "重新启动",
            "已同意销号的任务，最新的审核结果为“重新启动”：恢复按节点判定，重新列入填报表，判定依据写明重新启动的日期和意见，校验报告给出提醒；没有同意销号记录的“重新启动”不起作用，校验报告提醒核实。",
        ),
        (
            "同意销号的核对",
            "同意销号的任务，如本期报回的台账中该任务未申请销号或节点未全部完成，校验报告给出提醒，判定依据注明；办公室的审核结果仍然有效，任务显示为“已销号”。",
        ),
        (
            "审核日期与意见",
            "审核日期须在上一年度 1 月 1 日至下一期期末之间（跨年度后，上一年度的审核仍然有效），否则视为笔误，该行不采用；同一任务同一天只登记一条审核（重复的只采用第一行）；“驳回”和“重新启动”须填写审核意见。",
        ),
    ]


def _master_issue(code: Code, review: Review, detail: Any) -> Issue:
    return Where(file=MASTER_FILE, unit="领导小组办公室").issue(
        code,
        sheet=load_schema(REVIEWS_SCHEMA).sheet,
        cell=review.cell,
        value=review.task_id,
        detail=detail,
    )


def _saved_day(sub: Any) -> dt.date | None:
    """The day (Beijing time) the unit saved the file: the time its application was made."""
    saved = getattr(sub, "saved_at", None) if sub is not None else None
    return (saved + dt.timedelta(hours=8)).date() if saved else None


@dataclass(frozen=True)
class TaskReview:
    """The office's decision in force on one task, and the unit's file it meets."""

    decision: Review | None
    reopened: Review | None  # the approval a 重新启动 undid
    applied: bool  # the unit's file applies for 销号 (with evidence)
    reported: bool  # the unit's file has the task's row
    applied_after: bool  # …in a file saved after the decision (a new application)

    @property
    def rejects(self) -> bool:
        """The unit's application is one the office already turned down (驳回) or that
        predates a 重新启动: it no longer counts as 申请销号."""
        return (
            self.decision is not None
            and self.decision.result in (REJECT, REOPEN)
            and self.applied
            and not self.applied_after
        )

    def unreported(self, text: str) -> str:
        """报送情况 of a task without a row in the unit's file: an approved task is not
        handed out any more, so nothing was due."""
        if self.decision is not None and self.decision.result == APPROVE:
            return "无需报送（已销号）"
        return text

    def settle(
        self, result: Any, light: Mapping[TaskStatus, str], issues: list[Issue]
    ) -> Any:
        """``result`` (a TaskAssessment judged with :attr:`rejects` applied) as the
        decision leaves it; an approval the unit's file does not back is added to
        ``issues`` (once)."""
        d = self.decision
        if d is None:
            return result
        said = f"：{d.comment}" if d.comment else ""
        when = d.date.isoformat()
        if d.result == APPROVE:
            reason = (
                f"办公室 {when} 同意销号"
                + (f"（{d.reviewer}）" if d.reviewer else "")
                + said
            )
            if self.reported and result.status != TaskStatus.CLOSING:
                detail = (
                    "本期报回的台账中单位未申请销号"
                    if result.status == TaskStatus.DONE
                    else f"本期节点未全部完成（{result.status}：{result.reason}）"
                )
                reason += f"；提醒：{detail}"
                issue = _master_issue(Code.REVIEW_APPROVED_UNBACKED, d, detail)
                if issue not in issues:
                    issues.append(issue)
            return dataclasses.replace(
                result,
                status=TaskStatus.CLOSED,
                light=light[TaskStatus.CLOSED],
                reason=reason,
            )
        if d.result == REJECT:
            text = f"销号申请已驳回（{when}）{said}"
            earlier = f"此前的销号申请已于 {when} 驳回{said}"
        elif self.reopened is not None:
            text = f"已于 {when} 重新启动（{self.reopened.date.isoformat()} 曾同意销号）{said}"
            earlier = text
        else:
            return result  # nothing was closed: the master's reminder says so
        if self.applied and self.applied_after:
            return dataclasses.replace(result, reason=f"{result.reason}；{earlier}")
        return dataclasses.replace(result, reason=f"{text}；{result.reason}")


def task_review(
    campaign: Campaign, task_id: str, sub: Any, reported: bool, applied: bool
) -> TaskReview:
    """The decision in force on ``task_id`` and how it meets the unit's accepted file
    ``sub`` (None: not returned): ``reported`` it has the task's row, ``applied`` that row
    applies for 销号."""
    decision = campaign.review_of(task_id)
    if decision is None:
        return TaskReview(None, None, applied, reported, False)
    saved = _saved_day(sub)
    return TaskReview(
        decision,
        campaign.approval_before(decision),
        applied,
        reported,
        saved is not None and saved > decision.date,
    )


def reset_applications(
    rows: dict[str, list[dict[str, Any]]], campaign: Campaign, last_as_of: str | None
) -> dict[str, str]:
    """In a unit's workbook about to be issued, 申请销号 back to 否 for each task whose
    decision in force on the as-of date is 驳回 or 重新启动 made after the last period's
    as-of date ``last_as_of`` (so it answers that period's application, not a later
    one); returns the office's words for each such task, to hand to the unit."""
    notes: dict[str, str] = {}
    last = dt.date.fromisoformat(last_as_of[:10]) if last_as_of else None
    for row in rows.get("unit_ledger", []):
        d = campaign.review_of(row["task_id"], campaign.settings.as_of)
        if d is None or d.result == APPROVE or (last and d.date <= last):
            continue
        if d.result == REOPEN and campaign.approval_before(d) is None:
            continue
        row["apply_close"] = "否"
        said = f"：{d.comment.rstrip('。')}。" if d.comment else "。"
        notes[row["task_id"]] = (
            f"销号申请已于 {d.date.isoformat()} 驳回{said}"
            "“申请销号”已改为“否”，请按意见办理后重新申请。"
            if d.result == REJECT
            else f"该任务已于 {d.date.isoformat()} 重新启动{said}请继续报送推进情况。"
        )
    return notes
