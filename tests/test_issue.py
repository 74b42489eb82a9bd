"""The issued workbook, reopened: sheets, locking, dropdowns, validations, print setup."""

from __future__ import annotations

import json

import openpyxl

from siyi_xlsx import schema
from siyi_xlsx.write.unit_workbook import META_SHEET


def test_one_workbook_per_lead_unit(small):
    files = small.issue()
    assert sorted(files) == ["U01", "U02", "U03"]  # U04 leads nothing
    assert files["U01"].name == "2022年重点工作填报表_2022Q3_U01_区发展和改革局.xlsx"


def test_sheets_prefill_and_locking(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    assert book.sheetnames == [
        "填报说明",
        "自查",
        "重点工作台账",
        "责任书",
        "推进表",
        "考评册",
        "问题清单",
        "攻坚破难计划",
        "创先晋位工作清单",
        "_lists",
        META_SHEET,
    ]
    assert book["_lists"].sheet_state == "hidden"
    assert book[META_SHEET].sheet_state == "veryHidden"
    ws = book["重点工作台账"]
    assert [c.value for c in ws[3]][:3] == ["任务编号", "重点工作", "重点领域"]
    assert ws["A4"].value == "T1" and ws["A5"].value == "T2" and ws["A6"].value is None
    assert ws.protection.sheet
    assert ws["B4"].protection.locked and not ws["G4"].protection.locked
    assert ws["B4"].fill.fgColor.rgb.endswith("E7E6E6") and ws[
        "G4"
    ].fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.freeze_panes == "C4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (
        None,
        1,
    )
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3"
    sched = book["推进表"]
    assert sched.max_row >= 4 + 6 - 1  # six milestones of T1 and T2
    assert (
        book["责任书"]["F4"].value == "赵一"
    )  # 牵头部门一把手 prefilled from the master, still editable
    assert not book["责任书"]["F4"].protection.locked
    codes = [book["考评册"].cell(r, 1).value for r in range(4, 7)]
    assert codes == ["KP01", "KP02", "KP03"]  # KP03 applies to 区直部门 only


def test_every_input_column_has_a_validation_with_a_chinese_prompt(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    for schema_id in (
        "unit_ledger",
        "unit_responsibility",
        "unit_schedule",
        "unit_evaluation",
    ):
        s = schema.load(schema_id)
        ws = book[s.sheet]
        validations = {
            str(dv.sqref)[:1]: dv
            for dv in ws.data_validations.dataValidation
            if str(dv.sqref)[1:].startswith("4")
        }
        for index, column in enumerate(s.columns):
            letter = chr(65 + index)
            if column.role != "input":
                assert letter not in validations
                continue
            dv = validations[letter]
            assert dv.promptTitle and dv.prompt, (schema_id, column.title)
            if column.kind == "enum":
                assert dv.type == "list" and dv.formula1.startswith("_lists!")
            if column.kind == "date":
                assert dv.type == "date"
            if column.kind in ("number", "percent"):
                assert dv.type == "decimal"


def test_dropdown_lists_live_on_the_hidden_sheet(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    ws = book["推进表"]
    dv = next(
        d for d in ws.data_validations.dataValidation if str(d.sqref).startswith("H")
    )
    ref = dv.formula1.split("!")[1].replace("$", "")
    values = [c.value for row in book["_lists"][ref] for c in row]
    assert values == ["未开始", "推进中", "已完成"]


def test_metadata_identifies_unit_period_and_prefill(small):
    book = openpyxl.load_workbook(small.issued("U02"))
    meta = {
        r[0].value: r[1].value
        for r in book[META_SHEET].iter_rows(min_row=2)
        if r[0].value
    }
    assert meta["unit_code"] == "U02" and meta["period"] == "2022Q3"
    assert len(meta["fingerprint"]) == 64
    assert json.loads(meta["rows"]) == {
        "unit_ledger": 1,
        "unit_responsibility": 1,
        "unit_schedule": 2,
        "unit_evaluation": 2,
    }


def test_text_that_looks_like_a_formula_stays_text(small, tmp_path):
    from conftest import SETTINGS, SMALL

    from siyi_xlsx.write.master import write_master

    data = json.loads(json.dumps(SMALL, default=str))
    for table in ("tasks", "milestones"):
        for row in data[table]:
            for key in ("deadline", "planned_date"):
                if key in row:
                    import datetime as dt

                    row[key] = dt.date.fromisoformat(row[key])
    data["tasks"][0]["target"] = '=HYPERLINK("http://x","点我")'
    folder = tmp_path / "c"
    folder.mkdir()
    write_master(folder / "任务总表.xlsx", data, SETTINGS)
    from conftest import Campaign

    c = Campaign(folder)
    ws = openpyxl.load_workbook(c.issued("U01"))["重点工作台账"]
    assert ws["D4"].data_type == "s" and ws["D4"].value.startswith("=HYPERLINK")


def test_an_issued_workbook_reads_without_its_helper_cells(small):
    """The hidden self-check helpers start HELPER_GAP columns right of the data, so the
    reader cuts every one of them before parsing and keeps the data columns whole."""
    from siyi_xlsx.read.master import load_campaign
    from siyi_xlsx.read.returned import NO_DATA_SHEETS, _widths
    from siyi_xlsx.read.workbook import read_workbook

    campaign = load_campaign(small.folder)
    widths = _widths(campaign)
    path = small.issued("U01")
    cut = read_workbook(path, skip=NO_DATA_SHEETS, widths=widths)
    whole = read_workbook(path, skip=NO_DATA_SHEETS)
    for sheet, width in widths.items():
        columns = {c for row in cut.sheets[sheet].rows.values() for c in row}
        assert max(columns) <= width - 2, sheet  # nothing right of the data is read
        helpers = {c for row in whole.sheets[sheet].rows.values() for c in row}
        assert max(helpers) > width, sheet  # the template has helpers there
        data = {
            (r, c): cell.value
            for r, row in whole.sheets[sheet].rows.items()
            for c, cell in row.items()
            if c <= width
        }
        kept = {
            (r, c): cell.value
            for r, row in cut.sheets[sheet].rows.items()
            for c, cell in row.items()
        }
        assert kept == data, sheet
