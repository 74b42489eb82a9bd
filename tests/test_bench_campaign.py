"""The benchmark's campaign generator (benchmarks/make_campaign.py): an N-unit master built
from the sample loads without a problem, and a returned file's cells are patched in place."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import make_campaign  # noqa: E402
from make_samples import SETTINGS  # noqa: E402

from siyi_xlsx.read.master import MASTER_FILE, load_campaign  # noqa: E402
from siyi_xlsx.write.master import write_master  # noqa: E402


def test_scaled_master_loads_clean_and_cells_patch(tmp_path: Path) -> None:
    # 50 units: one full group of 44 and a group cut to 6 (its references pruned)
    data = make_campaign.build_master(50)
    write_master(tmp_path / MASTER_FILE, data, SETTINGS)
    campaign = load_campaign(tmp_path)
    assert [i.code for i in campaign.issues] == []
    assert len(campaign.lead_units()) == 50
    codes = {u.code for u in campaign.units.values()}
    assert len(codes) == 50 and {"U00001", "U00050"} <= codes
    assert len({u.name for u in campaign.units.values()}) == 50
    assert all(
        t.task_id.startswith(("G001-ZD", "G002-ZD")) for t in campaign.tasks.values()
    )

    # an empty styled input cell takes a number, a date, a text (style kept); others stay
    xml = '<row r="4"><c r="A4" s="3" t="s"><v>1</v></c><c r="G4" s="14"/><c r="H4" s="5"/><c r="I4" s="5"/></row>'
    patched, hit = make_campaign.patch_sheet(
        xml, {"G4": dt.datetime(2022, 9, 30), "H4": "已完成 <1>", "I4": 80}
    )
    assert hit == 3
    assert '<c r="A4" s="3" t="s"><v>1</v></c>' in patched
    assert '<c r="G4" s="14"><v>44834</v></c>' in patched
    assert '<c r="H4" s="5" t="inlineStr"><is><t>已完成 &lt;1&gt;</t></is></c>' in patched
    assert '<c r="I4" s="5"><v>80</v></c>' in patched
