"""Coerce what units type into the values the schemas declare, logging every coercion.

A unit may type ``2022.6.30``, ``2022年6月30日``, ``20220630``, full-width digits,
``30%`` or ``0.3``. Unambiguous forms are accepted with a reminder (提醒) so the unit
learns the standard form; ambiguous ones (no year, two-digit year, “过半”) are rejected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from siyi_xlsx.errors import Code
from siyi_xlsx.schema.sheets import Column

INVALID = object()  # the cell held something that cannot be used

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_SUFFIX = re.compile(r"[ T]+\d{1,2}:\d{2}(:\d{2})?(\.\d+)?$")
_MIDNIGHT = re.compile(r"T?0?0:00(:00)?(\.0+)?")
_DATE_NO_YEAR = re.compile(r"^\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")
_DATE_SHORT_YEAR = re.compile(r"^\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_YES = {"是", "y", "yes", "√", "✓", "对", "true"}
_NO = {"否", "n", "no", "×", "✗", "不", "false"}


@dataclass(frozen=True)
class Coerced:
    """The outcome of reading one cell: a clean value (or None / INVALID) and a code."""

    value: Any
    code: str | None = None
    detail: str = ""


def fold(text: str) -> str:
    """Width-fold (全角→半角) and trim a string."""
    return unicodedata.normalize("NFKC", text).strip()


def coerce(raw: Any, column: Column, number_format: str = "") -> Coerced:
    """Turn a raw cell value into the value ``column`` declares."""
    if raw is None:
        return Coerced(None)
    if isinstance(raw, str) and not raw.strip():
        return Coerced(None)
    handler = _HANDLERS.get(column.kind, _text)
    return handler(raw, column, number_format or "")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _text(raw: Any, column: Column, number_format: str) -> Coerced:
    if isinstance(raw, dt.datetime):
        return Coerced(
            raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(" ")
        )
    if isinstance(raw, dt.date):
        return Coerced(raw.isoformat())
    if isinstance(raw, bool):
        return Coerced("是" if raw else "否")
    if isinstance(raw, int | float):
        return Coerced(_number_text(raw))
    return Coerced(str(raw).strip())


def _phone(raw: Any, column: Column, number_format: str) -> Coerced:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Coerced(_number_text(raw))
    text = fold(str(raw))
    compact = re.sub(r"[\s()（）]", "", text).replace("—", "-").replace("－", "-")
    if compact != str(raw).strip():  # full-width digits, spaces or brackets were removed
        return Coerced(compact, Code.COERCED_TEXT, compact)
    return Coerced(compact)


def _choice(raw: Any, column: Column, number_format: str) -> Coerced:
    text = str(raw).strip() if not isinstance(raw, bool) else ("是" if raw else "否")
    choices = column.choices
    if text in choices:
        return Coerced(text)
    folded = fold(text)
    for choice in choices:
        if fold(choice) == folded:
            return Coerced(choice, Code.COERCED_CHOICE, choice)
    lowered = folded.lower()
    if "是" in choices and lowered in _YES:
        return Coerced("是", Code.COERCED_CHOICE, "是")
    if "否" in choices and lowered in _NO:
        return Coerced("否", Code.COERCED_CHOICE, "否")
    return Coerced(text)  # the schema's enum check reports it with the list of choices


def parse_date_text(text: str) -> Coerced:
    """Parse a typed date; ``Coerced.value`` is an ISO string, or INVALID.

    Only the plain ISO form (``2022-06-30``, or ``2022-06-30 00:00:00`` as office suites
    write a date turned into text) passes silently; every other accepted form, and stray
    spaces or a time of day, is read with a reminder.
    """
    original = text
    text = fold(text)
    clock = _TIME_SUFFIX.search(text)
    if clock:
        text = text[: clock.start()]
    for pattern in (_DATE_YMD, _DATE_COMPACT):
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                value = dt.date(year, month, day).isoformat()
            except ValueError:
                return Coerced(INVALID, Code.DATE_INVALID)
            midnight = clock is None or _MIDNIGHT.fullmatch(clock.group(0).strip())
            if (
                text == value
                and original.strip() == original
                and midnight
                and original.isascii()
            ):
                return Coerced(value)
            return Coerced(value, Code.COERCED_DATE, value)
    if _DATE_NO_YEAR.match(text) or _DATE_SHORT_YEAR.match(text):
        return Coerced(INVALID, Code.DATE_AMBIGUOUS)
    return Coerced(INVALID, Code.DATE_INVALID)


def _date(raw: Any, column: Column, number_format: str) -> Coerced:
    if isinstance(raw, dt.datetime):
        return Coerced(raw.date().isoformat())
    if isinstance(raw, dt.date):
        return Coerced(raw.isoformat())
    if isinstance(raw, bool):
        return Coerced(INVALID, Code.DATE_INVALID)
    if isinstance(raw, int | float):
        if float(raw).is_integer() and 19000101 <= raw <= 21001231:
            return parse_date_text(str(int(raw)))
        if (
            20000 <= raw <= 80000
        ):  # an Excel serial day number in a cell without date format
            value = (_EXCEL_EPOCH + dt.timedelta(days=int(raw))).isoformat()
            return Coerced(value, Code.COERCED_DATE, value)
        return Coerced(INVALID, Code.DATE_INVALID)
    return parse_date_text(str(raw))


def _parse_number(raw: Any) -> tuple[float | None, bool]:
    """Return (number, was_text_cleaned); None when it is not a number."""
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, int | float):
        return (
            (None, False) if math.isnan(raw) or math.isinf(raw) else (float(raw), False)
        )
    text = fold(str(raw)).replace(",", "")
    stripped = text.removesuffix("分").strip()
    if _NUMBER.match(stripped):
        return float(stripped), True
    return None, False


def _tidy(value: float) -> int | float:
    value = round(value, 6)
    return int(value) if value.is_integer() else value


def _number(raw: Any, column: Column, number_format: str) -> Coerced:
    value, from_text = _parse_number(raw)
    if value is None:
        hint = (
            f"（{column.minimum:g} 到 {column.maximum:g} 之间）"
            if column.maximum is not None and column.minimum is not None
            else ""
        )
        return Coerced(INVALID, Code.NOT_A_NUMBER, hint)
    if "%" in number_format and column.kind == "percent":
        value *= 100
    if column.kind == "integer":
        if not float(value).is_integer():
            return Coerced(INVALID, Code.NOT_AN_INTEGER)
        value = int(value)
    tidy = _tidy(value) if column.kind != "integer" else value
    if (
        from_text
    ):  # a number typed as text (text-formatted cell, full-width, "18分", spaces)
        return Coerced(tidy, Code.COERCED_NUMBER, _number_text(tidy))
    return Coerced(tidy)


def _percent(raw: Any, column: Column, number_format: str) -> Coerced:
    if isinstance(raw, str):
        text = fold(raw).replace(" ", "")
        if text.endswith("%"):
            value, _ = _parse_number(text[:-1])
            if value is None:
                return Coerced(INVALID, Code.PERCENT_AMBIGUOUS)
            tidy = _tidy(value)
            return Coerced(tidy, Code.COERCED_PERCENT, f"{_number_text(tidy)}%")
        value, _ = _parse_number(text)
        if value is None:
            return Coerced(INVALID, Code.PERCENT_AMBIGUOUS)
        if 0 < value < 1:
            tidy = _tidy(value * 100)
            return Coerced(tidy, Code.COERCED_PERCENT, f"{_number_text(tidy)}%")
        tidy = _tidy(value)
        return Coerced(tidy, Code.COERCED_NUMBER, _number_text(tidy))
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return Coerced(INVALID, Code.PERCENT_AMBIGUOUS)
    if "%" in number_format:
        return Coerced(_tidy(float(raw) * 100))
    if 0 < raw < 1:
        tidy = _tidy(float(raw) * 100)
        return Coerced(tidy, Code.COERCED_PERCENT, f"{_number_text(tidy)}%")
    if raw == 1:  # 1%, or 100% typed as 1? Read as typed, but say so.
        return Coerced(1, Code.PERCENT_ONE)
    return Coerced(_tidy(float(raw)))


_HANDLERS = {
    "text": _text,
    "list": _text,
    "phone": _phone,
    "enum": _choice,
    "date": _date,
    "number": _number,
    "integer": _number,
    "percent": _percent,
}


def split_list(text: str | None) -> list[str]:
    """Split a list cell (“区农业农村局、区财政局”) on 、，, ; / and line breaks."""
    if not text:
        return []
    parts = re.split(r"[、，,;；/\n]+", text)
    return [p.strip() for p in parts if p.strip()]
