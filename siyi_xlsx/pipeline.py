"""The batch: read every returned workbook, validate, consolidate, write the results.

:func:`analyse` reads, checks and consolidates a period (one :class:`Analysis`);
:func:`run` also writes the result workbooks and keeps the analysis in the campaign store;
:func:`current_analysis` gives the commands after a run the stored analysis, or a fresh
one when any input has changed since.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from siyi_xlsx import progress
from siyi_xlsx.check.validate import (  # noqa: F401 - siyi check's
    check,
    check_file,
    check_submission,
)
from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.compute.previous import accepted_values
from siyi_xlsx.compute.progress import build_tables
from siyi_xlsx.compute.reminders import todo_text
from siyi_xlsx.compute.supervision import consolidate_problems, error_book, task_changes
from siyi_xlsx.errors import ERROR, Code, Issue, OutputBlockedError, Report
from siyi_xlsx.folders import OUTPUT_DIR, RETURNED_DIR, output_dir  # noqa: F401
from siyi_xlsx.read.inbox import Inbox, collect
from siyi_xlsx.read.inspection import INSPECTION_FILE, load_inspection
from siyi_xlsx.read.isolate import FAILED, OK, run_isolated
from siyi_xlsx.read.master import MASTER_FILE, Campaign, load_campaign
from siyi_xlsx.read.returned import (
    ACCEPTED,
    REJECTED,
    SUPERSEDED,
    Submission,
    beijing,
    file_digest,
    read_files,
)
from siyi_xlsx.read.tables import Where
from siyi_xlsx.statuses import FileStatus, ReturnStatus
from siyi_xlsx.store.db import Store, code_key, open_store
from siyi_xlsx.write.ledger import LEDGER_FILE, REPORT_FILE, write_ledger, write_report
from siyi_xlsx.write.return_copy import PREFIX, RETURN_DIR, write_return_copy
from siyi_xlsx.write.summary import SUMMARY_FILE, write_summary


@dataclass
class RunResult(Analysis):
    """The period's analysis plus what ``run`` wrote."""

    outputs: list[Path] = field(default_factory=list)
    return_copies: dict[str, str] = field(default_factory=dict)


def settle_leftovers(subs: list[Submission], seen: dict[str, str]) -> list[Submission]:
    """A file that a run of another period read (the same content) was left in
    returned/ after its period: it belongs to that period whatever it says (a file
    without metadata would otherwise pass for this period's); it is listed, its
    problems do not count, and its unit is not told about it."""
    out = []
    for sub in subs:
        period = seen.get(sub.sha256)
        if period and sub.status != FileStatus.UNREAD:
            void = f"该文件已在 {period} 期读取过，留在回收文件夹中不影响本期"
            sub = dataclasses.replace(
                sub,
                status=FileStatus.OTHER_PERIOD,
                period=sub.period if sub.status == FileStatus.OTHER_PERIOD else period,
                issues=[dataclasses.replace(i, void=void) for i in sub.issues],
            )
        out.append(sub)
    return out


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
            # its problems stay listed, so the unit can see what was wrong with it,
            # but they no longer count: the file in use is the newer one
            void = f"该文件已被“{kept.name}”替代，此问题不计入"
            superseded[id(other)] = dataclasses.replace(
                other,
                status=SUPERSEDED,
                issues=[
                    *(dataclasses.replace(i, void=void) for i in other.issues),
                    other.where.issue(code, detail=kept.name),
                ],
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
    # every file under returned/, whatever its period: the master's digest above
    # already says which period is read
    inbox = collect(returned or folder / RETURNED_DIR, None)
    for path, name in inbox.files + inbox.attachments:
        digest.update(_file_key(path, name, "").encode())
    digest.update(repr((inbox.ignored, inbox.issues)).encode())
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


# files read are kept in the store's cache this many at a time, so that a province's
# thousands of pickled files are never all in memory together
CACHE_BATCH = 200


def _analyse(
    folder: Path,
    store: Store,
    on_file: Callable[[Path], None] | None,
    returned: Path | None,
    kind: type[Analysis],
) -> Any:
    campaign = load_campaign(folder)
    master = file_digest(campaign.master_path)[0]
    inbox = collect(returned or folder / RETURNED_DIR, campaign.settings.period)
    found: list[Submission | None] = [None] * len(inbox.files)
    fresh: list[tuple[str, bytes]] = []
    hits: list[str] = []
    misses: list[tuple[int, str]] = []
    progress.start("读取回收文件", len(inbox.files))
    for index, (path, name) in enumerate(inbox.files):
        if on_file:
            on_file(path)
        key = _file_key(path, name, master)
        sub = store.cached_file(key)
        if sub is None:
            misses.append((index, key))
            continue
        hits.append(key)
        # the same file read before, maybe from another working folder or campaign
        # path: what it says is kept, where it is now is this run's
        found[index] = dataclasses.replace(sub, path=path)
        progress.advance()
    for index, key, sub, whole in read_files(
        campaign, [(i, k, *inbox.files[i]) for i, k in misses]
    ):
        found[index] = sub
        if whole and sub.read_path is None:  # a converted copy is temporary: never cached
            fresh.append((key, pickle.dumps(sub, protocol=pickle.HIGHEST_PROTOCOL)))
            if len(fresh) >= CACHE_BATCH:  # stored as they come: not all held at once
                store.cache_files(fresh)
                fresh.clear()
        progress.advance()
    subs: list[Submission] = [s for s in found if s is not None]
    del found
    store.cache_files(fresh, hits)
    subs = settle_leftovers(subs, store.read_elsewhere(campaign.settings.period))
    subs = pick_newest(subs)
    seen: set[int] = set()
    for sub in subs:
        # checked in place, not copied: the file as read is in the store's cache, and a
        # province's files are then held once, not twice
        if sub.status == ACCEPTED and id(sub) not in seen:
            check_submission(sub, campaign)
        seen.add(id(sub))
    accepted = {s.unit.code: s for s in subs if s.status == ACCEPTED and s.unit}
    tasks, milestones = build_tables(campaign, accepted)
    previous = store.earlier_periods(campaign.settings.period, campaign.settings.as_of)
    problems, problem_issues = consolidate_problems(campaign, accepted, previous)
    attached = attachments(inbox, campaign, subs)
    issues = list(campaign.issues) + inbox.issues + [i for s in subs for i in s.issues]
    issues += attachment_only(campaign, subs, attached)
    reported = {s.unit.name for s in accepted.values() if s.unit}
    issues += problem_issues + task_changes(campaign, tasks, previous, reported)
    inspection = load_inspection(campaign)
    issues += inspection.issues
    inputs = [
        {
            "file": s.name,
            "unit": s.unit.name if s.unit else "",
            "sha256": s.sha256,
            "size": s.size,
            "saved_at": ""
            if s.status == FileStatus.UNREAD
            else beijing(s.saved_at or s.mtime),
            "result": _result_label(s),
        }
        for s in subs
    ] + inbox_rows(inbox, attached, campaign)
    return kind(
        campaign=campaign,
        submissions=subs,
        issues=issues,
        returns=unit_returns(campaign, subs, attached, store.first_returns(campaign)),
        tasks=tasks,
        milestones=milestones,
        inputs=inputs,
        ignored=inbox.ignored,
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
    output = output or output_dir(folder, result.campaign.settings.period)
    clear_leftovers(output)
    progress.start("写出汇总台账、校验报告和退回件")
    blocked: list[str] = []
    result.return_copies = write_return_copies(
        result.submissions, output / RETURN_DIR, blocked=blocked
    )
    for row in result.returns:
        row["return_copy"] = result.return_copies.get(row["file"], "")
    # the store before the three result workbooks: a store that cannot be written (a
    # full disk) stops the run with the previous results and the previous run intact
    store.save_run(
        result,
        frozen,
        accepted_values(result.accepted()),
        inputs_key(folder, returned),
    )
    del frozen  # stored: a province's pickled analysis is not kept while writing
    ledger_path, report_path = output / LEDGER_FILE, output / REPORT_FILE
    summary_path = output / SUMMARY_FILE
    writers = (
        (
            ledger_path,
            lambda: write_ledger(ledger_path, result.campaign, tasks, milestones, inputs),
        ),
        (
            report_path,
            lambda: write_report(
                report_path, result.campaign, result.issues, result.returns, inputs
            ),
        ),
        (summary_path, lambda: write_summary(summary_path, result, tasks)),
    )
    for path, write in writers:
        try:  # a result open in Excel: the others are still written
            write()
            result.outputs.append(path)
        except OutputBlockedError as exc:
            blocked.append(str(exc))
    if blocked:
        written = "、".join(p.name for p in result.outputs) or "无"
        raise OutputBlockedError(
            "".join(blocked) + f"其余结果已写出（{written}），本次运行已记录。"
        )
    return result


def clear_leftovers(output: Path) -> None:
    """Temporary files an interrupted run left (killed while writing): no other siyi
    command is working on the campaign (the lock), so each is a leftover."""
    for folder in (output, output / RETURN_DIR):
        for tmp in folder.glob(".~siyi-*") if folder.is_dir() else []:
            try:
                tmp.unlink()
            except OSError:
                pass  # one that cannot go now will go next time


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
    subs: list[Submission],
    folder: Path,
    prune: bool = True,
    blocked: list[str] | None = None,
) -> dict[str, str]:
    """A 退回件 for every file with errors; with ``prune``, stale copies are removed.
    A copy that cannot be written (open in Excel…) is told in ``blocked`` (raised when
    ``blocked`` is None); the others are still written."""
    written: dict[str, str] = {}
    # a file rejected as a whole (other period, unknown unit…) cannot be fixed cell by cell
    wanted = [s for s in subs if s.error_count and s.status == ACCEPTED]
    jobs = [
        (
            sub.read_path or sub.path,
            sub.name,
            sub.unit.name if sub.unit else "报送单位",
            sub.issues,
            folder,
        )
        for sub in wanted
    ]
    # each copy is an openpyxl round trip of a unit's file: in the worker processes,
    # one per core, with the same limits as reading
    outcomes = sorted(run_isolated(write_return_copy, jobs), key=lambda pair: pair[0])
    failed = False
    for index, outcome in outcomes:
        path = outcome.value if outcome.kind == OK else None
        if outcome.kind == FAILED and isinstance(outcome.value, OutputBlockedError):
            if blocked is None:
                raise outcome.value
            blocked.append(str(outcome.value))
        if path is not None:
            written[wanted[index].name] = path.name
        else:
            failed = True
    if prune and not failed and folder.is_dir():  # never lose a copy we could not redo
        for old in folder.glob(PREFIX + "*"):
            if old.name not in written.values():
                try:  # an old copy open in Excel stays; the run goes on
                    old.unlink()
                except OSError:
                    if blocked is not None:
                        blocked.append(
                            f"旧的退回件 {old.name} 已不需要，但无法删除（可能正在 Excel 或 WPS 中打开），请关闭后手动删除。"
                        )
    return written


def _result_label(sub: Submission) -> str:
    if sub.status == REJECTED:
        return "未采用（被退回）"
    if sub.status == SUPERSEDED:
        return "未采用（有更新的文件）"
    if sub.status == FileStatus.OTHER_PERIOD:
        return f"未采用（属于 {sub.period} 期，不影响本期报送情况）"
    if sub.status == FileStatus.UNREAD:
        return "未读取（办公室无法打开，见校验报告）"
    return "已采用（有错误）" if sub.error_count else "已采用"


def attachments(
    inbox: Inbox, campaign: Campaign, subs: list[Submission]
) -> dict[str, list[str]]:
    """The attachments (佐证材料) beside the returns, by unit code: the unit whose code
    the file name carries, or whose name it starts with (after a code); else, in a
    sub-folder (not returned/ or the period's folder itself) holding one unit's
    workbooks only, that unit. Other attachments are listed under ""."""
    folders: dict[str, set[str]] = {}
    for s in subs:  # the unit each workbook was identified as (metadata, else name)
        if s.unit and s.status in (ACCEPTED, SUPERSEDED, REJECTED):
            folders.setdefault(str(s.path.parent), set()).add(s.unit.code)
    found: dict[str, list[str]] = {}
    for path, name in inbox.attachments:
        unit = attachment_unit(path.stem, campaign)
        beside = (
            set()
            if str(path.parent) in inbox.roots
            else folders.get(str(path.parent), set())
        )
        code = unit.code if unit else (next(iter(beside)) if len(beside) == 1 else "")
        found.setdefault(code, []).append(name)
    return found


def attachment_unit(stem: str, campaign: Campaign) -> Any:
    """The unit an attachment's name points to: its code as a whole token, or its name
    at the start (``区财政局_佐证``, ``U007_区财政局照片``), not anywhere inside
    (``关于区财政局资金的说明`` may come from anyone)."""
    tokens = set(re.split(r"[_\-\s（）()【】\[\]]+", stem))
    for code, unit in campaign.units.items():
        if code in tokens:
            return unit
    head = re.sub(r"^[A-Za-z]*\d+[_\-\s]*", "", stem)
    starts = [u for u in campaign.units.values() if head.startswith(u.name)]
    return max(starts, key=lambda u: len(u.name)) if starts else None


def attachment_only(
    campaign: Campaign, subs: list[Submission], attached: dict[str, list[str]]
) -> list[Issue]:
    """A reminder for each unit that sent attachments (a scanned form…) but no workbook:
    it stays 未报送 until its workbook comes."""
    sent = {s.unit.code for s in subs if s.unit}
    return [
        Where(file=names[0], unit=campaign.units[code].name).issue(
            Code.ATTACHMENT_ONLY, value="、".join(names)
        )
        for code, names in attached.items()
        if code and code not in sent and campaign.tasks_of(campaign.units[code])
    ]


def inbox_rows(
    inbox: Inbox, attached: dict[str, list[str]], campaign: Campaign
) -> list[dict[str, Any]]:
    """校验报告's list of what else was in returned/: attachments, ignored files and
    the folders of other periods."""
    rows = []
    for code, names in attached.items():
        unit = campaign.units[code].name if code else ""
        label = (
            "佐证附件（已登记，不作为填报表读取）"
            if code
            else "附件（未能对应到单位，不作为填报表读取）"
        )
        rows += [{"file": name, "unit": unit, "result": label} for name in names]
    rows += [{"file": name, "result": outcome} for name, outcome in inbox.archives]
    rows += [
        {"file": name, "result": "已忽略（系统、临时或隐藏文件）"}
        for name in inbox.ignored
    ]
    rows += [
        {"file": f"{name}/", "result": f"属于 {name} 期，本期不读取"}
        for name in inbox.elsewhere
    ]
    return rows


def unit_returns(
    campaign: Campaign,
    subs: list[Submission],
    attached: dict[str, list[str]] | None = None,
    first_seen: dict[str, dt.datetime] | None = None,
) -> list[dict[str, Any]]:
    """报送情况: every unit of the master, with what it sent and what it must do.

    按时报送 / 逾期报送: the file in use has no errors. It is on time when the unit's
    first file of this period (the period's workbook, used, replaced or sent back; as
    seen by this or an earlier run) was saved by the end of 报送截止日期, and the file in
    use by the end of 报送截止日期 or, answering a 退回件, of 补报截止日期 (Beijing time).
    被退回: the file in use has errors, or no file could be used. 未报送: nothing of this
    period arrived. Files of other periods and files the office could not open do not
    decide the status; they are named in 需要做的事.
    """
    settings = campaign.settings
    deadline = settings.return_deadline
    cutoff = deadline_utc(deadline) if deadline else None
    again = settings.resubmit_by
    recut = deadline_utc(again) if again else None
    attached = attached or {}
    first_seen = first_seen or {}
    rows = []
    by_unit: dict[str, list[Submission]] = {}
    for sub in subs:
        if sub.unit:
            by_unit.setdefault(sub.unit.code, []).append(sub)
    for unit in campaign.units.values():
        everything = by_unit.get(unit.code, [])
        mine = [s for s in everything if s.status in (ACCEPTED, SUPERSEDED, REJECTED)]
        used = next((s for s in mine if s.status == ACCEPTED), None)
        others = [s.name for s in everything if s is not used]
        tasks = len(campaign.tasks_of(unit))
        errors = used.error_count if used else sum(s.error_count for s in mine)
        warnings = Report.of(used.issues).warnings if used else 0
        saved = (used.saved_at or used.mtime) if used else None
        times = [s.saved_at or s.mtime for s in mine if s.status != REJECTED]
        if unit.code in first_seen:
            times.append(first_seen[unit.code])
        first = min(times) if times else None
        late = bool(
            used
            and cutoff
            and (
                first > cutoff
                or (saved > cutoff and (recut is not None and saved > recut))
            )
        )
        if not tasks:
            status, todo = ReturnStatus.NOT_DUE, "本期无牵头任务"
        elif not used and campaign.all_closed(unit):
            status, todo = ReturnStatus.NOT_DUE, "牵头任务均已同意销号，本期无需报送"
        elif used and not errors:
            status, todo = (ReturnStatus.LATE if late else ReturnStatus.ON_TIME), ""
        elif used:
            status, todo = (
                ReturnStatus.SENT_BACK,
                todo_text(ReturnStatus.SENT_BACK, campaign.settings, errors=errors),
            )
        elif mine:
            reasons = "；".join(
                i.message.rstrip("。")
                for s in mine
                for i in s.issues
                if i.severity == ERROR
            )
            status = ReturnStatus.SENT_BACK
            todo = todo_text(status, campaign.settings, reasons=reasons)
        else:
            status = ReturnStatus.MISSING
            todo = todo_text(status, campaign.settings)
        aside = [
            s
            for s in everything
            if s.status == FileStatus.OTHER_PERIOD and not any(i.void for i in s.issues)
        ]
        note = ""  # kept apart so that 催报通知, worded on its own day, keeps it too
        if aside and status == ReturnStatus.MISSING:
            note += f"（收到的 {'、'.join(s.name for s in aside)} 是 {aside[0].period} 期的填报表，不作为本期报送）"
        locked = [s for s in everything if s.status == FileStatus.UNREAD]
        if locked:
            note += f"（办公室无法打开 {'、'.join(s.name for s in locked)}，请办公室检查后重新运行）"
        if status == ReturnStatus.MISSING and attached.get(unit.code):
            note += f"（只收到附件 {'、'.join(attached[unit.code])}，没有收到填报表）"
        todo += note
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
                "first_saved": beijing(first) if first and first != saved else "",
                "errors": errors,
                "warnings": warnings,
                "others": "、".join(others),
                "attachments": "、".join(attached.get(unit.code, [])),
                "todo": todo,
                "note": note,
                "return_copy": "",
            }
        )
    return rows


def deadline_utc(day: Any) -> Any:
    """End of ``day`` in Beijing time (UTC+8), as a naive UTC datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59)) - dt.timedelta(hours=8)
