"""退回件: a copy of a unit's own workbook with every faulty cell marked, to send back.

The copy keeps the unit's values, the template's validations, protection and metadata,
so once corrected it is accepted as a normal return. Faulty cells are filled red (errors)
or orange (reminders) and carry a Chinese comment; a first sheet 退回修改清单 lists every
problem with a link to its cell. The returned original is never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from pathlib import Path
from typing import Any

from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.hyperlink import Hyperlink

from siyi_xlsx.errors import ERROR, Issue, Report
from siyi_xlsx.write import naming
from siyi_xlsx.write.xlsx import landing

RETURN_DIR = "退回件"
LIST_SHEET = "退回修改清单"
PREFIX = "【退回修改】"

RED = PatternFill("solid", fgColor="FFFF7C80")
ORANGE = PatternFill("solid", fgColor="FFFFD966")
HEADER = PatternFill("solid", fgColor="FFD9E1F2")
THIN = Side(style="thin", color="FF999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def return_copy_name(name: str) -> str:
    """File name of the 退回件 for a returned file: its own name, made safe
    (:mod:`naming`); a file in a folder (or an archive) keeps the folder in the name and
    a short hash of the whole path, so ``甲/乙_报送`` and ``甲_乙/报送`` never collide."""
    base = name.replace("\\", "/")
    tag = ""
    if "/" in base:
        tag = "_" + hashlib.sha256(base.encode()).hexdigest()[:6]
        base = base.replace("/", "_")
    base = base.removeprefix(PREFIX)
    stem, dot, suffix = base.rpartition(".")
    if dot and suffix.lower() in (
        "xlsx",
        "xlsm",
        "xls",
        "ods",
        "et",
        "ett",
        "xlsb",
        "fods",
    ):
        base = stem
    return naming.file_name(PREFIX + base + tag, ".xlsx")


def write_return_copy(
    source: Path, name: str, unit: str, issues: list[Issue], out_dir: Path
) -> Path | None:
    """Write the annotated copy of ``source``; None when the file cannot be opened at all."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(source)
    except Exception:  # unreadable files get no copy; their message is in the report
        return None
    if LIST_SHEET in book.sheetnames:  # a 退回件 sent back again: start a fresh list
        book.remove(book[LIST_SHEET])
    ordered = sorted(issues, key=lambda i: (i.severity != ERROR,))
    notes: dict[tuple[str, str], list[Issue]] = {}
    for issue in ordered:
        if issue.sheet in book.sheetnames and issue.cell:
            notes.setdefault((issue.sheet, issue.cell), []).append(issue)
    _clear_old_marks(book)
    for (sheet, address), found in notes.items():
        ws = book[sheet]
        cell = _anchor(ws, address)
        fill = RED if any(i.severity == ERROR for i in found) else ORANGE
        # red while the cell still holds what was reported; corrected, it clears itself
        rule = FormulaRule(
            formula=[f"AND({MARK},{_still_there(cell)})"], fill=fill, stopIfTrue=True
        )
        ws.conditional_formatting.add(cell.coordinate, rule)
        text = "\n".join(f"【{i.severity}】{i.message}" for i in found)
        comment = Comment(text, "siyi")
        comment.width, comment.height = 320, 60 + 40 * len(found)
        cell.comment = comment
    _list_sheet(book, name, unit, ordered)
    target = out_dir / return_copy_name(name)
    with landing(target) as tmp:
        book.save(tmp)
    return target


MARK = 'N("siyi")=0'  # a harmless term that identifies siyi's marks on the next round


def _still_there(cell: Any) -> str:
    """A condition that holds while ``cell`` keeps its present (faulty) content."""
    ref, value = cell.coordinate, cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"LEN(TRIM({ref}))=0"
    if cell.data_type == "f":
        return f"ISFORMULA({ref})"
    if isinstance(value, bool):
        return f"{ref}={'TRUE' if value else 'FALSE'}"
    if isinstance(value, dt.datetime | dt.date):
        return f"INT(N({ref}))=DATE({value.year},{value.month},{value.day})"
    if isinstance(value, int | float):
        return f"N({ref})={value!r}"
    text = str(value)[:100].replace('"', '""')
    return f'LEFT({ref},{len(str(value)[:100])})="{text}"'


def _clear_old_marks(book: Any) -> None:
    """Remove the comments and marks an earlier round of siyi left in a 退回件 sent back."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == "siyi":
                    cell.comment = None
        kept = ConditionalFormattingList()
        for block in ws.conditional_formatting:
            for rule in block.rules:
                if not any(MARK in str(f) for f in (rule.formula or [])):
                    kept.add(str(block.sqref), rule)
        ws.conditional_formatting = kept


def _anchor(ws: Any, address: str) -> Any:
    """The cell to mark: for a cell inside a merged range, the range's top-left cell."""
    for merged in ws.merged_cells.ranges:
        if address in merged:
            return ws.cell(merged.min_row, merged.min_col)
    return ws[address]


def _list_sheet(book: Any, name: str, unit: str, issues: list[Issue]) -> None:
    ws = book.create_sheet(LIST_SHEET, 0)
    errors = Report.of(issues).errors
    ws["A1"] = f"{unit} 填报表退回修改清单"
    ws["A1"].font = Font(name="黑体", size=14, bold=True)
    ws["A2"] = (
        f"原文件：{name}。共 {errors} 处错误（红色单元格，须修改）、{len(issues) - errors} 处提醒（橙色单元格）。"
        "请点击“单元格”列跳转修改，改好后直接保存本文件（保持 .xlsx 格式）重新报送；本页无需删除。"
    )
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:G2")
    ws.row_dimensions[2].height = 45
    headers = (
        "序号",
        "工作表",
        "单元格",
        "字段",
        "填报值",
        "严重程度",
        "问题说明（如何修改）",
    )
    widths = (6, 14, 9, 16, 18, 9, 70)
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(3, col, text)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER, BOX
        ws.column_dimensions[cell.column_letter].width = width
    for row, issue in enumerate(issues, start=4):
        values = (
            row - 3,
            issue.sheet,
            issue.cell,
            issue.field,
            issue.value,
            issue.severity,
            issue.message,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value if value != "" else None)
            if isinstance(value, str):
                cell.data_type = (
                    "s"  # a unit's text is shown as text, never run as a formula
                )
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if issue.sheet in book.sheetnames and issue.cell:
            link = ws.cell(row, 3)
            # an internal link (location), which Excel, WPS and LibreOffice all follow
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"'{issue.sheet}'!{issue.cell}"
            )
            link.font = Font(color="FF0563C1", underline="single")
        ws.cell(row, 6).fill = RED if issue.severity == ERROR else ORANGE
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    book.active = 0
    for sheet in book.worksheets[1:]:
        sheet.sheet_view.tabSelected = False
