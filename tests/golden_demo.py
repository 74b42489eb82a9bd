"""Run the README's demo sequence on a copy of samples/ and dump every result workbook's
cell values, with the moments that change from run to run masked.

    python tests/golden_demo.py record   # rewrite tests/golden/demo_cells.json
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
from pathlib import Path

import openpyxl
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "demo_cells.json"
# a moment of the run itself (generation time, file save time of the issued copies)
_NOW = re.compile(
    r"20[3-9]\d-\d\d-\d\d([ T]\d\d:\d\d(:\d\d)?)?|202[5-9]-\d\d-\d\d([ T]\d\d:\d\d(:\d\d)?)?"
)
_STAMP = re.compile(r"\d{8}T\d{6}\d*")


def _mask(value, folder: str):
    if isinstance(value, dt.datetime | dt.date):
        return "<time>" if value.year >= 2025 else value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, str):
        value = value.replace(folder, "<campaign>")
        value = _NOW.sub("<time>", value)
        return _STAMP.sub("<stamp>", value)
    return value


def run_demo(folder: Path, main) -> None:  # noqa: ANN001
    """The steps of ``make demo``, through the CLI."""
    runner = CliRunner()
    sample = ROOT / "samples" / "campaign"
    steps = [
        ["init", str(folder), "--sample"],
    ]
    result = runner.invoke(main, steps[0])
    assert result.exit_code == 0, result.output
    shutil.copytree(
        sample / "returned", folder / "returned" / "2022Q3", dirs_exist_ok=True
    )
    for name in ("evaluations", "public", "history"):
        shutil.copytree(sample / name, folder / name, dirs_exist_ok=True)
    for args, codes in (
        (["issue", str(folder)], (0,)),
        (["run", str(folder), "--quiet"], (0, 1)),
        (["status", str(folder)], (0,)),
        (["remind", str(folder)], (0,)),
        (["score", str(folder)], (0, 1)),
        (["report", str(folder)], (0,)),
        (["bulletin", str(folder), "--period", "2022Q3"], (0,)),
    ):
        result = runner.invoke(main, args)
        assert result.exit_code in codes, (args, result.output, result.exception)
        if args[0] == "issue":  # what the office is told after handing out
            assert "已生成 44 个单位的填报表" in result.output
            assert len(list((folder / "issued" / "2022Q3").glob("*.xlsx"))) == 44


def dump_outputs(folder: Path) -> dict:
    """{relative path: {sheet: {cell: value}}} for every xlsx under output/."""
    out = {}
    text = str(folder)
    for path in sorted((folder / "output" / "2022Q3").rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        sheets = {}
        for ws in wb.worksheets:
            cells = {}
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and hasattr(cell, "coordinate"):
                        cells[cell.coordinate] = _mask(cell.value, text)
            sheets[ws.title] = cells
        wb.close()
        out[path.relative_to(folder / "output" / "2022Q3").as_posix()] = sheets
    return out


if __name__ == "__main__" and sys.argv[1:] == ["record"]:
    import tempfile

    from siyi_xlsx.cli import main as cli_main

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        run_demo(folder, cli_main)
        data = dump_outputs(folder)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(
        json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    print(GOLDEN, sum(len(c) for s in data.values() for c in s.values()), "cells")
