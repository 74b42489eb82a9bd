"""Validation of one returned workbook against the master and across its tables.

Each row was checked against its schema when it was read (:mod:`siyi_xlsx.read.tables`).
What needs the campaign or the whole file is here: :func:`check_submission` picks the
rows to use (known, the unit's own, not repeated) and collects the problems of the small
rule functions below, each a generator of issues. The row rules declared in the schemas
(``x-rules``) run through :func:`siyi_xlsx.schema.rules.check_row`, with the helpers
(:func:`schedule_helpers`) and master facts they need — the same declarations the issued
workbook's red cells are compiled from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.check.tamper import check_tamper
from siyi_xlsx.errors import Code, Issue
from siyi_xlsx.read.returned import ACCEPTED, REJECTED, Submission, read_files
from siyi_xlsx.read.tables import Table
from siyi_xlsx.schema.meta import decode_snapshot
from siyi_xlsx.schema.rules import check_row
from siyi_xlsx.statuses import ReportedMilestoneState

# ----------------------------------------------------------------------------- cross-row


UNIT_SCHEDULE = schemas.load("unit_schedule")  # 推进表


def check(sub: Submission, campaign: Any) -> Submission:
    """The file as checked: a copy of ``sub`` with the rows to use and every problem
    found (see :func:`check_submission`); ``sub`` itself stays as it was read."""
    checked = _copy(sub)
    check_submission(checked, campaign)
    return checked


def _copy(sub: Submission) -> Submission:
    """A copy of ``sub`` that the checks may change: every container the checks fill
    or trim is new; the values in them (text, numbers, dates, frozen issues) are
    shared. A deep copy gave the same and cost a tenth of a file's whole reading."""

    def table(t: Table) -> Table:
        rows = [
            dataclasses.replace(
                r,
                values=dict(r.values),
                raw=dict(r.raw),
                invalid=set(r.invalid),
            )
            for r in t.rows
        ]
        return dataclasses.replace(t, columns=dict(t.columns), rows=rows)

    return dataclasses.replace(
        sub,
        meta=dict(sub.meta),
        tables={k: table(t) for k, t in sub.tables.items()},
        form=dict(sub.form),
        issues=list(sub.issues),
        ledger=dict(sub.ledger),
        responsibility=dict(sub.responsibility),
        schedule=dict(sub.schedule),
        evaluation=dict(sub.evaluation),
        lists={k: [dict(r) for r in v] for k, v in sub.lists.items()},
        order_feedback={k: dict(v) for k, v in sub.order_feedback.items()},
    )


def check_file(path: Path, campaign: Any) -> Submission:
    """Read (in a worker process, as the batch does) and validate one file on its own
    (``siyi check``)."""
    [(_, _, sub, _)] = read_files(campaign, [(0, "", path, path.name)])
    return check(sub, campaign) if sub.status == ACCEPTED else sub


def check_submission(sub: Any, campaign: Any) -> None:
    """Apply the rules that need the master and the whole file; fill ``sub``'s row maps.

    ``sub`` gains the rows to use (``ledger``, ``responsibility``, ``schedule``,
    ``evaluation``, ``lists``) and the problems found, appended to ``sub.issues`` in the
    order below. Rows whose key is unknown, foreign or repeated are reported and not
    used; rows that are used always take their prefilled facts (titles, planned dates,
    points) from the master, never from the unit's copy. A value a rule rejects is
    removed from its row, as the reader does with any value it cannot use.
    """
    if sub.status == REJECTED or sub.unit is None:
        return
    own_tasks = {t.task_id: t for t in campaign.tasks_of(sub.unit)}
    # tasks closed off (销号审核) are not issued: their rows are not missing, but a
    # workbook issued before the approval may still carry them, and they are read
    closed = campaign.closed_tasks() if hasattr(campaign, "closed_tasks") else set()
    expected = {k: t for k, t in own_tasks.items() if k not in closed}
    # A table whose key column cannot be read was reported (SHEET_MISSING, HEADER_*);
    # checking its rows, or rules that depend on it, would only repeat that message.
    tables = {k: t for k, t in sub.tables.items() if set(t.schema.key) <= set(t.columns)}
    ledger = tables.get("unit_ledger")
    resp = tables.get("unit_responsibility")
    sched = tables.get("unit_schedule")
    evaluation = tables.get("unit_evaluation")
    issues = sub.issues
    if ledger:
        sub.ledger = _take(issues, _task_rows(ledger, sub, own_tasks, campaign, expected))
    if resp:
        sub.responsibility = _take(
            issues, _task_rows(resp, sub, own_tasks, campaign, expected)
        )
    if sched:
        sub.schedule = _take(
            issues, _milestone_rows(sched, sub, own_tasks, campaign, expected)
        )
        issues += _schedule_problems(sched, sub.schedule, campaign, sub.where)
    if ledger and sched and {"state", "actual_date"} <= set(sched.columns):
        issues += _ledger_problems(ledger, sub.ledger, own_tasks, sub.schedule, sub.where)
    if evaluation:
        indicators = {i.code: i for i in campaign.indicators_for(sub.unit)}
        sub.evaluation = _take(issues, _indicator_rows(evaluation, sub, indicators))
        issues += _evaluation_problems(evaluation, sub.evaluation, indicators, sub.where)
        issues += _confirmation_problems(evaluation, sub.form, sub.where)
    check_lists(sub, campaign, tables, own_tasks)
    check_tamper(sub, campaign, tables)


def _take(
    issues: list[Issue], found: tuple[dict[Any, Any], list[Issue]]
) -> dict[Any, Any]:
    """The rows picked, with the problems met picking them added to ``issues``."""
    rows, problems = found
    issues += problems
    return rows


# ----------------------------------------------------------------------------- row rules


def _schedule_problems(
    sched: Any, rows: dict[Any, Any], campaign: Any, where: Any
) -> Iterator[Issue]:
    """Per 推进表 row: an actual date in an unlikely year, then the declared rules (not
    after the as-of date, which rejects the date; a date means the node is 已完成)."""
    year = campaign.settings.year
    context = {"as_of": campaign.settings.as_of}
    for row in rows.values():
        yield from _date_unlikely(row, sched.sheet, year, where)
        yield from check_row(sched.schema, row, context, where, sched.sheet)


def _date_unlikely(row: Any, sheet: str, year: int, where: Any) -> Iterator[Issue]:
    """An actual completion date outside this year and the last (a typing slip)."""
    actual = row.values.get("actual_date")
    if actual and not (year - 1 <= int(actual[:4]) <= year):
        yield where.issue(
            Code.DATE_UNLIKELY,
            sheet=sheet,
            cell=row.cell("actual_date"),
            field=UNIT_SCHEDULE.column("actual_date").title,
            value=actual,
            detail=year,
        )


def _ledger_problems(
    ledger: Any,
    rows: dict[Any, Any],
    own_tasks: dict[str, Any],
    schedule: dict[Any, Any],
    where: Any,
) -> Iterator[Issue]:
    """Per 台账 row, the declared rules that look into 推进表 (进度 100 needs the last
    node 已完成; 申请销号 needs every node 已完成), with :func:`schedule_helpers`."""
    for task_id, row in rows.items():
        helpers = schedule_helpers(own_tasks[task_id], schedule)
        yield from check_row(ledger.schema, row, helpers, where, ledger.sheet)


def _evaluation_problems(
    evaluation: Any, rows: dict[Any, Any], indicators: dict[str, Any], where: Any
) -> Iterator[Issue]:
    """Per 考评册 row, the declared rules (自评分 not above the master's 分值)."""
    for code, row in rows.items():
        master = {"points": indicators[code].points}  # never the unit's copy
        yield from check_row(evaluation.schema, row, master, where, evaluation.sheet)


def _confirmation_problems(
    evaluation: Any, form: dict[str, Any], where: Any
) -> Iterator[Issue]:
    """The 考评册 signatures and date below the table, each a reminder when blank."""
    for column in evaluation.schema.form:
        value, address = form.get(column.name, (None, ""))
        if value is None:
            yield where.issue(
                Code.CONFIRM_MISSING,
                sheet=evaluation.sheet,
                cell=address,
                field=column.title,
            )


def check_lists(
    sub: Any, campaign: Any, tables: dict[str, Any], own_tasks: dict[str, Any]
) -> None:
    """问题清单, 攻坚破难计划, 创先晋位工作清单: tasks must be the unit's own; new problems
    get an id (单位编码-期次-序号); an 创先晋位 target behind the current place is questioned."""
    where = sub.where
    period = campaign.settings.period
    for schema_id in ("unit_problems", "unit_hard_problems", "unit_advance"):
        table = tables.get(schema_id)
        if table is None:
            continue
        accepted, seen = [], set()
        for row in table.rows:
            task_id = row.values.get("task_id")
            if task_id is not None and task_id not in own_tasks:
                code = (
                    Code.TASK_NOT_OWN if task_id in campaign.tasks else Code.TASK_UNKNOWN
                )
                sub.issues.append(
                    where.issue(
                        code,
                        sheet=table.sheet,
                        cell=row.cell("task_id"),
                        field=table.schema.column("task_id").title,
                        value=task_id,
                    )
                )
                continue
            record = {**row.values, "row": row.row, "sheet": table.sheet}
            if schema_id == "unit_problems":
                pid = row.values.get("problem_id")
                if pid in seen:
                    sub.issues.append(
                        where.issue(
                            Code.ROW_DUPLICATE,
                            sheet=table.sheet,
                            cell=row.cell("problem_id"),
                            field=table.schema.column("problem_id").title,
                            value=pid,
                        )
                    )
                    continue
                record["id"] = pid or f"{sub.unit.code}-{period}-{len(accepted) + 1:02d}"
                seen.add(record["id"])
            if schema_id == "unit_advance":
                current, target = row.values.get("current"), row.values.get("target")
                if current is not None and target is not None and target > current:
                    sub.issues.append(
                        where.issue(
                            Code.ADVANCE_BACKWARD,
                            sheet=table.sheet,
                            cell=row.cell("target"),
                            value=target,
                            detail=current,
                        )
                    )
            accepted.append(record)
        sub.lists[schema_id] = accepted


def schedule_helpers(task: Any, schedule: dict[Any, Any]) -> dict[str, Any]:
    """The ledger rules' helpers (``x-helpers`` of unit_ledger) for one task, from the
    returned 推进表 — what the workbook's hidden helper columns show while a unit types.

    A node the unit marked 已完成 but whose date was rejected counts as done here: its
    date is already reported; counting it again would only repeat the problem.
    """
    undone = [
        m
        for m in task.milestones
        if not claimed_done(schedule.get((task.task_id, m.seq)))
    ]
    last = task.milestones[-1] if task.milestones else None
    last_row = schedule.get((task.task_id, last.seq)) if last else None
    if last is None or claimed_done(last_row):
        last_state = ReportedMilestoneState.DONE.value
    else:
        last_state = str(last_row.values.get("state", "")) if last_row else ""
    listed = "；".join(f"第 {m.seq} 个节点 {m.content}" for m in undone[:5]) + (
        "等" if len(undone) > 5 else ""
    )
    return {
        "_last_state": last_state,
        "_open_nodes": len(undone),
        "_last_node": f"第 {last.seq} 个节点 {last.content}" if last else "",
        "_open_node_list": listed,
    }


def claimed_done(row: Any) -> bool:
    """The unit marked the milestone 已完成 (whether or not its date is valid)."""
    return bool(row) and (
        row.values.get("state") == ReportedMilestoneState.DONE
        or row.raw.get("state") == ReportedMilestoneState.DONE
    )


def milestone_done(row: Any) -> bool:
    """A milestone counts as done when its state is 已完成 with a valid actual date."""
    return (
        bool(row)
        and row.values.get("state") == ReportedMilestoneState.DONE
        and "actual_date" in row.values
    )


# ----------------------------------------------------------------------------- row picking


def _task_rows(
    table: Any,
    sub: Any,
    own_tasks: dict[str, Any],
    campaign: Any,
    expected: dict[str, Any] | None = None,
) -> tuple[dict[Any, Any], list[Issue]]:
    """Rows keyed by task (台账, 责任书): unknown or foreign tasks reported, ``expected``
    tasks (default: all the unit's own) missing."""
    rows, problems = _keyed_rows(
        table,
        ("task_id",),
        lambda k: _task_known(k[0], own_tasks, campaign),
        sub.where,
    )
    problems += _missing(
        table,
        own_tasks if expected is None else expected,
        rows,
        lambda t: f"任务 {t.task_id}（{t.title}）",
        sub.where,
        _issued_keys(sub, table.schema.schema_id, ("task_id",)),
    )
    return rows, problems


def _milestone_rows(
    sched: Any,
    sub: Any,
    own_tasks: dict[str, Any],
    campaign: Any,
    expected: dict[str, Any] | None = None,
) -> tuple[dict[Any, Any], list[Issue]]:
    """推进表 rows keyed by (task, node): unknown nodes reported, the nodes of the
    ``expected`` tasks (default: all the unit's own) missing."""
    milestones = {(m.task_id, m.seq): m for t in own_tasks.values() for m in t.milestones}
    wanted = own_tasks if expected is None else expected

    def known(key: tuple[Any, ...]) -> tuple[str, str, str] | None:
        problem = _task_known(key[0], own_tasks, campaign)
        if problem:
            return problem
        if key not in milestones:
            return (Code.MILESTONE_UNKNOWN, str(key[1]), str(key[0]))
        return None

    rows, problems = _keyed_rows(sched, ("task_id", "seq"), known, sub.where)
    problems += _missing(
        sched,
        {k: m for k, m in milestones.items() if k[0] in wanted},
        rows,
        lambda m: f"任务 {m.task_id} 第 {m.seq} 个节点（{m.content}）",
        sub.where,
        _issued_keys(sub, "unit_schedule", ("task_id", "seq")),
    )
    return rows, problems


def _indicator_rows(
    evaluation: Any, sub: Any, indicators: dict[str, Any]
) -> tuple[dict[Any, Any], list[Issue]]:
    """考评册 rows keyed by indicator: other indicators reported, issued ones missing."""

    def known(key: tuple[Any, ...]) -> tuple[str, str, str] | None:
        if key[0] in indicators:
            return None
        return (Code.INDICATOR_UNKNOWN, str(key[0]), "")

    rows, problems = _keyed_rows(evaluation, ("code",), known, sub.where)
    problems += _missing(
        evaluation,
        indicators,
        rows,
        lambda i: f"指标 {i.code}（{i.name}）",
        sub.where,
        _issued_keys(sub, "unit_evaluation", ("code",)),
    )
    return rows, problems


def _task_known(
    task_id: str, own: dict[str, Any], campaign: Any
) -> tuple[str, str, str] | None:
    if task_id in own:
        return None
    if task_id in campaign.tasks:
        return (Code.TASK_NOT_OWN, task_id, "")
    return (Code.TASK_UNKNOWN, task_id, "")


def _keyed_rows(
    table: Any,
    key_fields: tuple[str, ...],
    problem: Callable[[tuple[Any, ...]], tuple[str, str, str] | None],
    where: Any,
) -> tuple[dict[Any, Any], list[Issue]]:
    """The table's rows by key; a row whose key ``problem`` rejects, or repeats an
    earlier row's, is reported at its first key cell and not used."""
    rows: dict[Any, Any] = {}
    problems: list[Issue] = []
    for row in table.rows:
        if any(k not in row.values for k in key_fields):
            continue  # reported as REQUIRED or invalid already
        key = tuple(row.values[k] for k in key_fields)
        first = key_fields[0]
        found = problem(key)
        if found:
            code, value, detail = found
            problems.append(
                where.issue(
                    code,
                    sheet=table.sheet,
                    cell=row.cell(first),
                    field=table.schema.column(first).title,
                    value=value,
                    detail=detail,
                )
            )
            continue
        rid = key if len(key) > 1 else key[0]
        if rid in rows:
            problems.append(
                where.issue(
                    Code.ROW_DUPLICATE,
                    sheet=table.sheet,
                    cell=row.cell(first),
                    field=table.schema.column(first).title,
                    value="/".join(map(str, key)),
                )
            )
            continue
        rows[rid] = row
    return rows, problems


def _missing(
    table: Any,
    expected: dict[Any, Any],
    found: dict[Any, Any],
    describe: Callable[[Any], str],
    where: Any,
    issued: set[Any] | None = None,
) -> Iterator[Issue]:
    """ROW_MISSING for rows that were issued and are gone; a row the master gained
    after this workbook went out is not the unit's fault (ADDED_AFTER_ISSUE)."""
    for key, item in expected.items():
        if key in found:
            continue
        code = (
            Code.ROW_MISSING
            if issued is None or key in issued
            else Code.ADDED_AFTER_ISSUE
        )
        yield where.issue(code, sheet=table.sheet, detail=describe(item))


def _issued_keys(sub: Any, schema_id: str, fields: tuple[str, ...]) -> set[Any] | None:
    """Keys of the rows this workbook was issued with, from its metadata snapshot."""

    snapshot = decode_snapshot(sub.meta)
    if not snapshot or schema_id not in snapshot:
        return None
    rows = snapshot[schema_id]
    if len(fields) == 1:
        return {r.get(fields[0]) for r in rows}
    return {tuple(r.get(f) for f in fields) for r in rows}
