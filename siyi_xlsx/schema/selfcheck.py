"""Compile each schema's rules into the issued workbook, so it checks itself while a unit types.

Every input column gets one condition ("this cell needs fixing"), built from its schema:
required, required-when (allOf if/then), date, number range, dropdown values, length,
phone form, and the column's declared row rules (``x-rules``: not after the as-of date,
not above another column, consistent with a hidden helper column…, compiled by
:mod:`siyi_xlsx.schema.rules`, which also compiles them for the batch's validation). The
condition is rendered twice from the same tree: as a conditional format (the cell turns
red) and as a SUMPRODUCT count on the 自查 sheet ("还有 3 处需要修改"), so the count is
exactly the number of red cells. Plain formulas only: no macros, and only functions
Excel, WPS and LibreOffice share.
"""

from __future__ import annotations

import datetime as dt

from siyi_xlsx.schema.rules import (
    Cond,
    column_rules_of,
    excel_condition,
    excel_text,
    rule_words,
)
from siyi_xlsx.schema.sheets import Column, SheetSchema

__all__ = ["Cond", "column_rules", "render_array", "render_cell"]


def column_rules(
    column: Column, schema: SheetSchema, as_of: dt.date
) -> tuple[Cond | None, list[str]]:
    """The 'needs fixing' condition of an input column, and its rules in words."""
    conds: list[Cond] = []
    words: list[str] = []
    empty = Cond.atom("LEN(TRIM({c}))=0")
    filled = Cond.atom("LEN(TRIM({c}))>0")
    if column.required:
        conds.append(empty)
        words.append("必填")
    for rule in schema.raw.get("allOf", []):
        then = rule.get("then", {}).get("required", [])
        condition = rule.get("if", {}).get("properties", {})
        if column.name in then and len(condition) == 1:
            ((other, spec),) = condition.items()
            conds.append(
                Cond.all(
                    Cond.atom("{" + other + "}=" + excel_text(str(spec["const"]))), empty
                )
            )
            words.append(rule.get("x-message", "条件必填").rstrip("。"))
    if column.kind == "date":
        conds.append(Cond.all(filled, Cond.atom("NOT(ISNUMBER({c}))")))
        words.append("须为日期")
    elif column.kind in ("number", "integer", "percent"):
        bad = [Cond.atom("NOT(ISNUMBER({c}))")]
        if column.minimum is not None:
            bad.append(Cond.atom(f"N({{c}})<{column.minimum:g}"))
        if column.maximum is not None:
            bad.append(Cond.atom(f"N({{c}})>{column.maximum:g}"))
        conds.append(Cond.all(filled, Cond.any(*bad)))
        low = f"{column.minimum:g}" if column.minimum is not None else ""
        words.append(
            f"数字（{low}—{column.maximum:g}）" if column.maximum is not None else "数字"
        )
    elif column.kind == "enum":
        conds.append(
            Cond.all(
                filled,
                *(Cond.atom("TRIM({c})<>" + excel_text(v)) for v in column.choices),
            )
        )
        words.append("从下拉列表选择")
    elif column.kind == "phone":
        digits = 'SUBSTITUTE({c},"-","")'
        conds.append(
            Cond.all(
                filled,
                Cond.any(
                    Cond.atom(f"LEN({digits})<10"),
                    Cond.atom(f"LEN({digits})>12"),
                    Cond.atom(f"NOT(ISNUMBER(--{digits}))"),
                ),
            )
        )
        words.append("手机或带区号的固定电话")
    for rule in column_rules_of(schema, column.name):
        # declared once for workbook and batch; may read hidden helper columns ({_name})
        conds.append(excel_condition(rule, schema, as_of))
        words.append(rule_words(rule, schema, as_of))
    if column.max_length and column.kind in ("text", "list"):
        conds.append(Cond.atom(f"LEN({{c}})>{column.max_length}"))
        words.append(f"不超过 {column.max_length} 字")
    if not conds:
        return None, words
    return (conds[0] if len(conds) == 1 else Cond.any(*conds)), words


def render_cell(cond: Cond, refs: dict[str, str], own: str) -> str:
    """As a conditional-format formula relative to one cell (AND/OR)."""
    if cond.op == "atom":
        return _fill(cond.parts[0], refs, own)
    inner = ",".join(render_cell(p, refs, own) for p in cond.parts)
    return f"{'AND' if cond.op == 'and' else 'OR'}({inner})"


def render_array(cond: Cond, refs: dict[str, str], own: str) -> str:
    """As an array expression of 0/1 over whole columns, for SUMPRODUCT."""
    if cond.op == "atom":
        return "(" + _fill(cond.parts[0], refs, own) + ")"
    parts = [render_array(p, refs, own) for p in cond.parts]
    if cond.op == "and":
        return "(" + "*".join(parts) + ")"
    return "((" + "+".join(parts) + ")>0)"


def _fill(template: str, refs: dict[str, str], own: str) -> str:
    out = template.replace("{c}", own)
    for name, ref in refs.items():
        out = out.replace("{" + name + "}", ref)
    return out
