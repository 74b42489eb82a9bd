"""The five checks of the 督导检查组 (seed §四(四)3), per unit, from the returned workbooks
and the consolidated tables:

1. 查体系建设 — “1+4+N”: a work plan, the four documents (责任书 filled, 推进表 filled,
   督办单 answered where issued, 考评册 signed) and at least one rule, for every task;
2. 查目标量化 — every target states a number, and the four-level chain is complete;
3. 查过程管理 — progress against plan (序时进度): the tasks behind and the largest gap;
4. 查工作成效 — 创先晋位 targets met (实际位次 ≤ 目标位次);
5. 查问题整改 — problems closed, overdue problems, 攻坚破难 items moving.

Each check gives a light (绿 passes, 黄 partly, 红 fails) and the finding in words. A unit
without a usable file is not checked: it has ONE finding (未报送, or its files were not
used), its overall light is red, and each check shows 未检查.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from siyi_xlsx.statuses import TaskStatus

CHECKS = ("体系建设", "目标量化", "过程管理", "工作成效", "问题整改")
NOT_CHECKED = "未检查"
RETURN_CHECK = "报送情况"  # the one finding of a unit that has no usable file
_NUMBER = re.compile(r"\d")


@dataclass
class UnitChecks:
    code: str
    name: str
    results: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # check -> (light, finding)
    missing: str = ""  # why nothing could be checked (no usable file), or ""

    @property
    def worst(self) -> str:
        if self.missing:
            return "红"
        lights = [light for light, _ in self.results.values()]
        return "红" if "红" in lights else "黄" if "黄" in lights else "绿"


def _light(failed: int, total: int) -> str:
    if total == 0 or failed == 0:
        return "绿"
    return "红" if failed * 2 >= total else "黄"


Finding = tuple[str, str]  # (light 红/黄/绿, what was found)


def five_checks(
    campaign: Any,
    submissions: dict[str, Any],
    tasks: pd.DataFrame,
    problems: pd.DataFrame,
    rejected: dict[str, str] | None = None,
) -> list[UnitChecks]:
    """The five checks for every lead unit; ``rejected`` names a unit's file that was sent
    but not used, so the finding does not say it sent nothing."""
    rejected = rejected or {}
    out = []
    for unit in campaign.lead_units():
        sub = submissions.get(unit.code)
        checks = UnitChecks(unit.code, unit.name)
        if sub is None:
            sent = rejected.get(unit.code)
            checks.missing = (
                f"报送的文件未被采用（{sent}），五项检查均无法进行"
                if sent
                else "未报送填报表，五项检查均无法进行"
            )
            for name in CHECKS:
                checks.results[name] = (NOT_CHECKED, NOT_CHECKED)
        else:
            # a task the office closed off (已销号) is no longer handed out or checked
            closed = (
                campaign.closed_tasks() if hasattr(campaign, "closed_tasks") else set()
            )
            own = [t for t in campaign.tasks_of(unit) if t.task_id not in closed]
            checks.results["体系建设"] = check_system(own, sub)
            checks.results["目标量化"] = check_targets(own, sub)
            checks.results["过程管理"] = check_progress(unit, tasks)
            checks.results["工作成效"] = check_results(sub)
            checks.results["问题整改"] = check_problems(unit, sub, problems)
        out.append(checks)
    return out


def check_system(own: list[Any], sub: Any) -> Finding:
    """1 体系建设: each task's “1+4+N” (work plan, rules, 责任书, 推进表) and the signed 考评册."""
    missing = []
    for task in own:
        row = sub.ledger.get(task.task_id)
        values = row.values if row else {}
        lacks = [
            label
            for key, label in (("work_plan", "工作方案"), ("rules", "配套制度"))
            if not values.get(key)
        ]
        resp = sub.responsibility.get(task.task_id)
        if not resp or not all(
            resp.values.get(k) for k in ("unit_head", "deputy", "officer")
        ):
            lacks.append("责任书")
        if any(
            (task.task_id, m.seq) not in sub.schedule
            or "state" not in sub.schedule[(task.task_id, m.seq)].values
            for m in task.milestones
        ):
            lacks.append("推进表")
        if lacks:
            missing.append(f"{task.task_id}缺{'、'.join(lacks)}")
    signed = all(v[0] is not None for v in sub.form.values()) and bool(sub.form)
    if not signed:
        missing.append("考评册未签字确认")
    return _light(len(missing), len(own) + 1), "；".join(missing) or "“1+4+N”齐全"


def check_targets(own: list[Any], sub: Any) -> Finding:
    """2 目标量化: targets with a number in them, and the four-level chain complete."""
    vague = [t.task_id for t in own if not _NUMBER.search(t.target or "")]
    chain = [
        t
        for t in own
        if not (
            sub.responsibility.get(t.task_id)
            and sub.responsibility[t.task_id].values.get("officer_phone")
            and t.front_leader
        )
    ]
    findings = ([f"目标未量化：{'、'.join(vague)}"] if vague else []) + (
        [f"四级包保不全：{'、'.join(t.task_id for t in chain)}"] if chain else []
    )
    return (
        _light(len(vague) + len(chain), 2 * len(own)),
        "；".join(findings) or "目标均已量化，四级包保齐全",
    )


def check_progress(unit: Any, tasks: pd.DataFrame) -> Finding:
    """3 过程管理: red with any 严重滞后 task, amber with any 滞后 one, each with its reason
    (逾期节点 or 序时进度)."""
    mine = tasks[tasks["lead_unit"] == unit.name] if not tasks.empty else tasks
    behind = mine[mine["status"].isin([TaskStatus.BEHIND, TaskStatus.SERIOUS])]
    light = (
        "红"
        if (mine["status"] == TaskStatus.SERIOUS).any()
        else "黄"
        if len(behind)
        else "绿"
    )
    if len(behind):
        text = f"{len(behind)} 项滞后：" + "；".join(
            f"{r.task_id}{r.status}（{r.reason}）" for r in behind.itertuples()
        )
        return light, text
    # "on pace" is only what the rules say: no task behind, and without usable
    # progress no pace comparison was made at all
    open_tasks = mine[
        ~mine["status"].isin([TaskStatus.DONE, TaskStatus.CLOSING, TaskStatus.CLOSED])
    ]
    unpaced = int(open_tasks["reported_pct"].isna().sum()) if len(open_tasks) else 0
    text = "无滞后、严重滞后的任务"
    if unpaced:
        text += f"（其中 {unpaced} 项未填报完成进度或填报有误未采用，未作序时进度比较，只按节点判定）"
    return light, text


def check_results(sub: Any) -> Finding:
    """4 工作成效: the 创先晋位 items that reached their target rank."""
    advance = sub.lists.get("unit_advance", [])
    judged = [a for a in advance if a.get("result") is not None]
    unmet = [a["indicator"] for a in judged if a["result"] > a["target"]]
    if not advance:
        return "黄", "未填写创先晋位工作清单"
    pending = len(advance) - len(judged)
    text = (
        f"{len(judged) - len(unmet)}/{len(judged)} 项达到目标位次"
        + (f"；未达到：{'、'.join(unmet)}" if unmet else "")
        + (f"；{pending} 项尚无实际位次" if pending else "")
    )
    return _light(len(unmet), len(judged)), text


def check_problems(unit: Any, sub: Any, problems: pd.DataFrame) -> Finding:
    """5 问题整改: red with an overdue problem, amber while problems are open or a 攻坚破难
    item has not started."""
    rows = (
        problems[problems["unit_code"] == unit.code] if not problems.empty else problems
    )
    closed = int((rows["status"] == "已整改").sum()) if not rows.empty else 0
    overdue = int((rows["overdue"] == "逾期").sum()) if not rows.empty else 0
    hard = sub.lists.get("unit_hard_problems", [])
    stalled = [h for h in hard if h.get("state") == "未启动"]
    light = (
        "红"
        if overdue
        else "黄"
        if stalled or (len(rows) and closed < len(rows))
        else "绿"
    )
    rate = f"整改销号 {closed}/{len(rows)}" if len(rows) else "未报问题"
    text = f"{rate}；逾期未整改 {overdue} 个；攻坚破难 {len(hard)} 项" + (
        f"（{len(stalled)} 项未启动）" if stalled else ""
    )
    return light, text
