"""The leaders' overview of a period: the headline figures, the open problems and the
most urgent tasks that 领导汇总.xlsx (一页汇总) and 领导看板.html both show.

Both outputs take their numbers from here so that they cannot disagree (a test reads the
workbook's cells and compares them with the page)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from siyi_xlsx.statuses import ReturnStatus, TaskStatus

# the order in which late tasks come: 严重滞后 first
SEVERITY = {TaskStatus.SERIOUS: 0, TaskStatus.BEHIND: 1}
# the tiles drawn in red when their figure is not zero
ALARM_FIGURES = ("严重滞后", "逾期问题")
RATE_LABEL = "正常推进率"
# what the tiles count, said wherever they are shown (README, 汇总台账's 说明, the page)
TILE_RULE = (
    "“已完成”= 全部节点已完成的任务 + 已销号（办公室已审核关闭）的任务；"
    "单位申请销号、待办公室审核的任务单列为“申请销号”，不计入“已完成”。"
    "重点任务数 = 已完成 + 申请销号 + 正常推进 + 未开始 + 滞后 + 严重滞后 + 未报送。"
)
DONE_RULE = TILE_RULE  # the page's name for it


def open_problems(problems: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The problems not yet rectified (已整改), and those of them past their deadline."""
    problems = problems if problems is not None else pd.DataFrame()
    still_open = (
        problems[problems["status"] != "已整改"] if not problems.empty else problems
    )
    overdue = (
        still_open[still_open["overdue"] == "逾期"]
        if not still_open.empty
        else still_open
    )
    return still_open, overdue


def urgent_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    """The late tasks (滞后, 严重滞后), 严重滞后 first, then by the days overdue (the
    tasks of units without a usable file are 未报送, not judged, and not listed)."""
    if tasks.empty:
        return tasks
    late = tasks[tasks["status"].isin(SEVERITY)]
    return late.assign(_s=late["status"].map(SEVERITY)).sort_values(
        ["_s", "max_overdue_days", "task_id"], ascending=[True, False, True]
    )


def status_tally(tasks: pd.DataFrame) -> dict[str, int]:
    """How many tasks have each status."""
    if tasks.empty:
        return {}
    return {str(k): int(v) for k, v in tasks["status"].value_counts().items()}


def headline_figures(
    tasks: pd.DataFrame, n_open: int, n_overdue: int, n_soon: int
) -> list[tuple[str, int]]:
    """The tiles of 一页汇总, in order: (label, figure). 已完成 counts the tasks done
    and closed off (已销号); those applying for close-off (申请销号) await the office's
    review and have their own tile: TILE_RULE."""
    counts = status_tally(tasks)
    return [
        ("重点任务", len(tasks)),
        ("已完成", counts.get(TaskStatus.DONE, 0) + counts.get(TaskStatus.CLOSED, 0)),
        ("申请销号", counts.get(TaskStatus.CLOSING, 0)),
        ("正常推进", counts.get(TaskStatus.ON_PACE, 0)),
        ("未开始", counts.get(TaskStatus.NOT_STARTED, 0)),
        ("滞后", counts.get(TaskStatus.BEHIND, 0)),
        ("严重滞后", counts.get(TaskStatus.SERIOUS, 0)),
        ("未报送", counts.get(TaskStatus.NO_RETURN, 0)),
        ("临期节点", n_soon),
        ("未整改问题", n_open),
        ("逾期问题", n_overdue),
    ]


def on_track_rate(tasks: pd.DataFrame) -> str:
    """正常推进率 of all tasks as shown on a tile (``85.7%``), over the reported tasks
    (not 未报送, not 已销号); ``—`` when none is reported (see progress.RATE_RULE)."""
    counts = status_tally(tasks)
    reported = (
        len(tasks)
        - counts.get(TaskStatus.NO_RETURN, 0)
        - counts.get(TaskStatus.CLOSED, 0)
    )
    late = counts.get(TaskStatus.BEHIND, 0) + counts.get(TaskStatus.SERIOUS, 0)
    return f"{round(100 * (reported - late) / reported, 1):g}%" if reported else "—"


def unreported_units(returns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The units due to report whose data this period does not use: 未报送 (nothing
    sent) and 文件未采用 (sent back without a usable file), in the master's order."""
    out = []
    for row in returns:
        if row["status"] == ReturnStatus.MISSING:
            out.append({**row, "why": "未报送"})
        elif row["status"] == ReturnStatus.SENT_BACK and not row["file"]:
            out.append({**row, "why": "文件未采用"})
    return out
