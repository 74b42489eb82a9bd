"""Templates that check themselves: red-cell conditional formats and the 自查 count."""

from __future__ import annotations

import datetime as dt

import openpyxl

from siyi_xlsx import schema
from siyi_xlsx.read import normalize
from siyi_xlsx.schema import selfcheck
from siyi_xlsx.schema.selfcheck import (
    Cond,
    column_check,
    render_cell,
    status_formula,
    typed_columns,
)

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
            check = column_check(column, s, AS_OF, typed_columns(s))
            letter = chr(65 + index)
            has_rule = any(rng.startswith(f"{letter}4") for rng in rules)
            assert has_rule == (column.role == "input" and check is not None), (
                s.sheet,
                column.title,
            )
            assert ((s.sheet, column.title) in counted) == has_rule


def _status_formula(ws, column_letter):
    """The formula of the hidden status helper that colours ``column_letter``4."""
    rules = _rules(ws)
    red, orange = next(
        f for rng, f in rules.items() if rng.startswith(f"{column_letter}4")
    )
    status = red.split(">=")[0].lstrip("$").rstrip("4")
    assert red == f"${status}4>=2" and orange == f"${status}4=1"
    assert ws.column_dimensions[status].hidden or any(
        d.hidden and d.min <= ws[f"{status}4"].column <= d.max
        for d in ws.column_dimensions.values()
    )
    return ws[f"{status}4"].value


def test_rules_read_like_the_schema(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    actual = _status_formula(book["推进表"], "G")
    assert "DATE(2022,9,30)" in actual and "YEAR(" in actual
    state = _status_formula(book["推进表"], "H")
    assert '<>"已完成"' in state and "LEN(TRIM(SUBSTITUTE(SUBSTITUTE(H4," in state
    evidence = _status_formula(book["重点工作台账"], "L")
    assert '="是"' in evidence
    score = _status_formula(book["考评册"], "F")
    assert "N($C4)" in score
    headline = book["自查"]["A2"].value
    assert (
        headline.startswith("=IF(SUM(C5:C")
        and "处错误" in headline
        and "处提醒" in headline
    )


def test_list_sheets_check_their_prepared_rows(small):
    book = openpyxl.load_workbook(small.issued("U01"))
    ws = book["问题清单"]
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert "C4:C103" in ranges  # 100 prepared rows, checked like the first
    assert not ws["C103"].protection.locked


def test_one_condition_rendered_for_a_row():
    cond = Cond.any(
        Cond.atom("LEN(TRIM({c}))=0"),
        Cond.all(Cond.atom('{k}="是"'), Cond.atom("N({c})>1")),
    )
    assert (
        render_cell(cond, {"k": "$K4"}, "L4")
        == 'OR(LEN(TRIM(L4))=0,AND($K4="是",N(L4)>1))'
    )


def test_status_is_two_for_an_error_plus_one_for_a_reminder():
    s = schema.load("unit_evaluation")
    check = column_check(s.column("self_score"), s, AS_OF, typed_columns(s))
    formula = status_formula(check, {"val:self_score": "$J4", "points": "$C4"}, "F4")
    error, warning = formula.split("+IFERROR(")
    assert error.startswith("IFERROR(IF(OR(") and error.endswith(",2,0),2)")
    assert "AND(ISTEXT(F4),ISNUMBER($J4))" in warning and warning.endswith(",1,0),0)")
    assert "N($J4)>N($C4)" in error  # 自评分 as the office reads it, against 分值


def test_yes_and_no_words_are_the_readers():
    assert set(selfcheck._YES) == normalize._YES and set(selfcheck._NO) == normalize._NO
