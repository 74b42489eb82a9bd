"""Problems and tasks across periods: carried problems, 错题本, 重复再犯, reopened tasks,
moved deadlines — with a run for 2022Q3 and then one for 2022Q4."""

from __future__ import annotations

import datetime as dt
import sqlite3

import openpyxl

PROBLEMS = "问题清单"


def _problems(rows):
    def mutate(book):
        ws = book[PROBLEMS]
        cols = {c.value: c.column for c in ws[3] if c.value}
        for r in range(4, 40):  # the unit rewrites its list (prefilled rows included)
            for c in cols.values():
                ws.cell(r, c).value = None
        for offset, values in enumerate(rows):
            for title, value in values.items():
                ws.cell(4 + offset, cols[title]).value = value

    return mutate


def _set(book_path, sheet, label_col, label, value_col, value):
    book = openpyxl.load_workbook(book_path)
    for row in book[sheet].iter_rows(min_row=4):
        if row[label_col].value == label:
            row[value_col].value = value
    book.save(book_path)


def _next_period(small):
    master = small.folder / "任务总表.xlsx"
    _set(master, "设置", 0, "当前期次", 1, "2022Q4")
    _set(master, "设置", 0, "数据截止日期", 1, dt.datetime(2022, 12, 31))
    for old in small.returned.iterdir():
        old.unlink()
    small._issued = {}


def test_two_periods(small):
    q3 = [
        {
            "任务编号": "T1",
            "问题描述": "征地进度慢",
            "问题类别": "要素保障",
            "原因分析": "补偿标准争议",
            "整改措施": "专班攻坚",
            "举一反三措施": "提前开展征地摸底",
            "整改时限": dt.datetime(2022, 9, 1),
            "整改状态": "已整改",
            "佐证材料": "交地确认书",
            "销号日期": dt.datetime(2022, 9, 20),
        },
        {
            "任务编号": "T2",
            "问题描述": "资金拨付慢",
            "问题类别": "资金保障",
            "整改措施": "协调财政",
            "整改时限": dt.datetime(2022, 9, 1),
            "整改状态": "未整改",
        },
    ]
    small.fill(
        "U01",
        {
            ("重点工作台账", "T2", "申请销号"): "是",
            ("重点工作台账", "T2", "佐证材料"): "验收单",
        },
        mutate=_problems(q3),
    )
    first = small.run()
    assert list(first.problems["id"]) == ["U01-2022Q3-01", "U01-2022Q3-02"]
    assert list(first.problems["overdue"]) == [
        "",
        "逾期",
    ]  # due 2022-09-01, still open on 09-30

    _next_period(small)
    book = openpyxl.load_workbook(small.folder / "任务总表.xlsx")
    book["重点任务"]["J5"] = dt.datetime(2022, 12, 15)  # T2's deadline moves
    book.save(small.folder / "任务总表.xlsx")
    issued = small.issue()["U01"]
    prefilled = openpyxl.load_workbook(issued)
    assert (
        prefilled[PROBLEMS]["A4"].value == "U01-2022Q3-02"
    )  # only the open problem comes back
    assert (
        prefilled["重点工作台账"]["H4"].value == "按计划推进"
    )  # last period's 进展情况, to update
    assert (
        prefilled["重点工作台账"]["K5"].value == "是"
    )  # the 申请销号 request is carried, not lost
    q4 = [
        {
            "任务编号": "T1",
            "问题描述": "又一处地块未交",
            "问题类别": "要素保障",
            "整改措施": "约谈",
            "整改时限": dt.datetime(2023, 1, 31),
            "整改状态": "整改中",
        }
    ]
    # U01-2022Q3-02 is left out; T2 (closed off in Q3) now reports an open milestone
    edits = {
        ("推进表", ("T2", 2), "节点状态"): "推进中",
        ("推进表", ("T2", 2), "实际完成日期"): None,
        ("重点工作台账", "T2", "完成进度(%)"): 50,
        ("重点工作台账", "T2", "申请销号"): "否",
    }
    small.fill("U01", edits, mutate=_problems(q4))
    second = small.run()
    codes = {(i.code, i.value) for i in second.issues}
    assert ("TASK_REOPENED", "T2") in codes
    assert ("DEADLINE_MOVED", "T2") in codes
    assert ("PROBLEM_DROPPED", "U01-2022Q3-02") in codes
    assert ("REPEAT_PROBLEM", "要素保障") in codes  # the kind closed in Q3 is back
    problems = second.problems.set_index("id")
    assert problems.loc["U01-2022Q3-02", "origin"] == "2022Q3延续（本期未报）"
    assert problems.loc["U01-2022Q4-01", "repeat"] == "重复再犯"
    assert list(second.error_book["id"]) == ["U01-2022Q3-01"]
    summary = openpyxl.load_workbook(small.folder / "output" / "2022Q4" / "领导汇总.xlsx")
    book_rows = [
        r for r in summary["错题本"].iter_rows(min_row=4, values_only=True) if r[0]
    ]
    assert book_rows[0][0] == "U01-2022Q3-01" and book_rows[0][6] == "提前开展征地摸底"
    trend = [r for r in summary["趋势"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert [r[0] for r in trend] == ["2022Q3", "2022Q4"]
    with sqlite3.connect(small.folder / "siyi.sqlite") as db:
        periods = [p for (p,) in db.execute("SELECT period FROM runs ORDER BY id")]
    assert periods == ["2022Q3", "2022Q4"]


def test_runs_are_never_overwritten(small):
    small.fill("U01")
    small.run()
    small.run()
    with sqlite3.connect(small.folder / "siyi.sqlite") as db:
        runs = db.execute(
            "SELECT r.id, count(t.task_id) FROM runs r JOIN task_status t "
            "ON t.run_id = r.id WHERE r.period = '2022Q3' GROUP BY r.id"
        ).fetchall()
    assert len(runs) == 2 and runs[0][1] == runs[1][1] > 0


def test_front_page_headline_figures(small):
    small.fill("U01")
    small.run()
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "领导汇总.xlsx")[
        "一页汇总"
    ]
    labels = [c.value for c in ws[3]][:12]
    values = [c.value for c in ws[4]][:12]
    figures = dict(zip(labels, values, strict=True))
    # U02 (T3) and U03 (T4) did not report: 未报送, not 严重滞后, and out of the rate
    assert (figures["重点任务"], figures["严重滞后"], figures["未报送"]) == (4, 0, 2)
    assert figures["申请销号"] == 0  # a tile of its own (TILE_RULE)
    assert figures["正常推进率"] == "100%"
    assert ws["A5"].value == (
        "报送情况：已报送 1/3 个单位；未报送 2 个：长青乡、永安街道办事处。"
        "这些单位牵头的 2 项任务显示为“未报送”（灰灯），不作判定，不计入正常推进率。"
    )
    assert (
        ws.page_setup.fitToHeight in (None, 1)
        and ws.page_setup.orientation == "landscape"
    )
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert len(ws._charts) == 4
