"""Number formats and dates as stored in a workbook, without importing openpyxl.

The reader needs three things from a cell's style: its number format's text (``0%``
tells a percentage), whether the format shows a date or a time, and how a serial number
becomes a date. openpyxl knows all three, but importing it costs a third to half a
second (it imports numpy), which is most of ``siyi check`` on one file. The rules below
are openpyxl's (``styles/numbers.py`` and ``utils/datetime.py``, MIT licence), so a
value reads the same as before, with one deliberate addition: the East Asian built-in
formats (ids 27–36 and 50–58) that Chinese Excel and WPS save without spelling them out,
such as 31 = ``yyyy"年"m"月"d"日"``. openpyxl does not know them and reads such a date
as its serial number (44742 for 2022-06-30); here they are dates.
"""

from __future__ import annotations

import datetime as dt
import re

WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)
_SECONDS_PER_DAY = 86400

_YM, _MD, _YMD = 'yyyy"年"m"月"', 'm"月"d"日"', 'yyyy"年"m"月"d"日"'
_HM, _HMS = 'h"时"mm"分"', 'h"时"mm"分"ss"秒"'
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    # the zh-CN built-ins (ECMA-376 Part 1, 18.8.30)
    27: _YM,
    28: _MD,
    29: _MD,
    30: "m-d-yy",
    31: _YMD,
    32: _HM,
    33: _HMS,
    34: "上午/下午" + _HM,
    35: "上午/下午" + _HMS,
    36: _YM,
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
    50: _YM,
    51: _MD,
    52: _YM,
    53: _MD,
    54: _MD,
    55: "上午/下午" + _HM,
    56: "上午/下午" + _HMS,
    57: _YM,
    58: _MD,
}

# quoted text and bracketed locale or colour codes say nothing about dates
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_PART = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_DURATION = re.compile(
    r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I
)


def is_date_format(code: str) -> bool:
    """Whether a number format shows a date or a time (its first section decides)."""
    first = _STRIP.sub("", code.split(";")[0])
    return _DATE_PART.search(first) is not None


def is_duration_format(code: str) -> bool:
    """Whether a number format shows elapsed time ([h]:mm)."""
    return _DURATION.search(code.split(";")[0]) is not None


def from_excel(
    value: float, epoch: dt.datetime = WINDOWS_EPOCH, duration: bool = False
) -> dt.datetime | dt.time | dt.timedelta:
    """A serial number as a date and time; below 1, a time of day; raises
    OverflowError or ValueError for a serial no calendar has."""
    if duration:
        span = dt.timedelta(days=value)
        if span.microseconds:  # to the millisecond, as Excel shows it
            span = dt.timedelta(
                seconds=span.total_seconds() // 1,
                microseconds=round(span.microseconds, -3),
            )
        return span
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * _SECONDS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1  # Excel's 1900-02-29, a day that never was
    return epoch + dt.timedelta(days=day) + diff


def from_iso(text: str) -> dt.datetime | dt.date | dt.time:
    """An ISO 8601 date, time or date-time as a ``t="d"`` cell or a document property
    stores it; raises ValueError otherwise."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "T" in text or " " in text:
        return dt.datetime.fromisoformat(text)
    if ":" in text:
        return dt.time.fromisoformat(text)
    return dt.date.fromisoformat(text)
