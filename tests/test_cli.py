"""Every command through click's CliRunner: exit codes and Chinese output."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from siyi_xlsx.cli import main


@pytest.mark.parametrize("command", [[], ["init"], ["issue"], ["run"], ["docs"]])
def test_every_command_has_chinese_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output)


def test_init_issue_run_on_the_sample(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "c"
    result = runner.invoke(main, ["init", str(folder), "--sample"])
    assert result.exit_code == 0, result.output
    assert (folder / "任务总表.xlsx").is_file() and (folder / "returned").is_dir()
    again = runner.invoke(main, ["init", str(folder)])
    assert again.exit_code == 2 and "已存在" in again.output
    result = runner.invoke(main, ["issue", str(folder)])
    assert result.exit_code == 0, result.output
    assert "已生成 44 个单位的填报表" in result.output
    assert len(list((folder / "issued").glob("*.xlsx"))) == 44
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
    assert (small.folder / "output" / "校验报告.xlsx").is_file()


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
