"""Shared fixtures: a small hand-made campaign, issuing its workbooks, and filling them in
with openpyxl the way a unit would (by sheet, task/milestone key and column title)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from siyi_xlsx import api
from siyi_xlsx.compute.analysis import Analysis
from siyi_xlsx.pipeline import RunResult, run
from siyi_xlsx.read.master import MASTER_FILE
from siyi_xlsx.write.master import write_master

D = dt.date
HEADER_ROW = 3

SMALL = {
    "units": [
        {
            "code": "U01",
            "name": "区发展和改革局",
            "kind": "区直部门",
            "head": "赵一",
            "contact": "钱二",
            "phone": "13900000001",
        },
        {
            "code": "U02",
            "name": "长青乡",
            "kind": "乡镇",
            "head": "孙三",
            "contact": "李四",
            "phone": "13900000002",
        },
        {
            "code": "U03",
            "name": "永安街道办事处",
            "kind": "街道",
            "head": "周五",
            "contact": "吴六",
            "phone": "13900000003",
        },
        {
            "code": "U04",
            "name": "区统计局",
            "kind": "区直部门",
            "head": "郑七",
            "contact": "王八",
            "phone": "13900000004",
        },
    ],
    "leaders": [
        {
            "name": "陈副区长",
            "title": "政府副区长",
            "units": "区发展和改革局、长青乡、永安街道办事处、区统计局",
        }
    ],
    "teams": [
        {
            "code": "ZB01",
            "name": "产业专班",
            "leader_unit": "区发展和改革局",
            "leader": "陈副区长",
            "members": "区发展和改革局、长青乡",
        }
    ],
    "tasks": [
        {
            "task_id": "T1",
            "title": "项目一",
            "category": "区政府工作部署",
            "area": "加快重点产业集聚",
            "lead_unit": "区发展和改革局",
            "support_units": "长青乡",
            "front_leader": "陈副区长",
            "team": "产业专班",
            "target": "完成投资1亿元",
            "deadline": D(2022, 12, 31),
            "weight": 2,
        },
        {
            "task_id": "T2",
            "title": "项目二",
            "category": "区政府工作部署",
            "area": "加快重点产业集聚",
            "lead_unit": "区发展和改革局",
            "support_units": "",
            "front_leader": "陈副区长",
            "team": "产业专班",
            "target": "新增企业10家",
            "deadline": D(2022, 9, 30),
            "weight": 1,
        },
        {
            "task_id": "T3",
            "title": "乡村整治",
            "category": "区政府工作部署",
            "area": "打造综合治理样板",
            "lead_unit": "长青乡",
            "support_units": "",
            "front_leader": "陈副区长",
            "team": "",
            "target": "整治村屯5个",
            "deadline": D(2022, 11, 30),
            "weight": 1,
        },
        {
            "task_id": "T4",
            "title": "社区服务",
            "category": "临时纳入事项",
            "area": "满足群众美好需求",
            "lead_unit": "永安街道办事处",
            "support_units": "",
            "front_leader": "陈副区长",
            "team": "",
            "target": "建成服务站2个",
            "deadline": D(2022, 12, 31),
            "weight": 1,
        },
    ],
    "milestones": [
        {
            "task_id": "T1",
            "seq": 1,
            "content": "立项",
            "planned_date": D(2022, 6, 30),
            "done_mark": "立项批复",
        },
        {
            "task_id": "T1",
            "seq": 2,
            "content": "开工",
            "planned_date": D(2022, 8, 31),
            "done_mark": "施工许可",
        },
        {
            "task_id": "T1",
            "seq": 3,
            "content": "主体完工",
            "planned_date": D(2022, 10, 31),
            "done_mark": "验收",
        },
        {
            "task_id": "T1",
            "seq": 4,
            "content": "投产",
            "planned_date": D(2022, 12, 31),
            "done_mark": "投产报告",
        },
        {
            "task_id": "T2",
            "seq": 1,
            "content": "招商",
            "planned_date": D(2022, 7, 31),
            "done_mark": "签约",
        },
        {
            "task_id": "T2",
            "seq": 2,
            "content": "落户",
            "planned_date": D(2022, 9, 30),
            "done_mark": "注册",
        },
        {
            "task_id": "T3",
            "seq": 1,
            "content": "摸底",
            "planned_date": D(2022, 10, 15),
            "done_mark": "台账",
        },
        {
            "task_id": "T3",
            "seq": 2,
            "content": "整治",
            "planned_date": D(2022, 11, 30),
            "done_mark": "验收",
        },
        {
            "task_id": "T4",
            "seq": 1,
            "content": "选址",
            "planned_date": D(2022, 7, 15),
            "done_mark": "选址意见",
        },
        {
            "task_id": "T4",
            "seq": 2,
            "content": "建设",
            "planned_date": D(2022, 12, 31),
            "done_mark": "挂牌",
        },
    ],
    "indicators": [
        {
            "code": "KP01",
            "name": "目标完成",
            "points": 60,
            "criteria": "全面完成得60分",
            "applies_to": "全部",
            "evidence_required": "是",
        },
        {
            "code": "KP02",
            "name": "工作推进",
            "points": 40,
            "criteria": "按节点推进得40分",
            "applies_to": "全部",
            "evidence_required": "否",
        },
        {
            "code": "KP03",
            "name": "招商引资",
            "points": 5,
            "criteria": "完成招商任务得5分",
            "applies_to": "区直部门",
            "evidence_required": "否",
        },
    ],
}
SETTINGS = {
    "year": 2022,
    "period": "2022Q3",
    "as_of": D(2022, 9, 30),
    "return_deadline": D(2022, 10, 10),
}


class Campaign:
    """A campaign folder in a test: issue, fill, run (or only analyse)."""

    def __init__(self, folder: Path, handout: Handout | None = None) -> None:
        self.folder = folder
        self.returned = folder / "returned"
        self.returned.mkdir(parents=True, exist_ok=True)
        self._issued: dict[str, Path] = {}
        self._handout = handout

    def issue(self) -> dict[str, Path]:
        if self._handout is not None and self._handout.fits(self.folder):
            self._issued = self._handout.copy_into(self.folder)
            return self._issued
        result = api.handout(
            self.folder, now=dt.datetime(2022, 9, 20, 9, 0), evaluation_forms=False
        )
        self._issued = {f.unit.code: f.path for f in result.files}
        return self._issued

    def issued(self, code: str) -> Path:
        if not self._issued:
            self.issue()
        return self._issued[code]

    def fill(
        self,
        code: str,
        edits: dict[tuple[str, Any, str], Any] | None = None,
        *,
        complete: bool = True,
        name: str | None = None,
        mutate=None,
        saved: str | None = "2022-10-08T02:00:00Z",
    ) -> Path:
        """Copy unit ``code``'s workbook into returned/, filled.

        ``complete`` fills every required input plausibly (milestones due by the as-of
        date done on time). ``edits`` then sets cells: (sheet, key, column title) -> value,
        where key is a task id, (task id, seq) for 推进表, or an indicator code.
        """
        issued = self.issued(code)
        target = self.returned / (name or issued.name)
        # a plain complete fill of the same issued workbook gives the same workbook:
        # it is made once per session and its bytes reused
        plain = complete and not edits and mutate is None and saved is not None
        key = (hashlib.sha256(issued.read_bytes()).hexdigest(), saved) if plain else None
        if key in _PLAIN_FILLS:
            target.write_bytes(_PLAIN_FILLS[key])
            return target
        book = openpyxl.load_workbook(issued)
        if complete:
            fill_plausibly(book)
        for (sheet, key_, title), value in (edits or {}).items():
            set_cell(book[sheet], key_, title, value)
        if mutate:
            mutate(book)
        book.save(target)
        if saved:
            set_saved_time(target, saved)
        if key is not None:
            _PLAIN_FILLS[key] = target.read_bytes()
        return target

    def run(self) -> RunResult:
        """The whole batch, result workbooks and 退回件 included (``siyi run``)."""
        return run(self.folder)

    def analyse(self) -> Analysis:
        """The period's analysis as ``siyi status`` gives it: the same issues, statuses,
        tables and submissions as ``run``, without writing the result workbooks."""
        return api.status(self.folder)


# (sha256 of the issued workbook, saved time) -> bytes of its plain complete fill
_PLAIN_FILLS: dict[tuple[str, str], bytes] = {}


class Handout:
    """The SMALL campaign's handout, made once per session: a test folder that is still
    exactly as the ``small`` fixture made it gets a copy of what ``siyi issue`` left."""

    def __init__(self, folder: Path) -> None:
        self.master = (folder / MASTER_FILE).read_bytes()  # as write_master left it
        issued = Campaign(folder).issue()  # the real handout
        assert (folder / MASTER_FILE).read_bytes() == self.master
        self.folder = folder
        self.left = sorted(
            p.name for p in folder.iterdir() if p.name not in (MASTER_FILE, "returned")
        )
        self.files = {code: path.relative_to(folder) for code, path in issued.items()}

    def fits(self, folder: Path) -> bool:
        """Nothing in ``folder`` but the untouched master and returned/ (the handout
        reads the master, 督导检查.xlsx, the store and history/; none may differ)."""
        names = {p.name for p in folder.iterdir()}
        return (
            names == {MASTER_FILE, "returned"}
            and (folder / MASTER_FILE).read_bytes() == self.master
        )

    def copy_into(self, folder: Path) -> dict[str, Path]:
        for name in self.left:
            source = self.folder / name
            if source.is_dir():
                shutil.copytree(source, folder / name, copy_function=shutil.copyfile)
            else:
                shutil.copyfile(source, folder / name)
        return {code: folder / path for code, path in self.files.items()}


def set_saved_time(path: Path, when: str) -> None:
    """Set docProps/core.xml's modified time (UTC), as the unit's own save would."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    core = items["docProps/core.xml"].decode()
    items["docProps/core.xml"] = re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{when}\g<2>", core
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)


def rows_by_key(ws) -> tuple[dict[str, int], dict[Any, int]]:
    cols = {str(c.value): c.column for c in ws[HEADER_ROW] if c.value}
    keys: dict[Any, int] = {}
    row = HEADER_ROW + 1
    while ws.cell(row, 1).value not in (None, ""):
        first = ws.cell(row, 1).value
        if "节点序号" in cols:
            keys[(first, ws.cell(row, cols["节点序号"]).value)] = row
        else:
            keys[first] = row
        row += 1
    return cols, keys


def set_cell(ws, key: Any, title: str, value: Any) -> str:
    cols, keys = rows_by_key(ws)
    cell = ws.cell(keys[key], cols[title])
    cell.value = value
    return cell.coordinate


def cell_of(ws, key: Any, title: str) -> str:
    cols, keys = rows_by_key(ws)
    return ws.cell(keys[key], cols[title]).coordinate


def fill_plausibly(book, as_of: dt.date = SETTINGS["as_of"]) -> None:
    ws = book["推进表"]
    cols, keys = rows_by_key(ws)
    done: dict[str, list[bool]] = {}
    for (task, _seq), row in keys.items():
        planned = ws.cell(row, cols["计划完成日期"]).value.date()
        finished = planned <= as_of
        done.setdefault(task, []).append(finished)
        ws.cell(row, cols["节点状态"]).value = "已完成" if finished else "推进中"
        if finished:
            ws.cell(row, cols["实际完成日期"]).value = dt.datetime.combine(
                planned, dt.time()
            )
    ws = book["重点工作台账"]
    cols, keys = rows_by_key(ws)
    for task, row in keys.items():
        flags = done.get(task, [])
        ws.cell(row, cols["完成进度(%)"]).value = (
            round(100 * sum(flags) / len(flags)) if flags else 0
        )
        ws.cell(row, cols["进展情况"]).value = "按计划推进"
    ws = book["责任书"]
    cols, keys = rows_by_key(ws)
    for row in keys.values():
        ws.cell(row, cols["部门分管领导"]).value = "分管甲"
        ws.cell(row, cols["具体负责人"]).value = "经办乙"
        ws.cell(row, cols["负责人电话"]).value = "13812345678"
    ws = book["考评册"]
    cols, keys = rows_by_key(ws)
    for row in keys.values():
        ws.cell(row, cols["自评分"]).value = ws.cell(row, cols["分值"]).value
        ws.cell(row, cols["自评说明及佐证"]).value = "见佐证材料"
    for row in range(max(keys.values()) + 1, ws.max_row + 1):
        if ws.cell(row, 2).value in ("单位主要负责人（签字）", "战线领导（签字）"):
            ws.cell(row, 4).value = "已签"
        elif ws.cell(row, 2).value == "确认日期":
            ws.cell(row, 4).value = dt.datetime(2022, 10, 8)


def codes_at(result: RunResult, file_part: str = "") -> set[tuple[str, str, str]]:
    """(code, sheet, cell) of every issue of files whose name contains ``file_part``."""
    return {(i.code, i.sheet, i.cell) for i in result.issues if file_part in i.file}


@pytest.fixture(scope="session")
def small_handout(tmp_path_factory) -> Handout:
    folder = tmp_path_factory.mktemp("small-handout") / "campaign"
    folder.mkdir()
    write_master(folder / MASTER_FILE, SMALL, SETTINGS)
    return Handout(folder)


@pytest.fixture
def small(tmp_path: Path, small_handout: Handout) -> Campaign:
    """The SMALL campaign's folder with its master (a copy of one written by
    ``write_master``); the units' workbooks are issued when a test first needs them."""
    folder = tmp_path / "campaign"
    folder.mkdir()
    (folder / MASTER_FILE).write_bytes(small_handout.master)
    return Campaign(folder, small_handout)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> tuple[Path, RunResult]:
    """The committed samples/ batch, run once per session on a copy."""
    root = Path(__file__).resolve().parent.parent / "samples" / "campaign"
    folder = tmp_path_factory.mktemp("samples") / "campaign"
    shutil.copytree(root, folder)
    return folder, run(folder)
