"""The master workbook: written by init, read back into a campaign, problems reported."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import SETTINGS, SMALL

from siyi_xlsx.errors import CampaignError
from siyi_xlsx.read.master import load_campaign
from siyi_xlsx.sample import build_sample_master
from siyi_xlsx.write.master import write_master


def test_small_master_round_trip(small):
    c = load_campaign(small.folder)
    assert not c.issues
    assert list(c.tasks) == ["T1", "T2", "T3", "T4"]
    assert [m.content for m in c.tasks["T1"].milestones] == [
        "立项",
        "开工",
        "主体完工",
        "投产",
    ]
    assert c.tasks["T1"].support_units == ["长青乡"]
    assert (
        c.settings.as_of.isoformat() == "2022-09-30"
        and c.settings.serious_late_days == 15
    )
    assert [i.code for i in c.indicators_for(c.units["U02"])] == ["KP01", "KP02"]


def test_sample_master_has_the_seed_shape(tmp_path):
    write_master(tmp_path / "任务总表.xlsx", build_sample_master(), SETTINGS)
    c = load_campaign(tmp_path)
    assert not [i for i in c.issues if i.severity == "错误"]
    assert len(c.tasks) == 76
    assert len({t.area for t in c.tasks.values()}) == 8
    assert len(c.units) >= 40 and {u.kind for u in c.units.values()} == {
        "区直部门",
        "乡镇",
        "街道",
    }
    assert 280 <= sum(len(t.milestones) for t in c.tasks.values()) <= 330


def test_reference_and_duplicate_problems_are_reported(small):
    path = small.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book["重点任务"]
    ws["E4"] = "不存在的局"  # lead unit of T1
    ws["A7"] = "T1"  # T4 becomes a duplicate id
    book.save(path)
    c = load_campaign(small.folder)
    found = {(i.code, i.sheet, i.cell) for i in c.issues}
    assert ("REF_UNKNOWN", "重点任务", "E4") in found
    assert ("DUPLICATE_KEY", "重点任务", "A7") in found
    assert "T1" not in c.tasks  # a task whose lead unit is unknown cannot be issued


def test_missing_as_of_date_stops_with_a_clear_error(small):
    path = small.folder / "任务总表.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book["设置"]
    for row in ws.iter_rows(min_row=4):
        if row[0].value == "数据截止日期":
            row[1].value = None
    book.save(path)
    with pytest.raises(CampaignError, match="数据截止日期"):
        load_campaign(small.folder)


def test_threshold_defaults_when_blank(tmp_path):
    write_master(tmp_path / "任务总表.xlsx", SMALL, {k: v for k, v in SETTINGS.items()})
    book = openpyxl.load_workbook(tmp_path / "任务总表.xlsx")
    for row in book["设置"].iter_rows(min_row=4):
        if row[0].value == "严重滞后天数阈值":
            row[1].value = None
    book.save(tmp_path / "任务总表.xlsx")
    c = load_campaign(tmp_path)
    assert c.settings.serious_late_days == 15
    assert [i.code for i in c.issues] == ["SETTING_DEFAULT"]
