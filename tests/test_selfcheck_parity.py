"""The workbook's own verdict agrees with the office's: for each kind of mistake, the 自查
sheet's 错误 and 提醒 counts (as LibreOffice computes them) equal the errors and reminders
``siyi check`` (or, for a ballot, the ballot reader) finds in the same file.

Every case is one workbook; all of them are recalculated in one LibreOffice start.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import rows_by_key
from test_libreoffice import SOFFICE, resave_all

from siyi_xlsx import api
from siyi_xlsx.errors import ERROR
from siyi_xlsx.pipeline import check_file
from siyi_xlsx.read.evaluations import read_ballots
from siyi_xlsx.read.master import load_campaign

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)"
)

LEDGER, SCHEDULE, RESP, EVAL = "重点工作台账", "推进表", "责任书", "考评册"
PROGRESS, STATUS_TEXT = "完成进度(%)", "进展情况"
ACTUAL, STATE = "实际完成日期", "节点状态"


def typed(sheet: str, key: Any, title: str, value: Any, number_format: str) -> Callable:
    """A cell as a suite stores what was typed: ``150%`` is 1.5 in a "0%" cell."""

    def mutate(book: Any) -> None:
        ws = book[sheet]
        cols, keys = rows_by_key(ws)
        cell = ws.cell(keys[key], cols[title])
        cell.value = value
        cell.number_format = number_format

    return mutate


def list_row(sheet: str, offset: int, values: dict[str, Any]) -> Callable:
    """Values typed into row ``offset`` (0 = the first data row) of a list sheet."""

    def mutate(book: Any) -> None:
        ws = book[sheet]
        cols = {str(c.value): c.column for c in ws[3] if c.value}
        for title, value in values.items():
            ws.cell(4 + offset, cols[title]).value = value

    return mutate


def form_field(sheet: str, label: str, value: Any) -> Callable:
    def mutate(book: Any) -> None:
        ws = book[sheet]
        for row in ws.iter_rows(min_col=2, max_col=2):
            if row[0].value == label:
                ws.cell(row[0].row, 4).value = value

    return mutate


PROBLEM = {
    "问题描述": "资金拨付慢",
    "问题类别": "进度滞后",
    "整改措施": "督促拨付",
    "整改时限": dt.datetime(2022, 12, 31),
    "整改状态": "整改中",
}

#: case → cell edits (sheet, key, column title) → value, or a function changing the book
UNIT_CASES: dict[str, Any] = {
    "filled correctly": {},
    # the tester's disagreements
    "required: full-width space": {(LEDGER, "T1", STATUS_TEXT): "\u3000"},
    "required: no-break space": {(RESP, "T1", "具体负责人"): "\u00a0"},
    "150% typed": typed(LEDGER, "T1", PROGRESS, 1.5, "0%"),
    "100% typed, last node open": typed(LEDGER, "T1", PROGRESS, 1, "0%"),
    "100% typed, all nodes done": typed(LEDGER, "T2", PROGRESS, 1, "0%"),
    "65 in a % cell": typed(LEDGER, "T1", PROGRESS, 65, "0%"),
    "phone: 10 digits": {(RESP, "T1", "负责人电话"): "1381234567"},
    "phone: 11 digits, not a mobile": {(RESP, "T1", "负责人电话"): "12345678901"},
    "integer: 2.5": list_row(
        "创先晋位工作清单",
        0,
        {"指标名称": "营商环境", "排名层级": "全市", "当前位次": 2.5, "目标位次": 1},
    ),
    "list: row 40, required missing": list_row(
        "问题清单", 40, {**PROBLEM, "整改措施": None}
    ),
    "list: row 150, bad date": list_row("问题清单", 150, {**PROBLEM, "整改时限": "年底"}),
    "list: row 40, complete": list_row("问题清单", 40, PROBLEM),
    "date as text 2022.8.25": {(SCHEDULE, ("T1", 2), ACTUAL): "2022.8.25"},
    "date as text 20220825": {(SCHEDULE, ("T1", 2), ACTUAL): "20220825"},
    "date as text 2022年8月25日": {(SCHEDULE, ("T1", 2), ACTUAL): "2022年8月25日"},
    "date as ISO text": {(SCHEDULE, ("T1", 2), ACTUAL): "2022-08-25"},
    "score 14分": {(EVAL, "KP02", "自评分"): "14分"},
    "score 45分 over 40": {(EVAL, "KP02", "自评分"): "45分"},
    "phone with spaces": {(RESP, "T1", "负责人电话"): "138 1234 5678"},
    "phone with extension": {(RESP, "T1", "负责人电话"): "0454-8888888-123"},
    "phone with brackets": {(RESP, "T1", "负责人电话"): "(0454)8888888"},
    "state 已完成 + full-width space": {(SCHEDULE, ("T1", 1), STATE): "已完成\u3000"},
    "2022.5.30 and 45分": {
        (SCHEDULE, ("T1", 1), ACTUAL): "2022.5.30",
        (EVAL, "KP01", "自评分"): "45分",
    },
    # the rules that were there before
    "required: blank": {(LEDGER, "T1", STATUS_TEXT): None},
    "date: invalid": {(SCHEDULE, ("T1", 2), ACTUAL): "2022/13/01"},
    "date: no year": {(SCHEDULE, ("T1", 2), ACTUAL): "8.25"},
    "date: after as-of": {(SCHEDULE, ("T1", 2), ACTUAL): dt.datetime(2022, 10, 5)},
    "date: after as-of, as text": {(SCHEDULE, ("T1", 2), ACTUAL): "2022.10.5"},
    "date: unlikely year": {(SCHEDULE, ("T1", 2), ACTUAL): dt.datetime(2019, 8, 25)},
    "range: progress 120": {(LEDGER, "T1", PROGRESS): 120},
    "range: progress -5": {(LEDGER, "T1", PROGRESS): -5},
    "progress 过半": {(LEDGER, "T1", PROGRESS): "过半"},
    "progress 60% as text": {(LEDGER, "T1", PROGRESS): "60%"},
    "progress 0.6": {(LEDGER, "T1", PROGRESS): 0.6},
    "progress 1": {(LEDGER, "T1", PROGRESS): 1},
    "progress 100, last node open": {(LEDGER, "T1", PROGRESS): 100},
    "enum: not in list": {(SCHEDULE, ("T1", 3), STATE): "完成"},
    "enum: Y for 是": {
        (LEDGER, "T2", "申请销号"): "Y",
        (LEDGER, "T2", "佐证材料"): "验收单",
    },
    "self score over points": {(EVAL, "KP02", "自评分"): 45},
    "close, nodes open": {
        (LEDGER, "T1", "申请销号"): "是",
        (LEDGER, "T1", "佐证材料"): "验收单",
    },
    "close without evidence": {(LEDGER, "T2", "申请销号"): "是"},
    "actual date without done": {(SCHEDULE, ("T1", 3), ACTUAL): dt.datetime(2022, 9, 1)},
    "too long": {(LEDGER, "T1", STATUS_TEXT): "很" * 1001},
    "signature blank": form_field(EVAL, "战线领导（签字）", None),
}

# ballot cases: scores per (unit code, indicator) in U01..U04 order, KP01 (60) and KP02 (40)
BALLOT_CASES: dict[str, Any] = {
    "ballot filled correctly": {},
    "ballot all equal": "uniform",
    "ballot score blank": {0: None},
    "ballot score 45分 over 40": {1: "45分"},
    "ballot score 30分": {1: "30分"},
    "ballot score over points": {0: 61},
    "ballot rater blank": "no rater",
}


def _workbook_counts(path: Path) -> tuple[int, int, str]:
    sheet = openpyxl.load_workbook(path, data_only=True)["自查"]
    errors = warnings = 0
    for row in sheet.iter_rows(min_row=5):
        if row[0].value:
            errors += int(row[2].value or 0)
            warnings += int(row[3].value or 0)
    return errors, warnings, str(sheet["A2"].value)


def _office_counts(issues: list[Any]) -> tuple[int, int]:
    errors = sum(1 for i in issues if i.severity == ERROR)
    return errors, len(issues) - errors


def _fill_ballot(path: Path, case: Any) -> None:
    book = openpyxl.load_workbook(path)
    ws = book["考评打分"]
    rows = [r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value]
    for n, row in enumerate(rows):
        points = ws.cell(row, 5).value
        score = points if case == "uniform" else points - n
        if isinstance(case, dict) and n in case:
            score = case[n]
        ws.cell(row, 7).value = score
    for row in ws.iter_rows(min_col=2, max_col=2):
        if row[0].value == "评分人（签字）" and case != "no rater":
            ws.cell(row[0].row, 4).value = "张三"
    book.save(path)


def test_the_workbook_and_the_office_count_the_same(small, tmp_path):
    cases: dict[str, Path] = {}
    for n, (name, case) in enumerate(UNIT_CASES.items()):
        edits = case if isinstance(case, dict) else None
        mutate = case if callable(case) else None
        cases[name] = small.fill("U01", edits, mutate=mutate, name=f"case{n:02d}.xlsx")
    api.handout(small.folder, now=dt.datetime(2022, 9, 20, 9, 0))
    issued = sorted((small.folder / "issued" / "考评表").glob("*专班*.xlsx"))[0]
    for n, (name, case) in enumerate(BALLOT_CASES.items()):
        cases[name] = tmp_path / "ballots" / f"ballot{n:02d}.xlsx"
        cases[name].parent.mkdir(exist_ok=True)
        shutil.copy(issued, cases[name])
        _fill_ballot(cases[name], case)
    resaved = dict(
        zip(
            cases,
            resave_all(list(cases.values()), tmp_path / "lo", tmp_path / "p"),
            strict=True,
        )
    )
    campaign = load_campaign(small.folder)
    table, differ = [], []
    for name, path in cases.items():
        if name in BALLOT_CASES:
            single = tmp_path / "one" / name
            single.mkdir(parents=True)
            shutil.copy(path, single / path.name)
            office = _office_counts(read_ballots(single, campaign)[1])
        else:
            office = _office_counts(check_file(path, campaign).issues)
        errors, warnings, headline = _workbook_counts(resaved[name])
        table.append((name, (errors, warnings), office, headline))
        if (errors, warnings) != office:
            differ.append(table[-1])
        assert ("可以报送" in headline and "必须修改" not in headline) == (office[0] == 0)
    print("\n".join(f"{n}: workbook {w} office {o} | {h}" for n, w, o, h in table))
    assert not differ
