"""Bulletins: ranking, change against the previous period, praise, criticism and 诫勉谈话."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from siyi_xlsx.cli import main


def _set(path, sheet, label, value):
    book = openpyxl.load_workbook(path)
    for row in book[sheet].iter_rows(min_row=4):
        if row[0].value == label:
            row[1].value = value
    book.save(path)


def _rows(folder, sheet, period):
    ws = openpyxl.load_workbook(folder / "output" / period / f"通报_{period}.xlsx")[sheet]
    header = [c.value for c in ws[3]]
    return {
        r[1]: dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=4, values_only=True)
        if r[1]
    }


def test_quarterly_bulletins_over_two_periods(small):
    master = small.folder / "任务总表.xlsx"
    _set(master, "通报规则", "批评：严重滞后任务不少于", 1)
    # Q3: U01's T1 is 40 points behind pace (严重滞后); U03 sends nothing (T4 未报送)
    small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): 10})
    small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): 0})
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(small.folder)]).exit_code == 0
    result = runner.invoke(main, ["bulletin", str(small.folder), "--period", "2022Q3"])
    assert result.exit_code == 0, result.output
    table = _rows(small.folder, "通报", "2022Q3")
    # 长青乡: its only task is 未开始 (on track) → rate 100 → first
    assert table["长青乡"]["排名"] == 1 and table["长青乡"]["表扬/批评"] is None
    assert table["区发展和改革局"]["表扬/批评"] == "批评"
    assert table["区发展和改革局"]["正常推进率(%)"] == 50  # T2 done, T1 severely behind
    # not reporting is not 严重滞后: grey, counted apart, not ranked, last
    u03 = table["永安街道办事处"]
    assert (u03["亮灯"], u03["未报送"], u03["严重滞后"]) == ("灰", 1, 0)
    assert (u03["排名"], u03["正常推进率(%)"], u03["表扬/批评"]) == (None, None, None)
    assert list(table)[-1] == "永安街道办事处"
    # Q4: the same units are criticised again → 诫勉谈话 proposed
    _set(master, "设置", "当前期次", "2022Q4")
    _set(master, "设置", "数据截止日期", dt.datetime(2022, 12, 31))
    for old in small.returned.iterdir():
        old.unlink()
    small._issued = {}
    small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): 10})
    runner.invoke(main, ["run", str(small.folder)])
    assert (
        runner.invoke(
            main, ["bulletin", str(small.folder), "--period", "2022Q4"]
        ).exit_code
        == 0
    )
    criticised = _rows(small.folder, "批评", "2022Q4")
    assert (
        criticised["区发展和改革局"]["诫勉谈话建议"]
        == "连续 2 期被通报批评，建议对主要负责人诫勉谈话"
    )
    table = _rows(small.folder, "通报", "2022Q4")
    # 长青乡 did not report in Q4: grey, not ranked
    assert (table["长青乡"]["较上期"], table["长青乡"]["亮灯"]) == ("未排名", "灰")
    yearly = runner.invoke(main, ["bulletin", str(small.folder), "--period", "2022"])
    assert yearly.exit_code == 0
    assert (
        "区发展和改革局"
        in openpyxl.load_workbook(
            small.folder / "output" / "2022" / "通报_2022.xlsx"
        ).sheetnames
    )  # 晒单 per unit


def test_bad_period_is_a_usage_error(small):
    result = CliRunner().invoke(main, ["bulletin", str(small.folder), "--period", "Q3"])
    assert result.exit_code == 2 and "格式不对" in result.output
