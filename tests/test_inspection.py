"""The 督导检查组's workbook: visits and 督办单 out to units, feedback read back."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from siyi_xlsx.cli import main
from siyi_xlsx.read.inspection import INSPECTION_FILE
from siyi_xlsx.write.inspection import write_inspection_workbook

ORDERS = [
    {
        "order_id": "DB01",
        "task_id": "T1",
        "unit": "区发展和改革局",
        "matter": "加快立项",
        "requirement": "10 月底前办结",
        "deadline": dt.date(2022, 10, 31),
        "status": "办理中",
    },
    {
        "order_id": "DB02",
        "task_id": "T4",
        "unit": "永安街道办事处",
        "matter": "核实群众反映",
        "requirement": "9 月 20 日前反馈",
        "deadline": dt.date(2022, 9, 20),
        "status": "待办理",
    },
    {
        "order_id": "DB03",
        "task_id": "T2",
        "unit": "区发展和改革局",
        "matter": "已办结的旧事项",
        "requirement": "—",
        "deadline": dt.date(2022, 8, 1),
        "status": "已办结",
    },
]
VISITS = [
    {
        "date": dt.date(2022, 9, 5),
        "unit": "长青乡",
        "task_id": "T3",
        "method": "四不两直",
        "inspectors": "甲、乙",
        "findings": "摸底台账不完整",
        "rating": "一般",
        "requirement": "补齐台账",
    }
]


def _feedback(progress, result, reason=None):
    def fill(book):
        ws = book["督办单DB01"]
        for row in ws.iter_rows():
            label = row[0].value
            if label == "办理情况":
                row[1].value = progress
            elif label == "办理结果":
                row[1].value = result
            elif label == "延期理由":
                row[1].value = reason
            elif label == "反馈日期":
                row[1].value = dt.datetime(2022, 9, 28)

    return fill


def test_orders_go_out_and_feedback_comes_back(small):
    write_inspection_workbook(
        small.folder / INSPECTION_FILE, {"orders": ORDERS, "visits": VISITS}
    )
    book = openpyxl.load_workbook(small.issued("U01"))
    assert [n for n in book.sheetnames if n.startswith("督办单")] == [
        "督办单DB01"
    ]  # DB03 is closed: not sent
    page = book["督办单DB01"]
    assert page["B3"].value == "DB01" and page["B3"].protection.locked
    small.fill("U01", mutate=_feedback("已完成立项批复", "已办结"))
    small.fill("U02")
    result = small.run()
    assert not result.errors
    ws = openpyxl.load_workbook(small.folder / "output" / "2022Q3" / "领导汇总.xlsx")[
        "督办单"
    ]
    header = [c.value for c in ws[3]]
    rows = {
        r[0]: dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=4, values_only=True)
        if r[0]
    }
    assert (
        rows["DB01"]["单位反馈结果"] == "已办结"
        and rows["DB01"]["办理情况"] == "已完成立项批复"
    )
    assert (
        rows["DB02"]["反馈"] == "未反馈" and rows["DB02"]["逾期"] == "逾期"
    )  # past 9-20 with nothing back
    CliRunner().invoke(main, ["report", str(small.folder)])
    findings = openpyxl.load_workbook(
        small.folder / "output" / "2022Q3" / "督导检查专报.xlsx"
    )["发现问题清单"]
    texts = [
        (r[0], r[1]) for r in findings.iter_rows(min_row=4, values_only=True) if r[0]
    ]
    assert ("永安街道办事处", "督办单DB02") in texts and (
        "长青乡",
        "四不两直（2022-09-05）",
    ) in texts


def test_extension_request_needs_a_reason(small):
    write_inspection_workbook(small.folder / INSPECTION_FILE, {"orders": ORDERS})
    small.fill("U01", mutate=_feedback("协调中", "申请延期"))
    found = {(i.code, i.sheet, i.cell) for i in small.analyse().issues}
    assert ("REQUIRED", "督办单DB01", "B13") in found and (
        "REQUIRED",
        "督办单DB01",
        "B14",
    ) in found  # reason, new date


def test_order_page_checks_itself(small, tmp_path):
    import shutil
    import subprocess

    write_inspection_workbook(small.folder / INSPECTION_FILE, {"orders": ORDERS})
    book = openpyxl.load_workbook(small.issued("U01"))
    page = book["督办单DB01"]
    rules = [r.formula[0] for cf in page.conditional_formatting for r in cf.rules]
    statuses = {f.split(">=")[0] for f in rules if f.endswith(">=2")}
    helpers = [page[ref.replace("$", "")].value for ref in statuses]
    # reason and date required for an extension; a page left blank has nothing to fix
    assert any('"申请延期"' in f for f in helpers)
    assert all(f.startswith("=IF(LEN(TRIM(SUBSTITUTE(SUBSTITUTE($B$") for f in helpers)
    checks = [r[0].value for r in book["自查"].iter_rows(min_row=5) if r[0].value]
    assert "督办单DB01" in checks
    soffice = shutil.which("soffice")
    if soffice is None:
        return
    filled = small.fill("U01", mutate=_feedback("协调中", "申请延期"))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'p'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    again = openpyxl.load_workbook(tmp_path / filled.name, data_only=True)
    assert again["自查"]["A2"].value.startswith(
        "还有 2 处错误"
    )  # 延期理由 and 申请延期至
