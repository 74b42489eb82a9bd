"""What earlier periods left: their task, milestone and problem tables and the values
each unit last had accepted, as read back from the campaign's memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class PeriodTables:
    period: str
    as_of: str
    tasks: pd.DataFrame
    milestones: pd.DataFrame
    problems: pd.DataFrame
    units: list[dict[str, Any]] = field(default_factory=list)
    # the accepted values of every unit's sheets: {unit code: {schema id: [row values]}}
    values: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
