"""One row against its JSON Schema: every violation as (field, code, detail, value).

The codes are those of :mod:`siyi_xlsx.errors`; the message says how to fix each one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from siyi_xlsx.errors import Code
from siyi_xlsx.schema.sheets import SheetSchema


def schema_issues(
    values: dict[str, Any],
    schema: SheetSchema,
    skip: set[str] | frozenset[str] = frozenset(),
) -> Iterator[tuple[str, str, str, Any]]:
    """Yield (field, code, detail, value) for every schema violation of a row.

    Fields in ``skip`` were already rejected while normalising (or their column is
    missing) and are not reported twice.
    """
    if schema.conforms(values):  # most rows: no violation to name
        return
    seen: set[tuple[str, str]] = set()
    for error in schema.validator().iter_errors(values):
        for name, code, detail in _translate(error, schema):
            if name in skip or (name, code) in seen:
                continue
            seen.add((name, code))
            yield name, code, detail, values.get(name)


def _translate(error: Any, schema: SheetSchema) -> Iterator[tuple[str, str, str]]:
    keyword = error.validator
    path = list(error.absolute_path)
    if keyword == "required":
        message = _conditional_message(error, schema)
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                column = schema.column(name)
                yield name, Code.REQUIRED, message or column.hint
        return
    if not path:
        return
    name = path[0]
    column = schema.column(name)
    if keyword == "enum":
        yield name, Code.NOT_IN_LIST, "、".join(column.choices)
    elif keyword in ("minimum", "exclusiveMinimum"):
        yield name, Code.BELOW_MINIMUM, f"{error.validator_value:g}"
    elif keyword in ("maximum", "exclusiveMaximum"):
        yield name, Code.ABOVE_MAXIMUM, f"{error.validator_value:g}"
    elif keyword == "maxLength":
        yield name, Code.TOO_LONG, str(error.validator_value)
    elif keyword == "minLength":
        yield name, Code.REQUIRED, column.hint
    elif keyword == "pattern":
        yield name, Code.BAD_FORMAT, column.hint
    elif keyword == "format":
        yield name, Code.DATE_INVALID, ""
    elif keyword == "type":
        yield (
            name,
            Code.NOT_AN_INTEGER if column.kind == "integer" else Code.NOT_A_NUMBER,
            "",
        )
    else:
        yield name, Code.BAD_FORMAT, column.hint


def _conditional_message(error: Any, schema: SheetSchema) -> str:
    """The ``x-message`` of the allOf/if-then rule that produced a ``required`` error."""
    path = list(error.schema_path)
    if len(path) >= 3 and path[0] == "allOf" and path[2] == "then":
        return schema.raw["allOf"][path[1]].get("x-message", "")
    return ""
