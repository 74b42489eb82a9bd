"""Row rules: declared once in a sheet's schema, compiled for the workbook and the batch.

A rule sits on the column whose cell it turns red and where its problem is reported::

    "progress": {
      ...,
      "x-rules": [
        {
          "code": "PROGRESS_100_NOT_DONE",
          "when": ["progress = 100", "_last_state != 已完成"],
          "text": "进度为 100 时，推进表中本任务最后一个节点须已完成",
          "detail": "_last_node"
        }
      ]
    }

``when`` lists terms that must all hold for the row to break the rule. A term is
``name op operand`` with op one of ``= != > < >= <=``, or ``name filled``. A name is one
of the sheet's columns, a helper listed in the schema's ``x-helpers`` (a fact about the
row that needs the whole submission, such as the state of the task's last milestone:
the workbook keeps it in a hidden column, the batch computes it from the returned file),
or a parameter of the run (``as_of``). The operand is ``@name`` (a column, helper or
parameter), a number, or else a text (the rest of the term, as written).

``code`` names the problem in :mod:`siyi_xlsx.errors` (its Chinese message); ``text`` is
what the 自查 sheet says about the column (``{as_of}`` and ``{title[column]}`` are filled
in); ``detail`` names the value shown as the message's detail (a number is written as
``%g``); ``reject`` says the cell's value is not used once the rule is broken.

One declaration, two compilations:

* :func:`excel_condition` — a :class:`Cond` tree of Excel formula fragments, which
  :mod:`siyi_xlsx.schema.selfcheck` renders as the red-cell format and the 自查 count;
* :func:`broken` / :func:`check_row` — the same condition in Python over a row's clean
  values plus the helpers and parameters, which the batch reports as problems.

The two agree on every value that passed the column's own checks. On a blank or invalid
cell the Python side says nothing (that cell's own problem is reported once, no
cascade), while Excel may still count the rule (``TRIM(blank)<>"已完成"``); the cell is
red for being blank or invalid anyway, so the red count is the same.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from siyi_xlsx.errors import MESSAGES, CampaignError, Code, Issue, Severity
from siyi_xlsx.schema.sheets import Column, SheetSchema

#: Values of the run that a rule may compare with; Excel gets them as constants.
PARAMETERS = ("as_of",)

NUMERIC_KINDS = ("number", "integer", "percent")

_EXCEL_OPS = {"=": "=", "!=": "<>", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
FILLED = "filled"
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


# ----------------------------------------------------------------------------- Excel tree


@dataclass(frozen=True)
class Cond:
    """A tiny boolean expression over the cells of one row (Excel formula fragments).

    An atom is a template: ``{c}`` stands for the checked cell, ``{name}`` for the cell of
    column or helper ``name`` in the same row.
    """

    op: str  # "atom", "and", "or"
    parts: tuple[Any, ...]

    @staticmethod
    def atom(template: str) -> Cond:
        return Cond("atom", (template,))

    @staticmethod
    def all(*parts: Cond) -> Cond:
        return Cond("and", parts)

    @staticmethod
    def any(*parts: Cond) -> Cond:
        return Cond("or", parts)


def excel_text(text: str) -> str:
    """A text literal in a formula."""
    return '"' + text.replace('"', '""') + '"'


# ----------------------------------------------------------------------------- declaration


@dataclass(frozen=True)
class Ref:
    """An operand that names a column, helper or parameter instead of a literal."""

    name: str


@dataclass(frozen=True)
class Term:
    """``name op operand``, or ``name filled``."""

    name: str
    op: str
    operand: Any = None  # a number, a text, a Ref, or None for "filled"


@dataclass(frozen=True)
class Rule:
    """One declared rule of one column."""

    schema_id: str
    column: str
    code: Code
    when: tuple[Term, ...]
    text: str
    detail: str | None = None
    reject: bool = False  # the code is an 错误: the value is not used

    def names(self) -> set[str]:
        """Every column, helper and parameter the condition reads."""
        found = {t.name for t in self.when}
        found |= {t.operand.name for t in self.when if isinstance(t.operand, Ref)}
        return found


class RuleDeclarationError(CampaignError, ValueError):
    """A rule in a schema's ``x-rules`` cannot be compiled (stops the command, exit 2)."""


def rules_of(schema: SheetSchema) -> tuple[Rule, ...]:
    """The sheet's rules, in column order; a malformed declaration fails here, loudly."""
    # kept per schema object (a schema compares by its columns' names, not their specs)
    hit = _PARSED.get(id(schema))
    if hit is None or hit[0] is not schema:
        try:
            rules = tuple(
                _parse(schema, column, spec)
                for column in schema.columns
                for spec in column.spec.get("x-rules", [])
            )
        except ValueError as exc:
            raise RuleDeclarationError(
                f"schemas/{schema.schema_id}.json 中的跨列规则（x-rules）写法有误：{exc}。"
                "请改正该文件后再运行。"
            ) from exc
        hit = _PARSED[id(schema)] = (schema, rules)
    return hit[1]


_PARSED: dict[int, tuple[SheetSchema, tuple[Rule, ...]]] = {}


def column_rules_of(schema: SheetSchema, column: str) -> tuple[Rule, ...]:
    """The rules reported at ``column``."""
    return tuple(r for r in rules_of(schema) if r.column == column)


def helpers_of(schema: SheetSchema) -> dict[str, str]:
    """The schema's helpers: name → what it means (``x-helpers``)."""
    return dict(schema.raw.get("x-helpers", {}))


def excel_helpers(schema: SheetSchema) -> set[str]:
    """Helpers the workbook's formulas need as (hidden) columns of the sheet."""
    helpers = helpers_of(schema)
    return {n for rule in rules_of(schema) for n in rule.names() if n in helpers}


def parse_term(text: str) -> Term:
    """``"progress = 100"``, ``"score > @points"``, ``"actual_date filled"``."""
    parts = text.split(maxsplit=2)
    if len(parts) == 2 and parts[1] == FILLED:
        return Term(parts[0], FILLED)
    if len(parts) != 3 or parts[1] not in _PY_OPS:
        raise ValueError(f"cannot read rule term {text!r}")
    name, op, raw = parts
    operand: Any = raw
    if raw.startswith("@"):
        operand = Ref(raw[1:])
    elif _NUMBER.fullmatch(raw):
        operand = float(raw) if "." in raw else int(raw)
    return Term(name, op, operand)


def _parse(schema: SheetSchema, column: Column, spec: dict[str, Any]) -> Rule:
    where = f"{schema.schema_id}.{column.name} x-rules"
    known = {c.name for c in schema.columns} | set(helpers_of(schema)) | set(PARAMETERS)
    try:
        terms = tuple(parse_term(t) for t in spec["when"])
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    rule = Rule(
        schema_id=schema.schema_id,
        column=column.name,
        code=Code(spec["code"]),
        when=terms,
        text=spec["text"],
        detail=spec.get("detail"),
        # a value judged 错误 is never used: every 错误 rule takes its column's value away
        reject=MESSAGES[Code(spec["code"])][0] == Severity.ERROR,
    )
    if "reject" in spec:
        raise ValueError(f"{where}: 'reject' follows from the code's severity; remove it")
    unknown = (rule.names() | {rule.detail or column.name}) - known
    if unknown:
        raise ValueError(f"{where}: unknown names {sorted(unknown)}")
    if any(t.name in PARAMETERS for t in terms):
        raise ValueError(f"{where}: a parameter can only be an operand (@as_of)")
    if column.name not in rule.names():
        raise ValueError(f"{where}: the rule does not look at its own column")
    for term in terms:
        _excel_term(term, rule, schema, dt.date(2000, 1, 1))  # fails on unsupported forms
    return rule


# ----------------------------------------------------------------------------- to Excel


def excel_condition(
    rule: Rule, schema: SheetSchema, as_of: dt.date, typed: frozenset[str]
) -> Cond:
    """The rule as the workbook checks it: all its terms' atoms, AND-ed.

    ``typed`` names the input columns whose value, as the office reads it, sits in a
    helper cell ``{val:name}`` (a number, a date serial or a choice; "" when blank and
    "#" when unreadable): their terms compare that value, so "100%" or "45分" break a
    rule as they do in the batch; other cells are compared as they are."""
    return Cond.all(
        *(
            Cond.atom(a)
            for t in rule.when
            for a in _excel_term(t, rule, schema, as_of, typed)
        )
    )


def rule_words(rule: Rule, schema: SheetSchema, as_of: dt.date) -> str:
    """The rule in words, for the 自查 sheet."""
    titles = {c.name: c.title for c in schema.columns}
    return rule.text.format(as_of=as_of.isoformat(), title=titles)


def _excel_term(
    term: Term,
    rule: Rule,
    schema: SheetSchema,
    as_of: dt.date,
    typed: frozenset[str] = frozenset(),
) -> list[str]:
    """A term as Excel atoms. Cells a person types into are guarded (a number column must
    hold a number, text is trimmed); helper cells are formulas, used as they are."""
    columns = {c.name: c for c in schema.columns}
    cell = "{c}" if term.name == rule.column else "{" + term.name + "}"
    column = columns.get(term.name)
    if column is not None and term.name in typed:
        return _typed_term(term, rule, column, columns, as_of, typed)
    if term.op == FILLED:
        return [f"LEN(TRIM({cell}))>0"]
    op = _EXCEL_OPS[term.op]
    operand = term.operand
    if column is None:  # a helper: a number or a text, as its operand says
        if isinstance(operand, str):
            return [f"{cell}{op}{excel_text(operand)}"]
        if isinstance(operand, int | float):
            return [f"N({cell}){op}{operand:g}"]
        raise ValueError(f"{rule.schema_id}.{rule.column}: helper {term.name} vs a ref")
    if column.kind in NUMERIC_KINDS:
        if isinstance(operand, Ref) and operand.name in columns:
            right = "N({" + operand.name + "})"
        elif isinstance(operand, int | float):
            right = f"{operand:g}"
        else:
            raise ValueError(f"{rule.schema_id}.{rule.column}: {term} needs a number")
        return [f"ISNUMBER({cell})", f"N({cell}){op}{right}"]
    if column.kind == "date":
        if isinstance(operand, Ref) and operand.name == "as_of":
            right = f"DATE({as_of.year},{as_of.month},{as_of.day})"
        elif isinstance(operand, Ref) and operand.name in columns:
            right = "{" + operand.name + "}"
        else:
            raise ValueError(f"{rule.schema_id}.{rule.column}: {term} needs a date")
        return [f"ISNUMBER({cell})", f"{cell}{op}{right}"]
    if isinstance(operand, str):
        return [f"TRIM({cell}){op}{excel_text(operand)}"]
    if isinstance(operand, Ref) and operand.name in columns:
        return [f"TRIM({cell}){op}TRIM({{{operand.name}}})"]
    raise ValueError(f"{rule.schema_id}.{rule.column}: {term} needs a text")


def _typed_term(
    term: Term,
    rule: Rule,
    column: Column,
    columns: dict[str, Column],
    as_of: dt.date,
    typed: frozenset[str],
) -> list[str]:
    """A term on a column read through its value helper: a missing or unreadable value
    never holds, as in :func:`broken`."""
    val = "{val:" + term.name + "}"
    if column.kind in NUMERIC_KINDS or column.kind == "date":
        present = [f"ISNUMBER({val})"]
    else:
        present = [f'{val}<>""', f'{val}<>"#"']
    if term.op == FILLED:
        return present
    op = _EXCEL_OPS[term.op]
    operand = term.operand
    if isinstance(operand, Ref) and operand.name == "as_of":
        right = f"DATE({as_of.year},{as_of.month},{as_of.day})"
    elif isinstance(operand, Ref) and operand.name in typed:
        right = "N({val:" + operand.name + "})"
    elif isinstance(operand, Ref) and operand.name in columns:
        right = "N({" + operand.name + "})"
    elif isinstance(operand, int | float):
        right = f"{operand:g}"
    elif isinstance(operand, str):
        return [*present, f"{val}{op}{excel_text(operand)}"]
    else:
        raise ValueError(f"{rule.schema_id}.{rule.column}: {term} cannot be compiled")
    return [*present, f"N({val}){op}{right}"]


# ----------------------------------------------------------------------------- to Python


def broken(rule: Rule, values: Mapping[str, Any]) -> bool:
    """The row breaks the rule. ``values``: the row's clean values, with the helpers and
    parameters (and any facts the master overrides) merged in. A term whose value is
    missing does not hold."""
    return all(_holds(term, values) for term in rule.when)


def _holds(term: Term, values: Mapping[str, Any]) -> bool:
    left = _comparable(values.get(term.name))
    if left is None:
        return False
    if term.op == FILLED:
        return not isinstance(left, str) or bool(left.strip())
    right = term.operand
    if isinstance(right, Ref):
        right = _comparable(values.get(right.name))
        if right is None:
            return False
    if _is_number(left) != _is_number(right):
        return False  # Excel: a number column holding text never compares as a number
    return _PY_OPS[term.op](left, right)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparable(value: Any) -> Any:
    """Dates compare as the ISO text the reader gives date columns."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def violations(
    rules: tuple[Rule, ...], values: Mapping[str, Any]
) -> Iterator[tuple[Rule, Any, Any]]:
    """``(rule, value, detail)`` for each rule the row breaks, in declared order. A rule
    that rejects its column's value takes it away from the rules after it."""
    seen = dict(values)
    for rule in rules:
        if not broken(rule, seen):
            continue
        detail = seen.get(rule.detail) if rule.detail else None
        if _is_number(detail):
            detail = f"{detail:g}"
        yield rule, seen.get(rule.column, ""), detail
        if rule.reject:
            seen.pop(rule.column, None)


def check_row(
    schema: SheetSchema,
    row: Any,
    context: Mapping[str, Any],
    where: Any,
    sheet: str,
) -> list[Issue]:
    """The problems of one read row (``TableRow``) under the sheet's rules.

    ``context``: the helpers and parameters, and any facts the master overrides (a
    value in ``context`` wins over the row's). Each problem is reported at the rule's
    cell with its column title; a rejected value is removed from ``row.values`` and its
    column marked invalid, as the reader does with any value it cannot use.
    """
    issues = []
    for rule, value, detail in violations(rules_of(schema), {**row.values, **context}):
        issues.append(
            where.issue(
                rule.code,
                sheet=sheet,
                cell=row.cell(rule.column),
                field=schema.column(rule.column).title,
                value=value,
                detail=detail,
            )
        )
        if rule.reject:
            row.invalid.add(rule.column)
            row.values.pop(rule.column, None)
    return issues
