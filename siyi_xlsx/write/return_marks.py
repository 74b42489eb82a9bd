"""What a 退回件 shows, whichever way it is written: the mark on a faulty cell, its
comment, and the rows of the 退回修改清单 sheet. The fast writer (:mod:`return_patch`)
and the openpyxl one (:mod:`return_copy`) both take their content from here, so the two
give the unit the same copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from siyi_xlsx.errors import ERROR, Issue, Report

LIST_SHEET = "退回修改清单"
MARK = 'N("siyi")=0'  # a harmless term that identifies siyi's marks on the next round
AUTHOR = "siyi"  # the comments' author, which also identifies them on the next round

RED = "FFFF7C80"
ORANGE = "FFFFD966"
HEADER = "FFD9E1F2"
GREY = "FF999999"
LINK = "FF0563C1"

HEADERS = (
    "序号",
    "工作表",
    "单元格",
    "字段",
    "填报值",
    "严重程度",
    "问题说明（如何修改）",
)
WIDTHS = (6, 14, 9, 16, 18, 9, 70)
FIRST_ROW = 4  # the list's first problem row, below the title, the note and the headers


def ordered(issues: list[Issue]) -> list[Issue]:
    """The problems as listed: errors first, otherwise in the order found."""
    return sorted(issues, key=lambda i: (i.severity != ERROR,))


def notes(issues: list[Issue], sheets: set[str]) -> dict[tuple[str, str], list[Issue]]:
    """The problems of each marked cell (sheet, address), for sheets the file has."""
    out: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        if issue.sheet in sheets and issue.cell:
            out.setdefault((issue.sheet, issue.cell), []).append(issue)
    return out


def fill_of(found: list[Issue]) -> str:
    return RED if any(i.severity == ERROR for i in found) else ORANGE


def comment_text(found: list[Issue]) -> str:
    return "\n".join(f"【{i.severity}】{i.message}" for i in found)


def comment_size(found: list[Issue]) -> tuple[int, int]:
    """Width and height of a comment box, in pixels."""
    return 320, 60 + 40 * len(found)


def rule_formula(ref: str, value: Any, is_formula: bool) -> str:
    """The mark's condition: red (or orange) while ``ref`` keeps its present, faulty
    content; corrected, the cell clears itself."""
    return f"AND({MARK},{_still_there(ref, value, is_formula)})"


def _still_there(ref: str, value: Any, is_formula: bool) -> str:
    if is_formula:
        return f"ISFORMULA({ref})"
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"LEN(TRIM({ref}))=0"
    if isinstance(value, bool):
        return f"{ref}={'TRUE' if value else 'FALSE'}"
    if isinstance(value, dt.datetime | dt.date):
        return f"INT(N({ref}))=DATE({value.year},{value.month},{value.day})"
    if isinstance(value, int | float):
        return f"N({ref})={value!r}"
    text = str(value)[:100]
    return f'LEFT({ref},{len(text)})="{text.replace(chr(34), chr(34) * 2)}"'


def title(unit: str) -> str:
    return f"{unit} 填报表退回修改清单"


def intro(name: str, issues: list[Issue]) -> str:
    errors = Report.of(issues).errors
    return (
        f"原文件：{name}。共 {errors} 处错误（红色单元格，须修改）、{len(issues) - errors} 处提醒（橙色单元格）。"
        "请点击“单元格”列跳转修改，改好后直接保存本文件（保持 .xlsx 格式）重新报送；本页无需删除。"
    )


def list_row(number: int, issue: Issue) -> tuple[Any, ...]:
    """One problem's row of the list: every value but the number is text."""
    return (
        number,
        issue.sheet,
        issue.cell,
        issue.field,
        issue.value,
        str(issue.severity),
        issue.message,
    )


def link_location(issue: Issue) -> str:
    """Where the 单元格 column's link leads: the faulty cell."""
    return f"'{issue.sheet}'!{issue.cell}"
