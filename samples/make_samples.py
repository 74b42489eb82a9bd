"""Build the sample campaign in ``samples/campaign``: the master, and a ``returned/`` folder
of workbooks filled in as units would — most correct, several with the typical mistakes.

Run from the repository root:  python samples/make_samples.py
It also writes ``samples/planted.json``: every planted mistake with its file, sheet, cell
and expected issue code, which the end-to-end test checks against 校验报告.xlsx.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from siyi_xlsx.read.inspection import INSPECTION_FILE, load_inspection  # noqa: E402
from siyi_xlsx.read.master import load_campaign  # noqa: E402
from siyi_xlsx.sample import build_sample_master, sample_inspection  # noqa: E402
from siyi_xlsx.schema.layout import META_SHEET  # noqa: E402
from siyi_xlsx.store.db import open_store  # noqa: E402
from siyi_xlsx.write.inspection import write_inspection_workbook  # noqa: E402
from siyi_xlsx.write.master import write_master  # noqa: E402
from siyi_xlsx.write.unit_workbook import write_unit_workbooks  # noqa: E402


def issue(campaign, target: Path, now: dt.datetime) -> list:  # noqa: ANN001
    """The units' workbooks, carrying over the campaign's last period."""
    with open_store(campaign.folder) as store:
        previous = store.earlier_periods(
            campaign.settings.period, campaign.settings.as_of
        )
    inspection = load_inspection(campaign)
    return write_unit_workbooks(
        campaign, target, previous[-1] if previous else None, inspection, now
    )


def export_history(folder: Path, target: Path) -> None:
    """The July run as an older siyi kept it (history/<期次>/<time>/ CSV files), so the
    sample also shows a campaign from before the store being imported."""
    with open_store(folder) as store:
        (run_id,) = store.db.execute("SELECT MAX(id) FROM runs").fetchone()
        tables = store._period_tables(run_id)  # noqa: SLF001 - sample tooling
    out = target / "20221008T090000000000"
    out.mkdir(parents=True)
    for name in ("tasks", "milestones", "problems"):
        getattr(tables, name).to_csv(
            out / f"{name}.csv", index=False, encoding="utf-8-sig"
        )
    (out / "values.json").write_text(
        json.dumps(tables.values, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (out / "run.json").write_text(
        json.dumps(
            {"period": tables.period, "as_of": tables.as_of, "units": tables.units},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


SETTINGS = {
    "year": 2022,
    "period": "2022Q3",
    "as_of": dt.date(2022, 9, 30),
    "return_deadline": dt.date(2022, 10, 10),
}
AS_OF = SETTINGS["as_of"]
HEADER_ROW = 3
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国海波宁军志红晓东雪梅春雨"
)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
    )


def mobile(rng: random.Random) -> str:
    return rng.choice(("139", "138", "158", "186", "135")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


class Sheet:
    """A filled sheet of an issued workbook, addressed by column title."""

    def __init__(self, ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
        self.ws = ws
        self.cols = {str(c.value): c.column for c in ws[HEADER_ROW] if c.value}
        self.rows = []
        row = HEADER_ROW + 1
        while ws.cell(row, 1).value not in (None, ""):
            self.rows.append(row)
            row += 1

    def get(self, row: int, title: str):
        return self.ws.cell(row, self.cols[title]).value

    def set(self, row: int, title: str, value) -> str:
        cell = self.ws.cell(row, self.cols[title])
        cell.value = value
        return cell.coordinate

    def addr(self, row: int, title: str) -> str:
        return self.ws.cell(row, self.cols[title]).coordinate


def fill_workbook(
    path: Path, rng: random.Random, diligence: float, as_of: dt.date = AS_OF
) -> dict:
    """Fill an issued workbook as a careful unit would; return handles for planting."""
    book = openpyxl.load_workbook(path)
    ledger, resp, sched, evalu = (
        Sheet(book[n]) for n in ("重点工作台账", "责任书", "推进表", "考评册")
    )
    done_by_task: dict[str, list[bool]] = {}
    for row in sched.rows:
        task = sched.get(row, "任务编号")
        planned = sched.get(row, "计划完成日期")
        planned = planned.date() if isinstance(planned, dt.datetime) else planned
        if sched.get(row, "节点状态") == "已完成" and sched.get(row, "实际完成日期"):
            done_by_task.setdefault(task, []).append(
                True
            )  # done last period: carried over, kept
            continue
        if planned <= as_of and rng.random() < diligence:
            actual = planned - dt.timedelta(days=rng.randrange(0, 6))
            if rng.random() < 0.12:
                actual = min(as_of, planned + dt.timedelta(days=rng.randrange(1, 20)))
            sched.set(row, "实际完成日期", dt.datetime.combine(actual, dt.time()))
            sched.set(row, "节点状态", "已完成")
            sched.set(
                row, "佐证材料", f"{sched.get(row, '完成标志') or '相关文件'}（扫描件）"
            )
            done_by_task.setdefault(task, []).append(True)
        else:
            started = planned <= as_of + dt.timedelta(days=45)
            sched.set(row, "节点状态", "推进中" if started else "未开始")
            done_by_task.setdefault(task, []).append(False)
    for row in ledger.rows:
        task = ledger.get(row, "任务编号")
        flags = done_by_task.get(task, [])
        share = sum(flags) / len(flags) if flags else 0
        progress = (
            100
            if share == 1
            else min(95, max(0, round(share * 100 / 5) * 5 + rng.choice((0, 5, 10))))
        )
        ledger.set(row, "完成进度(%)", progress)
        ledger.set(
            row,
            "进展情况",
            f"已完成{sum(flags)}个节点，{'全部节点已完成' if share == 1 else '正按计划推进后续节点'}。",
        )
        ledger.set(
            row,
            "存在问题",
            rng.choice(
                ("无", "无", "资金到位较慢", "用地手续办理周期较长", "施工受天气影响")
            ),
        )
        ledger.set(row, "下步计划", "按推进表节点倒排工期，确保按时完成。")
        if (
            rng.random() < 0.85
        ):  # most tasks have their “1+4+N” work plan and rules on file
            ledger.set(row, "工作方案", f"《{ledger.get(row, '任务编号')}实施方案》")
            ledger.set(row, "配套制度", "周调度制度、督办通报制度")
        if share == 1 and rng.random() < 0.5:
            ledger.set(row, "申请销号", "是")
            ledger.set(row, "佐证材料", "验收报告、完成情况说明")
    for row in resp.rows:
        resp.set(row, "部门分管领导", person(rng))
        resp.set(row, "分管领导电话", mobile(rng))
        resp.set(row, "具体负责人", person(rng))
        resp.set(row, "负责人电话", mobile(rng))
        resp.set(row, "签字人", resp.get(row, "牵头部门一把手"))
        resp.set(row, "签订日期", dt.datetime(2022, 6, 10))
    for row in evalu.rows:
        points = evalu.get(row, "分值")
        evalu.set(row, "自评分", round(points * rng.uniform(0.8, 1.0), 1))
        evalu.set(row, "自评说明及佐证", "对照评分标准逐项自评，佐证材料见附件。")
    _fill_lists(book, ledger, rng)
    ws = evalu.ws
    for row in range(evalu.rows[-1] + 1, ws.max_row + 1):
        label = ws.cell(row, 2).value
        if label == "单位主要负责人（签字）":
            ws.cell(row, 4).value = resp.get(resp.rows[0], "牵头部门一把手")
        elif label == "战线领导（签字）":
            ws.cell(row, 4).value = resp.get(resp.rows[0], "战线领导") or "（已签）"
        elif label == "确认日期":
            ws.cell(row, 4).value = dt.datetime(2022, 10, 8)
    return {"book": book, "ledger": ledger, "resp": resp, "sched": sched, "eval": evalu}


PROBLEM_POOL = (
    (
        "项目用地报批周期长，影响开工",
        "要素保障",
        "省级用地指标下达晚",
        "提请区政府协调，分期报批",
    ),
    ("配套资金未及时到位", "资金保障", "财政收支压力大", "积极争取上级专项资金"),
    ("配合单位反馈材料不及时", "部门协同", "协调机制不健全", "建立周调度、日通报机制"),
    (
        "群众对施工噪音投诉较多",
        "群众诉求",
        "夜间施工管理不到位",
        "调整施工时间，公开投诉电话",
    ),
)


def _fill_lists(book, ledger: Sheet, rng: random.Random) -> None:
    """About a third of the units report problems, a hard problem and a ranking target."""
    if rng.random() > 0.35:
        return
    tasks = [ledger.get(r, "任务编号") for r in ledger.rows]
    problems = Sheet(book["问题清单"])
    first_free = 4
    while problems.ws.cell(first_free, problems.cols["问题描述"]).value:
        first_free += 1  # rows carried over from last period stay; new problems go below
    for n, (text, category, cause, measure) in enumerate(
        rng.sample(PROBLEM_POOL, rng.choice((1, 2)))
    ):
        row = first_free + n
        status = rng.choice(("整改中", "已整改", "未整改"))
        values = {
            "任务编号": rng.choice(tasks),
            "问题描述": text,
            "问题类别": category,
            "问题来源": rng.choice(("单位自查", "四不两直督查")),
            "原因分析": cause,
            "整改措施": measure,
            "整改时限": dt.datetime(2022, rng.choice((8, 10, 11)), 30),
            "整改状态": status,
        }
        if status == "已整改":
            values.update(
                {
                    "佐证材料": "整改报告",
                    "销号日期": dt.datetime(2022, 9, 20),
                    "举一反三措施": "建立长效机制，举一反三排查同类问题",
                }
            )
        for title, value in values.items():
            problems.ws.cell(row, problems.cols[title]).value = value
    hard = Sheet(book["攻坚破难计划"])
    for title, value in {
        "任务编号": tasks[0],
        "难点堵点": "跨部门审批环节多",
        "攻坚措施": "推行并联审批、容缺受理",
        "责任人": person(rng),
        "完成时限": dt.datetime(2022, 12, 31),
        "进展情况": "已召开专题协调会",
        "攻坚状态": "推进中",
    }.items():
        hard.ws.cell(4, hard.cols[title]).value = value
    advance = Sheet(book["创先晋位工作清单"])
    current = rng.randrange(3, 10)
    for title, value in {
        "指标名称": "营商环境评价得分",
        "排名层级": "全市",
        "当前位次": current,
        "目标位次": current - 2,
        "主要措施": "对标先进地区补短板",
    }.items():
        advance.ws.cell(4, advance.cols[title]).value = value


def set_saved_time(path: Path, when: dt.datetime) -> None:
    """Rewrite docProps/core.xml's modified time, as a later save in Excel would."""
    tmp = path.with_suffix(".tmp")
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rf"\g<1>{when.strftime('%Y-%m-%dT%H:%M:%SZ')}\g<2>",
                    data.decode(),
                )
                data = text.encode()
            dst.writestr(item, data)
    tmp.replace(path)


def make_evaluations(campaign_dir: Path, campaign, rng: random.Random, plant) -> None:
    """Year-end inputs: filled evaluator workbooks (evaluations/) and public survey files (public/)."""
    from siyi_xlsx.write.evaluator import write_evaluator_workbooks

    evaluations = campaign_dir / "evaluations"
    public = campaign_dir / "public"
    evaluations.mkdir()
    public.mkdir()
    quality = {u.code: rng.uniform(0.72, 0.98) for u in campaign.units.values()}
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_evaluator_workbooks(
            campaign, Path(tmp), dt.datetime(2022, 12, 1, 9, 0)
        )
        for number, path in enumerate(sorted(paths)):
            raters = 7 if number == 0 else (3 if "专班" in path.name else 1)
            for r in range(raters):
                book = openpyxl.load_workbook(path)
                ws = book["考评打分"]
                cols = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
                row = HEADER_ROW + 1
                while ws.cell(row, 1).value:
                    points = ws.cell(row, cols["分值"]).value
                    share = min(
                        1.0,
                        max(
                            0.3, quality[ws.cell(row, 1).value] + rng.uniform(-0.08, 0.08)
                        ),
                    )
                    ws.cell(row, cols["评分"]).value = round(points * share, 1)
                    row += 1
                last = row - 1
                name = f"{path.stem}_评分人{r + 1}.xlsx"
                if number == 1 and r == 0:  # a rater who gave every unit full marks
                    for rr in range(HEADER_ROW + 1, last + 1):
                        ws.cell(rr, cols["评分"]).value = ws.cell(rr, cols["分值"]).value
                    plant(
                        name, "考评打分", "", "BALLOT_UNIFORM", "所有单位打满分的无效票"
                    )
                if number == 2 and r == 0:  # a rater who skipped one line
                    ws.cell(last, cols["评分"]).value = None
                    plant(name, "考评打分", "", "BALLOT_INCOMPLETE", "漏打了一项")
                for rr in range(last + 1, ws.max_row + 1):
                    if ws.cell(rr, 2).value == "评分人（签字）":
                        ws.cell(rr, 4).value = f"评分人{r + 1}"
                    elif ws.cell(rr, 2).value == "评分日期":
                        ws.cell(rr, 4).value = dt.datetime(2022, 12, 10)
                book.save(evaluations / name)
                set_saved_time(
                    evaluations / name,
                    dt.datetime(2022, 12, 12, 2, 0) + dt.timedelta(minutes=r),
                )
    answers = ("满意", "基本满意", "不满意", "不了解")
    channels = ("门户网站", "网上问卷", "网格调查", "便民热线")
    lead = sorted(campaign.lead_units(), key=lambda u: u.code)
    votes = openpyxl.Workbook()
    ws = votes.active
    ws.title = "群众测评（逐票）"
    ws.append(["群众测评逐票导入"])
    ws.append(["每行一张票"])
    ws.append(["被评单位", "渠道", "评价"])
    for unit in lead[:20]:
        for _ in range(rng.randrange(35, 60)):
            q = quality[unit.code]
            answer = rng.choices(answers, weights=(q * 10, 3, (1 - q) * 10, 1))[0]
            ws.append([unit.name, rng.choice(channels), answer])
    votes.save(public / "门户网站和问卷_逐票.xlsx")
    lines = ["被评单位,渠道,满意,基本满意,不满意,不了解"]
    for index, unit in enumerate(lead[20:]):
        n = (
            12 if index == 0 else rng.randrange(40, 80)
        )  # the first has too few votes to count
        q = quality[unit.code]
        satisfied = round(n * q * 0.8)
        basic = round((n - satisfied) * 0.6)
        lines.append(
            f"{unit.name},网格调查,{satisfied},{basic},{n - satisfied - basic},{rng.randrange(0, 6)}"
        )
    (public / "网格调查汇总.csv").write_bytes(("\n".join(lines) + "\n").encode("gbk"))


PREVIOUS = {
    "year": 2022,
    "period": "2022M07",
    "as_of": dt.date(2022, 7, 31),
    "return_deadline": dt.date(2022, 8, 5),
}


def make_previous_period(campaign_dir: Path, rng: random.Random) -> dict:
    """The July report, already run by the office: leaves history/2022M07/ behind.

    Planted for the quarter that follows: a task closed off in July that reopens, a
    deadline that moved between the two masters, a problem closed in July (错题本) whose
    kind comes back (重复再犯), and an open problem a unit leaves out of its next list.
    """
    from siyi_xlsx.pipeline import run

    data = build_sample_master()
    early = sorted(
        (t for t in data["tasks"] if t["deadline"] <= PREVIOUS["as_of"]),
        key=lambda t: t["task_id"],
    )
    reopen = early[0]
    moved = next(t for t in data["tasks"] if t["deadline"] >= dt.date(2022, 11, 30))
    old_deadline = moved["deadline"] + dt.timedelta(
        days=31
    )  # July's master gave it a month more
    moved["deadline"] = old_deadline
    last = max(
        (m for m in data["milestones"] if m["task_id"] == moved["task_id"]),
        key=lambda m: m["seq"],
    )
    last["planned_date"] = old_deadline
    by_unit = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "july"
        folder.mkdir()
        write_master(folder / "任务总表.xlsx", data, PREVIOUS)
        campaign = load_campaign(folder)
        (folder / "returned").mkdir()
        issued = sorted(
            issue(campaign, folder / "issued", dt.datetime(2022, 7, 20, 9, 0)),
            key=lambda f: f.unit.code,
        )
        units = {u.name: u for u in campaign.units.values()}
        repeat_unit = issued[2].unit
        dropped_unit = issued[3].unit
        for item in issued:
            handles = fill_workbook(
                item.path,
                random.Random(item.unit.code),
                diligence=0.95,
                as_of=PREVIOUS["as_of"],
            )
            book, ledger, sched = handles["book"], handles["ledger"], handles["sched"]
            if item.unit.name == reopen["lead_unit"]:
                for row in sched.rows:
                    if sched.get(row, "任务编号") == reopen["task_id"]:
                        planned = sched.get(row, "计划完成日期")
                        sched.set(row, "节点状态", "已完成")
                        sched.set(row, "实际完成日期", planned)
                for row in ledger.rows:
                    if ledger.get(row, "任务编号") == reopen["task_id"]:
                        ledger.set(row, "完成进度(%)", 100)
                        ledger.set(row, "申请销号", "是")
                        ledger.set(row, "佐证材料", "验收报告")
            problems = Sheet(book["问题清单"])
            if item.unit.code in (repeat_unit.code, dropped_unit.code):
                closed = item.unit.code == repeat_unit.code
                values = {
                    "任务编号": ledger.get(ledger.rows[0], "任务编号"),
                    "问题描述": "项目用地报批慢" if closed else "配套资金未到位",
                    "问题类别": "要素保障" if closed else "资金保障",
                    "问题来源": "四不两直督查",
                    "原因分析": "报批材料准备不充分",
                    "整改措施": "专人跟踪报批",
                    "整改时限": dt.datetime(2022, 7, 25),
                    "整改状态": "已整改" if closed else "整改中",
                }
                if closed:
                    values.update(
                        {
                            "佐证材料": "用地批复",
                            "销号日期": dt.datetime(2022, 7, 28),
                            "举一反三措施": "建立用地报批提前介入机制",
                        }
                    )
                for title, value in values.items():
                    problems.ws.cell(4, problems.cols[title]).value = value
            book.save(item.path)
            shutil.copy(item.path, folder / "returned" / item.path.name)
        run(folder)
        export_history(folder, campaign_dir / "history" / PREVIOUS["period"])
        by_unit = {
            "reopen": reopen,
            "moved": moved,
            "repeat": repeat_unit,
            "dropped": dropped_unit,
            "units": units,
        }
    return by_unit


def plant_across_periods(
    item, book, ledger: Sheet, sched: Sheet, previous: dict, plant
) -> None:
    """Q3 changes against July: the reopened task, the repeated problem, the dropped one."""
    name = item.path.name
    if item.unit.name == previous["reopen"]["lead_unit"]:
        task = previous["reopen"]["task_id"]
        last = max(r for r in sched.rows if sched.get(r, "任务编号") == task)
        sched.set(last, "节点状态", "推进中")  # found not done after all at the Q3 check
        sched.set(last, "实际完成日期", None)
        for row in ledger.rows:
            if ledger.get(row, "任务编号") == task:
                ledger.set(row, "完成进度(%)", 80)
                ledger.set(row, "申请销号", "否")
        plant(
            "历史对比", "", "", "TASK_REOPENED", "7 月申请销号的任务 9 月又有节点未完成"
        )
    problems = Sheet(book["问题清单"])
    if item.unit.code == previous["dropped"].code:
        for r in range(4, 40):
            for c in problems.cols.values():
                problems.ws.cell(r, c).value = None
        plant(
            name, "问题清单", "", "PROBLEM_DROPPED", "7 月未整改的问题 9 月清单里没有了"
        )
    if item.unit.code == previous["repeat"].code:
        row = 4
        while problems.ws.cell(row, problems.cols["问题描述"]).value:
            row += 1
        values = {
            "任务编号": ledger.get(ledger.rows[0], "任务编号"),
            "问题描述": "新增地块征收进度慢",
            "问题类别": "要素保障",
            "问题来源": "单位自查",
            "整改措施": "成立征收专班",
            "整改时限": dt.datetime(2022, 11, 30),
            "整改状态": "整改中",
        }
        for title, value in values.items():
            problems.ws.cell(row, problems.cols[title]).value = value
        plant(
            name,
            "问题清单",
            f"D{row}",
            "REPEAT_PROBLEM",
            "7 月整改过的“要素保障”问题又出现",
        )


def main() -> None:
    rng = random.Random(20220930)
    campaign_dir = ROOT / "campaign"
    if campaign_dir.exists():
        shutil.rmtree(campaign_dir)
    campaign_dir.mkdir(parents=True)
    previous = make_previous_period(campaign_dir, rng)
    write_master(campaign_dir / "任务总表.xlsx", build_sample_master(), SETTINGS)
    write_inspection_workbook(campaign_dir / INSPECTION_FILE, sample_inspection())
    campaign = load_campaign(campaign_dir)
    returned = campaign_dir / "returned"
    returned.mkdir()
    planted: list[dict] = []

    def plant(file: str, sheet: str, cell: str, code: str, note: str) -> None:
        planted.append(
            {"file": file, "sheet": sheet, "cell": cell, "code": code, "note": note}
        )

    with tempfile.TemporaryDirectory() as tmp:
        issued = issue(campaign, Path(tmp), dt.datetime(2022, 9, 20, 9, 0))
        issued.sort(key=lambda f: f.unit.code)
        for index, item in enumerate(issued):
            name = item.path.name
            if index in (40, 41, 42):
                continue  # these units have not returned anything
            handles = fill_workbook(
                item.path, rng, diligence=0.55 if index % 9 == 4 else 0.93
            )
            book, ledger, sched, evalu, resp = (
                handles[k] for k in ("book", "ledger", "sched", "eval", "resp")
            )
            first = ledger.rows[0]
            plant_across_periods(item, book, ledger, sched, previous, plant)
            if "督办单DB2022-01" in book.sheetnames:  # one unit answers its 督办单
                page = book["督办单DB2022-01"]
                answers = {
                    "办理情况": "已召开专题调度会，滞后节点已完成 2 个",
                    "办理结果": "办理中",
                    "反馈日期": dt.datetime(2022, 10, 8),
                }
                for row in page.iter_rows():
                    if row[0].value in answers:
                        row[1].value = answers[row[0].value]
            if index == 1:
                plant(
                    name,
                    "重点工作台账",
                    ledger.set(first, "完成进度(%)", "过半"),
                    "PERCENT_AMBIGUOUS",
                    "进度填了文字",
                )
            elif index == 2:
                plant(
                    name,
                    "推进表",
                    sched.set(sched.rows[0], "实际完成日期", "2022.7.15"),
                    "COERCED_DATE",
                    "日期写成 2022.7.15",
                )
                sched.set(sched.rows[0], "节点状态", "已完成")
                plant(
                    name,
                    "重点工作台账",
                    ledger.set(first, "完成进度(%)", "60%"),
                    "COERCED_PERCENT",
                    "进度写成文字 60%",
                )
            elif index == 3:
                row = sched.rows[0]
                sched.set(row, "节点状态", "已完成")
                plant(
                    name,
                    "推进表",
                    sched.set(row, "实际完成日期", dt.datetime(2022, 10, 20)),
                    "ACTUAL_AFTER_AS_OF",
                    "实际完成日期晚于数据截止日期",
                )
            elif index == 4:
                row = evalu.rows[0]
                plant(
                    name,
                    "考评册",
                    evalu.set(row, "自评分", evalu.get(row, "分值") + 5),
                    "SELF_SCORE_OVER",
                    "自评分超过分值",
                )
            elif index == 5:
                ledger.set(first, "申请销号", "是")
                plant(
                    name,
                    "重点工作台账",
                    ledger.set(first, "佐证材料", None),
                    "REQUIRED",
                    "申请销号但没有佐证材料",
                )
                task = ledger.get(first, "任务编号")
                for row in sched.rows:
                    if (
                        sched.get(row, "任务编号") == task
                        and sched.get(row, "节点状态") == "已完成"
                        and row
                        == max(r for r in sched.rows if sched.get(r, "任务编号") == task)
                    ):
                        pass
                last = max(r for r in sched.rows if sched.get(r, "任务编号") == task)
                sched.set(last, "节点状态", "推进中")
                sched.set(last, "实际完成日期", None)
                plant(
                    name,
                    "重点工作台账",
                    ledger.addr(first, "申请销号"),
                    "CLOSE_NOT_DONE",
                    "申请销号但节点未全部完成",
                )
            elif index == 6:
                task = ledger.get(first, "任务编号")
                last = max(r for r in sched.rows if sched.get(r, "任务编号") == task)
                sched.set(last, "节点状态", "推进中")
                sched.set(last, "实际完成日期", None)
                ledger.set(first, "申请销号", "否")
                plant(
                    name,
                    "重点工作台账",
                    ledger.set(first, "完成进度(%)", 100),
                    "PROGRESS_100_NOT_DONE",
                    "进度100%但最后节点未完成",
                )
            elif index == 7:
                plant(
                    name,
                    "责任书",
                    resp.set(resp.rows[0], "负责人电话", "1380000"),
                    "BAD_FORMAT",
                    "电话号码位数不对",
                )
            elif index == 8:
                plant(
                    name,
                    "重点工作台账",
                    ledger.set(first, "进展情况", None),
                    "REQUIRED",
                    "进展情况未填",
                )
            elif index == 9:
                sched.set(sched.rows[0], "节点状态", "已完成")
                plant(
                    name,
                    "推进表",
                    sched.set(sched.rows[0], "实际完成日期", "6/30"),
                    "DATE_AMBIGUOUS",
                    "日期缺年份",
                )
                sched.set(sched.rows[1], "节点状态", "已完成")
                plant(
                    name,
                    "推进表",
                    sched.set(sched.rows[1], "实际完成日期", "2022-13-01"),
                    "DATE_INVALID",
                    "不存在的日期",
                )
            elif index == 10:
                cell = ledger.ws.cell(HEADER_ROW, ledger.cols["完成进度(%)"])
                cell.value = "进度"
                plant(
                    name, "重点工作台账", cell.coordinate, "HEADER_RENAMED", "表头被改名"
                )
            elif index == 11:
                del book["考评册"]
                plant(name, "考评册", "", "SHEET_MISSING", "删除了考评册工作表")
            elif index == 13:
                del book[META_SHEET]
                plant(
                    f"{item.unit.name}报送材料.xlsx",
                    "",
                    "",
                    "META_MISSING",
                    "元数据表被删除，按文件名识别",
                )
            elif index == 18:
                plant(
                    name,
                    "推进表",
                    sched.set(sched.rows[0], "计划完成日期", dt.datetime(2022, 12, 31)),
                    "PREFILL_CHANGED",
                    "改了预填的计划日期",
                )
                row = sched.rows[1]
                sched.set(row, "节点状态", "已完成")
                plant(
                    name,
                    "推进表",
                    sched.set(row, "实际完成日期", None),
                    "REQUIRED",
                    "节点已完成但没填实际完成日期",
                )
            elif index == 19:
                row = sched.rows[0]
                sched.set(row, "实际完成日期", dt.datetime(2022, 6, 1))
                plant(
                    name,
                    "推进表",
                    sched.set(row, "节点状态", "推进中"),
                    "ACTUAL_WITHOUT_DONE",
                    "填了完成日期但状态不是已完成",
                )
            elif index == 20:
                plant(
                    name,
                    "考评册",
                    evalu.set(evalu.rows[0], "自评分", "18分"),
                    "COERCED_NUMBER",
                    "自评分带“分”字",
                )
                plant(
                    name,
                    "重点工作台账",
                    ledger.set(first, "完成进度(%)", 0.45),
                    "COERCED_PERCENT",
                    "进度写成小数 0.45",
                )
            elif index == 21:
                missing = ledger.get(ledger.rows[-1], "任务编号")
                ledger.ws.delete_rows(ledger.rows[-1])
                plant(
                    name, "重点工作台账", "", "ROW_MISSING", f"删除了任务 {missing} 的行"
                )
            book.save(item.path)
            target = returned / name
            if index == 13:
                target = returned / f"{item.unit.name}报送材料.xlsx"
            shutil.copy(item.path, target)
            saved = dt.datetime(2022, 10, 8, 2, 0) + dt.timedelta(minutes=index)  # UTC
            if index in (
                22,
                23,
            ):  # two units sent their (correct) files after the deadline
                saved = dt.datetime(2022, 10, 12, 1, 30) + dt.timedelta(minutes=index)
            set_saved_time(target, saved)
            if index == 12:  # the unit sent an earlier draft too
                older = returned / f"早前稿_{name}"
                shutil.copy(item.path, older)
                set_saved_time(older, dt.datetime(2022, 10, 1, 9, 0))
                plant(
                    older.name,
                    "",
                    "",
                    "DUPLICATE_SUBMISSION",
                    "同一单位报送了两次，较早的未采用",
                )
            if index == 16:  # a file whose metadata names a unit the master does not have
                foreign = returned / "外区单位_填报表.xlsx"
                book2 = openpyxl.load_workbook(target)
                ws = book2[META_SHEET]
                for row in ws.iter_rows(min_row=2):
                    if row[0].value == "unit_code":
                        row[1].value = "U999"
                book2.save(foreign)
                plant(foreign.name, "", "", "UNIT_NOT_IN_MASTER", "不是本区单位的文件")
            if index == 17:  # last quarter's workbook sent by mistake
                book2 = openpyxl.load_workbook(target)
                ws = book2[META_SHEET]
                for row in ws.iter_rows(min_row=2):
                    if row[0].value == "period":
                        row[1].value = "2022Q2"
                target.unlink()
                book2.save(returned / name.replace("2022Q3", "2022Q2"))
                plant(
                    name.replace("2022Q3", "2022Q2"),
                    "",
                    "",
                    "PERIOD_MISMATCH",
                    "报送了上一期的表",
                )
        # a unit that sent a scanned PDF with its workbook (recorded as its attachment),
        # and a file damaged in transfer
        u14, u15 = issued[14].unit, issued[15].unit
        (returned / f"{u14.code}_{u14.name}.pdf").write_bytes(
            b"%PDF-1.4\n% a scan of the printed form\n%%EOF\n"
        )
        good = (returned / issued[15].path.name).read_bytes()
        (returned / issued[15].path.name).unlink()
        damaged = f"{u15.code}_{u15.name}_损坏.xlsx"
        (returned / damaged).write_bytes(good[: len(good) // 2])
        plant(damaged, "", "", "FILE_UNREADABLE", "文件传输中损坏")
        (returned / "~$临时文件.xlsx").write_bytes(b"lock")
    plant(
        "历史对比",
        "",
        "",
        "DEADLINE_MOVED",
        f"任务 {previous['moved']['task_id']} 的完成时限比 7 月提前了一个月",
    )
    make_evaluations(campaign_dir, campaign, rng, plant)
    (ROOT / "planted.json").write_text(
        json.dumps(planted, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"示例工作目录：{campaign_dir}（回收文件 {len(list(returned.iterdir()))} 个，预埋问题 {len(planted)} 处）"
    )


if __name__ == "__main__":
    main()
