"""Read one returned workbook into a :class:`Submission`: who sent it, for which period,
and the rows of each sheet with their cell positions. Never raises for bad data."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.errors import Code, Issue, NotSpreadsheetError, ReadError, Report, explain
from siyi_xlsx.read.convert import CONVERTIBLE, prepare_conversion, to_xlsx
from siyi_xlsx.read.convert import TIMEOUT_SECONDS as CONVERT_SECONDS
from siyi_xlsx.read.inspection import read_order_feedback
from siyi_xlsx.read.isolate import (
    CRASHED,
    FAILED,
    MEMORY_BUDGET,
    OK,
    OUT_OF_MEMORY,
    TIMED_OUT,
    TIMEOUT_SECONDS,
    Outcome,
    run_isolated,
)
from siyi_xlsx.read.master import Campaign, Unit
from siyi_xlsx.read.tables import Table, Where, find_header, read_form, read_table
from siyi_xlsx.read.workbook import SheetData, WorkbookData, read_workbook, sniff
from siyi_xlsx.resources import template
from siyi_xlsx.schema.layout import HELPER_GAP, LIST_SHEETS, META_SHEET, UNIT_SHEETS
from siyi_xlsx.schema.sheets import header_key
from siyi_xlsx.statuses import FileStatus

ACCEPTED = FileStatus.ACCEPTED
REJECTED = FileStatus.REJECTED
SUPERSEDED = FileStatus.SUPERSEDED


@dataclass
class Submission:
    """A returned file and everything read from it."""

    path: Path
    name: str
    sha256: str
    size: int
    mtime: dt.datetime
    unit: Unit | None = None
    name_unit: Unit | None = None  # the unit the file name points to, if any
    period: str | None = None
    saved_at: dt.datetime | None = None
    meta: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    form: dict[str, tuple[Any, str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    status: FileStatus = ACCEPTED
    read_path: Path | None = None  # a converted .xlsx copy, when the unit sent .xls/.ods
    # filled by validation: the rows that were accepted, keyed for lookup
    ledger: dict[str, Any] = field(default_factory=dict)
    responsibility: dict[str, Any] = field(default_factory=dict)
    schedule: dict[tuple[str, int], Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    # the unit's own lists, as accepted rows (values plus "id" for problems)
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    order_feedback: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # 督办编号 -> feedback

    @property
    def where(self) -> Where:
        return Where(file=self.name, unit=self.unit.name if self.unit else "")

    @property
    def error_count(self) -> int:
        return Report.of(self.issues).errors

    def reject(self, code: Code, **kwargs: Any) -> None:
        self.issues.append(self.where.issue(code, **kwargs))
        self.status = REJECTED


def beijing(moment: dt.datetime | None) -> str:
    """Show a naive UTC time as Beijing time (UTC+8), the time units and the office read."""
    if moment is None:
        return ""
    return (moment + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# sheets of an issued workbook that carry nothing the unit returns: the instructions,
# the self-check (formulas only) and the lists behind the dropdowns; not parsed
NO_DATA_SHEETS = frozenset({"填报说明", "自查", "_lists"})


# columns a unit may have inserted before the hidden self-check columns of a sheet
WIDTH_SLACK = HELPER_GAP


def _widths(campaign: Campaign) -> dict[str, int]:
    """Per data sheet, the last column that may hold what a unit fills (its schema's
    columns, plus :data:`WIDTH_SLACK`); the template's helper formulas lie beyond."""
    out = {}
    for schema_id in UNIT_SHEETS + LIST_SHEETS:
        schema = campaign.schema(schema_id)
        out[schema.sheet] = len(schema.columns) + WIDTH_SLACK
    return out


def _submission(path: Path, display_name: str | None) -> Submission:
    sha, size = file_digest(path)
    # Times are kept in UTC, like the save time Excel and WPS write into docProps.
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(
        tzinfo=None, microsecond=0
    )
    return Submission(
        path=path, name=display_name or path.name, sha256=sha, size=size, mtime=mtime
    )


def unreadable(
    path: Path, campaign: Campaign, detail: str, display_name: str | None = None
) -> Submission:
    """A file whose reading failed as a whole (the reader crashed, ran out of time or
    memory): one FILE_UNREADABLE line naming what happened; the other files go on."""
    sub = _submission(path, display_name)
    sub.unit = unit_from_name(path.stem, campaign)
    sub.reject(Code.FILE_UNREADABLE, detail=detail)
    return sub


def ingest(path: Path, campaign: Campaign, display_name: str | None = None) -> Submission:
    """Read ``path`` (never modified) and identify its unit and period."""
    sub = _submission(path, display_name)
    read_path = path
    suffix = path.suffix.lower()
    if suffix in CONVERTIBLE and sniff(path) != "other":
        read_path = to_xlsx(path) or path
        if read_path is not path:
            sub.read_path = read_path
            sub.issues.append(
                Where(file=sub.name).issue(Code.CONVERTED_FORMAT, detail=suffix)
            )
    if read_path.suffix.lower() not in (".xlsx", ".xlsm"):
        sub.unit = unit_from_name(
            path.stem, campaign
        )  # so 报送情况 can say whose file failed
        sub.reject(Code.FILE_NOT_XLSX, detail=f"扩展名为 {path.suffix or '无'}")
        return sub
    try:
        book = read_workbook(read_path, skip=NO_DATA_SHEETS, widths=_widths(campaign))
    except ReadError as exc:
        sub.unit = unit_from_name(path.stem, campaign)
        code = (
            Code.FILE_NOT_XLSX
            if isinstance(exc, NotSpreadsheetError)
            else Code.FILE_UNREADABLE
        )
        sub.reject(code, detail=str(exc))
        return sub
    return read_submission(sub, book, campaign)


def read_submission(
    sub: Submission, book: WorkbookData, campaign: Campaign
) -> Submission:
    """Identify the unit and period of ``book`` (the workbook behind ``sub``, as read)
    and read its sheets into ``sub``; what :func:`ingest` does once the file is open."""
    sub.saved_at = _naive(book.modified) or sub.mtime
    if _identify(sub, book, campaign):
        _read_sheets(sub, book, campaign)
    return sub


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _identify(sub: Submission, book: WorkbookData, campaign: Campaign) -> bool:
    sub.name_unit = unit_from_name(sub.path.stem, campaign)
    meta_sheet = book.sheets.get(META_SHEET)
    known = {schemas.load(s).sheet for s in UNIT_SHEETS}
    if meta_sheet is None and not known & set(book.sheets):
        sub.unit = sub.name_unit
        sub.reject(Code.NOT_A_TEMPLATE, detail="、".join(list(book.sheets)[:5]) or "无")
        return False
    if meta_sheet is not None:
        sub.meta = {
            str(row[1].value).strip(): str(row[2].value).strip()
            for row in meta_sheet.rows.values()
            if 1 in row
            and 2 in row
            and row[1].value is not None
            and row[2].value is not None
        }
    code = sub.meta.get("unit_code")
    if code:
        unit = campaign.units.get(code)
        if unit is None:
            sub.reject(Code.UNIT_NOT_IN_MASTER, value=code)
            return False
        period = sub.meta.get("period")
        sub.unit, sub.period = unit, period
        if period and period != campaign.settings.period:
            sub.reject(
                Code.PERIOD_MISMATCH, value=period, detail=campaign.settings.period
            )
            sub.status = FileStatus.OTHER_PERIOD
            return False
    else:
        unit = unit_from_name(sub.path.stem, campaign)
        if unit is None:
            sub.reject(
                Code.UNIT_UNKNOWN,
                detail="文件中没有模板元数据，文件名中也没有单位编码或单位名称",
            )
            return False
        sub.unit, sub.period = unit, campaign.settings.period
        sub.issues.append(
            sub.where.issue(Code.META_MISSING, detail=f"{unit.name}（{unit.code}）")
        )
    if not campaign.tasks_of(sub.unit):
        sub.reject(Code.UNIT_NO_TASKS, detail=sub.unit.name)
        return False
    return True


def unit_from_name(stem: str, campaign: Campaign) -> Unit | None:
    """Fallback: a unit code as a whole token, else the longest unit name in the file name."""
    tokens = set(re.split(r"[_\-\s（）()【】\[\]]+", stem))
    codes = [code for code in tokens if code in campaign.units]  # not a scan of units
    if len(codes) == 1:
        return campaign.units[codes[0]]
    if codes:  # several codes in one name: the first unit in the master's order
        order = list(campaign.units)
        return campaign.units[min(codes, key=order.index)]
    matches = [u for u in campaign.units.values() if u.name in stem]
    return max(matches, key=lambda u: len(u.name)) if matches else None


def _renamed_sheet(book: WorkbookData, schema: schemas.SheetSchema) -> SheetData | None:
    """A sheet under another name whose header is this schema's (a renamed sheet)."""
    known = {schemas.load(s).sheet for s in UNIT_SHEETS}
    candidates = [
        (n, sh)
        for n, sh in book.sheets.items()
        if n not in known and not n.startswith("_")
    ]
    for (
        name,
        sheet,
    ) in candidates:  # the same name with stray spaces or full-width letters
        if header_key(name) == header_key(schema.sheet):
            return sheet
    for _name, sheet in candidates:
        if find_header(sheet, schema) is not None:
            return sheet
    return None


def _read_sheets(sub: Submission, book: WorkbookData, campaign: Campaign) -> None:

    where = sub.where
    sub.order_feedback = read_order_feedback(book.sheets, where, sub.issues)
    current = template("unit_workbook")["template_version"]
    for schema_id in UNIT_SHEETS + LIST_SHEETS:
        schema = campaign.schema(schema_id)  # with the office's lists (选项)
        sheet = book.sheets.get(schema.sheet) or _renamed_sheet(book, schema)
        if sheet is None:
            if schema_id not in LIST_SHEETS:
                sub.issues.append(where.issue(Code.SHEET_MISSING, sheet=schema.sheet))
            elif sub.meta.get("template_version", current) == current:
                # workbooks issued before these lists existed simply do not have them
                sub.issues.append(
                    where.issue(Code.LIST_SHEET_MISSING, sheet=schema.sheet)
                )
            continue
        if sheet.name != schema.sheet:
            sub.issues.append(
                where.issue(Code.SHEET_RENAMED, sheet=sheet.name, detail=schema.sheet)
            )
        if sheet.truncated:
            sub.issues.append(
                where.issue(Code.FILE_TOO_LARGE, sheet=schema.sheet, detail=20000)
            )
        table = read_table(sheet, schema, where, sub.issues)
        if table is None:
            continue
        sub.tables[schema_id] = table
        if schema.form:
            sub.form = read_form(
                sheet,
                schema.form,
                where,
                sub.issues,
                start_row=table.end_row + 1,
                value_offset=2,
            )


# ------------------------------------------------------------- reading safely


def read_files(
    campaign: Campaign, files: list[tuple[int, str, Path, str]]
) -> Iterator[tuple[int, str, Submission, bool]]:
    """Read returned files, each in a worker process with a time and memory limit
    (:mod:`siyi_xlsx.read.isolate`); yields ``(index, key, submission, read whole)`` as
    files finish. A file the office's machine cannot open, or whose reading crashes,
    hangs or runs out of memory, becomes one problem line; the other files go on."""
    if not files:
        return
    prepare_conversion()  # LibreOffice's folder is made once, before the workers fork
    jobs = [(path, name) for _, _, path, name in files]
    timeouts = [
        TIMEOUT_SECONDS + (CONVERT_SECONDS if path.suffix.lower() in CONVERTIBLE else 0)
        for path, _ in jobs
    ]

    def read_one(path: Path, name: str) -> Submission:
        return ingest(path, campaign, display_name=name)

    for position, outcome in run_isolated(read_one, jobs, timeouts):
        index, key, path, name = files[position]
        if outcome.kind == OK:
            yield index, key, outcome.value, True
            continue
        if outcome.kind == FAILED and isinstance(outcome.value, OSError):
            # no permission, locked, gone: this file only
            yield index, key, unread(path, name, campaign, outcome.value), False
            continue
        try:
            sub = unreadable(path, campaign, _failure(outcome, timeouts[position]), name)
        except OSError as exc:
            sub = unread(path, name, campaign, exc)
        yield index, key, sub, False


def _failure(outcome: Outcome, seconds: float) -> str:
    """What went wrong reading one file, for the office and the unit (never the
    library's English, never the office's paths)."""
    if outcome.kind == TIMED_OUT:
        return f"读取超过 {seconds:.0f} 秒仍未完成，已停止读取"
    if outcome.kind == OUT_OF_MEMORY:
        return (
            f"读取需要超过 {MEMORY_BUDGET // 2**30} GB 内存，远超填报表的需要，已停止读取"
        )
    if outcome.kind == CRASHED:
        return "读取时读取程序异常退出"
    return explain(outcome.value)  # Chinese; the original only with SIYI_DEBUG=1


def unread(path: Path, name: str, campaign: Campaign, exc: OSError) -> Submission:
    """A file the office's machine could not open (no permission, locked by another
    program): one problem line; the other files go on."""
    sub = Submission(
        path=path,
        name=name,
        sha256="",
        size=0,
        mtime=dt.datetime(1970, 1, 1),
        unit=unit_from_name(Path(name).stem, campaign),
    )
    sub.issues.append(Where(file=name).issue(Code.FILE_LOCKED, detail=os_reason(exc)))
    sub.status = FileStatus.UNREAD
    return sub


def os_reason(exc: OSError) -> str:
    """Why the operating system refused a file, in words the office reads."""
    import errno

    reasons = {
        errno.EACCES: "没有读取权限，或文件正被其他程序占用",
        errno.EPERM: "没有读取权限，或文件正被其他程序占用",
        errno.ENOENT: "文件在读取时已被移走或删除",
        errno.EISDIR: "这是文件夹而不是文件",
        errno.EBUSY: "文件正被其他程序占用",
        errno.ENOSPC: "磁盘已满",
        errno.EROFS: "文件夹只读",
        errno.ENAMETOOLONG: "文件名过长",
    }
    return reasons.get(exc.errno or 0, "文件无法读取（系统拒绝访问）")
