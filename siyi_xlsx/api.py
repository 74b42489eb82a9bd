"""The library behind each command: every function takes a campaign folder, returns a
result, and writes only the files its command promises. ``cli`` prints the results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siyi_xlsx.compute.bulletin import bulletin_table, load_rules
from siyi_xlsx.compute.five_checks import five_checks
from siyi_xlsx.compute.year_scores import ScoreResult, compute
from siyi_xlsx.pipeline import OUTPUT_DIR, analyse
from siyi_xlsx.store.history import published_criticisms, record_bulletin
from siyi_xlsx.write.bulletin import BULLETIN_FILE, write_bulletin
from siyi_xlsx.write.score_report import RESULT_FILE, write_score_report
from siyi_xlsx.write.supervision_report import REPORT_FILE, write_supervision_report


def score(folder: Path) -> ScoreResult:
    """`siyi score`: the year-end scores, written to output/考评结果.xlsx."""
    result = compute(folder, analyse(folder))
    path = folder / OUTPUT_DIR / RESULT_FILE
    write_score_report(path, result)
    result.outputs = [path]
    return result


def report(folder: Path) -> tuple[Path, list]:
    """`siyi report`: the five checks of every lead unit → output/督导检查专报.xlsx."""
    result = analyse(folder)
    rejected = {
        s.unit.code: s.name
        for s in result.submissions
        if s.unit and s.status == "rejected"
    }
    units = five_checks(
        result.campaign, result.accepted(), result.tasks, result.problems, rejected
    )
    path = write_supervision_report(folder / OUTPUT_DIR / REPORT_FILE, result, units)
    return path, units


def bulletin(folder: Path, period: str) -> tuple[Path, pd.DataFrame]:
    """`siyi bulletin`: output/通报_<period>.xlsx, recorded as published in history/."""
    result = analyse(folder)
    rules = load_rules(result.campaign)
    chosen, table = bulletin_table(
        result, period, lambda p: published_criticisms(folder, p)
    )
    record_bulletin(folder, chosen.period, table)
    # one file per period: earlier bulletins stay
    path = folder / OUTPUT_DIR / BULLETIN_FILE.format(period=period)
    write_bulletin(path, result.campaign, period, chosen, table, rules)
    return path, table
