"""The campaign's memory across periods (history/): every `siyi run` adds its period's
consolidated tables, and the next period reads the latest run of each earlier period.

Nothing in history/ is ever overwritten: a run writes a new folder
``history/<期次>/<run time>/`` with tasks.csv, milestones.csv, problems.csv and run.json.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.period import period_end

HISTORY_DIR = "history"


def save_run(
    folder: Path,
    settings: Any,
    tasks: pd.DataFrame,
    milestones: pd.DataFrame,
    problems: pd.DataFrame,
    returns: list[dict[str, Any]],
    inputs: list[dict[str, Any]],
    values: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
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
    (tmp / "values.json").write_text(
        json.dumps(values or {}, ensure_ascii=False, default=str), encoding="utf-8"
    )
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


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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
                _read_json(run / "values.json"),
            )
        )
    found.sort(key=lambda t: period_end(t.period) or dt.date.min)
    return found


def _bulletin_dir(folder: Path) -> Path:
    return folder / "history" / "_bulletins"


def record_bulletin(folder: Path, period: str, table: pd.DataFrame) -> None:
    """Keep what this bulletin published (append-only: one file per publication)."""
    target = _bulletin_dir(folder)
    target.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    data = {
        "period": period,
        "criticised": list(table[table["verdict"] == "批评"]["unit"])
        if not table.empty
        else [],
        "praised": list(table[table["verdict"] == "表扬"]["unit"])
        if not table.empty
        else [],
    }
    (target / f"{period}_{stamp}.json").write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )


def published_criticisms(folder: Path, period: str) -> list[set[str]]:
    """The units criticised in each earlier published bulletin, newest first (latest
    publication per period)."""
    latest: dict[str, dict[str, Any]] = {}
    for path in (
        sorted(_bulletin_dir(folder).glob("*.json"))
        if _bulletin_dir(folder).is_dir()
        else []
    ):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        latest[data.get("period", "")] = data
    end = period_end(period) or dt.date.max
    earlier = [
        (period_end(p) or dt.date.min, d)
        for p, d in latest.items()
        if p != period and (period_end(p) or dt.date.max) < end
    ]
    return [
        set(d.get("criticised", []))
        for _e, d in sorted(earlier, key=lambda x: x[0], reverse=True)
    ]
