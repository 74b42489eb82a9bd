"""Row rules declared once (``x-rules``) behave the same in the workbook and the batch.

Fast: no workbook is written and LibreOffice is not needed. Each declared rule's compiled
Excel condition, as the workbook carries it (typed columns read through their value
helpers), is evaluated by a tiny evaluator of the few functions it uses (N, ISNUMBER,
TRIM, LEN, NOT, DATE, AND, OR, comparisons) and compared with the Python predicate the
batch uses, on hand-picked rows and on random ones; then the batch's check is shown to
report the expected problem at the expected cell. How whole cells are read (text dates,
"14分", "150%") is compared with the batch through LibreOffice in test_selfcheck_parity.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siyi_xlsx import schema as schemas
from siyi_xlsx.check.validate import schedule_helpers
from siyi_xlsx.read.master import Milestone, Task
from siyi_xlsx.read.tables import TableRow, Where
from siyi_xlsx.resources import data_dir
from siyi_xlsx.schema.rules import (
    NUMERIC_KINDS,
    Cond,
    Ref,
    Rule,
    broken,
    check_row,
    excel_condition,
    excel_helpers,
    helpers_of,
    parse_term,
    rule_words,
    rules_of,
)
from siyi_xlsx.schema.selfcheck import column_check, render_cell, typed_columns

AS_OF = dt.date(2022, 9, 30)
ROW = 4  # the first data row of every issued table

# ----------------------------------------------------------------------------- evaluator

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"]|"")*")|(?P<num>\d+(?:\.\d+)?)'
    r"|(?P<name>\$?[A-Za-z_]+\$?\d*)|(?P<op><>|>=|<=|[=<>*+\-(),]))"
)


def _serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(op: str, a: Any, b: Any) -> bool:
    """Excel's comparison: a blank is 0 next to a number and "" next to a text; every
    text is greater than every number; text compares without case."""
    if a is None:
        a = 0 if isinstance(b, int | float) else ""
    if b is None:
        b = 0 if isinstance(a, int | float) else ""
    a_num, b_num = isinstance(a, int | float), isinstance(b, int | float)
    if a_num != b_num:
        a, b = (0, 1) if a_num else (1, 0)
    elif not a_num:
        a, b = a.lower(), b.lower()
    return {
        "=": a == b,
        "<>": a != b,
        ">": a > b,
        "<": a < b,
        ">=": a >= b,
        "<=": a <= b,
    }[op]


_FUNCTIONS = {
    "N": lambda v: v if isinstance(v, int | float) else 0,
    "ISNUMBER": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "TRIM": lambda v: " ".join(_text(v).split()),
    "LEN": lambda v: len(_text(v)),
    "NOT": lambda v: not v,
    "AND": lambda *vs: all(vs),
    "OR": lambda *vs: any(vs),
    "DATE": lambda y, m, d: _serial(dt.date(int(y), int(m), int(d))),
}


def excel_eval(formula: str, cells: dict[str, Any]) -> Any:
    """Evaluate a formula over ``cells`` ({"G4": value}; a missing cell is blank)."""
    tokens = [
        (kind, text)
        for m in _TOKEN.finditer(formula.lstrip("="))
        for kind, text in m.groupdict().items()
        if text is not None
    ]
    assert "".join(t for _, t in tokens) == re.sub(r"\s", "", formula.lstrip("="))
    pos = 0

    def peek() -> str | None:
        return tokens[pos][1] if pos < len(tokens) else None

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal pos
        token = tokens[pos]
        assert expected is None or token[1] == expected, (formula, token, expected)
        pos += 1
        return token

    def comparison() -> Any:
        left = additive()
        while peek() in ("=", "<>", ">", "<", ">=", "<="):
            op = take()[1]
            left = _compare(op, left, additive())
        return left

    def additive() -> Any:
        left = product()
        while peek() in ("+", "-"):
            op = take()[1]
            right = product()
            left = (left + right) if op == "+" else (left - right)
        return left

    def product() -> Any:
        left = unary()
        while peek() == "*":
            take()
            left = left * unary()
        return left

    def unary() -> Any:
        if peek() == "-":
            take()
            return -unary()
        return primary()

    def primary() -> Any:
        kind, text = take()
        if text == "(":
            value = comparison()
            take(")")
            return value
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if peek() == "(":
            take("(")
            args = []
            while peek() != ")":
                args.append(comparison())
                if peek() == ",":
                    take(",")
            take(")")
            return _FUNCTIONS[text](*args)
        return cells.get(text.replace("$", ""))

    value = comparison()
    assert pos == len(tokens), formula
    return value


def _letters(schema: schemas.SheetSchema) -> dict[str, str]:
    """Column (and helper) → letter, the way the issued workbook lays them out."""
    names = [c.name for c in schema.columns] + sorted(helpers_of(schema))
    return {name: chr(65 + i) for i, name in enumerate(names)}


def to_cells(schema: schemas.SheetSchema, values: dict[str, Any]) -> dict[str, Any]:
    """Clean Python values as the workbook holds them: a date is a serial number."""
    kinds = {c.name: c.kind for c in schema.columns}
    return {
        name: _serial(dt.date.fromisoformat(v)) if kinds.get(name) == "date" and v else v
        for name, value in values.items()
        for v in [value]
    }


def agree(rule: Rule, values: dict[str, Any], context: dict[str, Any]) -> bool:
    """Python's verdict, after checking that both Excel renderings give the same one."""
    schema = schemas.load(rule.schema_id)
    python = broken(rule, {**values, **context})
    cells = to_cells(
        schema, {**values, **{k: v for k, v in context.items() if k != "as_of"}}
    )
    as_of = context.get("as_of", AS_OF)
    typed = typed_says(rule, schema, as_of, cells)
    assert typed == python, (rule.code, values, context, typed, python)
    return python


def typed_says(
    rule: Rule, schema: schemas.SheetSchema, as_of: dt.date, cells: dict[str, Any]
) -> bool:
    """The rule as the issued workbook carries it: typed input columns are read through
    their value helpers (``{val:name}``: the clean value, "" when blank)."""
    typed = typed_columns(schema)
    letters = _letters(schema)
    letters.update(
        {f"val:{name}": f"V{chr(65 + i)}" for i, name in enumerate(sorted(typed))}
    )
    refs = {name: f"${letter}{ROW}" for name, letter in letters.items()}
    at = {f"{letters[name]}{ROW}": value for name, value in cells.items()}
    for name in typed:
        value = cells.get(name)
        at[f"{letters['val:' + name]}{ROW}"] = "" if value is None else value
    cond = excel_condition(rule, schema, as_of, typed)
    return bool(excel_eval(render_cell(cond, refs, f"{letters[rule.column]}{ROW}"), at))


def test_the_evaluator_reads_excel_like_excel():
    cells = {"A4": None, "B4": " 是 ", "C4": 100.0, "D4": "abc"}
    assert excel_eval('=AND(TRIM(B4)="是",N(C4)=100,ISNUMBER(C4))', cells) is True
    assert excel_eval('=OR(LEN(TRIM(A4))>0,N(D4)>0,D4<"ABD")', cells) is True
    assert excel_eval("=(A4>0)", cells) is False and excel_eval('=(A4<>"x")', cells)
    assert excel_eval("=--((C4>1)*(D4>C4))", cells) == 1  # text is above any number
    assert excel_eval("=$C4=DATE(1900,4,9)", cells) is True  # serial 100 = 1900-04-09


# ----------------------------------------------------------------------------- cases


def _all_rules() -> list[Rule]:
    ids = sorted(p.stem for p in data_dir("schemas").glob("*.json"))
    return [r for schema_id in ids for r in rules_of(schemas.load(schema_id))]


# (schema, code) → rows that break the rule and rows that do not: (values, context)
LAST_NODE = {"_last_node": "第 3 个节点 验收", "_open_node_list": "第 3 个节点 验收"}
CASES: dict[tuple[str, str], tuple[list[Any], list[Any]]] = {
    ("unit_ledger", "PROGRESS_100_NOT_DONE"): (
        [
            ({"progress": 100}, {"_last_state": "推进中", **LAST_NODE}),
            ({"progress": 100.0}, {"_last_state": "", **LAST_NODE}),  # no row for it
        ],
        [
            ({"progress": 100}, {"_last_state": "已完成", **LAST_NODE}),
            ({"progress": 99.5}, {"_last_state": "推进中", **LAST_NODE}),
            ({}, {"_last_state": "推进中", **LAST_NODE}),
        ],
    ),
    ("unit_ledger", "CLOSE_NOT_DONE"): (
        [({"apply_close": "是"}, {"_open_nodes": 2, "_last_state": "", **LAST_NODE})],
        [
            ({"apply_close": "是"}, {"_open_nodes": 0, "_last_state": "已完成"}),
            ({"apply_close": "否"}, {"_open_nodes": 2, "_last_state": "推进中"}),
            ({}, {"_open_nodes": 2, "_last_state": "推进中"}),
        ],
    ),
    ("unit_schedule", "ACTUAL_AFTER_AS_OF"): (
        [({"actual_date": "2022-10-01", "state": "已完成"}, {"as_of": AS_OF})],
        [
            ({"actual_date": "2022-09-30", "state": "已完成"}, {"as_of": AS_OF}),
            ({"state": "推进中"}, {"as_of": AS_OF}),
        ],
    ),
    ("unit_schedule", "ACTUAL_WITHOUT_DONE"): (
        [({"actual_date": "2022-08-01", "state": "推进中"}, {"as_of": AS_OF})],
        [
            ({"actual_date": "2022-08-01", "state": "已完成"}, {"as_of": AS_OF}),
            ({"state": "推进中"}, {"as_of": AS_OF}),
        ],
    ),
    ("unit_evaluation", "SELF_SCORE_OVER"): (
        [({"self_score": 41}, {"points": 40}), ({"self_score": 0.5}, {"points": 0})],
        [({"self_score": 40}, {"points": 40.0}), ({}, {"points": 40})],
    ),
    ("eval_scores", "SELF_SCORE_OVER"): (
        [({"score": 10.5}, {"points": 10})],
        [({"score": 10}, {"points": 10}), ({"score": 0}, {"points": 10})],
    ),
}


def test_every_declared_rule_has_cases():
    declared = {(r.schema_id, r.code.value) for r in _all_rules()}
    assert declared == set(CASES)
    assert all(bad and good for bad, good in CASES.values())


@pytest.mark.parametrize("key", sorted(CASES), ids="/".join)
def test_python_and_excel_agree_on_each_rule(key):
    (rule,) = [r for r in _all_rules() if (r.schema_id, r.code) == key]
    bad, good = CASES[key]
    for values, context in bad:
        assert agree(rule, values, context) is True, (values, context)
    for values, context in good:
        assert agree(rule, values, context) is False, (values, context)


def _values(schema: schemas.SheetSchema, rule: Rule) -> st.SearchStrategy[dict[str, Any]]:
    """Random clean values for the names a rule reads, blank where the reader may leave
    one blank (a text compared with != is blank only when the cell is red anyway)."""
    columns = {c.name: c for c in schema.columns}
    compared_text = {
        t.name
        for t in rule.when
        if t.op != "filled"
        and t.name in columns
        and columns[t.name].kind not in NUMERIC_KINDS + ("date",)
    }
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in sorted(rule.names() - {"as_of"}):
        column = columns.get(name)
        operands = [t.operand for t in rule.when if t.name == name]
        if column is None:  # a helper: text or number, as the rule compares it
            if any(isinstance(o, str) for o in operands):
                value = st.sampled_from([*operands, "推进中", "未开始", ""])
            else:
                value = st.integers(0, 3)
        elif column.kind in NUMERIC_KINDS:
            value = st.one_of(st.integers(0, 120), st.sampled_from([0.5, 99.5, 100.0]))
        elif column.kind == "date":
            value = st.dates(dt.date(2021, 6, 1), dt.date(2023, 1, 31)).map(str)
        else:
            value = st.sampled_from(column.choices or [o for o in operands if o])
        if column is not None and column.role == "input" and name not in compared_text:
            value = st.one_of(st.none(), value)
        fields[name] = value
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


@pytest.mark.parametrize("key", sorted(CASES), ids="/".join)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_python_and_excel_agree_on_random_rows(key, data):
    (rule,) = [r for r in _all_rules() if (r.schema_id, r.code) == key]
    schema = schemas.load(rule.schema_id)
    values = data.draw(_values(schema, rule))  # the row's cells and its helpers
    as_of = data.draw(st.dates(dt.date(2022, 1, 1), dt.date(2022, 12, 31)))
    agree(rule, values, {"as_of": as_of})


def test_a_blank_or_unreadable_cell_breaks_no_rule():
    """A blank or unreadable 节点状态 next to a date: the value helper holds "" or "#",
    so the rule does not hold, as in Python (the reader left no state); the cell is an
    错误 for being blank or not in the list, once."""
    schema = schemas.load("unit_schedule")
    (rule,) = [r for r in rules_of(schema) if r.code == "ACTUAL_WITHOUT_DONE"]
    for state in ("", "#"):
        cells = {"actual_date": _serial(dt.date(2022, 8, 1)), "state": state}
        assert not typed_says(rule, schema, AS_OF, cells)
        assert not broken(rule, {"actual_date": "2022-08-01"})
    check = column_check(schema.column("state"), schema, AS_OF, typed_columns(schema))
    assert Cond.atom('{val:state}="#"') in check.error.parts


# ----------------------------------------------------------------------------- compiled


def test_each_rule_is_part_of_its_columns_self_check():
    for rule in _all_rules():
        schema = schemas.load(rule.schema_id)
        typed = typed_columns(schema)
        check = column_check(schema.column(rule.column), schema, AS_OF, typed)
        assert excel_condition(rule, schema, AS_OF, typed) in check.error.parts, rule.code
        assert rule_words(rule, schema, AS_OF) in check.words, rule.code


def test_compiled_formulas_are_the_ones_the_workbooks_carry():
    """What the issued workbook carries: a typed column's terms compare the value the
    office reads ({val:name}), so "100%" or "45分" break a rule as in the batch."""
    got = {}
    for rule in _all_rules():
        schema = schemas.load(rule.schema_id)
        refs = {name: "{" + name + "}" for name in _letters(schema)}
        refs.update({f"val:{n}": "{val:" + n + "}" for n in typed_columns(schema)})
        cond = excel_condition(rule, schema, AS_OF, typed_columns(schema))
        got[rule.schema_id, rule.code] = render_cell(cond, refs, "{c}")
    assert got == {
        ("unit_ledger", "PROGRESS_100_NOT_DONE"): (
            'AND(ISNUMBER({val:progress}),N({val:progress})=100,{_last_state}<>"已完成")'
        ),
        ("unit_ledger", "CLOSE_NOT_DONE"): (
            'AND({val:apply_close}<>"",{val:apply_close}<>"#",'
            '{val:apply_close}="是",N({_open_nodes})>0)'
        ),
        ("unit_schedule", "ACTUAL_AFTER_AS_OF"): (
            "AND(ISNUMBER({val:actual_date}),N({val:actual_date})>DATE(2022,9,30))"
        ),
        ("unit_schedule", "ACTUAL_WITHOUT_DONE"): (
            'AND(ISNUMBER({val:actual_date}),{val:state}<>"",{val:state}<>"#",'
            '{val:state}<>"已完成")'
        ),
        ("unit_evaluation", "SELF_SCORE_OVER"): (
            "AND(ISNUMBER({val:self_score}),N({val:self_score})>N({points}))"
        ),
        ("eval_scores", "SELF_SCORE_OVER"): (
            "AND(ISNUMBER({val:score}),N({val:score})>N({points}))"
        ),
    }


def test_terms_and_declarations():
    assert parse_term("progress = 100").operand == 100
    assert parse_term("score > @points").operand == Ref("points")
    assert parse_term("_last_state != 已完成").operand == "已完成"
    assert parse_term("actual_date filled").op == "filled"
    with pytest.raises(ValueError):
        parse_term("progress == 100")
    ledger = schemas.load("unit_ledger")
    assert excel_helpers(ledger) == {"_last_state", "_open_nodes"}
    assert excel_helpers(schemas.load("unit_schedule")) == set()


# ----------------------------------------------------------------------------- batch


def _row(schema: schemas.SheetSchema, values: dict[str, Any], **raw: Any) -> TableRow:
    letters = _letters(schema)
    cells = {c.name: f"{letters[c.name]}{ROW}" for c in schema.columns}
    return TableRow(ROW, dict(values), cells, raw={**values, **raw})


WHERE = Where(file="填报表.xlsx", unit="区发展和改革局")


def _found(issues: list[Any]) -> list[tuple[str, str, str, str, str]]:
    return [(i.code, i.cell, i.field, i.value, i.detail) for i in issues]


def test_batch_reports_each_rule_at_its_cell_with_its_message():
    ledger = schemas.load("unit_ledger")
    row = _row(ledger, {"task_id": "T1", "progress": 100.0, "apply_close": "是"})
    helpers = {
        "_last_state": "推进中",
        "_open_nodes": 1,
        "_last_node": "第 3 个节点 验收",
        "_open_node_list": "第 3 个节点 验收",
    }
    issues = check_row(ledger, row, helpers, WHERE, ledger.sheet)
    assert _found(issues) == [
        ("PROGRESS_100_NOT_DONE", "G4", "完成进度(%)", "100", "第 3 个节点 验收"),
        ("CLOSE_NOT_DONE", "K4", "申请销号", "是", "第 3 个节点 验收"),
    ]
    assert issues[0].message.startswith(
        "完成进度为 100%，但节点“第 3 个节点 验收”尚未完成"
    )
    assert "apply_close" not in row.values and "apply_close" in row.invalid  # rejected
    assert "progress" not in row.values and "progress" in row.invalid  # 错误: not used

    sched = schemas.load("unit_schedule")
    late = _row(
        sched, {"task_id": "T1", "seq": 1, "actual_date": "2022-10-03", "state": "推进中"}
    )
    issues = check_row(sched, late, {"as_of": AS_OF}, WHERE, sched.sheet)
    # the late date is rejected, so "date but not 已完成" is not asked on top of it
    assert _found(issues) == [
        ("ACTUAL_AFTER_AS_OF", "G4", "实际完成日期", "2022-10-03", "2022-09-30")
    ]
    assert "actual_date" in late.invalid and "actual_date" not in late.values
    early = _row(
        sched, {"task_id": "T1", "seq": 1, "actual_date": "2022-08-01", "state": "推进中"}
    )
    assert _found(check_row(sched, early, {"as_of": AS_OF}, WHERE, sched.sheet)) == [
        ("ACTUAL_WITHOUT_DONE", "H4", "节点状态", "推进中", "2022-08-01")
    ]

    for schema_id, name, title in (
        ("unit_evaluation", "self_score", "自评分"),
        ("eval_scores", "score", "评分"),
    ):
        schema = schemas.load(schema_id)
        # the unit's copy of 分值 says 50; the master's 40 is what counts
        over = _row(schema, {name: 41, "points": 50})
        issues = check_row(schema, over, {"points": 40.0}, WHERE, schema.sheet)
        cell = schema.column(name)
        assert _found(issues) == [("SELF_SCORE_OVER", over.cell(name), title, "41", "40")]
        assert issues[0].message == f"{cell.title} 41 超过该项分值 40，请修改。"
        assert name not in over.values
        fine = _row(schema, {name: 40, "points": 50})
        assert check_row(schema, fine, {"points": 40.0}, WHERE, schema.sheet) == []


def test_schedule_helpers_are_the_declared_ones():
    day = dt.date(2022, 6, 30)
    task = Task("T1", "项目一", "产业", "区发展和改革局", "目标", dt.date(2022, 12, 31))
    task.milestones = [Milestone("T1", s, f"节点{s}", day) for s in (1, 2, 3)]
    sched = schemas.load("unit_schedule")
    done = {"state": "已完成", "actual_date": "2022-06-30"}
    rows = {
        ("T1", 1): _row(sched, done),
        # marked 已完成 but the date was rejected: counts as done (its date is reported)
        ("T1", 2): _row(sched, {"state": "已完成"}),
        ("T1", 3): _row(sched, {"state": "推进中"}),
    }
    helpers = schedule_helpers(task, rows)
    assert set(helpers) == set(helpers_of(schemas.load("unit_ledger")))
    assert helpers == {
        "_last_state": "推进中",
        "_open_nodes": 1,
        "_last_node": "第 3 个节点 节点3",
        "_open_node_list": "第 3 个节点 节点3",
    }
    rows[("T1", 3)] = _row(sched, {}, state="已完成")  # 已完成, value not usable
    assert schedule_helpers(task, rows)["_last_state"] == "已完成"
    del rows[("T1", 3)]
    assert schedule_helpers(task, rows)["_last_state"] == ""
    task.milestones = [Milestone("T1", s, f"节点{s}", day) for s in range(1, 8)]
    listed = schedule_helpers(task, {})["_open_node_list"]
    assert listed.endswith("第 5 个节点 节点5等") and listed.count("；") == 4
    task.milestones = []
    assert schedule_helpers(task, {})["_last_state"] == "已完成"
    assert schedule_helpers(task, {})["_open_nodes"] == 0
