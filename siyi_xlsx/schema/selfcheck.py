"""Compile each schema's rules into the issued workbook, so it checks itself while a unit
types — and reaches the verdict the office's batch (``siyi check``) will reach.

What the office reads is not what Excel sees: it trims full-width and no-break spaces,
reads "2022.8.25", "14分", "60%", full-width digits and "Y" with a reminder (提醒), and
reads a number in a %-formatted cell times 100. So each checked input column of a table
gets hidden helper cells per row (:func:`column_check`):

* ``{prep:name}``: the typed text tidied (dates, phones, numbers typed as text);
* ``{val:name}``: the value as the office reads it — a number, a date serial or a
  choice; "" when blank and "#" when unreadable;
* ``{status:name}``: 2 for an 错误, plus 1 for a 提醒 (:func:`status_formula`).

The 错误 condition gathers the column's schema (required, required-when (allOf if/then),
date, number range, integer, dropdown values, length, phone form) and its declared row
rules (``x-rules``, compiled by :mod:`siyi_xlsx.schema.rules`, which also compiles them
for the batch, here reading ``{val:…}``); the 提醒 condition the readings the office
accepts with a reminder. The writer (:mod:`siyi_xlsx.write.selfcheck`) colours the cell
red or orange from its status and the 自查 sheet counts statuses, so the two never
disagree. Plain per-row formulas only: no arrays, no macros, and only functions Excel,
WPS and LibreOffice share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from siyi_xlsx.schema.rules import (
    NUMERIC_KINDS,
    Cond,
    column_rules_of,
    excel_condition,
    excel_text,
    rule_words,
)
from siyi_xlsx.schema.sheets import INPUT, Column, SheetSchema

__all__ = [
    "ColumnCheck",
    "Cond",
    "column_check",
    "render_cell",
    "status_formula",
    "typed_columns",
]


def render_cell(cond: Cond, refs: dict[str, str], own: str) -> str:
    """As a conditional-format formula relative to one cell (AND/OR)."""
    if cond.op == "atom":
        return _fill(cond.parts[0], refs, own)
    inner = ",".join(render_cell(p, refs, own) for p in cond.parts)
    return f"{'AND' if cond.op == 'and' else 'OR'}({inner})"


def _fill(template: str, refs: dict[str, str], own: str) -> str:
    out = template.replace("{c}", own)
    for name, ref in refs.items():
        out = out.replace("{" + name + "}", ref)
    return out


#: Characters the office strips like spaces (Python's str.strip does; Excel's TRIM not).
WIDE_SPACES = ("\u3000", "\u00a0")
UNREADABLE = "#"  # a helper's mark for a value the office cannot read
# the words the office reads as 是 / 否 (read.normalize; a test keeps the two equal)
_YES = ("是", "y", "yes", "√", "✓", "对", "true")
_NO = ("否", "n", "no", "×", "✗", "不", "false")
TYPED_KINDS = ("number", "integer", "percent", "date", "enum", "phone")
#: Dates the batch questions when outside the campaign's year and the last (提醒).
YEAR_CHECKED = {("unit_schedule", "actual_date")}


@dataclass(frozen=True)
class ColumnCheck:
    """The compiled checks of one input column: its helper formulas (in order) and the
    conditions of an 错误 and of a 提醒, over the row's cells and helpers."""

    column: Column
    helpers: tuple[tuple[str, str], ...]  # (ref name, formula template without "=")
    error: Cond | None
    warning: Cond | None
    words: tuple[str, ...]

    @property
    def status(self) -> str:
        """The ref name of the column's status helper."""
        return "status:" + self.column.name


def clean(cell: str) -> str:
    """The cell's text as the office trims it (full-width and no-break spaces too)."""
    inner = cell
    for space in WIDE_SPACES:
        inner = f'SUBSTITUTE({inner},"{space}"," ")'
    return f"TRIM({inner})"


def _subst(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        text = f"SUBSTITUTE({text},{excel_text(old)},{excel_text(new)})"
    return text


def _digits_only(text: str) -> str:
    """True when ``text`` (non-empty elsewhere) holds only the digits 0-9."""
    return f"LEN({_subst(text, tuple((str(d), '') for d in range(10)))})=0"


def _between(expr: str, low: int, high: int) -> str:
    return f"{expr}>={low},{expr}<={high}"


def _valid_date(y: str, m: str, d: str) -> str:
    day = f"DATE({y},{m},{d})"
    return f'IF(AND(MONTH({day})=VALUE({m}),DAY({day})=VALUE({d})),{day},"{UNREADABLE}")'


def _plain_number(text: str) -> str:
    """True when ``text`` is written with digits, a point and a sign only: VALUE alone
    would also take "1e3", "5%", "$5" or "1/2", which the office does not."""
    chars = tuple((str(d), "") for d in range(10)) + ((".", ""), ("+", ""), ("-", ""))
    return f"AND(LEN({text})>0,LEN({_subst(text, chars)})=0)"


def _number_of(text: str) -> str:
    return f'IF({_plain_number(text)},VALUE({text}),"{UNREADABLE}")'


def _value_helpers(column: Column, own: str) -> tuple[tuple[str, str], ...]:
    """The helper formulas giving the office's reading of ``own`` (see above)."""
    name = column.name
    text = clean(own)
    folded = f"ASC({text})"  # full-width digits and signs, as the office folds them
    blank = f"LEN({text})=0"
    p = "{prep:" + name + "}"
    if column.kind in ("number", "integer"):
        prep = f'IF(ISNUMBER({own}),"",TRIM({_subst(folded, ((",", ""), ("分", "")))}))'
        value = (
            f'IF({blank},"",IF(ISNUMBER({own}),{own},'
            f'IFERROR({_number_of(p)},"{UNREADABLE}")))'
        )
        return ((f"prep:{name}", prep), (f"val:{name}", value))
    if column.kind == "percent":
        prep = f'IF(ISNUMBER({own}),"",{_subst(folded, ((" ", ""), (",", "")))})'
        whole = f"LEFT({p},LEN({p})-1)"
        bare = _number_of(f'SUBSTITUTE({p},"分","")')
        typed = (
            f'IF(RIGHT({p},1)="%",{_number_of(whole)},'
            f"IF(AND({bare}>0,{bare}<1),ROUND({bare}*100,6),{bare}))"
        )
        number = (
            f'IF(LEFT(CELL("format",{own}),1)="P",ROUND({own}*100,6),'
            f"IF(AND({own}>0,{own}<1),ROUND({own}*100,6),{own}))"
        )
        value = (
            f'IF({blank},"",IF(ISNUMBER({own}),{number},IFERROR({typed},"{UNREADABLE}")))'
        )
        return ((f"prep:{name}", prep), (f"val:{name}", value))
    if column.kind == "date":
        # a time of day after the date ("2022-06-30 00:00:00") is dropped, as the office does
        day = (
            f'IF(ISNUMBER(FIND(":",{folded})),'
            f'LEFT({folded},FIND(" ",SUBSTITUTE({folded},"T"," "))-1),{folded})'
        )
        seps = ((" ", ""), ("/", "-"), (".", "-"), ("年", "-"), ("月", "-"), ("日", ""))
        prep = f'IF(ISNUMBER({own}),"",{_subst(day, seps)})'
        second = f'FIND("-",{p},6)'
        compact = _valid_date(f"LEFT({p},4)", f"MID({p},5,2)", f"RIGHT({p},2)")
        dashed = _valid_date(
            f"LEFT({p},4)", f"MID({p},6,{second}-6)", f"MID({p},{second}+1,2)"
        )
        parse = (
            f"IF(AND(LEN({p})=8,{_digits_only(p)}),{compact},"
            f'IF(AND(MID({p},5,1)="-",LEN({p})-LEN(SUBSTITUTE({p},"-",""))=2,'
            f"{_digits_only(f'SUBSTITUTE({p},{chr(34)}-{chr(34)},{chr(34)}{chr(34)})')},"
            f"{_between(second, 7, 8)},{_between(f'LEN({p})-{second}', 1, 2)}),"
            f'{dashed},"{UNREADABLE}"))'
        )
        value = (
            f'IF({blank},"",IF(ISNUMBER({own}),{own},IFERROR({parse},"{UNREADABLE}")))'
        )
        return ((f"prep:{name}", prep), (f"val:{name}", value))
    if column.kind == "phone":
        seps = (
            (" ", ""),
            ("(", ""),
            (")", ""),
            ("（", ""),
            ("）", ""),
            ("—", "-"),
            ("－", "-"),
        )
        return ((f"prep:{name}", _subst(folded, seps)),)
    if column.kind == "enum":
        choices = column.choices
        exact = ",".join(f"{text}={excel_text(c)}" for c in choices)
        value = f'"{UNREADABLE}"'
        for word, aliases in (("否", _NO), ("是", _YES)):
            if word in choices:
                same = ",".join(f"{text}={excel_text(a)}" for a in aliases)
                value = f'IF(OR({same}),"{word}",{value})'
        return ((f"val:{name}", f'IF({blank},"",IF(OR({exact}),{text},{value}))'),)
    return ()


def _phone_ok(p: str) -> str:
    """The schema's phone pattern ``^(1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8}(-\\d{1,6})?)$``."""
    dashes = f'LEN({p})-LEN(SUBSTITUTE({p},"-",""))'
    a = f'FIND("-",{p}&"--")'
    b = f'FIND("-",{p}&"--",{a}+1)'
    mobile = (
        f'AND(LEN({p})=11,LEFT({p},1)="1",ISNUMBER(FIND(MID({p},2,1),"3456789")),'
        f"{_digits_only(p)})"
    )
    rest = f"LEN({p})-{a}"
    landline = (
        f'AND(LEFT({p},1)="0",{_digits_only(_subst(p, (("-", ""),)))},OR('
        f"AND({dashes}=0,{_between(f'LEN({p})', 10, 12)}),"
        f"AND({dashes}=1,OR(AND({_between(f'{a}-1', 3, 4)},{_between(rest, 7, 8)}),"
        f"AND({_between(f'{a}-1', 10, 12)},{_between(rest, 1, 6)}))),"
        f"AND({dashes}=2,{_between(f'{a}-1', 3, 4)},{_between(f'{b}-{a}-1', 7, 8)},"
        f"{_between(f'LEN({p})-{b}', 1, 6)})))"
    )
    return f"OR({mobile},{landline})"


def column_check(
    column: Column,
    schema: SheetSchema,
    as_of: dt.date,
    typed: frozenset[str],
    blank: str = "error",
) -> ColumnCheck | None:
    """The typed checks of an input column (table cell or form field).

    ``typed``: the input columns of the sheet that have value helpers (other columns'
    values in conditional-required and row rules are read through them). ``blank``:
    what an empty cell is when the column is required ("error"), or, for a form
    field the office only reminds about, "warning".
    """
    name = column.name
    own = "{c}"
    text = clean(own)
    filled = Cond.atom(f"LEN({text})>0")
    empty = Cond.atom(f"LEN({text})=0")
    val = "{val:" + name + "}"
    errors: list[Cond] = []
    warnings: list[Cond] = []
    words: list[str] = []
    if column.required and blank == "error":
        errors.append(empty)
        words.append("必填")
    if blank == "warning":  # the office reads an unreadable value as not filled in
        warnings.append(empty)
        if name in typed:
            warnings.append(Cond.atom(f'{val}="{UNREADABLE}"'))
        words.append("请填写（未填写为提醒）")
    for rule in schema.raw.get("allOf", []):
        then = rule.get("then", {}).get("required", [])
        condition = rule.get("if", {}).get("properties", {})
        if name in then and len(condition) == 1:
            ((other, spec),) = condition.items()
            left = "{val:" + other + "}" if other in typed else clean("{" + other + "}")
            const = excel_text(str(spec["const"]))
            errors.append(Cond.all(Cond.atom(f"{left}={const}"), empty))
            words.append(rule.get("x-message", "条件必填").rstrip("。"))
    kind = column.kind
    if kind in NUMERIC_KINDS:
        errors.append(Cond.atom(f'{val}="{UNREADABLE}"'))
        if kind == "integer":
            errors.append(Cond.atom(f"AND(ISNUMBER({val}),N({val})<>INT(N({val})))"))
        if column.minimum is not None:
            errors.append(Cond.atom(f"AND(ISNUMBER({val}),N({val})<{column.minimum:g})"))
        if column.maximum is not None:
            errors.append(Cond.atom(f"AND(ISNUMBER({val}),N({val})>{column.maximum:g})"))
        warnings.append(Cond.atom(f"AND(ISTEXT({own}),ISNUMBER({val}))"))
        if kind == "percent":
            warnings.append(
                Cond.atom(
                    f'AND(ISNUMBER({own}),LEFT(CELL("format",{own}),1)<>"P",'
                    f"OR(AND({own}>0,{own}<1),{own}=1))"
                )
            )
        low = f"{column.minimum:g}" if column.minimum is not None else ""
        words.append(
            ("整数" if kind == "integer" else "数字")
            + (f"（{low}—{column.maximum:g}）" if column.maximum is not None else "")
        )
    elif kind == "date":
        prep = "{prep:" + name + "}"
        errors.append(Cond.atom(f'{val}="{UNREADABLE}"'))
        midnight = ",".join(
            f'MID({own},11,99)="{clock}"'
            for clock in ("", " 00:00:00", " 00:00", " 0:00", "T00:00:00", "T00:00")
        )
        warnings.append(
            Cond.atom(
                f"AND(ISTEXT({own}),ISNUMBER({val}),"
                f"NOT(AND(LEN({prep})=10,EXACT(LEFT({own},10),{prep}),OR({midnight}))))"
            )
        )
        words.append("须为日期（写成文字的日期为提醒）")
    elif kind == "enum":
        errors.append(Cond.atom(f'{val}="{UNREADABLE}"'))
        exact = ",".join(f"{text}={excel_text(c)}" for c in column.choices)
        warnings.append(
            Cond.atom(f'AND(LEN({val})>0,{val}<>"{UNREADABLE}",NOT(OR({exact})))')
        )
        words.append("从下拉列表选择")
    elif kind == "phone":
        prep = "{prep:" + name + "}"
        errors.append(Cond.all(filled, Cond.atom(f"NOT({_phone_ok(prep)})")))
        warnings.append(
            Cond.all(filled, Cond.atom(f"AND(ISTEXT({own}),NOT(EXACT({prep},{text})))"))
        )
        words.append("11位手机号或带区号的固定电话")
    if (schema.schema_id, name) in YEAR_CHECKED:
        year = (
            as_of.year
        )  # the campaign's year, as check.validate._date_unlikely reads it
        warnings.append(
            Cond.atom(
                f"AND(ISNUMBER({val}),OR(YEAR({val})<{year - 1},YEAR({val})>{year}))"
            )
        )
        words.append(f"日期不在 {year - 1}—{year} 年为提醒")
    for rule in column_rules_of(schema, name):
        errors.append(excel_condition(rule, schema, as_of, typed))
        words.append(rule_words(rule, schema, as_of))
    if column.max_length and kind in ("text", "list"):
        errors.append(Cond.atom(f"LEN({text})>{column.max_length}"))
        words.append(f"不超过 {column.max_length} 字")
    if not errors and not warnings:
        return None
    helpers = _value_helpers(column, own) if name in typed else ()
    error = Cond.any(*errors) if errors else None
    warning = Cond.any(*warnings) if warnings else None
    return ColumnCheck(column, helpers, error, warning, tuple(words))


def typed_columns(
    schema: SheetSchema, columns: tuple[Column, ...] = ()
) -> frozenset[str]:
    """The input columns (and form fields) that get value helpers."""
    return frozenset(
        c.name
        for c in (*schema.columns, *columns)
        if c.role == INPUT and c.kind in TYPED_KINDS
    )


def status_formula(check: ColumnCheck, refs: dict[str, str], own: str) -> str:
    """The status helper: 2 for an 错误, plus 1 for a 提醒 (an error in evaluating the
    conditions counts as an 错误, so a formula slip shows instead of hiding)."""
    parts = []
    if check.error is not None:
        parts.append(f"IFERROR(IF({render_cell(check.error, refs, own)},2,0),2)")
    if check.warning is not None:
        parts.append(f"IFERROR(IF({render_cell(check.warning, refs, own)},1,0),0)")
    return "+".join(parts)


def fill(template: str, refs: dict[str, str], own: str) -> str:
    """A helper template with its cells filled in."""
    return _fill(template, refs, own)
