"""Fictional sample data for ``siyi init DIR --sample``.

The data imitates the master workbook of a district government office that
runs the 2022 "四个体系" key-work programme (领导责任、工作推进、考核评价、
督导问责): 76 重点工作 spread over the 8 priority areas of the district
government work report, each with a 牵头单位, 配合单位, 战线领导, 工作专班,
quantified target, deadline and a 推进表 of milestones, plus the 考评册
indicators used for self-evaluation.

Everything here is FICTIONAL: unit names are generic, person names and phone
numbers are generated at random, and targets are invented.  The static text
lives in the JSON files of the ``data`` folder next to this module:

``units.json``
    the 44 units in code order (U001..U044), each with its kind
    (区直部门, 乡镇 or 街道);
``leaders.json``
    the 战线领导 slots: a title and the units each one covers (every unit
    exactly once);
``teams.json``
    the 工作专班: code, name and lead unit;
``categories.json``
    task category codes and their names;
``tasks.json``
    the 76 重点工作: area, title, lead and support units, 专班 code, target,
    category code, deadline month and milestone pattern;
``milestone_patterns.json``
    for each pattern six ordered 推进表 steps (content, done mark); a task
    uses the first and last step and a sorted sample of the middle ones;
``indicators.json``
    the 考评册 indicators; rows applying to 全部 sum to 100, the others are
    extra, type-specific items;
``people.json``
    pools for fictional person names and mobile numbers, and the real names
    from the source document that generated names must never match.

``build_sample_master`` assembles the data with a private
``random.Random(seed)`` so the result is deterministic per seed.
"""

from __future__ import annotations

import calendar
import json
import random
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["build_sample_master", "sample_inspection"]

MILESTONE_START = date(2022, 5, 1)
MIN_DEADLINE = date(2022, 6, 30)


@cache
def _load(name: str) -> Any:
    """Parsed content of ``data/<name>``; callers must not mutate it."""
    return json.loads((Path(__file__).parent / "data" / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _month_end(month: int) -> date:
    """Last day of ``month`` in 2022."""
    return date(2022, month, calendar.monthrange(2022, month)[1])


class _NameMaker:
    """Draws unique fictional person names from the pools."""

    def __init__(self, rng: random.Random) -> None:
        people = _load("people.json")
        self._rng = rng
        self._surnames: list[str] = people["surnames"]
        self._male: list[str] = people["given_chars_male"]
        self._female: list[str] = people["given_chars_female"]
        self._used: set[str] = set(people["reserved_names"])

    def __call__(self) -> str:
        while True:
            length = 1 if self._rng.random() < 0.3 else 2
            pool = self._male if self._rng.random() < 0.6 else self._female
            name = self._rng.choice(self._surnames) + "".join(
                self._rng.choice(pool) for _ in range(length)
            )
            if len(name) == 3 and name[1] == name[2]:
                continue  # avoid reduplicated given names like 丽丽
            if name not in self._used:
                self._used.add(name)
                return name


class _PhoneMaker:
    """Draws unique fictional 11-digit mobile numbers."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._prefixes: list[str] = _load("people.json")["mobile_prefixes"]
        self._used: set[str] = set()

    def __call__(self) -> str:
        while True:
            number = self._rng.choice(self._prefixes) + "".join(
                self._rng.choice("0123456789") for _ in range(8)
            )
            if number not in self._used:
                self._used.add(number)
                return number


def _deadline(rng: random.Random, month: int) -> date:
    """Deadline in ``month``: usually the month end, sometimes mid-month."""
    if month <= 6:
        return MIN_DEADLINE
    if month == 12 or rng.random() < 0.75:
        return _month_end(month)
    return date(2022, month, rng.choice((15, 20, 25)))


def _snap(day: date) -> date:
    """Move a date to the nearest 15th or month end (typical plan dates)."""
    end = _month_end(day.month)
    candidates = [date(day.year, day.month, 15), end]
    if day.month > 1:
        candidates.append(_month_end(day.month - 1))
    return min(candidates, key=lambda c: (abs((c - day).days), c))


def _milestone_dates(rng: random.Random, deadline: date, count: int) -> list[date]:
    """``count`` strictly increasing dates from May 2022 ending on ``deadline``."""
    start = MILESTONE_START + timedelta(days=rng.randint(0, 20))
    span = (deadline - start).days
    dates: list[date] = []
    for i in range(count - 1):
        if i == 0:
            offset = rng.randint(0, min(12, span // count))
        else:
            jitter = max(1, span // (4 * count))
            offset = round(span * i / (count - 1)) + rng.randint(-jitter, jitter)
        # keep room for the remaining milestones before the deadline
        low = (dates[-1] - start).days + 1 if dates else 0
        high = span - (count - 1 - i)
        offset = min(max(offset, low), high)
        raw = start + timedelta(days=offset)
        snapped = _snap(raw)
        prev = dates[-1] if dates else MILESTONE_START - timedelta(days=1)
        latest = deadline - timedelta(days=count - 1 - i)
        if i > 0 and snapped > prev and snapped <= latest and snapped >= MILESTONE_START:
            raw = snapped
        dates.append(raw)
    dates.append(deadline)
    return dates


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def build_sample_master(seed: int = 2022) -> dict[str, list[dict]]:
    """Build a fictional master workbook for a 2022 "四个体系" campaign.

    Returns a dict with the keys ``units``, ``leaders``, ``teams``,
    ``tasks``, ``milestones``, ``indicators``, ``adjust_entries`` and
    ``reviews`` (销号审核); each
    value is a list of row dicts whose values are ``str``, ``int`` or
    ``datetime.date``.
    The unit, team, task and indicator texts are fixed; person names,
    phone numbers, deadlines (within the planned month), task weights and
    the milestone selection and dates come from ``random.Random(seed)``,
    so equal seeds give equal results.  Cross references (lead unit,
    support units, 战线领导, 专班) always point at existing rows.
    """
    rng = random.Random(seed)
    make_name = _NameMaker(rng)
    # the draws happen in this order: units, leaders, tasks (equal seeds, equal results)
    units = _units(make_name, _PhoneMaker(rng))
    order = {u["name"]: n for n, u in enumerate(units, start=1)}
    leaders, leader_of_unit = _leaders(make_name, order)
    tasks, milestones, team_units = _tasks(rng, leader_of_unit)
    return {
        "units": units,
        "leaders": leaders,
        "teams": _teams(team_units, order, leader_of_unit),
        "tasks": tasks,
        "milestones": milestones,
        "indicators": _indicators(),
        "adjust_entries": _adjust_entries(units),
        "reviews": _closing_reviews(),
    }


def _closing_reviews() -> list[dict]:
    """销号审核: the office's decisions on the two 销号 applications of the sample's
    2022Q3 returns, made after the returns came in (so the period's workbooks, issued
    before, are unchanged): one approved, one turned down with what to add."""
    return [
        {
            "task_id": "ZD068",
            "result": "同意销号",
            "date": date(2022, 10, 12),
            "comment": "节点佐证齐全，资金已拨付到位，同意销号",
            "reviewer": "材料汇总组",
        },
        {
            "task_id": "ZD031",
            "result": "驳回",
            "date": date(2022, 10, 12),
            "comment": "佐证材料只有现场照片，请补充验收报告后重新申请",
            "reviewer": "材料汇总组",
        },
    ]


def _units(make_name: _NameMaker, make_phone: _PhoneMaker) -> list[dict]:
    """单位 U001… in the order of units.json, with fictional heads, contacts, phones."""
    return [
        {
            "code": f"U{index:03d}",
            "name": unit["name"],
            "kind": unit["kind"],
            "head": make_name(),
            "contact": make_name(),
            "phone": make_phone(),
        }
        for index, unit in enumerate(_load("units.json"), start=1)
    ]


def _leaders(
    make_name: _NameMaker, unit_order: dict[str, int]
) -> tuple[list[dict], dict[str, str]]:
    """战线领导 with their units, and each unit's leader."""
    leaders: list[dict] = []
    leader_of_unit: dict[str, str] = {}
    for slot in _load("leaders.json"):
        name = make_name()
        ordered = sorted(slot["units"], key=unit_order.__getitem__)
        for unit in ordered:
            leader_of_unit[unit] = name
        leaders.append(
            {"name": name, "title": slot["title"], "units": "、".join(ordered)}
        )
    return leaders, leader_of_unit


def _tasks(
    rng: random.Random, leader_of_unit: dict[str, str]
) -> tuple[list[dict], list[dict], dict[str, set[str]]]:
    """重点任务 ZD001… with their 节点, and the units each 专班 covers."""
    team_names = {team["code"]: team["name"] for team in _load("teams.json")}
    team_units: dict[str, set[str]] = {code: set() for code in team_names}
    categories: dict[str, str] = _load("categories.json")
    tasks: list[dict] = []
    milestones: list[dict] = []
    for number, entry in enumerate(_load("tasks.json"), start=1):
        lead: str = entry["lead_unit"]
        support: list[str] = entry["support_units"]
        task_id = f"ZD{number:03d}"
        deadline = _deadline(rng, entry["deadline_month"])
        weight = rng.choices(
            (1, 2, 3), weights=(3, 5, 2) if entry["category"] == "Q" else (1, 4, 5)
        )[0]
        team_units[entry["team"]].update((lead, *support))
        tasks.append(
            {
                "task_id": task_id,
                "title": entry["title"],
                "category": categories[entry["category"]],
                "area": entry["area"],
                "lead_unit": lead,
                "support_units": "、".join(support),
                "front_leader": leader_of_unit[lead],
                "team": team_names[entry["team"]],
                "target": entry["target"],
                "deadline": deadline,
                "weight": weight,
            }
        )
        milestones += _milestones(rng, task_id, entry["milestone_pattern"], deadline)
    return tasks, milestones, team_units


def _milestones(
    rng: random.Random, task_id: str, pattern: str, deadline: date
) -> list[dict]:
    """3 to 5 steps of the task's pattern (first and last always), dated before the deadline."""
    steps = _load("milestone_patterns.json")[pattern]
    count = rng.choices((3, 4, 5), weights=(3, 4, 3))[0]
    middle = sorted(rng.sample(range(1, len(steps) - 1), count - 2))
    chosen = [steps[0]] + [steps[i] for i in middle] + [steps[-1]]
    return [
        {
            "task_id": task_id,
            "seq": seq,
            "content": step["content"],
            "planned_date": planned,
            "done_mark": step["done_mark"],
        }
        for seq, (step, planned) in enumerate(
            zip(chosen, _milestone_dates(rng, deadline, count), strict=True), start=1
        )
    ]


def _teams(
    team_units: dict[str, set[str]],
    unit_order: dict[str, int],
    leader_of_unit: dict[str, str],
) -> list[dict]:
    """专班: the leading unit first, then every unit of its tasks in unit order."""
    teams: list[dict] = []
    for team in _load("teams.json"):
        leader_unit = team["leader_unit"]
        others = sorted(
            team_units[team["code"]] - {leader_unit}, key=unit_order.__getitem__
        )
        teams.append(
            {
                "code": team["code"],
                "name": team["name"],
                "leader_unit": leader_unit,
                "leader": leader_of_unit[leader_unit],
                "members": "、".join([leader_unit, *others]),
            }
        )
    return teams


def _indicators() -> list[dict]:
    """考评指标 KP01…"""
    return [
        {
            "code": f"KP{index:02d}",
            "name": row["name"],
            "points": row["points"],
            "criteria": row["criteria"],
            "applies_to": row["applies_to"],
            "evidence_required": row["evidence_required"],
        }
        for index, row in enumerate(_load("indicators.json"), start=1)
    ]


def _adjust_entries(units: list[dict]) -> list[dict]:
    """A few office-registered bonuses and deductions (加减分登记), fictional."""
    by_kind = {
        k: [u["name"] for u in units if u["kind"] == k]
        for k in ("区直部门", "乡镇", "街道")
    }
    return [
        {
            "unit": by_kind["区直部门"][1],
            "rule": "JF01",
            "times": 1,
            "date": date(2022, 9, 15),
            "reason": "项目建设工作获市政府通报表扬",
        },
        {
            "unit": by_kind["乡镇"][2],
            "rule": "JF02",
            "times": 2,
            "date": date(2022, 10, 20),
            "reason": "乡村治理经验在全市会议上交流推广",
        },
        {
            "unit": by_kind["区直部门"][7],
            "rule": "KF03",
            "times": 1,
            "date": date(2022, 8, 30),
            "reason": "重点工作推进不力，被领导小组通报批评",
        },
    ]


def sample_inspection(seed: int = 2022) -> dict[str, list[dict]]:
    """A few fictional 四不两直 visits and 督办单 for the sample's 督导检查.xlsx."""
    data = build_sample_master(seed)
    tasks = {t["task_id"]: t for t in data["tasks"]}
    first, second, third = (tasks[k] for k in ("ZD001", "ZD013", "ZD040"))
    return {
        "visits": [
            {
                "date": date(2022, 8, 16),
                "unit": first["lead_unit"],
                "task_id": "ZD001",
                "method": "四不两直",
                "inspectors": "督导检查组",
                "findings": "部分地块播种面积统计与台账不一致",
                "rating": "一般",
                "requirement": "9 月底前完成核对并更新台账",
            },
            {
                "date": date(2022, 9, 6),
                "unit": second["lead_unit"],
                "task_id": "ZD013",
                "method": "四不两直",
                "inspectors": "督导检查组",
                "findings": "现场进度与报送进度基本一致",
                "rating": "较好",
                "requirement": "",
            },
        ],
        "orders": [
            {
                "order_id": "DB2022-01",
                "task_id": "ZD013",
                "unit": second["lead_unit"],
                "matter": f"加快推进“{second['title']}”滞后节点",
                "requirement": "10 月 15 日前报送节点完成情况及佐证",
                "deadline": date(2022, 10, 15),
                "status": "办理中",
            },
            {
                "order_id": "DB2022-02",
                "task_id": "ZD040",
                "unit": third["lead_unit"],
                "matter": f"核实“{third['title']}”群众反映问题",
                "requirement": "9 月 20 日前书面反馈核查结果",
                "deadline": date(2022, 9, 20),
                "status": "待办理",
            },
        ],
    }
