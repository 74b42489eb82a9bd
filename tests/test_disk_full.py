"""A full disk, a broken store write, a run killed half-way: one Chinese message naming
the real file, exit code 2, and what was there before left as it was (issue 11)."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from siyi_xlsx.cli import main
from siyi_xlsx.errors import CampaignError, OutputBlockedError
from siyi_xlsx.read.master import MASTER_FILE
from siyi_xlsx.store import db as store_db
from siyi_xlsx.store.db import STORE_FILE, open_store
from siyi_xlsx.write.xlsx import atomic_workbook

SAMPLE_HISTORY = Path(__file__).resolve().parents[1] / "samples" / "campaign" / "history"


def _full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["xlsxwriter", "publish"])
def test_a_result_workbook_on_a_full_disk_stays_as_it_was(tmp_path, monkeypatch, where):
    path = tmp_path / "汇总台账.xlsx"
    path.write_bytes(b"last run's workbook")
    if where == "xlsxwriter":  # xlsxwriter wraps it: FileCreateError(OSError)
        monkeypatch.setattr(
            "xlsxwriter.workbook.Workbook._store_workbook", lambda self: _full()
        )
    else:
        monkeypatch.setattr("siyi_xlsx.write.xlsx.publish", _full)
    with pytest.raises(OutputBlockedError) as caught:
        with atomic_workbook(path) as book:
            book.add_worksheet("表").write(0, 0, "新")
    message = str(caught.value)
    assert message.startswith(f"磁盘空间不足，无法写入 {path}：")
    assert ".~siyi" not in message and "No space" not in message
    assert path.read_bytes() == b"last run's workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总台账.xlsx"]  # no temp file


def test_a_full_store_keeps_what_it_had(tmp_path):
    with open_store(tmp_path) as store:
        store.record_bulletin("2022Q2", ["甲"], [])
    with pytest.raises(CampaignError) as caught:
        with open_store(tmp_path) as store:
            # SQLite's own "database or disk is full", as on a full disk
            pages = store.db.execute("PRAGMA page_count").fetchone()[0]
            store.db.execute(f"PRAGMA max_page_count = {pages}")
            store.record_bulletin("2022Q3", ["乙" * 100_000], [])
    message = str(caught.value)
    assert message.startswith(f"磁盘空间不足，无法写入 {tmp_path / STORE_FILE}：")
    assert "原有的内容不变" in message and "disk is full" not in message
    with open_store(tmp_path) as store:
        rows = store.db.execute("SELECT period FROM bulletins").fetchall()
    assert rows == [("2022Q2",)]


def test_other_store_failures_are_told_without_sqlite_words(tmp_path, monkeypatch):
    monkeypatch.delenv("SIYI_DEBUG", raising=False)
    with pytest.raises(CampaignError) as caught:
        with open_store(tmp_path):
            raise sqlite3.OperationalError("disk I/O error")
    assert str(caught.value) == (
        f"无法读写工作目录的数据库 {tmp_path / STORE_FILE}：请检查磁盘空间和文件夹权限后重试。"
    )


def test_no_room_for_the_lock_file(tmp_path, monkeypatch):
    monkeypatch.setattr(store_db, "open", _full, raising=False)
    with pytest.raises(CampaignError) as caught:
        with open_store(tmp_path):
            pass
    assert str(caught.value).startswith(
        f"磁盘空间不足，无法写入 {tmp_path / '.siyi.lock'}"
    )


def test_the_cli_says_it_once_with_exit_code_2(tmp_path, monkeypatch):
    (tmp_path / MASTER_FILE).write_bytes(b"")
    (tmp_path / "returned").mkdir()
    target = tmp_path / "output" / "汇总台账.xlsx"

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr("siyi_xlsx.api.run", full)
    result = CliRunner().invoke(main, ["run", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        f"错误：磁盘空间不足，无法写入 {target}：本次运行没有完成。"
        "请清理该磁盘（或把工作目录移到空间充足的磁盘）后重新运行。"
    ]


def test_a_history_run_cut_short_is_not_imported(tmp_path):
    shutil.copytree(SAMPLE_HISTORY, tmp_path / "history")
    cut = tmp_path / "history" / "2022M08" / "20261127T000000000000"
    cut.mkdir(parents=True)
    (cut / "tasks.csv").write_text("task_id,status\nT1,", encoding="utf-8")  # no run.json
    with open_store(tmp_path) as store:
        runs = store.db.execute("SELECT period FROM runs").fetchall()
        assert runs == [("2022M07",)]
        assert "1 次运行（2022M07）" in store.notes[0]


KILLED = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("BEGIN")
db.execute("INSERT INTO bulletins (period, published_at, criticised, praised) VALUES ('2022Q4', 'x', ?, '[]')", ("丙" * 200_000,))
db.execute("DELETE FROM bulletins WHERE period = '2022Q2'")
os._exit(9)  # killed before the commit: a hot journal is left
"""


def test_a_store_write_killed_half_way_is_rolled_back_by_the_next_command(tmp_path):
    with open_store(tmp_path) as store:
        store.record_bulletin("2022Q2", ["甲"], [])
    subprocess.run([sys.executable, "-c", KILLED, str(tmp_path / STORE_FILE)])
    assert (tmp_path / f"{STORE_FILE}-journal").exists()
    with open_store(tmp_path) as store:
        rows = store.db.execute("SELECT period FROM bulletins").fetchall()
    assert rows == [("2022Q2",)]


def test_a_full_store_stops_the_run_before_the_results_change(small, monkeypatch):
    from siyi_xlsx import api
    from siyi_xlsx.store.db import Store

    small.fill("U01")
    api.run(small.folder)
    ledger = next((small.folder / "output").rglob("汇总台账.xlsx"))
    before = ledger.read_bytes()
    small.fill("U02")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "siyi.sqlite")

    monkeypatch.setattr(Store, "save_run", full)
    with pytest.raises(OSError):
        api.run(small.folder)
    # the store keeps the last run and the results stay the ones that match it
    assert ledger.read_bytes() == before
