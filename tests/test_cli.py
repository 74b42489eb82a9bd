"""Every command through click's CliRunner: exit codes and Chinese output."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from siyi_xlsx.cli import main
from siyi_xlsx.compute import reminders


def test_every_command_has_chinese_help():
    """``siyi --help`` and the help of every command the group has (found from the group,
    so a command added later is covered too)."""
    runner = CliRunner()
    assert {"init", "issue", "run", "status", "check"} <= set(main.commands)
    for args in [[], *([name] for name in sorted(main.commands))]:
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
        usage = result.output.splitlines()[0]
        assert usage.startswith(" ".join(["用法：", main.name, *args, ""])), usage
        assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output), args


def test_init_issue_run_on_the_sample(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "c"
    result = runner.invoke(main, ["init", str(folder), "--sample"])
    assert result.exit_code == 0, result.output
    assert (folder / "任务总表.xlsx").is_file() and (folder / "returned").is_dir()
    again = runner.invoke(main, ["init", str(folder)])
    assert again.exit_code == 2 and "已存在" in again.output
    # handing out the sample's 44 workbooks is checked by the demo run
    # (tests/test_demo_golden.py); the batch runs before anything was handed out too
    result = runner.invoke(main, ["run", str(folder)])
    assert result.exit_code == 0, (
        result.output
    )  # nothing returned yet is not a data error
    assert "未报送 44 个单位" in result.output


def test_run_exit_codes(small):
    runner = CliRunner()
    small.fill("U01")
    assert runner.invoke(main, ["run", str(small.folder)]).exit_code == 0
    small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): "过半"})
    result = runner.invoke(main, ["run", str(small.folder)])
    assert result.exit_code == 1
    assert "[重点工作台账!G4]" in result.output and "过半" in result.output
    assert (small.folder / "output" / "2022Q3" / "校验报告.xlsx").is_file()


def test_fatal_errors_exit_2(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "找不到任务总表" in result.output
    (tmp_path / "任务总表.xlsx").write_text("not excel")
    result = runner.invoke(main, ["issue", str(tmp_path)])
    assert result.exit_code == 2 and "任务总表无法打开" in result.output


def test_format_reference_is_generated_and_up_to_date():
    from pathlib import Path

    result = CliRunner().invoke(main, ["docs"])
    assert result.exit_code == 0
    committed = (
        Path(__file__).resolve().parent.parent / "docs" / "格式说明.md"
    ).read_text(encoding="utf-8")
    assert result.output == committed, (
        "docs/格式说明.md is stale: run `siyi docs > docs/格式说明.md`"
    )
    from siyi_xlsx.errors import MESSAGES

    assert all(f"`{code}`" in committed for code in MESSAGES)


def test_status_agrees_with_the_report_and_the_returned_folder(small):
    import json

    small.fill("U01")
    small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): "过半"})
    small.fill("U02", name="U02_旧稿.xlsx", saved="2022-10-01T02:00:00Z")
    runner = CliRunner()
    text = runner.invoke(main, ["status", str(small.folder)])
    assert text.exit_code == 0, text.output
    assert "按时报送 1 个单位，被退回 1 个单位，未报送 1 个单位" in text.output
    assert "未采用：U02_旧稿.xlsx" in text.output
    assert "读取回收文件" not in text.output  # no progress line off a terminal
    data = json.loads(runner.invoke(main, ["status", "--json", str(small.folder)]).output)
    by_unit = {u["code"]: u["status"] for u in data["units"]}
    assert by_unit == {
        "U01": "按时报送",
        "U02": "被退回",
        "U03": "未报送",
        "U04": "无需报送",
    }
    assert not (
        small.folder / "output" / "2022Q3" / "校验报告.xlsx"
    ).exists()  # status writes nothing
    runner.invoke(main, ["run", str(small.folder)])
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "校验报告.xlsx")[
        "报送情况"
    ]
    header = [c.value for c in ws[3]]
    sheet = {
        r[0]: r[header.index("报送状态")]
        for r in ws.iter_rows(min_row=4, values_only=True)
        if r[0]
    }
    assert sheet == by_unit


def test_late_return(small):
    small.fill(
        "U01", saved="2022-10-11T01:00:00Z"
    )  # 09:00 Beijing time, the day after the deadline
    small.fill(
        "U02", saved="2022-10-10T15:00:00Z"
    )  # 23:00 Beijing time on the deadline day
    data = __import__("json").loads(
        CliRunner().invoke(main, ["status", "--json", str(small.folder)]).output
    )
    by_unit = {u["code"]: (u["status"], u["saved_at"]) for u in data["units"]}
    assert by_unit["U01"] == ("逾期报送", "2022-10-11 09:00")
    assert by_unit["U02"] == ("按时报送", "2022-10-10 23:00")


def test_run_json(small):
    import json

    small.fill("U01", {("重点工作台账", "T1", "完成进度(%)"): "过半"})
    result = CliRunner().invoke(main, ["run", "--json", str(small.folder)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["counts"]["errors"] == 1 and data["counts"]["by_code"] == {
        "PERCENT_AMBIGUOUS": 1
    }
    issue = data["issues"][0]
    assert (issue["sheet"], issue["cell"], issue["severity"], issue["code"]) == (
        "重点工作台账",
        "G4",
        "错误",
        "PERCENT_AMBIGUOUS",
    )
    assert len(data["return_copies"]) == 1


def test_remind_lists_missing_and_rejected_units(small, monkeypatch):
    small.fill("U01")
    small.fill("U02", {("考评册", "KP02", "自评分"): 99})
    # two days after 报送截止日期 (2022-10-10): no passed date is quoted as one to meet
    monkeypatch.setattr(reminders, "today", lambda: dt.date(2022, 10, 12))
    result = CliRunner().invoke(main, ["remind", str(small.folder)])
    assert result.exit_code == 0, result.output
    text = (small.folder / "output" / "2022Q3" / "催报通知.txt").read_text(
        encoding="utf-8"
    )
    assert (
        "长青乡（被退回）：按退回件修改 1 处错误后，于 2022-10-15 前重新报送"
        "。近期到期节点：T3 第 1 个节点“摸底”（2022-10-15）"
    ) in text
    assert (
        "永安街道办事处（未报送）：已逾期（报送截止日期 2022-10-10），请于 2022-10-15 前补报"
    ) in text
    assert "请于 2022-10-10 前" not in text and "于 2022-10-10 前" not in text
    assert "区发展和改革局（" not in text
    # the milestones due soon of every lead unit, reported or not
    assert "近期到期节点（2022-10-12 至 2022-10-19" in text
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "催报通知.xlsx")[
        "催报通知"
    ]
    names = [r[1] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert names == ["长青乡", "永安街道办事处"]


def test_check_a_single_file(small):
    clean = small.fill("U01")
    faulty = small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): "过半"})
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(clean)])
    assert ok.exit_code == 0 and "可以采用" in ok.output
    bad = runner.invoke(main, ["check", str(faulty)])
    assert bad.exit_code == 1
    assert "[重点工作台账!G4]" in bad.output and "退回件" in bad.output
    assert list((small.folder / "output" / "2022Q3" / "退回件").glob("*长青乡*"))
    import json

    data = json.loads(
        runner.invoke(
            main, ["check", "--json", str(faulty), "--campaign", str(small.folder)]
        ).output
    )
    assert data["counts"]["errors"] == 1 and data["unit_code"] == "U02"


def test_json_mode_reports_fatal_errors_as_json(tmp_path):
    import json

    result = CliRunner().invoke(main, ["status", "--json", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["exit_code"] == 2 and "找不到任务总表" in data["error"]
