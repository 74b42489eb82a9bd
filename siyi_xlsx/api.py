"""The library behind each command. Every function takes a campaign folder, returns a
result, and writes only the files its command promises; ``cli`` prints the results.

Each command holds the campaign lock while it works (see :mod:`siyi_xlsx.store.db`), so two
commands on one campaign never interleave. Reminders for the user (for example that an
older campaign's history/ was imported) go to ``on_note``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siyi_xlsx import progress
from siyi_xlsx.advice import not_a_campaign
from siyi_xlsx.errors import CampaignError
from siyi_xlsx.folders import (
    EVALUATIONS_DIR,
    PUBLIC_DIR,
    RETURNED_DIR,
    issued_dir,
    migrate,
    move_aside,
    names_period,
    needs_migration,
    output_dir,
    returned_dir,
    year_of,
)
from siyi_xlsx.period import Period
from siyi_xlsx.statuses import FileStatus, ReturnStatus

# The library is imported inside the functions that use it: `siyi check` on one file
# must not pay for pandas and the writers of `siyi run` (see cli.py).
if TYPE_CHECKING:
    import pandas as pd

    from siyi_xlsx.compute.analysis import Analysis
    from siyi_xlsx.compute.five_checks import UnitChecks
    from siyi_xlsx.compute.year_scores import ScoreResult
    from siyi_xlsx.pipeline import RunResult
    from siyi_xlsx.read.master import Campaign
    from siyi_xlsx.read.returned import Submission
    from siyi_xlsx.store.db import Store
    from siyi_xlsx.write.publish import PublishResult
    from siyi_xlsx.write.unit_workbook import UnitWorkbook
EVALUATION_FORMS_DIR = "考评表"
PUBLIC_TEMPLATE = "群众测评导入模板.xlsx"
Note = Callable[[str], None]


def _quiet(_text: str) -> None:
    pass


@contextlib.contextmanager
def _store(folder: Path, on_note: Note) -> Iterator[Store]:
    """The campaign store of ``folder`` (checked to be a campaign), its reminders passed on."""
    from siyi_xlsx.read.master import MASTER_FILE, load_campaign
    from siyi_xlsx.store.db import open_store

    if not (folder / MASTER_FILE).is_file():
        raise not_a_campaign(folder, MASTER_FILE)
    with open_store(folder) as store:
        for note in store.notes:
            on_note(note)
        if needs_migration(folder):
            runs = store.periods_run()
            period = runs[-1] if runs else load_campaign(folder).settings.period
            for note in migrate(folder, period):
                on_note(note)
        yield store


# ------------------------------------------------------------------------- init


@dataclass(frozen=True)
class InitResult:
    master: Path
    sample: bool


def init(folder: Path, sample: bool = False, force: bool = False) -> InitResult:
    """`siyi init`: the campaign folder with its master workbook (empty, or the sample's)
    and 督导检查.xlsx, and the folders the other commands use."""
    from siyi_xlsx.read.inspection import INSPECTION_FILE
    from siyi_xlsx.read.master import MASTER_FILE
    from siyi_xlsx.sample import build_sample_master, sample_inspection
    from siyi_xlsx.write.inspection import write_inspection_workbook
    from siyi_xlsx.write.master import write_master

    master = folder / MASTER_FILE
    inside = next(
        (p for p in folder.resolve().parents if (p / MASTER_FILE).is_file()), None
    )
    if inside is not None:
        raise CampaignError(
            f"{folder.resolve()} 在工作目录 {inside} 里面，不能在一个工作目录中再建工作目录。"
            f"请在别处新建（如 siyi init {inside.parent / '新工作目录'}）。"
        )
    if master.exists() and not force:
        raise CampaignError(
            f"{master} 已存在。如需重新生成请加 --force（原文件将被覆盖）。"
        )
    folder.mkdir(parents=True, exist_ok=True)
    if sample:
        settings = {
            "year": 2022,
            "period": "2022Q3",
            "as_of": dt.date(2022, 9, 30),
            "return_deadline": dt.date(2022, 10, 10),
        }
        write_master(master, build_sample_master(), settings)
    else:
        today = dt.date.today()
        settings = {
            "year": today.year,
            "period": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "as_of": today,
        }
        write_master(master, None, settings)
    if not (folder / INSPECTION_FILE).exists() or force:
        write_inspection_workbook(
            folder / INSPECTION_FILE, sample_inspection() if sample else None
        )
    make_folders(folder, settings["period"])
    return InitResult(master, sample)


def make_folders(folder: Path, period: str) -> list[Path]:
    """Every folder the workflow uses, for ``period``: issued/, returned/ and output/
    of the period, evaluations/ and public/ of the year."""
    made = [
        issued_dir(folder, period),
        returned_dir(folder, period),
        output_dir(folder, period),
        folder / EVALUATIONS_DIR,
        folder / PUBLIC_DIR,
    ]
    for path in made:
        path.mkdir(parents=True, exist_ok=True)
    return made


# ---------------------------------------------------------------------- hand out


@dataclass(frozen=True)
class HandoutResult:
    campaign: Campaign
    folder: Path  # where the units' workbooks are
    files: list[UnitWorkbook]
    evaluation_forms: list[Path]
    replaced: set[str]  # workbooks of the same name written again


def handout(
    folder: Path,
    now: dt.datetime | None = None,
    on_note: Note = _quiet,
    evaluation_forms: bool = True,
) -> HandoutResult:
    """`siyi issue`: one prefilled workbook per lead unit (issued/), carrying over what
    each unit had accepted last period, plus (with ``evaluation_forms``) the evaluators'
    workbooks and the public survey template (issued/考评表/)."""
    from siyi_xlsx.read.inspection import load_inspection
    from siyi_xlsx.read.master import load_campaign
    from siyi_xlsx.write.evaluator import write_evaluator_workbooks, write_public_template
    from siyi_xlsx.write.unit_workbook import write_unit_workbooks

    with _store(folder, on_note) as store:
        campaign = load_campaign(folder)
        if not campaign.tasks:
            raise CampaignError(
                "任务总表中没有可下发的重点任务（“重点任务”表为空或全部有错误），未生成填报表。"
            )
        target = issued_dir(folder, campaign.settings.period)
        existing = {p.name for p in target.glob("*.xlsx")} if target.is_dir() else set()
        previous = store.earlier_periods(
            campaign.settings.period, campaign.settings.as_of
        )
        files = write_unit_workbooks(
            campaign,
            target,
            previous[-1] if previous else None,
            load_inspection(campaign),
            now,
        )
        forms: list[Path] = []
        if evaluation_forms:
            stamp = now or dt.datetime.now().replace(microsecond=0)
            forms = write_evaluator_workbooks(
                campaign, target / EVALUATION_FORMS_DIR, stamp
            )
            write_public_template(
                target / EVALUATION_FORMS_DIR / PUBLIC_TEMPLATE, campaign
            )
    return HandoutResult(
        campaign, target, files, forms, existing & {f.path.name for f in files}
    )


# -------------------------------------------------------------------- the period


def run(
    folder: Path,
    on_file: Callable[[Path], None] | None = None,
    on_note: Note = _quiet,
) -> RunResult:
    """`siyi run`: read, check and consolidate every returned file; write the result
    workbooks and 退回件; keep the period's analysis in the campaign store."""
    from siyi_xlsx.pipeline import run as run_batch

    with _store(folder, on_note) as store:
        return run_batch(folder, on_file=on_file, store=store)


def status(
    folder: Path,
    on_file: Callable[[Path], None] | None = None,
    on_note: Note = _quiet,
) -> Analysis:
    """`siyi status`: the period's analysis (the stored one when nothing has changed)."""
    from siyi_xlsx.pipeline import current_analysis

    with _store(folder, on_note) as store:
        return current_analysis(folder, store, on_file)


@dataclass(frozen=True)
class RemindResult:
    analysis: Analysis
    outputs: list[Path]

    @property
    def pending(self) -> list[dict[str, Any]]:
        """The units still to report: 未报送 or 被退回."""
        return [
            r
            for r in self.analysis.returns
            if r["status"] in (ReturnStatus.MISSING, ReturnStatus.SENT_BACK)
        ]


def remind(folder: Path, on_note: Note = _quiet) -> RemindResult:
    """`siyi remind`: 催报通知 (xlsx and txt) for the units that have not reported or
    were sent back."""
    from siyi_xlsx.pipeline import current_analysis
    from siyi_xlsx.write.ledger import write_reminder

    with _store(folder, on_note) as store:
        analysis = current_analysis(folder, store)
    paths = write_reminder(
        output_dir(folder, analysis.campaign.settings.period),
        analysis.campaign,
        analysis.returns,
        analysis.milestones,
    )
    return RemindResult(analysis, paths)


@dataclass(frozen=True)
class CheckResult:
    submission: Submission
    return_copy: Path | None


def check(file: Path, folder: Path) -> CheckResult:
    """`siyi check`: one returned file on its own; its 退回件 when it has errors.

    Kept light, for one file in well under a second: the master comes from the store
    while it is unchanged, and the file is read (in a worker process, with the batch's
    limits) and checked without importing the batch (pandas, the result writers); the
    退回件 writer is imported only when there is one to write."""
    from siyi_xlsx.check.validate import check_file
    from siyi_xlsx.read.master import MASTER_FILE, load_campaign
    from siyi_xlsx.read.returned import ACCEPTED
    from siyi_xlsx.store.db import cached_master

    campaign = cached_master(folder, folder / MASTER_FILE, load_campaign)
    sub = check_file(file, campaign)  # in a worker process, as the batch reads
    copy = None
    # as pipeline.write_return_copies (prune=False) for this one file: a file rejected
    # as a whole (another period, an unknown unit…) gets no 退回件
    if sub.error_count and sub.status == ACCEPTED:
        from siyi_xlsx.write.return_copy import RETURN_DIR, write_return_copy

        target = output_dir(folder, campaign.settings.period) / RETURN_DIR
        unit = sub.unit.name if sub.unit else "报送单位"
        copy = write_return_copy(
            sub.read_path or sub.path, sub.name, unit, sub.issues, target
        )
    return CheckResult(sub, copy)


# --------------------------------------------------------------- the year's results


def score(folder: Path, on_note: Note = _quiet) -> ScoreResult:
    """`siyi score`: the year-end scores from the four sources (self scores in the
    returned files, ballots in evaluations/, the public survey in public/) and the
    adjustments; written to output/考评结果.xlsx and kept in the store."""
    from siyi_xlsx.compute.year_scores import compute
    from siyi_xlsx.pipeline import current_analysis
    from siyi_xlsx.write.score_report import RESULT_FILE, write_score_report

    with _store(folder, on_note) as store:
        result = compute(folder, current_analysis(folder, store))
        progress.start("写出考评结果")
        path = output_dir(folder, result.campaign.settings.period) / RESULT_FILE
        write_score_report(path, result)
        store.save_scores(result.campaign.settings.period, result.units)
    result.outputs = [path]
    return result


def evaluation_folders(folder: Path) -> tuple[Path, Path]:
    """Where `siyi score` reads the evaluators' ballots and the public survey."""
    return folder / EVALUATIONS_DIR, folder / PUBLIC_DIR


@dataclass(frozen=True)
class ReportResult:
    path: Path
    units: list[UnitChecks]

    @property
    def lights(self) -> dict[str, int]:
        """How many units are red, amber and green overall."""
        counts = {"红": 0, "黄": 0, "绿": 0}
        for unit in self.units:
            counts[unit.worst] += 1
        return counts


def report(folder: Path, on_note: Note = _quiet) -> ReportResult:
    """`siyi report`: the five checks of every lead unit → output/督导检查专报.xlsx."""
    from siyi_xlsx.compute.five_checks import five_checks
    from siyi_xlsx.pipeline import current_analysis
    from siyi_xlsx.write.supervision_report import REPORT_FILE, write_supervision_report

    with _store(folder, on_note) as store:
        result = current_analysis(folder, store)
    rejected = {
        s.unit.code: s.name
        for s in result.submissions
        if s.unit and s.status == FileStatus.REJECTED
    }
    units = five_checks(
        result.campaign, result.accepted(), result.tasks, result.problems, rejected
    )
    path = write_supervision_report(
        output_dir(folder, result.campaign.settings.period) / REPORT_FILE, result, units
    )
    return ReportResult(path, units)


@dataclass(frozen=True)
class DashboardResult:
    analysis: Analysis
    path: Path


def dashboard(
    folder: Path, out_dir: Path | None = None, on_note: Note = _quiet
) -> DashboardResult:
    """`siyi dashboard`: 领导看板.html, the period on one offline web page for the
    leaders (the same figures as 领导汇总.xlsx), into ``out_dir`` (by default
    output/<期次>/发布/)."""
    from siyi_xlsx.pipeline import current_analysis
    from siyi_xlsx.write.dashboard import write_dashboard
    from siyi_xlsx.write.publish import PUBLISH_DIR

    with _store(folder, on_note) as store:
        result = current_analysis(folder, store)
    period = result.campaign.settings.period
    path = write_dashboard(out_dir or output_dir(folder, period) / PUBLISH_DIR, result)
    return DashboardResult(result, path)


@dataclass(frozen=True)
class BulletinResult:
    path: Path
    table: pd.DataFrame = field(repr=False)

    def units_with(self, verdict: str) -> list[str]:
        """The units praised (表扬) or criticised (批评)."""
        if self.table.empty:
            return []
        return list(self.table[self.table["verdict"] == verdict]["unit"])


def bulletin(folder: Path, period: str, on_note: Note = _quiet) -> BulletinResult:
    """`siyi bulletin`: output/通报_<period>.xlsx, recorded in the store as published."""
    from siyi_xlsx.compute.bulletin import bulletin_table, load_rules
    from siyi_xlsx.pipeline import current_analysis
    from siyi_xlsx.write.bulletin import BULLETIN_FILE, write_bulletin

    with _store(folder, on_note) as store:
        result = current_analysis(folder, store)
        rules = load_rules(result.campaign)
        chosen, table = bulletin_table(result, period, store.published_criticisms)
        # a bulletin lives with the period it judges: output/<期次>/通报_<期次>.xlsx
        path = output_dir(folder, period) / BULLETIN_FILE.format(period=period)
        # one file per period: earlier bulletins stay
        write_bulletin(path, result.campaign, period, chosen, table, rules)
        verdicts = BulletinResult(path, table)
        store.record_bulletin(
            chosen.period, verdicts.units_with("批评"), verdicts.units_with("表扬")
        )
    return verdicts


def publish(folder: Path, on_note: Note = _quiet) -> PublishResult:
    """`siyi publish`: the current period's documents as PDF files, and the public
    versions of the 公示 and 通报, in output/<期次>/发布/ (see :mod:`siyi_xlsx.write.publish`)."""
    from siyi_xlsx.pipeline import current_analysis
    from siyi_xlsx.read.master import MASTER_FILE, load_campaign
    from siyi_xlsx.store.db import cached_master
    from siyi_xlsx.write.dashboard import write_dashboard
    from siyi_xlsx.write.publish import publish_outputs

    with _store(folder, on_note) as store:
        settings = cached_master(folder, folder / MASTER_FILE, load_campaign).settings
        progress.start("生成 PDF 和公开版")
        result = publish_outputs(
            output_dir(folder, settings.period),
            output_dir(folder, str(settings.year)),
            settings,
        )
        # the leaders' page, from the period's analysis (the figures of 领导汇总)
        result.page = write_dashboard(result.folder, current_analysis(folder, store))
        return result


def docs() -> str:
    """`siyi docs`: the format reference (Markdown)."""
    from siyi_xlsx.schema.docs import format_reference

    return format_reference()


# ------------------------------------------------------------------- next period


@dataclass(frozen=True)
class PeriodResult:
    previous: str
    period: str
    as_of: dt.date
    return_deadline: dt.date
    archived_master: Path
    moved: list[str]  # what was moved into the previous period's folders
    folders: list[Path]


def open_period(
    folder: Path,
    name: str,
    as_of: dt.date | None = None,
    deadline: dt.date | None = None,
    force: bool = False,
    on_note: Note = _quiet,
) -> PeriodResult:
    """`siyi period`: close the current period and open ``name``.

    Checks that the current period has been run (``force`` skips the check), keeps a
    copy of the master in output/<current>/, moves what still lies loose in returned/
    into returned/<current>/ (and, at a new year, the year's ballots and surveys into
    evaluations/<year>/ and public/<year>/), then sets 当前期次, 数据截止日期 (the new
    period's last day unless given), 报送截止日期 (10 days later unless given) and, at a
    new year, 年度 in the master's 设置. Nothing is deleted or overwritten."""
    from siyi_xlsx.read.master import load_campaign
    from siyi_xlsx.write.settings_edit import set_settings

    new = Period.typed(name)
    name = new.name if new else name.strip()
    if new is None:
        raise CampaignError(
            f"“{name}”不是期次名称。期次写作 2022Q4（季度）、2022M10（月）、2022H2（半年）或 2022（年度）。"
        )
    with _store(folder, on_note) as store:
        campaign = load_campaign(folder)
        settings = campaign.settings
        current = Period.parse(settings.period)
        if current is not None and new.end <= current.end:
            raise CampaignError(
                f"新期次 {name} 不晚于当前期次 {settings.period}，未切换。切换只能向后：请给出当前期次之后的期次。"
            )
        if not force and settings.period not in store.periods_run():
            raise CampaignError(
                f"当前期次 {settings.period} 还没有运行过 siyi run，切换后将无法作为上期数据和未报送记录使用。"
                f"请先运行 siyi run {folder}；如确实不需要本期结果，加 --force 切换。"
            )
        unread = [] if force else _unread_since_run(folder, settings.period, store)
        if unread:
            shown = "、".join(unread[:5]) + ("等" if len(unread) > 5 else "")
            raise CampaignError(
                f"回收文件夹中有 {len(unread)} 个文件是最近一次 siyi run 之后新放入或改动的（{shown}），"
                f"本期结果还没有包含它们。请先运行 siyi run {folder}；如确实不需要，加 --force 切换。"
            )
        outputs = output_dir(folder, settings.period)
        outputs.mkdir(parents=True, exist_ok=True)
        archived = outputs / f"任务总表（{settings.period} 期末存档）.xlsx"
        if not archived.exists():
            shutil.copy2(campaign.master_path, archived)
        as_of = as_of or new.end
        deadline = deadline or as_of + dt.timedelta(days=10)
        if not new.contains(as_of):
            raise CampaignError(
                f"数据截止日期 {as_of} 不在新期次 {name}（{new.start} 至 {new.end}）内，未切换。"
            )
        if deadline < as_of:
            raise CampaignError(
                f"报送截止日期 {deadline} 早于数据截止日期 {as_of}，未切换。请给出不早于数据截止日期的报送截止日期。"
            )
        if current is not None and new.start > current.end + dt.timedelta(days=1):
            on_note(
                f"从 {settings.period} 直接换到 {name}，中间的期次（{current.end + dt.timedelta(days=1)} 至 "
                f"{new.start - dt.timedelta(days=1)}）没有单独的一期；如是笔误，请改回后再运行。"
            )
        values: dict[str, Any] = {
            "period": name,
            "as_of": as_of,
            "return_deadline": deadline,
            "resubmit_deadline": None,  # last period's: blank = the new deadline + 5
        }
        if new.end.year != settings.year:
            values["year"] = new.end.year
        # the master first: when it cannot be written (open in Excel), nothing has moved
        set_settings(campaign.master_path, values)
        moved = _file_loose_returns(folder, settings.period)
        if new.end.year != settings.year:
            moved += _file_year(folder, settings.year)
        folders = make_folders(folder, name)
    return PeriodResult(settings.period, name, as_of, deadline, archived, moved, folders)


def _unread_since_run(folder: Path, period: str, store: Store) -> list[str]:
    """The returned files of ``period`` that its latest run did not read as they are."""
    from siyi_xlsx.read.inbox import collect
    from siyi_xlsx.read.returned import file_digest

    seen = store.files_of_last_run(period)
    inbox = collect(folder / RETURNED_DIR, period)
    unread = [
        name
        for path, name in inbox.files
        if name not in seen or seen[name] != file_digest(path)[0]
    ]
    return unread + [name for _path, name in inbox.attachments if name not in seen]


def _file_loose_returns(folder: Path, period: str) -> list[str]:
    """Move what lies in returned/ outside the period folders into returned/<period>/:
    it was read as that period's."""
    root = folder / RETURNED_DIR
    if not root.is_dir():
        return []
    loose = [
        p for p in sorted(root.iterdir()) if not (p.is_dir() and names_period(p.name))
    ]
    for path in loose:
        move_aside(path, root / period)
    return [f"{RETURNED_DIR}/{p.name} → {RETURNED_DIR}/{period}/" for p in loose]


def _file_year(folder: Path, year: int) -> list[str]:
    """At a new year: the year's ballots and surveys into evaluations/<year>/ and
    public/<year>/."""
    moved = []
    for kind in (EVALUATIONS_DIR, PUBLIC_DIR):
        root = folder / kind
        if not root.is_dir():
            continue
        for path in sorted(root.iterdir()):
            if path.is_dir() and year_of(path.name) is not None:
                continue
            move_aside(path, root / str(year))
            moved.append(f"{kind}/{path.name} → {kind}/{year}/")
    return moved
