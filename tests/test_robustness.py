"""Hostile and odd inputs: each gives one clear message and the batch goes on."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile

import openpyxl
import pytest

from siyi_xlsx.errors import CampaignError
from siyi_xlsx.read.master import load_campaign

LEDGER, SCHED = "重点工作台账", "推进表"


def test_zip_bomb_is_refused_quickly(small):
    good = small.fill("U01", name="good.xlsx")
    bomb = small.returned / "U02_长青乡.xlsx"
    with (
        zipfile.ZipFile(good) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        # 300 MB unpacked from about 0.3 MB; level 9 gives the very bytes the default
        # level gives for this run of "A"s, in a third of the time
        padding = b"<a>" + b"A" * 300_000_000 + b"</a>"
        dst.writestr("xl/padding.xml", padding, compresslevel=9)
    assert bomb.stat().st_size < 2_000_000
    result = small.analyse()
    assert [i.code for i in result.issues if i.file == bomb.name] == ["FILE_UNREADABLE"]
    assert {r["code"]: r["status"] for r in result.returns}["U01"] == "按时报送"


def test_identical_duplicate_is_named_as_such(small):
    first = small.fill("U01")
    shutil.copy(first, small.returned / "副本.xlsx")
    result = small.analyse()
    assert [i.code for i in result.issues] == ["DUPLICATE_SAME_CONTENT"]


def test_sheet_renamed_with_a_trailing_space(small):
    def rename(book):
        book["考评册"].title = "考评册 "

    small.fill("U01", mutate=rename)
    assert [i.code for i in small.analyse().issues] == ["SHEET_RENAMED"]


def test_unlikely_year_and_progress_of_one(small):
    small.fill(
        "U01",
        {
            (SCHED, ("T1", 1), "实际完成日期"): "2002-06-30",
            (LEDGER, "T2", "完成进度(%)"): 1,
        },
    )
    result = small.analyse()
    found = {(i.code, i.cell) for i in result.issues}
    assert ("DATE_UNLIKELY", "G4") in found and ("PERCENT_ONE", "G5") in found


def test_close_off_without_evidence_is_not_shown_as_requested(small):
    small.fill(
        "U01", {(LEDGER, "T2", "申请销号"): "是", (LEDGER, "T2", "完成进度(%)"): 100}
    )
    small.run()
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "汇总台账.xlsx")[
        "汇总台账"
    ]
    header = [c.value for c in ws[3]]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "T2")
    assert row[header.index("状态")] == "已完成"


@pytest.mark.parametrize("sheet", ["单位", "重点任务", "节点", "考评指标"])
def test_master_without_a_sheet_stops_with_one_message(small, sheet):
    path = small.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(path)
    del book[sheet]
    book.save(path)
    with pytest.raises(CampaignError, match=f"缺少“{sheet}”工作表"):
        load_campaign(small.folder)


def test_outputs_are_readable_by_others(small):
    small.fill("U01", {(LEDGER, "T1", "完成进度(%)"): "过半"})
    old = os.umask(0o022)
    try:
        result = small.run()
    finally:
        os.umask(old)
    for path in [
        *result.outputs,
        *(small.folder / "output" / "2022Q3" / "退回件").iterdir(),
    ]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_office_typos_in_the_master(small):
    from click.testing import CliRunner

    from siyi_xlsx.cli import main

    path = small.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book["重点任务"]
    ws["E5"] = "区发展和 改革局"  # T2: a stray inner space: taken as the known unit
    ws["E6"] = "长青镇"  # T3: a unit that does not exist: T3 is dropped, and said so
    # (with the near name: 是否为“长青乡”？)
    book.save(path)
    campaign = load_campaign(small.folder)
    codes = {(i.code, i.cell) for i in campaign.issues}
    assert (
        ("REF_COERCED", "E5") in codes
        and ("REF_UNKNOWN_SIMILAR", "E6") in codes
        and ("TASK_DROPPED", "A6") in codes
    )
    assert "T2" in campaign.tasks and "T3" not in campaign.tasks
    assert not any(
        i.code in ("REF_UNKNOWN", "REF_UNKNOWN_SIMILAR") and i.sheet == "节点"
        for i in campaign.issues
    )  # no cascade
    result = CliRunner().invoke(main, ["issue", str(small.folder)])
    assert result.exit_code == 1 and "因任务总表中的错误未下发：T3" in result.output


def test_empty_file_and_period_without_matching_date(small):
    (small.returned / "U02_长青乡.xlsx").write_bytes(b"")
    path = small.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(path)
    for r in book["设置"].iter_rows(min_row=4):
        if r[0].value == "当前期次":
            r[1].value = "2022Q4"
    book.save(path)
    result = small.analyse()
    found = {(i.code, i.file) for i in result.issues}
    assert ("AS_OF_OUTSIDE_PERIOD", "任务总表.xlsx") in found
    empty = next(i for i in result.issues if i.file == "U02_长青乡.xlsx")
    assert empty.code == "FILE_NOT_XLSX" and "0 字节" in empty.message


def test_score_without_any_evaluation_input_says_so(small):
    from siyi_xlsx.api import score

    small.fill("U01")
    result = score(small.folder)
    absent = [i for i in result.issues if i.code == "EVAL_INPUT_ABSENT"]
    assert len(absent) == 2
    units = {u.code: u for u in result.units}
    assert units["U01"].rated and units["U03"].grade == "无法评定"  # U03 sent nothing


def test_check_reports_an_unwritable_output_folder(small):
    from click.testing import CliRunner

    from siyi_xlsx.cli import main

    faulty = small.fill("U01", {(LEDGER, "T1", "完成进度(%)"): "过半"})
    (small.folder / "output").write_text("not a folder")
    result = CliRunner().invoke(main, ["check", str(faulty)])
    assert result.exit_code == 2 and "无法写入" in result.output
    assert "Errno" not in result.output and ".~siyi" not in result.output
