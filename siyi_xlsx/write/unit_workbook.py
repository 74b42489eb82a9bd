"""Write the workbook issued to each lead unit (填报表), prefilled from the master.

Every table sheet is written from its JSON Schema: prefilled columns grey and locked,
input columns yellow, unlocked, with dropdowns and validations. A very hidden ``_meta``
sheet carries the template version, unit, period and a fingerprint of the prefilled
cells, so the batch knows whose file it is reading.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from siyi_xlsx import __version__
from siyi_xlsx import schema as schemas
from siyi_xlsx.compute.closing import reset_applications
from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.read.inspection import Inspection
from siyi_xlsx.read.master import Campaign, Unit
from siyi_xlsx.read.prefill import unit_rows
from siyi_xlsx.resources import template
from siyi_xlsx.schema.layout import (
    HELPER_GAP,
    LIST_BLANK_ROWS,
    LIST_SHEETS,
    META_SHEET,
    UNIT_SHEETS,
)
from siyi_xlsx.schema.meta import encode_snapshot, fingerprint
from siyi_xlsx.schema.selfcheck import clean
from siyi_xlsx.statuses import ReportedMilestoneState
from siyi_xlsx.write import naming
from siyi_xlsx.write.fastbook import FastFormats, fast_workbook, prepare_blank_rows
from siyi_xlsx.write.forked import map_forked
from siyi_xlsx.write.inspection import write_order_pages
from siyi_xlsx.write.selfcheck import (
    add_form_checks,
    add_self_checks,
    write_self_check_sheet,
)
from siyi_xlsx.write.xlsx import (
    FIRST_DATA_ROW,
    Formats,
    ListSheet,
    add_validation,
    protect,
    write_cell,
    write_key_values,
    write_table,
)


@dataclass(frozen=True)
class UnitWorkbook:
    unit: Unit
    path: Path
    tasks: int
    milestones: int


def carry_over(rows: dict[str, list[dict[str, Any]]], unit: Unit, last: Any) -> None:
    """Prefill the input cells with the unit's accepted values of the last period — every
    input of every sheet (progress, texts, the four-level chain, milestones, self scores,
    申请销号, its own lists) and its problems still open — so it updates, not re-types."""
    saved = getattr(last, "values", {}).get(unit.code)
    if saved:
        _carry_saved(rows, saved)
        _carry_problems(rows, unit, last)
        return

    def number(text: Any) -> float | None:
        try:
            return float(text)
        except (TypeError, ValueError):
            return None

    tasks = (
        {r["task_id"]: r for r in last.tasks.to_dict("records")}
        if not last.tasks.empty
        else {}
    )
    for row in rows["unit_ledger"]:
        before = tasks.get(row["task_id"])
        if before and before.get("returned") == "已报送":
            row["progress"] = number(before.get("reported_pct"))
            for name in ("status_text", "problems", "next_steps"):
                row[name] = before.get(name) or None
    done = {}
    if not last.milestones.empty:
        for r in last.milestones.to_dict("records"):
            if str(r.get("state", "")) == ReportedMilestoneState.DONE and r.get(
                "actual_date"
            ):
                done[(r["task_id"], str(r["seq"]))] = r
    for row in rows["unit_schedule"]:
        before = done.get((row["task_id"], str(row["seq"])))
        if before:
            row["state"] = ReportedMilestoneState.DONE
            row["actual_date"] = dt.date.fromisoformat(str(before["actual_date"])[:10])
            row["evidence"] = before.get("evidence") or None
    _carry_problems(rows, unit, last)


def _carry_saved(
    rows: dict[str, list[dict[str, Any]]], saved: dict[str, list[dict[str, Any]]]
) -> None:
    """Fill the input cells from the unit's accepted values of the last period
    (matched by each sheet's key); its own lists are carried whole."""
    for schema_id in (*UNIT_SHEETS, "unit_hard_problems", "unit_advance"):
        schema = schemas.load(schema_id)
        before = saved.get(schema_id, [])
        inputs = [c for c in schema.columns if c.role == "input"]
        if schema_id not in UNIT_SHEETS:  # the unit's own lists are carried whole
            rows[schema_id] = [
                {c.name: _typed(c, r.get(c.name)) for c in schema.columns} for r in before
            ]
            continue
        by_key = {tuple(str(r.get(k)) for k in schema.key): r for r in before}
        for row in rows.get(schema_id, []):
            old = by_key.get(tuple(str(row.get(k)) for k in schema.key))
            if old:
                for column in inputs:
                    if old.get(column.name) is not None:
                        row[column.name] = _typed(column, old[column.name])


def _typed(column: Any, value: Any) -> Any:
    """A saved value back in its column's type (dates from their ISO text)."""
    if value is None:
        return None
    if column.kind == "date":
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    return value


def _carry_problems(rows: dict[str, list[dict[str, Any]]], unit: Unit, last: Any) -> None:
    """Prefill 问题清单 with the unit's problems of the last period still open (not 已整改)."""
    problems = last.problems
    if not problems.empty and "unit_code" in problems:
        still_open = _open_problems(problems).get(unit.code, [])
        fields = (
            "task_id",
            "description",
            "category",
            "source",
            "cause",
            "measure",
            "lesson",
            "status",
            "evidence",
        )
        rows["unit_problems"] = [
            {
                "problem_id": p["id"],
                **{f: p.get(f) or None for f in fields},
                "deadline": dt.date.fromisoformat(p["deadline"][:10])
                if p.get("deadline")
                else None,
            }
            for p in still_open
        ]


_open_by_unit: tuple[Any, dict[Any, list[dict[str, Any]]]] = (None, {})


def _open_problems(problems: Any) -> dict[Any, list[dict[str, Any]]]:
    """The last period's problems not 已整改, by unit code, in their order (worked out
    once for all the units of a run)."""
    global _open_by_unit
    if _open_by_unit[0] is not problems:
        by_unit: dict[Any, list[dict[str, Any]]] = {}
        for record in problems[problems["status"] != "已整改"].to_dict("records"):
            by_unit.setdefault(record["unit_code"], []).append(record)
        _open_by_unit = (problems, by_unit)
    return _open_by_unit[1]


def safe_file_name(text: str) -> str:
    """A file name for ``text`` (a name ending in ``.xlsx``): see :mod:`naming`."""
    stem, dot, suffix = text.rpartition(".")
    return naming.file_name(stem, dot + suffix) if dot else naming.file_name(text)


def write_unit_workbooks(
    campaign: Campaign,
    out_dir: Path,
    last: PeriodTables | None,
    inspection: Inspection,
    now: dt.datetime | None = None,
) -> list[UnitWorkbook]:
    """Write one workbook per lead unit into ``out_dir``, carrying over each unit's
    accepted values of the ``last`` period so that it updates rather than re-types, and
    adding the pages of its open 督办单. A unit whose tasks are all 已销号 has nothing to
    report and gets none. The workbooks are written by one worker process per core
    (:mod:`siyi_xlsx.write.forked`)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    units = [u for u in campaign.lead_units() if not campaign.all_closed(u)]

    def write(unit: Unit) -> UnitWorkbook:
        orders = inspection.open_orders_of(unit.name)
        return write_unit_workbook(campaign, unit, out_dir, now, last, orders)

    return map_forked(write, units, "生成各单位填报表")


def format_text(text: str, campaign: Campaign, unit: Unit) -> str:
    """A template text with the campaign's and the unit's values filled in."""
    s = campaign.settings
    return text.format(
        year=s.year,
        period=s.period,
        as_of=s.as_of.isoformat(),
        return_deadline=s.return_deadline.isoformat()
        if s.return_deadline
        else "办公室通知的日期",
        unit_name=unit.name,
        unit_code=unit.code,
    )


def write_unit_workbook(
    campaign: Campaign,
    unit: Unit,
    out_dir: Path,
    now: dt.datetime,
    last: Any = None,
    orders: list[dict[str, Any]] | None = None,
) -> UnitWorkbook:
    """Write ``unit``'s workbook and return where it went."""
    spec = template("unit_workbook")
    rows = unit_rows(campaign, unit)
    if last is not None:
        carry_over(rows, unit, last)
    # 销号审核: a turned-down application goes back to the unit with the office's words
    notes = reset_applications(rows, campaign, getattr(last, "as_of", None))
    path = out_dir / safe_file_name(format_text(spec["file_name"], campaign, unit))
    with fast_workbook(path, created=now) as book:
        fmt = FastFormats(book)
        sheets = {}
        for sheet_spec in spec["sheets"]:
            sheets[sheet_spec["name"]] = book.add_worksheet(sheet_spec["name"])
        lists = ListSheet(book)
        counts: list[dict[str, Any]] = []
        for sheet_spec in spec["sheets"]:
            ws = sheets[sheet_spec["name"]]
            if sheet_spec["kind"] == "instructions":
                _write_instructions(ws, fmt, spec, campaign, unit, notes, rows)
            elif sheet_spec["kind"] != "self_check":
                counts += _write_table_sheet(
                    book, ws, fmt, lists, spec, sheet_spec, campaign, unit, rows, notes
                )
        if orders:
            counts += write_order_pages(book, fmt, lists, orders, campaign.settings.as_of)
        # the 自查 sheet is written last, once every table's checks are known
        for sheet_spec in spec["sheets"]:
            if sheet_spec["kind"] == "self_check":
                write_self_check_sheet(sheets[sheet_spec["name"]], fmt, counts)
                protect(sheets[sheet_spec["name"]])
        _write_meta(book, campaign, unit, rows, now, spec)
        sheets[spec["sheets"][0]["name"]].activate()
    return UnitWorkbook(unit, path, len(rows["unit_ledger"]), len(rows["unit_schedule"]))


def _write_table_sheet(
    book: Any,
    ws: Any,
    fmt: Formats,
    lists: ListSheet,
    spec: dict[str, Any],
    sheet_spec: dict[str, Any],
    campaign: Campaign,
    unit: Unit,
    rows: dict[str, list[dict[str, Any]]],
    notes: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One schema table sheet: the prefilled rows (or, for the unit's own lists, blank
    rows to fill), its red-cell checks, the confirmation fields and clauses below, and
    the protection; returns the 自查 count rows of its checks. ``notes``: the office's
    销号审核 words by task, as a comment on the task's 申请销号 cell."""
    schema = campaign.schema(sheet_spec["schema"])  # with the office's lists (选项)
    title = f"{unit.name} " + format_text(sheet_spec["title"], campaign, unit)
    note = f"{schema.description}{spec['legend']}"
    free = schema.schema_id in LIST_SHEETS
    sheet_rows = rows.get(schema.schema_id, [])
    validations = len(ws.validations)
    last_row = write_table(
        ws,
        fmt,
        schema,
        sheet_rows,
        title=title,
        note=note,
        lists=lists,
        freeze_cols=2 if not free else 1,
    )
    if free:  # write_table's blank_rows=LIST_BLANK_ROWS, without a call per cell
        prepare_blank_rows(ws, fmt, schema, last_row, LIST_BLANK_ROWS, lists, validations)
    n_rows = LIST_BLANK_ROWS + len(sheet_rows) if free else len(sheet_rows)
    helpers = (
        _write_ledger_helpers(ws, schema, rows)
        if schema.schema_id == "unit_ledger"
        else None
    )
    checks = add_self_checks(
        book, ws, fmt, schema, n_rows, campaign.settings.as_of, helpers
    )
    counts = checks.counts
    if schema.schema_id == "unit_ledger" and notes:
        col = schema.position("apply_close") - 1
        for offset, task in enumerate(sheet_rows):
            if task["task_id"] in notes:
                ws.write_comment(
                    FIRST_DATA_ROW + offset,
                    col,
                    f"办公室意见：{notes[task['task_id']]}",
                    {"x_scale": 2, "y_scale": 1.5},
                )
    if free and "task_id" in [c.name for c in schema.columns]:
        _restrict_task_ids(ws, schema, lists, [t["task_id"] for t in rows["unit_ledger"]])
    if schema.form:
        cells = _write_form(ws, fmt, schema, last_row + 2, lists)
        # a blank signature or date is the office's CONFIRM_MISSING: a 提醒
        counts += add_form_checks(
            ws,
            fmt,
            schema,
            cells,
            campaign.settings.as_of,
            checks.next_col,
            frozenset(c.name for c in schema.form),
        )
    if sheet_spec.get("clauses"):
        _write_clauses(ws, fmt, sheet_spec, last_row + 2, len(schema.columns))
    protect(ws, insert_rows=free)
    return counts


def _restrict_task_ids(
    ws: Any, schema: schemas.SheetSchema, lists: ListSheet, own: list[str]
) -> None:
    """In a list the unit writes itself, the task column offers only the unit's own
    tasks (or （无） when it leads none)."""
    col = [c.name for c in schema.columns].index("task_id")
    ws.data_validation(
        FIRST_DATA_ROW,
        col,
        FIRST_DATA_ROW + LIST_BLANK_ROWS - 1,
        col,
        {
            "validate": "list",
            "source": lists.source(own or ["（无）"]),
            "input_title": "任务编号",
            "input_message": "选择本单位牵头的任务",
            "error_type": "stop",
            "error_message": "请从下拉列表选择本单位的任务编号。",
        },
    )


def _write_ledger_helpers(
    ws: Any, schema: schemas.SheetSchema, rows: dict[str, list[dict[str, Any]]]
) -> dict[str, int]:
    """Hidden, locked columns right of the ledger that look into 推进表 for each task:
    how many of its milestones are not 已完成, and the state of its last milestone. The
    ledger's red-cell rules (申请销号, 进度 100) use them; plain formulas that every suite
    recalculates (a conditional format may not refer to another sheet in older Excel)."""
    sched = schemas.load("unit_schedule")
    col = {c.name: xl_col_to_name(i) for i, c in enumerate(sched.columns)}
    ms = rows["unit_schedule"]
    top, bottom = FIRST_DATA_ROW + 1, FIRST_DATA_ROW + max(len(ms), 1)
    tasks = f"'{sched.sheet}'!${col['task_id']}${top}:${col['task_id']}${bottom}"
    states = f"'{sched.sheet}'!${col['state']}${top}:${col['state']}${bottom}"
    open_col = len(schema.columns) + HELPER_GAP
    last_col = open_col + 1
    last_row_of = {
        r["task_id"]: FIRST_DATA_ROW + 1 + i for i, r in enumerate(ms)
    }  # later rows win
    for offset, task in enumerate(rows["unit_ledger"]):
        row = FIRST_DATA_ROW + offset
        # states read as the office reads them: "已完成" with a full-width space is done
        ws.write_formula(
            row,
            open_col,
            f'=SUMPRODUCT(({tasks}=$A{row + 1})*({clean(states)}<>"已完成"))',
            None,
            0,
        )
        last = last_row_of.get(task["task_id"])
        state = clean(f"'{sched.sheet}'!${col['state']}${last}")
        ws.write_formula(row, last_col, f"={state}" if last else '="已完成"', None, "")
    ws.set_column(open_col, last_col, None, None, {"hidden": True})
    return {"_open_nodes": open_col, "_last_state": last_col}


def _write_instructions(
    ws: Any,
    fmt: Formats,
    spec: dict[str, Any],
    campaign: Campaign,
    unit: Unit,
    notes: dict[str, str] | None = None,
    rows: dict[str, list[dict[str, Any]]] | None = None,
) -> None:
    """填报说明: the instructions, with the unit's values, the office's words on its
    销号 applications (``notes``, by task) and the colour legend."""
    ws.merge_range(
        0,
        0,
        0,
        1,
        format_text("{year}年“四个体系”重点工作填报表", campaign, unit),
        fmt.title,
    )
    ws.set_row(0, 32)
    pairs = [
        (label, format_text(text, campaign, unit)) for label, text in spec["instructions"]
    ]
    titles = {
        r["task_id"]: r.get("title", "") for r in (rows or {}).get("unit_ledger", [])
    }
    pairs += [
        (
            "办公室意见",
            f"任务 {task_id}（{titles.get(task_id, '')}）：{text}",
        )
        for task_id, text in (notes or {}).items()
    ]
    next_row = write_key_values(ws, fmt, pairs, start_row=2)
    ws.write_string(next_row + 1, 0, "图例", fmt.label)
    ws.write_string(next_row + 1, 1, "灰色：办公室预填，已锁定", fmt.prefill)
    ws.write_string(next_row + 2, 1, "浅黄色：请本单位填写", fmt.input)
    ws.write_string(
        next_row + 3, 1, "红色：错误，办公室不能采用，必须修改", fmt.needs_fix
    )
    ws.write_string(
        next_row + 4, 1, "橙色：提醒，已能读取但写法不规范，建议修改", fmt.remind
    )
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    protect(ws)


def _write_form(
    ws: Any, fmt: Formats, schema: schemas.SheetSchema, start: int, lists: ListSheet
) -> dict[str, tuple[int, int]]:
    """Confirmation fields below a table: label in column B, input in column D; returns
    where each input went (name → row, column)."""
    cells = {}
    for offset, column in enumerate(schema.form):
        row = start + offset
        ws.write_string(row, 1, column.title, fmt.label)
        write_cell(ws, row, 3, None, fmt.for_column(column, "input"))
        add_validation(ws, row, row, 3, column, lists)
        ws.set_row(row, 24)
        cells[column.name] = (row, 3)
    return cells


def _write_clauses(
    ws: Any, fmt: Formats, spec: dict[str, Any], start: int, width: int
) -> None:
    """The responsibility clauses and signature lines below a table (责任书)."""
    # Clauses start in column B: column A is the key column, and text below the table
    # with an empty key is not read as data.
    ws.merge_range(start, 1, start, width - 1, spec["clauses_title"], fmt.bold)
    row = start + 1
    for clause in spec["clauses"]:
        ws.merge_range(row, 1, row, width - 1, clause, fmt.plain)
        ws.set_row(row, 30)
        row += 1
    row += 1
    for line in spec["signature_lines"]:
        ws.merge_range(row, 1, row, width - 1, line, fmt.plain)
        ws.set_row(row, 26)
        row += 1


def meta_values(
    campaign: Campaign,
    unit: Unit,
    rows: dict[str, list[dict[str, Any]]],
    now: dt.datetime,
    spec: dict[str, Any],
) -> dict[str, str]:
    """What the ``_meta`` sheet records: template, unit, period, issue time and
    the fingerprint and snapshot of the prefilled cells."""
    s = campaign.settings
    return {
        "format": "siyi-unit-workbook",
        "template_version": spec["template_version"],
        "tool_version": __version__,
        "year": str(s.year),
        "period": s.period,
        "as_of": s.as_of.isoformat(),
        "unit_code": unit.code,
        "unit_name": unit.name,
        "issued_at": now.isoformat(),
        "fingerprint": fingerprint(rows),
        **encode_snapshot(rows),
        "rows": json.dumps({k: len(v) for k, v in rows.items()}),
    }


def _write_meta(
    book: Any,
    campaign: Campaign,
    unit: Unit,
    rows: dict[str, list[dict[str, Any]]],
    now: dt.datetime,
    spec: dict[str, Any],
) -> None:
    """The very hidden ``_meta`` sheet, so the batch knows whose file it reads."""
    ws = book.add_worksheet(META_SHEET)
    ws.write_string(0, 0, "key")
    ws.write_string(0, 1, "value")
    for row, (key, value) in enumerate(
        meta_values(campaign, unit, rows, now, spec).items(), start=1
    ):
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, value)
    ws.write_string(0, 3, "本表由系统使用，请勿修改。")
    ws.very_hidden()
    ws.protect()
