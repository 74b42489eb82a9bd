"""The fast 退回件 writer patches the unit's package; it must give the same copy as the
openpyxl round trip, keep what the unit's file carries, and hand over what it does not
handle."""

from __future__ import annotations

import zipfile

import openpyxl
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from siyi_xlsx.errors import Code, Issue
from siyi_xlsx.write import return_copy
from siyi_xlsx.write.return_copy import LIST_SHEET, write_return_copy
from siyi_xlsx.write.return_patch import patched_copy

LEDGER, EVAL = "重点工作台账", "考评册"


def _marks(path):
    book = openpyxl.load_workbook(path)
    out = {"sheets": book.sheetnames, "active": book.active.title}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment:
                    out[(ws.title, c.coordinate)] = (c.comment.text, c.comment.author)
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if 'N("siyi")' in (rule.formula or [""])[0]:
                    fill = rule.dxf.fill.fgColor.rgb
                    out[(ws.title, str(cf.sqref), "mark")] = (rule.formula[0], fill)
    listing = book[LIST_SHEET]
    out["list"] = [[c.value for c in row] for row in listing.iter_rows()]
    out["links"] = [
        c.hyperlink.location for row in listing.iter_rows() for c in row if c.hyperlink
    ]
    out["freeze"], out["merged"] = listing.freeze_panes, str(listing.merged_cells)
    return out


def _issues(name):
    return [
        Issue(Code.NOT_A_NUMBER, name, "单位", LEDGER, "G4", "完成进度(%)", "过半"),
        Issue(Code.ADVANCE_BACKWARD, name, "单位", LEDGER, "G5", "完成进度(%)", "2"),
        Issue(Code.DATE_INVALID, name, "单位", EVAL, "B2", "实际完成日期", "2022.6.30"),
        Issue(Code.REQUIRED, name, "单位", "不存在的表", "A1", "进展情况", ""),
    ]


def _workbook(path, own_comment_on=None):
    book = openpyxl.Workbook()
    ledger = book.active
    ledger.title = LEDGER
    ledger["G4"], ledger["G5"] = "过半", "=1+1"
    ledger["A1"] = "标题"
    evaluation = book.create_sheet(EVAL)
    evaluation.merge_cells("A2:C2")
    evaluation["A2"] = "2022.6.30"
    book.create_sheet("_meta").sheet_state = "veryHidden"
    evaluation.print_title_rows = "1:1"  # a name local to the second sheet
    book.defined_names["全局"] = DefinedName("全局", attr_text=f"'{LEDGER}'!$A$1")
    if own_comment_on:
        book[own_comment_on]["A1"].comment = Comment("单位自己的批注", "张三")
    book.save(path)
    return path


def test_the_patched_copy_equals_the_round_trip(tmp_path):
    source = _workbook(tmp_path / "甲.xlsx")
    before = source.read_bytes()
    issues = _issues(source.name)
    fast = patched_copy(source, source.name, "区财政局", issues)
    assert fast is not None
    (tmp_path / "fast.xlsx").write_bytes(fast)
    slow = return_copy._round_trip(source, source.name, "区财政局", issues)
    slow.save(tmp_path / "slow.xlsx")
    got, expected = _marks(tmp_path / "fast.xlsx"), _marks(tmp_path / "slow.xlsx")
    assert got == expected
    assert got["sheets"][0] == LIST_SHEET and got["active"] == LIST_SHEET
    # the merged range is marked at its top-left cell; the formula cell by ISFORMULA
    assert got[(EVAL, "A2", "mark")][0] == 'AND(N("siyi")=0,LEFT(A2,9)="2022.6.30")'
    assert got[(LEDGER, "G5", "mark")] == ('AND(N("siyi")=0,ISFORMULA(G5))', "FFFFD966")
    assert got[(LEDGER, "G4", "mark")][1] == "FFFF7C80"  # an error is red
    # errors first; a problem on a sheet the file lacks is listed without a link
    assert got["links"] == [f"'{LEDGER}'!G4", f"'{EVAL}'!B2", f"'{LEDGER}'!G5"]
    assert len(got["list"]) == 3 + 4  # title, note, headers and every problem
    book = openpyxl.load_workbook(tmp_path / "fast.xlsx")
    # the sheet-local print titles still belong to 考评册, one place to the right
    assert book[EVAL].print_title_rows == "$1:$1"
    assert book["_meta"].sheet_state == "veryHidden"
    assert source.read_bytes() == before


def test_the_calculation_chain_is_dropped_and_the_rest_kept(tmp_path):
    source = _workbook(tmp_path / "乙.xlsx")
    with zipfile.ZipFile(source, "a") as archive:  # as Excel writes it
        archive.writestr("xl/calcChain.xml", '<calcChain><c r="G5" i="1"/></calcChain>')
    fast = patched_copy(source, source.name, "区财政局", _issues(source.name))
    (tmp_path / "fast.xlsx").write_bytes(fast)
    with (
        zipfile.ZipFile(tmp_path / "fast.xlsx") as archive,
        zipfile.ZipFile(source) as old,
    ):
        names = set(archive.namelist())
        assert "xl/calcChain.xml" not in names
        kept = names & set(old.namelist()) - {
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "[Content_Types].xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
        }
        assert kept and all(archive.read(n) == old.read(n) for n in kept)


def test_a_sheet_with_the_units_own_comments_takes_the_round_trip(tmp_path):
    source = _workbook(tmp_path / "丙.xlsx", own_comment_on=LEDGER)
    issues = _issues(source.name)
    assert patched_copy(source, source.name, "区财政局", issues) is None
    copy = write_return_copy(source, source.name, "区财政局", issues, tmp_path / "out")
    book = openpyxl.load_workbook(copy)
    assert book[LEDGER]["A1"].comment.text == "单位自己的批注"
    assert "过半" in book[LEDGER]["G4"].comment.text
    # on another sheet the unit's comments stay and the fast path is taken
    other = _workbook(tmp_path / "丁.xlsx", own_comment_on="_meta")
    fast = patched_copy(other, other.name, "区财政局", issues)
    (tmp_path / "fast.xlsx").write_bytes(fast)
    book = openpyxl.load_workbook(tmp_path / "fast.xlsx")
    assert book["_meta"]["A1"].comment.text == "单位自己的批注"
    assert "过半" in book[LEDGER]["G4"].comment.text
