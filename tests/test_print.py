"""Print setup and the slips seen when the result workbooks were printed (issue 12),
tested in memory: the forms print one page wide, the front page's tiles add up, the
催报通知 never dates itself after its own deadlines, and the public versions carry the
public fields only. What LibreOffice makes of the demo's workbooks is in
test_publish.py."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SMALL

from siyi_xlsx.cli import main
from siyi_xlsx.compute import reminders
from siyi_xlsx.read.master import Settings, load_campaign
from siyi_xlsx.write import publish as pub
from siyi_xlsx.write.ledger import (
    REMINDER_DATE_RULE,
    TILE_RULE,
    notice_day,
    write_reminder,
)
from siyi_xlsx.write.score_report import _chart as _score_chart
from siyi_xlsx.write.summary import _bar, _headline_figures
from siyi_xlsx.write.xlsx import Formats, atomic_workbook

D = dt.date
README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
S = Settings(2022, "2022Q3", D(2022, 9, 30), D(2022, 10, 10))  # 补报截止 2022-10-15


# ------------------------------------------------------------- 催报通知's date


@pytest.mark.parametrize(
    ("today", "dated"),
    [
        (D(2022, 10, 1), D(2022, 10, 1)),  # before the deadline: the day itself
        (D(2022, 10, 15), D(2022, 10, 15)),  # 补报截止日期 itself: still the day
        (D(2022, 10, 16), D(2022, 10, 11)),  # one day late: the day after 报送截止日期
        (D(2026, 11, 27), D(2022, 10, 11)),  # reprinted years later
        (D(2022, 9, 1), D(2022, 9, 30)),  # never before the data's own date
    ],
)
def test_a_reminder_is_dated_within_its_deadlines(today, dated):
    assert notice_day(S, today) == dated


def test_without_a_grace_period_or_deadline_the_reminder_date_stays_sensible():
    same = Settings(
        2022, "2022Q3", D(2022, 9, 30), D(2022, 10, 10), resubmit_deadline=D(2022, 10, 10)
    )
    assert notice_day(same, D(2022, 10, 11)) == D(2022, 10, 10)
    assert notice_day(same, D(2022, 10, 10)) == D(2022, 10, 10)
    none = Settings(2022, "2022Q3", D(2022, 9, 30), None)
    assert notice_day(none, D(2026, 1, 1)) == D(2026, 1, 1)


def test_a_reminder_printed_late_asks_for_the_resubmission_date_not_a_passed_one(
    small, tmp_path, monkeypatch
):
    campaign = load_campaign(small.folder)
    monkeypatch.setattr(reminders, "today", lambda: D(2026, 11, 27))
    returns = [
        {"code": "U02", "name": "长青乡", "status": "未报送", "file": "", "errors": 0},
        {"code": "U03", "name": "永安街道办事处", "status": "被退回", "file": "a.xlsx"}
        | {"errors": 2},
    ]
    xlsx, text = write_reminder(tmp_path, campaign, returns)
    body = text.read_text("utf-8")
    assert "2022年10月11日" in body and "2026" not in body
    assert "于补报截止日期 2022-10-15 前" in body and "已过，请" not in body
    assert "请于 2022-10-15 前补报" in body
    sheet = openpyxl.load_workbook(xlsx)["催报通知"]
    texts = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "2022年10月11日" in texts and "“四个体系”领导小组办公室" in texts
    assert REMINDER_DATE_RULE in README and pub.PUBLISH_DIR in README


# ------------------------------------------------------------ 一页汇总's tiles


def _tiles(tmp_path: Path, counts: dict[str, int]) -> dict[str, object]:
    tasks = pd.DataFrame({"status": [s for s, n in counts.items() for _ in range(n)]})
    with atomic_workbook(tmp_path / "front.xlsx") as book:
        ws = book.add_worksheet("一页汇总")
        _headline_figures(book, ws, Formats(book), tasks, 0, 0, 0)
    ws = openpyxl.load_workbook(tmp_path / "front.xlsx")["一页汇总"]
    return {ws.cell(3, c).value: ws.cell(4, c).value for c in range(1, 13)}


def test_the_done_tile_leaves_the_closing_requests_to_their_own_tile(tmp_path):
    counts = {"已完成": 3, "申请销号": 2, "已销号": 1, "正常推进": 4, "滞后": 1}
    tiles = _tiles(tmp_path, counts)
    assert tiles["已完成"] == 4  # 已完成 + 已销号, not the 2 awaiting review
    assert tiles["申请销号"] == 2
    statuses = ("已完成", "申请销号", "正常推进", "未开始", "滞后", "严重滞后", "未报送")
    assert sum(tiles[s] for s in statuses) == tiles["重点任务"] == 11
    assert tiles["正常推进率"] == "90%"  # (11 − 1 closed − 1 late) ÷ 10
    none = _tiles(tmp_path, {"已完成": 1, "正常推进": 1})
    assert (none["已完成"], none["申请销号"]) == (1, 0)
    assert TILE_RULE in README  # the ledger's 说明 quotes it too (test_publish.py)


# ------------------------------------------------------------ forms on paper


def test_the_master_forms_print_one_page_wide_with_their_titles_whole(small):
    book = openpyxl.load_workbook(small.folder / "任务总表.xlsx")
    for name in ("使用说明", "设置", "考评设置", "通报规则"):
        ws = book[name]
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "portrait"), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert (setup.fitToWidth, setup.fitToHeight) in ((1, 0), (None, 0)), name
    # the title spans both columns of the instructions: it is not cut at column A
    assert "A1:B1" in {str(r) for r in book["使用说明"].merged_cells.ranges}
    assert book["设置"].print_title_rows == "$3:$3"


# ------------------------------------------------------------- public versions


def _bulletin(path: Path) -> Path:
    """A 通报 with private columns beside the public ones, and a 批评 sheet."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "通报"
    ws.append(["2022年重点工作季度通报（2022Q3，数据截至 2022-09-30）"])
    ws.append(["说明：内部备注 钱二 13900000001"])
    ws.append(["排名", "单位", "联系人", "联系电话", "亮灯", "表扬/批评", "存在问题"])
    ws.append([1, "长青乡", "李四", "13900000002", "绿", "表扬", "问题甲未整改"])
    ws.append([None, "区统计局", "王八", "13900000004", "灰", None, None])
    ws.append([])
    ws.append(["内部备注：钱二 13900000001"])
    criticism = book.create_sheet("批评")
    criticism.append(["季度通报批评名单"])
    criticism.append(["连续 2 期被批评的，提出诫勉谈话建议。"])
    criticism.append(["排名", "单位", "批评理由", "诫勉谈话建议"])
    criticism.append([2, "区发展和改革局", "逾期未整改问题 2 个", "建议对赵一诫勉谈话"])
    book.save(path)
    return path


def _texts(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(
        str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v
    )


def test_a_public_bulletin_carries_the_public_fields_only(tmp_path):
    public = pub.write_public_bulletin(
        _bulletin(tmp_path / "通报_2022Q3.xlsx"), tmp_path / "public.xlsx", S
    )
    text = _texts(public)
    for shown in (
        "长青乡",
        "区统计局",
        "表扬",
        "灰",
        "区发展和改革局",
        "逾期未整改问题 2 个",
    ):
        assert shown in text
    for hidden in ("李四", "1390000000", "问题甲", "钱二", "内部备注", "赵一", "诫勉"):
        assert hidden not in text, hidden
    headers = set(pub.PUBLIC_FIELDS["通报"]) | set(pub.PUBLIC_FIELDS["批评"])
    assert {"联系人", "联系电话", "存在问题", "诫勉谈话建议"}.isdisjoint(text.split("\n"))
    assert headers <= set(text.split("\n"))
    assert "表扬名单" in text and "（无）" in text  # no 表扬 sheet: an empty list
    # README lists the public fields as declared
    listed = "；".join(f"{k}：{'、'.join(v)}" for k, v in pub.PUBLIC_FIELDS.items())
    assert listed in README


def test_sheet_tables_take_each_table_under_its_heading_up_to_the_blank_row():
    book = openpyxl.Workbook()
    ws = book.active
    for row in (
        ["公示标题"],
        [],
        ["区直部门"],
        ["排名", "单位", "等次", "最终得分"],
        [1, "区统计局", "优秀", 95.5],
        [],
        ["乡镇街道"],
        ["排名", "单位", "等次", "最终得分"],
        [1, "长青乡", "良好", 88],
        [2, "永安街道办事处", "一般", 70],
        [],
        ["排名", "单位"],  # not every public field: not a table
        [9, "不应读到"],
    ):
        ws.append(row)
    tables = pub.sheet_tables(ws, pub.PUBLIC_FIELDS["公示"])
    assert [(h, [r["单位"] for r in rows]) for h, rows in tables] == [
        ("区直部门", ["区统计局"]),
        ("乡镇街道", ["长青乡", "永安街道办事处"]),
    ]
    assert all(set(r) == {"排名", "单位", "等次"} for _, rows in tables for r in rows)


def test_publish_without_libreoffice_says_how_to_install_it_and_writes_the_rest(
    small, monkeypatch
):
    monkeypatch.setattr(pub.pdf, "soffice", lambda: None)
    out = small.folder / "output" / "2022Q3"
    out.mkdir(parents=True)
    _bulletin(out / "通报_2022Q3.xlsx")
    (out / "考评结果.xlsx").write_bytes(b"not a workbook")
    (out / "发布").mkdir()
    stale = out / "发布" / "通报_2022Q3（公开版）.pdf"  # an earlier run's
    stale.write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(main, ["publish", str(small.folder)])
    assert result.exit_code == 1, result.output
    assert not stale.exists()
    assert "无法读取 考评结果.xlsx（不是有效的 xlsx 文件" in result.output
    assert "BadZipFile" not in result.output
    lines = result.output.splitlines()
    assert lines[0] == "期次 2022Q3（数据截止 2022-09-30）"
    assert "apt-get install libreoffice-calc-nogui" in result.output
    assert "LibreOffice 安装程序" in result.output
    assert "没有找到 领导汇总.xlsx（先运行 siyi run）" in result.output
    public = out / "发布" / "通报_2022Q3（公开版）.xlsx"
    assert public.is_file() and "李四" not in _texts(public)
    assert not list((out / "发布").glob("*.pdf"))
    assert SMALL["units"][1]["phone"] not in _texts(public)


def test_publish_names_each_document_libreoffice_could_not_render(small, monkeypatch):
    out = small.folder / "output" / "2022Q3"
    out.mkdir(parents=True)
    _bulletin(out / "通报_2022Q3.xlsx")
    year = small.folder / "output" / "2022"
    year.mkdir()
    _bulletin(year / "通报_2022.xlsx")
    (year / "~$通报_2022.xlsx").write_bytes(b"")  # Excel's lock file: not a bulletin

    def half(jobs, processes=2):  # noqa: ANN001, ANN202
        # the period's bulletin renders, the year's (晒单) and the public ones do not
        return {s: t if s.name == "通报_2022Q3.xlsx" else None for s, t in jobs}

    monkeypatch.setattr(pub.pdf, "available", lambda: True)
    monkeypatch.setattr(pub.pdf, "to_pdf", half)
    result = CliRunner().invoke(main, ["publish", str(small.folder)])
    assert result.exit_code == 1
    assert "  通报_2022Q3.pdf" in result.output.splitlines()
    assert "LibreOffice 没能把 通报_2022.xlsx 转成 PDF" in result.output
    assert "LibreOffice 没能把 通报_2022Q3（公开版）.xlsx 转成 PDF" in result.output
    assert "~$" not in result.output
    written = sorted(p.name for p in (out / "发布").iterdir())
    assert written == [
        "通报_2022Q3（公开版）.xlsx",
        "通报_2022（公开版）.xlsx",
        "领导看板.html",  # the page needs no LibreOffice
    ]


# ----------------------------------------------------------------- chart bars


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        return [archive.read(n).decode("utf-8") for n in names]


@pytest.mark.parametrize(("areas", "shown"), [(9, 9), (10, 9)])
def test_a_front_page_chart_shows_at_most_nine_bars_and_says_so(tmp_path, areas, shown):
    with atomic_workbook(tmp_path / "front.xlsx") as book:
        data = book.add_worksheet("按重点领域")
        for row in range(3, 3 + areas + 1):  # the areas, then the total row
            data.write_string(row, 0, f"领域{row}")
        _bar(
            book,
            book.add_worksheet("一页汇总"),
            "按重点领域",
            areas + 1,
            "图",
            (0, 0),
            (470, 300),
        )
    xml = _chart_xml(tmp_path / "front.xlsx")[0]
    assert f"$A$4:$A${3 + shown}<" in xml
    assert ("共 10 个" in xml) == (areas > shown)
    assert '<c:tickLblSkip val="1"/>' in xml and 'sz="800"' in xml


@pytest.mark.parametrize(("ranked", "shown"), [(50, 50), (51, 50)])
def test_the_score_chart_shows_at_most_fifty_bars_and_says_so(tmp_path, ranked, shown):
    with atomic_workbook(tmp_path / "scores.xlsx") as book:
        book.add_worksheet("总分排名")
        _score_chart(book, ranked)
    xml = _chart_xml(tmp_path / "scores.xlsx")[0]
    assert f"$C$4:$C${3 + shown}<" in xml
    assert ("共 51 个单位" in xml) == (ranked > shown)
