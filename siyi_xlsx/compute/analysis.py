"""One period's analysis: everything the commands need, computed once by ``siyi run``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.errors import Issue, Report
from siyi_xlsx.read.master import Campaign
from siyi_xlsx.read.returned import Submission
from siyi_xlsx.statuses import FileStatus


@dataclass
class Analysis:
    """The period as read, checked and consolidated (no file written)."""

    campaign: Campaign
    submissions: list[Submission]  # every returned file, checked
    issues: list[Issue]  # every data problem of the period, master's included
    returns: list[dict[str, Any]]  # 报送情况: one row per unit of the master
    tasks: pd.DataFrame  # task statuses (汇总台账)
    milestones: pd.DataFrame  # milestone statuses
    inputs: list[dict[str, Any]]  # each file read, with its SHA-256 and what became of it
    ignored: list[str] = field(default_factory=list)  # lock and hidden files skipped
    problems: pd.DataFrame | None = None  # 问题清单 across units and periods
    error_book: pd.DataFrame | None = None  # 错题本
    previous: list[PeriodTables] = field(default_factory=list)  # earlier periods
    visits: list[dict[str, Any]] = field(default_factory=list)  # 现场检查
    orders: list[dict[str, Any]] = field(default_factory=list)  # 督办单 and feedback

    @cached_property
    def report(self) -> Report:
        """The period's problems with their counts."""
        return Report.of(self.issues)

    @property
    def errors(self) -> int:
        return self.report.errors

    @property
    def warnings(self) -> int:
        return self.report.warnings

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    @property
    def task_status(self) -> dict[str, int]:
        return (
            self.tasks["status"].value_counts().to_dict() if not self.tasks.empty else {}
        )

    def accepted(self) -> dict[str, Submission]:
        """The file in use for each unit, by unit code."""
        return {
            s.unit.code: s
            for s in self.submissions
            if s.status == FileStatus.ACCEPTED and s.unit
        }
