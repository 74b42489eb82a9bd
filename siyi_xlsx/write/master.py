"""任务总表.xlsx: the office's master workbook, empty with instructions or filled (``siyi init``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from siyi_xlsx import schema as schemas
from siyi_xlsx.read.master import EVAL_TABLES, OPTION_TABLES, TABLE_SCHEMAS
from siyi_xlsx.resources import template
from siyi_xlsx.schema.options import default_options, targets
from siyi_xlsx.schema.sheets import INPUT, SheetSchema
from siyi_xlsx.write.xlsx import (
    Formats,
    add_validation,
    atomic_workbook,
    setup_print,
    text_height,
    write_cell,
    write_key_values,
    write_table,
)


def write_master(
    path: Path,
    data: dict[str, list[dict[str, Any]]] | None = None,
    settings: dict[str, Any] | None = None,
) -> None:
    """Write the master workbook, empty (with instructions) or filled with ``data``;
    ``data["options"]`` (list name -> values) fills 选项, the package's lists otherwise."""
    spec = template("master_workbook")
    data = data or {}
    options = {**default_options(), **(data.get("options") or {})}
    with atomic_workbook(path) as book:
        fmt = Formats(book)
        ref_sources = _define_ref_names(book, data)
        ref_sources.update(_define_option_names(book, options))
        for sheet_spec in spec["sheets"]:
            ws = book.add_worksheet(sheet_spec["name"])
            if sheet_spec["kind"] == "instructions":
                ws.merge_range(
                    0, 0, 0, 1, "“四个体系”重点工作任务总表 使用说明", fmt.title
                )
                ws.set_row(0, 30)
                write_key_values(ws, fmt, spec["instructions"], start_row=2)
                continue
            schema = schemas.load(sheet_spec["schema"])
            if sheet_spec["kind"] == "form":
                values = (
                    settings
                    if schema.schema_id == "master_settings"
                    else data.get("eval_settings")
                )
                _write_settings(ws, fmt, schema, values or {})
                continue
            if sheet_spec["kind"] == "options":
                _write_options(ws, fmt, schema, options)
                continue
            tables = {**TABLE_SCHEMAS, **EVAL_TABLES, **OPTION_TABLES}
            key = next(k for k, v in tables.items() if v == schema.schema_id)
            rows = data.get(key, [])
            if key == "adjust_rules" and not rows:
                rows = template("evaluation_defaults")["adjust_rules"]
            write_table(
                ws,
                fmt,
                _lists_from_options(schema),
                rows,
                title=schema.title,
                note=schema.description,
                role_override=INPUT,
                blank_rows=max(200, len(rows) // 2),
                ref_sources=ref_sources,
                freeze_cols=1,
            )
            ws.autofilter(2, 0, 2 + len(rows), len(schema.columns) - 1)


def _define_ref_names(book: Any, data: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Defined names over the master's own columns, used as dropdown sources."""
    sources: dict[str, str] = {}
    for key, schema_id in TABLE_SCHEMAS.items():
        schema = schemas.load(schema_id)
        for index, column in enumerate(schema.columns):
            ref = f"{key}.{column.name}"
            if ref in ("units.name", "leaders.name", "teams.name", "tasks.task_id"):
                letter = chr(65 + index)
                last = 4 + max(200, len(data.get(key, [])) * 2)
                name = f"siyi_{key}_{column.name}"
                book.define_name(name, f"='{schema.sheet}'!${letter}$4:${letter}${last}")
                sources[ref] = f"={name}"
    return sources


OPTION_ROWS = 60  # rows of 选项 offered for each list (values plus room to add)


def _option_rows(options: dict[str, tuple[str, ...]]) -> int:
    return max(OPTION_ROWS, *(len(v) + 20 for v in options.values()))


def _define_option_names(
    book: Any, options: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """A defined name over each list's column of 选项, the master's own dropdown source:
    what the clerk adds there is offered at once in 重点任务."""
    schema = schemas.load("master_options")
    last = 3 + _option_rows(options)
    sources = {}
    for index, column in enumerate(schema.columns):
        letter = xl_col_to_name(index)
        name = f"siyi_options_{column.name}"
        book.define_name(name, f"='{schema.sheet}'!${letter}$4:${letter}${last}")
        sources[f"options.{column.name}"] = f"={name}"
    return sources


def _lists_from_options(schema: SheetSchema) -> SheetSchema:
    """The master's columns whose dropdown is a list of 选项 offer that column of 选项
    (a value not in it is only warned about in Excel; the batch reports it)."""
    fed = {
        column: name
        for name, pairs in targets().items()
        for schema_id, column in pairs
        if schema_id == schema.schema_id
    }
    if not fed:
        return schema
    columns = tuple(
        dataclasses.replace(
            c, kind="text", spec={**c.spec, "x-ref": f"options.{fed[c.name]}"}
        )
        if c.name in fed
        else c
        for c in schema.columns
    )
    return dataclasses.replace(schema, columns=columns)


def _write_options(
    ws: Any, fmt: Formats, schema: SheetSchema, options: dict[str, tuple[str, ...]]
) -> None:
    """选项: one column per list, one value per cell from row 4 down."""
    depth = max(len(v) for v in options.values())
    rows = [
        {name: values[i] for name, values in options.items() if i < len(values)}
        for i in range(depth)
    ]
    write_table(
        ws,
        fmt,
        schema,
        rows,
        title=schema.title,
        note=schema.description,
        role_override=INPUT,
        blank_rows=_option_rows(options) - depth,
    )


def _write_settings(
    ws: Any, fmt: Formats, schema: SheetSchema, values: dict[str, Any]
) -> None:

    ws.merge_range(0, 0, 0, 2, schema.title, fmt.title)
    ws.merge_range(1, 0, 1, 2, schema.description, fmt.note)
    ws.set_row(1, text_height([(schema.description, 100)], base=14, cap=90))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 60)
    for col, text in enumerate(("设置项", "值", "说明")):
        ws.write_string(2, col, text, fmt.header)
    defaults = schema.defaults
    for offset, column in enumerate(schema.columns):
        row = 3 + offset
        ws.write_string(row, 0, column.title, fmt.label)
        value = values.get(column.name, defaults.get(column.name))
        write_cell(ws, row, 1, value, fmt.for_column(column, INPUT))
        ws.write_string(row, 2, column.hint, fmt.cell)
        ws.set_row(row, max(22.0, text_height([(column.hint, 60), (column.title, 22)])))
        add_validation(ws, row, row, 1, column, None)
    ws.freeze_panes(3, 0)
    # a form: one A4 page wide, portrait, its header row repeated
    setup_print(ws, repeat_rows=(2, 2), landscape=False)
