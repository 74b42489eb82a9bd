"""Measure the batch on the sample campaign: issue time, run time (first, and again with
the store's file cache), a command after the run (stored analysis), per-file read time,
peak memory.

    python benchmarks/bench_run.py [--repeat 3]

Prints figures; BENCHMARKS.md records them with the machine they came from.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from siyi_xlsx import api  # noqa: E402
from siyi_xlsx.read.inspection import load_inspection  # noqa: E402
from siyi_xlsx.read.master import load_campaign  # noqa: E402
from siyi_xlsx.read.returned import ingest  # noqa: E402
from siyi_xlsx.write.unit_workbook import write_unit_workbooks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "campaign"
        shutil.copytree(ROOT / "samples" / "campaign", folder)
        campaign = load_campaign(folder)
        issue_times, run_times, read_times = [], [], []
        rerun_times, status_times = [], []
        files = sorted((folder / "returned").glob("*.xlsx"))
        for _ in range(args.repeat):
            start = time.perf_counter()
            issued = write_unit_workbooks(
                campaign, Path(tmp) / "issued", None, load_inspection(campaign)
            )
            issue_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for path in files:
                ingest(path, campaign)
            read_times.append((time.perf_counter() - start) / len(files))
            (folder / "siyi.sqlite").unlink(
                missing_ok=True
            )  # a first run: nothing cached
            start = time.perf_counter()
            result = api.run(folder)
            run_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            api.run(folder)  # the same files again: read from the store's cache
            rerun_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            api.status(folder)  # a command after the run: the stored analysis
            status_times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    )
    print(
        f"issue {len(issued)} unit workbooks: median {statistics.median(issue_times):.2f} s"
    )
    print(
        f"read one returned workbook (openpyxl read-only): median {statistics.median(read_times) * 1000:.0f} ms"
    )
    print(
        f"run the batch on {len(result.submissions)} returned files ({len(campaign.tasks)} tasks): median {statistics.median(run_times):.2f} s"
    )
    print(
        f"run again, nothing changed (files from the store's cache): median {statistics.median(rerun_times):.2f} s"
    )
    print(
        f"status after a run (stored analysis, no file read): median {statistics.median(status_times):.2f} s"
    )
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
