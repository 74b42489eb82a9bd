"""Read cell values out of a workbook. Every read of a returned or master file goes here.

The rest of siyi sees plain :class:`SheetData` (values with their number formats and
positions), so the underlying reader can change. openpyxl in read-only mode is used;
any failure of the library (``BadZipFile``, ``zlib.error``, XML errors, ``KeyError`` on a
missing part…) or of the disk (no read permission, a file locked by Excel) becomes a
:class:`ReadError` with a Chinese explanation (:func:`siyi_xlsx.errors.explain`).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siyi_xlsx.errors import NotSpreadsheetError, ReadError, explain
from siyi_xlsx.read import guard

MAX_COLUMNS = 64  # siyi's sheets have at most ~15 columns; a hostile dimension is ignored
MAX_ROWS = 20000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RawCell:
    """A cell as stored: its value, number format and 1-based position."""

    value: Any
    number_format: str
    row: int
    column: int
    formula: str | None = (
        None  # set when the cell holds a formula; value is its cached result
    )

    @property
    def coordinate(self) -> str:
        return f"{column_letter(self.column)}{self.row}"


@dataclass
class SheetData:
    """The cells of one sheet, row by row (1-based row numbers)."""

    name: str
    state: str = "visible"
    rows: dict[int, dict[int, RawCell]] = field(default_factory=dict)
    truncated: bool = False

    def cell(self, row: int, column: int) -> RawCell | None:
        return self.rows.get(row, {}).get(column)

    def value(self, row: int, column: int) -> Any:
        cell = self.cell(row, column)
        return None if cell is None else cell.value

    @property
    def max_row(self) -> int:
        return max(self.rows, default=0)


@dataclass
class WorkbookData:
    """Every sheet of a workbook plus its document properties."""

    path: Path
    sheets: dict[str, SheetData]
    modified: dt.datetime | None = None


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sniff(path: Path) -> str:
    """Return ``xlsx``, ``ole`` (old .xls or an encrypted workbook) or ``other``."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head == _OLE_MAGIC:
        return "ole"
    return "other"


def read_workbook(path: Path) -> WorkbookData:
    """Read all cell values of an .xlsx file, or raise :class:`ReadError`."""
    try:
        empty = path.stat().st_size == 0
        kind = sniff(path)
    except OSError as exc:
        raise ReadError(explain(exc)) from exc
    if empty:
        raise NotSpreadsheetError("文件是空的（0 字节），可能传输没有完成，请重新发送")
    if kind == "ole":
        raise NotSpreadsheetError(
            "这是 .xls 旧格式，或设置了打开密码的文件；如设置了密码，请先取消密码"
        )
    if kind != "xlsx":
        raise NotSpreadsheetError("不是 Excel 工作簿")
    try:
        guard.check(path)  # a bomb or a hostile extent never reaches the parser
    except guard.UnsafeWorkbook as exc:
        raise ReadError(f"{exc}，不是正常的填报表，未读取") from exc
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names:
            raise NotSpreadsheetError(
                "压缩包中没有 Excel 工作簿内容，可能是 Word、WPS 文字或其他文件"
            )
        return _read_openpyxl(path)
    except ReadError:
        raise
    except Exception as exc:  # the library's failures are many and undocumented
        raise ReadError(explain(exc)) from exc


def _read_openpyxl(path: Path) -> WorkbookData:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets: dict[str, SheetData] = {}
        for ws in book.worksheets:
            data = SheetData(name=ws.title, state=getattr(ws, "sheet_state", "visible"))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                _read_sheet(ws, data)
            _restore_date_overflows(data, caught)
            sheets[ws.title] = data
        modified = book.properties.modified if book.properties else None
        if modified is not None and not 1990 <= modified.year <= 2100:
            modified = None  # a forged or broken save time (year 9999): the file's own
    finally:
        book.close()
    _add_formulas(path, sheets)
    return WorkbookData(path=path, sheets=sheets, modified=modified)


def _read_sheet(ws: Any, data: SheetData) -> None:
    for row in ws.iter_rows(max_col=MAX_COLUMNS):
        cells: dict[int, RawCell] = {}
        row_number = None
        for cell in row:
            value = getattr(cell, "value", None)
            if value is None or not hasattr(cell, "row"):
                continue
            row_number = cell.row
            cells[cell.column] = RawCell(
                value, cell.number_format or "", cell.row, cell.column
            )
        if row_number is not None:
            if row_number > MAX_ROWS:
                data.truncated = True
                break
            data.rows[row_number] = cells


_DATE_OVERFLOW = re.compile(
    r"Cell ([A-Z]+)(\d+) is marked as a date but the serial value (\S+) is outside"
)


def _restore_date_overflows(data: SheetData, caught: list[Any]) -> None:
    """openpyxl turns a number too big for a date-formatted cell (20220630 typed into a
    date cell) into "#VALUE!" and says so in a warning; put the typed number back."""
    for warning in caught:
        match = _DATE_OVERFLOW.search(str(warning.message))
        if not match:
            continue
        letters, row, number = match.groups()
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        cell = data.rows.get(int(row), {}).get(col)
        if cell is not None and cell.value == "#VALUE!":
            value = float(number)
            data.rows[int(row)][col] = RawCell(
                int(value) if value.is_integer() else value,
                "General",
                cell.row,
                cell.column,
            )


def _add_formulas(path: Path, sheets: dict[str, SheetData]) -> None:
    """Second pass: note which cells hold formulas (pasted formulas, or no cached value)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            for ws in book.worksheets:
                data = sheets.get(ws.title)
                if data is not None and not ws.title.startswith("_"):
                    _note_formulas(ws, data)
        finally:
            book.close()


def _note_formulas(ws: Any, data: SheetData) -> None:
    for row in ws.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_ROWS):
        for cell in row:
            if getattr(cell, "data_type", None) != "f" or not hasattr(cell, "row"):
                continue
            cells = data.rows.setdefault(cell.row, {})
            old = cells.get(cell.column)
            value = old.value if old else None
            fmt = old.number_format if old else (cell.number_format or "")
            cells[cell.column] = RawCell(
                value, fmt, cell.row, cell.column, str(cell.value)
            )
