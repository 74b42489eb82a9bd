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


def accepted_values(
    submissions: dict[str, Any],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """What each unit's accepted file said, sheet by sheet, for the next period's prefill."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for code, sub in submissions.items():
        sheets = {
            "unit_ledger": [r.values for r in sub.ledger.values()],
            "unit_responsibility": [r.values for r in sub.responsibility.values()],
            "unit_schedule": [r.values for r in sub.schedule.values()],
            "unit_evaluation": [r.values for r in sub.evaluation.values()],
        }
        for name, rows in sub.lists.items():
            if name != "unit_problems":  # problems come from the consolidated table
                sheets[name] = [
                    {k: v for k, v in r.items() if k not in ("row", "sheet")}
                    for r in rows
                ]
        out[code] = sheets
    return out
