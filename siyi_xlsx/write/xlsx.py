"""Shared workbook writing: formats, schema-driven table and form sheets, atomic save.

Only writers call this module. Everything a unit typed is written with
``write_string`` (never as a formula); workbooks are saved to a temporary file in
the target folder and moved into place, so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from siyi_xlsx.errors import OutputBlockedError, no_space, os_error_of
from siyi_xlsx.schema.layout import FIRST_DATA_ROW, HEADER_ROW
from siyi_xlsx.schema.sheets import INPUT, PREFILL, Column, SheetSchema

FIXED_TIME = dt.datetime(2000, 1, 1)

GREY = "#E7E6E6"
YELLOW = "#FFF2CC"
HEADER_BLUE = "#D9E1F2"
GREEN = "#C6EFCE"
AMBER = "#FFEB9C"
RED = "#FFC7CE"


@contextlib.contextmanager
def landing(path: Path) -> Iterator[str]:
    """A temporary file beside ``path`` to write; it replaces ``path`` only when the
    block succeeds, and is removed otherwise. A file that cannot be written (open in
    Excel or WPS, no permission, disk full) raises :class:`OutputBlockedError` naming
    ``path``, never the temporary file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".~siyi-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise blocked(path, exc) from exc
    try:
        yield tmp
        publish(tmp, path)
    except Exception as exc:
        # xlsxwriter wraps the system's error (FileCreateError): the disk full, all the same
        cause = os_error_of(exc)
        if cause is None:
            raise
        raise blocked(path, cause) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def blocked(path: Path, exc: OSError) -> OutputBlockedError:
    """Why ``path`` could not be written, in the office's words."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputBlockedError(
            no_space(path, f"{path.name} 保持原样（没有写出一半的文件）")
        )
    if exc.errno in (errno.EISDIR, errno.ENOTDIR, errno.EEXIST):
        why = f"{path} 或其所在位置被同名的文件或文件夹占用，请移开后重新运行"
    elif exc.errno == errno.EROFS:
        why = f"{path.parent} 是只读的，请换一个可写的工作目录"
    else:
        why = (
            f"文件可能正在 Excel 或 WPS 中打开，或 {path.parent} 没有写入权限。"
            f"请先关闭 {path.name} 后重新运行"
        )
    return OutputBlockedError(f"无法写入 {path.name}：{why}。")


@contextlib.contextmanager
def atomic_workbook(
    path: Path,
    created: dt.datetime | None = None,
    workbook_class: type[Workbook] | None = None,
    **options: Any,
) -> Iterator[Workbook]:
    """Yield an xlsxwriter Workbook (or ``workbook_class``, with extra ``options``) that
    lands at ``path`` only if writing succeeds."""
    with landing(path) as tmp:
        book = (workbook_class or xlsxwriter.Workbook)(
            tmp,
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                **options,
            },
        )
        # A fixed creation time keeps re-runs on the same inputs byte-stable.
        book.set_properties({"created": created or FIXED_TIME, "author": "siyi"})
        book.set_calc_mode("auto")
        yield book
        book.close()


def as_of_workbook(
    path: Path, as_of: dt.date
) -> contextlib.AbstractContextManager[Workbook]:
    """A result workbook stamped with the data's as-of date (not the run time), so the
    same inputs give the same file."""
    return atomic_workbook(path, created=dt.datetime.combine(as_of, dt.time()))


def publish(tmp: str | Path, path: Path) -> None:
    """Move a finished temporary file into place with the usual permissions.

    ``mkstemp`` creates files readable by their owner only; results on a shared office
    folder must be readable like any other file the user saves (0666 less the umask).
    """
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)
    os.replace(tmp, path)


# Cell formats by purpose. Every table cell starts from _CELL; the other specs add to it.
_CELL: dict[str, Any] = {
    "font_name": "宋体",
    "font_size": 10,
    "valign": "vcenter",
    "text_wrap": True,
    "border": 1,
}
_TITLE = {
    "font_name": "黑体",
    "font_size": 16,
    "bold": True,
    "align": "center",
    "valign": "vcenter",
}
_NOTE = {
    "font_name": "宋体",
    "font_size": 9,
    "italic": True,
    "font_color": "#595959",
    "text_wrap": True,
    "valign": "top",
}
_HEADER = {
    **_CELL,
    "bold": True,
    "align": "center",
    "bg_color": HEADER_BLUE,
    "locked": True,
}
_PREFILL = {"bg_color": GREY, "locked": True}
_INPUT = {"bg_color": YELLOW, "locked": False}
_DATE = {"num_format": "yyyy-mm-dd", "align": "center"}
_CENTER = {"align": "center"}
_PLAIN = {"font_name": "宋体", "font_size": 10, "text_wrap": True, "valign": "top"}
_HEADLINE = {
    "font_name": "黑体",
    "font_size": 14,
    "bold": True,
    "font_color": "#C00000",
    "align": "center",
    "valign": "vcenter",
    "border": 2,
}
_NEEDS_FIX = {"bg_color": "#FF7C80", "font_color": "#9C0006"}
_REMIND = {"bg_color": "#FFC000", "font_color": "#7F3F00"}  # a 提醒: orange
_BOLD = {"font_name": "宋体", "font_size": 11, "bold": True}
# traffic-light fills (status, light, grade), all centred
_FILLS: dict[str, dict[str, Any]] = {
    "green": {"bg_color": GREEN},
    "amber": {"bg_color": AMBER},
    "red": {"bg_color": RED, "bold": True},
    "grey": {"bg_color": GREY},
    "blue": {"bg_color": "#BDD7EE"},
    "pale": {"bg_color": YELLOW},  # 浅黄灯: a milestone due soon (临期)
}


class Formats:
    """The handful of cell formats every siyi workbook uses, created once per workbook.

    They are added to the workbook in a fixed order (headings, cells by role, emphasis,
    fills), so the same inputs give the same styles part.
    """

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.title = book.add_format(_TITLE)
        self.note = book.add_format(_NOTE)
        self.header = book.add_format(_HEADER)
        # grey, locked: what the office prefilled
        self.prefill, self.prefill_date, self.prefill_num = self._by_kind(_PREFILL)
        # yellow, unlocked: what a unit types
        self.input, self.input_date, self.input_num = self._by_kind(_INPUT)
        # no fill: results and plain tables
        self.cell, self.cell_date, self.cell_num = self._by_kind({})
        self.cell_pct = book.add_format({**_CELL, "align": "center", "num_format": "0"})
        self.label = book.add_format({**_CELL, "bold": True, "bg_color": HEADER_BLUE})
        self.plain = book.add_format(_PLAIN)
        self.headline = book.add_format(_HEADLINE)
        self.needs_fix = book.add_format(_NEEDS_FIX)  # an 错误 in a unit's cell
        self.remind = book.add_format(_REMIND)  # a 提醒 in a unit's cell
        self.bold = book.add_format(_BOLD)
        self.fills = {
            name: book.add_format({**_CELL, **spec, "align": "center"})
            for name, spec in _FILLS.items()
        }
        self._decimals: dict[int, Any] = {}

    def decimals(self, places: int) -> Any:
        """A centred result cell showing exactly ``places`` decimals (made on first use,
        so a workbook holds only the ones its figures need)."""
        if places not in self._decimals:
            spec = "0." + "0" * places if places > 0 else "0"
            self._decimals[places] = self.book.add_format(
                {**_CELL, **_CENTER, "num_format": spec}
            )
        return self._decimals[places]

    def _by_kind(self, extra: dict[str, Any]) -> tuple[Any, Any, Any]:
        """The text, date and number variants of a table cell with ``extra`` on top."""
        return (
            self.book.add_format({**_CELL, **extra}),
            self.book.add_format({**_CELL, **extra, **_DATE}),
            self.book.add_format({**_CELL, **extra, **_CENTER}),
        )

    def for_column(self, column: Column, role: str | None = None) -> Any:
        """The cell format of ``column`` for its role (or ``role``): prefill, input or
        plain, in its text, date or number variant."""
        role = role or column.role
        kind = (
            "date"
            if column.kind == "date"
            else "num"
            if column.kind in ("number", "integer", "percent")
            else "text"
        )
        table = {
            PREFILL: {
                "date": self.prefill_date,
                "num": self.prefill_num,
                "text": self.prefill,
            },
            INPUT: {"date": self.input_date, "num": self.input_num, "text": self.input},
            "plain": {"date": self.cell_date, "num": self.cell_num, "text": self.cell},
        }
        return table[role][kind]


class ListSheet:
    """A hidden sheet holding every dropdown list, so no list hits Excel's 255-char limit."""

    NAME = "_lists"

    def __init__(self, book: Workbook) -> None:
        self.sheet = book.add_worksheet(self.NAME)
        self.sheet.hide()
        self.sheet.protect()
        self._ranges: dict[tuple[str, ...], str] = {}

    def source(self, values: Sequence[str]) -> str:
        """Return the ``=_lists!$A$1:$A$n`` source for a dropdown of ``values``."""
        key = tuple(values)
        if key not in self._ranges:
            col = len(self._ranges)
            for row, value in enumerate(values):
                self.sheet.write_string(row, col, value)
            letter = xl_col_to_name(col)
            self._ranges[key] = (
                f"={self.NAME}!${letter}$1:${letter}${max(len(values), 1)}"
            )
        return self._ranges[key]


def write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Any) -> None:
    """Write a value by its Python type; strings always as text, never formulas."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def text_height(
    texts: Sequence[tuple[str, float]], base: float = 15.0, cap: float = 150.0
) -> float:
    """Estimate a row height for wrapped text: (text, column width) pairs."""
    lines = 1
    for text, width in texts:
        if not text:
            continue
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))
        per_line = max(width - 1, 4)
        explicit = str(text).count("\n")
        lines = max(lines, math.ceil(units / per_line) + explicit)
    return min(base * lines, cap)


def add_validation(
    ws: Worksheet,
    first: int,
    last: int,
    col: int,
    column: Column,
    lists: ListSheet | None,
    ref_sources: dict[str, str] | None = None,
) -> None:
    """Compile a column's schema into an Excel data validation with Chinese prompts."""
    title = column.title[:32]
    hint = (column.hint or f"请填写{column.title}")[:255]
    options: dict[str, Any] = {
        "input_title": title,
        "input_message": hint,
        "error_title": "输入有误",
        "error_type": "stop",
    }
    options.update(_validation_rule(column, lists, ref_sources))
    ws.data_validation(first, col, last, col, options)


def _validation_rule(
    column: Column, lists: ListSheet | None, ref_sources: dict[str, str] | None
) -> dict[str, Any]:
    """The kind-specific part of a column's validation: a dropdown (its choices, or the
    list it refers to), a date or number range, a length limit, or anything."""
    if column.kind == "enum" and column.choices:
        source = lists.source(column.choices) if lists else ",".join(column.choices)
        return {
            "validate": "list",
            "source": source,
            "error_message": f"请从下拉列表中选择：{'、'.join(column.choices)}"[:255],
        }
    if column.ref and ref_sources and column.ref in ref_sources and column.kind != "list":
        return {
            "validate": "list",
            "source": ref_sources[column.ref],
            "error_type": "warning",
            "error_message": "该值不在列表中，请从下拉列表中选择。",
        }
    if column.kind == "date":
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_message": "请填写有效日期，如 2022-06-30。",
        }
    if column.kind in ("number", "integer", "percent"):
        low = column.minimum if column.minimum is not None else -1e12
        high = column.maximum if column.maximum is not None else 1e12
        return {
            "validate": "integer" if column.kind == "integer" else "decimal",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_message": f"请填写 {low:g} 到 {high:g} 之间的数字。",
        }
    if column.max_length and column.kind not in ("list",):
        return {
            "validate": "length",
            "criteria": "<=",
            "value": column.max_length,
            "error_message": f"内容不能超过 {column.max_length} 个字。",
        }
    return {"validate": "any"}


def write_table(
    ws: Worksheet,
    fmt: Formats,
    schema: SheetSchema,
    rows: Sequence[dict[str, Any]],
    *,
    title: str,
    note: str,
    lists: ListSheet | None = None,
    role_override: str | None = None,
    blank_rows: int = 0,
    ref_sources: dict[str, str] | None = None,
    freeze_cols: int = 0,
) -> int:
    """Write a schema-declared table (title, note, header, rows); return the last data row.

    ``role_override`` forces every column to one role (the master is all input);
    ``blank_rows`` adds empty input rows with validations for the office to fill.
    """
    columns = schema.columns
    last_col = len(columns) - 1
    ws.merge_range(0, 0, 0, last_col, title, fmt.title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, last_col, note, fmt.note)
    ws.set_row(1, text_height([(note, sum(c.width for c in columns))], base=14, cap=60))
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width)
        ws.write_string(HEADER_ROW, col, column.title, fmt.header)
    ws.set_row(HEADER_ROW, 30)
    for offset, row in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        heights = []
        for col, column in enumerate(columns):
            value = row.get(column.name)
            write_cell(ws, r, col, value, fmt.for_column(column, role_override))
            if isinstance(value, str):
                heights.append((value, column.width))
        ws.set_row(r, max(20.0, text_height(heights)))
    last_row = FIRST_DATA_ROW + len(rows) - 1
    for extra in range(blank_rows):
        r = last_row + 1 + extra
        for col, column in enumerate(columns):
            ws.write_blank(r, col, None, fmt.for_column(column, role_override))
    validated_last = last_row + blank_rows
    if validated_last >= FIRST_DATA_ROW:
        for col, column in enumerate(columns):
            role = role_override or column.role
            if role == INPUT:
                add_validation(
                    ws, FIRST_DATA_ROW, validated_last, col, column, lists, ref_sources
                )
    ws.freeze_panes(FIRST_DATA_ROW, freeze_cols)
    setup_print(ws, repeat_rows=(HEADER_ROW, HEADER_ROW))
    return last_row


def setup_print(
    ws: Worksheet, repeat_rows: tuple[int, int] | None = None, landscape: bool = True
) -> None:
    """A4, landscape, fit to page width, header rows repeated, page numbers."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    if repeat_rows:
        ws.repeat_rows(*repeat_rows)
    ws.set_footer("&C第 &P 页，共 &N 页")


OFFICE = "“四个体系”领导小组办公室"
BLANK_DATE = "年    月    日"  # the office dates a document when it signs it


def document_number(ws: Worksheet, year: int) -> None:
    """文号 placeholder in the page header (``〔2022〕 号``), for the office to number the
    document when it issues it."""
    ws.set_header(f'&R&"宋体"&11四个体系办〔{year}〕    号')


def write_signature(
    ws: Worksheet,
    fmt: Formats,
    row: int,
    last_col: int,
    *,
    office: str = OFFICE,
    date_text: str = BLANK_DATE,
    print_cols: int | None = None,
) -> int:
    """落款 under a document's table: the office, then the date, right-aligned over
    columns ``last_col - 2 .. last_col`` (the print area grows to hold them when
    ``print_cols`` is given); returns the row after the date."""
    first = max(last_col - 2, 0)
    right = fmt.book.add_format(
        {"font_name": "宋体", "font_size": 11, "align": "right", "valign": "vcenter"}
    )
    for offset, text in enumerate((office, date_text), start=1):
        if first == last_col:
            ws.write_string(row + offset, last_col, text, right)
        else:
            ws.merge_range(row + offset, first, row + offset, last_col, text, right)
        ws.set_row(row + offset, 20)
    if print_cols:
        ws.print_area(0, 0, row + 2, print_cols - 1)
    return row + 3


def protect(ws: Worksheet, insert_rows: bool = False) -> None:
    """Lock prefilled cells; units may still resize, filter and select (and, in the lists
    they write themselves, insert rows)."""
    ws.protect(
        "",
        {
            "format_columns": True,
            "format_rows": True,
            "autofilter": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "insert_rows": insert_rows,
            "delete_rows": insert_rows,
        },
    )


def write_key_values(
    ws: Worksheet,
    fmt: Formats,
    pairs: Sequence[tuple[str, Any]],
    start_row: int = 0,
    widths: tuple[float, float] = (18, 90),
) -> int:
    """Two-column label/value block (instructions, 说明 sheets); return the next free row.

    The sheet prints on A4 portrait, fit to the page width: a label never prints on
    one page and its text on the next."""
    setup_print(ws, landscape=False)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    row = start_row
    for label, value in pairs:
        ws.write_string(row, 0, label, fmt.label)
        write_cell(ws, row, 1, value, fmt.cell)
        ws.set_row(row, max(20.0, text_height([(str(value), widths[1])])))
        row += 1
    return row
