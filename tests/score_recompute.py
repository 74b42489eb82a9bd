"""Recompute 考评结果.xlsx from its printed cells alone, the way a clerk with a calculator
would: every line of 得分明细, then each rank and grade of 总分排名. Used by the tests
that produce a result workbook; nothing here imports siyi."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl

SOURCE_ROWS = ("部门自评", "专班小组评价", "群众测评", "战线领导评价")


def d(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def rnd(value: Fraction | Decimal, places: int) -> Decimal:
    """Half up, as a person rounds."""
    q = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        scaled = value * 10**places
        whole = math.floor(abs(scaled) + Fraction(1, 2))
        return (Decimal(whole if scaled >= 0 else -whole) * q).quantize(q)
    return value.quantize(q, rounding=ROUND_HALF_UP)


def F(value) -> Fraction:
    return Fraction(d(value))


def _rows(ws):
    header = [c.value for c in ws[3]]
    return [
        dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=4, values_only=True)
    ]


def _check_source(name, source, raters) -> None:
    """A rated source's score is the mean of its kept raters' printed scores."""
    if source is not None and raters and source["得分"] != "缺":
        mean = sum(map(F, raters)) / len(raters)
        assert d(source["得分"]) == rnd(mean, 2), (name, source)


def recompute(path: Path, bands=(90, 80, 60), quota=20) -> int:
    """Assert every printed figure follows from the printed figures before it; returns
    the number of lines checked."""
    book = openpyxl.load_workbook(path)
    lines = _rows(book["得分明细"])
    checked = 0
    units: dict[str, list[dict]] = {}
    for line in lines:
        units.setdefault(line["单位"], []).append(line)
    finals: dict[str, Decimal] = {}
    for name, block in units.items():
        parts, adjust, weighted = [], [], None
        current = None
        raters: list[Decimal] = []

        for line in block:
            item, score, basis = (
                line["项目"],
                line["得分"],
                line["依据（可据此手算）"] or "",
            )
            if item in SOURCE_ROWS:
                _check_source(name, current, raters)
                current, raters = line, []
                if score != "缺" and line["折算得分"] is not None:
                    part = rnd(F(score) * F(line["规定权重(%)"]) / F(line["折算分母"]), 4)
                    assert d(line["折算得分"]) == part, (name, line)
                    parts.append(part)
                    checked += 1
                if item == "部门自评" and score != "缺":
                    got, total = re.search(
                        r"自评分合计 ([\d.]+) ÷ 分值合计 ([\d.]+)", basis
                    ).groups()
                    assert d(score) == rnd(
                        Fraction(Decimal(got)) * 100 / Fraction(Decimal(total)), 2
                    )
                if item == "群众测评" and score != "缺":
                    terms = re.search(
                        r"\((\d+)×([\d.]+)\+(\d+)×([\d.]+)\+(\d+)×([\d.]+)\)÷(\d+)", basis
                    )
                    a, pa, b, pb, c, pc, n = (
                        Fraction(Decimal(x)) for x in terms.groups()
                    )
                    assert n == a + b + c
                    assert d(score) == rnd((a * pa + b * pb + c * pc) / n, 2)
            elif item.strip() == "评分表":
                got, total = re.search(
                    r"评分合计 ([\d.]+) ÷ 分值合计 ([\d.]+)", basis
                ).groups()
                assert d(score) == rnd(
                    Fraction(Decimal(got)) * 100 / Fraction(Decimal(total)), 2
                )
                if "不计入平均" not in basis:
                    raters.append(d(score))
                checked += 1
            elif item == "加权得分":
                _check_source(name, current, raters)
                current = None
                if score is not None:
                    weighted = d(score)
                    assert weighted == rnd(sum(parts), 2), (name, parts, weighted)
                    checked += 1
            elif item.startswith(("加分", "减分")):
                times, points, cap = re.search(
                    r"min\((\d+) 次 × ([\d.]+) 分, 上限 ([\d.]+) 分\)", basis
                ).groups()
                amount = rnd(
                    min(int(times) * Fraction(Decimal(points)), Fraction(Decimal(cap))), 2
                )
                assert abs(d(score)) == amount and (d(score) > 0) == item.startswith(
                    "加分"
                )
                adjust.append(d(score))
            elif item == "最终得分":
                final = max(Decimal("0.00"), weighted + sum(adjust, Decimal(0)))
                assert d(score) == final, (name, weighted, adjust, score)
                finals[name] = final
                checked += 1
    ranking = [r for r in _rows(book["总分排名"]) if r["单位"]]
    groups: dict[str, list[dict]] = {}
    for r in ranking:
        if r["排名"] != "—":
            assert d(r["最终得分"]) == finals[r["单位"]]
            groups.setdefault(r["分组"], []).append(r)
    for members in groups.values():
        places = math.floor(len(members) * Fraction(quota) / 100)
        for r in members:
            mine = d(r["最终得分"])
            assert r["排名"] == 1 + sum(1 for o in members if d(o["最终得分"]) > mine)
            band = (
                "优秀"
                if mine >= bands[0]
                else "良好"
                if mine >= bands[1]
                else "一般"
                if mine >= bands[2]
                else "较差"
            )
            assert r["分数段"] == band
            if band != "优秀":
                assert r["等次"] == band
            else:
                assert r["等次"] in ("优秀", "良好")
                if r["等次"] == "良好":
                    assert "不符合评优条件" in (r["说明"] or "") or "名额" in (
                        r["说明"] or ""
                    )
            checked += 1
        assert sum(1 for r in members if r["等次"] == "优秀") <= places
    return checked
