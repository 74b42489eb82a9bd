"""The 督导检查组's workbook (督导检查.xlsx): on-site visits (四不两直) and 督办单. Open
督办单 go out as one printable page in the unit's workbook; the unit's feedback on that
page is read back by the next run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema as schemas
from .errors import Issue, ReadError
from .reader import SheetData, read_workbook
from .resources import template
from .tables import Where, read_form, read_table
from .xlsx import (
    Formats,
    ListSheet,
    add_validation,
    atomic_workbook,
    protect,
    write_cell,
    write_key_values,
    write_table,
)

INSPECTION_FILE = "督导检查.xlsx"
ORDER_SHEET_PREFIX = "督办单"


@dataclass
class Inspection:
    visits: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def open_orders_of(self, unit_name: str) -> list[dict[str, Any]]:
        return [
            o
            for o in self.orders
            if o["unit"] == unit_name and o.get("status") != "已办结"
        ]


def write_inspection_workbook(
    path: Path, data: dict[str, list[dict[str, Any]]] | None = None
) -> None:
    spec = template("inspection_workbook")
    data = data or {}
    with atomic_workbook(path) as book:
        fmt = Formats(book)
        ws = book.add_worksheet("使用说明")
        ws.write_string(0, 0, "督导检查工作簿 使用说明", fmt.title)
        write_key_values(ws, fmt, spec["instructions"], start_row=2)
        for schema_id, key in (
            ("inspection_visits", "visits"),
            ("supervision_orders", "orders"),
        ):
            schema = schemas.load(schema_id)
            rows = data.get(key, [])
            sheet = book.add_worksheet(schema.sheet)
            write_table(
                sheet,
                fmt,
                schema,
                rows,
                title=schema.title,
                note=schema.description,
                role_override="input",
                blank_rows=200,
                freeze_cols=1,
            )


def load_inspection(campaign: Any) -> Inspection:
    """Read 督导检查.xlsx if the office keeps one (it is optional)."""
    result = Inspection()
    path = campaign.folder / INSPECTION_FILE
    if not path.is_file():
        return result
    where = Where(file=INSPECTION_FILE, unit="督导检查组")
    try:
        book = read_workbook(path)
    except ReadError as exc:
        result.issues.append(where.issue("FILE_UNREADABLE", detail=str(exc)))
        return result
    for schema_id, target in (
        ("inspection_visits", result.visits),
        ("supervision_orders", result.orders),
    ):
        schema = schemas.load(schema_id)
        sheet = book.sheets.get(schema.sheet)
        if sheet is None:
            result.issues.append(where.issue("SHEET_MISSING", sheet=schema.sheet))
            continue
        table = read_table(sheet, schema, where, result.issues)
        seen = set()
        for row in table.rows if table else []:
            v = dict(row.values)
            if any(k not in v for k in schema.raw.get("required", [])):
                continue  # reported as REQUIRED
            unit = campaign.unit_by_name(v["unit"])
            if unit is None:
                result.issues.append(
                    where.issue(
                        "REF_UNKNOWN",
                        sheet=schema.sheet,
                        cell=row.cell("unit"),
                        field=schema.column("unit").title,
                        value=v["unit"],
                        detail="单位",
                    )
                )
                continue
            if schema_id == "supervision_orders":
                if v["order_id"] in seen:
                    result.issues.append(
                        where.issue(
                            "DUPLICATE_KEY",
                            sheet=schema.sheet,
                            cell=row.cell("order_id"),
                            field="督办编号",
                            value=v["order_id"],
                        )
                    )
                    continue
                seen.add(v["order_id"])
            target.append(v)
    return result


def order_sheet_name(order: dict[str, Any]) -> str:
    return f"{ORDER_SHEET_PREFIX}{order['order_id']}"[:31]


def write_order_pages(
    book: Any,
    fmt: Formats,
    lists: ListSheet,
    orders: list[dict[str, Any]],
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """One printable A4 page per open 督办单: the matter (locked) and the feedback fields,
    which turn red like every other input; returns the 自查 count rows for the pages."""
    from .selfcheck import column_rules, render_array, render_cell

    counts: list[dict[str, Any]] = []
    spec = template("inspection_workbook")["order_page"]
    feedback = schemas.load("order_feedback")
    for order in orders:
        ws = book.add_worksheet(order_sheet_name(order))
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 70)
        ws.merge_range(0, 0, 0, 1, spec["title"], fmt.title)
        ws.set_row(0, 36)
        facts = [
            ("督办编号", order["order_id"]),
            ("承办单位", order["unit"]),
            ("任务编号", order.get("task_id", "")),
            ("督办事项", order["matter"]),
            ("办理要求", order["requirement"]),
            ("完成时限", order["deadline"]),
        ]
        row = 2
        for label, value in facts:
            ws.write_string(row, 0, label, fmt.label)
            write_cell(
                ws,
                row,
                1,
                dt.date.fromisoformat(value) if label == "完成时限" else value,
                fmt.prefill_date if label == "完成时限" else fmt.prefill,
            )
            ws.set_row(row, 36 if label in ("督办事项", "办理要求") else 22)
            row += 1
        row += 1
        ws.merge_range(row, 0, row, 1, "承办单位反馈", fmt.bold)
        row += 1
        at = {column.name: row + offset for offset, column in enumerate(feedback.columns)}
        cells = {name: f"$B${r + 1}" for name, r in at.items()}
        sheet_cells = {name: f"'{ws.name}'!$B${r + 1}" for name, r in at.items()}
        for column in feedback.columns:
            row = at[column.name]
            ws.write_string(row, 0, column.title, fmt.label)
            write_cell(ws, row, 1, None, fmt.for_column(column, "input"))
            add_validation(ws, row, row, 1, column, lists)
            ws.set_row(row, 60 if column.name == "progress" else 24)
            cond, words = column_rules(column, feedback, as_of)
            if cond is not None:
                ws.conditional_format(
                    row,
                    1,
                    row,
                    1,
                    {
                        "type": "formula",
                        "criteria": "=" + render_cell(cond, cells, f"B{row + 1}"),
                        "format": fmt.needs_fix,
                    },
                )
                formula = (
                    "=SUMPRODUCT(--"
                    + render_array(cond, sheet_cells, sheet_cells[column.name])
                    + ")"
                )
                counts.append(
                    {
                        "sheet": ws.name,
                        "column": column.title,
                        "formula": formula,
                        "rules": "；".join(words),
                    }
                )
        row = max(at.values()) + 1
        ws.merge_range(row + 1, 0, row + 1, 1, spec["footer"], fmt.note)
        ws.set_paper(9)
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        protect(ws)
    return counts


def read_order_feedback(
    sheets: dict[str, SheetData], where: Where, issues: list[Issue]
) -> dict[str, dict[str, Any]]:
    """The feedback on every 督办单 page of a returned workbook, by 督办编号."""
    feedback = schemas.load("order_feedback")
    found = {}
    for name, sheet in sheets.items():
        if not name.startswith(ORDER_SHEET_PREFIX):
            continue
        order_id = name[len(ORDER_SHEET_PREFIX) :]
        fields = read_form(sheet, feedback.columns, where, issues, value_offset=1)
        values = {k: v for k, (v, _a) in fields.items() if v is not None}
        if not values:
            continue  # page left blank: no feedback yet
        from .validate import schema_issues

        for field_name, code, detail, value in schema_issues(values, feedback):
            issues.append(
                where.issue(
                    code,
                    sheet=name,
                    cell=fields.get(field_name, (None, ""))[1],
                    field=feedback.column(field_name).title,
                    value=value,
                    detail=detail,
                )
            )
        found[order_id] = values
    return found
