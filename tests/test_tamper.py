"""Each tamper kind, planted in a returned file, is reported with its own code and cell."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl

from siyi_xlsx.write.unit_workbook import META_SHEET

LEDGER, SCHED = "重点工作台账", "推进表"


def _meta(book, key, value):
    for row in book[META_SHEET].iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value


def codes(result, file_part=""):
    return {(i.code, i.sheet, i.cell) for i in result.issues if file_part in i.file}


def test_workbook_of_another_unit_sent_under_a_units_name(small):
    small.fill("U01", name="U02_长青乡_报送.xlsx")
    result = small.analyse()
    issue = next(i for i in result.issues if i.code == "FILE_NAME_OTHER_UNIT")
    assert (
        issue.severity == "提醒"
        and issue.value == "长青乡"
        and issue.unit == "区发展和改革局"
    )


def test_older_template_version(small):
    small.fill("U01", mutate=lambda b: _meta(b, "template_version", "2021.1"))
    assert ("TEMPLATE_OLD", "", "") in codes(small.analyse())


def test_prefilled_cells_changed_name_old_and_new(small):
    def change(book):
        book[LEDGER]["B4"] = "项目一（已调整）"
        book[LEDGER]["E5"] = None

    small.fill("U01", mutate=change)
    result = small.analyse()
    changed = {
        (i.cell, i.value, i.detail) for i in result.issues if i.code == "PREFILL_CHANGED"
    }
    assert ("B4", "项目一（已调整）", "项目一") in changed
    assert ("E5", "（空）", "2022-09-30") in changed
    assert all(i.severity == "提醒" for i in result.issues)


def test_rows_moved_inserted_and_deleted(small):
    def shuffle(book):
        ws = book[LEDGER]
        row4 = [c.value for c in ws[4]]
        row5 = [c.value for c in ws[5]]
        for col, value in enumerate(row5, start=1):
            ws.cell(4, col).value = value
        for col, value in enumerate(row4, start=1):
            ws.cell(5, col).value = value

    small.fill("U01", mutate=shuffle, name="moved.xlsx")
    result = small.analyse()
    assert ("ROWS_MOVED", LEDGER, "") in codes(result, "moved")
    assert not result.errors

    def insert(book):
        ws = book[SCHED]
        ws.insert_rows(5)
        ws["A5"], ws["C5"], ws["H5"] = "T1", 9, "推进中"

    (small.returned / "moved.xlsx").unlink()
    small.fill("U01", mutate=insert, name="inserted.xlsx")
    assert ("MILESTONE_UNKNOWN", SCHED, "A5") in codes(small.analyse(), "inserted")


def test_renamed_sheet_is_read_with_a_reminder(small):
    def rename(book):
        book[SCHED].title = "推进表(1)"

    small.fill("U01", mutate=rename)
    result = small.analyse()
    assert [(i.code, i.sheet, i.severity) for i in result.issues] == [
        ("SHEET_RENAMED", "推进表(1)", "提醒")
    ]


def test_formula_without_cached_value_is_an_error(small):
    small.fill("U01", {(LEDGER, "T1", "完成进度(%)"): "=20+30"})
    result = small.analyse()
    issue = next(i for i in result.issues if i.code == "FORMULA_NO_CACHE")
    assert (issue.sheet, issue.cell, issue.severity) == (LEDGER, "G4", "错误")


def test_formula_with_cached_value_is_read_with_a_reminder(small):
    path = small.fill("U01", {(LEDGER, "T1", "完成进度(%)"): "=20+30"})
    _cache_formula_result(path, "G4", "50")
    result = small.analyse()
    issue = next(i for i in result.issues if i.code == "FORMULA_IN_INPUT")
    assert (issue.cell, issue.value, issue.detail, issue.severity) == (
        "G4",
        "=20+30",
        "50",
        "提醒",
    )
    assert not result.errors


def _cache_formula_result(path, cell, value):
    """Write the cached result Excel would have stored next to a formula."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    book = openpyxl.load_workbook(path, read_only=True)
    index = book.sheetnames.index(LEDGER) + 1
    book.close()
    name = f"xl/worksheets/sheet{index}.xml"
    xml = items[name].decode()
    xml, count = re.subn(
        rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f><v\s*/?>(</v>)?',
        rf"\g<1><f>\g<2></f><v>{value}</v>",
        xml,
    )
    assert count == 1, xml[:500]
    items[name] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)


def test_master_changed_since_issue(small):
    small.issue()
    book = openpyxl.load_workbook(small.folder / "任务总表.xlsx")
    book["节点"]["C5"] = (
        "开工仪式"  # T1 milestone 2 reworded after the workbooks went out
    )
    book.save(small.folder / "任务总表.xlsx")
    small.fill("U01")
    result = small.analyse()
    found = codes(result)
    assert ("MASTER_CHANGED", "", "") in found
    # the unit changed nothing: its copy shows what it was given, so no cell is blamed on it
    assert not any(code == "PREFILL_CHANGED" for code, _, _ in found)


def test_unit_change_is_named_against_the_issued_value_after_a_master_change(small):
    small.issue()
    book = openpyxl.load_workbook(small.folder / "任务总表.xlsx")
    book["节点"]["D4"] = dt.datetime(
        2022, 7, 5
    )  # T1 milestone 1 moved by the office after issue
    book.save(small.folder / "任务总表.xlsx")
    small.fill("U01", {(SCHED, ("T1", 2), "计划完成日期"): dt.datetime(2022, 9, 9)})
    changed = [
        (i.cell, i.value, i.detail)
        for i in small.analyse().issues
        if i.code == "PREFILL_CHANGED"
    ]
    assert changed == [("E5", "2022-09-09", "2022-08-31")]


def test_rows_added_to_the_master_after_issue_are_not_blamed_on_the_unit(small):
    small.issue()
    book = openpyxl.load_workbook(small.folder / "任务总表.xlsx")
    ws = book["节点"]
    ws["A14"], ws["B14"], ws["C14"], ws["D14"] = (
        "T1",
        5,
        "竣工验收",
        dt.datetime(2022, 12, 31),
    )
    book.save(small.folder / "任务总表.xlsx")
    small.fill("U01")
    result = small.analyse()
    assert {i.code for i in result.issues} == {"MASTER_CHANGED", "ADDED_AFTER_ISSUE"}
    assert result.errors == 0
