"""Change values in the master's 设置 sheet in place (``siyi period``).

The master is the office's own workbook: only the 值 cells of the named settings
change; every other sheet, cell, list and format is kept as openpyxl reads and writes it.
The new file replaces the old one only once it is completely written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from siyi_xlsx import schema as schemas
from siyi_xlsx.errors import CampaignError
from siyi_xlsx.schema.sheets import header_key
from siyi_xlsx.write.xlsx import landing


def set_settings(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Set the settings ``values`` (by schema field name, e.g. ``period``) in the 设置
    sheet of the master at ``path``. A setting whose row is missing (an older master)
    gets a row at the end. Returns the previous values."""
    schema = schemas.load("master_settings")
    book = openpyxl.load_workbook(path)
    if schema.sheet not in book.sheetnames:
        raise CampaignError(f"任务总表缺少“{schema.sheet}”工作表，无法切换期次。")
    ws = book[schema.sheet]
    rows = {
        header_key(str(ws.cell(r, 1).value)): r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value is not None
    }
    before: dict[str, Any] = {}
    for name, value in values.items():
        title = schema.column(name).title
        row = rows.get(header_key(title))
        if row is None:
            row = ws.max_row + 1
            ws.cell(row, 1, title)
        cell = ws.cell(row, 2)
        before[name] = cell.value
        if isinstance(value, dt.date):
            cell.value = dt.datetime.combine(value, dt.time())
            cell.number_format = "yyyy-mm-dd"
        else:
            cell.value = value
    with landing(path) as tmp:  # the master open in Excel: "请先关闭 任务总表.xlsx"
        book.save(tmp)
    return before
