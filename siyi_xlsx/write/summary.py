"""领导汇总.xlsx: the first sheet a leader understands in one minute (headline figures,
charts, the ten most urgent items; one A4 page), then drill-down sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx.compute.overview import (
    ALARM_FIGURES,
    RATE_LABEL,
    headline_figures,
    on_track_rate,
    urgent_tasks,
)
from siyi_xlsx.compute.overview import open_problems as unresolved
from siyi_xlsx.compute.progress import RATE_RULE, STATUS_ORDER, status_counts
from siyi_xlsx.statuses import ReturnStatus, TaskStatus
from siyi_xlsx.write.ledger import status_count_columns, write_frame
from siyi_xlsx.write.xlsx import Formats, as_of_workbook, text_height

SUMMARY_FILE = "领导汇总.xlsx"
CHART_COLORS = {
    "严重滞后": "#C00000",
    "滞后": "#FFC000",
    "未报送": "#BFBFBF",
    "正常推进": "#70AD47",
    "未开始": "#A9D08E",
    "已完成": "#4472C4",
    "申请销号": "#5B9BD5",
    "已销号": "#2F5597",
}
# the front page's status charts name every bar: LibreOffice drops every other name
# when they do not fit (at 300 px with the legend: 9 names at 8 pt fit, 10 do not), so
# at most this many areas or leaders, the rest in their sheets
MAX_FRONT_BARS = 9
MAX_NAMES = 12  # units named in the front page's 报送情况 line, then “等”


def unit_ranking(
    tasks: pd.DataFrame, order: dict[str, int] | None = None
) -> pd.DataFrame:
    """Lead units ranked by their on-track rate (正常推进率: the share of their reported
    tasks not 滞后 or 严重滞后); a tie, and the units without any reported task (not
    ranked, last), follow the master's order (``order``: unit name -> place)."""
    columns = ["rank", "lead_unit", "tasks", "on_track", "behind", "serious"]
    columns += ["no_return", "rate"]
    if tasks.empty:
        return pd.DataFrame(columns=columns)
    status = tasks["status"]
    frame = tasks.assign(
        behind=status == TaskStatus.BEHIND,
        serious=status == TaskStatus.SERIOUS,
        no_return=status == TaskStatus.NO_RETURN,
        closed=status == TaskStatus.CLOSED,
    )
    table = (
        frame.groupby("lead_unit")
        .agg(
            tasks=("task_id", "count"),
            behind=("behind", "sum"),
            serious=("serious", "sum"),
            no_return=("no_return", "sum"),
            closed=("closed", "sum"),
        )
        .reset_index()
    )
    # 已销号: closed off by the office, no longer this period's work (RATE_RULE)
    reported = table["tasks"] - table["no_return"] - table["closed"]
    table["on_track"] = reported - table["behind"] - table["serious"]
    table["rate"] = (100 * table["on_track"] / reported.where(reported > 0)).round(1)
    order = order or {}
    table["_master"] = table["lead_unit"].map(lambda n: order.get(n, len(order)))
    table = table.sort_values(
        ["rate", "serious", "_master", "lead_unit"],
        ascending=[False, True, True, True],
        na_position="last",
    )
    table["rank"] = table["rate"].rank(method="min", ascending=False).astype("Int64")
    return table[columns].reset_index(drop=True)


def return_line(returns: list[dict[str, Any]], tasks: pd.DataFrame) -> str:
    """报送情况 in one line for the front page: who has reported, who has not (named),
    whose files could not be used, and how the 未报送 tasks are counted."""
    due = [r for r in returns if r["status"] != ReturnStatus.NOT_DUE]
    missing = [r["name"] for r in due if r["status"] == ReturnStatus.MISSING]
    unusable = [
        r["name"] for r in due if r["status"] == ReturnStatus.SENT_BACK and not r["file"]
    ]
    sent_back = sum(1 for r in due if r["status"] == ReturnStatus.SENT_BACK and r["file"])
    used = len(due) - len(missing) - len(unusable)

    def names(items: list[str]) -> str:
        shown = "、".join(items[:MAX_NAMES])
        return shown + (f" 等 {len(items)} 个" if len(items) > MAX_NAMES else "")

    parts = [
        f"报送情况：已报送 {used}/{len(due)} 个单位"
        + (f"（其中 {sent_back} 个有错误已退回修改）" if sent_back else "")
    ]
    if missing:
        parts.append(f"未报送 {len(missing)} 个：{names(missing)}")
    if unusable:
        parts.append(f"文件未采用 {len(unusable)} 个：{names(unusable)}")
    text = "；".join(parts) + "。"
    n = int((tasks["status"] == TaskStatus.NO_RETURN).sum()) if not tasks.empty else 0
    if n:
        text += f"这些单位牵头的 {n} 项任务显示为“未报送”（灰灯），不作判定，不计入正常推进率。"
    closed = int((tasks["status"] == TaskStatus.CLOSED).sum()) if not tasks.empty else 0
    if closed:  # so that the rate recomputes from the tiles (RATE_RULE)
        text += f"“已完成”中含已销号 {closed} 项（办公室已审核关闭），不计入正常推进率。"
    return text


def due_soon(result: Any, tasks: pd.DataFrame) -> pd.DataFrame:
    """近期到期节点: the milestones not done due within 临期提醒天数 after the as-of
    date, soonest first, then in the master's order of units."""
    milestones = result.milestones
    columns = [c[0] for c in DUE_SOON_COLUMNS]
    if milestones is None or milestones.empty or "due_soon" not in milestones:
        return pd.DataFrame(columns=columns)
    soon = milestones[milestones["due_soon"] != ""]
    if soon.empty:
        return pd.DataFrame(columns=columns)
    as_of = result.campaign.settings.as_of
    leaders = dict(zip(tasks["task_id"], tasks["front_leader"], strict=True))
    order = {u.name: i for i, u in enumerate(result.campaign.units.values())}
    frame = soon.assign(
        days_left=[(d - as_of).days for d in soon["planned_date"]],
        front_leader=soon["task_id"].map(leaders),
        _master=soon["lead_unit"].map(lambda n: order.get(n, len(order))),
    )
    return frame.sort_values(["planned_date", "_master", "task_id", "seq"])[columns]


def trend(result: Any, tasks: pd.DataFrame) -> pd.DataFrame:
    """Task counts by status for every earlier period and this one, oldest first."""
    rows = []
    for period in result.previous:
        counts = (
            period.tasks["status"].value_counts().to_dict()
            if not period.tasks.empty
            else {}
        )
        rows.append(
            {"period": period.period, **{k: int(counts.get(k, 0)) for k in STATUS_ORDER}}
        )
    counts = tasks["status"].value_counts().to_dict() if not tasks.empty else {}
    rows.append(
        {
            "period": result.campaign.settings.period,
            **{k: int(counts.get(k, 0)) for k in STATUS_ORDER},
        }
    )
    return pd.DataFrame(rows, columns=["period", *STATUS_ORDER])


PROBLEM_COLUMNS: list[tuple[str, str, float, str]] = [
    ("id", "问题编号", 16, "text"),
    ("unit", "单位", 16, "text"),
    ("task_id", "任务", 8, "text"),
    ("description", "问题描述", 30, "text"),
    ("category", "类别", 9, "text"),
    ("status", "整改状态", 9, "text"),
    ("deadline", "整改时限", 11, "text"),
    ("overdue", "逾期", 6, "text"),
    ("repeat", "重复再犯", 9, "text"),
    ("origin", "来源", 18, "text"),
]
ERROR_BOOK_COLUMNS: list[tuple[str, str, float, str]] = [
    ("id", "问题编号", 16, "text"),
    ("unit", "单位", 16, "text"),
    ("description", "问题描述", 28, "text"),
    ("category", "类别", 9, "text"),
    ("cause", "原因分析", 24, "text"),
    ("measure", "整改措施", 24, "text"),
    ("lesson", "举一反三措施", 24, "text"),
    ("closed_on", "销号日期", 11, "text"),
    ("closed_period", "销号期次", 9, "text"),
    ("recheck", "复查结果", 14, "text"),
]
ORDER_COLUMNS: list[tuple[str, str, float, str]] = [
    ("order_id", "督办编号", 10, "text"),
    ("unit", "承办单位", 18, "text"),
    ("task_id", "任务", 8, "text"),
    ("matter", "督办事项", 30, "text"),
    ("deadline", "完成时限", 11, "text"),
    ("status", "办理状态", 9, "text"),
    ("answered", "反馈", 8, "text"),
    ("fb_result", "单位反馈结果", 11, "text"),
    ("fb_progress", "办理情况", 36, "text"),
    ("overdue", "逾期", 6, "text"),
]
VISIT_COLUMNS: list[tuple[str, str, float, str]] = [
    ("date", "检查日期", 11, "text"),
    ("unit", "被查单位", 18, "text"),
    ("task_id", "任务", 8, "text"),
    ("method", "方式", 10, "text"),
    ("inspectors", "检查人员", 14, "text"),
    ("findings", "发现问题", 40, "text"),
    ("rating", "评价", 6, "text"),
    ("requirement", "整改要求", 30, "text"),
]
URGENT_COLUMNS: list[tuple[str, str, float, str]] = [
    ("task_id", "任务编号", 9, "text"),
    ("title", "重点工作", 30, "text"),
    ("lead_unit", "牵头单位", 16, "text"),
    ("front_leader", "战线领导", 9, "text"),
    ("status", "状态", 9, "status"),
    ("max_overdue_days", "最长逾期天数", 9, "num"),
    ("reason", "判定依据", 50, "text"),
]
RANKING_COLUMNS: list[tuple[str, str, float, str]] = [
    ("rank", "排名", 6, "num"),
    ("lead_unit", "牵头单位", 24, "text"),
    ("tasks", "牵头任务", 8, "num"),
    ("on_track", "正常或完成", 10, "num"),
    ("behind", "滞后", 7, "num"),
    ("serious", "严重滞后", 8, "num"),
    ("no_return", "未报送", 7, "num"),
    ("rate", "正常推进率(%)", 12, "num"),
]
RATE_COLUMN = 7  # where 正常推进率 is in RANKING_COLUMNS (the ranking chart reads it)
DUE_SOON_COLUMNS: list[tuple[str, str, float, str]] = [
    ("planned_date", "计划完成日期", 12, "date"),
    ("days_left", "距数据截止日(天)", 9, "num"),
    ("task_id", "任务编号", 9, "text"),
    ("title", "重点工作", 28, "text"),
    ("lead_unit", "牵头单位", 16, "text"),
    ("front_leader", "战线领导", 9, "text"),
    ("seq", "节点序号", 7, "num"),
    ("content", "节点内容", 28, "text"),
    ("state", "节点状态", 12, "text"),
]
# the 一页汇总 sheet: columns A–L, the ten most urgent items from this row down
FRONT_LAST_COL = 11
URGENT_ROW = 39


def write_summary(path: Path, result: Any, tasks: pd.DataFrame) -> None:
    """Write 领导汇总.xlsx: the one-page front sheet, then the drill-down sheets its
    charts and figures come from."""
    s = result.campaign.settings
    open_problems, overdue_problems = unresolved(result.problems)
    with as_of_workbook(path, s.as_of) as book:
        fmt = Formats(book)
        front = book.add_worksheet("一页汇总")
        urgent = urgent_tasks(tasks)
        # drill-down sheets first in the file's data, so the charts can point at them
        by_area = status_counts(tasks, "area")
        by_leader = status_counts(tasks, "front_leader", tuple(result.campaign.leaders))
        order = {u.name: i for i, u in enumerate(result.campaign.units.values())}
        ranking = unit_ranking(tasks, order)
        history = trend(result, tasks)
        soon = due_soon(result, tasks)
        _front(
            book,
            front,
            fmt,
            s,
            tasks,
            open_problems,
            overdue_problems,
            urgent,
            len(by_area),
            len(by_leader),
            len(history),
            int(ranking["rank"].notna().sum()),
            return_line(result.returns, tasks),
            len(soon),
        )
        _table(
            book,
            fmt,
            "按重点领域",
            by_area.rename(columns={"area": "重点领域"}),
            "重点领域",
            "各重点领域的任务状态",
        )
        _table(
            book,
            fmt,
            "按战线领导",
            by_leader.rename(columns={"front_leader": "战线领导"}),
            "战线领导",
            "各战线领导分管任务的状态",
        )
        _drill_down_sheets(
            book, fmt, result, ranking, history, urgent, soon, open_problems
        )


def _drill_down_sheets(
    book: Any,
    fmt: Formats,
    result: Any,
    ranking: pd.DataFrame,
    history: pd.DataFrame,
    urgent: pd.DataFrame,
    soon: pd.DataFrame,
    open_problems: pd.DataFrame,
) -> None:
    """The sheets after the front page and the two status count tables: ranking, trend,
    urgent items, milestones due soon, open problems, 督办单, visits and the 错题本."""
    s = result.campaign.settings
    write_frame(
        book.add_worksheet("单位排名"),
        fmt,
        ranking,
        RANKING_COLUMNS,
        title="牵头单位按正常推进率排名",
        note=f"正常推进率 = {RATE_RULE}同率的按任务总表的单位顺序。",
    )
    write_frame(
        book.add_worksheet("趋势"),
        fmt,
        history,
        [("period", "期次", 10, "text"), *((k, k, 10, "num") for k in STATUS_ORDER)],
        title="各期任务状态",
        note="来自 history/ 中各期的运行记录和本期结果。",
    )
    write_frame(
        book.add_worksheet("紧急事项"),
        fmt,
        urgent,
        URGENT_COLUMNS,
        title="滞后和严重滞后的任务",
        note="按严重程度和逾期天数排列。未报送单位的任务不作判定，不在此列，见“一页汇总”的报送情况和汇总台账。",
    )
    write_frame(
        book.add_worksheet("近期到期节点"),
        fmt,
        soon,
        DUE_SOON_COLUMNS,
        title=f"近期到期节点（数据截止日期后 {s.warn_days} 天内）",
        note=(
            f"尚未完成、计划完成日期在 {s.as_of.isoformat()} 之后 {s.warn_days} 天内（含第 {s.warn_days} 天）的节点，"
            "按到期先后排列；节点状态为“未报送”的，牵头单位本期没有可采用的填报表，完成情况不明。"
        )
        if s.warn_days > 0
        else "临期提醒天数为 0，不作临期提醒。",
    )
    write_frame(
        book.add_worksheet("未整改问题"),
        fmt,
        open_problems,
        PROBLEM_COLUMNS,
        title="未整改的问题",
        note="各单位问题清单中未整改销号的问题，含上期延续未报的。",
    )
    _supervision_sheets(book, fmt, result)


def _supervision_sheets(book: Any, fmt: Formats, result: Any) -> None:
    """督办单, 现场检查 and 错题本: what the supervision side keeps and follows up."""
    write_frame(
        book.add_worksheet("督办单"),
        fmt,
        pd.DataFrame(result.orders),
        ORDER_COLUMNS,
        title="督办单办理情况",
        note="来自督导检查.xlsx 的督办单，以及承办单位在填报表督办单页的反馈。",
    )
    write_frame(
        book.add_worksheet("现场检查"),
        fmt,
        pd.DataFrame(result.visits),
        VISIT_COLUMNS,
        title="现场检查记录（四不两直）",
        note="来自督导检查.xlsx。",
    )
    write_frame(
        book.add_worksheet("错题本"),
        fmt,
        result.error_book if result.error_book is not None else pd.DataFrame(),
        ERROR_BOOK_COLUMNS,
        title="错题本",
        note="已整改销号的问题及其原因、措施和举一反三，供各单位对照，避免重复再犯；复查结果由督导检查组填写。",
    )


def _table(
    book: Any, fmt: Formats, name: str, frame: pd.DataFrame, label: str, title: str
) -> None:
    """A status count table on its own sheet, with the total in the last row."""
    write_frame(
        book.add_worksheet(name),
        fmt,
        frame,
        status_count_columns(label, 22, 9),
        title=title,
        note="最后一行为合计。",
    )


def _front(
    book: Any,
    ws: Any,
    fmt: Formats,
    s: Any,
    tasks: pd.DataFrame,
    open_problems: pd.DataFrame,
    overdue: pd.DataFrame,
    urgent: pd.DataFrame,
    n_area: int,
    n_leader: int,
    n_periods: int,
    n_units: int,
    returns_text: str,
    n_soon: int,
) -> None:
    """一页汇总: the headline figures, 报送情况, four charts and the ten most urgent items
    on one landscape A4 page. ``n_*`` are the row counts of the sheets the charts draw
    from (``n_units``: the ranked units)."""
    ws.set_column(0, FRONT_LAST_COL, 11.5)
    ws.merge_range(
        0,
        0,
        0,
        FRONT_LAST_COL,
        f"{s.year}年重点工作推进情况（{s.period}，数据截止 {s.as_of.isoformat()}）",
        fmt.title,
    )
    ws.set_row(0, 30)
    _headline_figures(book, ws, fmt, tasks, len(open_problems), len(overdue), n_soon)
    ws.merge_range(4, 0, 4, FRONT_LAST_COL, returns_text, fmt.plain)
    ws.set_row(4, text_height([(returns_text, 11.5 * (FRONT_LAST_COL + 1))], cap=60))
    # two charts side by side within columns A–L (12 × 11.5 characters ≈ 950 px)
    _bar(book, ws, "按重点领域", n_area, "各重点领域任务状态", (5, 0), (470, 300))
    _bar(book, ws, "按战线领导", n_leader, "各战线领导分管任务状态", (5, 6), (470, 300))
    _trend_chart(book, ws, n_periods)
    if n_units:
        _ranking_chart(book, ws, n_units)
    else:  # nobody has reported yet: nothing to rank
        ws.merge_range(
            21, 6, 21, FRONT_LAST_COL, "尚无已报送任务的牵头单位，不作排名。", fmt.plain
        )
    _urgent_items(ws, fmt, urgent)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.3, right=0.3, top=0.4, bottom=0.4)
    ws.fit_to_pages(1, 1)  # the first sheet is one A4 page
    ws.print_area(0, 0, URGENT_ROW + 12, FRONT_LAST_COL)
    ws.activate()


def _headline_figures(
    book: Any,
    ws: Any,
    fmt: Formats,
    tasks: pd.DataFrame,
    n_open: int,
    n_overdue: int,
    n_soon: int,
) -> None:
    """Rows 3–4: the task and problem counts in large type (serious ones in red when not
    zero), the milestones due soon, and the on-track rate (over the reported tasks)."""
    # the same figures as 领导看板.html: compute/overview.py (TILE_RULE)
    figures = headline_figures(tasks, n_open, n_overdue, n_soon)
    big_spec = {
        "font_name": "黑体",
        "font_size": 20,
        "bold": True,
        "align": "center",
        "valign": "vcenter",
        "border": 1,
    }
    big = book.add_format(big_spec)
    red_big = book.add_format({**big_spec, "font_color": "#C00000"})
    for col, (label, value) in enumerate(figures):
        ws.write_string(2, col, label, fmt.header)
        ws.write_number(
            3, col, value, red_big if label in ALARM_FIGURES and value else big
        )
    ws.set_row(3, 36)
    ws.write_string(2, FRONT_LAST_COL, RATE_LABEL, fmt.header)
    ws.write_string(3, FRONT_LAST_COL, on_track_rate(tasks), big)


def _trend_chart(book: Any, ws: Any, n_periods: int) -> None:
    """The task status of every period (the 趋势 sheet) as lines, bottom left."""
    line = book.add_chart({"type": "line"})
    for offset, status in enumerate(STATUS_ORDER):
        line.add_series(
            {
                "name": ["趋势", 2, 1 + offset],
                "categories": ["趋势", 3, 0, 2 + n_periods, 0],
                "values": ["趋势", 3, 1 + offset, 2 + n_periods, 1 + offset],
                "line": {"color": CHART_COLORS[status]},
                "marker": {"type": "circle"},
            }
        )
    line.set_title({"name": "各期任务状态趋势", "name_font": {"size": 11}})
    line.set_legend({"position": "bottom"})
    line.set_size({"width": 470, "height": 260})
    ws.insert_chart(21, 0, line)


def _ranking_chart(book: Any, ws: Any, n_units: int) -> None:
    """The lead units with the lowest on-track rates (at most 12), bottom right."""
    rank = book.add_chart({"type": "bar"})
    shown = min(n_units, 12)
    # the units that need attention: the lowest rates (the ranking sheet lists the best first)
    first, last_row = 3 + max(n_units - shown, 0), 2 + n_units
    rank.add_series(
        {
            "name": "正常推进率(%)",
            "categories": ["单位排名", first, 1, last_row, 1],
            "values": ["单位排名", first, RATE_COLUMN, last_row, RATE_COLUMN],
            "fill": {"color": "#C00000"},
            # a unit at 0 % has no bar: its figure still stands beside its name
            "data_labels": {"value": True, "num_format": "0", "font": {"size": 8}},
        }
    )
    rank.set_title(
        {"name": f"正常推进率最低的 {shown} 个牵头单位", "name_font": {"size": 11}}
    )
    rank.set_legend({"none": True})
    # a small font: LibreOffice drops every other name when the names overlap
    rank.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
    rank.set_x_axis({"min": 0, "max": 100})
    # 300 px: LibreOffice names all 12 bars at 8 pt (at 260 px it names every other)
    rank.set_size({"width": 470, "height": 300})
    ws.insert_chart(21, 6, rank)


def _urgent_items(ws: Any, fmt: Formats, urgent: pd.DataFrame) -> None:
    """From URGENT_ROW: the ten most urgent tasks, or a line saying there are none."""
    start = URGENT_ROW
    ws.merge_range(
        start,
        0,
        start,
        FRONT_LAST_COL,
        "最紧急的十项（严重滞后在前，按逾期天数；未报送单位的任务不作判定，见上方报送情况）",
        fmt.bold,
    )
    headers = [
        ("任务", 0, 0),
        ("重点工作", 1, 3),
        ("牵头单位", 4, 5),
        ("战线领导", 6, 6),
        ("状态", 7, 7),
        ("判定依据", 8, 11),
    ]
    for text, a, b in headers:
        if a == b:
            ws.write_string(start + 1, a, text, fmt.header)
        else:
            ws.merge_range(start + 1, a, start + 1, b, text, fmt.header)
    for n, item in enumerate(
        urgent.head(10).to_dict("records") if not urgent.empty else []
    ):
        r = start + 2 + n
        ws.write_string(r, 0, item["task_id"], fmt.cell)
        ws.merge_range(r, 1, r, 3, item["title"], fmt.cell)
        ws.merge_range(r, 4, r, 5, item["lead_unit"], fmt.cell)
        ws.write_string(r, 6, item["front_leader"] or "", fmt.cell)
        ws.write_string(
            r,
            7,
            item["status"],
            fmt.fills["red" if item["status"] == "严重滞后" else "amber"],
        )
        ws.merge_range(r, 8, r, 11, item["reason"], fmt.cell)
        # as tall as the longest text needs: a cut reason loses its verdict
        ws.set_row(r, text_height([(item["title"], 34.5), (item["reason"], 46)], cap=45))
    if urgent.empty:
        ws.merge_range(
            start + 2,
            0,
            start + 2,
            FRONT_LAST_COL,
            "已报送的任务中没有滞后的。",
            fmt.plain,
        )


def _bar(
    book: Any,
    ws: Any,
    sheet: str,
    n: int,
    title: str,
    at: tuple[int, int],
    size: tuple[int, int],
) -> None:
    """A stacked bar chart of a status count sheet's rows (without the total row): at
    most MAX_FRONT_BARS of them, named in the title when there are more."""
    shown = min(max(n - 1, 1), MAX_FRONT_BARS)
    if n - 1 > shown:
        title += f"（前 {shown} 个，共 {n - 1} 个，全部见“{sheet}”表）"
    chart = book.add_chart({"type": "bar", "subtype": "stacked"})
    for offset, status in enumerate(STATUS_ORDER):
        chart.add_series(
            {
                "name": [sheet, 2, 1 + offset],
                "categories": [sheet, 3, 0, 2 + shown, 0],
                "values": [sheet, 3, 1 + offset, 2 + shown, 1 + offset],
                "fill": {"color": CHART_COLORS[status]},
                "gap": 60,
            }
        )
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
    chart.set_size({"width": size[0], "height": size[1]})
    ws.insert_chart(at[0], at[1], chart)
