"""督导检查专报.xlsx: one row per unit with the five checks and their lights, the detail of
each check, and the list of findings to hand to the leaders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.compute.five_checks import CHECKS, RETURN_CHECK
from siyi_xlsx.read.master import period_range
from siyi_xlsx.write.ledger import frame_for, write_frame
from siyi_xlsx.write.xlsx import (
    Formats,
    as_of_workbook,
    document_number,
    write_key_values,
    write_signature,
)

REPORT_FILE = "督导检查专报.xlsx"
LIGHT_FILL = {"红": "red", "黄": "amber", "绿": "green"}
DEFINITIONS = [
    (
        "查体系建设",
        "“1+4+N”是否齐全：每项任务有工作方案、配套制度，责任书“四级包保”已填，推进表节点状态已填，考评册已签字确认。",
    ),
    (
        "查目标量化",
        "量化目标是否含具体数字；战线领导、牵头部门一把手、分管领导、具体负责人及电话是否齐全。",
    ),
    ("查过程管理", "对照序时进度：滞后、严重滞后的任务及最大落后百分点。"),
    ("查工作成效", "创先晋位工作清单中已有实际位次的指标是否达到目标位次。"),
    ("查问题整改", "问题清单整改销号情况、逾期未整改的问题、攻坚破难计划是否启动。"),
    (
        "亮灯",
        "绿：通过；黄：部分未达到；红：半数以上未达到、有严重滞后或逾期未整改问题，或未报送。"
        "没有可采用填报表的单位（未报送，或报送的文件未被采用）五项检查都不进行（显示“未检查”），总体亮红灯，发现问题清单中只列一条。",
    ),
]


def _finding_columns(finding_title: str) -> list[tuple[str, str, float, str]]:
    """单位 | 检查项 | 亮灯 | finding — the layout of both the detail and the findings sheets."""
    return [
        ("name", "单位", 22, "text"),
        ("check", "检查项", 10, "text"),
        ("light", "亮灯", 6, "light"),
        ("finding", finding_title, 90, "text"),
    ]


def write_supervision_report(path: Path, result: Analysis, units: list[Any]) -> Path:
    """督导检查专报.xlsx: the five checks of every lead unit, the findings, the rules."""
    s = result.campaign.settings
    with as_of_workbook(path, s.as_of) as book:
        fmt = Formats(book)
        _write_overview(book, fmt, s, units)
        detail = [
            {
                "name": u.name,
                "check": c,
                "light": u.results[c][0],
                "finding": u.results[c][1],
            }
            if not u.missing
            else {
                "name": u.name,
                "check": RETURN_CHECK,
                "light": "红",
                "finding": u.missing,
            }
            for u in units
            for c in (CHECKS if not u.missing else CHECKS[:1])
        ]
        write_frame(
            book.add_worksheet("检查明细"),
            fmt,
            frame_for(detail, _finding_columns("检查结果")),
            _finding_columns("检查结果"),
            title="五项检查明细",
            note="每个单位每项检查一行；没有可采用填报表的单位不作检查，只列一行“报送情况”。",
            freeze_cols=1,
        )
        findings = [d for d in detail if d["light"] != "绿"]
        findings += _visit_findings(result.visits, s.period)
        findings += _order_findings(result.orders)
        order = {u.name: i for i, u in enumerate(result.campaign.units.values())}
        findings.sort(
            key=lambda d: (d["light"] != "红", order.get(d["name"], len(order)))
        )
        write_frame(
            book.add_worksheet("发现问题清单"),
            fmt,
            frame_for(findings, _finding_columns("问题")),
            _finding_columns("问题"),
            title="督导检查发现的问题（报领导小组）",
            note="红灯在前，同色按任务总表的单位顺序；未报送的单位每个只列一条。",
        )
        write_key_values(book.add_worksheet("说明"), fmt, DEFINITIONS, widths=(14, 100))
    return path


def _write_overview(book: Any, fmt: Formats, s: Any, units: list[Any]) -> None:
    """专报: one row per unit, red first, with its overall light, the light of each check
    and the main findings."""
    rows = []
    # units come in the master's order; red first, then amber, then green
    for u in sorted(units, key=lambda u: {"红": 0, "黄": 1, "绿": 2}[u.worst]):
        row = {"name": u.name, "overall": u.worst}
        row.update({c: u.results[c][0] for c in CHECKS})
        row["findings"] = u.missing or "；".join(
            f"{c}：{u.results[c][1]}" for c in CHECKS if u.results[c][0] != "绿"
        )
        rows.append(row)
    columns = (
        [("name", "单位", 22, "text"), ("overall", "总体", 6, "light")]
        + [(c, c, 9, "light") for c in CHECKS]
        + [("findings", "主要问题", 80, "text")]
    )
    counts = pd.Series([u.worst for u in units]).value_counts().to_dict() if units else {}
    unchecked = sum(1 for u in units if u.missing)
    ws = book.add_worksheet("专报")
    end = write_frame(
        ws,
        fmt,
        frame_for(rows, columns),
        columns,
        title=f"{s.year}年重点工作督导检查专报（{s.period}，数据截至 {s.as_of.isoformat()}）",
        note=f"共 {len(units)} 个牵头单位"
        + (
            f"（其中 {unchecked} 个没有可采用的填报表，未作检查，亮红灯）"
            if unchecked
            else ""
        )
        + f"：红灯 {counts.get('红', 0)} 个、黄灯 {counts.get('黄', 0)} 个、绿灯 {counts.get('绿', 0)} 个。五项检查的标准见“说明”。",
        freeze_cols=1,
        print_cols=len(columns),
    )
    document_number(ws, s.year)
    write_signature(ws, fmt, end, len(columns) - 1, print_cols=len(columns))


def _visit_findings(visits: list[dict[str, Any]], period: str) -> list[dict[str, Any]]:
    """The findings of this period's site visits: red when rated 差 or 一般, otherwise
    yellow; a good visit with nothing to fix is left out."""
    findings = []
    start, end = period_range(period) or (dt.date.min, dt.date.max)
    for visit in visits:
        if not start.isoformat() <= str(visit["date"])[:10] <= end.isoformat():
            continue  # visits of other periods belong to their own reports
        if visit.get("rating") in ("好", "较好") and not visit.get("requirement"):
            continue  # a good visit with nothing to fix is not a finding
        light = "红" if visit.get("rating") in ("差", "一般") else "黄"
        note = f"；整改要求：{visit['requirement']}" if visit.get("requirement") else ""
        findings.append(
            {
                "name": visit["unit"],
                "check": f"{visit['method']}（{visit['date']}）",
                "light": light,
                "finding": visit["findings"] + note,
            }
        )
    return findings


def _order_findings(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A red finding for every 督办单 past its deadline."""
    return [
        {
            "name": order["unit"],
            "check": f"督办单{order['order_id']}",
            "light": "红",
            "finding": f"{order['matter']}：已过完成时限 {order['deadline']}，{order['answered']}",
        }
        for order in orders
        if order["overdue"]
    ]
