"""The office's master workbook (任务总表): read it into a :class:`Campaign`, or write it.

The master is the single source of truth: units, front leaders, special teams, key
tasks, milestones, evaluation indicators and settings. Problems in it are reported like
any other data problem (file 任务总表.xlsx); only a master that cannot be used at all
(missing, unreadable, no as-of date) stops the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from siyi_xlsx import schema as schemas
from siyi_xlsx.advice import not_a_campaign
from siyi_xlsx.errors import CampaignError, Code, Issue, ReadError
from siyi_xlsx.names import suggest
from siyi_xlsx.period import Period, period_range
from siyi_xlsx.read import guard
from siyi_xlsx.read.normalize import split_list
from siyi_xlsx.read.tables import Table, TableRow, Where, read_form, read_table
from siyi_xlsx.read.workbook import SheetData, read_workbook
from siyi_xlsx.schema.options import (
    OPTIONS_SCHEMA,
    default_options,
    schema_with_options,
)
from siyi_xlsx.schema.rows import schema_issues
from siyi_xlsx.schema.sheets import SheetSchema, header_key
from siyi_xlsx.statuses import ReviewResult

MASTER_FILE = "任务总表.xlsx"
TABLE_SCHEMAS = {
    "units": "master_units",
    "leaders": "master_leaders",
    "teams": "master_teams",
    "tasks": "master_tasks",
    "milestones": "master_milestones",
    "indicators": "master_indicators",
}
# sheets interpreted only by the commands that need them (score, bulletin): a master
# without them still runs the batch
LATER_SHEETS = (
    "master_eval_settings",
    "master_adjust_rules",
    "master_adjust_entries",
    "master_bulletin_rules",
)
# the master's tables of 加减分 (written by `siyi init` with the others)
EVAL_TABLES = {
    "adjust_rules": "master_adjust_rules",
    "adjust_entries": "master_adjust_entries",
}
# optional sheets: a master without them (an older campaign) runs as before
REVIEWS_SCHEMA = "master_closing_reviews"  # 销号审核
OPTION_TABLES = {"reviews": REVIEWS_SCHEMA, "options": OPTIONS_SCHEMA}


@dataclass
class Unit:
    code: str
    name: str
    kind: str
    head: str = ""
    contact: str = ""
    phone: str = ""

    @property
    def group(self) -> str:
        """Ranking group: 区直部门 vs 乡镇街道."""
        return "区直部门" if self.kind == "区直部门" else "乡镇街道"


NO_MILESTONE_CONTENT = "完成全部任务（完成时限）"


@dataclass
class Leader:
    name: str
    title: str = ""
    units: list[str] = field(default_factory=list)


@dataclass
class Team:
    code: str
    name: str
    leader_unit: str = ""
    leader: str = ""
    members: list[str] = field(default_factory=list)


@dataclass
class Milestone:
    task_id: str
    seq: int
    content: str
    planned_date: dt.date
    done_mark: str = ""


@dataclass
class Task:
    task_id: str
    title: str
    area: str
    lead_unit: str  # unit name, as the office picks it from the dropdown
    target: str
    deadline: dt.date
    category: str = ""
    support_units: list[str] = field(default_factory=list)
    front_leader: str = ""
    team: str = ""
    weight: float | None = None
    milestones: list[Milestone] = field(default_factory=list)


@dataclass
class Indicator:
    code: str
    name: str
    points: float
    criteria: str
    applies_to: str = "全部"
    evidence_required: bool = False

    def applies(self, unit: Unit) -> bool:
        return self.applies_to == "全部" or self.applies_to == unit.group


@dataclass(frozen=True)
class Review:
    """One decision of the office on a task's 销号 (a row of 销号审核)."""

    task_id: str
    result: ReviewResult
    date: dt.date
    comment: str = ""
    reviewer: str = ""
    row: int = 0  # its row in 销号审核: on the same date the later row wins
    cell: str = ""  # its 任务编号 cell, for messages


@dataclass(frozen=True)
class Settings:
    """任务总表 设置: the period and the status thresholds."""

    year: int
    period: str
    as_of: dt.date
    return_deadline: dt.date | None
    late_days: int = 0
    serious_late_days: int = 15
    pace_gap_pp: float = 10
    serious_pace_gap_pp: float = 30
    warn_days: int = 7  # 临期提醒天数 (0 = no early warning)
    resubmit_deadline: dt.date | None = None  # 补报截止日期 as typed (None = blank)
    resubmit_grace_days: ClassVar[int] = 5  # blank 补报截止日期 = 报送截止日期 + these

    @property
    def resubmit_by(self) -> dt.date | None:
        """补报截止日期 in force: the one typed, or 5 days after 报送截止日期 when blank
        (None without a 报送截止日期)."""
        if self.resubmit_deadline:
            return self.resubmit_deadline
        if self.return_deadline:
            return self.return_deadline + dt.timedelta(days=self.resubmit_grace_days)
        return None


@dataclass(frozen=True)
class Campaign:
    """Everything the office declared in 任务总表.xlsx, read once, plus the problems found
    while reading it. The sheets read only by some commands (考评设置, 加减分规则, 加减分登记,
    通报规则) are kept as read, for those commands to interpret."""

    folder: Path
    settings: Settings
    units: dict[str, Unit]
    leaders: dict[str, Leader]
    teams: dict[str, Team]
    tasks: dict[str, Task]
    indicators: dict[str, Indicator]
    issues: list[Issue] = field(default_factory=list)
    sheets: dict[str, SheetData] = field(default_factory=dict, repr=False)
    # the office's lists (选项), by list name; the package's lists when empty
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reviews: tuple[Review, ...] = ()  # 销号审核, in sheet order

    def schema(self, schema_id: str) -> SheetSchema:
        """The sheet's schema with the office's lists (选项) as its dropdown lists: what
        the master, the issued workbooks and the returned files are checked against."""
        return schema_with_options(schema_id, self.options)

    @property
    def period(self) -> Period:
        """The current period (当前期次) as a :class:`Period`, or None if malformed."""
        return Period.parse(self.settings.period)

    @property
    def master_path(self) -> Path:
        return self.folder / MASTER_FILE

    def unit_by_name(self, name: str) -> Unit | None:
        return self._units_by_name.get(name)

    def tasks_of(self, unit: Unit) -> list[Task]:
        return list(self._tasks_by_lead.get(unit.name, ()))

    # indexes built on first use (a province has thousands of units: a scan of every
    # task for every unit is quadratic); the master is never changed once read
    @cached_property
    def _units_by_name(self) -> dict[str, Unit]:
        out: dict[str, Unit] = {}
        for unit in self.units.values():
            out.setdefault(unit.name, unit)  # the first, as the scan did
        return out

    @cached_property
    def _tasks_by_lead(self) -> dict[str, list[Task]]:
        out: dict[str, list[Task]] = {}
        for task in self.tasks.values():
            out.setdefault(task.lead_unit, []).append(task)
        return out

    def indicators_for(self, unit: Unit) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.applies(unit)]

    def lead_units(self) -> list[Unit]:
        return [u for u in self.units.values() if self.tasks_of(u)]

    def review_of(self, task_id: str, until: dt.date | None = None) -> Review | None:
        """The office's decision in force on a task (销号审核): its row with the latest
        审核日期 (one a day: a repeat is dropped as a duplicate; the row breaks ties in
        memory); only rows dated on or before ``until`` when given. None: never reviewed."""
        return max(
            (
                r
                for r in self.reviews
                if r.task_id == task_id and (until is None or r.date <= until)
            ),
            key=lambda r: (r.date, r.row),
            default=None,
        )

    def approval_before(self, review: Review) -> Review | None:
        """The latest 同意销号 of the same task before ``review`` (what a 重新启动 undoes)."""
        return max(
            (
                r
                for r in self.reviews
                if r.task_id == review.task_id
                and r.result == ReviewResult.APPROVE
                and (r.date, r.row) < (review.date, review.row)
            ),
            key=lambda r: (r.date, r.row),
            default=None,
        )

    def all_closed(self, unit: Unit) -> bool:
        """Whether ``unit`` has nothing to report this period: every task it leads was
        approved for 销号 — except in the year's last period, when its 考评册 (the
        year-end self-evaluation) is still due."""
        if self.period and self.period.end.month == 12:
            return False
        closed = self.closed_tasks()
        own = self.tasks_of(unit)
        return bool(own) and all(t.task_id in closed for t in own)

    def closed_tasks(self) -> set[str]:
        """Tasks left out of this period's workbooks: the decision in force on the as-of
        date is 同意销号 (their units no longer report on them)."""
        return {
            r.task_id
            for r in self.reviews
            if (found := self.review_of(r.task_id, self.settings.as_of)) is not None
            and found.result == ReviewResult.APPROVE
        }


# ----------------------------------------------------------------------------- reading


def load_campaign(folder: Path) -> Campaign:
    """Read ``folder/任务总表.xlsx``; raise :class:`CampaignError` if it cannot be used."""
    path = folder / MASTER_FILE
    if not path.is_file():
        raise not_a_campaign(folder, MASTER_FILE)
    try:
        book = read_workbook(path, limits=guard.OFFICE)  # the office's own file
    except ReadError as exc:
        raise CampaignError(f"任务总表无法打开（{exc}）：{path}") from exc
    where = Where(file=MASTER_FILE, unit="领导小组办公室")
    issues: list[Issue] = []
    settings = _read_settings(book.sheets, where, issues)
    options = read_options(book.sheets, where, issues)
    tables: dict[str, list[TableRow]] = {}
    for key, schema_id in TABLE_SCHEMAS.items():
        schema = schema_with_options(schema_id, options)
        sheet = book.sheets.get(schema.sheet)
        if sheet is None:
            # Without any one of these sheets every unit would be blamed for the office's
            # mistake (unknown tasks, milestones, indicators): stop with one message.
            raise CampaignError(
                f"任务总表缺少“{schema.sheet}”工作表，请恢复后再运行（可参照 siyi init 生成的空白任务总表）。"
            )
        table = read_table(sheet, schema, where, issues)
        tables[key] = _unique_rows(table, schema, where, issues) if table else []
    kept = {
        name: book.sheets[name]
        for name in (schemas.load(sid).sheet for sid in LATER_SHEETS)
        if name in book.sheets
    }
    campaign = dataclasses.replace(
        _build(folder, settings, tables, where, issues, kept), options=options
    )
    reviews = _read_reviews(book.sheets, campaign, where, issues)
    return dataclasses.replace(campaign, reviews=reviews)


def read_options(
    sheets: dict[str, SheetData], where: Where, issues: list[Issue]
) -> dict[str, tuple[str, ...]]:
    """选项: each list as the office keeps it, in its order; blanks skipped, repeats
    reported and kept once, an empty list (or no 选项 sheet) is the package's list."""
    defaults = default_options()
    schema = schemas.load(OPTIONS_SCHEMA)
    sheet = sheets.get(schema.sheet)
    table = read_table(sheet, schema, where, issues) if sheet is not None else None
    if table is None:
        return dict(defaults)
    options: dict[str, tuple[str, ...]] = {}
    for column in schema.columns:
        if column.name not in table.columns:  # reported as a missing column
            options[column.name] = defaults[column.name]
            continue
        values: list[str] = []
        seen: set[str] = set()
        for row in table.rows:
            text = str(row.values.get(column.name) or "").strip()
            if not text:
                continue
            if header_key(text) in seen:
                issues.append(
                    where.issue(
                        Code.OPTION_DUPLICATE,
                        sheet=schema.sheet,
                        cell=row.cell(column.name),
                        field=column.title,
                        value=text,
                    )
                )
                continue
            seen.add(header_key(text))
            values.append(text)
        if not values:
            issues.append(
                where.issue(
                    Code.OPTION_LIST_EMPTY,
                    sheet=schema.sheet,
                    field=column.title,
                    detail="、".join(defaults[column.name]),
                )
            )
        options[column.name] = tuple(values) or defaults[column.name]
    return options


def _next_period_end(period: Period) -> dt.date:
    """The last day of the period after ``period`` (of the same length)."""
    day = period.end + dt.timedelta(days=1)
    kind = period.name[4:5]
    name = {
        "Q": f"{day.year}Q{(day.month - 1) // 3 + 1}",
        "H": f"{day.year}H{1 if day.month <= 6 else 2}",
        "M": f"{day.year}M{day.month:02d}",
    }.get(kind, f"{day.year}")
    found = period_range(name)
    return found[1] if found else period.end


def _read_reviews(
    sheets: dict[str, SheetData], campaign: Campaign, where: Where, issues: list[Issue]
) -> tuple[Review, ...]:
    """销号审核: the office's decisions on known tasks, dated from the start of the year
    to the end of the period after the current one (a later or earlier date is a typo:
    reported, not used). A master without the sheet has no decisions."""
    schema = schemas.load(REVIEWS_SCHEMA)
    sheet = sheets.get(schema.sheet)
    table = read_table(sheet, schema, where, issues) if sheet is not None else None
    if table is None:
        return ()
    # from the year before: a campaign that went on into a new year keeps its decisions
    first = dt.date(campaign.settings.year - 1, 1, 1)
    period = campaign.period
    last = (
        _next_period_end(period)
        if period
        else dt.date(campaign.settings.year + 1, 12, 31)
    )
    task_sheet = schemas.load(TABLE_SCHEMAS["tasks"]).sheet
    reviews = []
    for row in _unique_rows(table, schema, where, issues):
        if not _check_ref(
            row, "task_id", set(campaign.tasks), schema, task_sheet, where, issues
        ):
            continue
        v = row.values
        if "result" not in v:
            continue  # reported as REQUIRED or not in the list
        day = dt.date.fromisoformat(v["date"])
        if not first <= day <= last:
            issues.append(
                where.issue(
                    Code.REVIEW_DATE_OUT_OF_RANGE,
                    sheet=schema.sheet,
                    cell=row.cell("date"),
                    value=day,
                    detail=f"{first.isoformat()} 至 {last.isoformat()}",
                )
            )
            continue
        reviews.append(
            Review(
                v["task_id"],
                ReviewResult(v["result"]),
                day,
                v.get("comment", ""),
                v.get("reviewer", ""),
                row.row,
                row.cell("task_id"),
            )
        )
    _report_reopened(dataclasses.replace(campaign, reviews=tuple(reviews)), where, issues)
    return tuple(reviews)


def _report_reopened(campaign: Campaign, where: Where, issues: list[Issue]) -> None:
    """A 重新启动 in force is reported: what it reopened, or that nothing was closed."""
    sheet = schemas.load(REVIEWS_SCHEMA).sheet
    for task_id in dict.fromkeys(r.task_id for r in campaign.reviews):
        found = campaign.review_of(task_id)
        if found is None or found.result != ReviewResult.REOPEN:
            continue
        approval = campaign.approval_before(found)
        issues.append(
            where.issue(
                Code.REVIEW_REOPENED if approval else Code.REVIEW_REOPEN_WITHOUT_APPROVAL,
                sheet=sheet,
                cell=found.cell,
                value=task_id,
                detail=found.date,
            )
        )


def _read_settings(
    sheets: dict[str, SheetData], where: Where, issues: list[Issue]
) -> Settings:
    schema = schemas.load("master_settings")
    sheet = sheets.get(schema.sheet)
    if sheet is None:
        raise CampaignError(
            f"任务总表缺少“{schema.sheet}”工作表，无法确定年度、期次和数据截止日期。"
        )
    values = read_settings_form(sheet, schema, where, issues)
    settings = Settings(
        year=int(values["year"]),
        period=str(values["period"]),
        as_of=dt.date.fromisoformat(values["as_of"]),
        return_deadline=dt.date.fromisoformat(values["return_deadline"])
        if values.get("return_deadline")
        else None,
        late_days=int(values["late_days"]),
        serious_late_days=int(values["serious_late_days"]),
        pace_gap_pp=float(values["pace_gap_pp"]),
        serious_pace_gap_pp=float(values["serious_pace_gap_pp"]),
        warn_days=int(values["warn_days"]),
        resubmit_deadline=dt.date.fromisoformat(values["resubmit_deadline"])
        if values.get("resubmit_deadline")
        else None,
    )
    if (
        settings.resubmit_deadline
        and settings.return_deadline
        and settings.resubmit_deadline < settings.return_deadline
    ):
        issues.append(
            where.issue(
                Code.RESUBMIT_BEFORE_DEADLINE,
                sheet=schema.sheet,
                value=settings.resubmit_deadline,
                detail=settings.return_deadline,
            )
        )
        settings = dataclasses.replace(settings, resubmit_deadline=None)
    if settings.return_deadline and settings.return_deadline < settings.as_of:
        issues.append(
            where.issue(
                Code.RETURN_DEADLINE_STALE,
                sheet=schema.sheet,
                value=settings.return_deadline,
                detail=settings.as_of,
            )
        )
    span = period_range(settings.period)
    if span and not (span[0] <= settings.as_of <= span[1]):
        issues.append(
            where.issue(
                Code.AS_OF_OUTSIDE_PERIOD,
                sheet=schema.sheet,
                value=settings.as_of,
                detail=settings.period,
            )
        )
    for high, low in (
        ("serious_late_days", "late_days"),
        ("serious_pace_gap_pp", "pace_gap_pp"),
    ):
        if getattr(settings, high) <= getattr(settings, low):
            issues.append(
                where.issue(
                    Code.THRESHOLD_ORDER,
                    sheet=schema.sheet,
                    field=schema.column(high).title,
                    value=getattr(settings, high),
                    detail=schema.column(low).title,
                )
            )
            settings = dataclasses.replace(
                settings, **{high: schema.defaults[high], low: schema.defaults[low]}
            )
    return settings


def read_settings_form(
    sheet: SheetData | None, schema: SheetSchema, where: Where, issues: list[Issue]
) -> dict[str, Any]:
    """Read a 设置项/值 sheet: blanks take the schema's defaults (with a reminder); a
    required setting without default, or a value the schema rejects, stops the run."""
    fields = (
        read_form(sheet, schema.columns, where, issues, value_offset=1) if sheet else {}
    )
    values: dict[str, Any] = {}
    for column in schema.columns:
        value, address = fields.get(column.name, (None, ""))
        if value is None and column.name in schema.defaults:
            value = schema.defaults[column.name]
            issues.append(
                where.issue(
                    Code.SETTING_DEFAULT,
                    sheet=schema.sheet,
                    cell=address,
                    field=column.title,
                    detail=value,
                )
            )
        if value is None and column.required:
            raise CampaignError(
                f"任务总表“{schema.sheet}”表未填写“{column.title}”（或填写有误），请补充后再运行。"
            )
        values[column.name] = value

    for name, code, detail, value in schema_issues(
        {k: v for k, v in values.items() if v is not None}, schema
    ):
        column = schema.column(name)
        problem = where.issue(
            code, sheet=schema.sheet, field=column.title, value=value, detail=detail
        )
        raise CampaignError(
            f"任务总表“{schema.sheet}”表：{problem.message}请修改后再运行。"
        )
    return values


def _unique_rows(
    table: Table, schema: SheetSchema, where: Where, issues: list[Issue]
) -> list[TableRow]:
    """Drop rows whose key is missing or invalid, and later duplicates of a key."""
    seen: set[tuple[Any, ...]] = set()
    kept: list[TableRow] = []
    for row in table.rows:
        if any(k not in row.values for k in schema.key):
            continue  # the missing key was reported as REQUIRED or invalid
        key = tuple(row.values[k] for k in schema.key)
        if key in seen:
            first = schema.column(schema.key[-1])
            issues.append(
                where.issue(
                    Code.DUPLICATE_KEY,
                    sheet=schema.sheet,
                    cell=row.cell(first.name),
                    field=first.title,
                    value="/".join(map(str, key)),
                )
            )
            continue
        seen.add(key)
        kept.append(row)
    return kept


def _check_ref(
    row: TableRow,
    name: str,
    known: set[str],
    schema: SheetSchema,
    target: str,
    where: Where,
    issues: list[Issue],
) -> bool:
    """Every name in ``row[name]`` must be in ``known``. A name that differs only in
    spaces or full-/half-width characters is taken as the known one, with a reminder."""
    value = row.values.get(name)
    if value is None:
        return True
    is_list = schema.column(name).kind == "list"
    values = split_list(value) if is_list else [value]
    ok, fixed = True, []
    folded: dict[str, str] | None = None  # only for a name that is not exact
    for item in values:
        if item in known:
            fixed.append(item)
            continue
        if folded is None:
            folded = {header_key(k): k for k in known}
        match = folded.get(header_key(item))
        column = schema.column(name)
        if match is not None:
            issues.append(
                where.issue(
                    Code.REF_COERCED,
                    sheet=schema.sheet,
                    cell=row.cell(name),
                    field=column.title,
                    value=item,
                    detail=match,
                )
            )
            fixed.append(match)
            continue
        meant = suggest(item, known)
        issues.append(
            where.issue(
                Code.REF_UNKNOWN_SIMILAR if meant else Code.REF_UNKNOWN,
                sheet=schema.sheet,
                cell=row.cell(name),
                field=column.title,
                value=item,
                detail=meant or target,
            )
        )
        ok = False
    if ok:
        row.values[name] = "、".join(fixed) if is_list else fixed[0]
    return ok


def _build(
    folder: Path,
    settings: Settings,
    tables: dict[str, list[TableRow]],
    where: Where,
    issues: list[Issue],
    sheets: dict[str, SheetData],
) -> Campaign:
    """The campaign from the master's tables, references checked, unusable rows dropped."""
    read = _Reader(tables, where, issues)
    units = read.units()
    names = {u.name for u in units.values()}
    leaders, teams = read.leaders(names), read.teams(names)
    tasks = read.tasks(names, leaders, teams)
    read.milestones(tasks)
    return Campaign(
        folder,
        settings,
        units,
        leaders,
        teams,
        tasks,
        read.indicators(),
        issues,
        sheets,
    )


class _Reader:
    """Builds the campaign's parts from the master's rows, one sheet at a time."""

    def __init__(
        self, tables: dict[str, list[TableRow]], where: Where, issues: list[Issue]
    ) -> None:
        self.tables, self.where, self.issues = tables, where, issues
        self.schema = {key: schemas.load(sid) for key, sid in TABLE_SCHEMAS.items()}
        # the office's lists are checked when the rows are read (see load_campaign)
        self.dropped_tasks: set[str] = set()

    def _ref(
        self, row: TableRow, field_name: str, known: set[str], key: str, target: str
    ) -> bool:
        return _check_ref(
            row,
            field_name,
            known,
            self.schema[key],
            self.schema[target].sheet,
            self.where,
            self.issues,
        )

    def _dropped(self, code: Code, key: str, row: TableRow, id_field: str) -> None:
        """One message that the row ``row`` of sheet ``key`` is not used at all."""
        self.issues.append(
            self.where.issue(
                code,
                sheet=self.schema[key].sheet,
                cell=row.cell(id_field),
                value=row.values[id_field],
            )
        )

    def units(self) -> dict[str, Unit]:
        """单位: the first row of each name; a repeated name is reported."""
        schema = self.schema["units"]
        units: dict[str, Unit] = {}
        names: set[str] = set()
        for row in self.tables["units"]:
            v = row.values
            if v.get("name") in names:
                self.issues.append(
                    self.where.issue(
                        Code.DUPLICATE_KEY,
                        sheet=schema.sheet,
                        cell=row.cell("name"),
                        field=schema.column("name").title,
                        value=v["name"],
                    )
                )
                continue
            if "name" not in v or "kind" not in v:
                continue
            names.add(v["name"])
            units[v["code"]] = Unit(
                v["code"],
                v["name"],
                v["kind"],
                v.get("head", ""),
                v.get("contact", ""),
                v.get("phone", ""),
            )
        return units

    def leaders(self, names: set[str]) -> dict[str, Leader]:
        """战线领导 with the units they lead (unknown units reported and left out)."""
        leaders: dict[str, Leader] = {}
        for row in self.tables["leaders"]:
            self._ref(row, "units", names, "leaders", "units")
            v = row.values
            leaders[v["name"]] = Leader(
                v["name"],
                v.get("title", ""),
                [u for u in split_list(v.get("units")) if u in names],
            )
        return leaders

    def teams(self, names: set[str]) -> dict[str, Team]:
        """专班 with their leading and member units."""
        teams: dict[str, Team] = {}
        for row in self.tables["teams"]:
            self._ref(row, "leader_unit", names, "teams", "units")
            self._ref(row, "members", names, "teams", "units")
            v = row.values
            teams[v["name"]] = Team(
                v["code"],
                v["name"],
                v.get("leader_unit", ""),
                v.get("leader", ""),
                [u for u in split_list(v.get("members")) if u in names],
            )
        return teams

    def tasks(
        self, names: set[str], leaders: dict[str, Leader], teams: dict[str, Team]
    ) -> dict[str, Task]:
        """重点任务: a task without a known lead unit or a required field is dropped,
        with one message saying it will not be handed out."""
        tasks: dict[str, Task] = {}
        for row in self.tables["tasks"]:
            v = row.values
            lead_ok = self._ref(row, "lead_unit", names, "tasks", "units")
            complete = {"title", "area", "lead_unit", "target", "deadline"} <= set(v)
            if not (lead_ok and complete):
                # reported cell by cell above; one line more says what it means
                self.dropped_tasks.add(v["task_id"])
                self._dropped(Code.TASK_DROPPED, "tasks", row, "task_id")
                continue
            self._ref(row, "support_units", names, "tasks", "units")
            self._ref(row, "front_leader", set(leaders), "tasks", "leaders")
            self._ref(row, "team", set(teams), "tasks", "teams")
            tasks[v["task_id"]] = Task(
                task_id=v["task_id"],
                title=v["title"],
                area=v["area"],
                lead_unit=v["lead_unit"],
                target=v["target"],
                deadline=dt.date.fromisoformat(v["deadline"]),
                category=v.get("category", ""),
                support_units=[
                    u for u in split_list(v.get("support_units")) if u in names
                ],
                front_leader=v.get("front_leader", "")
                if v.get("front_leader") in leaders
                else "",
                team=v.get("team", "") if v.get("team") in teams else "",
                weight=v.get("weight"),
            )
        return tasks

    def milestones(self, tasks: dict[str, Task]) -> None:
        """节点, added to their tasks in order; a task without any is reported."""
        schema = self.schema["milestones"]
        for row in self.tables["milestones"]:
            v = row.values
            if v.get("task_id") in self.dropped_tasks:
                continue  # the task's own message says why it is not used
            if not self._ref(row, "task_id", set(tasks), "milestones", "tasks"):
                continue
            if not {"content", "planned_date"} <= set(v):
                continue
            task = tasks[v["task_id"]]
            planned = dt.date.fromisoformat(v["planned_date"])
            if planned > task.deadline:
                self.issues.append(
                    self.where.issue(
                        Code.MILESTONE_AFTER_DEADLINE,
                        sheet=schema.sheet,
                        cell=row.cell("planned_date"),
                        value=planned,
                        detail=task.deadline,
                    )
                )
            task.milestones.append(
                Milestone(
                    task.task_id,
                    int(v["seq"]),
                    v["content"],
                    planned,
                    v.get("done_mark", ""),
                )
            )
        for task in tasks.values():
            task.milestones.sort(key=lambda m: m.seq)
            if not task.milestones:
                self.issues.append(
                    self.where.issue(
                        Code.TASK_NO_MILESTONE,
                        sheet=self.schema["tasks"].sheet,
                        value=task.task_id,
                        detail=task.deadline,
                    )
                )
                # the deadline is the task's one node: issued in 推进表 like any other,
                # so the unit can report it done and the task can be 已完成
                task.milestones.append(
                    Milestone(task.task_id, 1, NO_MILESTONE_CONTENT, task.deadline)
                )

    def indicators(self) -> dict[str, Indicator]:
        """考评指标: one without a name, points or criteria is dropped, with a message."""
        indicators: dict[str, Indicator] = {}
        for row in self.tables["indicators"]:
            v = row.values
            if not {"name", "points", "criteria"} <= set(v):
                self._dropped(Code.INDICATOR_DROPPED, "indicators", row, "code")
                continue
            indicators[v["code"]] = Indicator(
                v["code"],
                v["name"],
                float(v["points"]),
                v["criteria"],
                v.get("applies_to", "全部"),
                v.get("evidence_required") == "是",
            )
        return indicators


# ----------------------------------------------------------------------------- writing
