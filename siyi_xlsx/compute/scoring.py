"""Year-end scores: four sources, weights, bonuses and deductions, eligibility, ranks
and grades.

Pure functions on plain data, so each formula can be checked by hand. The arithmetic is
exact (fractions); each figure that is printed is rounded half up (四舍五入) once, and
the next step uses the printed figure — so a person with the printed figures and a
calculator reaches the printed final score, rank and grade (:data:`ROUNDING`):

* rater's score for a unit = 100 × Σ评分 ÷ Σ分值 → 2 decimals;
* source score (0–100) → 2 decimals: 部门自评 = 100 × Σ自评分 ÷ Σ分值; 专班小组 / 战线领导 =
  mean of the raters' printed scores, dropping one highest and one lowest when there are
  more than ``trim_above`` usable raters; 群众测评 = Σ(票数 × 计分) ÷ 有效票;
* each source's part = score × weight ÷ base → 4 decimals, where base = Σ weights of the
  present sources (按其余来源折算) or 100 (按0分计, a missing source's part is 0);
* weighted = Σ parts → 2 decimals; each adjustment = min(次数 × 分值, 上限) → 2 decimals;
* final = weighted + Σ bonuses − Σ deductions, never below 0.
* rank: within 区直部门 / 乡镇街道 (or all units); ties share a rank, the next is skipped.
* grade: by score bands; a unit that does not meet the eligibility rules (too few
  sources, no 考评册, a period not returned) is at most 良好 or not graded at all; 优秀 at
  most ⌊quota × ranked units in the group⌋ — when a tie would cross the quota, all tied
  units drop to 良好, so the quota is never exceeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

SOURCES = (
    ("self", "部门自评"),
    ("team", "专班小组评价"),
    ("public", "群众测评"),
    ("leader", "战线领导评价"),
)
SOURCE_LABEL = dict(SOURCES)
GRADES = ("优秀", "良好", "一般", "较差", "不予评定", "无法评定")

ROUNDING = (
    "每一步先精确计算，再四舍五入到打印的位数，下一步使用打印出来的数："
    "评分人对单位的得分、各来源得分、加权得分、每项加减分和最终得分保留 2 位小数，"
    "各来源折算得分保留 4 位小数；与分数线、优秀比例比较时用打印出来的最终得分。"
)

CAP_GOOD = "参加排名，最高评为良好"
NOT_GRADED = "不予评定等次"


def exact(value: Any) -> Fraction:
    """A number as an exact fraction; a float counts as the decimal it prints as."""
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value)
    return Fraction(Decimal(repr(float(value))))


def half_up(value: Any, places: int) -> Decimal:
    """``value`` rounded half up (四舍五入, away from zero) to ``places`` decimals."""
    scaled = exact(value) * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    sign = -1 if scaled < 0 else 1
    return Decimal(sign * whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def r2(value: Any) -> Decimal:
    return half_up(value, 2)


def r4(value: Any) -> Decimal:
    return half_up(value, 4)


def plain(value: Decimal) -> str:
    """A typed figure as typed: 60, 90.5 (no trailing zeros, no exponent)."""
    return f"{value.normalize():f}"


def show(value: Decimal | float | int, places: int = 2) -> str:
    """A figure as printed in the workbooks: fixed decimals."""
    return f"{half_up(value, places):.{places}f}"


@dataclass(frozen=True)
class RaterScore:
    """One usable ballot's score for one unit."""

    rater: str  # the rater's name, or 未签名（file）
    evaluator: str  # the special team or front leader the ballot was issued for
    file: str
    got: Decimal  # Σ评分
    points: Decimal  # Σ分值
    dropped: str = ""  # 去掉最高分 / 去掉最低分 (trimming)

    @property
    def score(self) -> Decimal:
        """100 × Σ评分 ÷ Σ分值, 2 decimals — the figure the source score averages."""
        return r2(100 * exact(self.got) / exact(self.points))

    @property
    def formula(self) -> str:
        return f"{plain(self.got)} ÷ 分值合计 {plain(self.points)} × 100 = {show(self.score)}"

    @property
    def who(self) -> str:
        return f"{self.rater}（{self.evaluator}）"


@dataclass(frozen=True)
class Excluded:
    """A ballot that covers the unit but was not used for it, and why."""

    rater: str
    evaluator: str
    file: str
    reason: str


@dataclass(frozen=True)
class SourceScore:
    value: Decimal | None  # 2 decimals; None = missing
    basis: str  # how it was obtained, or why it is missing
    raters: tuple[RaterScore, ...] = ()  # ballots used (team / leader)
    excluded: tuple[Excluded, ...] = ()  # ballots covering the unit, not used


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
    def amount(self) -> Decimal:
        """min(次数 × 分值, 上限), 2 decimals."""
        return r2(min(self.times * exact(self.points), exact(self.cap)))


@dataclass
class UnitScore:
    code: str
    name: str
    kind: str
    group: str
    sources: dict[str, SourceScore]
    weights: dict[str, float]
    base: Fraction = Fraction(100)  # the divisor of each part (Σ present weights or 100)
    contribution: dict[str, Decimal] = field(default_factory=dict)  # 4 decimals
    weighted: Decimal = Decimal(0)
    adjustments: list[Adjustment] = field(default_factory=list)
    bonus: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)
    final: Decimal = Decimal(0)
    rank: int = 0
    band: str = ""
    grade: str = ""
    note: str = ""  # missing sources and how they were treated
    rated: bool = True  # False when no source at all could be scored: 无法评定
    ineligible: list[str] = field(default_factory=list)  # why it cannot be 优秀
    eligibility_note: str = ""  # what the eligibility rules did to the grade
    quota_note: str = ""  # what the 优秀 quota did to the grade

    @property
    def present(self) -> list[str]:
        """The sources that count (weight above 0) and have a score."""
        return [
            s
            for s, w in self.weights.items()
            if w > 0 and self.sources[s].value is not None
        ]

    @property
    def ranked(self) -> bool:
        return self.rank > 0


def public_score(
    satisfied: int, basic: int, unsatisfied: int, points: dict[str, float]
) -> Decimal | None:
    """Σ(票数 × 计分) ÷ 有效票, 2 decimals; None without valid votes."""
    valid = satisfied + basic + unsatisfied
    if valid == 0:
        return None
    total = (
        satisfied * exact(points["满意"])
        + basic * exact(points["基本满意"])
        + unsatisfied * exact(points["不满意"])
    )
    return r2(total / valid)


def trim(raters: list[RaterScore], trim_above: int) -> list[RaterScore]:
    """The raters by score, with one highest and one lowest marked dropped when there
    are more than ``trim_above``. Equal scores are ordered by rater, then file: the
    first of the lowest and the last of the highest are the ones dropped."""
    ordered = sorted(raters, key=lambda r: (r.score, r.rater, r.file))
    if len(ordered) <= trim_above:
        return ordered
    low, high = ordered[0], ordered[-1]
    return [
        _with_drop(r, "去掉最低分")
        if r is low
        else _with_drop(r, "去掉最高分")
        if r is high
        else r
        for r in ordered
    ]


def _with_drop(rater: RaterScore, why: str) -> RaterScore:
    return RaterScore(
        rater.rater, rater.evaluator, rater.file, rater.got, rater.points, why
    )


def rater_mean(raters: list[RaterScore]) -> Decimal:
    """Mean of the kept raters' printed scores, 2 decimals."""
    kept = [r.score for r in raters if not r.dropped]
    return r2(sum(exact(s) for s in kept) / len(kept))


def weigh(unit: UnitScore, reweight_missing: bool) -> None:
    """Fill the divisor, each source's part (4 decimals) and the weighted score."""
    present = unit.present
    base = sum(exact(unit.weights[s]) for s in present) if reweight_missing else 100
    unit.rated = bool(present) and base > 0
    unit.base = Fraction(base)
    unit.contribution = {}
    for source, weight in unit.weights.items():
        value = unit.sources[source].value
        if value is None or not unit.rated:
            unit.contribution[source] = Decimal("0.0000")
            continue
        unit.contribution[source] = r4(exact(value) * exact(weight) / base)
    unit.weighted = r2(sum(exact(c) for c in unit.contribution.values()))
    missing = [
        SOURCE_LABEL[s] for s, w in unit.weights.items() if w > 0 and s not in present
    ]
    if not unit.rated:
        unit.note = "没有任何可用的评价来源，无法评定（不参加排名和等次）"
    elif missing:
        how = "按其余来源权重折算" if reweight_missing else "缺失来源按 0 分计"
        unit.note = f"缺少{'、'.join(missing)}，{how}"


def finish(unit: UnitScore) -> None:
    unit.bonus = r2(sum(exact(a.amount) for a in unit.adjustments if a.sign > 0))
    unit.deduction = r2(sum(exact(a.amount) for a in unit.adjustments if a.sign < 0))
    unit.final = max(Decimal("0.00"), r2(unit.weighted + unit.bonus - unit.deduction))


def band_of(score: Decimal, bands: tuple[float, float, float]) -> str:
    excellent, good, fair = (exact(b) for b in bands)
    value = exact(score)
    if value >= excellent:
        return "优秀"
    if value >= good:
        return "良好"
    if value >= fair:
        return "一般"
    return "较差"


def quota_places(members: int, quota_pct: float) -> int:
    """⌊比例 × 本组参加排名的单位数⌋, exactly."""
    return math.floor(members * exact(quota_pct) / 100)


def rank_and_grade(
    units: list[UnitScore],
    bands: tuple[float, float, float],
    quota_pct: float,
    separately: bool,
    ineligible_policy: str = CAP_GOOD,
) -> None:
    """Competition ranks within each group, bands, eligibility, then the 优秀 quota."""
    groups: dict[str, list[UnitScore]] = {}
    for unit in units:
        unit.rank, unit.band, unit.eligibility_note, unit.quota_note = 0, "", "", ""
        if not unit.rated:
            unit.grade = "无法评定"
            continue
        if unit.ineligible and ineligible_policy == NOT_GRADED:
            unit.grade = "不予评定"
            unit.eligibility_note = f"不符合评定条件（{'；'.join(unit.ineligible)}），不予评定等次、不参加排名"
            continue
        groups.setdefault(unit.group if separately else "全部单位", []).append(unit)
    for members in groups.values():
        for unit in members:
            unit.rank = 1 + sum(1 for other in members if other.final > unit.final)
            unit.band = band_of(unit.final, bands)
            unit.grade = unit.band
            if unit.ineligible:
                why = "；".join(unit.ineligible)
                if unit.band == "优秀":
                    unit.grade = "良好"
                    unit.eligibility_note = (
                        f"达到优秀分数线，但不符合评优条件（{why}），最高评为良好"
                    )
                else:
                    unit.eligibility_note = (
                        f"不符合评优条件（{why}）；分数段为{unit.band}，等次不受影响"
                    )
        places = quota_places(len(members), quota_pct)
        candidates = [u for u in members if u.grade == "优秀"]
        rule = f"本组参加排名 {len(members)} 个单位 × 优秀比例 {quota_pct:g}% = 优秀最多 {places} 个"
        granted, closed = 0, ""
        for score in sorted({u.final for u in candidates}, reverse=True):
            tied = [u for u in candidates if u.final == score]
            if not closed and granted + len(tied) <= places:
                granted += len(tied)
                for unit in tied:
                    unit.quota_note = (
                        f"{rule}；按得分从高到低授予，本单位在名额内，评为优秀"
                    )
                continue
            if not closed:
                closed = (
                    f"{len(tied)} 个单位并列 {show(score)} 分，全部授予将超出名额，并列单位均评为良好"
                    if granted < places
                    else f"名额已由得分更高的 {granted} 个单位用完"
                )
            for unit in tied:  # nobody below a tie that did not fit is 优秀 either
                unit.grade = "良好"
                unit.quota_note = f"{rule}；{closed}，本单位评为良好"


def score_units(
    rows: list[dict[str, Any]],
    weights: dict[str, float],
    reweight_missing: bool,
    bands: tuple[float, float, float],
    quota_pct: float,
    separately: bool,
    ineligible_policy: str = CAP_GOOD,
    min_sources: int = 0,
) -> list[UnitScore]:
    """Score units from plain rows: {code, name, kind, group, sources, adjustments,
    ineligible (reasons found outside the scores, e.g. no 考评册)}."""
    units = [
        UnitScore(
            r["code"],
            r["name"],
            r["kind"],
            r["group"],
            dict(r["sources"]),
            dict(weights),
            adjustments=list(r.get("adjustments", [])),
            ineligible=list(r.get("ineligible", [])),
        )
        for r in rows
    ]
    counted = sum(1 for w in weights.values() if w > 0)
    needed = min(min_sources, counted)
    for unit in units:
        weigh(unit, reweight_missing)
        finish(unit)
        if unit.rated and len(unit.present) < needed:
            unit.ineligible.insert(
                0, f"有得分的评价来源 {len(unit.present)} 个，少于 {needed} 个"
            )
    rank_and_grade(units, bands, quota_pct, separately, ineligible_policy)
    return units


def sensitivity(
    units: list[UnitScore], reweight_missing: bool, separately: bool
) -> dict[str, dict[str, int]]:
    """Rank of each ranked unit with each source removed in turn (its weight spread over
    the rest), among the ranked units."""
    rated = [u for u in units if u.ranked]
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
