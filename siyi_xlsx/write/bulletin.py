"""通报_<期次>.xlsx: the standings, praise, criticism and 诫勉谈话 proposals; the annual 晒单."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx.compute.bulletin import Rules
from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.compute.progress import RATE_RULE, master_rank
from siyi_xlsx.period import period_end
from siyi_xlsx.write import naming
from siyi_xlsx.write.ledger import write_frame
from siyi_xlsx.write.xlsx import (
    Formats,
    as_of_workbook,
    document_number,
    write_signature,
)

STANDINGS_COLUMNS: list[tuple[str, str, float, str]] = [
    ("rank", "排名", 6, "num"),
    ("unit", "单位", 22, "text"),
    ("tasks", "任务", 6, "num"),
    ("done", "已完成", 7, "num"),
    ("on_pace", "正常推进", 8, "num"),
    ("behind", "滞后", 6, "num"),
    ("serious", "严重滞后", 8, "num"),
    ("no_return", "未报送", 7, "num"),
    ("overdue", "逾期问题", 8, "num"),
    ("rate", "正常推进率(%)", 10, "num"),
    ("light", "亮灯", 6, "light"),
    ("change", "较上期", 7, "text"),
    ("verdict", "表扬/批评", 9, "text"),
]
PRAISE_COLUMNS: list[tuple[str, str, float, str]] = [
    ("rank", "排名", 6, "num"),
    ("unit", "单位", 24, "text"),
    ("reason", "表扬理由", 50, "text"),
]
CRITICISM_COLUMNS: list[tuple[str, str, float, str]] = [
    ("rank", "排名", 6, "num"),
    ("unit", "单位", 24, "text"),
    ("reason", "批评理由", 40, "text"),
    ("warn", "诫勉谈话建议", 40, "text"),
]
SHOWCASE_COLUMNS: list[tuple[str, str, float, str]] = [
    ("task_id", "任务编号", 9, "text"),
    ("title", "重点工作", 34, "text"),
    ("target", "量化目标", 30, "text"),
    ("status", "状态", 9, "status"),
    ("reported_pct", "进度(%)", 8, "num"),
    ("status_text", "进展情况", 40, "text"),
]


def write_bulletin(
    path: Path,
    campaign: Any,
    period: str,
    chosen: PeriodTables,
    table: pd.DataFrame,
    rules: Rules,
) -> None:
    """Write 通报_<期次>.xlsx: the standings, the praise and criticism lists and, for a
    year, one 晒单 sheet per lead unit."""
    s = campaign.settings
    kind = _bulletin_kind(period)
    interim = _interim(period, chosen)
    with as_of_workbook(path, s.as_of) as book:
        fmt = Formats(book)
        main = book.add_worksheet("通报")
        end = write_frame(
            main,
            fmt,
            table,
            STANDINGS_COLUMNS,
            title=f"{s.year}年重点工作{kind}（{period}，数据截至 {chosen.as_of}）{interim}",
            note=f"按正常推进率排名（相同时按完成率，再按任务总表的单位顺序）；正常推进率 = {RATE_RULE}未报送的单位亮灰灯。较上期：名次变化。表扬：无滞后和逾期问题且完成率≥{rules.praise_done_pct:g}%；批评：严重滞后≥{rules.criticise_serious} 项或逾期问题≥{rules.criticise_overdue} 个。",
        )
        document_number(main, s.year)
        write_signature(main, fmt, end, len(STANDINGS_COLUMNS) - 1)
        _write_verdicts(book, fmt, table, kind, rules)
        if len(period) == 4 and not chosen.tasks.empty:
            _write_showcase(book, fmt, s.year, chosen.tasks, master_rank(campaign))


def _bulletin_kind(period: str) -> str:
    """What the bulletin of ``period`` is called: 年度晒单, 半年/季度/月度通报."""
    if len(period) == 4:
        return "年度晒单"
    if "H" in period:
        return "半年通报"
    if "Q" in period:
        return "季度通报"
    return "月度通报"


def _interim(period: str, chosen: PeriodTables) -> str:
    """The title's remark when the bulletin is asked for before its period has ended:
    it is an interim result."""
    ended = (period_end(period) or dt.date.min) <= dt.date.fromisoformat(
        chosen.as_of[:10]
    )
    return "" if ended else "（期间尚未结束，为阶段性结果）"


def _write_verdicts(
    book: Any, fmt: Formats, table: pd.DataFrame, kind: str, rules: Rules
) -> None:
    """表扬 and 批评: the units praised and criticised, the latter with the 诫勉谈话
    proposals."""
    write_frame(
        book.add_worksheet("表扬"),
        fmt,
        _with(table, "表扬"),
        PRAISE_COLUMNS,
        title=f"{kind}表扬名单",
        note="按排名。",
    )
    write_frame(
        book.add_worksheet("批评"),
        fmt,
        _with(table, "批评"),
        CRITICISM_COLUMNS,
        title=f"{kind}批评名单",
        note=f"连续 {rules.warn_after} 期被批评的，提出诫勉谈话建议。",
    )


def _write_showcase(
    book: Any, fmt: Formats, year: int, tasks: pd.DataFrame, order: dict[str, int]
) -> None:
    """The annual 晒单: one sheet per lead unit, in the master's order, with each of its
    tasks and their state."""
    groups = sorted(
        tasks.groupby("lead_unit"), key=lambda g: (order.get(g[0], len(order)), g[0])
    )
    taken = {ws.get_name() for ws in book.worksheets()}  # 通报, 表扬, 批评
    for unit, group in groups:
        ws = book.add_worksheet(naming.sheet_name(unit, taken))
        write_frame(
            ws,
            fmt,
            group,
            SHOWCASE_COLUMNS,
            title=f"{unit} {year}年重点工作晒单",
            note="本单位牵头的每项重点工作及完成情况。",
        )


BULLETIN_FILE = "通报_{period}.xlsx"


def _with(table: pd.DataFrame, verdict: str) -> pd.DataFrame:
    """The rows praised or criticised (none when nothing was ranked at all)."""
    return table[table["verdict"] == verdict] if "verdict" in table else table.iloc[0:0]
