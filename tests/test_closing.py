"""销号审核 (the office's decisions on close-off applications) and 选项 (the lists the
office extends): read from the master, applied to the ledger and to the next workbooks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from conftest import SETTINGS, SMALL, set_cell

from siyi_xlsx.compute.closing import reset_applications, task_review
from siyi_xlsx.compute.progress import LIGHT, TaskAssessment
from siyi_xlsx.errors import Code
from siyi_xlsx.read.master import MASTER_FILE, Review, load_campaign
from siyi_xlsx.read.prefill import unit_rows
from siyi_xlsx.schema.options import default_options
from siyi_xlsx.schema.rows import schema_issues
from siyi_xlsx.statuses import ReviewResult, TaskStatus
from siyi_xlsx.write.master import write_master

D = dt.date
APPROVE, REJECT, REOPEN = ReviewResult.APPROVE, ReviewResult.REJECT, ReviewResult.REOPEN
SAFETY_TASK = {
    **SMALL["tasks"][3],
    "task_id": "T5",
    "title": "安全隐患排查",
    "area": "安全生产",
    "lead_unit": "区统计局",
}
AREAS = (*default_options()["area"], "安全生产", "", "安全生产")  # a blank, a repeat
PROBLEM_KINDS = (*default_options()["problem_category"], "安全隐患")


def _review(task_id, result, day, comment=None, reviewer=None):
    return {
        "task_id": task_id,
        "result": result,
        "date": day,
        "comment": comment,
        "reviewer": reviewer,
    }


REVIEWS = [
    _review("T1", "同意销号", D(2022, 6, 1), "材料齐全"),  # row 4
    _review("T1", "重新启动", D(2022, 8, 1), "复核发现问题"),  # 5: reopened
    _review("T2", "驳回", D(2022, 1, 1), "年初"),  # 6: the first day of the year
    _review("T2", "驳回", D(2020, 12, 31), "笔误"),  # 7: before the year before
    _review("T3", "同意销号", D(2022, 12, 31)),  # 8: end of the next period
    _review("T3", "同意销号", D(2023, 1, 1)),  # 9: after it
    _review("T4", "驳回", D(2022, 9, 20)),  # 10: no comment
    _review("T5", "重新启动", D(2022, 8, 2), "误填"),  # 11: nothing to reopen
    _review("T9", "同意销号", D(2022, 9, 1)),  # 12: no such task
    _review("T2", "驳回", D(2022, 1, 1), "重复"),  # 13: same task, same day
]


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("closing") / "campaign"
    folder.mkdir()
    data = {
        **SMALL,
        "tasks": [*SMALL["tasks"], SAFETY_TASK],
        "milestones": [
            *SMALL["milestones"],
            {
                "task_id": "T5",
                "seq": 1,
                "content": "排查",
                "planned_date": D(2022, 11, 30),
            },
        ],
        "options": {
            "area": AREAS,
            "problem_category": PROBLEM_KINDS,
            "advance_level": (),
        },
        "reviews": REVIEWS,
    }
    write_master(folder / MASTER_FILE, data, SETTINGS)
    return folder


@pytest.fixture(scope="module")
def campaign(master):
    return load_campaign(master)


def _found(campaign, sheet):
    return {(i.code, i.cell) for i in campaign.issues if i.sheet == sheet}


# ----------------------------------------------------------------------------- 选项


def test_office_lists_are_read_and_used_by_the_master_and_the_returns(campaign):
    # a task in an area the office added is accepted
    assert campaign.tasks["T5"].area == "安全生产"
    assert campaign.options["area"] == (*default_options()["area"], "安全生产")
    found = _found(campaign, "选项")
    assert (Code.OPTION_DUPLICATE, "A14") in found  # the repeat; the blank is skipped
    assert [i.detail for i in campaign.issues if i.code == Code.OPTION_LIST_EMPTY] == [
        "全市、全省"
    ]
    assert campaign.options["advance_level"] == ("全市", "全省")
    assert not [i for i in campaign.issues if i.sheet == "重点任务"]
    # returned files are checked against the office's list, with the existing message
    problems = campaign.schema("unit_problems")
    assert "安全隐患" in problems.column("category").choices

    def category_codes(value):
        found = schema_issues({"category": value}, problems)
        return [code for name, code, _detail, _value in found if name == "category"]

    assert category_codes("安全隐患") == []
    assert category_codes("安全事故") == [Code.NOT_IN_LIST]
    # a list's system values stay after the office's (合计 of the survey counts)
    counts = campaign.schema("public_counts").column("channel").choices
    assert counts[-1] == "合计"


def test_without_the_office_lists_the_package_lists_apply(master, tmp_path):
    folder = tmp_path / "campaign"
    folder.mkdir()
    book = openpyxl.load_workbook(master / MASTER_FILE)
    del book["选项"]
    del book["销号审核"]
    book.save(folder / MASTER_FILE)
    campaign = load_campaign(folder)
    assert campaign.options == default_options()
    assert campaign.reviews == ()
    assert not [i for i in campaign.issues if i.sheet in ("选项", "销号审核")]
    # the package's 重点领域 do not hold 安全生产: the task is reported and dropped
    assert "T5" not in campaign.tasks
    codes = {i.code for i in campaign.issues if i.sheet == "重点任务"}
    assert {Code.NOT_IN_LIST, Code.TASK_DROPPED} <= codes


# ----------------------------------------------------------------------------- 销号审核


def test_review_rows_are_checked(campaign):
    found = _found(campaign, "销号审核")
    assert found == {
        (Code.REVIEW_REOPENED, "A5"),
        (Code.REVIEW_DATE_OUT_OF_RANGE, "C7"),
        (Code.REVIEW_DATE_OUT_OF_RANGE, "C9"),
        (Code.REQUIRED, "D10"),
        (Code.REVIEW_REOPEN_WITHOUT_APPROVAL, "A11"),
        (Code.REF_UNKNOWN, "A12"),
        (Code.DUPLICATE_KEY, "C13"),
    }
    used = [(r.task_id, r.date) for r in campaign.reviews]
    assert used == [
        ("T1", D(2022, 6, 1)),
        ("T1", D(2022, 8, 1)),
        ("T2", D(2022, 1, 1)),
        ("T3", D(2022, 12, 31)),
        ("T4", D(2022, 9, 20)),  # without its comment: the decision still stands
        ("T5", D(2022, 8, 2)),
    ]


def _with(campaign, *reviews):
    made = tuple(
        Review(t, result, day, comment, "", row=4 + n, cell=f"A{4 + n}")
        for n, (t, result, day, comment) in enumerate(reviews)
    )
    return dataclasses.replace(campaign, reviews=made, issues=[])


def test_the_latest_decision_is_in_force_and_closes_from_its_period(campaign):
    c = _with(
        campaign,
        ("T1", APPROVE, D(2022, 9, 30), "齐全"),  # on the as-of date
        ("T2", APPROVE, D(2022, 10, 1), "齐全"),  # the day after
        ("T4", APPROVE, D(2022, 7, 1), ""),
        ("T4", REOPEN, D(2022, 9, 1), "复核"),
    )
    assert c.review_of("T2").result == APPROVE
    assert c.review_of("T2", D(2022, 9, 30)) is None
    assert c.review_of("T4").result == REOPEN
    assert c.approval_before(c.review_of("T4")).date == D(2022, 7, 1)
    assert c.closed_tasks() == {"T1"}
    # closed tasks are not handed out again
    rows = unit_rows(c, c.units["U01"])
    assert [r["task_id"] for r in rows["unit_ledger"]] == ["T2"]
    assert {r["task_id"] for r in rows["unit_schedule"]} == {"T2"}


def _assessment(status, reason="全部 2 个节点已完成"):
    return TaskAssessment(status, LIGHT[status], reason, 100.0, 100.0, 0.0, 2, 0, 0)


def _saved(beijing: str):
    """A submission saved at ``beijing`` (Beijing time), as read (UTC)."""
    moment = dt.datetime.fromisoformat(beijing) - dt.timedelta(hours=8)
    return SimpleNamespace(saved_at=moment)


def test_an_approval_closes_the_task_and_an_unbacked_one_is_flagged(campaign):
    c = _with(campaign, ("T2", APPROVE, D(2022, 9, 28), "验收合格"))
    review = task_review(c, "T2", _saved("2022-10-08 10:00"), True, True)
    settled = review.settle(_assessment(TaskStatus.CLOSING), LIGHT, c.issues)
    assert (settled.status, settled.light) == (TaskStatus.CLOSED, "绿")
    assert settled.reason == "办公室 2022-09-28 同意销号：验收合格"
    assert c.issues == []
    # the unit did not apply: the office's decision stands, with a reminder (once)
    review = task_review(c, "T2", _saved("2022-10-08 10:00"), True, False)
    for _ in range(2):
        settled = review.settle(_assessment(TaskStatus.DONE), LIGHT, c.issues)
    assert settled.status == TaskStatus.CLOSED
    assert "提醒：本期报回的台账中单位未申请销号" in settled.reason
    assert [(i.code, i.file, i.sheet, i.cell) for i in c.issues] == [
        (Code.REVIEW_APPROVED_UNBACKED, MASTER_FILE, "销号审核", "A4")
    ]
    # no row this period (not handed out any more): nothing to compare
    c.issues.clear()
    review = task_review(c, "T2", None, False, False)
    assert review.settle(_assessment(TaskStatus.SERIOUS), LIGHT, c.issues).status == (
        TaskStatus.CLOSED
    )
    assert c.issues == []
    assert review.unreported("未报送") == "无需报送（已销号）"
    assert task_review(c, "T1", None, False, False).unreported("未报送") == "未报送"


def test_a_rejection_answers_applications_saved_up_to_its_day(campaign):
    c = _with(campaign, ("T2", REJECT, D(2022, 10, 12), "缺验收报告"))
    same_day = task_review(c, "T2", _saved("2022-10-12 23:59"), True, True)
    assert same_day.rejects
    settled = same_day.settle(_assessment(TaskStatus.DONE), LIGHT, c.issues)
    assert settled.status == TaskStatus.DONE
    assert (
        settled.reason == "销号申请已驳回（2022-10-12）：缺验收报告；全部 2 个节点已完成"
    )
    next_day = task_review(c, "T2", _saved("2022-10-13 00:00"), True, True)
    assert not next_day.rejects  # applied again after the rejection: 待审核 again
    settled = next_day.settle(_assessment(TaskStatus.CLOSING), LIGHT, c.issues)
    assert settled.status == TaskStatus.CLOSING
    assert settled.reason.endswith("；此前的销号申请已于 2022-10-12 驳回：缺验收报告")


def test_a_reopening_is_stated_and_needs_an_approval(campaign):
    c = _with(
        campaign,
        ("T2", APPROVE, D(2022, 8, 1), ""),
        ("T2", REOPEN, D(2022, 9, 1), "节点倒退"),
        ("T4", REOPEN, D(2022, 9, 1), "误填"),
    )
    review = task_review(c, "T2", _saved("2022-08-20 09:00"), True, True)
    assert review.rejects  # the old application does not count
    settled = review.settle(_assessment(TaskStatus.BEHIND, "逾期"), LIGHT, c.issues)
    assert settled.status == TaskStatus.BEHIND
    assert (
        settled.reason
        == "已于 2022-09-01 重新启动（2022-08-01 曾同意销号）：节点倒退；逾期"
    )
    nothing = task_review(c, "T4", None, True, False)
    assert nothing.settle(_assessment(TaskStatus.BEHIND, "逾期"), LIGHT, []).reason == (
        "逾期"
    )


def test_a_rejection_goes_back_to_the_unit_once(campaign):
    def reset(last_as_of, *reviews):
        c = _with(campaign, *reviews)
        rows = unit_rows(c, c.units["U01"])
        for row in rows["unit_ledger"]:
            row["apply_close"] = "是"  # carried over from the last period
        notes = reset_applications(rows, c, last_as_of)
        return {r["task_id"]: r["apply_close"] for r in rows["unit_ledger"]}, notes

    after_last = ("T2", REJECT, D(2022, 7, 1), "缺佐证")
    applied, notes = reset("2022-06-30", after_last)
    assert applied == {"T1": "是", "T2": "否"}
    assert notes == {
        "T2": "销号申请已于 2022-07-01 驳回：缺佐证。“申请销号”已改为“否”，请按意见办理后重新申请。"
    }
    # made on the last as-of date: the last period's application came after it
    assert reset("2022-07-01", after_last) == ({"T1": "是", "T2": "是"}, {})
    assert reset(None, after_last)[0]["T2"] == "否"  # no earlier period
    # made after this period's as-of date: for the next period's workbooks
    assert reset(None, ("T2", REJECT, D(2022, 10, 1), "缺佐证"))[1] == {}
    # a 重新启动 of a task never closed hands nothing back
    assert reset(None, ("T2", REOPEN, D(2022, 7, 1), "误填"))[1] == {}


# ----------------------------------------------------------------------------- end to end


def test_decisions_and_lists_flow_through_issue_and_run(small):
    data = {
        **SMALL,
        "options": {"problem_category": PROBLEM_KINDS},
        "reviews": [
            _review("T2", "驳回", D(2022, 9, 25), "佐证不足，请补充验收报告"),
            _review("T4", "同意销号", D(2022, 9, 20), "已建成", "王审"),
            _review("T1", "同意销号", D(2022, 9, 30), "提前完成"),
        ],
    }
    write_master(small.folder / MASTER_FILE, data, SETTINGS)
    issued = openpyxl.load_workbook(small.issued("U01"))
    ledger = issued["重点工作台账"]
    cell = set_cell(ledger, "T2", "申请销号", "否")  # where it is
    assert ledger[cell].value == "否"
    assert "佐证不足，请补充验收报告" in ledger[cell].comment.text
    notes = [
        r for r in issued["填报说明"].iter_rows(values_only=True) if r[0] == "办公室意见"
    ]
    assert len(notes) == 1 and "T2" in notes[0][1]
    listed = {v for row in issued["_lists"].iter_rows(values_only=True) for v in row}
    assert "安全隐患" in listed  # the 问题类别 dropdown offers the office's list
    # the approved task is not handed out; U03 led only T4: no workbook this period
    assert "U03" not in small._issued and "U01" in small._issued

    def add_problem(book):
        ws = book["问题清单"]
        cols = {c.value: c.column for c in ws[3] if c.value}
        for title, value in {
            "任务编号": "T2",
            "问题描述": "施工现场有安全隐患",
            "问题类别": "安全隐患",
            "问题来源": "单位自查",
            "整改措施": "停工整改",
            "整改时限": dt.datetime(2022, 11, 30),
            "整改状态": "整改中",
        }.items():
            ws.cell(4, cols[title]).value = value

    small.fill(
        "U01",
        {
            ("重点工作台账", "T2", "申请销号"): "是",
            ("重点工作台账", "T2", "佐证材料"): "验收报告",
        },
        mutate=add_problem,
    )  # saved 2022-10-08, after the rejection: a new application
    # U03 sends nothing: its approved task is 已销号 all the same, and it owed nothing
    result = small.analyse()
    assert {r["code"]: r["status"] for r in result.returns}["U03"] == "无需报送"
    assert not [i for i in result.issues if i.code == Code.NOT_IN_LIST]
    # T1, approved on the as-of date, was not handed out: not missing from the return
    assert "T1" not in [r[0] for r in ledger.iter_rows(min_row=4, values_only=True)]
    missing = (Code.ROW_MISSING, Code.ADDED_AFTER_ISSUE)
    assert not [i for i in result.issues if i.code in missing]
    tasks = result.tasks.set_index("task_id")
    assert tasks.loc["T4", "status"] == TaskStatus.CLOSED
    assert tasks.loc["T4", "reason"] == "办公室 2022-09-20 同意销号（王审）：已建成"
    assert tasks.loc["T1", "status"] == TaskStatus.CLOSED
    assert tasks.loc["T1", "returned"] == "无需报送（已销号）"
    assert tasks.loc["T2", "status"] == TaskStatus.CLOSING
    assert tasks.loc["T2", "reason"].endswith(
        "此前的销号申请已于 2022-09-25 驳回：佐证不足，请补充验收报告"
    )
    assert list(result.problems["category"]) == ["安全隐患"]


def test_a_task_closed_off_is_not_open_again_in_the_history_check():
    from siyi_xlsx.compute.previous import PeriodTables
    from siyi_xlsx.compute.supervision import task_changes

    def tasks(status):
        return pd.DataFrame(
            [
                {
                    "task_id": "T1",
                    "lead_unit": "甲",
                    "status": status,
                    "deadline": D(2022, 12, 31),
                }
            ]
        )

    def reopened(before, now):
        last = PeriodTables(
            "2022M07", "2022-07-31", tasks(before), pd.DataFrame(), pd.DataFrame()
        )
        found = task_changes(None, tasks(now), [last])
        return [i.code for i in found] == [Code.TASK_REOPENED]

    assert not reopened(TaskStatus.CLOSING, TaskStatus.CLOSED)  # the office approved
    assert reopened(TaskStatus.CLOSED, TaskStatus.BEHIND)  # 重新启动


def test_a_unit_whose_tasks_are_all_closed_need_not_report(campaign):
    from siyi_xlsx.pipeline import unit_returns

    c = _with(campaign, ("T3", APPROVE, D(2022, 9, 1), "齐全"))  # 长青乡's only task
    rows = {r["code"]: r for r in unit_returns(c, [])}
    assert rows["U02"]["status"] == "无需报送"
    assert "均已同意销号" in rows["U02"]["todo"]
    assert rows["U03"]["status"] == "未报送"  # its task is still open
    # the year's last period still asks for the 考评册
    q4 = dataclasses.replace(
        c,
        settings=dataclasses.replace(c.settings, period="2022Q4", as_of=D(2022, 12, 31)),
    )
    assert {r["code"]: r for r in unit_returns(q4, [])}["U02"]["status"] == "未报送"
    assert c.all_closed(c.units["U02"]) and not q4.all_closed(q4.units["U02"])
    assert not c.all_closed(c.units["U03"])
