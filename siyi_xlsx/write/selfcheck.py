"""Write the compiled self-check into a workbook: per-row hidden helper cells holding each
input cell's status, red (错误) and orange (提醒) conditional formats reading them, and the
自查 sheet that counts them (the conditions: :mod:`schema.selfcheck`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from siyi_xlsx.schema.layout import FIRST_DATA_ROW, HELPER_GAP
from siyi_xlsx.schema.rules import excel_helpers
from siyi_xlsx.schema.selfcheck import (
    clean,
    column_check,
    fill,
    status_formula,
    typed_columns,
)
from siyi_xlsx.schema.sheets import INPUT, SheetSchema
from siyi_xlsx.write.fastbook import ROW_MARK, put_helper_rows
from siyi_xlsx.write.xlsx import Formats

SELF_CHECK_SHEET = "自查"
_ROW = ROW_MARK  # stands for the row number while a formula is rendered once per column
_FILLED = "filled:row"  # the helper of a free list saying the row holds anything


@dataclass
class SelfChecks:
    """What :func:`add_self_checks` placed: the 自查 count rows, and the column letter of
    every helper (``val:score``, ``status:score``…) for formulas built on top."""

    counts: list[dict[str, Any]] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)
    next_col: int = 0


def add_self_checks(
    book: Any,
    ws: Any,
    fmt: Formats,
    schema: SheetSchema,
    n_rows: int,
    as_of: dt.date,
    helpers: dict[str, int] | None = None,
) -> SelfChecks:
    """Check every input column of a table sheet's first ``n_rows`` data rows.

    Hidden helper columns right of the table (and right of ``helpers``, hidden columns
    of row facts such as ``_open_nodes`` that rules may read as ``{_open_nodes}``) hold
    each cell's value as the office reads it and its status (2 错误, +1 提醒); the cell
    is red or orange from its status and the 自查 sheet counts statuses. In a list the
    unit writes itself (``x-rows: free``) an empty row has nothing to fix.
    """
    placed = SelfChecks()
    if n_rows <= 0:
        return placed
    absent = excel_helpers(schema) - set(helpers or {})
    if absent:
        raise ValueError(f"{schema.schema_id}: no helper column for {sorted(absent)}")
    first, last = FIRST_DATA_ROW, FIRST_DATA_ROW + n_rows - 1
    compiled = _compile(schema, as_of, helpers or {})
    checks, letters, col, formulas = compiled
    placed.letters, placed.next_col = dict(letters), col
    if not checks:
        return placed
    put_helper_rows(ws, first, last, formulas)
    first_helper = min(index for index, _ in formulas)
    ws.set_column(first_helper, col - 1, None, None, {"hidden": True})
    sheet_ref = "'" + schema.sheet + "'!"
    for check in checks:
        index = schema.columns.index(check.column)
        status = letters[check.status]
        _colour(ws, fmt, first, last, index, f"${status}{first + 1}")
        statuses = f"{sheet_ref}${status}${first + 1}:${status}${last + 1}"
        placed.counts.append(
            count_row(schema.sheet, check.column.title, statuses, check.words)
        )
    return placed


_Compiled = tuple[list[Any], dict[str, str], int, list[tuple[int, str]]]
# a sheet's checks, helper letters and formulas: the same in every workbook of a run
_COMPILED: dict[tuple[Any, ...], tuple[SheetSchema, _Compiled]] = {}


def _compile(schema: SheetSchema, as_of: dt.date, helpers: dict[str, int]) -> _Compiled:
    """The checks of ``schema``'s input columns, every helper's column letter, the
    column after the last helper, and the helper formulas ((column, text with
    :data:`ROW_MARK` for the row number)); remembered by schema, date and helpers."""
    key = (schema.schema_id, id(schema), as_of, tuple(sorted(helpers.items())))
    known = _COMPILED.get(key)
    if known is not None and known[0] is schema:
        return known[1]
    typed = typed_columns(schema)
    checks = [
        check
        for column in schema.columns
        if column.role == INPUT
        and (check := column_check(column, schema, as_of, typed)) is not None
    ]
    letters = {c.name: xl_col_to_name(i) for i, c in enumerate(schema.columns)}
    letters.update({name: xl_col_to_name(i) for name, i in helpers.items()})
    col = max([len(schema.columns) - 1 + HELPER_GAP, *helpers.values()]) + 1
    free = schema.raw.get("x-rows") == "free"
    if free:  # whether the row holds anything: an empty row has nothing to fix
        letters[_FILLED] = xl_col_to_name(col)
        col += 1
    for check in checks:
        for name, _ in (*check.helpers, (check.status, "")):
            letters[name] = xl_col_to_name(col)
            col += 1
    refs = {name: f"${letter}{_ROW}" for name, letter in letters.items()}
    formulas: list[tuple[int, str]] = []
    if free:
        everything = "&".join(refs[c.name] for c in schema.columns)
        formulas.append((_index(letters[_FILLED]), f"IF(LEN({clean(everything)})>0,1,0)"))
    for check in checks:
        own = f"{letters[check.column.name]}{_ROW}"
        for name, template in check.helpers:
            formulas.append((_index(letters[name]), fill(template, refs, own)))
        status = status_formula(check, refs, own)
        if free:
            status = f"IF({refs[_FILLED]}=0,0,{status})"
        formulas.append((_index(letters[check.status]), status))
    compiled = (checks, letters, col, formulas)
    if len(_COMPILED) > 1000:
        _COMPILED.clear()
    _COMPILED[key] = (schema, compiled)
    return compiled


def add_form_checks(
    ws: Any,
    fmt: Formats,
    schema: SheetSchema,
    fields: dict[str, tuple[int, int]],
    as_of: dt.date,
    first_col: int,
    reminded: frozenset[str] = frozenset(),
    blank_page_ok: bool = False,
) -> list[dict[str, Any]]:
    """Check single input fields laid out as a form: the confirmation fields below a
    table (``schema.form``) or a 督办单 page (``schema.columns``), at ``fields`` (name →
    row, col), with their helpers in hidden columns from ``first_col`` on their rows.

    A blank field in ``reminded`` is a 提醒 (the office's CONFIRM_MISSING,
    RATER_MISSING); with ``blank_page_ok`` a page left wholly blank has nothing to fix
    (the office reads it as no feedback yet)."""
    columns = tuple(c for c in (*schema.columns, *schema.form) if c.name in fields)
    typed = typed_columns(schema, columns)
    checks = []
    for column in columns:
        blank = "warning" if column.name in reminded else "error"
        check = column_check(column, schema, as_of, typed, blank=blank)
        if check is not None:
            checks.append(check)
    refs = {
        name: f"${xl_col_to_name(col)}${row + 1}" for name, (row, col) in fields.items()
    }
    for check in checks:
        row = fields[check.column.name][0]
        for offset, (name, _) in enumerate((*check.helpers, (check.status, ""))):
            refs[name] = f"${xl_col_to_name(first_col + offset)}${row + 1}"
    width = max((len(c.helpers) + 1 for c in checks), default=0)
    page = "&".join(refs[name] for name in fields)
    counts = []
    for check in checks:
        row, col = fields[check.column.name]
        own = refs[check.column.name]
        for name, template in check.helpers:
            ws.write_formula(
                row, _col(refs[name]), "=" + fill(template, refs, own), None, 0
            )
        status = status_formula(check, refs, own)
        if blank_page_ok:
            status = f"IF(LEN({clean(page)})=0,0,{status})"
        ws.write_formula(row, _col(refs[check.status]), "=" + status, None, 0)
        _colour(ws, fmt, row, row, col, refs[check.status])
        cell = f"'{ws.name}'!{refs[check.status]}"
        counts.append(count_row(ws.name, check.column.title, cell, check.words))
    if width:
        ws.set_column(first_col, first_col + width - 1, None, None, {"hidden": True})
    return counts


def _col(ref: str) -> int:
    """The column index of an absolute reference such as ``$AB$12``."""
    return _index(ref.split("$")[1])


def count_row(sheet: str, column: str, statuses: str, words: Any) -> dict[str, Any]:
    """A 自查 row: how many statuses in ``statuses`` (a range) are 错误 and 提醒."""
    return {
        "sheet": sheet,
        "column": column,
        "errors": f'=COUNTIF({statuses},">=2")',
        "warnings": f"=COUNTIF({statuses},1)+COUNTIF({statuses},3)",
        "rules": "；".join(words),
    }


def _colour(ws: Any, fmt: Formats, first: int, last: int, col: int, status: str) -> None:
    """Red where the status says 错误, else orange where it says 提醒."""
    for criteria, colour in (
        (f"={status}>=2", fmt.needs_fix),
        (f"={status}=1", fmt.remind),
    ):
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {
                "type": "formula",
                "criteria": criteria,
                "format": colour,
                "stop_if_true": True,
            },
        )


def _index(letter: str) -> int:
    number = 0
    for char in letter:
        number = number * 26 + ord(char) - 64
    return number - 1


def write_self_check_sheet(ws: Any, fmt: Formats, counts: list[dict[str, Any]]) -> None:
    """The 自查 sheet: one headline and, per checked column, its 错误 and 提醒 counts.

    A count row may instead give a ready ``formula`` (an 错误 count, such as the
    ballot's all-equal rule) or ``warnings_only``."""
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 3, 10)
    ws.set_column(4, 4, 70)
    ws.merge_range(0, 0, 0, 4, "报送前自查", fmt.title)
    ws.set_row(0, 30)
    first, last = 4, 4 + len(counts) - 1
    errors = f"SUM(C{first + 1}:C{last + 1})" if counts else "0"
    warnings = f"SUM(D{first + 1}:D{last + 1})" if counts else "0"
    headline = (
        f'=IF({errors}=0,IF({warnings}=0,"已全部填好，可以报送。",'
        f'"没有错误，可以报送；另有 "&{warnings}&" 处提醒（橙色单元格）建议修改。"),'
        f'"还有 "&{errors}&" 处错误（红色单元格）必须修改，"&{warnings}'
        f'&" 处提醒（橙色单元格）建议修改。改好错误后再报送。")'
    )
    ws.merge_range(1, 0, 1, 4, "", fmt.headline)
    ws.write_formula(1, 0, headline, fmt.headline, "")
    ws.set_row(1, 36)
    ws.merge_range(
        2,
        0,
        2,
        4,
        "本表自动统计，无需填写。红色单元格是错误（必填未填或填写不符合要求，办公室不能采用），必须修改；"
        "橙色单元格是提醒（已能读取，但写法不规范，如“2022.6.30”“45分”），建议改为标准写法。"
        "把鼠标放在单元格上可看到填写提示。",
        fmt.note,
    )
    ws.set_row(2, 45)
    for col, text in enumerate(("工作表", "列", "错误处数", "提醒处数", "检查内容")):
        ws.write_string(3, col, text, fmt.header)
    for offset, item in enumerate(counts):
        row = first + offset
        ws.write_string(row, 0, item["sheet"], fmt.cell)
        ws.write_string(row, 1, item["column"], fmt.cell)
        ws.write_formula(row, 2, item["errors"], fmt.cell_num, 0)
        ws.write_formula(row, 3, item["warnings"], fmt.cell_num, 0)
        ws.write_string(row, 4, item["rules"], fmt.cell)
    if counts:
        for col, fill_name in ((2, "red"), (3, "amber")):
            ws.conditional_format(
                first,
                col,
                last,
                col,
                {
                    "type": "cell",
                    "criteria": ">",
                    "value": 0,
                    "format": fmt.fills[fill_name],
                },
            )
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
