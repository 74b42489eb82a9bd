"""Campaigns from before the store kept their memory in ``history/``: one folder per run,
``history/<期次>/<run time>/`` with tasks.csv, milestones.csv, problems.csv, values.json
and run.json, and ``history/_bulletins/`` with what each bulletin published.

They are imported into the store once, the first time the campaign is opened; the folder is
left as it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

HISTORY_DIR = "history"


def legacy_runs(
    folder: Path,
) -> Iterator[tuple[str, str, str, tuple[pd.DataFrame, ...], list[Any], dict[str, Any]]]:
    """Every run kept in history/, oldest first within each period:
    (source, period, as_of, (tasks, milestones, problems), units, values)."""
    root = folder / HISTORY_DIR
    if not root.is_dir():
        return
    for period_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if period_dir.name.startswith(("_", ".")):
            continue
        for run in sorted(
            r for r in period_dir.iterdir() if r.is_dir() and not r.name.startswith(".")
        ):
            meta = _read_json(run / "run.json")
            frames = tuple(
                _read(run / name)
                for name in ("tasks.csv", "milestones.csv", "problems.csv")
            )
            yield (
                f"{HISTORY_DIR}/{period_dir.name}/{run.name}",
                period_dir.name,
                meta.get("as_of", ""),
                frames,
                meta.get("units", []),
                _read_json(run / "values.json"),
            )


def legacy_bulletins(folder: Path) -> list[dict[str, Any]]:
    """What each bulletin published, in the order of publication."""
    target = folder / HISTORY_DIR / "_bulletins"
    found = []
    for path in sorted(target.glob("*.json")) if target.is_dir() else []:
        data = _read_json(path)
        if data.get("period"):
            found.append(data)
    return found


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
