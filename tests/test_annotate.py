"""退回件: the unit's own workbook with faulty cells marked, accepted again once corrected."""

from __future__ import annotations

import hashlib

import openpyxl

from siyi_xlsx.write.return_copy import PREFIX

LEDGER, SCHED, EVAL = "重点工作台账", "推进表", "考评册"


def test_every_faulty_cell_is_red_with_a_comment_and_listed(small):
    original = small.fill(
        "U01",
        {
            (LEDGER, "T1", "完成进度(%)"): "过半",
            (EVAL, "KP02", "自评分"): 45,
            (SCHED, ("T1", 1), "实际完成日期"): "2022.6.30",
        },
    )
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    result = small.run()
    copy = small.folder / "output" / "2022Q3" / "退回件" / (PREFIX + original.name)
    assert copy.is_file()
    assert (
        hashlib.sha256(original.read_bytes()).hexdigest() == digest
    )  # the original is untouched
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames[0] == "退回修改清单"
    for issue in result.issues:
        cell = book[issue.sheet][issue.cell]
        assert cell.comment is not None and issue.message in cell.comment.text
        marks = [
            r
            for cf in book[issue.sheet].conditional_formatting
            if str(cf.sqref) == issue.cell
            for r in cf.rules
            if 'N("siyi")' in r.formula[0]
        ]
        assert len(marks) == 1, issue.code
        expected = "FFFF7C80" if issue.severity == "错误" else "FFFFD966"
        assert marks[0].dxf.fill.fgColor.rgb == expected, issue.code
    marks = {
        str(cf.sqref): cf.rules[0].formula[0]
        for cf in book["重点工作台账"].conditional_formatting
        if 'N("siyi")' in cf.rules[0].formula[0]
    }
    assert 'LEFT(G4,2)="过半"' in marks["G4"]  # red only while the faulty value is there
    listing = book["退回修改清单"]
    rows = [r for r in listing.iter_rows(min_row=4) if r[0].value]
    assert len(rows) == len(result.issues)
    assert rows[0][5].value == "错误"  # errors first
    links = {
        r[2].hyperlink.location if r[2].hyperlink.location else r[2].hyperlink.target
        for r in rows
    }
    assert "'重点工作台账'!G4" in links
    # the template's machinery survives
    assert book[LEDGER].protection.sheet and not book[LEDGER]["G4"].protection.locked
    assert book["_meta"].sheet_state == "veryHidden"
    assert any(
        str(dv.sqref).startswith("K")
        for dv in book[LEDGER].data_validations.dataValidation
    )
    assert {r["code"]: r["return_copy"] for r in result.returns}["U01"] == copy.name


def test_corrected_return_copy_is_accepted(small):
    original = small.fill(
        "U01", {(LEDGER, "T1", "完成进度(%)"): "过半", (EVAL, "KP02", "自评分"): 45}
    )
    small.run()
    copy = small.folder / "output" / "2022Q3" / "退回件" / (PREFIX + original.name)
    book = openpyxl.load_workbook(copy)
    book[LEDGER]["G4"] = 50
    book[EVAL]["F5"] = 38
    original.unlink()
    corrected = small.returned / copy.name
    book.save(corrected)
    from conftest import set_saved_time

    set_saved_time(corrected, "2022-10-09T02:00:00Z")
    result = small.run()
    assert result.errors == 0, [i.text() for i in result.issues]
    assert {r["code"]: r["status"] for r in result.returns}["U01"] == "按时报送"
    assert not list(
        (small.folder / "output" / "2022Q3" / "退回件").glob("*.xlsx")
    )  # stale copy removed


def test_no_copy_for_clean_or_unreadable_files(small):
    small.fill("U01")
    (small.returned / "U02_坏文件.xlsx").write_bytes(b"PK\x03\x04broken")
    result = small.run()
    assert result.return_copies == {}


def test_second_round_clears_the_first_rounds_marks(small):
    original = small.fill(
        "U01", {(LEDGER, "T1", "完成进度(%)"): "过半", (EVAL, "KP02", "自评分"): 45}
    )
    small.run()
    copy = small.folder / "output" / "2022Q3" / "退回件" / (PREFIX + original.name)
    book = openpyxl.load_workbook(copy)
    book[LEDGER]["G4"] = 50  # fixed; the self score is still wrong
    original.unlink()
    book.save(small.returned / copy.name)
    small.run()
    again = openpyxl.load_workbook(
        small.folder / "output" / "2022Q3" / "退回件" / (PREFIX + original.name)
    )
    assert again[LEDGER]["G4"].comment is None
    marks = [
        cf
        for cf in again[LEDGER].conditional_formatting
        if 'N("siyi")' in cf.rules[0].formula[0]
    ]
    assert not marks
    assert "超过该项分值" in again[EVAL]["F5"].comment.text
