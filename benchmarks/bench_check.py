"""Where the time of `siyi check FILE` goes, cold: each round is a fresh process that
imports the CLI, then the modules `check` needs, reads the master (from the store's
cache when it is there), reads and checks the file. Also times the whole command.

    python benchmarks/bench_check.py [--repeat 5] [CAMPAIGN FILE]

Without arguments it copies the sample campaign and checks one of its returned files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# run in a fresh interpreter: every figure is a cold start
PROBE = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import siyi_xlsx.cli  # noqa: F401
t1 = time.perf_counter()
from siyi_xlsx.check.validate import check
from siyi_xlsx.read.master import MASTER_FILE, load_campaign
from siyi_xlsx.read.returned import ACCEPTED, ingest
from siyi_xlsx.store.db import cached_master
t2 = time.perf_counter()
folder, file = Path(sys.argv[1]), Path(sys.argv[2])
if sys.argv[3] == "cached":
    campaign = cached_master(folder, folder / MASTER_FILE, load_campaign)
else:
    campaign = load_campaign(folder)
t3 = time.perf_counter()
sub = ingest(file, campaign)
sub = check(sub, campaign) if sub.status == ACCEPTED else sub
t4 = time.perf_counter()
print(json.dumps({"cli": t1 - t0, "modules": t2 - t1, "master": t3 - t2, "file": t4 - t3,
                  "pandas": "pandas" in sys.modules}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("campaign", nargs="?")
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.campaign:
            folder, file = Path(args.campaign), Path(args.file)
        else:
            folder = Path(tmp) / "campaign"
            shutil.copytree(ROOT / "samples" / "campaign", folder)
            file = sorted((folder / "returned").glob("*_2022Q3_U003_*.xlsx"))[0]
            # a store, as after `siyi issue`: the cache lives there
            subprocess.run(
                [sys.executable, "-m", "siyi_xlsx.cli", "status", str(folder)],
                check=False,
                capture_output=True,
            )
        for mode in ("uncached", "cached"):
            rounds = []
            for _ in range(args.repeat):
                out = subprocess.run(
                    [sys.executable, "-c", PROBE, str(folder), str(file), mode],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                rounds.append(json.loads(out.stdout))
            parts = {
                k: statistics.median(r[k] for r in rounds)
                for k in ("cli", "modules", "master", "file")
            }
            print(
                f"{mode:9} median of {args.repeat}: "
                + "  ".join(f"{k} {v:.3f} s" for k, v in parts.items())
                + f"  total {sum(parts.values()):.3f} s"
                + f"  pandas imported: {rounds[0]['pandas']}"
            )
        walls = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "siyi_xlsx.cli", "check", str(file)],
                check=False,
                capture_output=True,
            )
            walls.append(time.perf_counter() - start)
        print(
            f"siyi check (whole command, cold): median {statistics.median(walls):.3f} s,"
            f" min {min(walls):.3f} s, max {max(walls):.3f} s"
        )


if __name__ == "__main__":
    main()
