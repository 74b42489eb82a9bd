"""Write the compiled self-check into a workbook: red-cell conditional formats on every
input column and the 自查 sheet that counts them (the conditions: :mod:`schema.selfcheck`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from siyi_xlsx.schema.layout import FIRST_DATA_ROW
from siyi_xlsx.schema.rules import excel_helpers
from siyi_xlsx.schema.selfcheck import Cond, column_rules, render_array, render_cell
from siyi_xlsx.schema.sheets import INPUT, SheetSchema
from siyi_xlsx.write.xlsx import Formats

SELF_CHECK_SHEET = "自查"


def add_self_checks(
    book: Any,
    ws: Any,
    fmt: Formats,
    schema: SheetSchema,
    n_rows: int,
    as_of: dt.date,
    red: Any,
    helpers: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Add red-cell conditional formats to a table sheet; return its 自查 count rows.

    ``helpers`` names hidden helper columns (``_open_nodes`` → column index) that rules
    may refer to as ``{_open_nodes}``; every helper the schema's rules read must be one.
    """
    if n_rows <= 0:
        return []
    absent = excel_helpers(schema) - set(helpers or {})
    if absent:
        raise ValueError(f"{schema.schema_id}: no helper column for {sorted(absent)}")
    first, last = FIRST_DATA_ROW, FIRST_DATA_ROW + n_rows - 1
    letters = {c.name: xl_col_to_name(i) for i, c in enumerate(schema.columns)}
    letters.update({name: xl_col_to_name(i) for name, i in (helpers or {}).items()})
    cell_refs = {name: f"${letter}{first + 1}" for name, letter in letters.items()}
    sheet_ref = "'" + schema.sheet + "'!"
    range_refs = {
        name: f"{sheet_ref}${letter}${first + 1}:${letter}${last + 1}"
        for name, letter in letters.items()
    }
    counts = []
    for index, column in enumerate(schema.columns):
        if column.role != INPUT:
            continue
        cond, words = column_rules(column, schema, as_of)
        if cond is None:
            continue
        if schema.raw.get("x-rows") == "free":
            # a list the unit writes itself: an empty row is not a row to fix
            filled = (
                "(" + "+".join("LEN({" + c.name + "})" for c in schema.columns) + ")>0"
            )
            cond = Cond.all(Cond.atom(filled), cond)
        letter = letters[column.name]
        formula = "=" + render_cell(cond, cell_refs, f"{letter}{first + 1}")
        ws.conditional_format(
            first,
            index,
            last,
            index,
            {"type": "formula", "criteria": formula, "format": red, "stop_if_true": True},
        )
        count = (
            "=SUMPRODUCT(--"
            + render_array(cond, range_refs, range_refs[column.name])
            + ")"
        )
        counts.append(
            {
                "sheet": schema.sheet,
                "column": column.title,
                "formula": count,
                "rules": "；".join(words),
            }
        )
    return counts


def write_self_check_sheet(ws: Any, fmt: Formats, counts: list[dict[str, Any]]) -> None:
    """The 自查 sheet: one headline ("还有 N 处需要修改") and a count per column."""
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 3, 70)
    ws.merge_range(0, 0, 0, 3, "报送前自查", fmt.title)
    ws.set_row(0, 30)
    first, last = 4, 4 + len(counts) - 1
    total = f"SUM(C{first + 1}:C{last + 1})" if counts else "0"
    headline = f'=IF({total}=0,"已全部填好，没有红色单元格，可以报送。","还有 "&{total}&" 处需要修改（各表中的红色单元格），改好后再报送。")'
    ws.merge_range(1, 0, 1, 3, "", fmt.headline)
    ws.write_formula(1, 0, headline, fmt.headline, "")
    ws.set_row(1, 36)
    ws.merge_range(
        2,
        0,
        2,
        3,
        "本表自动统计，无需填写。红色单元格表示必填未填或填写不符合要求；把鼠标放在单元格上可看到填写提示。",
        fmt.note,
    )
    for col, text in enumerate(("工作表", "列", "需修改处数", "检查内容")):
        ws.write_string(3, col, text, fmt.header)
    for offset, item in enumerate(counts):
        row = first + offset
        ws.write_string(row, 0, item["sheet"], fmt.cell)
        ws.write_string(row, 1, item["column"], fmt.cell)
        ws.write_formula(row, 2, item["formula"], fmt.cell_num, "")
        ws.write_string(row, 3, item["rules"], fmt.cell)
    if counts:
        ws.conditional_format(
            first,
            2,
            last,
            2,
            {"type": "cell", "criteria": ">", "value": 0, "format": fmt.fills["red"]},
        )
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
