"""Result workbooks: 汇总台账.xlsx (the consolidated ledger) and 校验报告.xlsx.

Writers only lay out what the pipeline computed; every number on a sheet comes with the
rule or row behind it (判定依据, 说明).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx.compute import reminders
from siyi_xlsx.compute.overview import TILE_RULE  # 汇总台账's 说明 quotes it
from siyi_xlsx.compute.progress import (
    NOT_RETURNED,
    STATUS_ORDER,
    master_rank,
    status_counts,
    status_rules,
)
from siyi_xlsx.errors import Issue, Report, code_meaning
from siyi_xlsx.read.master import Campaign, Settings
from siyi_xlsx.write.fastbook import FastWorkbook
from siyi_xlsx.write.xlsx import (
    Formats,
    as_of_workbook,
    atomic_workbook,
    landing,
    setup_print,
    text_height,
    write_cell,
    write_key_values,
    write_signature,
)

LEDGER_FILE = "汇总台账.xlsx"
REJECTED_RESULT = "未采用（被退回）"  # 处理结果 of a file rejected as a whole (pipeline)
REPORT_FILE = "校验报告.xlsx"

STATUS_FILL = {
    "严重滞后": "red",
    "滞后": "amber",
    "正常推进": "green",
    "未开始": "green",
    "已完成": "blue",
    "申请销号": "blue",
    "未报送": "grey",
    "已销号": "blue",
}
LIGHT_FILL = {"红": "red", "黄": "amber", "绿": "green", "灰": "grey", "浅黄": "pale"}
LIGHTS_NOTE = (
    "红灯=严重滞后，黄灯=滞后，灰灯=未报送（不作判定），"
    "浅黄灯=正常推进或未开始、但有临期节点，绿灯=正常推进、未开始或已完成。"
)

# (column in the DataFrame, Chinese header, width, kind)
LEDGER_COLUMNS: list[tuple[str, str, float, str]] = [
    # the first PRINTED_LEDGER_COLUMNS are what a leader reads on an A4 page
    ("task_id", "任务编号", 8, "text"),
    ("title", "重点工作", 28, "text"),
    ("lead_unit", "牵头单位", 15, "text"),
    ("returned", "报送情况", 9, "text"),
    ("front_leader", "战线领导", 8, "text"),
    ("deadline", "完成时限", 10, "date"),
    # "pace": shown with the row's pace_places decimals, so the printed figures compare
    # with the thresholds as the exact ones do
    ("expected_pct", "序时进度(%)", 8, "pace"),
    ("reported_pct", "填报进度(%)", 8, "pace"),
    ("status", "状态", 9, "status"),
    ("light", "亮灯", 5, "light"),
    ("reason", "判定依据", 34, "text"),
    ("due_soon", "临期节点", 22, "text"),
    ("status_text", "进展情况", 28, "text"),
    ("problems", "存在问题", 20, "text"),
    ("rejected", "未采用的填报内容", 30, "text"),
    ("area", "重点领域", 14, "text"),
    ("unit_kind", "单位类型", 9, "text"),
    ("team", "工作专班", 18, "text"),
    ("support_units", "配合单位", 18, "text"),
    ("target", "量化目标", 28, "text"),
    ("milestones", "节点数", 7, "num"),
    ("done", "已完成节点", 8, "num"),
    ("overdue", "逾期节点", 8, "num"),
    ("max_overdue_days", "最长逾期天数", 9, "num"),
    ("gap_pp", "落后百分点", 9, "pace"),
    ("next_steps", "下步计划", 24, "text"),
    ("apply_close", "申请销号", 8, "text"),
    ("evidence", "佐证材料", 18, "text"),
    ("source_file", "来源文件", 30, "text"),
]
PRINTED_LEDGER_COLUMNS = 14
MILESTONE_COLUMNS: list[tuple[str, str, float, str]] = [
    ("task_id", "任务编号", 9, "text"),
    ("title", "重点工作", 28, "text"),
    ("lead_unit", "牵头单位", 18, "text"),
    ("seq", "节点序号", 7, "num"),
    ("content", "节点内容", 30, "text"),
    ("planned_date", "计划完成日期", 12, "date"),
    ("actual_date", "实际完成日期", 12, "date"),
    ("state", "节点状态", 12, "text"),
    ("overdue_days", "逾期天数", 8, "num"),
    ("due_soon", "临期", 12, "text"),
    ("evidence", "佐证材料", 24, "text"),
    ("rejected", "未采用的填报内容", 30, "text"),
]


def _value(value: Any) -> Any:
    """A frame value as a cell value: NaN blank, timestamps as dates."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date()
    return value


def write_frame(
    ws: Any,
    fmt: Formats,
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, float, str]],
    *,
    title: str,
    note: str,
    first_row: int = 0,
    freeze_cols: int = 0,
    print_cols: int | None = None,
) -> int:
    """A titled, filtered, frozen, printable table; returns the row after the last."""
    last_col = len(columns) - 1
    span = (print_cols or len(columns)) - 1
    ws.merge_range(first_row, 0, first_row, span, title, fmt.title)
    ws.set_row(first_row, 30)
    ws.merge_range(first_row + 1, 0, first_row + 1, span, note, fmt.note)
    # tall enough for the whole note: a cut note loses its last sentences on paper
    widths = sum(width for _, _, width, _ in columns[: span + 1])
    ws.set_row(first_row + 1, max(18.0, text_height([(note, widths)], base=14, cap=120)))
    header = first_row + 2
    for col, (_, label, width, _) in enumerate(columns):
        ws.set_column(col, col, width)
        ws.write_string(header, col, label, fmt.header)
    ws.set_row(header, 30)
    row = header + 1
    for record in frame.to_dict("records"):
        heights = []
        for col, (name, _, width, kind) in enumerate(columns):
            value = _value(record.get(name))
            cell_format = {"date": fmt.cell_date, "num": fmt.cell_num}.get(kind, fmt.cell)
            if kind in ("num2", "num4"):  # scores: one fixed precision per column
                cell_format = fmt.decimals(int(kind[-1]))
            elif kind == "pace":
                cell_format = fmt.decimals(int(record.get("pace_places") or 1))
            elif kind == "status":
                cell_format = fmt.fills[STATUS_FILL.get(value, "grey")]
            elif kind == "light":
                cell_format = fmt.fills[LIGHT_FILL.get(value, "grey")]
            write_cell(ws, row, col, value, cell_format)
            if isinstance(value, str):
                heights.append((value, width))
        ws.set_row(row, max(18.0, text_height(heights, cap=240)))
        row += 1
    ws.autofilter(header, 0, max(row - 1, header), last_col)
    ws.freeze_panes(header + 1, freeze_cols)
    setup_print(ws, repeat_rows=(header, header))
    if print_cols:
        ws.print_area(first_row, 0, max(row - 1, header), print_cols - 1)
    return row


def frame_for(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, float, str]]
) -> pd.DataFrame:
    """The rows as a frame with exactly the columns of a write_frame layout."""
    return pd.DataFrame(rows, columns=[c[0] for c in columns])


def highlight_values(
    ws: Any, fmt: Formats, col: int, end: int, fills: dict[str, str]
) -> None:
    """Colour the data cells of one column of a table written by write_frame at the top
    of the sheet (``end`` is what it returned) by their text: {text: fill name}."""
    for text, fill in fills.items():
        ws.conditional_format(
            3,
            col,
            max(end - 1, 3),
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{text}"',
                "format": fmt.fills[fill],
            },
        )


def status_count_columns(
    label: str, label_width: float, count_width: float
) -> list[tuple[str, str, float, str]]:
    """The layout of a ``status_counts`` table: the group, then one column per status
    and the total."""
    return [(label, label, label_width, "text")] + [
        (c, c, count_width, "num") for c in [*STATUS_ORDER, "合计"]
    ]


def write_ledger(
    path: Path,
    campaign: Campaign,
    tasks: pd.DataFrame,
    milestones: pd.DataFrame,
    inputs: list[dict[str, Any]],
) -> None:
    """Write 汇总台账.xlsx."""
    s = campaign.settings
    # the fast worksheet writer (same parts): a province's ledger has tens of thousands
    # of rows, written in the batch's own process
    created = dt.datetime.combine(s.as_of, dt.time())
    with atomic_workbook(path, created, FastWorkbook, in_memory=True) as book:
        fmt = Formats(book)
        ws = book.add_worksheet("汇总台账")
        order = {name: i for i, name in enumerate(STATUS_ORDER)}
        frame = (
            _with_return_state(tasks, inputs)
            .assign(_order=tasks["status"].map(order))
            .sort_values(
                ["_order", "max_overdue_days", "task_id"],
                ascending=[True, False, True],
                na_position="last",
            )
            if not tasks.empty
            else tasks
        )
        counts = tasks["status"].value_counts().to_dict() if not tasks.empty else {}
        summary = "；".join(f"{k} {counts.get(k, 0)} 项" for k in STATUS_ORDER)
        write_frame(
            ws,
            fmt,
            frame,
            LEDGER_COLUMNS,
            title=f"{s.year}年重点工作汇总台账（{s.period}，数据截止 {s.as_of.isoformat()}）",
            note=f"共 {len(tasks)} 项：{summary}。按状态由重到轻排列；{LIGHTS_NOTE}"
            "被判为错误的填报内容不采用（按未填报处理），见“未采用的填报内容”列。判定规则见“说明”表。",
            freeze_cols=2,
            print_cols=PRINTED_LEDGER_COLUMNS,
        )
        for key, label, order in (
            ("area", "重点领域", ()),
            ("front_leader", "战线领导", tuple(campaign.leaders)),
            ("lead_unit", "牵头单位", tuple(master_rank(campaign))),
        ):
            _write_counts(book, fmt, tasks, key, label, order)
        ws2 = book.add_worksheet("节点明细")
        write_frame(
            ws2,
            fmt,
            milestones,
            MILESTONE_COLUMNS,
            title="推进节点明细",
            note="每个节点一行。节点状态“未报送”：单位本期没有可采用的填报表，完成情况不明（逾期天数按未完成计，任务不据此判定）；“未填报”：单位未填写；"
            "“填报有误，未采用”或“已完成（无有效的实际完成日期，未计入）”：所填内容被判为错误，见“未采用的填报内容”列和校验报告。这些节点都按未完成计。"
            f"“临期”：未完成、在数据截止日期后 {s.warn_days} 天内到期的节点。",
            freeze_cols=2,
        )
        _write_explanation(book, fmt, campaign, inputs)


def _with_return_state(tasks: pd.DataFrame, inputs: list[dict[str, Any]]) -> pd.DataFrame:
    """报送情况 of the 未报送 tasks whose unit did send files, none of them usable: they
    say so (文件未采用) rather than 未报送."""
    # the unit sent files, but every one was rejected as a whole
    sent = {i.get("unit") for i in inputs if i.get("result") == REJECTED_RESULT}
    unusable = (tasks["returned"] == NOT_RETURNED) & tasks["lead_unit"].isin(sent)
    return tasks.assign(
        returned=tasks["returned"].where(~unusable, "文件未采用（见校验报告）")
    )


def _write_counts(
    book: Any,
    fmt: Formats,
    tasks: pd.DataFrame,
    key: str,
    label: str,
    order: Sequence[str] = (),
) -> None:
    """按<label>统计: the task status counts by one grouping column, in ``order``."""
    ws = book.add_worksheet(f"按{label}统计")
    table = status_counts(tasks, key, order).rename(columns={key: label})
    write_frame(
        ws,
        fmt,
        table,
        status_count_columns(label, 24, 10),
        title=f"重点工作状态统计（按{label}）",
        note="各状态的任务数。",
    )


def _write_explanation(
    book: Any, fmt: Formats, campaign: Campaign, inputs: list[dict[str, Any]]
) -> None:
    """说明: the status rules with the thresholds in force, and the files read."""
    s = campaign.settings
    ws = book.add_worksheet("说明")
    pairs = [
        ("年度 / 期次", f"{s.year} / {s.period}"),
        ("数据截止日期", s.as_of.isoformat()),
        *status_rules(s),
        ("领导汇总“已完成”", TILE_RULE),
    ]
    row = write_key_values(ws, fmt, pairs, start_row=0)
    row += 1
    ws.write_string(row, 0, "输入文件", fmt.bold)
    row += 1
    # the file name in the wide column B: in column A it would wrap into a narrow tower
    headers = ["识别单位", "文件", "处理结果", "大小(字节)", "SHA-256"]
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, fmt.header)
    ws.set_column(2, 2, 14)
    ws.set_column(3, 3, 12)
    ws.set_column(4, 4, 66)
    for item in inputs:
        row += 1
        for col, key in enumerate(("unit", "file", "result", "size", "sha256")):
            write_cell(ws, row, col, item.get(key), fmt.cell)
    # landscape: the SHA-256 column makes the file table wider than a portrait page
    setup_print(ws, landscape=True)


REPORT_COLUMNS: list[tuple[str, str, float, str]] = [
    ("no", "序号", 6, "text"),
    ("file", "文件", 34, "text"),
    ("unit", "单位", 18, "text"),
    ("sheet", "工作表", 12, "text"),
    ("cell", "单元格", 8, "text"),
    ("field", "字段", 14, "text"),
    ("value", "填报值", 18, "text"),
    ("code", "问题代码", 20, "text"),
    ("severity", "严重程度", 8, "text"),
    ("message", "说明（如何修改）", 60, "text"),
]
RETURNS_COLUMNS: list[tuple[str, str, float, str]] = [
    ("code", "单位编码", 9, "text"),
    ("name", "单位名称", 22, "text"),
    ("kind", "单位类型", 9, "text"),
    ("tasks", "牵头任务数", 8, "num"),
    ("status", "报送状态", 11, "return"),
    ("file", "采用的文件", 34, "text"),
    ("saved_at", "保存时间（北京时间）", 17, "text"),
    ("late", "逾期", 6, "text"),
    ("errors", "错误", 6, "num"),
    ("warnings", "提醒", 6, "num"),
    ("todo", "需要做什么", 36, "text"),
    ("return_copy", "退回件（本期 output 文件夹的 退回件/）", 34, "text"),
    ("others", "未采用的文件", 34, "text"),
    ("contact", "联系人", 10, "text"),
    ("phone", "联系电话", 14, "text"),
    # timeliness is judged by the first submission (README 报送时效与重报)
    ("first_saved", "首次报送（北京时间）", 17, "text"),
    ("attachments", "佐证附件", 30, "text"),
]
RETURN_FILL = {
    "按时报送": "green",
    "逾期报送": "blue",
    "被退回": "amber",
    "未报送": "red",
    "无需报送": "grey",
}


def write_report(
    path: Path,
    campaign: Campaign,
    issues: Sequence[Issue],
    returns: list[dict[str, Any]],
    inputs: list[dict[str, Any]],
) -> None:
    """Write 校验报告.xlsx: one row per problem, and the return status of every unit."""
    s = campaign.settings
    with as_of_workbook(path, s.as_of) as book:
        fmt = Formats(book)
        records = [{"no": n, **i.as_dict()} for n, i in enumerate(issues, start=1)]
        _write_issue_list(book, fmt, s, issues, records)
        _write_returns(book, fmt, s, returns)
        _write_issue_counts(book, fmt, records)
        _write_inputs(book, fmt, inputs)


def _write_issue_list(
    book: Any,
    fmt: Formats,
    s: Any,
    issues: Sequence[Issue],
    records: list[dict[str, Any]],
) -> None:
    """问题清单: one row per problem found, errors (须修改) marked red."""
    ws = book.add_worksheet("问题清单")
    errors = Report.of(issues).errors
    end = write_frame(
        ws,
        fmt,
        frame_for(records, REPORT_COLUMNS),
        REPORT_COLUMNS,
        title=f"{s.year}年重点工作填报校验报告（{s.period}）",
        note=f"共 {len(issues)} 处问题：错误 {errors} 处（须修改后重新报送），提醒 {len(issues) - errors} 处（已按说明处理，请以后注意）。",
        freeze_cols=0,
    )
    highlight_values(ws, fmt, 8, end, {"错误": "red"})


def _write_returns(
    book: Any, fmt: Formats, s: Any, returns: list[dict[str, Any]]
) -> None:
    """报送情况: every unit's return status, coloured by status."""
    ws = book.add_worksheet("报送情况")
    frame = frame_for(returns, RETURNS_COLUMNS)
    counts = frame["status"].value_counts().to_dict() if not frame.empty else {}
    end = write_frame(
        ws,
        fmt,
        frame,
        [(n, h, w, "text") for n, h, w, _ in RETURNS_COLUMNS],
        title=f"各单位报送情况（{s.period}）",
        note="；".join(f"{k} {counts.get(k, 0)} 个" for k in RETURN_FILL)
        + "。被退回：文件有错误或无法采用，请按问题清单修改后重新报送。",
        freeze_cols=2,
        print_cols=11,
    )
    highlight_values(ws, fmt, 4, end, RETURN_FILL)


def _write_issue_counts(book: Any, fmt: Formats, records: list[dict[str, Any]]) -> None:
    """问题统计: how often each kind of problem occurred, with what it means."""
    ws = book.add_worksheet("问题统计")
    by_code = (
        pd.DataFrame(records, columns=["code", "severity", "message"])
        if records
        else pd.DataFrame(columns=["code", "severity", "message"])
    )
    summary = (
        by_code.groupby(["code", "severity"])
        .size()
        .reset_index(name="count")
        .sort_values("count", ascending=False)
        if records
        else pd.DataFrame(columns=["code", "severity", "count"])
    )
    summary = summary.assign(meaning=summary["code"].map(code_meaning))
    write_frame(
        ws,
        fmt,
        summary,
        [
            ("code", "问题代码", 24, "text"),
            ("meaning", "是什么问题", 60, "text"),
            ("severity", "严重程度", 10, "text"),
            ("count", "次数", 8, "num"),
        ],
        title="问题按类型统计",
        note="同类问题集中的，可在培训或通知中统一说明。",
    )


def _write_inputs(book: Any, fmt: Formats, inputs: list[dict[str, Any]]) -> None:
    """输入文件: every file read, with its result, size and SHA-256."""
    ws = book.add_worksheet("输入文件")
    frame = pd.DataFrame(
        inputs, columns=["file", "unit", "result", "saved_at", "size", "sha256"]
    )
    write_frame(
        ws,
        fmt,
        frame,
        [
            ("file", "文件", 36, "text"),
            ("unit", "识别单位", 20, "text"),
            ("result", "处理结果", 12, "text"),
            ("saved_at", "保存时间", 18, "text"),
            ("size", "大小(字节)", 12, "num"),
            ("sha256", "SHA-256", 66, "text"),
        ],
        title="本次读取的文件",
        note="回收文件只读不改；SHA-256 用于核对文件是否被替换。",
    )


REMINDER_FILE = "催报通知"
# the rule for the date a 催报通知 carries (README quotes it)
REMINDER_DATE_RULE = (
    "催报通知的落款日期是生成的当天；补报截止日期过后才生成的（如补印往期的通知），"
    "落款日期改为报送截止日期的次日，并要求在补报截止日期前补报或重新报送，"
    "不会要求单位在已过的日期前报送。"
)


def notice_day(s: Settings, today: dt.date) -> dt.date:
    """The date a 催报通知 carries (REMINDER_DATE_RULE): ``today``, or — once 补报截止日期
    has passed too — the day after 报送截止日期, when a reminder is normally sent."""
    by = s.resubmit_by
    if s.return_deadline is None or by is None or today <= by:
        return max(today, s.as_of)
    if s.return_deadline < by:
        return s.return_deadline + dt.timedelta(days=1)
    return s.return_deadline


def chinese_date(day: dt.date) -> str:
    """``2022年10月11日``, as an office dates its documents."""
    return f"{day.year}年{day.month}月{day.day}日"


def write_reminder(
    folder: Path,
    campaign: Campaign,
    returns: list[dict[str, Any]],
    milestones: pd.DataFrame | None = None,
    when: dt.date | None = None,
) -> list[Path]:
    """催报通知: a printable workbook and a plain text the office can send or post.

    The dates in it are true on ``when`` (the day of the run): never a passed deadline
    to meet (rules: :mod:`siyi_xlsx.compute.reminders`). Each unit's milestones due soon
    are named; ``milestones`` (the milestone detail) leaves out those reported done."""
    s = campaign.settings
    when = when or notice_day(s, reminders.today())
    soon = reminders.upcoming_milestones(
        campaign, reminders.done_milestones(milestones), when
    )
    start, end = reminders.reminder_window(s, when)
    pending = [
        {
            **r,
            "todo": reminders.current_todo(r, s, when),
            "due_soon": "；".join(soon.get(r["name"], [])),
        }
        for r in returns
        if r["status"] in ("未报送", "被退回")
    ]
    title = f"关于报送{s.year}年重点工作进展情况（{s.period}）的催报通知"
    intro = (
        f"各有关单位：截至目前，下列单位尚未报送{s.period}重点工作填报表，或报送的填报表有错误已退回。"
        + reminders.notice_deadline(s, when)
        + "被退回的单位请直接在退回件中修改红色单元格后保存报送。"
    )
    window = f"{start.isoformat()} 至 {end.isoformat()}"
    unreported = "、尚未报告完成" if milestones is not None else ""
    soon_note = (
        f"“近期到期节点”：{window} 计划完成{unreported}的节点，请提前安排。"
        if s.warn_days > 0
        else ""
    )
    signature = f"“四个体系”领导小组办公室    {chinese_date(when)}"
    xlsx = folder / f"{REMINDER_FILE}.xlsx"
    with as_of_workbook(xlsx, s.as_of) as book:
        fmt = Formats(book)
        ws = book.add_worksheet("催报通知")
        columns = [
            ("no", "序号", 6, "num"),
            ("name", "单位", 24, "text"),
            ("status", "情况", 10, "text"),
            ("todo", "需要做什么", 48, "text"),
            ("due_soon", "近期到期节点", 36, "text"),
            ("contact", "联系人", 10, "text"),
            ("phone", "联系电话", 15, "text"),
        ]
        frame = frame_for(
            [{**r, "no": n} for n, r in enumerate(pending, start=1)], columns
        )
        end_row = write_frame(
            ws, fmt, frame, columns, title=title, note=intro + soon_note
        )
        write_signature(ws, fmt, end_row, len(columns) - 1, date_text=chinese_date(when))
        ws.set_landscape()
        if s.warn_days > 0:
            due_columns = [
                ("name", "单位", 24, "text"),
                ("due_soon", "近期到期节点", 90, "text"),
            ]
            write_frame(
                book.add_worksheet("近期到期节点"),
                fmt,
                frame_for(
                    [{"name": n, "due_soon": "；".join(v)} for n, v in soon.items()],
                    due_columns,
                ),
                due_columns,
                title=f"各单位近期到期的节点（{window}）",
                note="按任务总表的单位顺序；"
                + (
                    "本期填报表中已报告完成的节点不列。"
                    if milestones is not None
                    else "按任务总表的计划日期列出，未核对各单位报告的完成情况。"
                )
                + "请各单位对照推进，按期完成。",
            )
    text = folder / f"{REMINDER_FILE}.txt"
    lines = [title, "", intro, ""]
    lines += [
        f"{n}. {r['name']}（{r['status']}）：{r['todo']}"
        + (f"。近期到期节点：{r['due_soon']}" if r["due_soon"] else "")
        for n, r in enumerate(pending, start=1)
    ] or ["（无）"]
    if soon:
        lines += [
            "",
            f"近期到期节点（{window} 计划完成{unreported}，请各单位提前安排）：",
        ]
        lines += [f"- {name}：{'；'.join(items)}" for name, items in soon.items()]
    lines += ["", signature]
    with landing(text) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [xlsx, text]
