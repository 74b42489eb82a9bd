"""Reporting periods: 2022Q3 (quarter), 2022H1 (half year), 2022M09 (month), 2022 (year)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period named as in 任务总表 (当前期次): ``2022Q3``, ``2022H1``,
    ``2022M09`` or ``2022``. Periods order by their last day, then by name."""

    end: dt.date
    start: dt.date
    name: str

    @classmethod
    def parse(cls, name: str) -> Period | None:
        """The period named ``name``, or None when the name is not a period."""
        found = period_range(name)
        return cls(found[1], found[0], name) if found else None

    @classmethod
    def typed(cls, text: str) -> Period | None:
        """The period a person typed (``2023q1`` or `` 2023Q1 ``), in its proper
        spelling; None when it is not a period."""
        return cls.parse(str(text).strip().upper())

    def __str__(self) -> str:
        return self.name

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period_end(name: str) -> dt.date | None:
    """Last day of the period ``name``, or None when it is not a period."""
    found = period_range(name)
    return found[1] if found else None


NAME = re.compile(r"^\d{4}(Q[1-4]|H[12]|M(0[1-9]|1[0-2]))?$")


def period_range(period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of 2022Q3 / 2022H1 / 2022M09 / 2022 (exactly so spelt:
    ``202210``, ``20221012`` or ``2022Q3补报`` are not periods)."""
    if not isinstance(period, str) or not NAME.match(period):
        return None
    try:
        year = int(period[:4])
        rest = period[4:]
        if not rest:
            first, last = 1, 12
        elif rest[0] == "Q":
            first = 3 * int(rest[1]) - 2
            last = first + 2
        elif rest[0] == "H":
            first = 1 if rest[1] == "1" else 7
            last = first + 5
        else:
            first = last = int(rest[1:])
        end = dt.date(year + (last == 12), 1 if last == 12 else last + 1, 1)
        return dt.date(year, first, 1), end - dt.timedelta(days=1)
    except (ValueError, IndexError, OverflowError):  # year 0000 or 9999
        return None
