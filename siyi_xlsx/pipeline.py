"""The batch: read every returned workbook, validate, consolidate, write the results.

:func:`analyse` reads, checks and consolidates a period (one :class:`Analysis`);
:func:`run` also writes the result workbooks and keeps the analysis in the campaign store;
:func:`current_analysis` gives the commands after a run the stored analysis, or a fresh
one when any input has changed since.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from siyi_xlsx import progress
from siyi_xlsx.check.validate import check
from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.compute.previous import accepted_values
from siyi_xlsx.compute.progress import build_tables
from siyi_xlsx.compute.supervision import consolidate_problems, error_book, task_changes
from siyi_xlsx.errors import ERROR, Code, Report
from siyi_xlsx.read.inspection import INSPECTION_FILE, load_inspection
from siyi_xlsx.read.master import MASTER_FILE, Campaign, load_campaign
from siyi_xlsx.read.returned import (
    ACCEPTED,
    REJECTED,
    SUPERSEDED,
    Submission,
    beijing,
    file_digest,
    ingest,
)
from siyi_xlsx.statuses import ReturnStatus
from siyi_xlsx.store.db import Store, code_key, open_store
from siyi_xlsx.write.ledger import LEDGER_FILE, REPORT_FILE, write_ledger, write_report
from siyi_xlsx.write.return_copy import PREFIX, RETURN_DIR, write_return_copy
from siyi_xlsx.write.summary import SUMMARY_FILE, write_summary

RETURNED_DIR = "returned"
OUTPUT_DIR = "output"


@dataclass
class RunResult(Analysis):
    """The period's analysis plus what ``run`` wrote."""

    outputs: list[Path] = field(default_factory=list)
    return_copies: dict[str, str] = field(default_factory=dict)


def returned_files(folder: Path) -> tuple[list[Path], list[str]]:
    """Files to read under ``folder`` (recursively), and names skipped as lock/hidden files."""
    if not folder.is_dir():
        return [], []
    files, skipped = [], []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not path.exists():
            skipped.append(f"{path.relative_to(folder)}（失效的链接）")
            continue
        if not path.is_file():
            continue
        rel = path.relative_to(folder)
        if path.is_symlink():  # the file it points to is read on its own, if it is here
            skipped.append(f"{rel}（链接）")
            continue
        if any(part.startswith((".", "~$")) for part in rel.parts):
            skipped.append(str(rel))
            continue
        files.append(path)
    return files, skipped


def pick_newest(subs: list[Submission]) -> list[Submission]:
    """One submission per unit and period: the newest save wins; the others come back
    as new, superseded copies that say which file is used instead."""
    by_unit: dict[str, list[Submission]] = {}
    for sub in subs:
        if sub.status == ACCEPTED and sub.unit:
            by_unit.setdefault(sub.unit.code, []).append(sub)
    superseded: dict[int, Submission] = {}
    for group in by_unit.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (s.saved_at or s.mtime, s.mtime, s.name), reverse=True)
        kept = group[0]
        for other in group[1:]:
            same = other.sha256 == kept.sha256
            code = Code.DUPLICATE_SAME_CONTENT if same else Code.DUPLICATE_SUBMISSION
            superseded[id(other)] = dataclasses.replace(
                other,
                status=SUPERSEDED,
                issues=[*other.issues, other.where.issue(code, detail=kept.name)],
            )
    return [superseded.get(id(s), s) for s in subs]


def analyse(
    folder: Path,
    store: Store,
    on_file: Callable[[Path], None] | None = None,
    returned: Path | None = None,
) -> Analysis:
    """Read, identify, validate and consolidate the period's returned files; write no
    result. Files read before (same content, name, time, master and code) come from the
    store's cache instead of being read again."""
    return _analyse(folder, store, on_file, returned, Analysis)


def current_analysis(
    folder: Path, store: Store, on_file: Callable[[Path], None] | None = None
) -> Analysis:
    """The analysis kept by the last ``siyi run`` when nothing it read has changed since;
    otherwise a fresh one, reading again only the files that changed."""
    found = store.latest_analysis(inputs_key(folder))
    return found if found is not None else analyse(folder, store, on_file)


def inputs_key(folder: Path, returned: Path | None = None) -> str:
    """A fingerprint of the files an analysis reads: the master, 督导检查.xlsx and each
    returned file (name, content, time). The earlier periods are checked by the store."""
    digest = hashlib.sha256()
    for path in (folder / MASTER_FILE, folder / INSPECTION_FILE):
        digest.update(
            f"{path.name}:{file_digest(path)[0] if path.is_file() else '-'}\n".encode()
        )
    returned = returned or folder / RETURNED_DIR
    files, skipped = returned_files(returned)
    for path in files:
        digest.update(_file_key(path, path.relative_to(returned).as_posix(), "").encode())
    digest.update(repr(skipped).encode())
    return digest.hexdigest()


def _file_key(path: Path, name: str, master: str) -> str:
    """What decides how a returned file reads: its content, name and time, the master."""
    try:
        sha, mtime = file_digest(path)[0], path.stat().st_mtime_ns
    except OSError:
        sha, mtime = "unreadable", 0
    return hashlib.sha256(
        f"{sha}|{name}|{mtime}|{master}|{code_key()}".encode()
    ).hexdigest()


def _analyse(
    folder: Path,
    store: Store,
    on_file: Callable[[Path], None] | None,
    returned: Path | None,
    kind: type[Analysis],
) -> Any:
    campaign = load_campaign(folder)
    master = file_digest(campaign.master_path)[0]
    returned = returned or folder / RETURNED_DIR
    files, skipped = returned_files(returned)
    subs: list[Submission] = []
    fresh: list[tuple[str, bytes]] = []
    hits: list[str] = []
    for path in progress.track(files, "读取回收文件"):
        if on_file:
            on_file(path)
        name = path.relative_to(returned).as_posix()
        key = _file_key(path, name, master)
        sub = store.cached_file(key)
        if sub is not None:
            hits.append(key)
            # the same file read before, maybe from another working folder or campaign
            # path: what it says is kept, where it is now is this run's
            sub = dataclasses.replace(sub, path=path)
        else:
            sub = ingest(path, campaign, display_name=name)
            if sub.read_path is None:  # a converted copy is temporary: never cached
                fresh.append((key, pickle.dumps(sub, protocol=pickle.HIGHEST_PROTOCOL)))
        subs.append(sub)
    store.cache_files(fresh, hits)
    subs = [
        check(sub, campaign) if sub.status == ACCEPTED else sub
        for sub in pick_newest(subs)
    ]
    accepted = {s.unit.code: s for s in subs if s.status == ACCEPTED and s.unit}
    tasks, milestones = build_tables(campaign, accepted)
    previous = store.earlier_periods(campaign.settings.period, campaign.settings.as_of)
    problems, problem_issues = consolidate_problems(campaign, accepted, previous)
    issues = list(campaign.issues) + [i for s in subs for i in s.issues]
    issues += problem_issues + task_changes(campaign, tasks, previous)
    inspection = load_inspection(campaign)
    issues += inspection.issues
    inputs = [
        {
            "file": s.name,
            "unit": s.unit.name if s.unit else "",
            "sha256": s.sha256,
            "size": s.size,
            "saved_at": beijing(s.saved_at or s.mtime),
            "result": _result_label(s),
        }
        for s in subs
    ] + [{"file": name, "result": "已忽略（临时或隐藏文件）"} for name in skipped]
    return kind(
        campaign=campaign,
        submissions=subs,
        issues=issues,
        returns=unit_returns(campaign, subs),
        tasks=tasks,
        milestones=milestones,
        inputs=inputs,
        ignored=skipped,
        problems=problems,
        error_book=error_book(problems, previous),
        previous=previous,
        visits=inspection.visits,
        orders=order_status(inspection.orders, accepted, campaign.settings.as_of),
    )


def run(
    folder: Path,
    on_file: Callable[[Path], None] | None = None,
    returned: Path | None = None,
    output: Path | None = None,
    store: Store | None = None,
) -> RunResult:
    """Run the whole batch on a campaign folder: write its result workbooks and 退回件,
    and keep the period's analysis in the campaign store for the commands after it and
    for the next period."""
    if store is None:
        with open_store(folder) as opened:
            return run(folder, on_file, returned, output, opened)
    result: RunResult = _analyse(folder, store, on_file, returned, RunResult)
    analysis = Analysis(**{f.name: getattr(result, f.name) for f in fields(Analysis)})
    frozen = pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)
    tasks, milestones, inputs = result.tasks, result.milestones, result.inputs
    output = output or folder / OUTPUT_DIR
    progress.start("写出汇总台账、校验报告和退回件")
    result.return_copies = write_return_copies(result.submissions, output / RETURN_DIR)
    for row in result.returns:
        row["return_copy"] = result.return_copies.get(row["file"], "")
    ledger_path, report_path = output / LEDGER_FILE, output / REPORT_FILE
    write_ledger(ledger_path, result.campaign, tasks, milestones, inputs)
    write_report(report_path, result.campaign, result.issues, result.returns, inputs)
    summary_path = output / SUMMARY_FILE
    write_summary(summary_path, result, tasks)
    result.outputs = [ledger_path, report_path, summary_path]
    store.save_run(
        result,
        frozen,
        accepted_values(result.accepted()),
        inputs_key(folder, returned),
    )
    return result


def check_file(path: Path, campaign: Campaign) -> Submission:
    """Ingest and validate one file on its own (``siyi check``)."""
    sub = ingest(path, campaign)
    return check(sub, campaign) if sub.status == ACCEPTED else sub


def order_status(
    orders: list[dict[str, Any]], accepted: dict[str, Submission], as_of: Any
) -> list[dict[str, Any]]:
    """Each 督办单 with the feedback its unit sent back, and whether it is overdue."""
    out = []
    for order in orders:
        sub = next(
            (s for s in accepted.values() if s.unit and s.unit.name == order["unit"]),
            None,
        )
        feedback = sub.order_feedback.get(order["order_id"], {}) if sub else {}
        done = order.get("status") == "已办结" or feedback.get("result") == "已办结"
        late = not done and order["deadline"] < as_of.isoformat()
        out.append(
            {
                **order,
                **{f"fb_{k}": v for k, v in feedback.items()},
                "overdue": "逾期" if late else "",
                "answered": "已反馈"
                if feedback
                else ("—" if order.get("status") == "已办结" else "未反馈"),
            }
        )
    return out


def write_return_copies(
    subs: list[Submission], folder: Path, prune: bool = True
) -> dict[str, str]:
    """A 退回件 for every file with errors; with ``prune``, stale copies are removed."""
    written: dict[str, str] = {}
    failed = False
    for sub in subs:
        # a file rejected as a whole (other period, unknown unit…) cannot be fixed cell by cell
        if sub.error_count and sub.status == ACCEPTED:
            unit = sub.unit.name if sub.unit else "报送单位"
            path = write_return_copy(
                sub.read_path or sub.path, sub.name, unit, sub.issues, folder
            )
            if path is not None:
                written[sub.name] = path.name
            else:
                failed = True
    if prune and not failed and folder.is_dir():  # never lose a copy we could not redo
        for old in folder.glob(PREFIX + "*"):
            if old.name not in written.values():
                old.unlink()
    return written


def _result_label(sub: Submission) -> str:
    if sub.status == REJECTED:
        return "未采用（被退回）"
    if sub.status == SUPERSEDED:
        return "未采用（有更新的文件）"
    return "已采用（有错误）" if sub.error_count else "已采用"


def unit_returns(campaign: Campaign, subs: list[Submission]) -> list[dict[str, Any]]:
    """报送情况: every unit of the master, with what it sent and what it must do.

    按时报送 / 逾期报送: the file in use has no errors, saved by / after the end of the
    return deadline (Beijing time); 被退回: the file in use has errors, or no file could be
    used; 未报送: nothing arrived. Superseded files are listed with the unit.
    """
    deadline = campaign.settings.return_deadline
    cutoff = deadline_utc(deadline) if deadline else None
    rows = []
    for unit in campaign.units.values():
        mine = [s for s in subs if s.unit and s.unit.code == unit.code]
        used = next((s for s in mine if s.status == ACCEPTED), None)
        others = [s.name for s in mine if s is not used]
        tasks = len(campaign.tasks_of(unit))
        errors = used.error_count if used else sum(s.error_count for s in mine)
        warnings = Report.of(used.issues).warnings if used else 0
        saved = (used.saved_at or used.mtime) if used else None
        late = bool(used and cutoff and saved > cutoff)
        if not tasks:
            status, todo = ReturnStatus.NOT_DUE, "本期无牵头任务"
        elif used and not errors:
            status, todo = (ReturnStatus.LATE if late else ReturnStatus.ON_TIME), ""
        elif used:
            status, todo = (
                ReturnStatus.SENT_BACK,
                f"按退回件修改 {errors} 处错误后重新报送",
            )
        elif mine:
            reasons = "；".join(
                i.message.rstrip("。")
                for s in mine
                for i in s.issues
                if i.severity == ERROR
            )
            status, todo = ReturnStatus.SENT_BACK, ("文件无法采用：" + reasons)[:200]
        else:
            status = ReturnStatus.MISSING
            todo = f"请于 {deadline.isoformat()} 前报送" if deadline else "请尽快报送"
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "kind": unit.kind,
                "contact": unit.contact,
                "phone": unit.phone,
                "tasks": tasks,
                "status": status,
                "late": ("是" if late else "否") if used else "",
                "file": used.name if used else "",
                "saved_at": beijing(saved) if saved else "",
                "errors": errors,
                "warnings": warnings,
                "others": "、".join(others),
                "todo": todo,
                "return_copy": "",
            }
        )
    return rows


def deadline_utc(day: Any) -> Any:
    """End of ``day`` in Beijing time (UTC+8), as a naive UTC datetime."""
    import datetime as dt

    return dt.datetime.combine(day, dt.time(23, 59, 59)) - dt.timedelta(hours=8)
