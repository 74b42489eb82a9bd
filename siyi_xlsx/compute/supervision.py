"""督导问责: problems carried across periods, the 错题本, repeat offences, reopened tasks and
moved deadlines — all by comparing this period with the history of earlier ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from siyi_xlsx import schema as schemas
from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.errors import Code, Issue
from siyi_xlsx.read.master import Campaign
from siyi_xlsx.read.tables import Where
from siyi_xlsx.read.workbook import column_letter
from siyi_xlsx.statuses import TaskStatus

PROBLEM_COLUMNS = [
    "id",
    "unit_code",
    "unit",
    "task_id",
    "description",
    "category",
    "source",
    "cause",
    "measure",
    "lesson",
    "deadline",
    "status",
    "evidence",
    "closed_on",
    "first_period",
    "period",
    "origin",
    "overdue",
    "repeat",
]
CLOSED = "已整改"

PROBLEMS = schemas.load("unit_problems")  # 问题清单, the unit's own list


def _text(value: Any) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and pd.isna(value))
        else str(value)
    )


def consolidate_problems(
    campaign: Campaign, accepted: dict[str, Any], previous: list[PeriodTables]
) -> tuple[pd.DataFrame, list[Issue]]:
    """This period's problems: what units reported, plus earlier open problems they left out."""
    s = campaign.settings
    issues: list[Issue] = []
    earlier = [
        p.problems.assign(_period=p.period) for p in previous if not p.problems.empty
    ]
    history = pd.concat(earlier, ignore_index=True) if earlier else pd.DataFrame()
    first_seen: dict[str, str] = {}
    if not history.empty and "id" in history:
        for row in history.itertuples():
            first_seen.setdefault(row.id, getattr(row, "first_period", "") or row._period)
    rows: list[dict[str, Any]] = []
    for code, sub in accepted.items():
        unit = campaign.units[code]
        for record in sub.lists.get("unit_problems", []):
            pid = record["id"]
            row = {c: _text(record.get(c)) for c in PROBLEM_COLUMNS if c in record}
            row.update(
                id=pid,
                unit_code=code,
                unit=unit.name,
                period=s.period,
                origin="本期报送",
                first_period=first_seen.get(pid, s.period),
            )
            if (
                row["first_period"] == s.period
                and not history.empty
                and "category" in history
            ):
                # a repeat offence: the same kind of problem again after one was closed
                # (an earlier one still open is the same problem, not a repeat)
                earlier = history[
                    (history["unit_code"] == code)
                    & (history["category"] == row.get("category", ""))
                    & (history["status"] == CLOSED)
                ]
                if not earlier.empty:
                    row["repeat"] = "重复再犯"
                    where = Where(file=sub.name, unit=unit.name)
                    issues.append(
                        where.issue(
                            Code.REPEAT_PROBLEM,
                            sheet=record.get("sheet", PROBLEMS.sheet),
                            cell=f"{column_letter(PROBLEMS.position('category'))}{record.get('row', '')}",
                            value=row.get("category", ""),
                            detail=earlier.iloc[-1]["id"],
                        )
                    )
            rows.append(row)
    reported = {r["id"] for r in rows}
    if previous and not previous[-1].problems.empty:
        last = previous[-1]
        for record in last.problems.to_dict("records"):
            if record.get("status") == CLOSED or record.get("id") in reported:
                continue
            row = {c: _text(record.get(c)) for c in PROBLEM_COLUMNS}
            row.update(period=s.period, origin=f"{last.period}延续（本期未报）")
            sub = accepted.get(row["unit_code"])
            if sub is not None:
                issues.append(
                    Where(file=sub.name, unit=row["unit"]).issue(
                        Code.PROBLEM_DROPPED,
                        sheet="问题清单",
                        value=row["id"],
                        detail=last.period,
                    )
                )
            rows.append(row)
    frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS, dtype=object).fillna("")
    if not frame.empty:
        open_ = frame["status"] != CLOSED
        late = frame["deadline"].astype(str).str[:10] < s.as_of.isoformat()
        frame.loc[open_ & late & (frame["deadline"] != ""), "overdue"] = "逾期"
    return frame, issues


def error_book(problems: pd.DataFrame, previous: list[PeriodTables]) -> pd.DataFrame:
    """错题本: every problem closed in this or an earlier period, once (its latest record)."""
    frames = [
        p.problems.assign(closed_period=p.period)
        for p in previous
        if not p.problems.empty
    ]
    frames.append(
        problems.assign(closed_period=problems["period"] if not problems.empty else "")
    )
    every = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=PROBLEM_COLUMNS)
    )
    if every.empty or "status" not in every:
        return pd.DataFrame(columns=[*PROBLEM_COLUMNS, "closed_period"])
    closed = every[every["status"] == CLOSED]
    return closed.drop_duplicates("id", keep="last").fillna("")


def task_changes(
    campaign: Campaign,
    tasks: pd.DataFrame,
    previous: list[PeriodTables],
    reported: set[str] | None = None,
) -> list[Issue]:
    """A task closed off earlier that is open again; a deadline that moved. A task whose
    lead unit (name) is not in ``reported`` has no news this period: it is not
    "reopened" for want of a report."""
    if not previous or previous[-1].tasks.empty or tasks.empty:
        return []
    last = previous[-1]
    before = {r["task_id"]: r for r in last.tasks.to_dict("records")}
    issues = []
    for row in tasks.to_dict("records"):
        old = before.get(row["task_id"])
        if old is None:
            continue
        where = Where(file="历史对比", unit=row["lead_unit"])
        silent = reported is not None and row["lead_unit"] not in reported
        closed_off = (TaskStatus.DONE, TaskStatus.CLOSING, TaskStatus.CLOSED)
        if (
            not silent
            and old.get("status") in closed_off
            and row["status"] not in closed_off
        ):
            issues.append(
                where.issue(
                    Code.TASK_REOPENED,
                    value=row["task_id"],
                    detail=f"{last.period}为“{old.get('status')}”，本期为“{row['status']}”",
                )
            )
        deadline = (
            row["deadline"].isoformat()
            if isinstance(row["deadline"], dt.date)
            else str(row["deadline"])
        )
        if old.get("deadline") and str(old["deadline"])[:10] != deadline[:10]:
            issues.append(
                where.issue(
                    Code.DEADLINE_MOVED,
                    value=row["task_id"],
                    detail=f"{str(old['deadline'])[:10]} → {deadline[:10]}",
                )
            )
    return issues
