"""考评结果.xlsx: ranking per group, a line-by-line breakdown, the sheet to post (公示),
a chart, the robustness check and the rules applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siyi_xlsx.compute.scoring import SOURCES
from siyi_xlsx.write.ledger import frame_for, highlight_values, write_frame
from siyi_xlsx.write.xlsx import Formats, as_of_workbook, setup_print, write_key_values

GRADE_FILL = {"优秀": "green", "良好": "blue", "一般": "amber", "较差": "red"}


def _group_order(group: str) -> tuple[int, str]:
    """Sort key of a unit group: 区直部门 first, then the others by name."""
    return (0 if group == "区直部门" else 1, group)


def _ordered(units: list[Any]) -> list[Any]:
    """The units by group, then rank (unrated last), then code."""
    return sorted(
        units, key=lambda u: (_group_order(u.group), u.rank if u.rated else 10**6, u.code)
    )


ISSUE_COLUMNS: list[tuple[str, str, float, str]] = [
    ("no", "序号", 6, "num"),
    ("file", "文件", 30, "text"),
    ("unit", "评分方/单位", 16, "text"),
    ("sheet", "工作表", 12, "text"),
    ("cell", "单元格", 8, "text"),
    ("field", "字段", 12, "text"),
    ("value", "值", 14, "text"),
    ("code", "问题代码", 18, "text"),
    ("severity", "严重程度", 8, "text"),
    ("message", "说明", 60, "text"),
]


def write_score_report(path: Path, result: Any) -> None:
    """Write 考评结果.xlsx: the ranking, its chart, the breakdown, the sheet to post, the
    robustness check, the rules and the problems found in the scoring data."""
    s = result.campaign.settings
    cfg = result.config
    with as_of_workbook(path, s.as_of) as book:
        fmt = Formats(book)
        units = _ordered(result.units)
        n_ranked = _write_ranking(book, fmt, result, units)
        _chart(book, n_ranked)
        _breakdown(book, fmt, units, cfg)
        _publication(book, fmt, units, s, cfg)
        _robustness(book, fmt, units, result.ranks_without, cfg)
        _explanation(book, fmt, cfg)
        _write_issues(book, fmt, result.issues)


def _ranking_row(u: Any, cfg: Any) -> dict[str, Any]:
    """One unit's line of 总分排名: each source's score (缺 when missing) and the result."""
    row = {
        "group": u.group if cfg.rank_separately else "全部单位",
        "rank": u.rank if u.rated else "—",
        "name": u.name,
        "kind": u.kind,
    }
    for source, _ in SOURCES:
        value = u.sources[source].value
        row[source] = round(value, 2) if value is not None else "缺"
    row.update(
        weighted=u.weighted,
        bonus=u.bonus,
        deduction=u.deduction,
        final=u.final,
        band=u.band,
        grade=u.grade,
        note=u.note,
    )
    return row


def _ranking_columns(cfg: Any) -> list[tuple[str, str, float, str]]:
    """The layout of 总分排名; each source's header shows its weight."""
    columns = [
        ("group", "分组", 10, "text"),
        ("rank", "排名", 6, "num"),
        ("name", "单位", 22, "text"),
        ("kind", "单位类型", 9, "text"),
    ]
    columns += [
        (src, f"{label}({cfg.weights[src]:g}%)", 11, "num") for src, label in SOURCES
    ]
    columns += [
        ("weighted", "加权得分", 9, "num"),
        ("bonus", "加分", 7, "num"),
        ("deduction", "减分", 7, "num"),
        ("final", "最终得分", 9, "num"),
        ("band", "分数段", 8, "text"),
        ("grade", "等次", 7, "grade"),
        ("note", "说明", 40, "text"),
    ]
    return columns


def _write_ranking(book: Any, fmt: Formats, result: Any, units: list[Any]) -> int:
    """总分排名: every unit's scores and grade, the grade cells coloured; returns the
    number of units listed."""
    s = result.campaign.settings
    rows = [_ranking_row(u, result.config) for u in units]
    columns = _ranking_columns(result.config)
    ws = book.add_worksheet("总分排名")
    end = write_frame(
        ws,
        fmt,
        frame_for(rows, columns),
        [(n, h, w, "text" if k == "grade" else k) for n, h, w, k in columns],
        title=f"{s.year}年度重点工作考评总分排名",
        note=_summary(result),
        freeze_cols=3,
    )
    highlight_values(ws, fmt, 14, end, GRADE_FILL)
    return len(rows)


def _write_issues(book: Any, fmt: Formats, issues: list[Any]) -> None:
    """考评数据问题: the problems found in the score sheets, public votes and settings."""
    write_frame(
        book.add_worksheet("考评数据问题"),
        fmt,
        frame_for(
            [{"no": n, **i.as_dict()} for n, i in enumerate(issues, start=1)],
            ISSUE_COLUMNS,
        ),
        ISSUE_COLUMNS,
        title="考评数据问题",
        note="评分表、群众测评文件和考评设置中发现的问题；填报表本身的问题见校验报告。",
    )


def _summary(result: Any) -> str:
    """The note under the ranking's title: how many units got each grade."""
    counts: dict[str, int] = {}
    for u in result.units:
        counts[u.grade] = counts.get(u.grade, 0) + 1
    grades = "，".join(
        f"{g} {counts[g]} 个" for g in ("优秀", "良好", "一般", "较差") if g in counts
    )
    return f"共 {len(result.units)} 个牵头单位：{grades}。排名并列时名次相同、下一名次顺延。每个分数如何算出见“得分明细”。"


def _chart(book: Any, n: int) -> None:
    """得分图: the final scores of the ``n`` ranked units as bars (no sheet when none)."""
    if n == 0:
        return
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "最终得分",
            "categories": ["总分排名", 3, 2, 3 + n - 1, 2],
            "values": ["总分排名", 3, 11, 3 + n - 1, 11],
            "data_labels": {"value": True, "num_format": "0.00"},
            "fill": {"color": "#4472C4"},
        }
    )
    chart.set_title({"name": "各单位最终得分"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"min": 0})
    chart.set_size({"width": 900, "height": max(400, 22 * n)})
    ws = book.add_worksheet("得分图")
    ws.insert_chart(1, 1, chart)
    setup_print(ws, landscape=False)


def _breakdown_rows(u: Any, cfg: Any) -> list[dict[str, Any]]:
    """A unit's lines of 得分明细: each source, the weighted score, each adjustment and
    the final score, with the basis to recompute it by hand."""
    rows: list[dict[str, Any]] = []
    for source, label in SOURCES:
        src = u.sources[source]
        rows.append(
            {
                "name": u.name,
                "item": label,
                "raw": round(src.value, 4) if src.value is not None else "缺",
                "weight": cfg.weights[source],
                "effective": round(u.effective[source], 4),
                "value": round(u.contribution[source], 4),
                "basis": src.basis,
            }
        )
    rows.append(
        {
            "name": u.name,
            "item": "加权得分",
            "value": u.weighted,
            "basis": u.note or "各来源折算得分之和",
        }
    )
    for adj in u.adjustments:
        sign = "+" if adj.sign > 0 else "-"
        rows.append(
            {
                "name": u.name,
                "item": f"{'加分' if adj.sign > 0 else '减分'} {adj.code} {adj.name}",
                "raw": adj.times,
                "value": float(f"{sign}{adj.amount:g}"),
                "basis": f"{adj.times} 次 × {adj.points:g} 分，上限 {adj.cap:g} 分；{adj.evidence}",
            }
        )
    rows.append(
        {
            "name": u.name,
            "item": "最终得分",
            "value": u.final,
            "basis": f"{u.weighted:g} + {u.bonus:g} − {u.deduction:g}（不低于 0）；排名 {u.rank}，等次 {u.grade}",
        }
    )
    return rows


def _breakdown(book: Any, fmt: Formats, units: list[Any], cfg: Any) -> None:
    """得分明细: how every unit's score was made up, line by line."""
    rows = [row for u in units for row in _breakdown_rows(u, cfg)]
    columns = [
        ("name", "单位", 20, "text"),
        ("item", "项目", 22, "text"),
        ("raw", "原始分/次数", 11, "num"),
        ("weight", "规定权重(%)", 10, "num"),
        ("effective", "实际权重(%)", 10, "num"),
        ("value", "折算得分", 10, "num"),
        ("basis", "依据（可据此手算）", 70, "text"),
    ]
    write_frame(
        book.add_worksheet("得分明细"),
        fmt,
        frame_for(rows, columns),
        columns,
        title="考评得分明细",
        note="折算得分 = 原始分 × 实际权重 ÷ 100；最终得分 = 加权得分 + 加分 − 减分。原始分保留 4 位小数，得分保留 2 位小数后排名。",
        freeze_cols=2,
    )


def _publication(book: Any, fmt: Formats, units: list[Any], s: Any, cfg: Any) -> None:
    """公示: the ranks and grades by group on one portrait A4 page, ready to post."""
    ws = book.add_worksheet("公示")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 14)
    ws.merge_range(0, 0, 0, 2, f"{s.year}年度重点工作考评结果公示", fmt.title)
    ws.set_row(0, 36)
    ws.merge_range(
        1,
        0,
        1,
        2,
        "根据“四个体系”考核评价办法，经部门自评、专班小组评价、群众测评和战线领导综合评价，现将考评结果公示如下。",
        fmt.plain,
    )
    ws.set_row(1, 36)
    row = _publication_groups(ws, fmt, units, cfg, 3)
    _publication_close(book, ws, fmt, units, s, row)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 1)  # one A4 page to post
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _publication_groups(
    ws: Any, fmt: Formats, units: list[Any], cfg: Any, row: int
) -> int:
    """From ``row``: each group's rated units by rank (排名, 单位, 等次); returns the row
    after the last group and its blank line."""
    groups = (
        sorted({u.group for u in units}, key=_group_order)
        if cfg.rank_separately
        else ["全部单位"]
    )
    for group in groups:
        members = [
            u for u in units if u.rated and (u.group == group or not cfg.rank_separately)
        ]
        ws.merge_range(row, 0, row, 2, group, fmt.bold)
        row += 1
        for col, text in enumerate(("排名", "单位", "等次")):
            ws.write_string(row, col, text, fmt.header)
        row += 1
        for u in sorted(members, key=lambda u: (u.rank, u.code)):
            ws.write_number(row, 0, u.rank, fmt.cell_num)
            ws.write_string(row, 1, u.name, fmt.cell)
            ws.write_string(row, 2, u.grade, fmt.cell_num)
            row += 1
        row += 1
    return row


def _publication_close(
    book: Any, ws: Any, fmt: Formats, units: list[Any], s: Any, row: int
) -> None:
    """From ``row``: the units not rated, where to object, and the office's signature
    with the as-of date."""
    unrated = [u.name for u in units if not u.rated]
    if unrated:
        ws.merge_range(
            row,
            0,
            row,
            2,
            "以下单位缺少评价数据，本次未评定：" + "、".join(unrated),
            fmt.plain,
        )
        ws.set_row(row, 30)
        row += 2
    ws.merge_range(
        row, 0, row, 2, "公示期间如有异议，请向领导小组办公室反映。", fmt.plain
    )
    right = book.add_format({"font_name": "宋体", "font_size": 11, "align": "right"})
    ws.merge_range(row + 2, 0, row + 2, 2, "“四个体系”领导小组办公室", right)
    # the as-of date, not today's: the same inputs give the same workbook
    ws.merge_range(
        row + 3, 0, row + 3, 2, f"{s.as_of.year}年{s.as_of.month}月{s.as_of.day}日", right
    )


def _robustness(
    book: Any, fmt: Formats, units: list[Any], ranks: dict[str, dict[str, int]], cfg: Any
) -> None:
    """稳健性: each unit's rank with one source left out, big moves marked red."""
    rows = []
    for u in (u for u in units if u.rated):
        moved = {
            src: ranks[u.code][src] - u.rank for src, _ in SOURCES if src in ranks[u.code]
        }
        worst = max((abs(v) for v in moved.values()), default=0)
        row = {
            "group": u.group if cfg.rank_separately else "全部单位",
            "name": u.name,
            "rank": u.rank,
            "worst": worst,
            "flag": "排名变动超过 3 位" if worst > 3 else "",
        }
        row.update({src: ranks[u.code].get(src, "无法评定") for src, _ in SOURCES})
        rows.append(row)
    columns = [
        ("group", "分组", 10, "text"),
        ("name", "单位", 22, "text"),
        ("rank", "原排名", 8, "num"),
    ]
    columns += [(src, f"去掉{label}后", 12, "num") for src, label in SOURCES]
    columns += [("worst", "最大变动", 8, "num"), ("flag", "提示", 18, "text")]
    ws = book.add_worksheet("稳健性")
    end = write_frame(
        ws,
        fmt,
        frame_for(rows, columns),
        columns,
        title="排名稳健性检验",
        note="依次去掉一个评价来源（其权重按比例分给其余来源）重新排名；排名变动超过 3 位的单位，其名次较依赖单一来源，需审慎对待。",
    )
    ws.conditional_format(
        3,
        8,
        max(end - 1, 3),
        8,
        {"type": "cell", "criteria": ">", "value": 3, "format": fmt.fills["red"]},
    )


def _explanation(book: Any, fmt: Formats, cfg: Any) -> None:
    """说明: the scoring rules as configured, and where to change them."""
    w = cfg.weights
    p = cfg.answer_points
    pairs = [
        (
            "评价来源和权重",
            f"部门自评 {w['self']:g}%、专班小组评价 {w['team']:g}%、群众测评 {w['public']:g}%、战线领导综合评价 {w['leader']:g}%（合计 100%）。",
        ),
        (
            "部门自评",
            "考评册自评分合计 ÷ 适用指标分值合计 × 100；须由单位主要负责人和战线领导签字确认，否则按缺失处理；需佐证而未写佐证的指标不计分。",
        ),
        (
            "专班小组 / 战线领导评价",
            f"每位评分人的得分 = 该单位各指标评分之和 ÷ 分值之和 × 100；评分人多于 {cfg.trim_above} 人时去掉一个最高分和一个最低分后取平均，否则直接平均。所有单位同分的评分表为无效票。",
        ),
        (
            "群众测评",
            f"(满意票×{p['满意']:g} + 基本满意票×{p['基本满意']:g} + 不满意票×{p['不满意']:g}) ÷ 有效票；“不了解”不计入有效票；有效票少于 {cfg.min_public} 张按缺失处理。",
        ),
        (
            "来源缺失",
            "按其余来源的权重折算（加权得分 = Σ权重×得分 ÷ 现有来源权重之和）"
            if cfg.reweight_missing
            else "缺失来源按 0 分计（加权得分 = Σ权重×得分 ÷ 100）",
        ),
        (
            "加减分",
            "；".join(
                f"{r.code} {r.name}：{r.direction} {r.points:g} 分/次，上限 {r.cap:g} 分（{r.source}）"
                for r in cfg.rules
            )
            or "无",
        ),
        ("最终得分", "加权得分 + 加分 − 减分，不低于 0；保留 2 位小数。"),
        (
            "排名",
            ("区直部门与乡镇街道分别排名" if cfg.rank_separately else "全部单位统一排名")
            + "；得分相同名次相同，下一名次顺延（如 1、2、2、4）。",
        ),
        (
            "等次",
            f"优秀 ≥ {cfg.bands[0]:g}，良好 ≥ {cfg.bands[1]:g}，一般 ≥ {cfg.bands[2]:g}，其余为较差。",
        ),
        (
            "优秀比例",
            f"每组优秀不超过 {cfg.excellent_quota:g}%（向下取整）；按得分从高到低授予，并列跨越名额时并列单位均评为良好，确保不超比例。",
        ),
        ("规则从哪里改", "任务总表的“考评设置”“加减分规则”“加减分登记”三张表。"),
    ]
    ws = book.add_worksheet("说明")
    write_key_values(ws, fmt, pairs, start_row=0, widths=(20, 100))
    setup_print(ws, landscape=False)


RESULT_FILE = "考评结果.xlsx"
