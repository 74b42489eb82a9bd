"""Year-end scores: four sources, weights, bonuses and deductions, ranks and grades.

Pure functions on plain data, so each formula can be checked by hand:

* source score (0–100): 部门自评 = Σ自评分 ÷ Σ分值 × 100; 专班小组 / 战线领导 = mean of the
  raters' scores (each rater: Σ评分 ÷ Σ分值 × 100), dropping one highest and one lowest
  when there are more than ``trim_above`` raters; 群众测评 = Σ(票数 × 计分) ÷ 有效票.
* weighted = Σ weight × score ÷ 100. A missing source either scores 0, or its weight is
  spread over the present sources (weighted = Σ weight × score ÷ Σ present weights).
* final = weighted + Σ bonuses − Σ deductions, each rule capped, never below 0;
  everything rounded to 2 decimals before ranking.
* rank: within 区直部门 / 乡镇街道 (or all units); ties share a rank, the next is skipped.
* grade: by score bands; 优秀 at most ⌊quota × units in the group⌋ — when a tie would
  cross the quota, all tied units drop to 良好, so the quota is never exceeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SOURCES = (
    ("self", "部门自评"),
    ("team", "专班小组评价"),
    ("public", "群众测评"),
    ("leader", "战线领导评价"),
)
SOURCE_LABEL = dict(SOURCES)


@dataclass(frozen=True)
class SourceScore:
    value: float | None  # None = missing
    basis: str  # how it was obtained, or why it is missing


@dataclass(frozen=True)
class Adjustment:
    code: str
    name: str
    sign: int  # +1 bonus, -1 deduction
    times: int
    points: float  # per time
    cap: float
    evidence: str  # the rows that caused it

    @property
    def amount(self) -> float:
        return min(self.times * self.points, self.cap)


@dataclass
class UnitScore:
    code: str
    name: str
    kind: str
    group: str
    sources: dict[str, SourceScore]
    weights: dict[str, float]
    effective: dict[str, float] = field(default_factory=dict)  # weight actually applied
    contribution: dict[str, float] = field(default_factory=dict)
    weighted: float = 0.0
    adjustments: list[Adjustment] = field(default_factory=list)
    bonus: float = 0.0
    deduction: float = 0.0
    final: float = 0.0
    rank: int = 0
    band: str = ""
    grade: str = ""
    note: str = ""
    rated: bool = True  # False when no source at all could be scored: 无法评定


def trimmed_mean(values: list[float], trim_above: int) -> tuple[float, str]:
    """Mean of the raters' scores; drop one highest and one lowest above ``trim_above`` raters."""
    ordered = sorted(values)
    if len(ordered) > trim_above:
        kept = ordered[1:-1]
        return (
            sum(kept) / len(kept),
            f"{len(values)} 人评分，去掉最高 {ordered[-1]:.2f}、最低 {ordered[0]:.2f} 后取平均",
        )
    return sum(ordered) / len(ordered), f"{len(values)} 人评分取平均"


def public_score(
    satisfied: int, basic: int, unsatisfied: int, points: dict[str, float]
) -> float | None:
    valid = satisfied + basic + unsatisfied
    if valid == 0:
        return None
    return (
        satisfied * points["满意"]
        + basic * points["基本满意"]
        + unsatisfied * points["不满意"]
    ) / valid


def weigh(unit: UnitScore, reweight_missing: bool) -> None:
    """Fill effective weights, contributions and the weighted total."""
    present = {s: w for s, w in unit.weights.items() if unit.sources[s].value is not None}
    base = sum(present.values())
    unit.effective, unit.contribution = {}, {}
    for source, weight in unit.weights.items():
        value = unit.sources[source].value
        if value is None:
            unit.effective[source] = 0.0 if reweight_missing else weight
            unit.contribution[source] = 0.0
            continue
        share = weight * 100 / base if reweight_missing and base > 0 else weight
        unit.effective[source] = share
        unit.contribution[source] = share * value / 100
    unit.weighted = round(sum(unit.contribution.values()), 2)
    missing = [SOURCE_LABEL[s] for s in unit.weights if unit.sources[s].value is None]
    unit.rated = bool(present)
    if not present:
        unit.note = "没有任何可用的评价来源，无法评定（不参加排名和等次）"
    elif missing:
        how = "按其余来源权重折算" if reweight_missing else "缺失来源按 0 分计"
        unit.note = f"缺少{'、'.join(missing)}，{how}"


def finish(unit: UnitScore) -> None:
    unit.bonus = round(sum(a.amount for a in unit.adjustments if a.sign > 0), 2)
    unit.deduction = round(sum(a.amount for a in unit.adjustments if a.sign < 0), 2)
    unit.final = round(max(0.0, unit.weighted + unit.bonus - unit.deduction), 2)


def band_of(score: float, bands: tuple[float, float, float]) -> str:
    excellent, good, fair = bands
    if score >= excellent:
        return "优秀"
    if score >= good:
        return "良好"
    if score >= fair:
        return "一般"
    return "较差"


def rank_and_grade(
    units: list[UnitScore],
    bands: tuple[float, float, float],
    quota_pct: float,
    separately: bool,
) -> None:
    """Competition ranks within each group, bands, then the 优秀 quota per group."""
    groups: dict[str, list[UnitScore]] = {}
    for unit in units:
        if not unit.rated:
            unit.rank, unit.band, unit.grade = 0, "", "无法评定"
            continue
        groups.setdefault(unit.group if separately else "全部单位", []).append(unit)
    for members in groups.values():
        for unit in members:
            unit.rank = 1 + sum(1 for other in members if other.final > unit.final)
            unit.band = band_of(unit.final, bands)
            unit.grade = unit.band
        places = math.floor(len(members) * quota_pct / 100 + 1e-9)
        candidates = sorted(
            (u for u in members if u.band == "优秀"), key=lambda u: -u.final
        )
        granted, closed = 0, False
        for score in sorted({u.final for u in candidates}, reverse=True):
            tied = [u for u in candidates if u.final == score]
            if not closed and granted + len(tied) <= places:
                granted += len(tied)
                continue
            closed = True  # nobody below a tie that did not fit is 优秀 either
            for unit in tied:
                unit.grade = "良好"
                extra = f"达到优秀分数线，但超出优秀比例（本组 {len(members)} 个单位，优秀最多 {places} 个）"
                unit.note = f"{unit.note}；{extra}" if unit.note else extra


def score_units(
    rows: list[dict[str, Any]],
    weights: dict[str, float],
    reweight_missing: bool,
    bands: tuple[float, float, float],
    quota_pct: float,
    separately: bool,
) -> list[UnitScore]:
    """Score units from plain rows: {code, name, kind, group, sources, adjustments}."""
    units = [
        UnitScore(
            r["code"],
            r["name"],
            r["kind"],
            r["group"],
            dict(r["sources"]),
            dict(weights),
            adjustments=list(r.get("adjustments", [])),
        )
        for r in rows
    ]
    for unit in units:
        weigh(unit, reweight_missing)
        finish(unit)
    rank_and_grade(units, bands, quota_pct, separately)
    return units


def sensitivity(
    units: list[UnitScore], reweight_missing: bool, separately: bool
) -> dict[str, dict[str, int]]:
    """Rank of each unit with each source removed in turn (its weight spread over the rest)."""
    rated = [u for u in units if u.rated]
    result: dict[str, dict[str, int]] = {u.code: {} for u in rated}
    for source, _label in SOURCES:
        clones = []
        for u in rated:
            weights = {s: w for s, w in u.weights.items() if s != source}
            clone = UnitScore(
                u.code,
                u.name,
                u.kind,
                u.group,
                {s: v for s, v in u.sources.items() if s != source},
                weights,
                adjustments=u.adjustments,
            )
            weigh(clone, True)
            finish(clone)
            clones.append(clone)
        groups: dict[str, list[UnitScore]] = {}
        for c in clones:
            if c.rated:  # with this source removed a unit may have nothing left
                groups.setdefault(c.group if separately else "全部单位", []).append(c)
        for members in groups.values():
            for c in members:
                result[c.code][source] = 1 + sum(1 for o in members if o.final > c.final)
    return result
