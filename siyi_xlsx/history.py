"""The campaign's memory across periods (history/): every `siyi run` adds its period's
consolidated tables, and the next period reads the latest run of each earlier period.

Nothing in history/ is ever overwritten: a run writes a new folder
``history/<期次>/<run time>/`` with tasks.csv, milestones.csv, problems.csv and run.json.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

HISTORY_DIR = "history"


@dataclass
class PeriodTables:
    period: str
    as_of: str
    tasks: pd.DataFrame
    milestones: pd.DataFrame
    problems: pd.DataFrame
    units: list[dict[str, Any]] = field(default_factory=list)


def period_end(period: str) -> dt.date | None:
    from .master import _period_range

    found = _period_range(period)
    return found[1] if found else None


def save_run(
    folder: Path,
    settings: Any,
    tasks: pd.DataFrame,
    milestones: pd.DataFrame,
    problems: pd.DataFrame,
    returns: list[dict[str, Any]],
    inputs: list[dict[str, Any]],
) -> Path:
    """Add this run's tables to history/<period>/<time>/ (a new folder, never reused)."""
    base = folder / HISTORY_DIR / settings.period
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = base / stamp
    tmp = base / f".{stamp}.partial"
    tmp.mkdir(parents=True, exist_ok=False)
    tasks.to_csv(tmp / "tasks.csv", index=False, encoding="utf-8-sig")
    milestones.to_csv(tmp / "milestones.csv", index=False, encoding="utf-8-sig")
    problems.to_csv(tmp / "problems.csv", index=False, encoding="utf-8-sig")
    meta = {
        "period": settings.period,
        "as_of": settings.as_of.isoformat(),
        "units": returns,
        "inputs": inputs,
    }
    (tmp / "run.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    tmp.rename(target)  # a run is in history whole, or not at all
    return target


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def earlier_periods(folder: Path, settings: Any) -> list[PeriodTables]:
    """The latest run of every period that ended before the current one, oldest first."""
    root = folder / HISTORY_DIR
    if not root.is_dir():
        return []
    current_end = period_end(settings.period) or settings.as_of
    found = []
    for period_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        end = period_end(period_dir.name)
        if period_dir.name == settings.period or end is None or end >= current_end:
            continue
        runs = sorted(
            r for r in period_dir.iterdir() if r.is_dir() and not r.name.startswith(".")
        )
        if not runs:
            continue
        run = runs[-1]
        try:
            meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        found.append(
            PeriodTables(
                period_dir.name,
                meta.get("as_of", ""),
                _read(run / "tasks.csv"),
                _read(run / "milestones.csv"),
                _read(run / "problems.csv"),
                meta.get("units", []),
            )
        )
    found.sort(key=lambda t: period_end(t.period) or dt.date.min)
    return found
