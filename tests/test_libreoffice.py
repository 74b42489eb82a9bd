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


def resave(path: Path, out_dir: Path, profile: Path) -> Path:
    """Open and save ``path`` as .xlsx in LibreOffice, as a unit using it would."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out_dir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out_dir / (path.stem + ".xlsx")


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
    before = small.run()
    resaved = resave(original, tmp_path / "lo", tmp_path / "profile")
    original.unlink()
    shutil.copy(resaved, small.returned / original.name)
    after = small.run()
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
    codes = {i.code for i in small.run().issues}
    assert codes <= {"REQUIRED", "CONFIRM_MISSING"}
