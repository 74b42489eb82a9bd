"""督导检查.xlsx (visits and 督办单, kept by the office) and the printable 督办单 pages
issued inside a unit's workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.read.inspection import order_sheet_name
from siyi_xlsx.resources import template
from siyi_xlsx.write.selfcheck import add_form_checks
from siyi_xlsx.write.xlsx import (
    Formats,
    ListSheet,
    add_validation,
    atomic_workbook,
    protect,
    write_cell,
    write_key_values,
    write_table,
)


def write_inspection_workbook(
    path: Path, data: dict[str, list[dict[str, Any]]] | None = None
) -> None:
    """督导检查.xlsx: the instructions, then the visit and 督办单 tables to fill."""
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


def write_order_pages(
    book: Any,
    fmt: Formats,
    lists: ListSheet,
    orders: list[dict[str, Any]],
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """One printable A4 page per open 督办单: the matter (locked) and the feedback fields,
    which turn red or orange like every other input; returns the 自查 count rows for the pages."""

    counts: list[dict[str, Any]] = []
    spec = template("inspection_workbook")["order_page"]
    feedback = schemas.load("order_feedback")
    for order in orders:
        ws = book.add_worksheet(order_sheet_name(order))
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 70)
        ws.merge_range(0, 0, 0, 1, spec["title"], fmt.title)
        ws.set_row(0, 36)
        row = _write_order_facts(ws, fmt, order, 2) + 1  # a blank line after the facts
        ws.merge_range(row, 0, row, 1, "承办单位反馈", fmt.bold)
        counts += _write_feedback(ws, fmt, lists, feedback, row + 1, as_of)
        row += len(feedback.columns) + 1  # the row after the last feedback field
        ws.merge_range(row + 1, 0, row + 1, 1, spec["footer"], fmt.note)
        ws.set_paper(9)
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        protect(ws)
    return counts


def _write_order_facts(ws: Any, fmt: Formats, order: dict[str, Any], row: int) -> int:
    """From ``row``: the 督办单 itself, label and locked value per line; returns the row
    after the last."""
    facts = [
        ("督办编号", order["order_id"]),
        ("承办单位", order["unit"]),
        ("任务编号", order.get("task_id", "")),
        ("督办事项", order["matter"]),
        ("办理要求", order["requirement"]),
        ("完成时限", order["deadline"]),
    ]
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
    return row


def _write_feedback(
    ws: Any,
    fmt: Formats,
    lists: ListSheet,
    feedback: schemas.SheetSchema,
    first: int,
    as_of: dt.date,
) -> list[dict[str, Any]]:
    """From row ``first``: one input field per feedback column, with its validation and
    its red (错误) / orange (提醒) check; returns the 自查 count rows of those checks. A
    page left blank has nothing to fix: the office reads it as no feedback yet."""
    fields = {}
    for offset, column in enumerate(feedback.columns):
        row = first + offset
        ws.write_string(row, 0, column.title, fmt.label)
        write_cell(ws, row, 1, None, fmt.for_column(column, "input"))
        add_validation(ws, row, row, 1, column, lists)
        ws.set_row(row, 60 if column.name == "progress" else 24)
        fields[column.name] = (row, 1)
    return add_form_checks(
        ws, fmt, feedback, fields, as_of, first_col=3, blank_page_ok=True
    )
