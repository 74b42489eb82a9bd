"""通报: quarterly / half-year bulletins and the annual 晒单, from this period's results and the
history of earlier ones. Rules (praise, criticism, 诫勉谈话) live in the master's 通报规则."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from siyi_xlsx import schema as schemas
from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.compute.previous import PeriodTables
from siyi_xlsx.compute.progress import master_rank
from siyi_xlsx.errors import CampaignError
from siyi_xlsx.period import period_end
from siyi_xlsx.read.master import period_range, read_settings_form
from siyi_xlsx.read.tables import Where
from siyi_xlsx.statuses import TaskStatus

_PERIOD = re.compile(r"^\d{4}(Q[1-4]|H[12]|M(0[1-9]|1[0-2]))?$")


@dataclass
class Rules:
    praise_done_pct: float
    criticise_serious: int
    criticise_overdue: int
    warn_after: int


def load_rules(campaign: Any) -> Rules:
    """通报规则 as read with the master."""
    schema = schemas.load("master_bulletin_rules")
    values = read_settings_form(
        campaign.sheets.get(schema.sheet), schema, Where(file="任务总表.xlsx"), []
    )
    return Rules(
        float(values["praise_done_pct"]),
        int(values["criticise_serious"]),
        int(values["criticise_overdue"]),
        int(values["warn_after"]),
    )


def standings(
    tasks: pd.DataFrame,
    problems: pd.DataFrame,
    rules: Rules,
    order: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Per lead unit: counts, on-track rate, rank, light, praise or criticism with the
    reason. The rate is taken over the unit's reported tasks (未报送 ones are counted
    apart); a unit with none reported is not ranked (grey light, listed last). Ties and
    the unranked follow the master's order (``order``: unit name -> place)."""
    if tasks.empty:
        return pd.DataFrame()
    order = order or {}
    rows = []
    for unit, group in tasks.groupby("lead_unit"):
        status = group["status"]
        # 已销号 tasks are out of the rates (RATE_RULE): closed off by the office
        done = int(status.isin([TaskStatus.DONE, TaskStatus.CLOSING]).sum())
        closed = int((status == TaskStatus.CLOSED).sum())
        serious, behind = (
            int((status == TaskStatus.SERIOUS).sum()),
            int((status == TaskStatus.BEHIND).sum()),
        )
        missing = int((status == TaskStatus.NO_RETURN).sum())
        mine = problems[problems["unit"] == unit] if not problems.empty else problems
        overdue = int((mine["overdue"] == "逾期").sum()) if not mine.empty else 0
        n = len(group)
        reported = n - missing - closed
        rate = (
            round(100 * (reported - serious - behind) / reported, 1) if reported else None
        )
        done_pct = round(100 * done / reported, 1) if reported else None
        verdict, reason = "", ""
        if serious >= rules.criticise_serious or overdue >= rules.criticise_overdue:
            verdict = "批评"
            reason = "；".join(
                x
                for x in (
                    f"严重滞后 {serious} 项"
                    if serious >= rules.criticise_serious
                    else "",
                    f"逾期未整改问题 {overdue} 个"
                    if overdue >= rules.criticise_overdue
                    else "",
                )
                if x
            )
        elif (
            reported
            and not serious
            and not behind
            and not overdue
            and done_pct >= rules.praise_done_pct
        ):
            verdict, reason = "表扬", f"无滞后任务和逾期问题，完成率 {done_pct:g}%"
        rows.append(
            {
                "unit": unit,
                "tasks": n,
                "done": done,
                "on_pace": int((status == TaskStatus.ON_PACE).sum()),
                "behind": behind,
                "serious": serious,
                "no_return": missing,
                "overdue": overdue,
                "rate": rate,
                "done_pct": done_pct,
                "light": ("红" if serious else "黄" if behind else "绿")
                if reported
                else "灰",
                "verdict": verdict,
                "reason": reason,
                "_master": order.get(unit, len(order)),
            }
        )
    frame = pd.DataFrame(rows).sort_values(
        ["rate", "done_pct", "serious", "_master", "unit"],
        ascending=[False, False, True, True, True],
        na_position="last",
    )
    frame["rank"] = [
        None
        if pd.isna(r.rate)
        else 1
        + int(
            (
                (frame["rate"] > r.rate)
                | ((frame["rate"] == r.rate) & (frame["done_pct"] > r.done_pct))
            ).sum()
        )
        for r in frame.itertuples()
    ]
    frame["rank"] = frame["rank"].astype("Int64")
    return frame.drop(columns="_master").reset_index(drop=True)


def bulletin_table(
    result: Analysis,
    period: str,
    published: Callable[[str], list[set[str]]] = lambda _period: [],
) -> tuple[PeriodTables, pd.DataFrame]:
    """The standings of ``period`` (2022Q3, 2022H1 or 2022): the latest period inside it,
    with the change against the period before and the verdicts of 通报规则.

    ``published(p)`` lists the units criticised in each bulletin published before period
    ``p``, newest first (诫勉谈话 counts these, never earlier periods re-scored with today's rules)."""
    if not _PERIOD.match(period):
        raise CampaignError(
            f"期次“{period}”格式不对，应为 2022Q3（季度）、2022H1（半年）、2022M09（月）或 2022（年度）。"
        )
    tasks, _ms = result.tasks, result.milestones
    campaign = result.campaign
    rules = load_rules(campaign)
    current = PeriodTables(
        campaign.settings.period,
        campaign.settings.as_of.isoformat(),
        tasks,
        _ms,
        result.problems,
    )
    available = [*result.previous, current]
    start, end = period_range(period)
    inside = [
        p
        for p in available
        if (period_end(p.period) or dt.date.max) <= end
        and (period_end(p.period) or dt.date.min) >= start
    ]
    if not inside:
        known = "、".join(p.period for p in available)
        raise CampaignError(
            f"没有 {period} 期间的数据（已有：{known}）。请先运行 siyi run 生成该期结果。"
        )
    chosen = inside[-1]
    before = [
        p
        for p in available
        if (period_end(p.period) or dt.date.min)
        < (period_end(chosen.period) or dt.date.min)
    ]
    order = master_rank(campaign)
    table = standings(
        _typed(chosen.tasks), _typed_problems(chosen.problems), rules, order
    )
    history = [
        standings(_typed(p.tasks), _typed_problems(p.problems), rules, order)
        for p in before
    ]
    if history and not history[-1].empty:
        last = history[-1].set_index("unit")
        table["change"] = [
            _arrow(last["rank"].get(u), r)
            for u, r in zip(table["unit"], table["rank"], strict=True)
        ]
    else:
        table["change"] = "—"
    table["warn"] = ""
    # 诫勉谈话 counts criticisms actually published (siyi bulletin of earlier periods, under
    # the rules then in force), never earlier periods re-scored with today's rules
    published = published(chosen.period)
    if rules.warn_after >= 2:
        for i, row in table.iterrows():
            if row["verdict"] != "批评":
                continue
            run = 1
            for names in published:
                if row["unit"] not in names:
                    break
                run += 1
            if run >= rules.warn_after:
                table.at[i, "warn"] = f"连续 {run} 期被通报批评，建议对主要负责人诫勉谈话"
    return chosen, table


def _typed(tasks: pd.DataFrame) -> pd.DataFrame:
    return tasks.copy() if not tasks.empty else tasks


def _typed_problems(problems: pd.DataFrame) -> pd.DataFrame:
    if problems is None or problems.empty:
        return pd.DataFrame(columns=["unit", "overdue"])
    return problems


def _arrow(before: Any, now: Any) -> str:
    if now is None or pd.isna(now):
        return "未排名"
    if before is None or pd.isna(before):
        return "新"
    moved = int(before) - int(now)
    return f"↑{moved}" if moved > 0 else f"↓{-moved}" if moved < 0 else "—"
