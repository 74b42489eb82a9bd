"""通报: quarterly / half-year bulletins and the annual 晒单, from this period's results and the
history of earlier ones. Rules (praise, criticism, 诫勉谈话) live in the master's 通报规则."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema as schemas
from .batch import OUTPUT_DIR, analyse
from .errors import CampaignError
from .history import PeriodTables, period_end
from .master import _period_range, read_settings_form
from .reader import read_workbook
from .tables import Where
from .writers import write_frame
from .xlsx import Formats, atomic_workbook

BULLETIN_FILE = "通报_{period}.xlsx"
_PERIOD = re.compile(r"^\d{4}(Q[1-4]|H[12]|M(0[1-9]|1[0-2]))?$")


@dataclass
class Rules:
    praise_done_pct: float
    criticise_serious: int
    criticise_overdue: int
    warn_after: int


def load_rules(campaign: Any) -> Rules:
    book = read_workbook(campaign.master_path)
    schema = schemas.load("master_bulletin_rules")
    values = read_settings_form(
        book.sheets.get(schema.sheet), schema, Where(file="任务总表.xlsx"), []
    )
    return Rules(
        float(values["praise_done_pct"]),
        int(values["criticise_serious"]),
        int(values["criticise_overdue"]),
        int(values["warn_after"]),
    )


def standings(tasks: pd.DataFrame, problems: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per lead unit: counts, on-track rate, rank, light, praise or criticism with the reason."""
    if tasks.empty:
        return pd.DataFrame()
    rows = []
    for unit, group in tasks.groupby("lead_unit"):
        status = group["status"]
        done = int(status.isin(["已完成", "申请销号"]).sum())
        serious, behind = int((status == "严重滞后").sum()), int((status == "滞后").sum())
        mine = problems[problems["unit"] == unit] if not problems.empty else problems
        overdue = int((mine["overdue"] == "逾期").sum()) if not mine.empty else 0
        n = len(group)
        rate = round(100 * (n - serious - behind) / n, 1)
        done_pct = round(100 * done / n, 1)
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
            not serious
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
                "on_pace": int((status == "正常推进").sum()),
                "behind": behind,
                "serious": serious,
                "overdue": overdue,
                "rate": rate,
                "done_pct": done_pct,
                "light": "红" if serious else "黄" if behind else "绿",
                "verdict": verdict,
                "reason": reason,
            }
        )
    frame = pd.DataFrame(rows).sort_values(
        ["rate", "done_pct", "serious", "unit"], ascending=[False, False, True, True]
    )
    frame["rank"] = [
        1
        + int(
            (
                (frame["rate"] > r.rate)
                | ((frame["rate"] == r.rate) & (frame["done_pct"] > r.done_pct))
            ).sum()
        )
        for r in frame.itertuples()
    ]
    return frame.reset_index(drop=True)


def bulletin(folder: Path, period: str) -> tuple[Path, pd.DataFrame]:
    """Write output/通报_<period>.xlsx for ``period`` (2022Q3, 2022H1 or 2022)."""
    if not _PERIOD.match(period):
        raise CampaignError(
            f"期次“{period}”格式不对，应为 2022Q3（季度）、2022H1（半年）、2022M09（月）或 2022（年度）。"
        )
    result, tasks, _ms, _inputs = analyse(folder)
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
    start, end = _period_range(period)
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
    table = standings(_typed(chosen.tasks), _typed_problems(chosen.problems), rules)
    history = [
        standings(_typed(p.tasks), _typed_problems(p.problems), rules) for p in before
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
    published = published_criticisms(folder, chosen.period)
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
    record_bulletin(folder, chosen.period, table)
    path = (
        folder / OUTPUT_DIR / BULLETIN_FILE.format(period=period)
    )  # one file per period: earlier bulletins stay
    _write(path, campaign, period, chosen, table, rules)
    return path, table


def _bulletin_dir(folder: Path) -> Path:
    return folder / "history" / "_bulletins"


def record_bulletin(folder: Path, period: str, table: pd.DataFrame) -> None:
    """Keep what this bulletin published (append-only: one file per publication)."""
    target = _bulletin_dir(folder)
    target.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    data = {
        "period": period,
        "criticised": list(table[table["verdict"] == "批评"]["unit"])
        if not table.empty
        else [],
        "praised": list(table[table["verdict"] == "表扬"]["unit"])
        if not table.empty
        else [],
    }
    (target / f"{period}_{stamp}.json").write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )


def published_criticisms(folder: Path, period: str) -> list[set[str]]:
    """The units criticised in each earlier published bulletin, newest first (latest
    publication per period)."""
    latest: dict[str, dict[str, Any]] = {}
    for path in (
        sorted(_bulletin_dir(folder).glob("*.json"))
        if _bulletin_dir(folder).is_dir()
        else []
    ):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        latest[data.get("period", "")] = data
    end = period_end(period) or dt.date.max
    earlier = [
        (period_end(p) or dt.date.min, d)
        for p, d in latest.items()
        if p != period and (period_end(p) or dt.date.max) < end
    ]
    return [
        set(d.get("criticised", []))
        for _e, d in sorted(earlier, key=lambda x: x[0], reverse=True)
    ]


def _typed(tasks: pd.DataFrame) -> pd.DataFrame:
    return tasks.copy() if not tasks.empty else tasks


def _typed_problems(problems: pd.DataFrame) -> pd.DataFrame:
    if problems is None or problems.empty:
        return pd.DataFrame(columns=["unit", "overdue"])
    return problems


def _arrow(before: Any, now: int) -> str:
    if before is None or pd.isna(before):
        return "新"
    moved = int(before) - int(now)
    return f"↑{moved}" if moved > 0 else f"↓{-moved}" if moved < 0 else "—"


def _write(
    path: Path,
    campaign: Any,
    period: str,
    chosen: PeriodTables,
    table: pd.DataFrame,
    rules: Rules,
) -> None:
    s = campaign.settings
    yearly = len(period) == 4
    # a bulletin asked for before its period has ended says it is an interim result
    unfinished = (
        "（期间尚未结束，为阶段性结果）"
        if (period_end(period) or dt.date.min) > dt.date.fromisoformat(chosen.as_of[:10])
        else ""
    )
    kind = (
        "年度晒单"
        if yearly
        else "半年通报"
        if "H" in period
        else "季度通报"
        if "Q" in period
        else "月度通报"
    )
    with atomic_workbook(path, created=dt.datetime.combine(s.as_of, dt.time())) as book:
        fmt = Formats(book)
        columns = [
            ("rank", "排名", 6, "num"),
            ("unit", "单位", 22, "text"),
            ("tasks", "任务", 6, "num"),
            ("done", "已完成", 7, "num"),
            ("on_pace", "正常推进", 8, "num"),
            ("behind", "滞后", 6, "num"),
            ("serious", "严重滞后", 8, "num"),
            ("overdue", "逾期问题", 8, "num"),
            ("rate", "正常推进率(%)", 10, "num"),
            ("light", "亮灯", 6, "light"),
            ("change", "较上期", 7, "text"),
            ("verdict", "表扬/批评", 9, "text"),
        ]
        write_frame(
            book.add_worksheet("通报"),
            fmt,
            table,
            columns,
            title=f"{s.year}年重点工作{kind}（{period}，数据截至 {chosen.as_of}）{unfinished}",
            note=f"按正常推进率排名（相同时按完成率）；较上期：名次变化。表扬：无滞后和逾期问题且完成率≥{rules.praise_done_pct:g}%；批评：严重滞后≥{rules.criticise_serious} 项或逾期问题≥{rules.criticise_overdue} 个。",
        )
        praise = table[table["verdict"] == "表扬"]
        write_frame(
            book.add_worksheet("表扬"),
            fmt,
            praise,
            [
                ("rank", "排名", 6, "num"),
                ("unit", "单位", 24, "text"),
                ("reason", "表扬理由", 50, "text"),
            ],
            title=f"{kind}表扬名单",
            note="按排名。",
        )
        criticise = table[table["verdict"] == "批评"]
        write_frame(
            book.add_worksheet("批评"),
            fmt,
            criticise,
            [
                ("rank", "排名", 6, "num"),
                ("unit", "单位", 24, "text"),
                ("reason", "批评理由", 40, "text"),
                ("warn", "诫勉谈话建议", 40, "text"),
            ],
            title=f"{kind}批评名单",
            note=f"连续 {rules.warn_after} 期被批评的，提出诫勉谈话建议。",
        )
        if yearly and not chosen.tasks.empty:
            for unit, group in chosen.tasks.groupby("lead_unit"):
                ws = book.add_worksheet(re.sub(r"[\\[\\]:*?/\\\\]", "", unit)[:31])
                write_frame(
                    ws,
                    fmt,
                    group,
                    [
                        ("task_id", "任务编号", 9, "text"),
                        ("title", "重点工作", 34, "text"),
                        ("target", "量化目标", 30, "text"),
                        ("status", "状态", 9, "status"),
                        ("reported_pct", "进度(%)", 8, "num"),
                        ("status_text", "进展情况", 40, "text"),
                    ],
                    title=f"{unit} {s.year}年重点工作晒单",
                    note="本单位牵头的每项重点工作及完成情况。",
                )
