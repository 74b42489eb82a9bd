"""A faster XlsxWriter for the issued unit workbooks, writing the same parts byte for byte.

An issued workbook holds some 8,000 cells, half of them hidden self-check formulas, and
XlsxWriter spends most of its time on them: a per-cell escaping pass with regular
expressions, a scan of every row times every column for the row spans, and for each of
the 100-odd conditional formats some 60 regular expressions looking for Excel 365
function names. :class:`FastWorksheet` does the same work with plain string operations
and remembers each formula's prepared text (formulas repeat from workbook to workbook);
:func:`fast_workbook` keeps the parts in memory instead of temporary files and deflates
them at a lower level. Only the zip's own bytes (timestamps, compressed streams) differ
from :func:`siyi_xlsx.write.xlsx.atomic_workbook`: every part a reader opens is the same.

XlsxWriter's internals are used here (``table``, ``_write_cell``, ``_prepare_formula``);
anything this module does not know is handed to XlsxWriter unchanged, and
``tests/test_fastbook.py`` holds both writers to the same parts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellBlankTuple, CellFormulaTuple, Worksheet

from siyi_xlsx.schema.layout import FIRST_DATA_ROW
from siyi_xlsx.schema.sheets import INPUT, Column, SheetSchema
from siyi_xlsx.write.xlsx import (
    Formats,
    ListSheet,
    add_validation,
    atomic_workbook,
)

# zlib level of the zip parts: level 1 deflates about three times faster than the
# default 6, and an issued workbook grows by about a fifth (measured on the 44 sample
# units; see the commit that set it)
COMPRESS_LEVEL = 1

_PREPARED: dict[tuple[str, bool], str] = {}  # formula text as XlsxWriter prepares it
_LETTERS: list[str] = []  # column letters by index, grown on demand


def _letter(col: int) -> str:
    while len(_LETTERS) <= col:
        _LETTERS.append(xl_col_to_name(len(_LETTERS)))
    return _LETTERS[col]


def _escape(data: str) -> str:
    """XlsxWriter's escaping of element text (quotes and newlines stay as they are)."""
    if "&" in data:
        data = data.replace("&", "&amp;")
    if "<" in data:
        data = data.replace("<", "&lt;")
    if ">" in data:
        data = data.replace(">", "&gt;")
    return data


_ERROR_CODES = frozenset(
    ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
)


ROW_MARK = "\x00"  # stands for the row number in a formula of a helper row


class HelperRow(NamedTuple):
    """One row of hidden helper formulas, held as a single cell of the first column of
    ``block``; ``top`` on the block's first row, which carries the formulas' text."""

    block: HelperBlock
    format: None = None
    top: bool = False


class HelperBlock:
    """Formulas repeated on the rows ``first_row``..``last_row`` of adjacent columns,
    the row number in their text written as :data:`ROW_MARK`. Each is written as an
    Excel shared formula: its text once on the first row and, on the rows below, a
    reference to it that every spreadsheet application reads as the same formula moved
    down (relative row references follow the row). A formula that would not read the
    same once moved (see :func:`shareable`) is written in full on every row. Rendered
    to XML once per sheet."""

    def __init__(
        self, formulas: list[tuple[int, str]], first_row: int, last_row: int, ws: Any
    ) -> None:
        self.formulas = sorted(formulas)
        self.cols = [col for col, _ in self.formulas]
        self.first, self.last = self.cols[0], self.cols[-1]
        self.first_row, self.last_row = first_row, last_row
        self.shared: dict[int, int] = {}  # column → shared formula index in the sheet
        if last_row > first_row:
            for col, formula in self.formulas:
                if shareable(formula):
                    self.shared[col] = ws._next_shared
                    ws._next_shared += 1
        self._xml: dict[bool, str] = {}

    def xml(self, ws: Worksheet, number: str, row_format: Any, top: bool) -> str:
        if row_format:  # a row format is every cell's style: render this row alone
            return self._render(ws, row_format, top).replace(ROW_MARK, number)
        if top not in self._xml:
            self._xml[top] = self._render(ws, None, top)
        return self._xml[top].replace(ROW_MARK, number)

    def _render(self, ws: Worksheet, row_format: Any, top: bool) -> str:
        parts = []
        for col, formula in self.formulas:
            letter = _letter(col)
            attr = f' r="{letter}{ROW_MARK}"'
            if row_format:
                attr += f' s="{row_format._get_xf_index()}"'
            elif col in ws.col_info and ws.col_info[col].column_format is not None:
                attr += f' s="{ws.col_info[col].column_format._get_xf_index()}"'
            index = self.shared.get(col)
            if index is None:
                parts.append(f"<c{attr}><f>{_escape(formula)}</f><v>0</v></c>")
            elif top:
                area = f"{letter}{self.first_row + 1}:{letter}{self.last_row + 1}"
                parts.append(
                    f'<c{attr}><f t="shared" ref="{area}" si="{index}">'
                    f"{_escape(formula)}</f><v>0</v></c>"
                )
            else:
                parts.append(f'<c{attr}><f t="shared" si="{index}"/><v>0</v></c>')
        return "".join(parts)


_SHAREABLE: dict[str, bool] = {}


def shareable(formula: str) -> bool:
    """Whether ``formula`` (with :data:`ROW_MARK` for its row number) reads the same on
    every row as its first row's text moved down, as a spreadsheet moves a shared
    formula: every relative row reference is the row's own (absolute ones stay). Checked
    with openpyxl's formula translator, which moves references as Excel does; remembered
    per formula text."""
    known = _SHAREABLE.get(formula)
    if known is None:
        from openpyxl.formula.translate import Translator

        top = "=" + formula.replace(ROW_MARK, "4")
        try:
            known = all(
                Translator(top, origin="A4").translate_formula(f"A{row}")
                == "=" + formula.replace(ROW_MARK, str(row))
                for row in (5, 13, 1000)
            )
        except Exception:  # noqa: BLE001 - a formula it cannot move is not shared
            known = False
        if len(_SHAREABLE) < 10_000:
            _SHAREABLE[formula] = known
    return known


def put_helper_rows(
    ws: Worksheet, first: int, last: int, formulas: list[tuple[int, str]]
) -> None:
    """Write ``formulas`` ((column, text with :data:`ROW_MARK` for the 1-based row
    number)) on every row from ``first`` to ``last``, each with a cached result of 0 and
    without XlsxWriter's formula scans (the formulas use no Excel 365 function). On a
    :class:`FastWorksheet` a row is one :class:`HelperRow` cell and the formulas are
    shared (:class:`HelperBlock`); elsewhere each cell holds its formula in full."""
    if not formulas:
        return
    cols = sorted(col for col, _ in formulas)
    if ws._check_dimensions(first, cols[0]) or ws._check_dimensions(last, cols[-1]):
        raise ValueError(f"helper cells ({first}..{last}, {cols}) outside the worksheet")
    if isinstance(ws, FastWorksheet) and cols == list(range(cols[0], cols[-1] + 1)):
        columns = frozenset(cols)
        for row in range(first, last + 1):
            if not columns.isdisjoint(ws.table[row]):
                raise ValueError(f"helper cells of row {row} already written")
        block = HelperBlock(formulas, first, last, ws)
        top, below = HelperRow(block, None, True), HelperRow(block)
        for row in range(first, last + 1):
            ws.table[row][block.first] = top if row == first else below
            ws._helper_last[row] = block.last
        return
    for row in range(first, last + 1):
        number = str(row + 1)
        cells = ws.table[row]
        for col, formula in formulas:
            cells[col] = CellFormulaTuple(formula.replace(ROW_MARK, number), None, 0)


_REPEATED = frozenset(
    (HelperRow, CellBlankTuple)
)  # cells whose XML is the same on every row


class FastWorksheet(Worksheet):
    """A worksheet whose cell table is written to XML without XlsxWriter's per-cell
    overhead; the XML is the same."""

    def _prepare_formula(
        self, formula: str, expand_future_functions: bool = False
    ) -> str:
        key = (formula, bool(self.use_future_functions or expand_future_functions))
        prepared = _PREPARED.get(key)
        if prepared is None:
            prepared = super()._prepare_formula(formula, expand_future_functions)
            if len(_PREPARED) < 100_000:
                _PREPARED[key] = prepared
        return prepared

    def _calculate_spans(self) -> None:
        # Same spans as XlsxWriter's (per block of 16 rows, the first and last used
        # column, 1-based), from each row's own columns rather than a scan of them all;
        # every stored cell lies inside the dimensions (XlsxWriter refuses others).
        blocks: dict[int, list[int]] = {}
        helper_last = self._helper_last
        for source in (self.table, self.comments):
            for row, cells in source.items():
                if not cells or not self.dim_rowmin <= row <= self.dim_rowmax:
                    continue
                low, high = min(cells), max(cells)
                if source is self.table and row in helper_last:
                    high = max(high, helper_last[row])
                block = blocks.get(row // 16)
                if block is None:
                    blocks[row // 16] = [low, high]
                else:
                    block[0] = min(block[0], low)
                    block[1] = max(block[1], high)
        self.row_spans = {
            index: f"{low + 1}:{high + 1}" for index, (low, high) in blocks.items()
        }

    def __init__(self) -> None:
        super().__init__()
        self._helper_last: dict[int, int] = {}  # row → last column of its HelperRow
        self._blanks: dict[int, Any] = {}  # a format's blank cell, by the format's id
        self._next_shared = 0  # the index of the sheet's next shared formula

    def write_blank(self, *args: Any, **kwargs: Any) -> int:
        # XlsxWriter's A1-notation decorator and checks cost more than the cell itself
        # (a unit workbook prepares some 2,500 blank input cells): one blank cell per
        # format, stored wherever it is written
        if len(args) == 4 and args[0].__class__ is int and not self.constant_memory:
            row, col, _, cell_format = args
            if cell_format is None:
                return 0
            if self._check_dimensions(row, col):
                return -1
            blank = self._blanks.get(id(cell_format))
            if blank is None or blank.format is not cell_format:
                blank = self._blanks[id(cell_format)] = CellBlankTuple(cell_format)
            self.table[row][col] = blank
            return 0
        return super().write_blank(*args, **kwargs)

    def _write_rows(self) -> None:
        if self.dim_rowmin is None:
            return
        self._calculate_spans()
        table, row_info, comments = self.table, self.row_info, self.comments
        write = self.fh.write
        self._xf: dict[int, int] = {}  # a format's style index, by the format's id
        # rows of prepared blank cells and helper formulas repeat but for their number
        memo: dict[tuple[Any, ...], str] = {}
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row)
            if not (row in row_info or row in comments or cells):
                continue
            span = self.row_spans.get(row // 16)
            info = row_info.get(row)
            if not cells:
                self._write_empty_row(row, span, info)
                continue
            self._write_row(row, span, info)
            row_format = info.row_format if info is not None else None
            number = str(row + 1)
            if _REPEATED.issuperset(map(type, cells.values())):
                key = (row_format, *sorted(cells.items()))
                xml = memo.get(key)
                if xml is None:
                    xml = memo[key] = self._cells_xml(row, cells, ROW_MARK, row_format)
                write(xml.replace(ROW_MARK, number))
            else:
                write(self._cells_xml(row, cells, number, row_format))
            write("</row>")

    def _cells_xml(
        self, row: int, cells: dict[int, Any], number: str, row_format: Any
    ) -> str:
        """The ``<c>`` elements of one row, in column order, as XlsxWriter writes them
        (a cell type it has and this does not is written by XlsxWriter itself)."""
        parts = []
        xf = self._xf
        covered = -1  # the last column of the helper formulas written on this row
        for col in sorted(cells):
            cell = cells[col]
            if col <= covered:  # a cell written over helper formulas
                raise ValueError(f"cell ({row}, {col}) overlaps helper formulas")
            kind = cell.__class__.__name__
            if kind == "HelperRow":
                parts.append(cell.block.xml(self, number, row_format, cell.top))
                covered = cell.block.last
                continue
            if kind not in ("Number", "Datetime", "String", "Formula", "Blank"):
                fh, self.fh = self.fh, io.StringIO()
                try:
                    self._write_cell(row, col, cell)
                    parts.append(self.fh.getvalue())
                finally:
                    self.fh = fh
                continue
            attr = f' r="{_letter(col)}{number}"'
            if cell.format:
                index = xf.get(id(cell.format))
                if index is None:
                    index = xf[id(cell.format)] = cell.format._get_xf_index()
                attr += f' s="{index}"'
            elif row_format:
                attr += f' s="{row_format._get_xf_index()}"'
            elif col in self.col_info:
                column_format = self.col_info[col].column_format
                if column_format is not None:
                    attr += f' s="{column_format._get_xf_index()}"'
            if kind == "Formula":
                value = cell.value
                if isinstance(value, bool):
                    attr += ' t="b"'
                    value = 1 if value else 0
                elif isinstance(value, str):
                    if value in _ERROR_CODES:
                        attr += ' t="e"'
                    elif value != "":
                        attr += ' t="str"'
                    value = _escape(value)
                parts.append(f"<c{attr}><f>{_escape(cell.formula)}</f><v>{value}</v></c>")
            elif kind == "String":
                parts.append(f'<c{attr} t="s"><v>{cell.string}</v></c>')
            elif kind == "Blank":
                parts.append(f"<c{attr}/>")
            else:
                parts.append(f"<c{attr}><v>{cell.number:.16G}</v></c>")
        return "".join(parts)


class FastWorkbook(Workbook):
    """A workbook of :class:`FastWorksheet` sheets, kept in memory until saved, whose
    parts are deflated at :data:`COMPRESS_LEVEL`."""

    worksheet_class = FastWorksheet

    def _store_workbook(self) -> None:
        # XlsxWriter makes one ZipInfo per part and keeps zlib's default level; for the
        # length of the save, its ZipInfo asks for ours
        original = xlsxwriter.workbook.ZipInfo
        xlsxwriter.workbook.ZipInfo = _LevelledZipInfo
        try:
            super()._store_workbook()
        finally:
            xlsxwriter.workbook.ZipInfo = original


class _LevelledZipInfo(zipfile.ZipInfo):
    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compresslevel = COMPRESS_LEVEL


@contextlib.contextmanager
def fast_workbook(path: Path, created: dt.datetime | None = None) -> Iterator[Workbook]:
    """:func:`siyi_xlsx.write.xlsx.atomic_workbook` with a :class:`FastWorkbook`: it
    lands at ``path`` only if writing succeeds."""
    with atomic_workbook(path, created, FastWorkbook, in_memory=True) as book:
        yield book


class FastFormats(Formats):
    """:class:`Formats` remembering each column's format per role (a unit workbook asks
    some 3,000 times, mostly for the prepared blank rows of its lists)."""

    def __init__(self, book: Workbook) -> None:
        super().__init__(book)
        self._by_column: dict[tuple[int, str | None], tuple[Column, Any]] = {}

    def for_column(self, column: Column, role: str | None = None) -> Any:
        key = (id(column), role)
        known = self._by_column.get(key)
        if known is None or known[0] is not column:
            known = self._by_column[key] = (column, super().for_column(column, role))
        return known[1]


def prepare_blank_rows(
    ws: Worksheet,
    fmt: Formats,
    schema: SheetSchema,
    last_row: int,
    count: int,
    lists: ListSheet | None,
    validations_since: int,
) -> None:
    """What ``write_table(..., blank_rows=count)`` adds below the rows it wrote (ending at
    ``last_row``), for a table written with ``blank_rows=0``: ``count`` empty rows in
    each column's format, and each input column's validation over the data and empty
    rows (replacing the validations ``write_table`` added from ``validations_since``
    on). The same cells and validations, without a call per empty cell."""
    columns = schema.columns
    first = last_row + 1
    if count > 0 and columns:
        row_cells = {
            col: CellBlankTuple(fmt.for_column(column))
            for col, column in enumerate(columns)
        }
        if ws._check_dimensions(first, 0) or ws._check_dimensions(
            first + count - 1, len(columns) - 1
        ):
            raise ValueError(f"blank rows {first}..{first + count - 1} outside the sheet")
        for row in range(first, first + count):
            ws.table[row].update(row_cells)
    del ws.validations[validations_since:]
    validated_last = last_row + count
    if validated_last >= FIRST_DATA_ROW:
        for col, column in enumerate(columns):
            if column.role == INPUT:
                add_validation(ws, FIRST_DATA_ROW, validated_last, col, column, lists)
