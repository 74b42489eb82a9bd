"""The workbook reader on the XML that office suites actually write: Excel, WPS,
LibreOffice and hand-made generators differ in strings, dates, formulas, prefixes and
omitted references; the values must come out as a user typed them."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from siyi_xlsx.errors import ReadError
from siyi_xlsx.read.workbook import read_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _book(
    path: Path,
    sheet: str,
    strings: str = "",
    styles: str = "",
    workbook_pr: str = "",
    core: str = "",
    prefix: str = "",
    target: str = "worksheets/sheet1.xml",
) -> Path:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"/>',
        "xl/workbook.xml": f'<{p}workbook {ns} xmlns:r="{REL}">{workbook_pr}<{p}sheets>'
        f'<{p}sheet name="数据" sheetId="1" r:id="rId1"/>'
        f'<{p}sheet name="隐藏" sheetId="2" state="hidden" r:id="rId2"/></{p}sheets></{p}workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}"/>'
        f'<Relationship Id="rId2" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId4" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f"<{p}worksheet {ns}><{p}sheetData>{sheet}</{p}sheetData></{p}worksheet>",
        "xl/worksheets/sheet2.xml": f"<{p}worksheet {ns}><{p}sheetData/></{p}worksheet>",
    }
    if strings:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{strings}</sst>'
    if styles:
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>'
    if core:
        parts["docProps/core.xml"] = (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dcterms="http://purl.org/dc/terms/">'
            f"<dcterms:modified>{core}</dcterms:modified></cp:coreProperties>"
        )
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


STYLES = (
    '<numFmts count="1"><numFmt numFmtId="170" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="170"/><xf numFmtId="10"/></cellXfs>'
)


def _values(book, sheet="数据"):
    return {
        (r, c): cell.value
        for r, row in book.sheets[sheet].rows.items()
        for c, cell in row.items()
    }


def test_strings_numbers_dates_and_errors_as_typed(tmp_path):
    strings = (
        "<si><t>进展顺利</t></si>"
        "<si><r><t>已完成</t></r><r><rPr><b/></rPr><t>三个节点</t></r><rPh><t>ふりがな</t></rPh></si>"
    )
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="inlineStr"><is><t>行内文字</t></is></c><c r="D1" t="b"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>60</v></c><c r="B2" s="3"><v>0.6</v></c>'
        '<c r="C2" s="1"><v>44742</v></c><c r="D2" s="2"><v>44742.5</v></c></row>'
        '<row r="3"><c r="A3" s="1"><v>20220630</v></c><c r="B3" t="e"><v>#DIV/0!</v></c>'
        '<c r="C3" t="d"><v>2022-06-30T00:00:00</v></c><c r="D3" s="1"/></row>'
    )
    book = read_workbook(
        _book(tmp_path / "a.xlsx", sheet, strings, STYLES, core="2022-10-08T01:02:03Z")
    )
    values = _values(book)
    assert values[(1, 1)] == "进展顺利" and values[(1, 2)] == "已完成三个节点"
    assert values[(1, 3)] == "行内文字" and values[(1, 4)] is True
    assert values[(2, 1)] == 60 and isinstance(values[(2, 1)], int)
    assert (
        values[(2, 2)] == 0.6 and book.sheets["数据"].cell(2, 2).number_format == "0.00%"
    )
    assert values[(2, 3)] == dt.datetime(2022, 6, 30)
    assert values[(2, 4)] == dt.datetime(2022, 6, 30, 12)
    # a date typed as 20220630 into a date cell: kept as the number typed
    assert (
        values[(3, 1)] == 20220630
        and book.sheets["数据"].cell(3, 1).number_format == "General"
    )
    assert values[(3, 2)] == "#DIV/0!" and values[(3, 3)] == dt.datetime(2022, 6, 30)
    assert (3, 4) not in values  # a styled empty cell is no value
    assert book.modified == dt.datetime(2022, 10, 8, 1, 2, 3)
    assert book.sheets["隐藏"].state == "hidden"


def test_formulas_are_noted_with_their_cached_result(tmp_path):
    sheet = (
        '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="C1"><f t="shared" ref="C1:C2" si="0">A1*2</f><v>4</v></c></row>'
        '<row r="2"><c r="A2"><f>SUM(A1)</f></c><c r="C2"><f t="shared" si="0"/><v>0</v></c></row>'
    )
    sheet_data = read_workbook(_book(tmp_path / "f.xlsx", sheet)).sheets["数据"]
    assert (sheet_data.cell(1, 1).value, sheet_data.cell(1, 1).formula) == (2, "=1+1")
    assert sheet_data.cell(1, 2).value == "ab"
    assert (
        sheet_data.cell(2, 1).value is None
        and sheet_data.cell(2, 1).formula == "=SUM(A1)"
    )
    # a formula shared with the cell above: its text, and where it comes from
    assert sheet_data.cell(2, 3).formula == "=A1*2（与 C1 共用的公式）"


def test_prefixes_missing_references_and_the_1904_calendar(tmp_path):
    sheet = (
        '<x:row r="4"><x:c><x:v>1</x:v></x:c><x:c/><x:c t="inlineStr"><x:is><x:t>三</x:t></x:is></x:c>'
        '<x:c r="F4" s="1"><x:v>1</x:v></x:c><x:c><x:v>7</x:v></x:c></x:row>'
    )
    path = _book(
        tmp_path / "p.xlsx",
        sheet,
        styles=STYLES,
        workbook_pr='<x:workbookPr date1904="1"/>',
        prefix="x",
        target="/xl/worksheets/sheet1.xml",
    )
    values = _values(read_workbook(path))
    assert values == {(4, 1): 1, (4, 3): "三", (4, 6): dt.datetime(1904, 1, 2), (4, 7): 7}


def test_forged_save_time_and_far_rows(tmp_path):
    sheet = '<row r="1"><c r="A1"><v>1</v></c></row><row r="20001"><c r="A20001"><v>1</v></c></row>'
    path = _book(tmp_path / "t.xlsx", sheet, core="9999-12-31T23:59:59Z")
    with pytest.raises(ReadError, match="20000"):
        read_workbook(path)  # the guard: beyond the last row a template can have
    book = read_workbook(
        _book(tmp_path / "u.xlsx", sheet[:39], core="9999-12-31T23:59:59Z")
    )
    assert book.modified is None and _values(book) == {(1, 1): 1}


def test_utf16_parts_are_refused(tmp_path):
    path = _book(tmp_path / "w.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = (
        parts["xl/worksheets/sheet1.xml"].decode().encode("utf-16")
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(ReadError, match="UTF-8"):
        read_workbook(path)


def test_skipped_sheets_are_listed_without_cells(tmp_path):
    path = _book(tmp_path / "s.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    book = read_workbook(path, skip={"数据"})
    assert list(book.sheets) == ["数据", "隐藏"] and book.sheets["数据"].rows == {}


def test_chinese_builtin_date_formats_are_dates(tmp_path):
    # Chinese Excel and WPS save 2022年6月30日 as built-in format 31 without spelling
    # it out; read as a date, not as its serial number 44742
    styles = '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="58"/></cellXfs>'
    sheet = '<row r="1"><c r="A1" s="1"><v>44742</v></c><c r="B1" s="2"><v>44742</v></c><c r="C1"><v>44742</v></c></row>'
    values = _values(read_workbook(_book(tmp_path / "c.xlsx", sheet, styles=styles)))
    assert values == {
        (1, 1): dt.datetime(2022, 6, 30),
        (1, 2): dt.datetime(2022, 6, 30),
        (1, 3): 44742,
    }


def test_the_office_master_may_be_a_province_long(tmp_path):
    # 8,000 units' 推进表 runs to about 55,000 rows: beyond a returned file's limit,
    # within the office's own; the master is read whole
    from siyi_xlsx.read import guard

    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="55000"><c r="A55000"><v>2</v></c></row>'
    path = _book(tmp_path / "m.xlsx", rows)
    with pytest.raises(ReadError, match="20000"):
        read_workbook(path)
    book = read_workbook(path, limits=guard.OFFICE)
    assert _values(book) == {(1, 1): 1, (55000, 1): 2}
    assert not book.sheets["数据"].truncated


def test_helper_formulas_right_of_the_data_are_cut_and_the_rest_kept(tmp_path):
    # width 3: formulas in D and beyond are the template's helpers; values there, a
    # formula inside the width, a cell without a reference and a prefixed part are kept
    sheet = (
        '<row r="1"><c r="A1" s="1"/><c r="B1"><f>1+1</f><v>2</v></c>'
        '<c r="D1" s="3"><f>COUNTIF(A1:C1,"&gt;=2")</f><v>0</v></c>'
        '<c r="E1"><f t="shared" si="0" ref="E1:E2">A1</f><v>0</v></c>'
        '<c r="AA1" t="str"><f>"x"</f><v>x</v></c>'
        '<c r="F1" t="inlineStr"><is><t>备注</t></is></c></row>'
        '<row r="2"><c r="A2"><v>7</v></c><c><v>8</v></c><c r="C2" s="2"/>'
        '<c r="E2"><f t="shared" si="0"/><v>0</v></c></row>'
    )
    path = _book(tmp_path / "a.xlsx", sheet)
    book = read_workbook(path, widths={"数据": 3})
    values = _values(book)
    assert values == {(1, 2): 2, (1, 6): "备注", (2, 1): 7, (2, 2): 8}
    assert book.sheets["数据"].rows[1][2].formula == "=1+1"
    wide = _values(read_workbook(path))
    assert wide[(1, 4)] == 0 and wide[(1, 27)] == "x" and wide[(2, 5)] == 0
    prefixed = _book(
        tmp_path / "p.xlsx", sheet.replace("<", "<x:").replace("<x:/", "</x:"), prefix="x"
    )
    assert _values(read_workbook(prefixed, widths={"数据": 3})) == values
