"""退回件: a copy of a unit's own workbook with every faulty cell marked, to send back.

The copy keeps the unit's values, the template's validations, protection and metadata,
so once corrected it is accepted as a normal return. Faulty cells are filled red (errors)
or orange (reminders) and carry a Chinese comment; a first sheet 退回修改清单 lists every
problem with a link to its cell. The returned original is never touched.

The copy is written by patching the unit's own package (:mod:`return_patch`): a few
XML parts are edited or added and every other part is kept byte for byte, which takes
milliseconds. A package that path does not handle (a namespace prefix, the unit's own
comments on a marked sheet, a 退回件 sent back again) is written by openpyxl instead, a
full round trip of the workbook that gives the same copy.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

from siyi_xlsx.errors import ERROR, Issue
from siyi_xlsx.write import naming
from siyi_xlsx.write import return_marks as marks
from siyi_xlsx.write.return_marks import LIST_SHEET, MARK
from siyi_xlsx.write.return_patch import patched_copy
from siyi_xlsx.write.xlsx import landing

RETURN_DIR = "退回件"
PREFIX = "【退回修改】"
__all__ = ["LIST_SHEET", "MARK", "PREFIX", "RETURN_DIR", "write_return_copy"]


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
    target = out_dir / return_copy_name(name)
    try:
        data = patched_copy(source, name, unit, issues)
    except Exception:  # any surprise in the package: the full round trip below
        data = None
    if data is not None:
        with landing(target) as tmp:
            Path(tmp).write_bytes(data)
        return target
    book = _round_trip(source, name, unit, issues)
    if book is None:
        return None
    with landing(target) as tmp:
        book.save(tmp)
    return target


def _round_trip(source: Path, name: str, unit: str, issues: list[Issue]) -> Any:
    """The copy as an openpyxl workbook, or None when openpyxl cannot open the file."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(source)
    except Exception:  # unreadable files get no copy; their message is in the report
        return None
    if LIST_SHEET in book.sheetnames:  # a 退回件 sent back again: start a fresh list
        book.remove(book[LIST_SHEET])
    ordered = marks.ordered(issues)
    _clear_old_marks(book)
    for (sheet, address), found in marks.notes(ordered, set(book.sheetnames)).items():
        ws = book[sheet]
        cell = _anchor(ws, address)
        color = marks.fill_of(found)
        formula = marks.rule_formula(cell.coordinate, cell.value, cell.data_type == "f")
        fill = PatternFill("solid", fgColor=color, bgColor=color)
        rule = FormulaRule(formula=[formula], fill=fill, stopIfTrue=True)
        ws.conditional_formatting.add(cell.coordinate, rule)
        comment = Comment(marks.comment_text(found), marks.AUTHOR)
        comment.width, comment.height = marks.comment_size(found)
        cell.comment = comment
    _list_sheet(book, name, unit, ordered)
    return book


def _clear_old_marks(book: Any) -> None:
    """Remove the comments and marks an earlier round of siyi left in a 退回件 sent back."""
    from openpyxl.formatting.formatting import ConditionalFormattingList

    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == marks.AUTHOR:
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
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    def solid(color: str) -> PatternFill:
        return PatternFill("solid", fgColor=color)

    thin = Side(style="thin", color=marks.GREY)
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws = book.create_sheet(LIST_SHEET, 0)
    ws["A1"] = marks.title(unit)
    ws["A1"].font = Font(name="黑体", size=14, bold=True)
    ws["A2"] = marks.intro(name, issues)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:G2")
    ws.row_dimensions[2].height = 45
    for col, (text, width) in enumerate(
        zip(marks.HEADERS, marks.WIDTHS, strict=True), start=1
    ):
        cell = ws.cell(3, col, text)
        cell.font, cell.fill, cell.border = Font(bold=True), solid(marks.HEADER), box
        ws.column_dimensions[cell.column_letter].width = width
    sheets = set(book.sheetnames)
    for number, issue in enumerate(issues, start=1):
        row = marks.FIRST_ROW + number - 1
        for col, value in enumerate(marks.list_row(number, issue), start=1):
            cell = ws.cell(row, col, value if value != "" else None)
            if isinstance(value, str):
                cell.data_type = "s"  # a unit's text is shown as text, never run
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if issue.sheet in sheets and issue.cell:
            link = ws.cell(row, 3)
            # an internal link (location), which Excel, WPS and LibreOffice all follow
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=marks.link_location(issue)
            )
            link.font = Font(color=marks.LINK, underline="single")
        fill = marks.RED if issue.severity == ERROR else marks.ORANGE
        ws.cell(row, 6).fill = solid(fill)
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    book.active = 0
    for sheet in book.worksheets[1:]:
        sheet.sheet_view.tabSelected = False
