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
from conftest import rows_by_key, set_cell
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
CLOSE, EVIDENCE = "申请销号", "佐证材料"
OFFICER_PHONE, DEPUTY_PHONE = "负责人电话", "分管领导电话"


class Edit:
    """A change to a filled workbook, and the rows it touches (cases sharing a workbook
    must not touch the same cell (or list row), so that one cannot hide another)."""

    def __init__(self, rows: set[tuple[str, Any]], apply: Callable[[Any], None]) -> None:
        self.rows, self.apply = rows, apply


def cells(edits: dict[tuple[str, Any, str], Any]) -> Edit:
    def apply(book: Any) -> None:
        for (sheet, key, title), value in edits.items():
            set_cell(book[sheet], key, title, value)

    return Edit(set(edits), apply)


def typed(sheet: str, key: Any, title: str, value: Any, number_format: str) -> Edit:
    """A cell as a suite stores what was typed: ``150%`` is 1.5 in a "0%" cell."""

    def apply(book: Any) -> None:
        ws = book[sheet]
        cols, keys = rows_by_key(ws)
        cell = ws.cell(keys[key], cols[title])
        cell.value = value
        cell.number_format = number_format

    return Edit({(sheet, key, title)}, apply)


def list_row(sheet: str, offset: int, values: dict[str, Any]) -> Edit:
    """Values typed into row ``offset`` (0 = the first data row) of a list sheet."""

    def apply(book: Any) -> None:
        ws = book[sheet]
        cols = {str(c.value): c.column for c in ws[3] if c.value}
        for title, value in values.items():
            ws.cell(4 + offset, cols[title]).value = value

    return Edit({(sheet, offset)}, apply)


def form_field(sheet: str, label: str, value: Any) -> Edit:
    """A confirmation field below a table (label in column B, value in column D)."""

    def apply(book: Any) -> None:
        ws = book[sheet]
        for row in ws.iter_rows(min_col=2, max_col=2):
            if row[0].value == label:
                ws.cell(row[0].row, 4).value = value

    return Edit({(sheet, label)}, apply)


PROBLEM = {
    "问题描述": "资金拨付慢",
    "问题类别": "进度滞后",
    "整改措施": "督促拨付",
    "整改时限": dt.datetime(2022, 12, 31),
    "整改状态": "整改中",
}

#: case → its edit of a correctly filled workbook (cells: sheet, key, column title → value)
UNIT_CASES: dict[str, Edit] = {
    "filled correctly": cells({}),
    # the tester's disagreements
    "required: full-width space": cells({(LEDGER, "T1", STATUS_TEXT): "\u3000"}),
    "required: no-break space": cells({(RESP, "T1", "具体负责人"): "\u00a0"}),
    "150% typed": typed(LEDGER, "T2", PROGRESS, 1.5, "0%"),
    "100% typed, last node open": typed(LEDGER, "T1", PROGRESS, 1, "0%"),
    "100% typed, all nodes done": typed(LEDGER, "T2", PROGRESS, 1, "0%"),
    "65 in a % cell": typed(LEDGER, "T2", PROGRESS, 65, "0%"),
    "phone: 10 digits": cells({(RESP, "T1", OFFICER_PHONE): "1381234567"}),
    "phone: 11 digits, not a mobile": cells({(RESP, "T2", OFFICER_PHONE): "12345678901"}),
    "integer: 2.5": list_row(
        "创先晋位工作清单",
        0,
        {"指标名称": "营商环境", "排名层级": "全市", "当前位次": 2.5, "目标位次": 1},
    ),
    "list: row 40, required missing": list_row(
        "问题清单", 40, {**PROBLEM, "整改措施": None}
    ),
    "list: row 80, bad date": list_row("问题清单", 80, {**PROBLEM, "整改时限": "年底"}),
    "list: row 99, complete": list_row("问题清单", 99, PROBLEM),
    "date as text 2022.8.25": cells({(SCHEDULE, ("T1", 2), ACTUAL): "2022.8.25"}),
    "date as text 20220725": cells({(SCHEDULE, ("T2", 1), ACTUAL): "20220725"}),
    "date as text 2022年8月25日": cells({(SCHEDULE, ("T2", 2), ACTUAL): "2022年8月25日"}),
    "date as ISO text": cells({(SCHEDULE, ("T2", 2), ACTUAL): "2022-08-25"}),
    "score 14分": cells({(EVAL, "KP01", "自评分"): "14分"}),
    "score 45分 over 40": cells({(EVAL, "KP02", "自评分"): "45分"}),
    "phone with spaces": cells({(RESP, "T1", DEPUTY_PHONE): "138 1234 5678"}),
    "phone with extension": cells({(RESP, "T2", DEPUTY_PHONE): "0454-8888888-123"}),
    "phone with brackets": cells({(RESP, "T2", OFFICER_PHONE): "(0454)8888888"}),
    "state 已完成 + full-width space": cells(
        {(SCHEDULE, ("T1", 1), STATE): "已完成\u3000"}
    ),
    "2022.5.30 and 45分": cells(
        {(SCHEDULE, ("T1", 1), ACTUAL): "2022.5.30", (EVAL, "KP01", "自评分"): "45分"}
    ),
    # the rules that were there before
    "required: blank": cells({(LEDGER, "T1", STATUS_TEXT): None}),
    "date: invalid": cells({(SCHEDULE, ("T1", 2), ACTUAL): "2022/13/01"}),
    "date: no year": cells({(SCHEDULE, ("T2", 1), ACTUAL): "8.25"}),
    "date: after as-of": cells({(SCHEDULE, ("T1", 2), ACTUAL): dt.datetime(2022, 10, 5)}),
    "date: after as-of, as text": cells({(SCHEDULE, ("T2", 1), ACTUAL): "2022.10.5"}),
    "date: unlikely year": cells(
        {(SCHEDULE, ("T2", 2), ACTUAL): dt.datetime(2019, 8, 25)}
    ),
    "range: progress 120": cells({(LEDGER, "T1", PROGRESS): 120}),
    "range: progress -5": cells({(LEDGER, "T2", PROGRESS): -5}),
    "progress 过半": cells({(LEDGER, "T2", PROGRESS): "过半"}),
    "progress 60% as text": cells({(LEDGER, "T2", PROGRESS): "60%"}),
    "progress 0.6": cells({(LEDGER, "T1", PROGRESS): 0.6}),
    "progress 1": cells({(LEDGER, "T1", PROGRESS): 1}),
    "progress 100, last node open": cells({(LEDGER, "T1", PROGRESS): 100}),
    "enum: not in list": cells({(SCHEDULE, ("T1", 3), STATE): "完成"}),
    "enum: Y for 是": cells(
        {(LEDGER, "T2", CLOSE): "Y", (LEDGER, "T2", EVIDENCE): "验收单"}
    ),
    "self score over points": cells({(EVAL, "KP02", "自评分"): 45}),
    "close, nodes open": cells(
        {(LEDGER, "T1", CLOSE): "是", (LEDGER, "T1", EVIDENCE): "验收单"}
    ),
    "close without evidence": cells({(LEDGER, "T2", CLOSE): "是"}),
    "actual date without done": cells(
        {(SCHEDULE, ("T1", 4), ACTUAL): dt.datetime(2022, 9, 1)}
    ),
    "too long": cells({(LEDGER, "T1", STATUS_TEXT): "很" * 1001}),
    "signature blank": form_field(EVAL, "战线领导（签字）", None),
    # more ways of typing
    "full-width digits progress": cells({(LEDGER, "T2", PROGRESS): "６０"}),
    "full-width digits phone": cells(
        {(RESP, "T1", DEPUTY_PHONE): "１３８１２３４５６７８"}
    ),
    "date text with time": cells({(SCHEDULE, ("T2", 2), ACTUAL): "2022-08-25 00:00:00"}),
    "date text with clock": cells({(SCHEDULE, ("T2", 1), ACTUAL): "2022-07-25 10:30"}),
    "score 1e1": cells({(EVAL, "KP01", "自评分"): "1e1"}),
    "score with comma": cells({(EVAL, "KP02", "自评分"): "1,5"}),
    "state Y": cells({(SCHEDULE, ("T1", 3), STATE): "Y"}),
    "date 2022.02.30": cells({(SCHEDULE, ("T1", 2), ACTUAL): "2022.2.30"}),
    "date 22.8.25": cells({(SCHEDULE, ("T1", 1), ACTUAL): "22.8.25"}),
    "confirmation date as text": form_field(EVAL, "确认日期", "2022.10.8"),
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


def _groups(cases: dict[str, Edit]) -> list[list[str]]:
    """Cases packed into as few workbooks as possible, no two touching the same cell."""
    groups: list[tuple[list[str], set[tuple[str, Any]]]] = []
    for name, edit in cases.items():
        group = next((g for g in groups if not g[1] & edit.rows), None)
        if group is None:
            groups.append(group := ([], set()))
        group[0].append(name)
        group[1].update(edit.rows)
    return [names for names, _ in groups]


def _cell_statuses(path: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(sheet, cell) → (错误, 提醒) of every input cell, read from its status helper as
    the workbook's red/orange conditional format does."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    found = {}
    for ws in formulas.worksheets:
        for cf in ws.conditional_formatting:
            rule = cf.rules[0].formula[0]
            if not rule.endswith(">=2") or not rule.startswith("$"):
                continue
            status_col = rule[1:].rstrip(">=2").rstrip("0123456789")
            for cell_range in cf.sqref.ranges:
                for row in range(cell_range.min_row, cell_range.max_row + 1):
                    status = values[ws.title][f"{status_col}{row}"].value or 0
                    for col in range(cell_range.min_col, cell_range.max_col + 1):
                        cell = f"{openpyxl.utils.get_column_letter(col)}{row}"
                        found[ws.title, cell] = (int(status >= 2), int(status in (1, 3)))
    return found


def _office_cells(issues: list[Any]) -> dict[tuple[str, str], tuple[int, int]]:
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for issue in issues:
        errors, warnings = found.get((issue.sheet, issue.cell), (0, 0))
        if issue.severity == ERROR:
            errors += 1
        else:
            warnings += 1
        found[issue.sheet, issue.cell] = (errors, warnings)
    return found


def test_the_workbook_and_the_office_agree_cell_by_cell(small, tmp_path):
    """Unit workbooks: the cases packed into a few workbooks; in each, every cell's
    colour (its status) matches the office's problems at that cell, and the 自查 totals
    match ``siyi check``'s."""
    groups = _groups(UNIT_CASES)
    paths = []
    for n, names in enumerate(groups):

        def apply(book: Any, names: list[str] = names) -> None:
            for name in names:
                UNIT_CASES[name].apply(book)

        paths.append(small.fill("U01", mutate=apply, name=f"group{n:02d}.xlsx"))
    resaved = resave_all(paths, tmp_path / "lo", tmp_path / "p")
    campaign = load_campaign(small.folder)
    report, differ = [], []
    for names, path, back in zip(groups, paths, resaved, strict=True):
        issues = check_file(path, campaign).issues
        office = _office_cells(issues)
        workbook = _cell_statuses(back)
        assert (
            len(workbook) > 1000
        )  # every checked cell of every sheet, 100 list rows too
        errors, warnings, headline = _workbook_counts(back)
        report.append(
            f"{path.name} ({'; '.join(names)}): workbook {(errors, warnings)}, "
            f"office {_office_counts(issues)} | {headline}"
        )
        for key in sorted(set(office) | {k for k, v in workbook.items() if v != (0, 0)}):
            if workbook.get(key, (0, 0)) != office.get(key, (0, 0)):
                differ.append((path.name, key, workbook.get(key), office.get(key)))
        if (errors, warnings) != _office_counts(issues):
            differ.append((path.name, "自查", (errors, warnings), _office_counts(issues)))
        if ("必须修改" not in headline) != (_office_counts(issues)[0] == 0):
            differ.append((path.name, "可以报送", headline, _office_counts(issues)))
    print("\n".join(report))
    assert not differ, differ
    assert (
        len(groups) < len(UNIT_CASES) / 3
    )  # a few LibreOffice conversions, not one per case


def test_the_ballot_and_the_office_agree(small, tmp_path):
    """Ballots, one per case (the all-equal rule reads the whole ballot): the 自查 totals
    match the ballot reader's errors and reminders."""
    api.handout(small.folder, now=dt.datetime(2022, 9, 20, 9, 0))
    issued = sorted((small.folder / "issued" / "2022Q3" / "考评表").glob("*专班*.xlsx"))[
        0
    ]
    cases = {}
    for n, (name, case) in enumerate(BALLOT_CASES.items()):
        cases[name] = tmp_path / "ballots" / f"ballot{n:02d}.xlsx"
        cases[name].parent.mkdir(exist_ok=True)
        shutil.copy(issued, cases[name])
        _fill_ballot(cases[name], case)
    resaved = resave_all(list(cases.values()), tmp_path / "lo", tmp_path / "p")
    campaign = load_campaign(small.folder)
    table = []
    for (name, path), back in zip(cases.items(), resaved, strict=True):
        single = tmp_path / "one" / name
        single.mkdir(parents=True)
        shutil.copy(path, single / path.name)
        office = _office_counts(read_ballots(single, campaign)[1])
        errors, warnings, headline = _workbook_counts(back)
        table.append((name, (errors, warnings), office, headline))
        assert ("必须修改" not in headline) == (office[0] == 0)
    print("\n".join(f"{n}: workbook {w} office {o} | {h}" for n, w, o, h in table))
    assert [(n, w) for n, w, _, _ in table] == [(n, o) for n, _, o, _ in table]
    uniform = next(t for t in table if t[0] == "ballot all equal")
    assert uniform[1] == (1, 0) and "必须修改" in uniform[3]
