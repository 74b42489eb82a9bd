"""Time and peak memory of reading a large public survey (群众测评) in `siyi score`:
a generated CSV of N raw votes (被评单位, 渠道, 评价) for the sample campaign's units,
tallied by ``read_public`` in a fresh process.

    python benchmarks/bench_survey.py [--votes 300000] [--xlsx]

Prints the time, the peak RSS of the process, and the peak RSS of the same process
reading an empty public/ folder (the interpreter, the libraries and the master), so the
difference is what the survey itself costs. ``--xlsx`` writes the votes as an .xlsx
sheet instead (slow to generate).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from siyi_xlsx.read.evaluations import read_public
from siyi_xlsx.read.master import load_campaign
campaign = load_campaign(Path(sys.argv[1]))
start = time.perf_counter()
tallies, issues = read_public(Path(sys.argv[2]), campaign)
took = time.perf_counter() - start
print(json.dumps({
    "seconds": took,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "votes": sum(t.valid + t.unknown for t in tallies.values()),
    "issues": len(issues),
    "codes": sorted({str(i.code) for i in issues}),
}))
"""

ANSWERS = ["满意"] * 6 + ["基本满意"] * 2 + ["不满意", "不了解"]
CHANNELS = ["便民热线", "网上问卷", "网格调查", "门户网站"]


def _probe(campaign: Path, public: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(campaign), str(public)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=300_000)
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from siyi_xlsx.read.master import load_campaign

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "campaign"
        shutil.copytree(ROOT / "samples" / "campaign", folder)
        shutil.rmtree(folder / "public", ignore_errors=True)
        year = load_campaign(folder).settings.year
        public = folder / "public"
        public.mkdir()
        empty = _probe(folder, public)
        names = [u.name for u in load_campaign(folder).lead_units()]
        rng = random.Random(11)
        rows = [
            (rng.choice(names), rng.choice(CHANNELS), rng.choice(ANSWERS))
            for _ in range(args.votes)
        ]
        if args.xlsx:
            import openpyxl

            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet("测评")
            sheet.append(["被评单位", "渠道", "评价"])
            for row in rows:
                sheet.append(row)
            path = public / f"{year}群众测评.xlsx"
            book.save(path)
        else:
            path = public / f"{year}群众测评.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                out.write("被评单位,渠道,评价\n")
                out.writelines(f"{u},{c},{a}\n" for u, c, a in rows)
        del rows
        size = path.stat().st_size / 1e6
        found = _probe(folder, public)
        print(
            f"{args.votes} votes in {path.suffix} ({size:.1f} MB): "
            f"{found['seconds']:.2f} s, peak RSS {found['peak_mb']:.0f} MB "
            f"(empty public/: {empty['peak_mb']:.0f} MB, so the survey costs "
            f"{found['peak_mb'] - empty['peak_mb']:.0f} MB); "
            f"{found['votes']} votes tallied, {found['issues']} problems {found['codes']}"
        )


if __name__ == "__main__":
    main()
