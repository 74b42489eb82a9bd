"""Validation: JSON Schema per row, turned into positioned issues, and cross-row rules.

Schema checks run on the normalised values of one row. Cross-row rules need the
campaign (master) and the whole submission: they live in :func:`check_submission`.
"""

from __future__ import annotations

from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.check.tamper import check_tamper
from siyi_xlsx.errors import Code
from siyi_xlsx.read.returned import REJECTED
from siyi_xlsx.schema.meta import decode_snapshot
from siyi_xlsx.statuses import ReportedMilestoneState

# ----------------------------------------------------------------------------- cross-row


def check_submission(sub: Any, campaign: Any) -> None:
    """Apply the rules that need the master and the whole file; fill ``sub``'s row maps.

    Rows whose key is unknown, foreign or repeated are reported and not used; rows that
    are used always take their prefilled facts (titles, planned dates, points) from the
    master, never from the unit's copy.
    """

    if sub.status == REJECTED or sub.unit is None:
        return
    unit = sub.unit
    where = sub.where
    own_tasks = {t.task_id: t for t in campaign.tasks_of(unit)}
    as_of = campaign.settings.as_of

    # A table whose key column cannot be read was reported (SHEET_MISSING, HEADER_*);
    # checking its rows, or rules that depend on it, would only repeat that message.
    tables = {k: t for k, t in sub.tables.items() if set(t.schema.key) <= set(t.columns)}
    ledger = tables.get("unit_ledger")
    resp = tables.get("unit_responsibility")
    if ledger:
        sub.ledger = _task_rows(ledger, "unit_ledger", sub, own_tasks, campaign)
    if resp:
        sub.responsibility = _task_rows(
            resp, "unit_responsibility", sub, own_tasks, campaign
        )
    sched = tables.get("unit_schedule")
    milestones = {(m.task_id, m.seq): m for t in own_tasks.values() for m in t.milestones}
    if sched:

        def known_milestone(key: tuple[Any, ...]) -> tuple[str, str, str] | None:
            problem = _task_known(key[0], own_tasks, campaign)
            if problem:
                return problem
            if key not in milestones:
                return (Code.MILESTONE_UNKNOWN, str(key[1]), str(key[0]))
            return None

        sub.schedule = _keyed_rows(
            sched, ("task_id", "seq"), known_milestone, where, sub.issues
        )
        _missing(
            sched,
            milestones,
            sub.schedule,
            lambda m: f"任务 {m.task_id} 第 {m.seq} 个节点（{m.content}）",
            where,
            sub.issues,
            _issued_keys(sub, "unit_schedule", ("task_id", "seq")),
        )
        for row in sub.schedule.values():
            actual = row.values.get("actual_date")
            year = campaign.settings.year
            if actual and not (year - 1 <= int(actual[:4]) <= year):
                sub.issues.append(
                    where.issue(
                        Code.DATE_UNLIKELY,
                        sheet=sched.sheet,
                        cell=row.cell("actual_date"),
                        field="实际完成日期",
                        value=actual,
                        detail=year,
                    )
                )
            if actual and actual > as_of.isoformat():
                sub.issues.append(
                    where.issue(
                        Code.ACTUAL_AFTER_AS_OF,
                        sheet=sched.sheet,
                        cell=row.cell("actual_date"),
                        field="实际完成日期",
                        value=actual,
                        detail=as_of,
                    )
                )
                row.invalid.add("actual_date")
                row.values.pop("actual_date")
            elif (
                actual
                and row.values.get("state") not in (ReportedMilestoneState.DONE, None)
                and "state" not in row.invalid
            ):
                sub.issues.append(
                    where.issue(
                        Code.ACTUAL_WITHOUT_DONE,
                        sheet=sched.sheet,
                        cell=row.cell("state"),
                        field="节点状态",
                        value=row.values.get("state", ""),
                        detail=actual,
                    )
                )
    if ledger and sched and {"state", "actual_date"} <= set(sched.columns):
        for task_id, row in sub.ledger.items():
            task = own_tasks[task_id]
            undone = [
                m
                for m in task.milestones
                # a node the unit marked 已完成 but whose date was rejected is already
                # reported at that date; counting it here would only repeat the problem
                if not claimed_done(sub.schedule.get((task_id, m.seq)))
            ]
            if (
                row.values.get("progress") == 100
                and undone
                and undone[-1] is task.milestones[-1]
            ):
                last = task.milestones[-1]
                sub.issues.append(
                    where.issue(
                        Code.PROGRESS_100_NOT_DONE,
                        sheet=ledger.sheet,
                        cell=row.cell("progress"),
                        field="完成进度(%)",
                        value=100,
                        detail=f"第 {last.seq} 个节点 {last.content}",
                    )
                )
            if row.values.get("apply_close") == "是" and undone:
                listed = "；".join(
                    f"第 {m.seq} 个节点 {m.content}" for m in undone[:5]
                ) + ("等" if len(undone) > 5 else "")
                sub.issues.append(
                    where.issue(
                        Code.CLOSE_NOT_DONE,
                        sheet=ledger.sheet,
                        cell=row.cell("apply_close"),
                        field="申请销号",
                        value="是",
                        detail=listed,
                    )
                )
                row.invalid.add("apply_close")
                row.values.pop("apply_close", None)
    evaluation = tables.get("unit_evaluation")
    if evaluation:
        own_indicators = {i.code: i for i in campaign.indicators_for(unit)}

        def known_indicator(key: tuple[Any, ...]) -> tuple[str, str, str] | None:
            return (
                None
                if key[0] in own_indicators
                else (Code.INDICATOR_UNKNOWN, str(key[0]), "")
            )

        sub.evaluation = _keyed_rows(
            evaluation, ("code",), known_indicator, where, sub.issues
        )
        _missing(
            evaluation,
            own_indicators,
            sub.evaluation,
            lambda i: f"指标 {i.code}（{i.name}）",
            where,
            sub.issues,
            _issued_keys(sub, "unit_evaluation", ("code",)),
        )
        for code, row in sub.evaluation.items():
            indicator = own_indicators[code]
            score = row.values.get("self_score")
            if score is not None and score > indicator.points:
                sub.issues.append(
                    where.issue(
                        Code.SELF_SCORE_OVER,
                        sheet=evaluation.sheet,
                        cell=row.cell("self_score"),
                        field="自评分",
                        value=score,
                        detail=f"{indicator.points:g}",
                    )
                )
                row.invalid.add("self_score")
                row.values.pop("self_score")
        for column in _form_columns("unit_evaluation"):
            value, address = sub.form.get(column.name, (None, ""))
            if value is None:
                sub.issues.append(
                    where.issue(
                        Code.CONFIRM_MISSING,
                        sheet=evaluation.sheet,
                        cell=address,
                        field=column.title,
                    )
                )

    check_lists(sub, campaign, tables, own_tasks)
    # imported here: tamper needs the issue writer, which needs this module

    check_tamper(sub, campaign, tables)


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
                        field="任务编号",
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
                            field="问题编号",
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


def _form_columns(schema_id: str) -> tuple[Any, ...]:

    return schemas.load(schema_id).form


def _task_known(
    task_id: str, own: dict[str, Any], campaign: Any
) -> tuple[str, str, str] | None:
    if task_id in own:
        return None
    if task_id in campaign.tasks:
        return (Code.TASK_NOT_OWN, task_id, "")
    return (Code.TASK_UNKNOWN, task_id, "")


def _keyed_rows(
    table: Any, key_fields: tuple[str, ...], problem: Any, where: Any, issues: list[Any]
) -> dict[Any, Any]:
    rows: dict[Any, Any] = {}
    for row in table.rows:
        if any(k not in row.values for k in key_fields):
            continue  # reported as REQUIRED or invalid already
        key = tuple(row.values[k] for k in key_fields)
        first = key_fields[0]
        found = problem(key)
        if found:
            code, value, detail = found
            issues.append(
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
            issues.append(
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
    return rows


def _task_rows(
    table: Any, schema_id: str, sub: Any, own_tasks: dict[str, Any], campaign: Any
) -> dict[Any, Any]:
    """Rows keyed by task (台账, 责任书): unknown or foreign tasks reported, issued tasks missing."""
    rows = _keyed_rows(
        table,
        ("task_id",),
        lambda k: _task_known(k[0], own_tasks, campaign),
        sub.where,
        sub.issues,
    )
    describe = lambda t: f"任务 {t.task_id}（{t.title}）"  # noqa: E731
    _missing(
        table,
        own_tasks,
        rows,
        describe,
        sub.where,
        sub.issues,
        _issued_keys(sub, schema_id, ("task_id",)),
    )
    return rows


def _missing(
    table: Any,
    expected: dict[Any, Any],
    found: dict[Any, Any],
    describe: Any,
    where: Any,
    issues: list[Any],
    issued: set[Any] | None = None,
) -> None:
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
        issues.append(where.issue(code, sheet=table.sheet, detail=describe(item)))


def _issued_keys(sub: Any, schema_id: str, fields: tuple[str, ...]) -> set[Any] | None:
    """Keys of the rows this workbook was issued with, from its metadata snapshot."""

    snapshot = decode_snapshot(sub.meta)
    if not snapshot or schema_id not in snapshot:
        return None
    rows = snapshot[schema_id]
    if len(fields) == 1:
        return {r.get(fields[0]) for r in rows}
    return {tuple(r.get(f) for f in fields) for r in rows}
