"""`siyi score`: gather the four evaluation sources and the adjustments, score, write."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siyi_xlsx import schema as schemas
from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.compute.scoring import (
    Adjustment,
    SourceScore,
    UnitScore,
    public_score,
    score_units,
    sensitivity,
    trimmed_mean,
)
from siyi_xlsx.errors import Code, Issue, Report
from siyi_xlsx.read.evaluations import (
    EVALUATIONS_DIR,
    PUBLIC_DIR,
    EvalConfig,
    load_eval_config,
    read_ballots,
    read_public,
)
from siyi_xlsx.read.master import Campaign, Unit
from siyi_xlsx.read.tables import Where
from siyi_xlsx.statuses import FileStatus


@dataclass
class ScoreResult:
    campaign: Campaign
    config: EvalConfig
    units: list[UnitScore]
    ranks_without: dict[str, dict[str, int]]
    issues: list[Issue] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return Report.of(self.issues).errors


def self_source(sub: Any, campaign: Campaign, unit: Unit) -> SourceScore:
    """部门自评 = Σ valid self scores ÷ Σ points × 100, if the booklet is signed."""
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
    total_points = sum(i.points for i in indicators)
    got, notes = 0.0, []
    for indicator in indicators:
        row = sub.evaluation.get(indicator.code)
        score = row.values.get("self_score") if row else None
        if score is None:
            notes.append(f"{indicator.code} 未填或有误不计分")
            continue
        if indicator.evidence_required and not row.values.get("explanation"):
            notes.append(f"{indicator.code} 缺佐证不计分")
            continue
        got += float(score)
    if total_points <= 0:
        return SourceScore(None, "没有适用的考评指标")
    basis = f"自评分合计 {got:g} ÷ 分值合计 {total_points:g} × 100"
    return SourceScore(
        100 * got / total_points,
        basis + ("（" + "；".join(notes) + "）" if notes else ""),
    )


def rater_source(
    ballots: list[Any], kind: str, unit: Unit, trim_above: int
) -> SourceScore:
    scores = [
        (b.scores[unit.code], b)
        for b in ballots
        if b.used and b.kind == kind and unit.code in b.scores
    ]
    if not scores:
        return SourceScore(None, "没有有效的评分表")
    value, how = trimmed_mean([s for s, _ in scores], trim_above)
    listed = "、".join(f"{s:.2f}" for s, _ in sorted(scores, key=lambda x: -x[0]))
    return SourceScore(value, f"{how}（{listed}）")


def public_source(tally: Any, config: EvalConfig) -> SourceScore:
    if tally is None or tally.valid == 0:
        return SourceScore(None, "没有群众测评数据")
    text = f"满意 {tally.satisfied}、基本满意 {tally.basic}、不满意 {tally.unsatisfied} 票（不了解 {tally.unknown} 票不计）"
    if tally.valid < config.min_public:
        return SourceScore(
            None, f"有效票 {tally.valid} 张，少于 {config.min_public} 张：{text}"
        )
    p = config.answer_points
    value = public_score(tally.satisfied, tally.basic, tally.unsatisfied, p)
    formula = f"({tally.satisfied}×{p['满意']:g}+{tally.basic}×{p['基本满意']:g}+{tally.unsatisfied}×{p['不满意']:g})÷{tally.valid}"
    return SourceScore(value, f"{formula}；{text}")


def adjustments_for(
    unit: Unit, config: EvalConfig, tasks: pd.DataFrame, milestones: pd.DataFrame
) -> list[Adjustment]:
    found = []
    mine = tasks[tasks["lead_unit"] == unit.name] if not tasks.empty else tasks
    for rule in config.rules:
        if rule.source in ("严重滞后任务", "滞后任务"):
            ids = (
                list(mine[mine["status"] == rule.source.removesuffix("任务")]["task_id"])
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
                detail=f"{EVALUATIONS_DIR}/",
            )
        )
    if not tallies:
        issues.append(
            where.issue(Code.EVAL_INPUT_ABSENT, value="群众测评", detail=f"{PUBLIC_DIR}/")
        )
    accepted = {
        s.unit.code: s
        for s in run_result.submissions
        if s.status == FileStatus.ACCEPTED and s.unit
    }
    rows = []
    for unit in campaign.lead_units():
        sources = {
            "self": self_source(accepted.get(unit.code), campaign, unit),
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
    units = score_units(
        rows,
        config.weights,
        config.reweight_missing,
        config.bands,
        config.excellent_quota,
        config.rank_separately,
    )
    ranks = sensitivity(units, config.reweight_missing, config.rank_separately)
    return ScoreResult(campaign, config, units, ranks, issues)
