"""A value judged 错误 acts only as a missing value: planting any rejected value in a
returned workbook's 台账, 推进表 or 考评册 cell gives the same task and milestone results
(status, light, done, overdue, 序时进度, gap…) and the same accepted values as leaving
the cell blank, and the ledger names what was not used.

Fast: the unit's workbook is read from disk once; each example changes one cell of the
read workbook in memory and runs the reader, the checks and the progress tables on it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import pytest
from conftest import Campaign
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from siyi_xlsx import schema as schemas
from siyi_xlsx.check.validate import check_submission
from siyi_xlsx.compute.previous import accepted_values
from siyi_xlsx.compute.progress import build_tables
from siyi_xlsx.errors import ERROR
from siyi_xlsx.read.master import MASTER_FILE, load_campaign
from siyi_xlsx.read.returned import Submission, read_submission
from siyi_xlsx.read.tables import find_header
from siyi_xlsx.read.workbook import RawCell, WorkbookData, column_letter, read_workbook

LEDGER = "重点工作台账"
SHEETS = ("unit_ledger", "unit_schedule", "unit_evaluation")
TASK_RESULTS = [
    "task_id",
    "status",
    "light",
    "milestones",
    "done",
    "overdue",
    "max_overdue_days",
    "expected_pct",
    "reported_pct",
    "gap_pp",
]
MILESTONE_RESULTS = ["task_id", "seq", "actual_date", "overdue_days"]
NO_CACHE = object()  # a formula whose result was not saved

# values a unit might type, most of them wrong for the column they land in
PLANTED: dict[str, list[Any]] = {
    "percent": ["过半", -5, 150, 100, "abc%", "1/2", True, NO_CACHE],
    "number": [999, -1, "满分", "1/2", NO_CACHE],
    "date": [
        "2022/13/01",
        "昨天",
        dt.datetime(2022, 10, 5),
        "6月30日",
        "2022-09-31",
        True,
        NO_CACHE,
    ],
    "enum": ["完成了吧", "暂停", 5, "推进中", "是", "已完成", NO_CACHE],
    "text": ["长" * 1001, NO_CACHE],
}


@dataclasses.dataclass
class UnitBook:
    """A campaign, one unit's returned workbook as read, and the blank-cell results."""

    campaign: Any
    book: WorkbookData
    blanks: dict[tuple[str, int, int], Any] = dataclasses.field(default_factory=dict)

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"UnitBook({self.book.path.name})"

    def blank(self, sheet: str, row: int, col: int) -> Any:
        """The results with that cell left blank (computed once per cell)."""
        key = (sheet, row, col)
        if key not in self.blanks:
            self.blanks[key] = analyse(self.campaign, with_cell(self.book, *key, None))
        return self.blanks[key]


@pytest.fixture(scope="module")
def unit_book(tmp_path_factory, small_handout) -> UnitBook:
    """U01's returned workbook as read, with its campaign. T1 reports 30 against a
    序时进度 of 50 (滞后 by the pace), so a progress that is lost changes the status."""
    folder = tmp_path_factory.mktemp("rejected") / "campaign"
    folder.mkdir()
    (folder / MASTER_FILE).write_bytes(small_handout.master)
    path = Campaign(folder, small_handout).fill(
        "U01", {(LEDGER, "T1", "完成进度(%)"): 30}
    )
    return UnitBook(load_campaign(folder), read_workbook(path))


def input_cells(book: WorkbookData) -> list[tuple[str, int, int, str]]:
    """(sheet, row, column, kind) of every input cell of the keyed rows."""
    cells = []
    for schema_id in SHEETS:
        schema = schemas.load(schema_id)
        sheet = book.sheets[schema.sheet]
        header, columns, _ = find_header(sheet, schema)
        key = columns[schema.key[0]]
        row = header + 1
        while sheet.value(row, key) not in (None, ""):
            for column in schema.columns:
                if column.role == "input" and column.name in columns:
                    kind = "text" if column.kind in ("list", "phone") else column.kind
                    cells.append((schema.sheet, row, columns[column.name], kind))
            row += 1
    return cells


def with_cell(book: WorkbookData, sheet: str, row: int, col: int, value: Any) -> Any:
    """A copy of ``book`` with one cell set (None: blank), sharing everything else."""
    data = book.sheets[sheet]
    rows = dict(data.rows)
    cells = dict(rows.get(row, {}))
    old = cells.get(col)
    if value is None:
        cells.pop(col, None)
    elif value is NO_CACHE:
        cells[col] = RawCell(None, "General", row, col, formula="=F1+1")
    else:
        fmt = old.number_format if old else "General"
        cells[col] = RawCell(value, fmt, row, col)
    rows[row] = cells
    sheets = {**book.sheets, sheet: dataclasses.replace(data, rows=rows)}
    return dataclasses.replace(book, sheets=sheets)


def analyse(campaign: Any, book: WorkbookData) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """Read, check and consolidate one workbook built in memory."""
    sub = Submission(
        path=book.path,
        name=book.path.name,
        sha256="",
        size=0,
        mtime=dt.datetime(2022, 10, 8),
    )
    read_submission(sub, book, campaign)
    check_submission(sub, campaign)
    tasks, milestones = build_tables(campaign, {sub.unit.code: sub})
    return sub, tasks, milestones


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_rejected_value_acts_as_a_blank(unit_book, data):
    campaign, book = unit_book.campaign, unit_book.book
    sheet, row, col, kind = data.draw(st.sampled_from(input_cells(book)), label="cell")
    value = data.draw(st.sampled_from(PLANTED[kind] + PLANTED["text"]), label="value")
    planted, tasks, milestones = analyse(
        campaign, with_cell(book, sheet, row, col, value)
    )
    coordinate = f"{column_letter(col)}{row}"
    errors = [
        i
        for i in planted.issues
        if i.severity == ERROR and i.sheet == sheet and i.cell == coordinate
    ]
    assume(errors)  # the property is about values judged 错误
    blank, blank_tasks, blank_milestones = unit_book.blank(sheet, row, col)
    pd.testing.assert_frame_equal(tasks[TASK_RESULTS], blank_tasks[TASK_RESULTS])
    pd.testing.assert_frame_equal(
        milestones[MILESTONE_RESULTS], blank_milestones[MILESTONE_RESULTS]
    )
    assert accepted_values({"U01": planted}) == accepted_values({"U01": blank})
    if sheet != "考评册":  # the ledger and its node detail say what was not used
        notes = "\n".join([*tasks["rejected"], *milestones["rejected"]])
        assert f"!{coordinate}，见校验报告）" in notes


def test_the_planted_values_are_mostly_errors(unit_book):
    """The property above is not vacuous: for each kind of cell, most planted values
    are judged 错误 (checked on the first cell of each kind)."""
    campaign, book = unit_book.campaign, unit_book.book
    firsts: dict[str, tuple[str, int, int]] = {}
    for sheet, row, col, kind in input_cells(book):
        firsts.setdefault(kind, (sheet, row, col))
    assert set(firsts) == {"percent", "number", "date", "enum", "text"}
    for kind, (sheet, row, col) in firsts.items():
        coordinate = f"{column_letter(col)}{row}"
        judged = 0
        for value in PLANTED[kind]:
            sub, _, _ = analyse(campaign, with_cell(book, sheet, row, col, value))
            judged += any(
                i.severity == ERROR and i.sheet == sheet and i.cell == coordinate
                for i in sub.issues
            )
        assert judged >= len(PLANTED[kind]) // 2, (kind, judged)
