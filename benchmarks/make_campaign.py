"""Generate an N-unit campaign for the benchmark: the sample master replicated into groups,
the unit workbooks issued, and most of them returned filled in as units would.

    python benchmarks/make_campaign.py [--units 1000] [--fresh] [--seed 20220930]

The campaign is the project's own sample (``build_sample_master``: 44 lead units, 76 tasks,
about 300 milestones) copied into groups of 44 so that there are N lead units with the same
realistic shape per unit. Each group has its own unit codes and names, task ids, 战线领导,
people and 专班; cross references (lead and support units, 战线领导, 专班 members, 加减分登记,
销号审核) are remapped within the group. The last group is cut to reach exactly N.

Filling is fast: each of the 44 positions of group 0 is filled once with openpyxl by
``samples/make_samples.py``'s ``fill_workbook``; the cells it wrote are then patched straight
into the sheet XML of every group's issued file at that position (the issued file's input
cells are empty styled cells; their style is kept), with the group's own task ids and names.
About 96 % of the units return a file; about 10 % of the returns carry one realistic error
(a percent typed as text, a date after the data cut-off, a self-score above the points, a
required field blank, a phone number too short, a date that does not exist).

The result is cached under ``benchmarks/.cache/N<size>/`` (``campaign/`` and
``manifest.json``); a rerun reuses it unless ``--fresh``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

CACHE = Path(__file__).resolve().parent / ".cache"
GROUP = 44  # lead units in the sample master
NOW = dt.datetime(2022, 9, 20, 9, 0)  # when the office issued the workbooks
RETURN_RATE = 0.96
ERROR_RATE = 0.10
ERROR_KINDS = (
    "percent_text",
    "actual_after_as_of",
    "self_score_over",
    "required_blank",
    "bad_phone",
    "date_invalid",
)


# ------------------------------------------------------------------ the master


def group_suffix(group: int) -> str:
    return f"（{group + 1:03d}）"


def build_master(units: int, seed: int = 2022) -> dict[str, list[dict]]:
    """The sample master replicated into ceil(units / 44) groups, the last one cut so that
    there are exactly ``units`` lead units."""
    from siyi_xlsx.sample import _NameMaker, build_sample_master

    base = build_sample_master(seed)
    assert len(base["units"]) == GROUP
    names = _NameMaker(random.Random(seed + 1))  # unique people across all groups
    out: dict[str, list[dict]] = {k: [] for k in base}
    out["indicators"] = base["indicators"]
    for group in range(math.ceil(units / GROUP)):
        keep = min(GROUP, units - group * GROUP)
        m = group_map(base, group, names)
        kept_units = {u["name"] for u in base["units"][:keep]}
        for number, u in enumerate(base["units"][:keep], start=1):
            out["units"].append(
                {
                    **u,
                    "code": unit_code(group, number),
                    "name": m["unit"][u["name"]],
                    "head": m["person"][u["head"]],
                    "contact": m["person"][u["contact"]],
                }
            )
        for leader in base["leaders"]:
            covered = [x for x in leader["units"].split("、") if x in kept_units]
            if covered:
                out["leaders"].append(
                    {
                        **leader,
                        "name": m["person"][leader["name"]],
                        "units": "、".join(m["unit"][x] for x in covered),
                    }
                )
        leader_of = {
            x: m["person"][leader["name"]]
            for leader in base["leaders"]
            for x in leader["units"].split("、")
        }
        kept_tasks = {t["task_id"] for t in base["tasks"] if t["lead_unit"] in kept_units}
        teams_used = {t["team"] for t in base["tasks"] if t["task_id"] in kept_tasks}
        for team in base["teams"]:
            members = [x for x in team["members"].split("、") if x in kept_units]
            if team["name"] not in teams_used or not members:
                continue
            head = (
                team["leader_unit"] if team["leader_unit"] in kept_units else members[0]
            )
            out["teams"].append(
                {
                    "code": f"{team['code']}G{group + 1:03d}",
                    "name": m["team"][team["name"]],
                    "leader_unit": m["unit"][head],
                    "leader": leader_of[head],
                    "members": "、".join(m["unit"][x] for x in members),
                }
            )
        for task in base["tasks"]:
            if task["task_id"] not in kept_tasks:
                continue
            support = [x for x in task["support_units"].split("、") if x in kept_units]
            out["tasks"].append(
                {
                    **task,
                    "task_id": m["task"][task["task_id"]],
                    "lead_unit": m["unit"][task["lead_unit"]],
                    "support_units": "、".join(m["unit"][x] for x in support),
                    "front_leader": m["person"][task["front_leader"]],
                    "team": m["team"][task["team"]],
                }
            )
        out["milestones"] += [
            {**ms, "task_id": m["task"][ms["task_id"]]}
            for ms in base["milestones"]
            if ms["task_id"] in kept_tasks
        ]
        out["adjust_entries"] += [
            {**e, "unit": m["unit"][e["unit"]]}
            for e in base["adjust_entries"]
            if e["unit"] in kept_units
        ]
        out["reviews"] += [
            {**r, "task_id": m["task"][r["task_id"]]}
            for r in base["reviews"]
            if r["task_id"] in kept_tasks
        ]
    return out


def unit_code(group: int, number: int) -> str:
    return f"U{group * GROUP + number:05d}"


def group_map(base: dict, group: int, names: Any) -> dict[str, dict[str, str]]:
    """Group ``group``'s unit names, task ids, 专班 names and people for the base's."""
    suffix = group_suffix(group)
    people = [u[k] for u in base["units"] for k in ("head", "contact")]
    people += [leader["name"] for leader in base["leaders"]]
    return {
        "unit": {u["name"]: u["name"] + suffix for u in base["units"]},
        "task": {t["task_id"]: f"G{group + 1:03d}-{t['task_id']}" for t in base["tasks"]},
        "team": {t["name"]: t["name"] + suffix for t in base["teams"]},
        "person": {p: names() for p in dict.fromkeys(people)},
    }


# ------------------------------------------------------------------ issuing


_CAMPAIGN: Any = None
_INSPECTION: Any = None


def _issue_init(folder: str) -> None:
    global _CAMPAIGN, _INSPECTION
    from siyi_xlsx.read.inspection import load_inspection
    from siyi_xlsx.read.master import load_campaign

    _CAMPAIGN = load_campaign(Path(folder))
    _INSPECTION = load_inspection(_CAMPAIGN)


def _issue_chunk(codes: list[str], out_dir: str) -> list[tuple[str, str]]:
    from siyi_xlsx.write.unit_workbook import write_unit_workbook

    campaign = _CAMPAIGN
    inspection = _INSPECTION
    done = []
    for code in codes:
        unit = campaign.units[code] if code in campaign.units else None
        if unit is None:
            unit = next(u for u in campaign.units.values() if u.code == code)
        item = write_unit_workbook(
            campaign, unit, Path(out_dir), NOW, None, inspection.open_orders_of(unit.name)
        )
        done.append((code, str(item.path)))
    return done


def issue_all(folder: Path, codes: list[str], out_dir: Path, workers: int) -> dict:
    """Every lead unit's workbook, written in ``workers`` processes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = [codes[i : i + 25] for i in range(0, len(codes), 25)]
    paths: dict[str, str] = {}
    with cf.ProcessPoolExecutor(
        workers, initializer=_issue_init, initargs=(str(folder),)
    ) as pool:
        for done in pool.map(_issue_chunk, chunks, [str(out_dir)] * len(chunks)):
            paths.update(done)
    return paths


# ------------------------------------------------------------------ filling


def fill_position(issued: Path, rng: random.Random) -> dict[str, Any]:
    """Fill one issued workbook with openpyxl as a unit would; return the cells written
    (sheet -> {cell: value}) and the cells each error kind overrides."""
    import openpyxl
    from make_samples import fill_workbook

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / issued.name
        shutil.copy(issued, path)
        handles = fill_workbook(path, rng, diligence=0.93)
        before = openpyxl.load_workbook(issued)
    book = handles["book"]
    cells: dict[str, dict[str, Any]] = {}
    for ws in book.worksheets:
        old = before[ws.title]
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and c.value != old[c.coordinate].value:
                    cells.setdefault(ws.title, {})[c.coordinate] = c.value
    ledger, sched, evalu, resp = (handles[k] for k in ("ledger", "sched", "eval", "resp"))
    first, row0, row1 = ledger.rows[0], sched.rows[0], sched.rows[1]
    done = ("推进表", sched.addr(row0, "节点状态"), "已完成")
    errors = {
        "percent_text": [("重点工作台账", ledger.addr(first, "完成进度(%)"), "过半")],
        "actual_after_as_of": [
            ("推进表", sched.addr(row0, "实际完成日期"), dt.datetime(2022, 10, 20)),
            done,
        ],
        "self_score_over": [
            (
                "考评册",
                evalu.addr(evalu.rows[0], "自评分"),
                evalu.get(evalu.rows[0], "分值") + 5,
            )
        ],
        "required_blank": [("重点工作台账", ledger.addr(first, "进展情况"), None)],
        "bad_phone": [("责任书", resp.addr(resp.rows[0], "负责人电话"), "1380000")],
        "date_invalid": [
            ("推进表", sched.addr(row1, "实际完成日期"), "2022-13-01"),
            ("推进表", sched.addr(row1, "节点状态"), "已完成"),
        ],
    }
    return {"cells": cells, "errors": errors}


EXCEL_EPOCH = dt.datetime(1899, 12, 30)
CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)(?:/>|>(.*?)</c>)', re.S)
STYLE = re.compile(r' s="[0-9]+"')


def cell_xml(ref: str, style: str, value: Any) -> str:
    if value is None:
        return f'<c r="{ref}"{style}/>'
    if isinstance(value, dt.datetime | dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}"{style}><v>{serial:g}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def patch_sheet(xml: str, patches: dict[str, Any]) -> tuple[str, int]:
    """``xml`` with the cells of ``patches`` set (style kept); and how many were set."""
    hit = 0

    def swap(m: re.Match) -> str:
        nonlocal hit
        ref = m.group(1)
        if ref not in patches:
            return m.group(0)
        hit += 1
        style = STYLE.search(m.group(2) or "")
        return cell_xml(ref, style.group(0) if style else "", patches[ref])

    return CELL.sub(swap, xml), hit


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name inside the xlsx."""
    book = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'<Relationship Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update(
        {
            a: b
            for b, a in re.findall(
                r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels
            )
        }
    )
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]+)"[^>]*r:id="([^"]+)"', book):
        target = targets[rid].lstrip("/")
        out[name] = target if target.startswith("xl/") else "xl/" + target
    return out


def write_return(
    issued: Path, target: Path, patches: dict[str, dict[str, Any]], saved: dt.datetime
) -> None:
    """Copy ``issued`` to ``target`` with ``patches`` (sheet -> cell -> value) written into
    its sheet XML, and the saved time of a later save."""
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(issued) as src, zipfile.ZipFile(tmp, "w") as dst:
        parts = sheet_parts(src)
        by_part = {parts[s]: cells for s, cells in patches.items() if cells}
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename in by_part:
                xml, hit = patch_sheet(data.decode(), by_part[item.filename])
                if hit != len(by_part[item.filename]):
                    raise RuntimeError(
                        f"{issued.name}: {len(by_part[item.filename]) - hit} cells not found"
                    )
                data = xml.encode()
            elif item.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + saved.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    data,
                )
            info = zipfile.ZipInfo(item.filename, item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data, compresslevel=6)
    tmp.replace(target)


TASK_ID = re.compile(r"\bG[0-9]{3}-ZD[0-9]{3}\b")


def remap(value: Any, names: dict[str, str], task_of: dict[str, str]) -> Any:
    """Group 0's value as group g writes it: its own task ids and people."""
    if not isinstance(value, str):
        return value
    if value in names:
        return names[value]
    return TASK_ID.sub(lambda m: task_of.get(m.group(0), m.group(0)), value)


def _fill_job(job: dict) -> None:
    saved = dt.datetime.fromisoformat(job["saved"])
    patches = {s: dict(c) for s, c in job["cells"].items()}
    for sheet, ref, value in job["error"]:
        patches.setdefault(sheet, {})[ref] = value
    write_return(Path(job["issued"]), Path(job["target"]), patches, saved)


# ------------------------------------------------------------------ the campaign


def generate(
    units: int, folder: Path, seed: int = 20220930, workers: int = 0, refill: bool = False
) -> dict:
    """Write the campaign into ``folder`` (master, issued/, returned/); return the manifest."""
    from make_samples import SETTINGS

    from siyi_xlsx.api import make_folders
    from siyi_xlsx.write.master import write_master

    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    timings: dict[str, float] = {}
    data = build_master(units)
    period = SETTINGS["period"]
    codes = [u["code"] for u in data["units"]]
    issued_dir = folder / "issued" / period
    if refill:  # keep the master and the issued workbooks, fill again
        paths = {}
        for path in issued_dir.glob("*.xlsx"):
            code = path.stem.split("_")[2]
            paths[code] = str(path)
        shutil.rmtree(folder / "returned" / period, ignore_errors=True)
        (folder / "returned" / period).mkdir(parents=True)
    else:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        write_master(folder / "任务总表.xlsx", data, SETTINGS)
        make_folders(folder, period)
        timings["master_s"] = time.perf_counter() - started
        t = time.perf_counter()
        paths = issue_all(folder, codes, issued_dir, workers)
        timings["issue_s"] = time.perf_counter() - t
    missing = [c for c in codes if c not in paths]
    if missing:
        raise RuntimeError(f"no workbook issued for {missing[:5]}")

    # fill each position of group 0 once
    t = time.perf_counter()
    numbers = range(1, min(GROUP, units) + 1)
    with cf.ProcessPoolExecutor(workers) as pool:
        filled = pool.map(
            fill_position,
            [Path(paths[unit_code(0, n)]) for n in numbers],
            [random.Random(seed + n) for n in numbers],
        )
        base = dict(zip(numbers, filled, strict=True))
    rng = random.Random(seed)
    timings["fill_positions_s"] = time.perf_counter() - t

    # names of group 0 -> group g, to remap the filled values
    by_code = {u["code"]: u for u in data["units"]}
    leaders = {}
    for leader in data["leaders"]:
        for name in leader["units"].split("、"):
            leaders[name] = leader["name"]
    tasks_by_group: dict[int, dict[str, str]] = {}
    for task in data["tasks"]:
        g, local = task["task_id"].split("-")
        tasks_by_group.setdefault(int(g[1:]) - 1, {})[f"G001-{local}"] = task["task_id"]

    def people(code: str) -> list[str]:
        u = by_code[code]
        return [u["head"], u["contact"], leaders.get(u["name"], "")]

    t = time.perf_counter()
    jobs, manifest_files = [], []
    returned = folder / "returned" / period
    as_of_deadline = dt.datetime(2022, 10, 8, 2, 0)
    for index, code in enumerate(codes):
        group, number = divmod(index, GROUP)
        number += 1
        if rng.random() > RETURN_RATE:
            manifest_files.append({"unit": code, "returned": False})
            continue
        zero = people(unit_code(0, number))
        names = dict(zip(zero, people(code), strict=True))
        names.pop("", None)
        task_of = tasks_by_group[group]
        cells = {
            sheet: {ref: remap(v, names, task_of) for ref, v in c.items()}
            for sheet, c in base[number]["cells"].items()
        }
        kind = rng.choice(ERROR_KINDS) if rng.random() < ERROR_RATE else None
        error = base[number]["errors"][kind] if kind else []
        issued = Path(paths[code])
        saved = as_of_deadline + dt.timedelta(minutes=index % 600)
        jobs.append(
            {
                "issued": str(issued),
                "target": str(returned / issued.name),
                "cells": cells,
                "error": error,
                "saved": saved.isoformat(),
            }
        )
        manifest_files.append(
            {"unit": code, "returned": True, "file": issued.name, "error": kind}
        )
    with cf.ProcessPoolExecutor(workers) as pool:
        list(pool.map(_fill_job, jobs, chunksize=16))
    timings["fill_all_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - started
    manifest = {
        "units": units,
        "groups": math.ceil(units / GROUP),
        "tasks": len(data["tasks"]),
        "milestones": len(data["milestones"]),
        "returned": len(jobs),
        "with_errors": sum(1 for f in manifest_files if f.get("error")),
        "seed": seed,
        "period": period,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "files": manifest_files,
    }
    return manifest


def cached_campaign(
    units: int, fresh: bool = False, quiet: bool = False, refill: bool = False
) -> Path:
    """The cached N-unit campaign folder, generated when missing or ``fresh``; ``refill``
    keeps its master and issued workbooks and fills the returns again."""
    home = CACHE / f"N{units}"
    folder = home / "campaign"
    manifest_path = home / "manifest.json"
    if not fresh and not refill and manifest_path.is_file() and folder.is_dir():
        return folder
    if not quiet:
        print(f"generating a {units}-unit campaign in {folder} ...", flush=True)
    old = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    manifest = generate(units, folder, refill=refill)
    if refill:  # the issue time is the original generation's
        kept = {
            k: v
            for k, v in old.get("timings", {}).items()
            if k in ("master_s", "issue_s")
        }
        manifest["timings"] = {**kept, **manifest["timings"]}
        manifest["timings"]["total_s"] = round(
            sum(manifest["timings"].values()) - manifest["timings"]["total_s"], 1
        )
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    if not quiet:
        print(
            f"generated: {manifest['units']} lead units, {manifest['tasks']} tasks, "
            f"{manifest['milestones']} milestones, {manifest['returned']} returned files "
            f"({manifest['with_errors']} with an error); timings {manifest['timings']}",
            flush=True,
        )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="regenerate even if cached")
    parser.add_argument(
        "--refill", action="store_true", help="keep the issued workbooks, fill them again"
    )
    args = parser.parse_args()
    print(cached_campaign(args.units, args.fresh, refill=args.refill))


if __name__ == "__main__":
    main()
