"""Province-scale benchmark: siyi against the parse floor and a naive pandas script on a
generated N-unit campaign (``make bench``).

    python benchmarks/bench_scale.py [--units 1000 [8000]] [--repeat K] [--pandas-cap 900]
                                     [--fresh] [--write] [--skip-pandas]

For each size N, the campaign comes from ``make_campaign.py`` (cached under
``benchmarks/.cache/N<size>/``, ``--fresh`` regenerates it). Each measure runs in its own
subprocess, in a fresh copy of the campaign folder (master and returned files only, so no
store or cache), and the K rounds are interleaved; the median is printed:

* ``siyi issue``: every lead unit's workbook (and the evaluators' forms);
* ``siyi run --json`` on the returned files, from an empty store; its report is checked
  against the campaign's manifest (every return generated with an error is flagged, no
  clean one is);
* the parse floor: fastexcel reading every sheet of every returned file, and python-calamine;
* a naive pandas consolidation: ``read_excel`` of the 台账 sheet per file, concat,
  ``to_excel``, cut at ``--pandas-cap`` seconds (then reported as "> cap");
* ``siyi check`` on one returned file, a cold start.

Peak memory is the largest sum of RSS over the subprocess and all its descendants (sampled
from /proc every 0.1 s), and the largest single process. ``--write`` records the figures and
the machine in BENCHMARKS.md (a section per date and size, replaced when run again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from make_campaign import cached_campaign  # noqa: E402

PY = sys.executable
SIYI = str(Path(PY).with_name("siyi"))
PAGE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ measuring


@dataclass
class Measure:
    wall: float
    rss_tree: int  # bytes, peak of the sum over the process tree
    rss_single: int  # bytes, peak of one process
    returncode: int
    cut: bool = False
    stdout: str = ""
    extra: dict = field(default_factory=dict)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def run_measured(
    cmd: list[str], cwd: Path | None = None, cap: float | None = None
) -> Measure:
    """Run ``cmd``; its wall time and the peak RSS of its process tree."""
    peak = {"tree": 0, "single": 0}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            tree = _children()
            pids, todo = [], [proc.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += tree.get(pid, [])
            sizes = [_rss(p) for p in pids]
            peak["tree"] = max(peak["tree"], sum(sizes))
            peak["single"] = max(peak["single"], max(sizes, default=0))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    cut = False
    try:
        proc.wait(timeout=cap)
    except subprocess.TimeoutExpired:
        cut = True
        os.killpg(proc.pid, signal.SIGKILL)  # the session we started, and only it
        proc.wait()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    for reader in readers:
        reader.join(5)
    text = b"".join(out).decode("utf-8", "replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = Measure(wall, peak["tree"], peak["single"], proc.returncode, cut, text)
    # CPU seconds of the process and the descendants it waited for: steadier than the
    # wall time when other jobs share the machine
    m.extra["cpu"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    m.extra["stderr"] = b"".join(err).decode("utf-8", "replace")[-2000:]
    return m


# ------------------------------------------------------------------ the floor and pandas

FASTEXCEL = """
import sys, pathlib, fastexcel
cells = 0
files = sorted(pathlib.Path(sys.argv[1]).glob("*.xlsx"))
for path in files:
    reader = fastexcel.read_excel(path)
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None)
        cells += sheet.height * sheet.width
print("files", len(files), "cells", cells)
"""

CALAMINE = """
import sys, pathlib, python_calamine
cells = 0
files = sorted(pathlib.Path(sys.argv[1]).glob("*.xlsx"))
for path in files:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        cells += sum(len(r) for r in rows)
print("files", len(files), "cells", cells)
"""

PANDAS = """
import sys, pathlib, pandas as pd
files = sorted(pathlib.Path(sys.argv[1]).glob("*.xlsx"))
frames = []
for n, path in enumerate(files, start=1):
    frame = pd.read_excel(path, sheet_name="重点工作台账", header=2)
    frame.insert(0, "文件", path.name)
    frames.append(frame)
    print("read", n, flush=True)
pd.concat(frames, ignore_index=True).to_excel(sys.argv[2], index=False)
print("done", len(files), flush=True)
"""


# ------------------------------------------------------------------ one size


def work_copy(campaign: Path, work: Path) -> Path:
    """A fresh campaign folder: the master and the returned files (hard links), no store."""
    from make_samples import SETTINGS  # noqa: F401 - period below

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy2(campaign / "任务总表.xlsx", work / "任务总表.xlsx")
    period = SETTINGS["period"]
    for sub in (f"issued/{period}", f"output/{period}", "evaluations", "public"):
        (work / sub).mkdir(parents=True)
    shutil.copytree(
        campaign / "returned" / period, work / "returned" / period, copy_function=os.link
    )
    return work


MEASURES = ("issue", "run", "fastexcel", "calamine", "pandas", "check")


def one_round(
    campaign: Path, work: Path, cap: float, measures: set[str], check_file: str
) -> dict[str, Measure]:
    from make_samples import SETTINGS

    period = SETTINGS["period"]
    returned = work / "returned" / period
    got: dict[str, Measure] = {}
    work_copy(campaign, work)
    if "issue" in measures:
        got["issue"] = run_measured([SIYI, "issue", str(work)])
        # every workbook it writes: the units' and the evaluators' forms (考评表)
        got["issue"].extra["workbooks"] = sum(
            1 for _ in (work / "issued" / period).rglob("*.xlsx")
        )
    # siyi run from an empty store: nothing cached from issue or an earlier round
    for leftover in ("siyi.sqlite", "siyi.sqlite-wal", "siyi.sqlite-shm", ".siyi"):
        path = work / leftover
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    shutil.rmtree(work / "output", ignore_errors=True)
    (work / "output" / period).mkdir(parents=True)
    if "run" in measures:
        got["run"] = run_measured([SIYI, "run", str(work), "--json"])
    if "fastexcel" in measures:
        got["fastexcel"] = run_measured([PY, "-c", FASTEXCEL, str(returned)])
    if "calamine" in measures:
        got["calamine"] = run_measured([PY, "-c", CALAMINE, str(returned)])
    if "pandas" in measures:
        got["pandas"] = run_measured(
            [PY, "-c", PANDAS, str(returned), str(work / "pandas_汇总.xlsx")], cap=cap
        )
        lines = [x for x in got["pandas"].stdout.split() if x.isdigit()]
        got["pandas"].extra["files_read"] = int(lines[-1]) if lines else 0
    if "check" in measures:
        got["check"] = run_measured(
            [SIYI, "check", "--campaign", str(work), str(returned / check_file)]
        )
    return got


def verify_run(report: str, manifest: dict) -> str:
    """Whether ``siyi run`` found an error in exactly the returns generated with one."""
    try:
        data = json.loads(report)
    except ValueError:
        return "siyi run gave no JSON report"
    planted = {f["file"]: f["error"] for f in manifest["files"] if f["returned"]}
    found = {u["file"]: u["errors"] for u in data["units"] if u.get("file")}
    missed = [f for f, e in planted.items() if e and not found.get(f)]
    extra = [f for f, e in planted.items() if not e and found.get(f)]
    unread = [f for f in planted if f not in found]
    counts = data["counts"]
    text = (
        f"{counts['files']} files read, {counts['errors']} errors, "
        f"{counts['warnings']} warnings ({', '.join(f'{k} {v}' for k, v in counts['by_code'].items())}); "
        f"returns with a generated error flagged: {sum(1 for e in planted.values() if e) - len(missed)}"
        f" of {sum(1 for e in planted.values() if e)}; clean returns with an error: {len(extra)};"
        f" returns not matched to a unit: {len(unread)}"
    )
    return text


def clean_file(campaign: Path) -> str:
    manifest = json.loads((campaign.parent / "manifest.json").read_text())
    return next(f["file"] for f in manifest["files"] if f["returned"] and not f["error"])


def bench_size(
    units: int, repeat: int, cap: float, measures: set[str], fresh: bool
) -> dict:
    campaign = cached_campaign(units, fresh)
    manifest = json.loads((campaign.parent / "manifest.json").read_text())
    work = campaign.parent / "work"
    rounds = []
    for k in range(repeat):
        print(f"N={units}: round {k + 1} of {repeat} ...", flush=True)
        got = one_round(campaign, work, cap, measures, clean_file(campaign))
        for name, m in got.items():
            note = " (cut)" if m.cut else ""
            print(
                f"  {name:<10} {m.wall:8.1f} s  cpu {m.extra['cpu']:8.1f} s  rss tree {m.rss_tree / 2**20:7.0f} MB"
                f"  single {m.rss_single / 2**20:7.0f} MB  exit {m.returncode}{note}",
                flush=True,
            )
        rounds.append(got)
    shutil.rmtree(work, ignore_errors=True)
    return {"units": units, "manifest": manifest, "rounds": rounds}


# ------------------------------------------------------------------ reporting


def median(values: list[float]) -> float:
    return statistics.median(values)


def summarize(result: dict, cap: float) -> dict:
    rounds = result["rounds"]
    manifest = result["manifest"]
    files = manifest["returned"]
    units = result["units"]

    def fig(name: str) -> dict | None:
        if name not in rounds[0]:
            return None
        ms = [r[name] for r in rounds]
        return {
            "wall": median([m.wall for m in ms]),
            "walls": [m.wall for m in ms],
            "cpu": median([m.extra.get("cpu", 0.0) for m in ms]),
            "tree": max(m.rss_tree for m in ms),
            "single": max(m.rss_single for m in ms),
            "cut": any(m.cut for m in ms),
            "files_read": min((m.extra.get("files_read", files) for m in ms), default=0),
            "exit": [m.returncode for m in ms],
            "workbooks": max((m.extra.get("workbooks", 0) for m in ms), default=0),
        }

    out = {
        name: fig(name)
        for name in ("issue", "run", "fastexcel", "calamine", "pandas", "check")
    }
    out["run_said"] = (
        verify_run(rounds[-1]["run"].stdout, manifest) if "run" in rounds[-1] else ""
    )
    out["units"] = units
    out["files"] = files
    out["cap"] = cap
    out["generation"] = manifest.get("timings", {})
    return out


def fmt_row(label: str, f: dict | None, count: int, unit: str) -> str:
    if f is None:
        return f"| {label} | not run | | | | |"
    walls = ", ".join(f"{w:.1f}" for w in f["walls"])
    if count == 1:  # one file: the wall time is the figure
        return f"| {label} | {f['wall']:.1f} s | {f['cpu']:.1f} s | | {f['tree'] / 2**20:.0f} MB | {f['single'] / 2**20:.0f} MB |"
    if f["cut"]:
        wall = f"> {f['wall']:.0f} s (cut; {f['files_read']} of {count} files read)"
        rate = f"< {f['files_read'] / f['wall']:.1f}"
    else:
        wall = f"{f['wall']:.1f} s" + (f" ({walls})" if len(f["walls"]) > 1 else "")
        rate = f"{count / f['wall']:.1f}"
    return (
        f"| {label} | {wall} | {f['cpu']:.1f} s | {rate} {unit}/s | {f['tree'] / 2**20:.0f} MB |"
        f" {f['single'] / 2**20:.0f} MB |"
    )


def _issued(s: dict, units: int) -> str:
    total = (s["issue"] or {}).get("workbooks") or units
    if total == units:
        return f"{units} unit workbooks"
    return f"{total} workbooks: {units} units' and {total - units} evaluators' forms"


def table(s: dict) -> list[str]:
    n, files = s["units"], s["files"]
    lines = [
        "| measure | wall (median) | CPU, process tree | rate | peak RSS, process tree | peak RSS, one process |",
        "|---|---|---|---|---|---|",
        fmt_row(
            f"`siyi issue` ({_issued(s, n)})",
            s["issue"],
            (s["issue"] or {}).get("workbooks") or n,
            "workbooks",
        ),
        fmt_row(
            f"`siyi run`, empty store ({files} returned files)", s["run"], files, "files"
        ),
        fmt_row("fastexcel, every sheet of every file", s["fastexcel"], files, "files"),
        fmt_row(
            "python-calamine, every sheet of every file", s["calamine"], files, "files"
        ),
        fmt_row(
            "naive pandas (read_excel 台账 per file, concat, to_excel)",
            s["pandas"],
            files,
            "files",
        ),
        fmt_row("`siyi check` on one file (cold start)", s["check"], 1, "files"),
    ]
    return lines


def ratios(s: dict) -> list[str]:
    if not (s["run"] and s["fastexcel"] and s["calamine"]):
        return ["- ratios need `run`, `fastexcel` and `calamine`"]
    run = s["run"]["wall"]
    cpu = s["run"]["cpu"]
    out = [
        f"- `siyi run` / fastexcel: {run / s['fastexcel']['wall']:.0f}× wall, "
        f"{cpu / max(s['fastexcel']['cpu'], 1e-9):.0f}× CPU; / python-calamine: "
        f"{run / s['calamine']['wall']:.0f}× wall, {cpu / max(s['calamine']['cpu'], 1e-9):.0f}× CPU",
        f"- per returned file: `siyi run` {run / s['files'] * 1000:.0f} ms, "
        f"fastexcel {s['fastexcel']['wall'] / s['files'] * 1000:.1f} ms",
    ]
    if s["issue"]:
        out.append(
            f"- per issued workbook: "
            f"{s['issue']['wall'] / (s['issue'].get('workbooks') or s['units']) * 1000:.0f} ms"
        )
    p = s["pandas"]
    if p:
        if p["cut"]:
            out.append(
                f"- naive pandas / `siyi run`: > {p['wall'] / run:.1f}× "
                f"(cut at {s['cap']:.0f} s after {p['files_read']} of {s['files']} files)"
            )
        elif p["wall"] >= run:
            out.append(
                f"- naive pandas / `siyi run`: {p['wall'] / run:.1f}× (siyi faster)"
            )
        else:
            out.append(
                f"- `siyi run` / naive pandas: {run / p['wall']:.1f}× wall, "
                f"{cpu / max(p['cpu'], 1e-9):.1f}× CPU (the naive script is faster)"
            )
    out.append(f"- `siyi run --json`: {s['run_said']}")
    gen = s["generation"]
    if gen:
        out.append(
            f"- generating the campaign took {gen.get('total_s', 0):.0f} s "
            f"(issuing {gen.get('issue_s', 0):.0f} s in a process pool, "
            f"filling {gen.get('fill_positions_s', 0) + gen.get('fill_all_s', 0):.0f} s)"
        )
    return out


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(x.split()[1])
            for x in Path("/proc/meminfo").read_text().splitlines()
            if x.startswith("MemTotal")
        )
        ram = f"{mem / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        ram = "? GiB"
    return (
        f"{model}, {os.cpu_count()} cores, {ram} RAM, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def revision() -> str:
    """HEAD, and the last commit that changed siyi itself (not the benchmark)."""

    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", "-C", str(ROOT), *args],
                capture_output=True,
                text=True,
                check=True,
            )
        except (OSError, subprocess.CalledProcessError):
            return "?"
        return out.stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    code = git("log", "-1", "--format=%h", "--", "siyi_xlsx", "schemas", "templates")
    return f"{head} (siyi code last changed in {code})"


def write_benchmarks(summaries: list[dict], repeat: int) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    today = dt.date.today().isoformat()
    sizes = " and ".join(str(s["units"]) for s in summaries)
    heading = f"## make bench: {sizes} units, {today}"
    body = [
        heading,
        "",
        f"`python benchmarks/bench_scale.py --units {' '.join(str(s['units']) for s in summaries)}"
        f" --repeat {repeat}`, siyi code at commit {revision()}. Machine: {machine()}.",
        "",
    ]
    for s in summaries:
        body += [
            f"**{s['units']} lead units** ({s['files']} returned files):",
            "",
            *table(s),
            "",
            *ratios(s),
            "",
        ]
    if len(summaries) > 1:
        body += [*growth(summaries), ""]
    section = "\n".join(body)
    start = text.find(heading + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    print(f"written to {path}")


def growth(summaries: list[dict]) -> list[str]:
    parts = []
    for s in summaries:
        part = f"{s['units']} units:"
        if s["run"]:
            part += f" run {s['run']['wall'] / s['files'] * 1000:.0f} ms a file"
        if s["issue"]:
            books = s["issue"].get("workbooks") or s["units"]
            part += f", issue {s['issue']['wall'] / books * 1000:.0f} ms a workbook"
        parts.append(part)
    return ["Growth (cost per file at each size): " + "; ".join(parts) + "."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pandas-cap", type=float, default=900.0)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MEASURES,
        help="run only these measures (the table shows the others as not run)",
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the campaigns")
    parser.add_argument("--write", action="store_true", help="record in BENCHMARKS.md")
    args = parser.parse_args()
    print(f"machine: {machine()}; siyi code at commit {revision()}", flush=True)
    summaries = []
    for units in args.units:
        measures = set(args.only or MEASURES) - (
            {"pandas"} if args.skip_pandas else set()
        )
        result = bench_size(units, args.repeat, args.pandas_cap, measures, args.fresh)
        summaries.append(summarize(result, args.pandas_cap))
    for s in summaries:
        print()
        print(f"{s['units']} lead units, {s['files']} returned files")
        print("\n".join(table(s)))
        print("\n".join(ratios(s)))
    if len(summaries) > 1:
        print("\n".join(growth(summaries)))
    if args.write:
        write_benchmarks(summaries, args.repeat)


if __name__ == "__main__":
    main()
