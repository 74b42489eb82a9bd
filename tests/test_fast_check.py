"""`siyi check` on one file starts fast: the CLI imports no heavy library, and the
master comes from the store while it is unchanged (issue 11)."""

from __future__ import annotations

import subprocess
import sys

from siyi_xlsx.read.master import MASTER_FILE, load_campaign
from siyi_xlsx.store.db import STORE_FILE, cached_master, open_store

HEAVY = ("pandas", "openpyxl", "xlsxwriter", "jsonschema", "rich", "numpy")


def _imported(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.split())


def test_the_cli_and_the_check_path_import_no_heavy_library():
    started = _imported("import siyi_xlsx.cli")
    assert not started & set(HEAVY), started & set(HEAVY)
    assert not {m for m in started if m.startswith("siyi_xlsx.write")}
    # what `check` imports to read and check a file: no pandas, no writer
    checking = _imported(
        "import siyi_xlsx.cli, siyi_xlsx.api, siyi_xlsx.check.validate, "
        "siyi_xlsx.read.returned, siyi_xlsx.store.db"
    )
    assert "pandas" not in checking and "xlsxwriter" not in checking
    assert not {
        m for m in checking if m.startswith(("siyi_xlsx.write", "siyi_xlsx.pipeline"))
    }


def test_the_master_is_read_once_while_it_is_unchanged(small):
    with open_store(small.folder):  # as `siyi issue` leaves it
        pass
    reads = []

    def load(folder):
        reads.append(folder)
        return load_campaign(folder)

    master = small.folder / MASTER_FILE
    first = cached_master(small.folder, master, load)
    again = cached_master(small.folder, master, load)
    assert len(reads) == 1
    assert again.settings == first.settings and again.tasks == first.tasks
    master.write_bytes(master.read_bytes() + b"\0")  # another master: read again
    cached_master(small.folder, master, lambda f: reads.append(f) or first)
    assert len(reads) == 2


def test_no_store_no_cache_and_a_broken_store_is_only_a_slower_check(small):
    master = small.folder / MASTER_FILE
    reads = []

    def load(folder):
        reads.append(folder)
        return {"campaign": str(folder)}

    cached_master(small.folder, master, load)
    assert cached_master(small.folder, master, load) == {"campaign": str(small.folder)}
    assert len(reads) == 2 and not (small.folder / STORE_FILE).exists()
    (small.folder / STORE_FILE).write_bytes(b"not a database at all")
    assert cached_master(small.folder, master, load) == {"campaign": str(small.folder)}
    assert len(reads) == 3


def test_a_declaration_is_checked_once_and_a_broken_one_every_time(tmp_path, monkeypatch):
    import jsonschema
    import pytest

    from siyi_xlsx.schema import sheets

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []
    real = jsonschema.Draft202012Validator.check_schema

    def counting(raw):
        calls.append(raw)
        return real(raw)

    monkeypatch.setattr(sheets.Draft202012Validator, "check_schema", counting)
    good = {"type": "object", "properties": {"a": {"type": "string"}}}
    sheets._check_declaration(good)
    sheets._check_declaration(dict(good))  # the same content: not again
    assert len(calls) == 1
    bad = {"type": "object", "properties": {"a": {"type": 7}}}
    for _ in range(2):
        with pytest.raises(jsonschema.SchemaError):
            sheets._check_declaration(bad)
    assert len(calls) == 3
