"""Machine-readable reports (``--json``): codes, positions, severities and counts."""

from __future__ import annotations

from typing import Any

from siyi_xlsx.errors import Issue, Report


def _counts(issues: list[Issue]) -> dict[str, Any]:
    return Report.of(issues).counts()


def submission_json(sub: Any) -> dict[str, Any]:
    """One returned file: who, which period, what became of it, its issues."""
    return {
        "file": sub.name,
        "sha256": sub.sha256,
        "unit_code": sub.unit.code if sub.unit else None,
        "unit_name": sub.unit.name if sub.unit else None,
        "period": sub.period,
        "status": sub.status,
        "saved_at": (sub.saved_at or sub.mtime).isoformat() + "Z",
        "counts": _counts(sub.issues),
        "issues": [i.as_dict() for i in sub.issues],
    }


def result_json(result: Any) -> dict[str, Any]:
    """A whole run (or ``status``): settings, units, files, issues, counts, outputs."""
    s = result.campaign.settings
    return {
        "year": s.year,
        "period": s.period,
        "as_of": s.as_of.isoformat(),
        "return_deadline": s.return_deadline.isoformat() if s.return_deadline else None,
        "counts": {
            **_counts(result.issues),
            "files": len(result.submissions),
            "task_status": result.task_status,
        },
        "exit_code": result.exit_code,
        "units": result.returns,
        "files": [submission_json(sub) for sub in result.submissions],
        "ignored": result.ignored,
        "issues": [i.as_dict() for i in result.issues],
        "outputs": [str(p) for p in getattr(result, "outputs", [])],
        "return_copies": getattr(result, "return_copies", {}),
    }


def score_json(result: Any) -> dict[str, Any]:
    """`siyi score --json`: each unit's sources, weighted score, adjustments, rank, grade."""
    return {
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "group": u.group,
                "final": float(u.final),
                "rank": u.rank,
                "grade": u.grade,
                "weighted": float(u.weighted),
                "bonus": float(u.bonus),
                "deduction": float(u.deduction),
                "sources": {
                    k: None if v.value is None else float(v.value)
                    for k, v in u.sources.items()
                },
                "not_eligible": u.ineligible,
            }
            for u in result.units
        ],
        "interim": result.interim,
        "issues": [i.as_dict() for i in result.issues],
        "outputs": [str(p) for p in result.outputs],
    }
