"""考核评价体系 inputs: the evaluation settings in the master, the evaluator workbooks
(专班小组评价表, 战线领导评价表) and the public survey (群众测评) files.

Everything here only reads or writes files; the arithmetic is in :mod:`scoring`.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from siyi_xlsx import progress
from siyi_xlsx import schema as schemas
from siyi_xlsx.errors import CampaignError, Code, Issue, ReadError
from siyi_xlsx.folders import EVALUATIONS_DIR, PUBLIC_DIR, year_files, year_of
from siyi_xlsx.names import did_you_mean, suggest
from siyi_xlsx.read.master import Campaign, Unit, read_settings_form
from siyi_xlsx.read.returned import file_digest
from siyi_xlsx.read.tables import (
    HEADER_SCAN_ROWS,
    TableRow,
    Where,
    _blank,  # one rule for a blank cell, the table reader's
    find_header,
    read_form,
    read_row,
    read_table,
)
from siyi_xlsx.read.workbook import RawCell, SheetData, column_letter, read_workbook
from siyi_xlsx.resources import template
from siyi_xlsx.schema.layout import META_SHEET
from siyi_xlsx.schema.meta import fingerprint
from siyi_xlsx.schema.rules import check_row

__all__ = ["EVALUATIONS_DIR", "PUBLIC_DIR"]  # where `siyi score` reads (folders.py)
EVALUATOR_FORMAT = "siyi-evaluator-workbook"
KIND_LABEL = {"team": "专班小组评价", "leader": "战线领导评价"}


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    direction: str  # 加分 / 减分
    points: float
    cap: float
    source: str  # 严重滞后任务 / 滞后任务 / 逾期节点 / 办公室登记
    basis: str = ""

    @property
    def sign(self) -> int:
        return 1 if self.direction == "加分" else -1


@dataclass(frozen=True)
class Entry:
    unit: str
    rule: str
    times: int
    reason: str
    date: str = ""
    cell: str = ""


@dataclass
class EvalConfig:
    weights: dict[str, float]  # source -> percent
    answer_points: dict[str, float]
    min_public: int
    reweight_missing: bool
    trim_above: int
    bands: tuple[float, float, float]  # 优秀, 良好, 一般
    excellent_quota: float  # percent
    rank_separately: bool
    min_sources: int = 3  # present sources needed to be 优秀
    require_returns: bool = True  # no 考评册 or a 未报送 period: not 优秀
    ineligible_policy: str = "参加排名，最高评为良好"  # or 不予评定等次
    rules: list[Rule] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def load_eval_config(campaign: Campaign, issues: list[Issue]) -> EvalConfig:
    """Interpret 考评设置, 加减分规则 and 加减分登记 as read with the master; raise
    CampaignError on unusable settings."""
    where = Where(file="任务总表.xlsx", unit="领导小组办公室")
    form_schema = schemas.load("master_eval_settings")
    sheet = campaign.sheets.get(form_schema.sheet)
    config = _config(read_settings_form(sheet, form_schema, where, issues))
    config.rules = _read_rules(campaign.sheets, where, issues)
    config.entries = _read_entries(campaign.sheets, campaign, config.rules, where, issues)
    return config


def default_eval_config() -> EvalConfig:
    """The settings and adjustment rules a new master starts with (the README's)."""
    config = _config(dict(schemas.load("master_eval_settings").defaults))
    config.rules = _read_rules({}, Where(file=""), [])
    return config


def _config(values: dict[str, Any]) -> EvalConfig:
    """The 考评设置 values as an EvalConfig; CampaignError when they cannot be used."""
    weights = {
        "self": values["w_self"],
        "team": values["w_team"],
        "public": values["w_public"],
        "leader": values["w_leader"],
    }
    total = sum(float(w) for w in weights.values())
    if abs(total - 100) > 1e-6:
        raise CampaignError(
            f"任务总表“考评设置”表中四个评价来源的权重之和为 {total:g}%，必须为 100%"
            f"（部门自评 {weights['self']:g} + 专班小组 {weights['team']:g} + 群众测评 {weights['public']:g} + 战线领导 {weights['leader']:g}）。请修改后再运行。"
        )
    bands = (
        float(values["band_excellent"]),
        float(values["band_good"]),
        float(values["band_fair"]),
    )
    if not bands[0] > bands[1] > bands[2]:
        raise CampaignError(
            "任务总表“考评设置”表中的分数线须满足：优秀分数线 > 良好分数线 > 一般分数线。"
        )
    return EvalConfig(
        weights={k: float(v) for k, v in weights.items()},
        answer_points={
            "满意": float(values["pts_satisfied"]),
            "基本满意": float(values["pts_basic"]),
            "不满意": float(values["pts_unsatisfied"]),
        },
        min_public=int(values["min_public"]),
        reweight_missing=values["missing_policy"] == "按其余来源折算",
        trim_above=int(values["trim_above"]),
        bands=bands,
        excellent_quota=float(values["excellent_quota"]),
        rank_separately=values["rank_separately"] == "是",
        min_sources=int(values["min_sources"]),
        require_returns=values["require_returns"] == "是",
        ineligible_policy=values["ineligible_policy"],
    )


def _read_rules(sheets: dict[str, Any], where: Where, issues: list[Issue]) -> list[Rule]:
    schema = schemas.load("master_adjust_rules")
    sheet = sheets.get(schema.sheet)
    if sheet is None:
        return [
            Rule(**{**r, "points": float(r["points"]), "cap": float(r["cap"])})
            for r in template("evaluation_defaults")["adjust_rules"]
        ]
    table = read_table(sheet, schema, where, issues)
    rules, seen = [], set()
    for row in table.rows if table else []:
        v = row.values
        if (
            not {"code", "name", "direction", "points", "cap", "source"} <= set(v)
            or v["code"] in seen
        ):
            continue
        seen.add(v["code"])
        rules.append(
            Rule(
                v["code"],
                v["name"],
                v["direction"],
                float(v["points"]),
                float(v["cap"]),
                v["source"],
                v.get("basis", ""),
            )
        )
    return rules


def _read_entries(
    sheets: dict[str, Any],
    campaign: Campaign,
    rules: list[Rule],
    where: Where,
    issues: list[Issue],
) -> list[Entry]:
    schema = schemas.load("master_adjust_entries")
    sheet = sheets.get(schema.sheet)
    if sheet is None:
        return []
    table = read_table(sheet, schema, where, issues)
    manual = {r.code for r in rules if r.source == "办公室登记"}
    entries = []
    for row in table.rows if table else []:
        v = row.values
        if not {"unit", "rule", "reason", "date"} <= set(v):
            continue  # reported: a required cell blank or invalid
        day = dt.date.fromisoformat(str(v["date"])[:10])
        first = dt.date(campaign.settings.year, 1, 1)
        as_of = campaign.settings.as_of
        if not first <= day <= as_of:
            # last year's entries stay in the sheet: a record, not a mistake
            earlier = day < first
            issues.append(
                where.issue(
                    Code.ADJUST_EARLIER_YEAR if earlier else Code.ADJUST_OUTSIDE_YEAR,
                    sheet=schema.sheet,
                    cell=row.cell("date"),
                    field=schema.column("date").title,
                    value=day.isoformat(),
                    detail=campaign.settings.year
                    if earlier
                    else f"{first.isoformat()} 至数据截止日期 {as_of.isoformat()}",
                )
            )
            continue
        unit = campaign.unit_by_name(v["unit"]) or campaign.units.get(v["unit"])
        if unit is None:
            meant = suggest(v["unit"], [u.name for u in campaign.units.values()])
            issues.append(
                where.issue(
                    Code.REF_UNKNOWN_SIMILAR if meant else Code.REF_UNKNOWN,
                    sheet=schema.sheet,
                    cell=row.cell("unit"),
                    field=schema.column("unit").title,
                    value=v["unit"],
                    detail=meant or "单位",
                )
            )
            continue
        if v["rule"] not in manual:
            issues.append(
                where.issue(
                    Code.REF_UNKNOWN,
                    sheet=schema.sheet,
                    cell=row.cell("rule"),
                    field=schema.column("rule").title,
                    value=v["rule"],
                    detail="加减分规则（计算方式为“办公室登记”）",
                )
            )
            continue
        entries.append(
            Entry(
                unit.code,
                v["rule"],
                int(v.get("times", 1)),
                v["reason"],
                v.get("date", ""),
                f"{schema.sheet}!{row.cell('reason')}",
            )
        )
    return entries


# ----------------------------------------------------------------------------- evaluator workbooks


@dataclass(frozen=True)
class Evaluator:
    kind: str  # team / leader
    key: str  # team code / leader name
    name: str
    units: tuple[Unit, ...]


def evaluators(campaign: Campaign) -> list[Evaluator]:
    """One 专班小组评价表 per special team, one 战线领导评价表 per front leader."""
    lead = {u.name for u in campaign.lead_units()}
    found = []
    for team in campaign.teams.values():
        units = tuple(
            u
            for name in team.members
            if name in lead and (u := campaign.unit_by_name(name))
        )
        if units:
            found.append(Evaluator("team", team.code, team.name, units))
    for leader in campaign.leaders.values():
        units = tuple(
            u
            for name in leader.units
            if name in lead and (u := campaign.unit_by_name(name))
        )
        if units:
            found.append(Evaluator("leader", leader.name, leader.name, units))
    return found


def evaluator_rows(campaign: Campaign, evaluator: Evaluator) -> list[dict[str, Any]]:
    return [
        {
            "unit_code": u.code,
            "unit_name": u.name,
            "code": i.code,
            "name": i.name,
            "points": i.points,
            "criteria": i.criteria,
        }
        for u in evaluator.units
        for i in campaign.indicators_for(u)
    ]


@dataclass
class Ballot:
    """One returned evaluator workbook: one rater's scores for the units it covers."""

    file: str
    kind: str
    evaluator: str
    rater: str
    saved_at: dt.datetime | None
    sha256: str
    evaluator_name: str = ""
    units: tuple[str, ...] = ()  # the unit codes the ballot was issued to rate
    # unit code -> (Σ评分, Σ分值) for each unit scored completely, exactly as typed
    scores: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    incomplete: dict[str, str] = field(default_factory=dict)  # unit code -> why not
    issues: list[Issue] = field(default_factory=list)
    used: bool = True
    reason: str = ""  # why the ballot is not used at all

    @property
    def signed_by(self) -> str:
        return self.rater or f"未签名（{self.file}）"

    def discard(self, reason: str) -> None:
        self.used, self.reason = False, reason


def read_ballots(folder: Path, campaign: Campaign) -> tuple[list[Ballot], list[Issue]]:
    """Read every evaluator workbook in ``folder``; newest per (evaluator, rater) wins."""
    ballots: list[Ballot] = []
    issues: list[Issue] = []
    known = {(e.kind, e.key): e for e in evaluators(campaign)}
    schema = schemas.load("eval_scores")
    for path in progress.track(
        year_files(folder, campaign.settings.year), "读取考评打分表"
    ):
        name = path.relative_to(folder).as_posix()
        where = Where(file=name)
        try:
            book = read_workbook(path)
        except ReadError as exc:
            issues.append(where.issue(Code.FILE_UNREADABLE, detail=str(exc)))
            continue
        meta_sheet = book.sheets.get(META_SHEET)
        meta = {}
        if meta_sheet:
            meta = {
                str(r[1].value): str(r[2].value)
                for r in meta_sheet.rows.values()
                if 1 in r and 2 in r
            }
        ev = (
            known.get((meta.get("evaluator_kind"), meta.get("evaluator")))
            if meta.get("format") == EVALUATOR_FORMAT
            else None
        )
        if ev is None:
            issues.append(
                where.issue(
                    Code.NOT_AN_EVALUATION, detail=meta.get("evaluator_name") or "无"
                )
            )
            continue
        where = Where(file=name, unit=ev.name)
        if meta.get("period") and year_of(meta["period"]) != campaign.settings.year:
            # a ballot is the year's (older ballots carry the period they were issued
            # in: any period of the year will do)
            issues.append(
                where.issue(
                    Code.PERIOD_MISMATCH,
                    value=meta["period"],
                    detail=campaign.settings.year,
                )
            )
            continue
        sheet = book.sheets.get(schema.sheet)
        found: list[Issue] = []
        if sheet is None:
            issues.append(where.issue(Code.SHEET_MISSING, sheet=schema.sheet))
            continue
        table = read_table(sheet, schema, where, found)
        form = read_form(
            sheet,
            schema.form,
            where,
            found,
            start_row=(table.end_row + 1) if table else 1,
            value_offset=2,
        )
        rater = str(form.get("rater", (None, ""))[0] or "")
        if meta.get("fingerprint") and meta["fingerprint"] != fingerprint(
            {"eval_scores": evaluator_rows(campaign, ev)}
        ):
            found.append(where.issue(Code.MASTER_CHANGED))
        sha, _ = file_digest(path)
        saved = book.modified.replace(tzinfo=None) if book.modified else None
        ballot = Ballot(
            name,
            ev.kind,
            ev.key,
            rater,
            saved,
            sha,
            evaluator_name=ev.name,
            units=tuple(u.code for u in ev.units),
            issues=found,
        )
        _score_ballot(ballot, table, ev, campaign, where)
        ballots.append(ballot)
    _newest_ballots(ballots)
    for b in ballots:
        issues.extend(b.issues)
    return ballots, issues


def _score_ballot(
    ballot: Ballot, table: Any, ev: Evaluator, campaign: Campaign, where: Where
) -> None:
    if table is None:
        ballot.discard("评分表无法读取")
        return
    expected = {(u.code, i.code): i for u in ev.units for i in campaign.indicators_for(u)}
    got: dict[tuple[str, str], Decimal] = {}
    for row in table.rows:
        key = (row.values.get("unit_code"), row.values.get("code"))
        if key not in expected:
            if all(
                key
            ):  # a row the office did not issue (an indicator or unit not rated here)
                ballot.issues.append(
                    where.issue(
                        Code.INDICATOR_UNKNOWN,
                        sheet=table.sheet,
                        cell=row.cell("code"),
                        value=f"{key[0]}/{key[1]}",
                    )
                )
            continue
        # the rules declared in eval_scores (评分 not above 分值), with the master's points
        master = {"points": expected[key].points}
        ballot.issues += check_row(table.schema, row, master, where, table.sheet)
        score = row.values.get("score")  # a rejected score is gone
        if score is not None:
            got[key] = typed_decimal(score)
    for unit in ev.units:
        keys = [k for k in expected if k[0] == unit.code]
        missing = [k for k in keys if k not in got]
        if missing:
            ballot.incomplete[unit.code] = (
                "评分不完整或有误（" + "、".join(k[1] for k in missing) + "）"
            )
            ballot.issues.append(
                where.issue(
                    Code.BALLOT_INCOMPLETE,
                    sheet=table.sheet,
                    value=unit.name,
                    detail="、".join(k[1] for k in missing),
                )
            )
            continue
        total_points = sum(typed_decimal(expected[k].points) for k in keys)
        if total_points > 0:
            ballot.scores[unit.code] = (sum(got[k] for k in keys), total_points)
    # 所有单位同分: two or more units scored completely, every one the same share of
    # its points (exactly); a ballot rating one unit cannot be uniform
    shares = {Fraction(got) / Fraction(points) for got, points in ballot.scores.values()}
    if len(ballot.scores) >= 2 and len(shares) == 1:
        share = f"{float(100 * next(iter(shares))):.2f}"
        ballot.issues.append(
            where.issue(Code.BALLOT_UNIFORM, sheet=table.sheet, value=share)
        )
        ballot.discard(f"所有单位同分（{share}），按无效票处理")
    if not ballot.rater:
        ballot.issues.append(
            where.issue(
                Code.RATER_MISSING,
                sheet=table.sheet,
                field=table.schema.column("rater").title,
            )
        )


def _newest_ballots(ballots: list[Ballot]) -> None:
    """One ballot per rater: the newest of a signed rater's ballots counts. Unsigned
    ballots cannot be told apart, so each counts on its own unless byte-identical."""
    groups: dict[tuple[str, str, str], list[Ballot]] = {}
    for b in ballots:
        if b.used:
            who = b.rater or f"未签名:{b.sha256}"
            groups.setdefault((b.kind, b.evaluator, who), []).append(b)
    for group in groups.values():
        group.sort(key=lambda b: (b.saved_at or dt.datetime.min, b.file), reverse=True)
        for other in group[1:]:
            same = other.sha256 == group[0].sha256
            other.discard(
                f"与 {group[0].file} 内容完全相同，只算一份"
                if same
                else f"同一评分人另有更新的评分表 {group[0].file}"
            )
            code = Code.DUPLICATE_SAME_CONTENT if same else Code.BALLOT_DUPLICATE
            other.issues.append(
                Where(file=other.file).issue(
                    code, value=other.rater, detail=group[0].file
                )
            )


def typed_decimal(value: Any) -> Decimal:
    """A typed number as the decimal it shows (a float's shortest form)."""
    return Decimal(str(value))


# ----------------------------------------------------------------------------- public survey


@dataclass
class PublicTally:
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    unknown: int = 0
    sources: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # rows with an error, not counted
    by_channel: bool = False  # some votes came by channel (not as a 合计 row)
    # 合计 rows: (satisfied, basic, unsatisfied, unknown, where) — counted only when
    # the unit has no votes by channel, so the same votes are never counted twice
    totals: list[tuple[int, int, int, int, str]] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied


def read_public(
    folder: Path, campaign: Campaign
) -> tuple[dict[str, PublicTally], list[Issue]]:
    """Tally 群众测评 files (xlsx sheets or CSV in UTF-8/GBK, raw votes or per-unit counts)."""
    tallies: dict[str, PublicTally] = {}
    issues: list[Issue] = []
    raw_schema, count_schema = (  # with the office's lists (选项): its channels
        campaign.schema("public_responses"),
        campaign.schema("public_counts"),
    )
    for path in year_files(folder, campaign.settings.year):
        name = path.relative_to(folder).as_posix()
        where = Where(file=name)
        if path.suffix.lower() == ".csv":
            _read_public_csv(
                path, name, (count_schema, raw_schema), campaign, tallies, issues
            )
            continue
        sheets = _public_sheets(path, where, issues)
        for sheet_name, sheet in sheets:
            schema = _survey_schema(sheet, (count_schema, raw_schema))
            if schema is not None:
                _tally_sheet(sheet, schema, campaign, tallies, where, issues, name)
            else:
                issues.append(_no_survey_header(where, sheet_name))
    for code, tally in tallies.items():
        _add_totals(code, tally, campaign, issues)
    return tallies, issues


def _add_totals(
    code: str, tally: PublicTally, campaign: Campaign, issues: list[Issue]
) -> None:
    """A unit's 合计 rows count only when it has no votes by channel; otherwise they
    would count the same votes twice and are left out with a reminder."""
    if not tally.totals:
        return
    if tally.by_channel:
        issues.append(
            Where(file="、".join(tally.sources), unit=campaign.units[code].name).issue(
                Code.PUBLIC_TOTAL_IGNORED,
                value=campaign.units[code].name,
                detail="、".join(t[4] for t in tally.totals),
            )
        )
        return
    for satisfied, basic, unsatisfied, unknown, _ in tally.totals:
        tally.satisfied += satisfied
        tally.basic += basic
        tally.unsatisfied += unsatisfied
        tally.unknown += unknown


def _survey_schema(sheet: SheetData, schemas_: tuple[Any, Any]) -> Any | None:
    """The layout whose header matches more columns: counts per unit, or votes."""
    matches = [
        (len(found[1]), schema)
        for schema in schemas_
        if (found := find_header(sheet, schema))
    ]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def _no_survey_header(where: Where, sheet: str) -> Issue:
    return where.issue(
        Code.HEADER_NOT_FOUND,
        sheet=sheet,
        detail="被评单位、评价 或 被评单位、满意、基本满意、不满意",
    )


def _public_sheets(
    path: Path, where: Where, issues: list[Issue]
) -> list[tuple[str, Any]]:
    """The sheets of an .xlsx survey, read whole (the reader's limits bound them)."""
    try:
        book = read_workbook(path)
    except ReadError as exc:
        issues.append(where.issue(Code.FILE_UNREADABLE, detail=str(exc)))
        return []
    return [
        (n, s)
        for n, s in book.sheets.items()
        if not n.startswith("_") and n != "填报说明"
    ]


def _tally_sheet(
    sheet: SheetData,
    schema: Any,
    campaign: Campaign,
    tallies: dict[str, PublicTally],
    where: Where,
    issues: list[Issue],
    name: str,
) -> None:
    """Tally an .xlsx survey sheet: the table ``read_table`` reads (up to the first
    blank row), each row checked by ``read_row``; a row repeating a problem-free row
    (the same cells: value, number format, formula) is not checked again."""
    assert not schema.key and schema.raw.get("x-rows") != "free"  # noqa: S101
    header_row = find_header(sheet, schema)[0]  # type: ignore[index]
    top = SheetData(
        name=sheet.name, rows={r: c for r, c in sheet.rows.items() if r <= header_row}
    )
    table = read_table(top, schema, where, issues)  # the header's own problems
    if table is None:
        return
    columns = table.columns
    letters = [(c, column_letter(col)) for c, col in columns.items()]
    clean: dict[tuple[Any, ...], TableRow] = {}
    for r in range(header_row + 1, sheet.max_row + 1):
        cells = {c: sheet.cell(r, col) for c, col in columns.items()}
        key = tuple(
            None if x is None else (x.value, x.number_format, x.formula)
            for x in cells.values()
        )
        same = clean.get(key)
        if same is not None:
            row = _same_row(same, r, letters)
        else:
            if all(_blank(x) for x in cells.values()):
                break  # the table ends at the first blank row
            before = len(issues)
            row = read_row(r, cells, columns, schema, where, sheet.name, issues)
            if len(issues) == before and not row.invalid and len(clean) < CSV_MEMO:
                clean[key] = row
        _tally_row(row, schema, sheet.name, campaign, tallies, where, issues, name)


def _same_row(same: TableRow, r: int, letters: list[tuple[str, str]]) -> TableRow:
    """Row ``r``, whose cells are those of the problem-free row ``same``."""
    return TableRow(
        r, dict(same.values), {c: f"{letter}{r}" for c, letter in letters}, dict(same.raw)
    )


CSV_CHUNK = 1 << 16  # characters decoded at a time when finding a CSV's encoding
CSV_MEMO = 10_000  # distinct problem-free rows kept to read repeated rows at once


def _csv_encoding(path: Path) -> str | None:
    """UTF-8 (with or without BOM) or GBK/GB18030, checked over the whole file a chunk
    at a time; None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                while handle.read(CSV_CHUNK):
                    pass
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def _read_public_csv(
    path: Path,
    name: str,
    schemas_: tuple[Any, Any],
    campaign: Campaign,
    tallies: dict[str, PublicTally],
    issues: list[Issue],
) -> None:
    """Tally a CSV survey row by row, in bounded memory: only the first rows (where the
    header is looked for) are kept. The table is what ``read_table`` reads from the
    whole sheet: the header among the first rows, then every row up to the first blank
    one, each row checked by ``read_row``. A file that turns out broken half-way counts
    for nothing, as when it was read whole."""
    where = Where(file=name)
    encoding = _csv_encoding(path)
    if encoding is None:
        issues.append(
            where.issue(
                Code.FILE_UNREADABLE, detail="CSV 编码无法识别，请保存为 UTF-8 或 GBK"
            )
        )
        return
    found: list[Issue] = []
    mine: dict[str, PublicTally] = {}
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            _tally_csv(reader, name, where, schemas_, campaign, mine, found)
        except csv.Error:  # a field over csv's limit (131,072 characters), a NUL byte…
            issues.append(
                where.issue(
                    Code.FILE_UNREADABLE,
                    detail=f"CSV 第 {reader.line_num} 行格式异常（字段过长或含有非法字符），不是正常的测评数据，整个文件未采用",
                )
            )
            return
    issues.extend(found)
    for code, tally in mine.items():
        _merge_tally(tallies.setdefault(code, PublicTally()), tally)


def _tally_csv(
    reader: Iterator[list[str]],
    name: str,
    where: Where,
    schemas_: tuple[Any, Any],
    campaign: Campaign,
    tallies: dict[str, PublicTally],
    issues: list[Issue],
) -> None:
    records = enumerate(reader, start=1)
    head = SheetData(name="CSV")
    kept: list[tuple[int, list[str]]] = []
    for r, record in records:
        head.rows[r] = _csv_cells(r, record)
        kept.append((r, record))
        if r >= HEADER_SCAN_ROWS:
            break
    schema = _survey_schema(head, schemas_)
    if schema is None:
        issues.append(_no_survey_header(where, "CSV"))
        for _ in records:  # a broken line further down still makes the file unreadable
            pass
        return
    # both layouts are read up to the first blank row (no key column): so can a stream
    assert not schema.key and schema.raw.get("x-rows") != "free"  # noqa: S101
    header_row = find_header(head, schema)[0]  # type: ignore[index]
    # the header's own problems (renamed, missing, extra columns): the sheet cut below it
    top = SheetData(name="CSV", rows={r: head.rows[r] for r in range(1, header_row + 1)})
    table = read_table(top, schema, where, issues)
    if table is None:
        return
    columns = list(table.columns.items())
    letters = [(c, column_letter(col)) for c, col in columns]
    # a survey repeats the same few rows (unit, channel, answer) thousands of times: a
    # row read without any problem is read the same wherever it stands
    clean: dict[tuple[str, ...], TableRow] = {}
    ended = False
    below = ((r, rec) for r, rec in kept if r > header_row)
    for r, record in itertools.chain(below, records):
        if ended:
            continue  # read on: a broken line below the table still counts
        texts = tuple(record[col - 1] if col <= len(record) else "" for _, col in columns)
        same = clean.get(texts)
        if same is not None:
            row = _same_row(same, r, letters)
        else:
            values = {
                c: RawCell(_csv_value(text), "", r, col) if text.strip() else None
                for (c, col), text in zip(columns, texts, strict=True)
            }
            if all(v is None for v in values.values()):
                ended = True  # the table ends at the first blank row
                continue
            before = len(issues)
            row = read_row(r, values, dict(columns), schema, where, "CSV", issues)
            if len(issues) == before and not row.invalid and len(clean) < CSV_MEMO:
                clean[texts] = row
        _tally_row(row, schema, "CSV", campaign, tallies, where, issues, name)


def _csv_cells(r: int, record: list[str]) -> dict[int, RawCell]:
    return {
        c: RawCell(_csv_value(v), "", r, c)
        for c, v in enumerate(record, start=1)
        if v.strip()
    }


def _merge_tally(into: PublicTally, tally: PublicTally) -> None:
    into.satisfied += tally.satisfied
    into.basic += tally.basic
    into.unsatisfied += tally.unsatisfied
    into.unknown += tally.unknown
    into.sources += [s for s in tally.sources if s not in into.sources]
    into.excluded += tally.excluded
    into.by_channel = into.by_channel or tally.by_channel
    into.totals += tally.totals


def _csv_value(text: str) -> Any:
    """CSV has no types: a plain number is a number, not text typed into a number cell."""
    stripped = text.strip()
    # a count has at most a few digits; thousands of digits stay text (and are refused
    # as "not a whole number" like any other text in a count)
    if stripped.isdigit() and len(stripped) <= 15:
        return int(stripped)
    return text


def _tally_row(
    row: Any,
    schema: Any,
    sheet: str,
    campaign: Campaign,
    tallies: dict[str, PublicTally],
    where: Where,
    issues: list[Issue],
    file: str,
) -> None:
    v = row.values
    name = v.get("unit")
    if name is None:
        return
    unit = campaign.unit_by_name(name) or campaign.units.get(name)
    if unit is None:
        # a survey file is typed or exported by hand, without a dropdown
        issues.append(
            where.issue(
                Code.PUBLIC_UNIT_UNKNOWN,
                sheet=sheet,
                cell=row.cell("unit"),
                field=schema.column("unit").title,
                value=name,
                detail=did_you_mean(name, [u.name for u in campaign.units.values()]),
            )
        )
        return
    tally = tallies.setdefault(unit.code, PublicTally())
    if row.invalid:  # a value judged 错误 is never used: the whole row is left out
        tally.excluded.append(f"{file} {sheet} 第 {row.row} 行")
        return
    if schema.schema_id == "public_responses":
        if "answer" not in v:
            return
        attr = {
            "满意": "satisfied",
            "基本满意": "basic",
            "不满意": "unsatisfied",
            "不了解": "unknown",
        }[v["answer"]]
        setattr(tally, attr, getattr(tally, attr) + 1)
        tally.by_channel = True
    elif v.get("channel") == "合计":
        counts = [
            int(v.get(a, 0)) for a in ("satisfied", "basic", "unsatisfied", "unknown")
        ]
        tally.totals.append((*counts, f"{file} {sheet} 第 {row.row} 行"))  # type: ignore[arg-type]
    else:
        for attr in ("satisfied", "basic", "unsatisfied", "unknown"):
            setattr(tally, attr, getattr(tally, attr) + int(v.get(attr, 0)))
        tally.by_channel = True
    if file not in tally.sources:
        tally.sources.append(file)
