"""领导看板.html as a leader sees it: opened in a real headless browser (Debian's chromium)
at phone and desktop width, its figures equal to 领导汇总.xlsx's, and nothing asked of
the network; plus the page's rules (escaping, empty periods, the caps of its lists)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from siyi_xlsx import api
from siyi_xlsx.compute.overview import DONE_RULE
from siyi_xlsx.compute.progress import STATUS_ORDER, status_rules
from siyi_xlsx.statuses import ReturnStatus
from siyi_xlsx.write.dashboard import (
    DASHBOARD_FILE,
    MAX_BARS,
    MAX_RANKED,
    URGENT_SHOWN,
    _ranking_figure,
    _status_figure,
    _urgent_section,
    dashboard_html,
)
from siyi_xlsx.write.summary import SUMMARY_FILE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND"  # any host name fails to resolve
WIDTHS = {"phone": 390, "desktop": 1280}
# what the browser itself fetches (updates, accounts) carries no page as initiator
BROWSER_OWN = "not an origin"


# ------------------------------------------------------------------ the browser


def _browser() -> str:
    if CHROMIUM is None:
        if os.environ.get("SIYI_ALLOW_SKIP") == "1":
            pytest.skip("chromium 未安装（SIYI_ALLOW_SKIP=1）")
        pytest.fail(
            "chromium 未安装：apt-get install -y --no-install-recommends chromium "
            "fonts-noto-cjk（.ci/run 会安装）"
        )
    return CHROMIUM


def _start(profile: Path, url: str, *args: str, out: Path | None = None):
    """One headless chromium with its own profile; stdout into ``out``."""
    profile.mkdir(parents=True)
    sink = open(out, "wb") if out else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [_browser(), *FLAGS, f"--user-data-dir={profile}", *args, url],
        stdout=sink,
        stderr=subprocess.DEVNULL,
    )
    return proc, sink


@dataclasses.dataclass
class Page:
    path: Path
    html: str
    dom: str  # as the browser built it, with no host name resolvable
    net_log: Path  # every request chromium made while loading the page
    control_log: Path  # the same for a page that does ask the network
    probe: str  # the DOM of a copy measuring its own width at phone width
    shots: dict[str, Path]
    pdf: Path  # as chromium prints it
    summary: Path  # 领导汇总.xlsx of the same run


CONTROL = (
    '<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<link rel="stylesheet" href="https://cdn.example.com/x.css"></head>'
    '<body><img src="http://example.invalid/x.png"></body></html>'
)
# a phone's width: headless chromium lays out --dump-dom at 500 px at least, so the probe
# narrows the page itself (the phone styles, max-width 600 px, apply either way)
PROBE = (
    "<script>document.documentElement.style.width = '390px';"
    "document.body.setAttribute('data-scroll-width', document.body.scrollWidth)"
    "</script></body>"
)


@pytest.fixture(scope="module")
def page(sample_run, tmp_path_factory) -> Page:
    """The sample period's page, written as `siyi dashboard` does, then loaded by four
    browsers at once: the page offline with a network log (its DOM, the phone screenshot
    and a printout), the desktop screenshot, a control page with a network log, and a
    phone-width probe."""
    folder, result = sample_run
    work = tmp_path_factory.mktemp("dashboard")
    path = api.dashboard(folder, work / "发布").path
    html = path.read_text("utf-8")
    control = work / "control.html"
    control.write_text(CONTROL, "utf-8")
    probe = work / "probe.html"  # no CSP, so that its one script may run
    probe.write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html).replace(
            "</body>", PROBE
        ),
        "utf-8",
    )
    net_log, control_log = work / "net.json", work / "control.json"
    shots = {k: work / f"{k}.png" for k in WIDTHS}
    pdf = work / "print.pdf"
    runs = [
        # one browser builds the DOM, takes the phone screenshot and prints (a run can do
        # all three), with no host name resolvable, keeping a log of its requests
        _start(
            work / "p-page",
            path.as_uri(),
            OFFLINE,
            f"--log-net-log={net_log}",
            f"--screenshot={shots['phone']}",
            f"--window-size={WIDTHS['phone']},2000",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            "--dump-dom",
            out=work / "dom.html",
        ),
        _start(
            work / "p-desktop",
            path.as_uri(),
            OFFLINE,
            f"--screenshot={shots['desktop']}",
            f"--window-size={WIDTHS['desktop']},2000",
        ),
        _start(
            work / "p-control",
            control.as_uri(),
            OFFLINE,
            f"--log-net-log={control_log}",
            "--dump-dom",
        ),
        _start(
            work / "p-probe",
            probe.as_uri(),
            f"--window-size={WIDTHS['phone']},2000",
            "--dump-dom",
            out=work / "probe.dom.html",
        ),
    ]
    for proc, sink in runs:
        try:
            assert proc.wait(timeout=90) == 0
        finally:
            if sink is not subprocess.DEVNULL:
                sink.close()
    return Page(
        path,
        html,
        (work / "dom.html").read_text("utf-8"),
        net_log,
        control_log,
        (work / "probe.dom.html").read_text("utf-8"),
        shots,
        pdf,
        folder / "output" / result.campaign.settings.period / SUMMARY_FILE,
    )


# ------------------------------------------------------------- reading the DOM

VOID = {"meta", "br", "img", "link", "input", "hr", "col", "wbr", "source", "area"}


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = dataclasses.field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag: str | None = None, **attrs: str | None) -> list[Node]:
        """Every node below with this tag and these attributes (None: present)."""
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (tag is None or child.tag == tag) and all(
                (k.replace("_", "-") in child.attrs)
                if v is None
                else child.attrs.get(k.replace("_", "-")) == v
                for k, v in attrs.items()
            ):
                found.append(child)
            found += child.all(tag, **attrs)
        return found

    def one(self, tag: str | None = None, **attrs: str | None) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):  # noqa: ANN001
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):  # noqa: ANN001
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):  # noqa: ANN001
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    return tree.root


def bars(chart: Node, group: str, key: str) -> dict[str, dict[str, int]]:
    """{row label: {status: count, 合计: total}} as a stacked chart draws it."""
    out = {}
    for g in chart.all("g", **{"class": group}):
        counts = {s: 0 for s in STATUS_ORDER}
        for rect in g.all("rect", data_status=None):
            counts[rect.attrs["data-status"]] = int(rect.attrs["data-value"])
        counts["合计"] = int(g.attrs["data-total"])
        out[g.attrs[key]] = counts
    return out


def sheet_rows(ws, header_row: int = 3) -> list[dict]:
    """The rows of a write_frame sheet under its header row, by column title."""
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    titles = rows[0]
    return [dict(zip(titles, r, strict=True)) for r in rows[1:] if any(r)]


# -------------------------------------------------------------------- the page


def test_the_page_shows_the_figures_of_the_summary_workbook(page):
    book = openpyxl.load_workbook(page.summary)
    dom = parse(page.dom)
    front = book["一页汇总"]
    labels = [c.value for c in front[3] if c.value]
    values = [c.value for c in front[4]]
    tiles = {
        t.attrs["data-figure"]: t.one("span", **{"class": "value"}).text()
        for t in dom.all("div", data_figure=None)
    }
    assert list(tiles) == labels  # the same tiles, in the same order
    for col, label in enumerate(labels):
        shown = tiles[label]
        assert (shown if isinstance(values[col], str) else int(shown)) == values[col]
    assert dom.one(id="returns-line").text() == front["A5"].value
    title = front["A1"].value
    assert dom.one(id="period").text() in title and dom.one(id="as-of").text() in title

    for sheet, key in (("按重点领域", "重点领域"), ("按战线领导", "战线领导")):
        expected = {
            r[key]: {s: r[s] for s in [*STATUS_ORDER, "合计"]}
            for r in sheet_rows(book[sheet])
            if r[key] != "合计"
        }
        assert bars(dom.one("figure", data_chart=sheet), "row", "data-label") == expected
    history = {
        r["期次"]: {**{s: r[s] for s in STATUS_ORDER}, "合计": 0}
        for r in sheet_rows(book["趋势"])
    }
    for counts in history.values():
        counts["合计"] = sum(counts[s] for s in STATUS_ORDER)
    assert bars(dom.one("figure", data_chart="趋势"), "col", "data-period") == history

    ranking = sheet_rows(book["单位排名"])
    ranked = [
        (r["排名"], r["牵头单位"], r["正常推进率(%)"]) for r in ranking if r["排名"]
    ]
    chart = dom.one("figure", data_chart="单位排名")
    drawn = [
        (int(g.attrs["data-rank"]), g.attrs["data-unit"], float(g.attrs["data-rate"]))
        for g in chart.all("g", data_unit=None)
    ]
    assert drawn == ranked and len(ranked) > 20
    for r in ranking:
        if not r["排名"]:
            assert r["牵头单位"] in chart.text()  # named as not ranked

    urgent = [r["任务编号"] for r in sheet_rows(book["紧急事项"])]
    shown = [
        tr.attrs["data-task"] for tr in dom.one(id="urgent").all("tr", data_task=None)
    ]
    assert shown == urgent[:URGENT_SHOWN] and shown
    soon = [r["任务编号"] for r in sheet_rows(book["近期到期节点"])]
    listed = dom.one(id="milestones").all("tr", data_task=None)
    assert [tr.attrs["data-task"] for tr in listed] == soon
    # every unit the 报送情况 line names as not reported is in the page's list
    missing = [
        u.attrs["data-unit"] for u in dom.one(id="missing").all("tr", data_unit=None)
    ]
    assert missing and all(name in front["A5"].value for name in missing)


def test_the_page_asks_nothing_of_the_network(page):
    html = page.html
    # nothing that could point outside the file: no address, no import, no script
    assert not re.search(r"""(?i)\b(src|href|srcset|action|poster|data)\s*=""", html)
    assert not re.search(r"(?i)@import|url\(|<script|<link|<iframe|<object|<embed", html)
    assert "://" not in html
    assert "default-src 'none'" in html  # and the browser is told to refuse any request
    # the browser built the whole page with no host name resolvable …
    dom = parse(page.dom)
    assert dom.one("footer", id="end") and len(dom.all("svg")) == 4
    # … and the page made no request at all (the browser's own update checks aside),
    # where the control page, which does ask for two addresses, is seen doing so

    def page_requests(log: Path) -> list[str]:
        data = json.loads(log.read_text("utf-8"))
        start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        return [
            e["params"]["url"]
            for e in data["events"]
            if e["type"] == start
            and "url" in e.get("params", {})
            and e["params"].get("initiator") != BROWSER_OWN
        ]

    assert page_requests(page.net_log) == []
    assert sorted(page_requests(page.control_log)) == [
        "http://example.invalid/x.png",
        "https://cdn.example.com/x.css",
    ]


def png(path: Path) -> tuple[int, int, int]:
    """Width, height and how many distinct byte values the image data holds (a blank
    page has a handful whatever the PNG filters; a page with text and charts, hundreds)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    width, height = struct.unpack(">II", data[16:24])
    return width, height, len(set(zlib.decompress(b"".join(idat))))


def test_the_page_renders_at_phone_and_desktop_width(page):
    for kind, width in WIDTHS.items():
        w, h, values = png(page.shots[kind])
        assert (w, h) == (width, 2000), kind
        assert values > 100, f"{kind}: the screenshot is blank"
    # at phone width nothing is wider than the screen (wide tables scroll in their box)
    probe = parse(page.probe).one("body")
    assert 0 < int(probe.attrs["data-scroll-width"]) <= 390
    # the system has a Chinese font for the stack to fall back on (.ci/run installs
    # fonts-noto-cjk); without one every character would be a box
    fonts = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    assert fonts.stdout.strip(), "没有中文字体：apt-get install fonts-noto-cjk"


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("SIYI_ALLOW_SKIP") == "1":
            pytest.skip(f"{tool} 未安装（SIYI_ALLOW_SKIP=1）")
        pytest.fail(f"{tool} 未安装：apt-get install poppler-utils（.ci/run 会安装）")
    return found


def test_the_page_prints_on_a4_without_cutting_a_chart(page):
    info = subprocess.run(
        [_poppler("pdfinfo"), str(page.pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "(A4)" in info
    text = subprocess.run(
        [_poppler("pdftotext"), str(page.pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = [re.sub(r"\s", "", p) for p in text.split("\f") if p.strip()]
    assert 3 <= len(pages) <= 8
    dom = parse(page.dom)
    # the headline figures together on the first page
    assert all(t.attrs["data-figure"] in pages[0] for t in dom.all(data_figure=None))

    def page_of(words: str) -> int:
        found = [n for n, p in enumerate(pages) if re.sub(r"\s", "", words) in p]
        assert len(found) == 1, (words, found)
        return found[0]

    # a chart is never cut: its caption and its source line (below it) share a page
    for figure in dom.all("figure", data_chart=None):
        caption = figure.one("figcaption").text()
        source = figure.one("p", **{"class": "source"}).text()
        assert page_of(caption) == page_of(source), caption
    # the lists and the rules each begin a page
    for heading in ("最紧急的事项", "口径说明"):
        assert pages[page_of(heading)].startswith(heading)


# ------------------------------------------------------------ rules, in memory


def test_text_from_the_units_is_escaped(sample_run):
    _, result = sample_run
    evil = '<script>alert("x")</script>&<img src=x>'
    tasks = result.tasks.copy()
    tasks.loc[tasks.index[0], ["title", "area", "front_leader"]] = evil
    tasks.loc[tasks["lead_unit"] == tasks["lead_unit"].iloc[0], "lead_unit"] = evil
    returns = [
        {**r, "name": evil} if r["status"] == ReturnStatus.MISSING else r
        for r in result.returns
    ]
    html = dashboard_html(dataclasses.replace(result, tasks=tasks, returns=returns))
    assert "<script" not in html and "<img" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;img src=x&gt;" in html
    )


def test_a_period_without_tasks_or_returns_still_gives_a_page(sample_run):
    _, result = sample_run
    empty = dataclasses.replace(
        result,
        tasks=result.tasks.iloc[0:0],
        milestones=result.milestones.iloc[0:0],
        problems=None,
        previous=[],
        returns=[
            {**r, "status": ReturnStatus.MISSING, "file": ""} for r in result.returns
        ],
    )
    dom = parse(dashboard_html(empty))
    assert dom.one("div", data_figure="重点任务").text().endswith("0")
    assert dom.one("div", data_figure="正常推进率").text().endswith("—")
    charts = dom.one(id="charts").text()
    assert "任务总表中还没有重点任务" in charts and "尚无已报送任务的牵头单位" in charts
    assert "没有滞后的" in dom.one(id="urgent").text()
    assert len(dom.one(id="missing").all("tr", data_unit=None)) == len(result.returns)


def test_the_rules_read_as_in_the_ledger(sample_run):
    _, result = sample_run
    notes = parse(dashboard_html(result)).one(id="notes")
    rules = status_rules(result.campaign.settings)
    assert [dt.text() for dt in notes.all("dt")] == [k for k, _ in rules]
    assert [dd.text() for dd in notes.all("dd")] == [v for _, v in rules]
    assert DONE_RULE in notes.text()


def _ranking(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": range(1, n + 1),
            "lead_unit": [f"单位{i}" for i in range(n)],
            "rate": [100 - i * 100 / n for i in range(n)],
        }
    )


@pytest.mark.parametrize("n", [MAX_RANKED, MAX_RANKED + 1])
def test_the_ranking_chart_shows_every_unit_up_to_its_cap_then_the_lowest(n):
    figure = parse(_ranking_figure(_ranking(n)))
    drawn = [g.attrs["data-unit"] for g in figure.all("g", data_unit=None)]
    assert len(drawn) == min(n, MAX_RANKED)
    assert drawn[-1] == f"单位{n - 1}"  # the lowest is always there, and named
    assert (f"最低的 {MAX_RANKED} 个牵头单位（共 {n} 个" in figure.text()) == (
        n > MAX_RANKED
    )


@pytest.mark.parametrize("n", [MAX_BARS, MAX_BARS + 1])
def test_a_status_chart_shows_every_row_up_to_its_cap_then_the_latest(n):
    table = pd.DataFrame(
        [
            {
                "front_leader": f"领导{i}",
                **{s: 0 for s in STATUS_ORDER},
                "严重滞后": i % 3,
            }
            for i in range(n)
        ]
    )
    table["合计"] = table[list(STATUS_ORDER)].sum(axis=1)
    table.loc[len(table)] = {"front_leader": "合计", **table.sum(numeric_only=True)}
    figure = parse(_status_figure("按战线领导", "状态", table, "front_leader", "位领导"))
    drawn = [g.attrs["data-label"] for g in figure.all("g", data_label=None)]
    if n <= MAX_BARS:  # all of them, in the table's order
        assert drawn == [f"领导{i}" for i in range(n)]
        assert "最多的" not in figure.text()
    else:  # the most 严重滞后 first; ties in the table's order
        latest = sorted(range(n), key=lambda i: -(i % 3))[:MAX_BARS]
        assert drawn == [f"领导{i}" for i in latest]
        assert f"最多的 {MAX_BARS} 位，共 {n} 位领导" in figure.text()


@pytest.mark.parametrize("n", [URGENT_SHOWN, URGENT_SHOWN + 1])
def test_the_urgent_list_shows_the_first_ten_and_says_how_many_more(n):
    urgent = pd.DataFrame(
        {
            "task_id": [f"ZD{i:03}" for i in range(n)],
            "status": "严重滞后",
            "max_overdue_days": range(n, 0, -1),
            "title": "任务",
            "lead_unit": "单位",
            "front_leader": "领导",
            "reason": "逾期",
        }
    )
    section = parse(_urgent_section(urgent))
    assert len(section.all("tr", data_task=None)) == URGENT_SHOWN
    assert (f"共 {n} 项" in section.text()) == (n > URGENT_SHOWN)


def test_siyi_dashboard_writes_the_page_into_the_publish_folder(sample_run):
    from click.testing import CliRunner

    from siyi_xlsx.cli import main

    folder, result = sample_run
    out = runner_out = CliRunner().invoke(main, ["dashboard", str(folder)])
    assert out.exit_code == 0, runner_out.output
    period = result.campaign.settings.period
    path = folder / "output" / period / "发布" / DASHBOARD_FILE
    assert out.output.startswith(f"期次 {period}") and str(path) in out.output
    assert path.read_text("utf-8").startswith("<!DOCTYPE html>")
