"""Which file is whose: metadata, file-name fallback, bad files, duplicates."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
from conftest import set_saved_time

from siyi_xlsx.write.unit_workbook import META_SHEET


def _set_meta(book, key, value):
    for row in book[META_SHEET].iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value


def test_not_xlsx_files_each_get_one_message_and_the_batch_goes_on(small):
    (small.returned / "U02_长青乡.xls").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
    )
    (small.returned / "说明.txt").write_text("hello", encoding="utf-8")
    (small.returned / "U03_损坏.xlsx").write_bytes(b"PK\x03\x04garbage")
    with zipfile.ZipFile(small.returned / "word.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w/>")
    small.fill("U01")
    result = small.analyse()
    by_file = {}
    for i in result.issues:
        by_file.setdefault(i.file, []).append(i.code)
    # an old-format file is converted when LibreOffice is present; this one is garbage either way
    assert by_file["U02_长青乡.xls"] in (
        ["FILE_NOT_XLSX"],
        ["CONVERTED_FORMAT", "NOT_A_TEMPLATE"],
    )
    assert "说明.txt" not in by_file  # an attachment, listed: not a problem
    assert {
        "file": "说明.txt",
        "unit": "",
        "result": "附件（未能对应到单位，不作为填报表读取）",
    } in result.inputs
    assert by_file["U03_损坏.xlsx"] == ["FILE_UNREADABLE"]
    assert by_file["word.xlsx"] == ["FILE_NOT_XLSX"]
    statuses = {r["code"]: r["status"] for r in result.returns}
    assert statuses["U01"] == "按时报送"
    assert statuses["U02"] == "被退回"  # attributed by the file name
    assert statuses["U03"] == "被退回"
    assert result.exit_code == 1


def test_unit_not_in_master_and_other_period(small):
    small.fill(
        "U01", name="foreign.xlsx", mutate=lambda b: _set_meta(b, "unit_code", "U99")
    )
    small.fill("U02", name="old.xlsx", mutate=lambda b: _set_meta(b, "period", "2022Q2"))
    result = small.analyse()
    assert [i.code for i in result.issues if i.file == "foreign.xlsx"] == [
        "UNIT_NOT_IN_MASTER"
    ]
    assert [i.code for i in result.issues if i.file == "old.xlsx"] == ["PERIOD_MISMATCH"]


def test_file_name_fallback_when_metadata_removed(small):
    small.fill("U02", name="长青乡报送.xlsx", mutate=lambda b: b.remove(b[META_SHEET]))
    small.fill("U03", name="没有名字.xlsx", mutate=lambda b: b.remove(b[META_SHEET]))
    result = small.analyse()
    assert [
        (i.code, i.severity) for i in result.issues if i.file == "长青乡报送.xlsx"
    ] == [("META_MISSING", "提醒")]
    assert [i.code for i in result.issues if i.file == "没有名字.xlsx"] == [
        "UNIT_UNKNOWN"
    ]
    statuses = {r["code"]: r["status"] for r in result.returns}
    assert statuses["U02"] == "按时报送"


def test_newest_submission_wins(small, tmp_path):
    old = small.fill(
        "U01", {("重点工作台账", "T1", "完成进度(%)"): 10}, name="a_old.xlsx"
    )
    new = small.fill(
        "U01", {("重点工作台账", "T1", "完成进度(%)"): 40}, name="b_new.xlsx"
    )
    for path, when in ((old, "2022-10-09T08:00:00Z"), (new, "2022-10-01T08:00:00Z")):
        set_saved_time(path, when)  # the file named 'old' was saved later
    result = small.run()
    assert [i.code for i in result.issues if i.file == "b_new.xlsx"] == [
        "DUPLICATE_SUBMISSION"
    ]
    ledger = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "汇总台账.xlsx")[
        "汇总台账"
    ]
    header = [c.value for c in ledger[3]]
    row = next(r for r in ledger.iter_rows(min_row=4, values_only=True) if r[0] == "T1")
    assert row[header.index("填报进度(%)")] == 10


def test_returned_files_are_never_modified(small):
    path = small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): "过半"})
    before = (path.read_bytes(), path.stat().st_mtime)
    small.run()
    assert (path.read_bytes(), path.stat().st_mtime) == before


def test_lock_files_are_skipped(small):
    (small.returned / "~$U01.xlsx").write_bytes(b"lock")
    small.fill("U01")
    result = small.analyse()
    assert result.ignored == ["~$U01.xlsx"]
    assert not result.issues


def test_rerun_gives_identical_outputs(small):
    small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): "过半"})
    small.fill("U02")
    first = [p.read_bytes() for p in small.run().outputs]
    second = [p.read_bytes() for p in small.run().outputs]
    assert first == second
    assert dt.date  # keep import used
