"""The demo's result workbooks keep their cell values across refactors: the README's demo
sequence is run through the CLI and every cell is compared with a recorded copy
(tests/golden/demo_cells.json; run times masked). Re-record on purpose only, with
``python tests/golden_demo.py record``, and say why in the commit."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from golden_demo import GOLDEN, dump_outputs, run_demo
from score_recompute import recompute

from siyi_xlsx import pipeline
from siyi_xlsx.cli import main


def test_demo_outputs_match_the_recorded_copy(tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    reads: Counter[str] = Counter()
    real_read = pipeline.read_files

    def counting_read(campaign, files):
        # the files given to the worker processes to read (the store's cache aside)
        reads.update(path.name for _, _, path, _ in files)
        return real_read(campaign, files)

    monkeypatch.setattr(pipeline, "read_files", counting_read)
    run_demo(folder, main)
    # every figure of 考评结果.xlsx recomputes by hand from the printed figures before it
    assert recompute(folder / "output" / "2022Q3" / "考评结果.xlsx") > 500
    # the demo's seven commands read each returned file once: the later ones use the
    # analysis that `siyi run` kept in the store
    returned = [p.name for p in (folder / "returned").rglob("*") if p.is_file()]
    assert reads and set(reads) <= set(returned)
    assert max(reads.values()) == 1, reads.most_common(3)
    with sqlite3.connect(folder / "siyi.sqlite") as db:
        periods = [r[0] for r in db.execute("SELECT period FROM runs ORDER BY id")]
        assert periods[0] == "2022M07" and periods[-1] == "2022Q3"  # history/ imported
        statuses = dict(
            db.execute(
                "SELECT status, count(*) FROM task_status WHERE run_id = "
                "(SELECT MAX(id) FROM runs) GROUP BY status"
            ).fetchall()
        )
        assert sum(statuses.values()) == 76
    got = dump_outputs(folder)
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want)
    for name in want:
        assert sorted(got[name]) == sorted(want[name]), name
        for sheet in want[name]:
            diff = {
                cell: (want[name][sheet].get(cell), got[name][sheet].get(cell))
                for cell in set(want[name][sheet]) | set(got[name][sheet])
                if want[name][sheet].get(cell) != got[name][sheet].get(cell)
            }
            assert not diff, (name, sheet, dict(sorted(diff.items())[:10]))
