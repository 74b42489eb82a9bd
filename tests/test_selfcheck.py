"""Templates that check themselves: red-cell conditional formats and the 自查 count."""

from __future__ import annotations

import datetime as dt

import openpyxl

from siyi_xlsx import schema
from siyi_xlsx.schema.selfcheck import Cond, column_rules, render_array, render_cell

AS_OF = dt.date(2022, 9, 30)


def _rules(ws):
    return {
        str(cf.sqref): [r.formula[0] for r in cf.rules]
        for cf in ws.conditional_formatting
    }


def test_every_checked_input_column_has_a_red_rule_and_a_count(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    counted = {
        (r[0].value, r[1].value) for r in book["自查"].iter_rows(min_row=5) if r[0].value
    }
    for schema_id in (
        "unit_ledger",
        "unit_responsibility",
        "unit_schedule",
        "unit_evaluation",
    ):
        s = schema.load(schema_id)
        rules = _rules(book[s.sheet])
        for index, column in enumerate(s.columns):
            cond, _ = column_rules(column, s, AS_OF)
            letter = chr(65 + index)
            has_rule = any(rng.startswith(f"{letter}4") for rng in rules)
            assert has_rule == (column.role == "input" and cond is not None), (
                s.sheet,
                column.title,
            )
            assert ((s.sheet, column.title) in counted) == has_rule


def test_rules_read_like_the_schema(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    sched = _rules(book["推进表"])
    actual = next(f for rng, f in sched.items() if rng.startswith("G4"))[0]
    assert "DATE(2022,9,30)" in actual and 'H4="已完成"' in actual
    ledger = _rules(book["重点工作台账"])
    evidence = next(f for rng, f in ledger.items() if rng.startswith("L4"))[0]
    assert 'K4="是"' in evidence
    score = next(f for rng, f in _rules(book["考评册"]).items() if rng.startswith("F4"))[
        0
    ]
    assert "N(F4)>N($C4)" in score
    headline = book["自查"]["A2"].value
    assert headline.startswith("=IF(SUM(C5:C") and "还有" in headline


def test_both_renderings_come_from_one_condition():
    cond = Cond.any(
        Cond.atom("LEN(TRIM({c}))=0"),
        Cond.all(Cond.atom('{k}="是"'), Cond.atom("N({c})>1")),
    )
    assert (
        render_cell(cond, {"k": "$K4"}, "L4")
        == 'OR(LEN(TRIM(L4))=0,AND($K4="是",N(L4)>1))'
    )
    assert (
        render_array(cond, {"k": "S!$K$4:$K$9"}, "S!$L$4:$L$9")
        == '(((LEN(TRIM(S!$L$4:$L$9))=0)+((S!$K$4:$K$9="是")*(N(S!$L$4:$L$9)>1)))>0)'
    )
