"""The guard before any parser: hostile content inside a real issued template is refused
in milliseconds with one Chinese message, and the rest of the batch goes on."""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from siyi_xlsx.errors import Code
from siyi_xlsx.read import guard
from siyi_xlsx.read.workbook import read_workbook

LEDGER_PART = "xl/worksheets/sheet3.xml"  # 重点工作台账 in the issued template


def _rewrite(source: Path, target: Path, part: str, edit) -> Path:
    """A copy of the workbook ``source`` with one part changed by ``edit(bytes)``."""
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info, edit(data) if info.filename == part else data)
    return target


def _extra_cell(ref: str):
    row = re.match(r"[A-Z]+(\d+)", ref).group(1)

    def edit(xml: bytes) -> bytes:
        cell = f'<row r="{row}"><c r="{ref}" t="n"><v>1</v></c></row>'.encode()
        return xml.replace(b"</sheetData>", cell + b"</sheetData>", 1)

    return edit


@pytest.fixture
def issued(small) -> Path:
    return small.issued("U01")


def _refused(path: Path) -> str:
    start = time.perf_counter()
    with pytest.raises(guard.UnsafeWorkbook) as caught:
        guard.check(path)
    assert time.perf_counter() - start < 2
    return str(caught.value)


def test_a_filled_template_passes(issued):
    guard.check(issued)  # nothing raised
    assert read_workbook(issued).sheets


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("XFD1048576", "第 1048576 行"),
        ("A1048576", "第 1048576 行"),
        ("A20001", "第 20001 行"),
        ("GS5", "第 201 列"),
    ],
)
def test_a_cell_far_outside_the_template_is_refused(issued, tmp_path, ref, words):
    hostile = _rewrite(issued, tmp_path / "h.xlsx", LEDGER_PART, _extra_cell(ref))
    assert words in _refused(hostile)


def test_the_limits_themselves_pass(issued, tmp_path):
    for ref in ("A20000", "GR5"):  # row 20000 and column 200: still allowed
        guard.check(
            _rewrite(issued, tmp_path / f"{ref}.xlsx", LEDGER_PART, _extra_cell(ref))
        )


def test_doctype_and_entities_are_refused_not_expanded(issued, tmp_path):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]>'
    )
    hostile = _rewrite(
        issued,
        tmp_path / "h.xlsx",
        "docProps/core.xml",
        lambda xml: bomb + xml.split(b"?>", 1)[1],
    )
    assert "DOCTYPE" in _refused(hostile)


def test_a_compressed_bomb_in_a_metadata_part_is_refused(issued, tmp_path):
    hostile = _rewrite(
        issued,
        tmp_path / "h.xlsx",
        "docProps/app.xml",
        lambda xml: xml + b" " * (guard.MAX_PART_BYTES + 1),
    )
    assert "上限" in _refused(hostile)


def test_millions_of_empty_cells_are_refused(issued, tmp_path, monkeypatch):
    # the same scan, a smaller sheet
    monkeypatch.setattr(guard, "RETURNED", guard.Limits(cells=500))
    padding = b"".join(f'<c r="B{n}" s="1"/>'.encode() for n in range(5, 1000))

    def edit(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>", b'<row r="900">' + padding + b"</row></sheetData>"
        )

    assert "单元格" in _refused(_rewrite(issued, tmp_path / "h.xlsx", LEDGER_PART, edit))


def test_a_forged_save_time_does_not_stop_anything(issued, tmp_path):
    hostile = _rewrite(
        issued,
        tmp_path / "h.xlsx",
        "docProps/core.xml",
        lambda xml: re.sub(
            rb"<dcterms:modified([^>]*)>[^<]*<",
            rb"<dcterms:modified\1>9999-12-31T23:59:59Z<",
            xml,
        ),
    )
    assert read_workbook(hostile).modified is None


def test_a_hostile_return_gets_one_message_and_the_batch_goes_on(small, issued):
    small.fill("U02")
    shutil.copy2(
        _rewrite(issued, small.folder / "h.xlsx", LEDGER_PART, _extra_cell("XFD1048576")),
        small.returned / "区发展和改革局_报送.xlsx",
    )
    (small.folder / "h.xlsx").unlink()
    before = (small.returned / "区发展和改革局_报送.xlsx").read_bytes()
    result = small.analyse()
    line = [i for i in result.issues if i.file == "区发展和改革局_报送.xlsx"]
    assert [i.code for i in line] == [Code.FILE_UNREADABLE]
    assert "1048576" in line[0].message and "Error" not in line[0].message
    rows = {r["code"]: r["status"] for r in result.returns}
    assert rows["U02"] == "按时报送"
    assert (small.returned / "区发展和改革局_报送.xlsx").read_bytes() == before


def test_oversized_csv_numbers_and_fields_are_problem_lines(small, tmp_path):
    from siyi_xlsx.read.evaluations import read_public
    from siyi_xlsx.read.master import load_campaign

    campaign = load_campaign(small.folder)
    header = "被评单位,渠道,满意,基本满意,不满意,不了解\n"
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "大数.csv").write_text(
        header
        + "区发展和改革局,网格调查,8,2,2,1\n"
        + "长青乡,网格调查,"
        + "9" * 5000
        + ",1,1,1\n",
        encoding="utf-8",
    )
    (folder / "长字段.csv").write_text(
        header + "长青乡,网格调查," + "x" * 200_000 + ",1,1,1\n", encoding="utf-8"
    )
    tallies, issues = read_public(folder, campaign)
    by_file = {}
    for issue in issues:
        by_file.setdefault(issue.file, []).append(issue)
    assert [i.code for i in by_file["长字段.csv"]] == [Code.FILE_UNREADABLE]
    assert "字段过长" in by_file["长字段.csv"][0].message
    # the 5,000-digit count spoils its own row only; the other row counts
    assert Code.NOT_AN_INTEGER in {i.code for i in by_file["大数.csv"]}
    assert all(len(i.message) < 600 for i in by_file["大数.csv"])
    assert tallies["U01"].satisfied == 8
    assert tallies["U02"].satisfied == 0 and tallies["U02"].excluded == [
        "大数.csv CSV 第 3 行"
    ]
