"""领导看板.html: the period on one self-contained web page for the leaders.

The page shows what 领导汇总.xlsx's 一页汇总 shows (the headline figures, 报送情况, the
charts, the most urgent tasks) plus the units that have not reported and the milestones
due soon, with the same numbers: both take them from the same functions
(compute/overview.py, compute/progress.py and the tables of write/summary.py).

It must work from a file on a phone, an intranet share or a printout, with no network:
every style is inline, the charts are inline SVG drawn here, there is no script, fonts
are the system's, and a Content-Security-Policy forbids the browser any request. Every
text that comes from the master or a unit's file is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siyi_xlsx.compute.overview import (
    ALARM_FIGURES,
    DONE_RULE,
    RATE_LABEL,
    headline_figures,
    on_track_rate,
    open_problems,
    unreported_units,
    urgent_tasks,
)
from siyi_xlsx.compute.progress import (
    STATUS_ORDER,
    master_rank,
    status_counts,
    status_rules,
)
from siyi_xlsx.write.summary import (
    CHART_COLORS,
    MAX_NAMES,
    SUMMARY_FILE,
    due_soon,
    return_line,
    trend,
    unit_ranking,
)
from siyi_xlsx.write.xlsx import landing

if TYPE_CHECKING:
    from siyi_xlsx.compute.analysis import Analysis

DASHBOARD_FILE = "领导看板.html"
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)
URGENT_SHOWN = 10  # as many as 一页汇总 lists
MAX_ROWS = 50  # rows of a list on the page; the page says where the rest are
MAX_RANKED = 40  # units drawn in the ranking chart; beyond, the lowest MAX_RANKED
MAX_BARS = 20  # rows of a status chart; beyond, those with the most late tasks
LATENESS = ["严重滞后", "滞后", "未报送"]  # what “the most late tasks” sorts by
DARK_TEXT = {"滞后", "未报送", "未开始"}  # light fills: their counts are written in black


def write_dashboard(out_dir: Path, analysis: Analysis) -> Path:
    """Write 领导看板.html of ``analysis`` (the period as ``siyi run`` left it) into
    ``out_dir`` (output/<期次>/发布/), atomically; return its path.

    The analysis comes from the caller, who holds the campaign store (see
    ``api.dashboard``): the writers come before the pipeline, and the campaign lock is
    not re-entrant."""
    path = out_dir / DASHBOARD_FILE
    page = dashboard_html(analysis)
    with landing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.write(page)
    return path


def dashboard_html(result: Analysis) -> str:
    """The whole page as one string (nothing read, nothing written)."""
    campaign = result.campaign
    s = campaign.settings
    tasks = result.tasks
    still_open, overdue = open_problems(result.problems)
    soon = due_soon(result, tasks)
    figures = headline_figures(tasks, len(still_open), len(overdue), len(soon))
    title = f"{s.year}年重点工作推进情况"
    head = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # no request of any kind: a file on a share must not reach out, even by mistake
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="generator" content="siyi">\n'
        f"<title>{_e(title)}（{_e(s.period)}）</title>\n<style>{CSS}</style>\n</head>\n"
    )
    body = [
        '<body>\n<header class="top">',
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">期次 <b id="period">{_e(s.period)}</b>　数据截止 '
        f'<b id="as-of">{_e(s.as_of.isoformat())}</b>　领导看板</p>',
        "</header>\n<main>",
        _figures_section(
            figures, on_track_rate(tasks), return_line(result.returns, tasks)
        ),
        _charts_section(result, tasks),
        _urgent_section(urgent_tasks(tasks)),
        _missing_section(unreported_units(result.returns)),
        _soon_section(soon, s),
        _notes_section(s),
        "</main>",
        f'<footer id="end">数据来源：siyi run 的本期结果，与 {_e(SUMMARY_FILE)} 同一口径。'
        "本页不联网，可直接打开、转发或打印。</footer>",
        "</body>\n</html>\n",
    ]
    return head + "\n".join(body)


# ------------------------------------------------------------------- sections


def _figures_section(figures: list[tuple[str, int]], rate: str, returns: str) -> str:
    """The tiles of 一页汇总 and its 报送情况 line."""
    tiles = []
    for label, value in figures:
        alarm = " alarm" if label in ALARM_FIGURES and value else ""
        tiles.append(
            f'<div class="tile{alarm}" data-figure="{_e(label)}">'
            f'<span class="label">{_e(label)}</span>'
            f'<span class="value">{value}</span></div>'
        )
    tiles.append(
        f'<div class="tile rate" data-figure="{RATE_LABEL}">'
        f'<span class="label">{RATE_LABEL}</span><span class="value">{_e(rate)}</span></div>'
    )
    return (
        '<section id="figures"><h2>主要数字</h2>\n'
        f'<div class="tiles">{"".join(tiles)}</div>\n'
        f'<p class="returns" id="returns-line">{_e(returns)}</p>\n</section>'
    )


def _charts_section(result: Analysis, tasks: pd.DataFrame) -> str:
    """Status by 重点领域 and by 战线领导, the trend across periods, and the units'
    ranking: the four charts of 一页汇总, from the same tables."""
    campaign = result.campaign
    by_area = status_counts(tasks, "area")
    by_leader = status_counts(tasks, "front_leader", tuple(campaign.leaders))
    ranking = unit_ranking(tasks, master_rank(campaign))
    legend = "".join(
        f'<span><i style="background:{CHART_COLORS[k]}"></i>{_e(k)}</span>'
        for k in STATUS_ORDER
    )
    figures = [
        _status_figure("按重点领域", "各重点领域任务状态", by_area, "area", "个领域"),
        _status_figure(
            "按战线领导", "各战线领导分管任务状态", by_leader, "front_leader", "位领导"
        ),
        _figure("趋势", "各期任务状态趋势", _trend_columns(trend(result, tasks))),
        _ranking_figure(ranking),
    ]
    return (
        '<section id="charts"><h2>图表</h2>\n'
        f'<div class="legend" aria-label="图例">{legend}</div>\n'
        f'<div class="charts">{"".join(figures)}</div>\n</section>'
    )


def _figure(sheet: str, caption: str, svg: str, wide: bool = False) -> str:
    """A chart with its caption and the 领导汇总 sheet its numbers are in."""
    return (
        f'<figure class="chart{" wide" if wide else ""}" data-chart="{_e(sheet)}">'
        f"<figcaption>{_e(caption)}</figcaption>{svg}"
        f'<p class="source">数据：{_e(SUMMARY_FILE)}“{_e(sheet)}”表</p></figure>'
    )


def _status_figure(
    sheet: str, caption: str, table: pd.DataFrame, by: str, counter: str
) -> str:
    """A status count table as a stacked bar chart: every row in the table's order, or,
    beyond MAX_BARS rows, the MAX_BARS with the most 严重滞后 (then 滞后, 未报送)."""
    rows = table[table[by] != "合计"] if not table.empty else table
    if len(rows) > MAX_BARS:
        rows = rows.sort_values(LATENESS, ascending=False, kind="stable").head(MAX_BARS)
        caption += f"（严重滞后、滞后最多的 {MAX_BARS} {counter[0]}，共 {len(table) - 1} {counter}）"
    return _figure(sheet, caption, _stacked_bars(rows, by))


def _ranking_figure(ranking: pd.DataFrame) -> str:
    """The ranked units by 正常推进率 (all of them, or the lowest MAX_RANKED), then a
    line naming the units not ranked."""
    ranked = ranking[ranking["rank"].notna()]
    unranked = list(ranking[ranking["rank"].isna()]["lead_unit"])
    if ranked.empty:
        return _figure(
            "单位排名",
            "牵头单位正常推进率排名",
            '<p class="empty">尚无已报送任务的牵头单位，不作排名。</p>',
            wide=True,
        )
    caption = f"牵头单位正常推进率排名（{len(ranked)} 个单位）"
    if len(ranked) > MAX_RANKED:
        caption = (
            f"正常推进率最低的 {MAX_RANKED} 个牵头单位（共 {len(ranked)} 个参加排名）"
        )
        ranked = ranked.tail(MAX_RANKED)
    extra = ""
    if unranked:
        extra = (
            f'<p class="note">没有已报送任务、不参加排名的 {len(unranked)} 个单位：'
            f"{_e('、'.join(unranked[:MAX_NAMES]))}"
            f"{'等' if len(unranked) > MAX_NAMES else ''}</p>"
        )
    return _figure("单位排名", caption, _ranking_bars(ranked) + extra)


def _urgent_section(urgent: pd.DataFrame) -> str:
    """The most urgent tasks, as 一页汇总 lists them (严重滞后 first, by days overdue)."""
    head = '<section id="urgent" class="page"><h2>最紧急的事项</h2>\n'
    if urgent.empty:
        return head + '<p class="empty">已报送的任务中没有滞后的。</p>\n</section>'
    rows = []
    for item in urgent.head(URGENT_SHOWN).to_dict("records"):
        status = str(item["status"])
        rows.append(
            f'<tr data-task="{_e(item["task_id"])}"><td class="nw">{_e(item["task_id"])}</td>'
            f'<td><span class="badge s-{_e(status)}">{_e(status)}</span></td>'
            f'<td class="num">{int(item["max_overdue_days"] or 0)}</td>'
            f"<td>{_e(item['title'])}</td><td>{_e(item['lead_unit'])}</td>"
            f'<td class="nw">{_e(item["front_leader"] or "")}</td>'
            f"<td>{_e(item['reason'])}</td></tr>"
        )
    more = (
        f'<p class="note">共 {len(urgent)} 项滞后或严重滞后，这里列出最紧急的 {URGENT_SHOWN} 项；'
        f"全部见 {_e(SUMMARY_FILE)}“紧急事项”表。</p>"
        if len(urgent) > URGENT_SHOWN
        else ""
    )
    return (
        head
        + '<p class="note">严重滞后在前，按逾期天数排列；未报送单位的任务不作判定，不在此列。</p>'
        + _table(
            ["任务", "状态", "逾期天数", "重点工作", "牵头单位", "战线领导", "判定依据"],
            rows,
        )
        + more
        + "\n</section>"
    )


def _missing_section(units: list[dict[str, Any]]) -> str:
    """The units due to report whose data this period lacks (未报送, 文件未采用)."""
    head = '<section id="missing"><h2>未报送的单位</h2>\n'
    if not units:
        return (
            head + '<p class="empty">应报送的单位都已报送可采用的填报表。</p>\n</section>'
        )
    rows = [
        f'<tr data-unit="{_e(u["name"])}"><td>{_e(u["name"])}</td><td class="nw">{_e(u["kind"])}</td>'
        f'<td class="num">{int(u["tasks"] or 0)}</td><td class="nw">{_e(u["why"])}</td></tr>'
        for u in units[:MAX_ROWS]
    ]
    return (
        head
        + '<p class="note">这些单位牵头的任务本期显示为“未报送”（灰灯），不作判定，不计入正常推进率。</p>'
        + _table(["单位", "类别", "牵头任务", "情况"], rows, wide=False)
        + _more(len(units), "校验报告.xlsx“报送情况”表")
        + "\n</section>"
    )


def _soon_section(soon: pd.DataFrame, s: Any) -> str:
    """The milestones not done that fall due within 临期提醒天数 after the as-of date."""
    head = '<section id="milestones"><h2>近期到期节点</h2>\n'
    if s.warn_days <= 0:
        return head + '<p class="empty">临期提醒天数为 0，不作临期提醒。</p>\n</section>'
    if soon.empty:
        return (
            head
            + f'<p class="empty">数据截止日期后 {s.warn_days} 天内没有到期的未完成节点。</p>\n</section>'
        )
    rows = [
        f'<tr data-task="{_e(m["task_id"])}"><td>{_e(_date(m["planned_date"]))}</td>'
        f'<td class="num">{int(m["days_left"])}</td><td>{_e(m["task_id"])}</td>'
        f"<td>{_e(m['title'])}</td><td>{_e(m['lead_unit'])}</td>"
        f"<td>{_e(m['front_leader'] or '')}</td><td>{_e(m['content'])}</td>"
        f"<td>{_e(m['state'])}</td></tr>"
        for m in soon.head(MAX_ROWS).to_dict("records")
    ]
    return (
        head
        + f'<p class="note">尚未完成、计划完成日期在 {_e(s.as_of.isoformat())} 之后 {s.warn_days} 天内的节点，按到期先后排列。</p>'
        + _table(
            [
                "计划完成",
                "剩余天数",
                "任务",
                "重点工作",
                "牵头单位",
                "战线领导",
                "节点内容",
                "节点状态",
            ],
            rows,
        )
        + _more(len(soon), f"{SUMMARY_FILE}“近期到期节点”表")
        + "\n</section>"
    )


def _notes_section(s: Any) -> str:
    """How the figures are counted: the rules of the ledger's 说明 sheet."""
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in status_rules(s))
    return (
        '<section id="notes" class="page"><h2>口径说明</h2>\n'
        f"<p>{_e(DONE_RULE)}未报送单位的任务不作判定，不计入正常推进率。</p>"
        f'<dl class="rules">{items}</dl>\n</section>'
    )


def _table(headers: list[str], rows: list[str], wide: bool = True) -> str:
    """A table that scrolls sideways on a narrow screen instead of squeezing."""
    cls = ' class="wide"' if wide else ""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return (
        f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _more(total: int, where: str) -> str:
    if total <= MAX_ROWS:
        return ""
    return f'<p class="note">共 {total} 项，这里列出前 {MAX_ROWS} 项；全部见 {_e(where)}。</p>'


# --------------------------------------------------------------------- charts

FONT = 13  # px in the chart's own units; the charts scale with the screen


def _stacked_bars(rows: pd.DataFrame, by: str) -> str:
    """One stacked bar per row of a status count table, the row's name above its bar,
    each segment's count in it, the total after it."""
    if rows.empty:
        return '<p class="empty">任务总表中还没有重点任务。</p>'
    width, right, step = 360, 34, 38
    top = max(int(rows["合计"].max()), 1)
    scale = (width - right) / top
    height = step * len(rows) + 4
    parts = [_svg_open(width, height, "堆积条形图")]
    for n, row in enumerate(rows.to_dict("records")):
        y = n * step
        label = str(row[by])
        parts.append(
            f'<g class="row" data-label="{_e(label)}" data-total="{int(row["合计"])}">'
            f'<text x="0" y="{y + 13}" font-size="{FONT}">{_e(_short(label, 30))}</text>'
        )
        x = 0.0
        for status in STATUS_ORDER:
            value = int(row[status])
            if not value:
                continue
            w = value * scale
            parts.append(_segment(x, y + 17, w, 16, status, value, label))
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 30}" font-size="{FONT - 1}" class="total">'
            f"{int(row['合计'])}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _trend_columns(history: pd.DataFrame) -> str:
    """One stacked column per period (oldest first), its total above it."""
    n = len(history)
    width = max(360, 56 * n + 20)
    height, base, top_pad = 230, 200, 22
    top = max(int(history[list(STATUS_ORDER)].sum(axis=1).max()), 1)
    scale = (base - top_pad) / top
    slot = (width - 20) / n
    bar = min(44.0, slot * 0.6)
    parts = [_svg_open(width, height, "堆积柱形图")]
    parts.append(
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>'
    )
    for i, row in enumerate(history.to_dict("records")):
        cx = 10 + slot * (i + 0.5)
        total = sum(int(row[k]) for k in STATUS_ORDER)
        period = str(row["period"])
        parts.append(f'<g class="col" data-period="{_e(period)}" data-total="{total}">')
        y = float(base)
        for status in STATUS_ORDER:
            value = int(row[status])
            if not value:
                continue
            h = value * scale
            y -= h
            parts.append(
                _segment(cx - bar / 2, y, bar, h, status, value, period, vertical=True)
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{y - 5:.1f}" font-size="{FONT - 1}" '
            f'text-anchor="middle" class="total">{total}</text>'
            f'<text x="{cx:.1f}" y="{base + 18}" font-size="{FONT - 1}" '
            f'text-anchor="middle">{_e(_short(period, 10))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _ranking_bars(ranked: pd.DataFrame) -> str:
    """One bar per ranked unit (0–100 %), in rank order, each named and labelled; a unit
    at 0 % keeps its name and its “0%”."""
    label_w, width, step = 150, 360, 20
    bar_area = width - label_w - 44
    height = step * len(ranked) + 4
    parts = [_svg_open(width, height, "条形图")]
    for n, row in enumerate(ranked.to_dict("records")):
        y = n * step
        rate = float(row["rate"])
        name = str(row["lead_unit"])
        w = bar_area * rate / 100
        parts.append(
            f'<g class="row" data-unit="{_e(name)}" data-rank="{int(row["rank"])}" '
            f'data-rate="{rate:g}"><title>{_e(name)}：正常推进率 {rate:g}%'
            f"（第 {int(row['rank'])} 名）</title>"
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="{FONT - 1}" '
            f'text-anchor="end">{int(row["rank"])}. {_e(_short(name, 12))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 0.5):.1f}" height="14" '
            f'fill="#4472C4"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="{FONT - 1}">'
            f"{rate:g}%</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _segment(
    x: float,
    y: float,
    w: float,
    h: float,
    status: str,
    value: int,
    of: str,
    vertical: bool = False,
) -> str:
    """A coloured part of a stacked bar, its count written in it when there is room."""
    color = CHART_COLORS[status]
    out = (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{color}" '
        f'data-status="{_e(status)}" data-value="{value}">'
        f"<title>{_e(of)}：{_e(status)} {value} 项</title></rect>"
    )
    room = h >= 13 if vertical else w >= 8 * len(str(value)) + 4
    if room:
        ink = "#000" if status in DARK_TEXT else "#fff"
        out += (
            f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 4:.1f}" font-size="{FONT - 2}" '
            f'text-anchor="middle" fill="{ink}">{value}</text>'
        )
    return out


def _svg_open(width: float, height: float, kind: str) -> str:
    # no xmlns: inline SVG in HTML needs none (and the page names no address at all)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{_e(kind)}">'
    )


# ---------------------------------------------------------------------- text


def _e(value: Any) -> str:
    """Text from the master or a unit's file, safe in HTML text and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def _short(text: str, limit: int) -> str:
    """A name cut to ``limit`` characters for a chart label (the full name is in the
    bar's tooltip and in the tables)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


CSS = f"""
*{{box-sizing:border-box}}
html{{-webkit-text-size-adjust:100%;text-size-adjust:100%}}
body{{margin:0;font-family:{FONT_STACK};color:#222;background:#f3f4f6;line-height:1.5}}
header.top{{background:#1f3864;color:#fff;padding:14px 18px}}
h1{{font-size:1.45rem;margin:0}}
.meta{{margin:4px 0 0;opacity:.92}}
main{{max-width:1200px;margin:0 auto;padding:10px}}
section{{background:#fff;border-radius:6px;padding:12px 16px;margin:0 0 12px}}
h2{{font-size:1.15rem;margin:0 0 10px;border-left:4px solid #1f3864;padding-left:8px}}
.tiles{{display:grid;grid-template-columns:repeat(auto-fit,minmax(6em,1fr));gap:8px}}
.tile{{border:1px solid #d9d9d9;border-radius:4px;padding:6px 4px;text-align:center}}
.tile .label{{display:block;font-size:.85rem;color:#555}}
.tile .value{{display:block;font-size:1.7rem;font-weight:700;line-height:1.2}}
.tile.alarm .value{{color:#c00000}}
.tile.rate{{background:#eef3fb}}
.returns{{margin:10px 0 0}}
.legend{{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85rem;margin:0 0 10px}}
.legend i{{display:inline-block;width:.9em;height:.9em;margin-right:4px;vertical-align:-.1em}}
.charts{{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,400px),1fr));gap:16px 24px}}
figure{{margin:0;min-width:0}}
figure.wide{{grid-column:1/-1}}
figcaption{{font-weight:700;margin:0 0 6px}}
svg.chart{{display:block;width:100%;max-width:500px;height:auto;overflow:visible}}
figure.wide svg.chart{{max-width:560px}}
.source,.note{{color:#666;font-size:.85rem;margin:6px 0 0}}
.empty{{color:#444}}
.scroll{{overflow-x:auto;-webkit-overflow-scrolling:touch}}
table{{border-collapse:collapse;width:100%;font-size:.9rem}}
table.wide{{min-width:720px}}
th,td{{border:1px solid #d9d9d9;padding:4px 6px;text-align:left;vertical-align:top}}
th{{background:#f2f2f2;white-space:nowrap}}
td.num{{text-align:right;white-space:nowrap}}
td.nw{{white-space:nowrap}}
.badge{{display:inline-block;padding:0 6px;border-radius:3px;white-space:nowrap}}
.s-严重滞后{{background:#c00000;color:#fff}}
.s-滞后{{background:#ffc000;color:#000}}
dl.rules dt{{font-weight:700;margin-top:6px}}
dl.rules dd{{margin:0 0 0 1.5em}}
footer{{max-width:1200px;margin:0 auto;padding:4px 14px 18px;color:#666;font-size:.8rem}}
@media (max-width:600px){{
 header.top{{padding:10px 12px}}
 h1{{font-size:1.2rem}}
 main{{padding:6px}}
 section{{padding:10px;margin-bottom:8px}}
 .tile .value{{font-size:1.35rem}}
}}
@page{{size:A4;margin:12mm}}
@media print{{
 *{{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
 body{{background:#fff;font-size:10pt}}
 .tile .value{{font-size:1.35rem}}
 header.top{{background:none;color:#000;border-bottom:2px solid #000;padding:0 0 4px}}
 main{{max-width:none;padding:0}}
 section{{padding:0;margin:10px 0 0;border-radius:0}}
 section.page{{break-before:page}}
 h2,.legend{{break-after:avoid}}
 figure,.tile,tr,.returns,dl.rules dd{{break-inside:avoid}}
 .charts{{grid-template-columns:1fr 1fr;gap:6mm 8mm}}
 svg.chart,figure.wide svg.chart{{width:auto;height:auto;max-width:100%;max-height:230mm}}
 .scroll{{overflow:visible}}
 table.wide{{min-width:0}}
 thead{{display:table-header-group}}
}}
"""
