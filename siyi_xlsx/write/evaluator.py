"""The evaluators' workbooks (专班小组, 战线领导 评分表) and the 群众测评 import template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from siyi_xlsx import __version__
from siyi_xlsx import schema as schemas
from siyi_xlsx.read.evaluations import (
    EVALUATOR_FORMAT,
    KIND_LABEL,
    evaluator_rows,
    evaluators,
)
from siyi_xlsx.read.master import Campaign
from siyi_xlsx.resources import template
from siyi_xlsx.schema.layout import FIRST_DATA_ROW, META_SHEET
from siyi_xlsx.schema.meta import fingerprint
from siyi_xlsx.write.fastbook import FastFormats, fast_workbook
from siyi_xlsx.write.forked import map_forked
from siyi_xlsx.write.selfcheck import (
    SelfChecks,
    add_form_checks,
    add_self_checks,
    write_self_check_sheet,
)
from siyi_xlsx.write.unit_workbook import safe_file_name
from siyi_xlsx.write.xlsx import (
    Formats,
    ListSheet,
    atomic_workbook,
    protect,
    write_key_values,
    write_table,
)


def write_evaluator_workbooks(
    campaign: Campaign, out_dir: Path, now: dt.datetime
) -> list[Path]:
    """One 评分表 per evaluator (专班小组, 战线领导), written by one worker process per
    core (:mod:`siyi_xlsx.write.forked`)."""
    spec = template("evaluator_workbook")
    schema = schemas.load("eval_scores")

    def write(ev: Any) -> Path:
        label = KIND_LABEL[ev.kind]
        path = out_dir / safe_file_name(
            f"{campaign.settings.year}年{label}表_{ev.name}.xlsx"
        )
        rows = evaluator_rows(campaign, ev)
        with fast_workbook(path, created=now) as book:
            fmt = FastFormats(book)
            intro = book.add_worksheet("填报说明")
            check = book.add_worksheet("自查")
            ws = book.add_worksheet(schema.sheet)
            lists = ListSheet(book)
            intro.merge_range(
                0,
                0,
                0,
                1,
                f"{campaign.settings.year}年重点工作{label}表（{ev.name}）",
                fmt.title,
            )
            texts = [
                (
                    a,
                    b.format(
                        label=label,
                        name=ev.name,
                        n=len(ev.units),
                        year=campaign.settings.year,
                    ),
                )
                for a, b in spec["instructions"]
            ]
            write_key_values(intro, fmt, texts, start_row=2)
            protect(intro)
            last = write_table(
                ws,
                fmt,
                schema,
                rows,
                title=f"{ev.name} {label}表",
                note=schema.description + "灰色为预填内容，浅黄色为打分内容。",
                lists=lists,
                freeze_cols=2,
            )
            checks = add_self_checks(
                book, ws, fmt, schema, len(rows), campaign.settings.as_of
            )
            form_cells = {}
            for offset, column in enumerate(schema.form):
                row = last + 2 + offset
                ws.write_string(row, 1, column.title, fmt.label)
                ws.write_blank(row, 3, None, fmt.for_column(column, "input"))
                form_cells[column.name] = (row, 3)
            counts = checks.counts + _ballot_checks(ws, schema, rows, checks)
            # a blank 评分人 is the office's RATER_MISSING: a 提醒
            counts += add_form_checks(
                ws,
                fmt,
                schema,
                form_cells,
                campaign.settings.as_of,
                checks.next_col + 2,
                frozenset({"rater"}),
            )
            protect(ws)
            write_self_check_sheet(check, fmt, counts)
            protect(check)
            meta = book.add_worksheet(META_SHEET)
            values = {
                "format": EVALUATOR_FORMAT,
                "tool_version": __version__,
                "year": str(campaign.settings.year),
                # ballots belong to the year, not to the period they were issued in
                "period": str(campaign.settings.year),
                "evaluator_kind": ev.kind,
                "evaluator": ev.key,
                "evaluator_name": ev.name,
                "issued_at": now.isoformat(),
                "fingerprint": fingerprint({"eval_scores": rows}),
            }
            for r, (k, v) in enumerate(values.items(), start=1):
                meta.write_string(r, 0, k)
                meta.write_string(r, 1, v)
            meta.very_hidden()
            meta.protect()
            intro.activate()
        return path

    return map_forked(write, evaluators(campaign), "生成考评打分表")


def _ballot_checks(
    ws: Any, schema: schemas.SheetSchema, rows: list[dict[str, Any]], checks: SelfChecks
) -> list[dict[str, Any]]:
    """The ballot's rules over whole units, as :func:`read_ballots` applies them: a unit
    with a score missing or not usable is not counted (BALLOT_INCOMPLETE, an 错误 per
    unit), and when at least two units are counted and all have the same score (the
    sum of scores over the sum of points, ×100), the ballot is void (BALLOT_UNIFORM).

    Two hidden columns hold, on the first row of each unit's block, the unit's score
    when it counts and whether it is incomplete."""
    letters = checks.letters
    if "status:score" not in letters:  # nothing to rate
        return []
    status, value, points = (
        letters["status:score"],
        letters["val:score"],
        letters["points"],
    )
    score_col, flag_col = checks.next_col, checks.next_col + 1
    blocks: dict[str, list[int]] = {}
    for offset, row in enumerate(rows):
        blocks.setdefault(row["unit_code"], []).append(FIRST_DATA_ROW + offset)
    for block in blocks.values():
        top, bottom = block[0] + 1, block[-1] + 1
        statuses = f"${status}${top}:${status}${bottom}"
        broken = f'COUNTIF({statuses},">=2")>0'
        total = f"SUM(${points}${top}:${points}${bottom})"
        share = f"ROUND(100*SUM(${value}${top}:${value}${bottom})/{total},6)"
        ws.write_formula(
            block[0], score_col, f'=IF({broken},"",IF({total}>0,{share},""))', None, ""
        )
        ws.write_formula(block[0], flag_col, f"=IF({broken},1,0)", None, 0)
    ws.set_column(score_col, flag_col, None, None, {"hidden": True})
    sheet = "'" + schema.sheet + "'!"
    first, last = FIRST_DATA_ROW + 1, FIRST_DATA_ROW + max(len(rows), 1)
    scores = (
        f"{sheet}${xl_col_to_name(score_col)}${first}:${xl_col_to_name(score_col)}${last}"
    )
    flags = (
        f"{sheet}${xl_col_to_name(flag_col)}${first}:${xl_col_to_name(flag_col)}${last}"
    )
    return [
        {
            "sheet": schema.sheet,
            "column": "打分不完整的单位",
            "errors": f"=SUM({flags})",
            "warnings": "=0",
            "rules": "每个单位的每项指标都须打分，缺项的单位在本表中的评分不计入",
        },
        {
            "sheet": schema.sheet,
            "column": "所有单位同分",
            "errors": f"=IF(AND(COUNT({scores})>=2,MAX({scores})=MIN({scores})),1,0)",
            "warnings": "=0",
            "rules": "所有单位同分的评分表为无效票（各单位得分 = 评分合计 ÷ 分值合计 × 100，"
            "只比较打分完整的单位，至少两个）",
        },
    ]


def write_public_template(path: Path, campaign: Campaign) -> None:
    """群众测评导入模板: the two accepted layouts, with unit dropdowns."""
    with atomic_workbook(path) as book:
        fmt = Formats(book)
        lists = ListSheet(book)
        names = [u.name for u in campaign.lead_units()]
        for schema_id in ("public_responses", "public_counts"):
            schema = campaign.schema(schema_id)  # the office's channels (选项)
            ws = book.add_worksheet(schema.sheet)
            write_table(
                ws,
                fmt,
                schema,
                [],
                title=schema.title,
                note=schema.description + "也可用同样列名的 CSV（UTF-8 或 GBK）。",
                lists=lists,
                blank_rows=500,
            )
            ws.data_validation(
                3,
                0,
                502,
                0,
                {
                    "validate": "list",
                    "source": lists.source(names),
                    "error_type": "warning",
                    "error_message": "请选择单位",
                },
            )
