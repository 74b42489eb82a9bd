"""The unit's own lists: 问题清单, 攻坚破难计划, 创先晋位工作清单."""

from __future__ import annotations

import datetime as dt

PROBLEMS, HARD, ADVANCE = "问题清单", "攻坚破难计划", "创先晋位工作清单"


def _write_rows(book, sheet, rows):
    ws = book[sheet]
    cols = {c.value: c.column for c in ws[3] if c.value}
    for offset, values in enumerate(rows):
        for title, value in values.items():
            ws.cell(
                4 + offset * 2, cols[title]
            ).value = value  # a blank row between entries


def test_lists_are_read_with_ids_and_checked(small):
    def fill(book):
        _write_rows(
            book,
            PROBLEMS,
            [
                {
                    "任务编号": "T1",
                    "问题描述": "征地拆迁进度慢",
                    "问题类别": "要素保障",
                    "问题来源": "单位自查",
                    "整改措施": "成立攻坚组",
                    "整改时限": dt.datetime(2022, 11, 30),
                    "整改状态": "整改中",
                },
                {
                    "任务编号": "T3",
                    "问题描述": "别人的任务",
                    "问题类别": "其他",
                    "整改措施": "无",
                    "整改时限": dt.datetime(2022, 12, 1),
                    "整改状态": "未整改",
                },
                {
                    "问题编号": "U01-2022Q2-01",
                    "任务编号": "T2",
                    "问题描述": "资金未到位",
                    "问题类别": "资金保障",
                    "整改措施": "协调财政",
                    "整改时限": dt.datetime(2022, 9, 1),
                    "整改状态": "已整改",
                },
            ],
        )
        _write_rows(
            book,
            ADVANCE,
            [
                {
                    "指标名称": "营商环境评价",
                    "排名层级": "全市",
                    "当前位次": 5,
                    "目标位次": 8,
                }
            ],
        )
        _write_rows(
            book,
            HARD,
            [
                {
                    "任务编号": "T1",
                    "难点堵点": "用地指标",
                    "攻坚措施": "争取省级指标",
                    "责任人": "张三",
                    "完成时限": dt.datetime(2022, 12, 31),
                    "攻坚状态": "推进中",
                }
            ],
        )

    small.fill("U01", mutate=fill)
    result = small.analyse()
    found = {(i.code, i.sheet, i.cell) for i in result.issues}
    assert ("TASK_NOT_OWN", PROBLEMS, "B6") in found
    assert ("REQUIRED", PROBLEMS, "K8") in found and (
        "REQUIRED",
        PROBLEMS,
        "L8",
    ) in found  # 已整改 needs evidence and date
    assert ("ADVANCE_BACKWARD", ADVANCE, "D4") in found
    sub = next(s for s in result.submissions if s.unit.code == "U01")
    problems = sub.lists["unit_problems"]
    assert [p["id"] for p in problems] == ["U01-2022Q3-01", "U01-2022Q2-01"]
    assert sub.lists["unit_hard_problems"][0]["owner"] == "张三"


def test_empty_lists_are_fine_and_older_workbooks_without_them_too(small):
    small.fill("U01")

    def old_template(book):
        for sheet in (PROBLEMS, HARD, ADVANCE):
            del book[sheet]
        for row in book["_meta"].iter_rows(min_row=2):
            if row[0].value == "template_version":
                row[1].value = "2022.1"

    small.fill("U02", mutate=old_template)
    result = small.analyse()
    assert [i.code for i in result.issues if i.code != "TEMPLATE_OLD"] == []
