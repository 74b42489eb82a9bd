"""`siyi score`: gather the four evaluation sources and the adjustments, score, write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx import schema as schemas
from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.compute.scoring import (
    CAP_GOOD,
    ROUNDING,
    Adjustment,
    Excluded,
    RaterScore,
    SourceScore,
    UnitScore,
    exact,
    plain,
    public_score,
    r2,
    rater_mean,
    score_units,
    sensitivity,
    show,
    trim,
)
from siyi_xlsx.errors import Code, Issue, Report
from siyi_xlsx.folders import year_files
from siyi_xlsx.period import period_end
from siyi_xlsx.read.evaluations import (
    EVALUATIONS_DIR,
    PUBLIC_DIR,
    EvalConfig,
    load_eval_config,
    read_ballots,
    read_public,
    typed_decimal,
)
from siyi_xlsx.read.master import Campaign, Unit
from siyi_xlsx.read.tables import Where
from siyi_xlsx.statuses import FileStatus, ReturnStatus


@dataclass
class ScoreResult:
    campaign: Campaign
    config: EvalConfig
    units: list[UnitScore]
    ranks_without: dict[str, dict[str, int]]
    issues: list[Issue] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    interim: bool = False  # the period is not the year's last: 阶段性结果

    @property
    def errors(self) -> int:
        return Report.of(self.issues).errors


def self_source(
    sub: Any, campaign: Campaign, unit: Unit, unusable: bool = False
) -> SourceScore:
    """部门自评 = 100 × Σ valid self scores ÷ Σ points, if the booklet is signed;
    ``unusable``: the unit sent files, none of which could be used."""
    if sub is None and unusable:
        return SourceScore(
            None, "报送的填报表无法采用（被退回，见校验报告），没有可用的考评册"
        )
    if sub is None:
        return SourceScore(None, "未报送填报表（含考评册）")
    if "unit_evaluation" not in sub.tables:
        return SourceScore(None, "考评册缺失或无法读取")

    unsigned = [
        c.title
        for c in schemas.load("unit_evaluation").form
        if sub.form.get(c.name, (None, ""))[0] is None
    ]
    if unsigned:
        return SourceScore(None, "考评册未签字确认（缺：" + "、".join(unsigned) + "）")
    indicators = campaign.indicators_for(unit)
    total_points = sum((typed_decimal(i.points) for i in indicators), Decimal(0))
    got, notes = Decimal(0), []
    for indicator in indicators:
        row = sub.evaluation.get(indicator.code)
        score = row.values.get("self_score") if row else None
        if score is None:
            notes.append(f"{indicator.code} 未填或有误，计 0 分")
            continue
        if indicator.evidence_required and not row.values.get("explanation"):
            notes.append(f"{indicator.code} 需佐证而未写佐证，计 0 分")
            continue
        got += typed_decimal(score)
    if total_points <= 0:
        return SourceScore(None, "没有适用的考评指标")
    value = r2(100 * exact(got) / exact(total_points))
    basis = (
        f"自评分合计 {plain(got)} ÷ 分值合计 {plain(total_points)} × 100 = {show(value)}"
    )
    return SourceScore(value, basis + ("（" + "；".join(notes) + "）" if notes else ""))


def rater_source(
    ballots: list[Any], kind: str, unit: Unit, trim_above: int
) -> SourceScore:
    """专班小组 / 战线领导评价: the mean of the usable ballots' printed scores for the
    unit, trimmed above ``trim_above`` raters; the ballots left out are listed."""
    usable = [
        RaterScore(b.signed_by, b.evaluator_name, b.file, *b.scores[unit.code])
        for b in ballots
        if b.used and b.kind == kind and unit.code in b.scores
    ]
    excluded = tuple(
        Excluded(
            b.signed_by,
            b.evaluator_name,
            b.file,
            b.reason or b.incomplete.get(unit.code, ""),
        )
        for b in ballots
        if b.kind == kind
        and unit.code in b.units
        and not (b.used and unit.code in b.scores)
    )
    left_out = f"；{len(excluded)} 份评分表未采用（见下面各行）" if excluded else ""
    if not usable:
        return SourceScore(None, "没有有效的评分表" + left_out, (), excluded)
    raters = trim(usable, trim_above)
    value = rater_mean(raters)
    kept = [r for r in raters if not r.dropped]
    how = f"{len(usable)} 份有效评分表"
    if len(kept) < len(usable):
        high = next(r for r in raters if r.dropped == "去掉最高分")
        low = next(r for r in raters if r.dropped == "去掉最低分")
        how += (
            f"，多于 {trim_above} 份，去掉最高分 {show(high.score)}（{high.who}）"
            f"和最低分 {show(low.score)}（{low.who}）"
        )
    sums = " + ".join(show(r.score) for r in kept)
    formula = f"({sums}) ÷ {len(kept)} = {show(value)}" if len(kept) > 1 else f"{sums}"
    return SourceScore(value, f"{how}：{formula}{left_out}", tuple(raters), excluded)


def public_source(tally: Any, config: EvalConfig) -> SourceScore:
    excluded = (
        f"；{len(tally.excluded)} 行有错误未计入（{'、'.join(tally.excluded[:5])}{'等' if len(tally.excluded) > 5 else ''}）"
        if tally is not None and tally.excluded
        else ""
    )
    if tally is None or tally.valid == 0:
        return SourceScore(None, "没有群众测评数据" + excluded)
    text = f"满意 {tally.satisfied}、基本满意 {tally.basic}、不满意 {tally.unsatisfied} 票（不了解 {tally.unknown} 票不计）{excluded}"
    if tally.valid < config.min_public:
        return SourceScore(
            None, f"有效票 {tally.valid} 张，少于 {config.min_public} 张：{text}"
        )
    p = config.answer_points
    value = public_score(tally.satisfied, tally.basic, tally.unsatisfied, p)
    formula = f"({tally.satisfied}×{p['满意']:g}+{tally.basic}×{p['基本满意']:g}+{tally.unsatisfied}×{p['不满意']:g})÷{tally.valid} = {show(value)}"
    return SourceScore(value, f"{formula}；{text}")


def ineligibility(
    unit: Unit,
    sub: Any,
    config: EvalConfig,
    analysis: Analysis,
    unusable: bool = False,
) -> list[str]:
    """Why the unit cannot be 优秀 under 未报送单位不得评优 (the source count is checked
    with the scores): no 考评册 in this period, or a period of the year not returned."""
    if not config.require_returns:
        return []
    s = analysis.campaign.settings
    reasons = []
    if sub is None and unusable:
        reasons.append(f"本期（{s.period}）报送的填报表无法采用，没有可用的考评册")
    elif sub is None:
        reasons.append(f"本期（{s.period}）未报送填报表和考评册")
    elif "unit_evaluation" not in sub.tables:
        reasons.append(f"本期（{s.period}）填报表中没有可用的考评册")
    missed = [
        tables.period
        for tables in analysis.previous
        if (end := period_end(tables.period)) is not None
        and end.year == s.year
        and any(
            r.get("code") == unit.code and r.get("status") == ReturnStatus.MISSING
            for r in tables.units
        )
    ]
    if missed:
        reasons.append(f"本年度 {'、'.join(missed)} 未报送")
    return reasons


def adjustments_for(
    unit: Unit, config: EvalConfig, tasks: pd.DataFrame, milestones: pd.DataFrame
) -> list[Adjustment]:
    found = []
    mine = tasks[tasks["lead_unit"] == unit.name] if not tasks.empty else tasks
    for rule in config.rules:
        if rule.source in ("严重滞后任务", "滞后任务"):
            # a 未报送 task counts as its nodes' dates say (dated_status), not as 未报送
            status = "dated_status" if "dated_status" in mine else "status"
            ids = (
                list(mine[mine[status] == rule.source.removesuffix("任务")]["task_id"])
                if not mine.empty
                else []
            )
            times, evidence = len(ids), "汇总台账：" + "、".join(ids)
        elif rule.source == "逾期节点":
            rows = (
                milestones[
                    (milestones["lead_unit"] == unit.name)
                    & (milestones["overdue_days"] > 0)
                ]
                if not milestones.empty
                else milestones
            )
            labels = [f"{r.task_id}第{r.seq}节点" for r in rows.itertuples()]
            times, evidence = len(labels), "节点明细：" + "、".join(labels)
        else:
            entries = [
                e for e in config.entries if e.unit == unit.code and e.rule == rule.code
            ]
            times = sum(e.times for e in entries)
            evidence = "；".join(f"{e.cell} {e.reason}" for e in entries)
        if times:
            found.append(
                Adjustment(
                    rule.code,
                    rule.name,
                    rule.sign,
                    times,
                    rule.points,
                    rule.cap,
                    evidence,
                )
            )
    return found


def _absent(folder: Path, year: int) -> str:
    """Why a source has no data: an empty folder, or files none of which could be used."""
    count = len(year_files(folder, year))
    if not count:
        return f"{folder.name}/ 文件夹中没有 {year} 年度的文件"
    return f"{folder.name}/ 中的 {count} 个文件均未采用，原因见各文件的问题"


def compute(folder: Path, run_result: Analysis) -> ScoreResult:
    """Everything `siyi score` needs, without writing: the period's analysis plus the
    ballots in evaluations/ and the public survey in public/ of ``folder``."""
    tasks, milestones = run_result.tasks, run_result.milestones
    campaign = run_result.campaign
    issues: list[Issue] = []
    config = load_eval_config(campaign, issues)
    ballots, ballot_issues = read_ballots(folder / EVALUATIONS_DIR, campaign)
    tallies, public_issues = read_public(folder / PUBLIC_DIR, campaign)
    issues += ballot_issues + public_issues
    where = Where(file="", unit="领导小组办公室")
    if not any(b.used for b in ballots):
        issues.append(
            where.issue(
                Code.EVAL_INPUT_ABSENT,
                value="专班小组评价和战线领导评价",
                detail=_absent(folder / EVALUATIONS_DIR, campaign.settings.year),
            )
        )
    if not tallies:
        issues.append(
            where.issue(
                Code.EVAL_INPUT_ABSENT,
                value="群众测评",
                detail=_absent(folder / PUBLIC_DIR, campaign.settings.year),
            )
        )
    accepted = {
        s.unit.code: s
        for s in run_result.submissions
        if s.status == FileStatus.ACCEPTED and s.unit
    }
    # units whose files all came back unusable (damaged, another period…): they did send
    unusable = {
        s.unit.code
        for s in run_result.submissions
        if s.unit and s.unit.code not in accepted and s.status == FileStatus.REJECTED
    }
    rows = []
    for unit in campaign.lead_units():
        sources = {
            "self": self_source(
                accepted.get(unit.code), campaign, unit, unit.code in unusable
            ),
            "team": rater_source(ballots, "team", unit, config.trim_above),
            "public": public_source(tallies.get(unit.code), config),
            "leader": rater_source(ballots, "leader", unit, config.trim_above),
        }
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "kind": unit.kind,
                "group": unit.group,
                "sources": sources,
                "adjustments": adjustments_for(unit, config, tasks, milestones),
                "ineligible": ineligibility(
                    unit,
                    accepted.get(unit.code),
                    config,
                    run_result,
                    unit.code in unusable,
                ),
            }
        )
    for unit in campaign.lead_units():
        tally = tallies.get(unit.code)
        if tally is not None and 0 < tally.valid < config.min_public:
            issues.append(
                Where(file="、".join(tally.sources), unit=unit.name).issue(
                    Code.PUBLIC_TOO_FEW,
                    value=unit.name,
                    detail=f"{tally.valid} 张（最少 {config.min_public} 张）",
                )
            )
        if tally is not None and tally.excluded:
            issues.append(
                Where(file="、".join(tally.sources), unit=unit.name).issue(
                    Code.PUBLIC_ROW_EXCLUDED, value=unit.name, detail=len(tally.excluded)
                )
            )
    s = campaign.settings
    year_end = dt.date(s.year, 12, 31)
    interim = s.as_of < year_end  # the data stop before the year ends
    if interim:
        issues.append(
            where.issue(
                Code.SCORE_INTERIM,
                value=s.period,
                detail=f"数据截止日期 {s.as_of.isoformat()}，年度截止 {year_end.isoformat()}",
            )
        )
    units = score_units(
        rows,
        config.weights,
        config.reweight_missing,
        config.bands,
        config.excellent_quota,
        config.rank_separately,
        config.ineligible_policy,
        config.min_sources,
    )
    ranks = sensitivity(units, config.reweight_missing, config.rank_separately)
    return ScoreResult(campaign, config, units, ranks, issues, interim=interim)


def scoring_rules(cfg: EvalConfig) -> list[tuple[str, str]]:
    """Every scoring rule as configured, in the words of the README's 计分规则 and the
    说明 sheet of 考评结果.xlsx (a test holds the README to the defaults' wording)."""
    w, p = cfg.weights, cfg.answer_points
    policy = (
        "参加排名，等次最高评为良好（得分低于良好分数线的照常评为一般或较差），不占优秀名额"
        if cfg.ineligible_policy == CAP_GOOD
        else "不参加排名，不评定等次（公示表单独列出）"
    )
    conditions = [f"有得分的评价来源少于 {cfg.min_sources} 个"]
    if cfg.require_returns:
        conditions.append(
            "本期未报送考评册，或本年度有任何一期未报送（以 siyi.sqlite 中本年度各期最后一次运行的报送情况为准）"
        )
    rules = [
        (
            "参加考评的单位",
            "任务总表中至少牵头一项任务的单位参加考评；只作配合单位的不参加。",
        ),
        (
            "评价来源和权重",
            f"部门自评 {w['self']:g}%、专班小组评价 {w['team']:g}%、群众测评 {w['public']:g}%、"
            f"战线领导综合评价 {w['leader']:g}%（合计 100%）；权重为 0 的来源不计分，也不计入来源数。",
        ),
        (
            "部门自评",
            "考评册自评分合计 ÷ 适用指标分值合计 × 100。考评册须由单位主要负责人和战线领导签字确认，"
            "否则部门自评按缺失处理；未填或有误的自评分计 0 分；需佐证而未写佐证的指标计 0 分，其分值仍计入分值合计。",
        ),
        (
            "评分表",
            "每份评分表对一个单位的得分 = 该单位各指标评分之和 ÷ 分值之和 × 100。对某单位打分不完整或有误的评分表，"
            "不计入该单位，其他单位照常计入。打分完整的单位有两个及以上、且这些单位的得分完全相同的评分表为无效票，整份不计入；"
            "打分完整的单位只有一个（包括只评一个单位）的评分表不存在“所有单位同分”，照常有效。同一评分人报送多份时只采用最新的一份；"
            "未签名的评分表各算一份，内容完全相同的只算一份。",
        ),
        (
            "专班小组 / 战线领导评价",
            f"该单位可用评分表得分的平均值。可用于该单位的评分表多于 {cfg.trim_above} 份时，去掉一个最高分和一个最低分后平均"
            "（同分时按评分人姓名、文件名排序，去掉最前面的最低分和最后面的最高分），否则直接平均；"
            "一个单位属于多个专班的，各专班的评分表合在一起算。",
        ),
        (
            "群众测评",
            f"(满意票×{p['满意']:g} + 基本满意票×{p['基本满意']:g} + 不满意票×{p['不满意']:g}) ÷ 有效票；"
            f"“不了解”不计入有效票；有效票少于 {cfg.min_public} 张按缺失处理；"
            "文件中含错误的行（单位不认识、渠道或评价不在列表中、票数不是整数等）整行不计入。"
            "按单位汇总的文件中，渠道为“合计”的行只在该单位没有分渠道的票数（含逐票）时计入，否则不计入并提醒，避免重复计票；渠道可以不填。",
        ),
        (
            "来源缺失",
            "按其余来源的权重折算：各来源折算得分 = 来源得分 × 规定权重 ÷ 现有来源规定权重之和。"
            if cfg.reweight_missing
            else "缺失来源按 0 分计：各来源折算得分 = 来源得分 × 规定权重 ÷ 100，缺失来源为 0。",
        ),
        (
            "加减分",
            "计算方式为“严重滞后任务”“滞后任务”“逾期节点”的，按本期汇总台账自动计数（汇总台账中状态为“未报送”的任务，按节点日期判定、节点按未完成计，不因未报送而少扣分）；为“办公室登记”的，按“加减分登记”表计数，"
            "只计登记日期在考评年度 1 月 1 日至数据截止日期之间的登记（日期在此之外或未填日期的不计入）。"
            "每项加减分 = min(次数 × 每次分值, 上限)。本次规则："
            + (
                "；".join(
                    f"{r.code} {r.name}：{r.direction} {r.points:g} 分/次，上限 {r.cap:g} 分（{r.source}）"
                    for r in cfg.rules
                )
                or "无"
            )
            + "。",
        ),
        (
            "最终得分",
            "加权得分 = 各来源折算得分之和；最终得分 = 加权得分 + 加分 − 减分，不低于 0。",
        ),
        ("保留小数", ROUNDING),
        (
            "排名",
            (
                "区直部门为一组，乡镇和街道合为“乡镇街道”一组，共两组，分别排名"
                if cfg.rank_separately
                else "全部单位统一排名"
            )
            + "；得分相同名次相同，下一名次顺延（如 1、2、2、4）。无法评定和不予评定的单位不参加排名。",
        ),
        (
            "等次",
            f"按最终得分：优秀 ≥ {cfg.bands[0]:g}，良好 ≥ {cfg.bands[1]:g}，一般 ≥ {cfg.bands[2]:g}，其余为较差。",
        ),
        (
            "评优条件",
            "有下列情形之一的单位不符合评优条件："
            + "；".join(conditions)
            + f"。这样的单位{policy}。",
        ),
        (
            "优秀比例",
            f"每组优秀不超过 {cfg.excellent_quota:g}%：名额 = ⌊{cfg.excellent_quota:g}% × 本组参加排名的单位数⌋（向下取整）；"
            "在达到优秀分数线且符合评优条件的单位中按得分从高到低授予；并列跨越名额时并列单位均评为良好，其后的单位也不再授予，确保不超比例。",
        ),
        (
            "无法评定",
            "没有任何可用评价来源的单位无法评定，不参加排名。",
        ),
        (
            "阶段性结果",
            "本期数据截止日期早于考评年度 12 月 31 日时，结果只是阶段性结果：公示表标题注明“阶段性结果”，siyi score 给出提醒。",
        ),
    ]
    return rules
