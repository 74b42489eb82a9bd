"""The demo's result workbooks keep their cell values across refactors: the README's demo
sequence is run through the CLI and every cell is compared with a recorded copy
(tests/golden/demo_cells.json; run times masked). Re-record on purpose only, with
``python tests/golden_demo.py record``, and say why in the commit."""

from __future__ import annotations

import json

from golden_demo import GOLDEN, dump_outputs, run_demo

from siyi_xlsx.cli import main


def test_demo_outputs_match_the_recorded_copy(tmp_path):
    folder = tmp_path / "demo"
    run_demo(folder, main)
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
