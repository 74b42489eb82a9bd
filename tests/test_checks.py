"""The five checks on a planted case, counted by hand, and 督导检查专报.xlsx."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from siyi_xlsx.cli import main

LEDGER = "重点工作台账"


def _lists(book):
    ws = book["问题清单"]
    cols = {c.value: c.column for c in ws[3] if c.value}
    for title, value in {
        "任务编号": "T1",
        "问题描述": "征地慢",
        "问题类别": "要素保障",
        "整改措施": "攻坚",
        "整改时限": dt.datetime(2022, 9, 1),
        "整改状态": "整改中",
    }.items():
        ws.cell(4, cols[title]).value = value
    ws = book["创先晋位工作清单"]
    cols = {c.value: c.column for c in ws[3] if c.value}
    for offset, (name, current, target, result) in enumerate(
        (("营商环境", 5, 3, 3), ("招商引资", 8, 6, 7))
    ):
        for title, value in {
            "指标名称": name,
            "排名层级": "全市",
            "当前位次": current,
            "目标位次": target,
            "实际位次": result,
        }.items():
            ws.cell(4 + offset, cols[title]).value = value


def test_five_checks_by_hand(small):
    edits = {
        (LEDGER, "T1", "工作方案"): "《项目一实施方案》",
        (LEDGER, "T1", "配套制度"): "周调度制度",
        (LEDGER, "T1", "完成进度(%)"): 30,
    }  # T2 has neither plan nor rules; T1 is 20 points behind pace
    small.fill("U01", edits, mutate=_lists)
    result = CliRunner().invoke(main, ["report", str(small.folder)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "督导检查专报.xlsx")[
        "专报"
    ]
    header = [c.value for c in ws[3]]
    rows = {
        r[0]: dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=4, values_only=True)
        if r[0]
    }
    u01 = rows["区发展和改革局"]
    # 1 of 3 items missing (T2's plan and rules) → 黄; targets have numbers, chain complete → 绿;
    # T1 behind pace → 黄; 1 of 2 ranking targets missed → 红; an overdue open problem → 红
    assert [
        u01[c] for c in ("体系建设", "目标量化", "过程管理", "工作成效", "问题整改")
    ] == ["黄", "绿", "黄", "红", "红"]
    assert u01["总体"] == "红"
    assert (
        "T2缺工作方案、配套制度" in u01["主要问题"]
        and "1/2 项达到目标位次；未达到：招商引资" in u01["主要问题"]
    )
    # 永安街道办事处 sent nothing: not checked, red overall, ONE finding (not five)
    u03 = rows["永安街道办事处"]
    assert (u03["总体"], u03["体系建设"], u03["问题整改"]) == ("红", "未检查", "未检查")
    assert u03["主要问题"] == "未报送填报表，五项检查均无法进行"
    book = openpyxl.load_workbook(
        small.folder / "output" / "2022Q3" / "督导检查专报.xlsx"
    )
    findings = [
        r for r in book["发现问题清单"].iter_rows(min_row=4, values_only=True) if r[0]
    ]
    assert findings[0][2] == "红"
    assert [f[1:] for f in findings if f[0] == "永安街道办事处"] == [
        ("报送情况", "红", "未报送填报表，五项检查均无法进行")
    ]
    # red first, then in the master's order (U01 before U02 before U03), not by name
    reds = [f[0] for f in findings if f[2] == "红"]
    assert (
        reds.index("区发展和改革局") < reds.index("长青乡") < reds.index("永安街道办事处")
    )
