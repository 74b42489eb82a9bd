"""通报_<期次>.xlsx: the standings, praise, criticism and 诫勉谈话 proposals; the annual 晒单."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx.compute.bulletin import Rules
from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.period import period_end
from siyi_xlsx.write.ledger import write_frame
from siyi_xlsx.write.xlsx import Formats, atomic_workbook


def write_bulletin(
    path: Path,
    campaign: Any,
    period: str,
    chosen: PeriodTables,
    table: pd.DataFrame,
    rules: Rules,
) -> None:
    s = campaign.settings
    yearly = len(period) == 4
    # a bulletin asked for before its period has ended says it is an interim result
    unfinished = (
        "（期间尚未结束，为阶段性结果）"
        if (period_end(period) or dt.date.min) > dt.date.fromisoformat(chosen.as_of[:10])
        else ""
    )
    kind = (
        "年度晒单"
        if yearly
        else "半年通报"
        if "H" in period
        else "季度通报"
        if "Q" in period
        else "月度通报"
    )
    with atomic_workbook(path, created=dt.datetime.combine(s.as_of, dt.time())) as book:
        fmt = Formats(book)
        columns = [
            ("rank", "排名", 6, "num"),
            ("unit", "单位", 22, "text"),
            ("tasks", "任务", 6, "num"),
            ("done", "已完成", 7, "num"),
            ("on_pace", "正常推进", 8, "num"),
            ("behind", "滞后", 6, "num"),
            ("serious", "严重滞后", 8, "num"),
            ("overdue", "逾期问题", 8, "num"),
            ("rate", "正常推进率(%)", 10, "num"),
            ("light", "亮灯", 6, "light"),
            ("change", "较上期", 7, "text"),
            ("verdict", "表扬/批评", 9, "text"),
        ]
        write_frame(
            book.add_worksheet("通报"),
            fmt,
            table,
            columns,
            title=f"{s.year}年重点工作{kind}（{period}，数据截至 {chosen.as_of}）{unfinished}",
            note=f"按正常推进率排名（相同时按完成率）；较上期：名次变化。表扬：无滞后和逾期问题且完成率≥{rules.praise_done_pct:g}%；批评：严重滞后≥{rules.criticise_serious} 项或逾期问题≥{rules.criticise_overdue} 个。",
        )
        praise = table[table["verdict"] == "表扬"]
        write_frame(
            book.add_worksheet("表扬"),
            fmt,
            praise,
            [
                ("rank", "排名", 6, "num"),
                ("unit", "单位", 24, "text"),
                ("reason", "表扬理由", 50, "text"),
            ],
            title=f"{kind}表扬名单",
            note="按排名。",
        )
        criticise = table[table["verdict"] == "批评"]
        write_frame(
            book.add_worksheet("批评"),
            fmt,
            criticise,
            [
                ("rank", "排名", 6, "num"),
                ("unit", "单位", 24, "text"),
                ("reason", "批评理由", 40, "text"),
                ("warn", "诫勉谈话建议", 40, "text"),
            ],
            title=f"{kind}批评名单",
            note=f"连续 {rules.warn_after} 期被批评的，提出诫勉谈话建议。",
        )
        if yearly and not chosen.tasks.empty:
            for unit, group in chosen.tasks.groupby("lead_unit"):
                ws = book.add_worksheet(re.sub(r"[\\[\\]:*?/\\\\]", "", unit)[:31])
                write_frame(
                    ws,
                    fmt,
                    group,
                    [
                        ("task_id", "任务编号", 9, "text"),
                        ("title", "重点工作", 34, "text"),
                        ("target", "量化目标", 30, "text"),
                        ("status", "状态", 9, "status"),
                        ("reported_pct", "进度(%)", 8, "num"),
                        ("status_text", "进展情况", 40, "text"),
                    ],
                    title=f"{unit} {s.year}年重点工作晒单",
                    note="本单位牵头的每项重点工作及完成情况。",
                )


BULLETIN_FILE = "通报_{period}.xlsx"
