"""考评结果.xlsx: ranking per group, a line-by-line breakdown, the sheet to post (公示),
a chart, the robustness check and the rules applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siyi_xlsx.compute.scoring import GRADES, SOURCES, show
from siyi_xlsx.compute.year_scores import scoring_rules
from siyi_xlsx.write.ledger import frame_for, highlight_values, write_frame
from siyi_xlsx.write.xlsx import Formats, as_of_workbook, setup_print, write_key_values

GRADE_FILL = {"优秀": "green", "良好": "blue", "一般": "amber", "较差": "red"}


def _group_order(group: str) -> tuple[int, str]:
    """Sort key of a unit group: 区直部门 first, then the others by name."""
    return (0 if group == "区直部门" else 1, group)


def _ordered(units: list[Any]) -> list[Any]:
    """The ranked units by group and rank, then the units not ranked, by group."""
    return sorted(
        units, key=lambda u: (not u.ranked, _group_order(u.group), u.rank, u.code)
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
        _publication(book, fmt, units, s, cfg, result.interim)
        _robustness(book, fmt, units, result.ranks_without, cfg)
        _explanation(book, fmt, cfg)
        _write_issues(book, fmt, result.issues)


def _ranking_row(u: Any, cfg: Any) -> dict[str, Any]:
    """One unit's line of 总分排名: each source's score (缺 when missing) and the result."""
    row = {
        "group": u.group if cfg.rank_separately else "全部单位",
        "rank": u.rank if u.ranked else "—",
        "name": u.name,
        "kind": u.kind,
    }
    for source, _ in SOURCES:
        value = u.sources[source].value
        row[source] = float(value) if value is not None else "缺"
    row.update(
        weighted=float(u.weighted) if u.rated else None,
        bonus=float(u.bonus),
        deduction=float(u.deduction),
        final=float(u.final) if u.rated else None,
        band=u.band,
        grade=u.grade,
        note=_unit_note(u),
    )
    return row


def _unit_note(u: Any) -> str:
    """What a reader of the ranking must know about a unit's line: missing sources,
    ballots left out, eligibility and the quota."""
    notes = [u.note] if u.note else []
    for source, label in SOURCES:
        left_out = u.sources[source].excluded
        if left_out:
            notes.append(f"{label} {len(left_out)} 份评分表未采用（见得分明细）")
    if u.eligibility_note and u.grade != u.band:  # the rules took 优秀 away
        notes.append(u.eligibility_note)
    if u.quota_note and u.grade != "优秀":  # the quota took 优秀 away
        notes.append(u.quota_note)
    return "；".join(notes)


def _ranking_columns(cfg: Any) -> list[tuple[str, str, float, str]]:
    """The layout of 总分排名; each source's header shows its weight."""
    columns = [
        ("group", "分组", 10, "text"),
        ("rank", "排名", 6, "num"),
        ("name", "单位", 22, "text"),
        ("kind", "单位类型", 9, "text"),
    ]
    columns += [
        (src, f"{label}({cfg.weights[src]:g}%)", 11, "num2") for src, label in SOURCES
    ]
    columns += [
        ("weighted", "加权得分", 9, "num2"),
        ("bonus", "加分", 7, "num2"),
        ("deduction", "减分", 7, "num2"),
        ("final", "最终得分", 9, "num2"),
        ("band", "分数段", 8, "text"),
        ("grade", "等次", 7, "grade"),
        ("note", "说明", 40, "text"),
    ]
    return columns


def _write_ranking(book: Any, fmt: Formats, result: Any, units: list[Any]) -> int:
    """总分排名: every unit's scores and grade, the grade cells coloured; returns the
    number of ranked units (listed first)."""
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
    return sum(1 for u in units if u.ranked)  # listed first


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
    grades = "，".join(f"{g} {counts[g]} 个" for g in GRADES if g in counts)
    interim = "【阶段性结果：本期不是年度最后一期】" if result.interim else ""
    return f"{interim}共 {len(result.units)} 个牵头单位：{grades}。排名并列时名次相同、下一名次顺延。分数均保留 2 位小数，每个分数如何算出见“得分明细”。"


MAX_CHART_BARS = 50  # 得分图's bars: 50 × 22 px fill one portrait A4 page


def _chart(book: Any, n: int) -> None:
    """得分图: the final scores of the ``n`` ranked units as bars (no sheet when none)."""
    if n == 0:
        return
    # one printed page holds a readable bar for each of at most MAX_CHART_BARS units
    shown = min(n, MAX_CHART_BARS)
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "最终得分",
            "categories": ["总分排名", 3, 2, 3 + shown - 1, 2],
            "values": ["总分排名", 3, 11, 3 + shown - 1, 11],
            "data_labels": {"value": True, "num_format": "0.00"},
            "fill": {"color": "#4472C4"},
        }
    )
    more = (
        f"（总分排名前 {shown} 行，共 {n} 个单位，全部见“总分排名”表）"
        if n > shown
        else ""
    )
    chart.set_title({"name": f"各单位最终得分{more}", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    # a small font: LibreOffice drops every other name when the names overlap
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
    chart.set_x_axis({"min": 0})
    chart.set_size({"width": 900, "height": max(400, 22 * shown)})
    ws = book.add_worksheet("得分图")
    ws.insert_chart(1, 1, chart)
    setup_print(ws, landscape=False)


def _breakdown_rows(u: Any, cfg: Any) -> list[dict[str, Any]]:
    """A unit's lines of 得分明细: each source (with each rater's ballot, the ballots
    left out and the trimming), the weighted score, each adjustment, the final score,
    and the eligibility and quota decisions — each line recomputes from printed cells."""
    rows: list[dict[str, Any]] = []

    def line(item: str, who: Any = "", **values: Any) -> None:
        rows.append({"name": u.name, "item": item, "who": who, **values})

    base = float(u.base)
    for source, label in SOURCES:
        src = u.sources[source]
        line(
            label,
            score=float(src.value) if src.value is not None else "缺",
            weight=cfg.weights[source],
            base=base if u.rated else "",
            part=float(u.contribution[source]) if u.rated else None,
            basis=src.basis,
        )
        for r in src.raters:
            line(
                "　评分表",
                r.who,
                score=float(r.score),
                basis=f"评分合计 {r.formula}"
                + (f"；{r.dropped}，不计入平均" if r.dropped else "")
                + f"；{r.file}",
            )
        for x in src.excluded:
            line(
                "　未采用的评分表",
                f"{x.rater}（{x.evaluator}）",
                basis=f"{x.reason}；{x.file}",
            )
    if u.rated:
        parts = " + ".join(f"{float(u.contribution[s]):.4f}" for s, _ in SOURCES)
        line(
            "加权得分",
            score=float(u.weighted),
            basis=f"{parts} = {show(u.weighted)}（各来源折算得分之和，保留 2 位小数）"
            + (f"；{u.note}" if u.note else ""),
        )
    else:
        line("加权得分", basis=u.note)
    for adj in u.adjustments:
        sign = 1 if adj.sign > 0 else -1
        line(
            f"{'加分' if adj.sign > 0 else '减分'} {adj.code} {adj.name}",
            f"{adj.times} 次",
            score=sign * float(adj.amount),
            basis=f"min({adj.times} 次 × {adj.points:g} 分, 上限 {adj.cap:g} 分) = {show(adj.amount)}；{adj.evidence}",
        )
    if u.rated:
        line(
            "最终得分",
            score=float(u.final),
            basis=f"{show(u.weighted)} + {show(u.bonus)} − {show(u.deduction)} = {show(u.final)}（不低于 0）；"
            + (f"本组排名 {u.rank}，分数段 {u.band}" if u.ranked else "不参加排名"),
        )
    if u.eligibility_note:
        line("评优条件", basis=u.eligibility_note)
    if u.quota_note:
        line("优秀比例", basis=u.quota_note)
    line("等次", u.grade, basis=_grade_basis(u, cfg))
    return rows


def _grade_basis(u: Any, cfg: Any) -> str:
    if not u.rated:
        return "没有任何可用的评价来源，无法评定"
    if not u.ranked:
        return u.eligibility_note
    excellent, good, fair = cfg.bands
    band = f"最终得分 {show(u.final)}：优秀 ≥ {excellent:g}，良好 ≥ {good:g}，一般 ≥ {fair:g}，分数段为{u.band}"
    if u.grade == u.band:
        return band
    return (
        f"{band}；受{'评优条件' if u.quota_note == '' else '优秀比例'}限制评为{u.grade}"
    )


def _breakdown(book: Any, fmt: Formats, units: list[Any], cfg: Any) -> None:
    """得分明细: how every unit's score was made up, line by line."""
    rows = [row for u in units for row in _breakdown_rows(u, cfg)]
    columns = [
        ("name", "单位", 18, "text"),
        ("item", "项目", 20, "text"),
        ("who", "评分人/次数/等次", 20, "text"),
        ("score", "得分", 9, "num2"),
        ("weight", "规定权重(%)", 9, "num"),
        ("base", "折算分母", 8, "num"),
        ("part", "折算得分", 10, "num4"),
        ("basis", "依据（可据此手算）", 70, "text"),
    ]
    write_frame(
        book.add_worksheet("得分明细"),
        fmt,
        frame_for(rows, columns),
        columns,
        title="考评得分明细",
        note="折算得分 = 得分 × 规定权重 ÷ 折算分母（保留 4 位小数）；加权得分 = 各折算得分之和；最终得分 = 加权得分 + 加分 − 减分。"
        "每一步都用上一步打印出来的数，保留 2 位小数（四舍五入），照此手算可得到打印的结果。",
        freeze_cols=2,
    )


def _publication(
    book: Any, fmt: Formats, units: list[Any], s: Any, cfg: Any, interim: bool
) -> None:
    """公示: the ranks and grades by group on one portrait A4 page, ready to post."""
    ws = book.add_worksheet("公示")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 14)
    title = f"{s.year}年度重点工作考评结果公示"
    ws.merge_range(0, 0, 0, 2, title + ("（阶段性结果）" if interim else ""), fmt.title)
    ws.set_row(0, 36)
    stage = (
        f"本结果依据截至 {_chinese_date(s.as_of)} 的数据（{s.period}），不是年度最终结果。"
        if interim
        else f"数据截止日期：{_chinese_date(s.as_of)}。"
    )
    ws.merge_range(
        1,
        0,
        1,
        2,
        "根据“四个体系”考核评价办法，经部门自评、专班小组评价、群众测评和战线领导综合评价，现将考评结果公示如下。"
        + stage,
        fmt.plain,
    )
    ws.set_row(1, 48)
    row = _publication_groups(ws, fmt, units, cfg, 3)
    _publication_close(book, ws, fmt, units, row)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 1)  # one A4 page to post
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _chinese_date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _publication_groups(
    ws: Any, fmt: Formats, units: list[Any], cfg: Any, row: int
) -> int:
    """From ``row``: each group's ranked units by rank (排名, 单位, 等次); returns the row
    after the last group and its blank line."""
    groups = (
        sorted({u.group for u in units if u.ranked}, key=_group_order)
        if cfg.rank_separately
        else ["全部单位"]
    )
    for group in groups:
        members = [
            u for u in units if u.ranked and (u.group == group or not cfg.rank_separately)
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
    book: Any, ws: Any, fmt: Formats, units: list[Any], row: int
) -> None:
    """From ``row``: the units not ranked and why, where to object, and the office's
    signature with a blank date to fill in when it is posted."""
    for grade, text in (
        ("无法评定", "以下单位缺少评价数据，本次未评定："),
        ("不予评定", "以下单位不符合评定条件，本次不予评定："),
    ):
        names = [u.name for u in units if not u.ranked and u.grade == grade]
        if names:
            ws.merge_range(row, 0, row, 2, text + "、".join(names), fmt.plain)
            ws.set_row(row, 30)
            row += 2
    ws.merge_range(
        row, 0, row, 2, "公示期间如有异议，请向领导小组办公室反映。", fmt.plain
    )
    right = book.add_format({"font_name": "宋体", "font_size": 11, "align": "right"})
    ws.merge_range(row + 2, 0, row + 2, 2, "“四个体系”领导小组办公室", right)
    # dated by hand when posted: the same inputs give the same workbook
    ws.merge_range(row + 3, 0, row + 3, 2, "年    月    日", right)


def _robustness(
    book: Any, fmt: Formats, units: list[Any], ranks: dict[str, dict[str, int]], cfg: Any
) -> None:
    """稳健性: each unit's rank with one source left out, big moves marked red."""
    rows = []
    for u in (u for u in units if u.ranked):
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
    """说明: the scoring rules as configured (the README's words), and where to change them."""
    pairs = [
        *scoring_rules(cfg),
        ("规则从哪里改", "任务总表的“考评设置”“加减分规则”“加减分登记”三张表。"),
    ]
    ws = book.add_worksheet("说明")
    write_key_values(ws, fmt, pairs, start_row=0, widths=(20, 100))
    setup_print(ws, landscape=False)


RESULT_FILE = "考评结果.xlsx"
