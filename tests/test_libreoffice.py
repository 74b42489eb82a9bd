"""Workbooks re-saved by LibreOffice (a real third-party office suite) read identically."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)"
)


def convert(paths: Path | list[Path], target: str, out_dir: Path, profile: Path) -> None:
    """``soffice --convert-to target``, with a private profile so tests can run side by
    side. Several files share one LibreOffice start, which opens and saves each on its own."""
    paths = [paths] if isinstance(paths, Path) else paths
    command = [
        SOFFICE,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        target,
    ]
    subprocess.run(
        [*command, "--outdir", str(out_dir), *map(str, paths)],
        check=True,
        capture_output=True,
        timeout=180,
    )


def resave(path: Path, out_dir: Path, profile: Path) -> Path:
    """Open and save ``path`` as .xlsx in LibreOffice, as a unit using it would."""
    return resave_all([path], out_dir, profile)[0]


def resave_all(paths: list[Path], out_dir: Path, profile: Path) -> list[Path]:
    """:func:`resave` for several files (with different names) in one LibreOffice start."""
    out_dir.mkdir(parents=True, exist_ok=True)
    convert(paths, "xlsx:Calc MS Excel 2007 XML", out_dir, profile)
    return [out_dir / (path.stem + ".xlsx") for path in paths]


def issue_keys(result):
    return sorted((i.code, i.sheet, i.cell, i.value) for i in result.issues)


def test_filled_workbook_resaved_by_libreoffice_gives_the_same_result(small, tmp_path):
    edits = {
        ("重点工作台账", "T1", "完成进度(%)"): "过半",
        ("推进表", ("T2", 1), "实际完成日期"): "2022.7.30",
        ("考评册", "KP02", "自评分"): 45,
        ("责任书", "T1", "负责人电话"): "0454-8888888",
    }
    original = small.fill("U01", edits)
    small.fill("U02")
    before = small.analyse()
    resaved = resave(original, tmp_path / "lo", tmp_path / "profile")
    original.unlink()
    shutil.copy(resaved, small.returned / original.name)
    after = small.analyse()
    assert issue_keys(after) == issue_keys(before)
    assert {r["code"]: r["status"] for r in after.returns} == {
        r["code"]: r["status"] for r in before.returns
    }


def test_issued_workbook_keeps_locks_lists_and_metadata_through_libreoffice(
    small, tmp_path
):
    resaved = resave(small.issued("U01"), tmp_path / "lo", tmp_path / "profile")
    book = openpyxl.load_workbook(resaved)
    assert book["_lists"].sheet_state in ("hidden", "veryHidden")
    assert book["_meta"].sheet_state in ("hidden", "veryHidden")
    ws = book["推进表"]
    assert ws.protection.sheet
    assert ws["B4"].protection.locked and not ws["G4"].protection.locked
    kinds = {str(dv.sqref)[:1]: dv.type for dv in ws.data_validations.dataValidation}
    assert kinds.get("H") == "list" and kinds.get("G") == "date"
    # an untouched issued file is a valid (if empty) return: only 'required' problems
    shutil.copy(resaved, small.returned / "U01.xlsx")
    codes = {i.code for i in small.analyse().issues}
    assert codes <= {"REQUIRED", "CONFIRM_MISSING"}


def test_self_check_counts_red_cells_when_opened_in_libreoffice(small, tmp_path):
    import datetime as dt

    edits = {
        ("重点工作台账", "T1", "完成进度(%)"): "过半",
        ("考评册", "KP02", "自评分"): 45,
        ("推进表", ("T1", 1), "实际完成日期"): dt.datetime(2022, 10, 5),
    }
    wrong = small.fill("U01", edits)
    right = small.fill("U02", name="right.xlsx")
    book_wrong, book_right = (
        openpyxl.load_workbook(path, data_only=True)
        for path in resave_all([wrong, right], tmp_path / "lo", tmp_path / "profile")
    )
    assert book_wrong["自查"]["A2"].value.startswith("还有 3 处错误")
    counts = {
        r[1].value: r[2].value
        for r in book_wrong["自查"].iter_rows(min_row=5)
        if r[0].value
    }
    assert (
        counts["完成进度(%)"] == 1
        and counts["实际完成日期"] == 1
        and counts["自评分"] == 1
    )
    assert book_right["自查"]["A2"].value.startswith("已全部填好")
    # the red-cell rules and the helpers they read survive LibreOffice's save (the
    # helpers start two columns right of the data: K and L stay empty)
    rules = book_wrong["推进表"].conditional_formatting
    assert any(r.formula[0] == "$O4>=2" for cf in rules for r in cf.rules)
    helpers = openpyxl.load_workbook(tmp_path / "lo" / wrong.name)["推进表"]
    assert "DATE(2022,9,30)" in helpers["O4"].value


def test_issued_and_return_copies_survive_xls_and_ods_conversion(small, tmp_path):
    faulty = small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): "过半"})
    small.run()
    copy = next((small.folder / "output" / "2022Q3" / "退回件").glob("*.xlsx"))
    sources = [small.issued("U02"), copy]
    for target in ("ods", "xls"):
        out = tmp_path / target
        convert(sources, target, out, tmp_path / "profile")
        converted = [out / f"{source.stem}.{target}" for source in sources]
        for path in converted:
            assert path.is_file() and path.stat().st_size > 0
        for back in resave_all(
            converted, tmp_path / f"{target}-back", tmp_path / "profile"
        ):
            book = openpyxl.load_workbook(back)
            assert book["_lists"].sheet_state in ("hidden", "veryHidden")
            assert book["重点工作台账"].protection.sheet
            assert any(
                dv.type == "list" for dv in book["推进表"].data_validations.dataValidation
            )
            assert book["重点工作台账"].conditional_formatting
    assert faulty.exists()


def test_ods_and_xls_returns_are_converted_and_read(small, tmp_path):
    returned = small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): "过半"})
    small.fill("U02")
    before = small.analyse()
    filled = tmp_path / returned.name
    shutil.copy(returned, filled)
    for target in ("ods", "xls"):
        out = tmp_path / target
        convert(filled, target, out, tmp_path / "profile")
        for old in small.returned.glob("2022*U01*"):
            old.unlink()
        shutil.copy(
            out / f"{filled.stem}.{target}", small.returned / f"{filled.stem}.{target}"
        )
        after = small.run()
        keys = [k for k in issue_keys(after) if k[0] != "CONVERTED_FORMAT"]
        assert keys == issue_keys(before), target
        assert [i.code for i in after.issues if i.code == "CONVERTED_FORMAT"] == [
            "CONVERTED_FORMAT"
        ]
        assert {r["code"]: r["status"] for r in after.returns}["U01"] == "被退回"
        copies = list((small.folder / "output" / "2022Q3" / "退回件").glob("*.xlsx"))
        assert [c.name for c in copies] == [f"【退回修改】{filled.stem}.xlsx"]


def test_cross_row_rules_are_red_and_counted_too(small, tmp_path):
    edits = {
        ("重点工作台账", "T1", "申请销号"): "是",
        ("重点工作台账", "T1", "佐证材料"): "验收单",
        ("重点工作台账", "T1", "完成进度(%)"): 100,
        ("推进表", ("T2", 1), "节点状态"): "推进中",
    }
    wrong = small.fill("U01", edits)
    errors = {i.code for i in small.analyse().issues if i.severity == "错误"}
    assert errors == {"CLOSE_NOT_DONE", "PROGRESS_100_NOT_DONE", "ACTUAL_WITHOUT_DONE"}
    book = openpyxl.load_workbook(
        resave(wrong, tmp_path / "lo", tmp_path / "profile"), data_only=True
    )
    counts = {
        r[1].value: r[2].value for r in book["自查"].iter_rows(min_row=5) if r[0].value
    }
    assert (
        counts["申请销号"] == 1 and counts["完成进度(%)"] == 1 and counts["节点状态"] == 1
    )
    assert book["自查"]["A2"].value.startswith("还有 3 处错误")
