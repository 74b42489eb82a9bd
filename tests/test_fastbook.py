"""The fast unit-workbook writer (write/fastbook.py) and the forked workers
(write/forked.py): the same workbook as XlsxWriter's own writer, written in parallel,
atomically, in order."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from siyi_xlsx import progress
from siyi_xlsx import schema as schemas
from siyi_xlsx.read.master import load_campaign
from siyi_xlsx.write import fastbook, unit_workbook
from siyi_xlsx.write.fastbook import (
    ROW_MARK,
    FastFormats,
    fast_workbook,
    prepare_blank_rows,
    put_helper_rows,
    shareable,
)
from siyi_xlsx.write.forked import map_forked
from siyi_xlsx.write.xlsx import Formats, ListSheet, atomic_workbook, write_table

NOW = dt.datetime(2022, 9, 20, 9, 0)


def _cells(path: Path) -> dict[str, dict[str, tuple]]:
    """Every sheet's cells as a reader sees them: value or formula (shared formulas
    moved to their cell), and style."""
    book = openpyxl.load_workbook(path)
    return {
        ws.title: {
            c.coordinate: (c.value, c._style)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.has_style
        }
        for ws in book.worksheets
    }


def _without_cells(data: bytes) -> bytes:
    return re.sub(rb"<sheetData>.*</sheetData>", b"", data, flags=re.S)


def test_a_unit_workbook_reads_the_same_as_xlsxwriter_writes_it(
    small, tmp_path, monkeypatch
):
    campaign = load_campaign(small.folder)
    unit = campaign.lead_units()[0]
    fast = unit_workbook.write_unit_workbook(campaign, unit, tmp_path / "fast", NOW)
    monkeypatch.setattr(unit_workbook, "fast_workbook", atomic_workbook)
    monkeypatch.setattr(unit_workbook, "FastFormats", Formats)
    plain = unit_workbook.write_unit_workbook(campaign, unit, tmp_path / "plain", NOW)
    with zipfile.ZipFile(fast.path) as a, zipfile.ZipFile(plain.path) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        shared = 0
        for name in a.namelist():
            if name.startswith("xl/worksheets/sheet"):
                # the cells differ only in how helper formulas are stored (shared)
                assert _without_cells(a.read(name)) == _without_cells(b.read(name))
                shared += a.read(name).count(b't="shared"')
            else:
                assert a.read(name) == b.read(name), name
    assert shared > 100  # the prepared list rows' helpers are shared formulas
    assert _cells(fast.path) == _cells(plain.path)


def test_a_formula_is_shared_only_when_moving_it_down_gives_each_row_its_own():
    assert shareable(f"IF(LEN($B{ROW_MARK})>0,1,0)+COUNTIF('推进表'!$A$4:$A$9,\"x\")")
    assert not shareable(f"$B{ROW_MARK}+A1")  # a relative row that is not the row's
    assert not shareable(f"$B${ROW_MARK}")  # an absolute row would not move
    assert not shareable(f'"第{ROW_MARK}行"&$B{ROW_MARK}')  # text is not moved


def test_helper_rows_read_back_row_by_row(tmp_path):
    formulas = [
        (2, f'IF($A{ROW_MARK}="","",1)'),  # shared
        (3, f"$A{ROW_MARK}+$A$1+B1"),  # written in full on every row
    ]
    for name, writer in (("fast", fast_workbook), ("plain", atomic_workbook)):
        with writer(tmp_path / f"{name}.xlsx") as book:
            put_helper_rows(book.add_worksheet("s"), 3, 6, formulas)
    assert _cells(tmp_path / "fast.xlsx") == _cells(tmp_path / "plain.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "fast.xlsx")["s"]
    assert [ws.cell(r, 3).value for r in range(4, 8)] == [
        f'=IF($A{r}="","",1)' for r in range(4, 8)
    ]
    assert ws.cell(7, 4).value == "=$A7+$A$1+B1"
    with pytest.raises(ValueError, match="overlaps helper formulas"):
        with fast_workbook(tmp_path / "overlap.xlsx") as book:
            ws = book.add_worksheet("s")
            put_helper_rows(ws, 3, 6, formulas)
            ws.write_number(4, 3, 1)  # over a helper formula: not written silently
    assert not (tmp_path / "overlap.xlsx").exists()


class _Bar:
    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0

    def start(self, label: str, total: int | None) -> None:
        self.total = total

    def advance(self, step: int) -> None:
        self.done += step


@pytest.mark.parametrize("workers", ["2", "1"])
def test_forked_jobs_come_back_in_order_and_advance_the_bar(workers, monkeypatch):
    monkeypatch.setenv("SIYI_WORKERS", workers)
    bar = _Bar()
    with progress.reporting(bar):
        results = map_forked(lambda n: (n * n, os.getpid()), list(range(9)), "x")
    assert [r[0] for r in results] == [n * n for n in range(9)]
    assert bar.total == bar.done == 9
    in_process = {pid for _, pid in results} == {os.getpid()}
    assert in_process == (workers == "1")


def test_a_failing_job_stops_the_batch_and_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SIYI_WORKERS", "2")

    def write(n: int) -> Path:
        path = tmp_path / f"{n}.xlsx"
        with fast_workbook(path) as book:
            book.add_worksheet("s").write_number(0, 0, n)
            if n == 3:
                raise ValueError("job 3 failed")
        return path

    with pytest.raises(ValueError, match="job 3 failed"):
        map_forked(write, list(range(6)), "x")
    assert not list(tmp_path.glob(".~siyi-*"))
    assert not (tmp_path / "3.xlsx").exists()


def test_the_parts_are_deflated_at_the_fast_level(tmp_path):
    text = "".join(f"{n}," for n in range(5_000))
    with fast_workbook(tmp_path / "a.xlsx") as book:
        book.add_worksheet("s").write_string(0, 0, text)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        info = z.getinfo("xl/sharedStrings.xml")
        data = z.read(info.filename)
    deflate = zlib.compressobj(fastbook.COMPRESS_LEVEL, zlib.DEFLATED, -15)
    assert info.compress_size == len(deflate.compress(data) + deflate.flush())
    assert fastbook.COMPRESS_LEVEL == 1


def test_prepared_blank_rows_are_write_tables_own(tmp_path):
    schema = schemas.load("unit_problems")
    rows = [{"problem_id": "P1", "description": "问题"}]
    for name in ("table", "prepared"):
        with fast_workbook(tmp_path / f"{name}.xlsx") as book:
            fmt, lists = FastFormats(book), ListSheet(book)
            ws = book.add_worksheet(schema.sheet)
            options = {"title": "t", "note": "n", "lists": lists}
            if name == "table":
                write_table(ws, fmt, schema, rows, blank_rows=7, **options)
            else:
                since = len(ws.validations)
                last = write_table(ws, fmt, schema, rows, **options)
                prepare_blank_rows(ws, fmt, schema, last, 7, lists, since)
    with zipfile.ZipFile(tmp_path / "table.xlsx") as a:
        with zipfile.ZipFile(tmp_path / "prepared.xlsx") as b:
            for name in a.namelist():
                assert a.read(name) == b.read(name), name
