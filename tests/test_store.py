"""The campaign store (siyi.sqlite): what a run keeps, reuse by the later commands, an
older campaign's history/ imported once, versions, and two commands at once."""

from __future__ import annotations

import pickle
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from siyi_xlsx import api, pipeline
from siyi_xlsx.cli import main
from siyi_xlsx.errors import CampaignError
from siyi_xlsx.store import db as store_db
from siyi_xlsx.store.db import SCHEMA_VERSION, STORE_FILE, open_store

SAMPLE_HISTORY = Path(__file__).resolve().parents[1] / "samples" / "campaign" / "history"


def _count_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = pipeline.read_files

    def counting(campaign, files):
        # the files given to the worker processes to read (the store's cache aside)
        reads.extend(path.name for _, _, path, _ in files)
        return real(campaign, files)

    monkeypatch.setattr(pipeline, "read_files", counting)
    return reads


def test_run_keeps_the_period_and_later_commands_reuse_it(small, monkeypatch):
    small.fill("U01")
    small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): "过半"})
    reads = _count_reads(monkeypatch)
    result = api.run(small.folder)
    assert sorted(reads) == sorted(p.name for p in small.returned.iterdir())
    with sqlite3.connect(small.folder / STORE_FILE) as db:
        files = db.execute("SELECT name, sha256, result FROM files").fetchall()
        codes = [c for (c,) in db.execute("SELECT code FROM issues")]
        returns = dict(db.execute("SELECT unit_code, status FROM returns").fetchall())
    assert {f[0] for f in files} == set(reads) and all(len(f[1]) == 64 for f in files)
    assert "PERCENT_AMBIGUOUS" in codes
    assert returns == {r["code"]: r["status"] for r in result.returns}
    reads.clear()
    status = api.status(small.folder)
    api.remind(small.folder)
    api.report(small.folder)
    assert reads == []  # nothing changed: the stored analysis is used
    assert [i.code for i in status.issues] == [i.code for i in result.issues]
    # one file changes: only that file is read again
    small.fill("U02")
    assert [i.code for i in api.status(small.folder).issues] == []
    assert reads == [small.issued("U02").name]


def test_a_changed_master_means_a_fresh_analysis(small, monkeypatch):
    small.fill("U01")
    api.run(small.folder)
    reads = _count_reads(monkeypatch)
    master = small.folder / "任务总表.xlsx"
    master.write_bytes(master.read_bytes())  # same content, but the files are re-read
    api.status(small.folder)
    assert reads == []  # same bytes: same analysis
    import openpyxl

    book = openpyxl.load_workbook(master)
    book.save(master)  # re-saved: the bytes change
    api.status(small.folder)
    assert reads == [small.issued("U01").name]


def test_history_folder_of_an_older_campaign_is_imported_once(small):
    shutil.copytree(SAMPLE_HISTORY, small.folder / "history")
    notes: list[str] = []
    api.status(small.folder, on_note=notes.append)  # the first command to open it
    assert len(notes) == 1 and "2022M07" in notes[0] and "导入" in notes[0]
    small.fill("U01")
    api.run(small.folder, on_note=notes.append)
    api.run(small.folder, on_note=notes.append)
    assert len(notes) == 1  # not again
    with sqlite3.connect(small.folder / STORE_FILE) as db:
        sources = [s for (s,) in db.execute("SELECT source FROM runs ORDER BY id")]
    assert sources[0].startswith("history/2022M07/") and sources[1:] == ["run", "run"]


def test_a_store_from_a_newer_siyi_is_refused_not_misread(small):
    with open_store(small.folder):
        pass
    with sqlite3.connect(small.folder / STORE_FILE) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    result = CliRunner().invoke(main, ["status", str(small.folder)])
    assert result.exit_code == 2 and "更新版本的 siyi" in result.output


def test_a_foreign_database_file_is_refused(small):
    with sqlite3.connect(small.folder / STORE_FILE) as db:
        db.execute("CREATE TABLE x (a)")
    with pytest.raises(CampaignError, match="不是 siyi 的数据库"):
        api.status(small.folder)


def test_a_damaged_store_gives_a_message(small):
    (small.folder / STORE_FILE).write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(main, ["status", str(small.folder)])
    assert result.exit_code == 2 and "已损坏" in result.output


def test_a_second_command_waits_for_the_first_then_refuses(small):
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with open_store(small.folder):
            holding.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        holding.wait(5)
        started = time.monotonic()
        with pytest.raises(CampaignError, match="另一个 siyi 命令正在处理"):
            with open_store(small.folder, wait=0.5):
                pass
        assert time.monotonic() - started >= 0.5
    finally:
        release.set()
        worker.join()
    with open_store(small.folder, wait=0.5):  # free again
        pass


def test_a_blob_not_signed_here_is_never_unpickled(small, monkeypatch):
    small.fill("U01")
    api.run(small.folder)
    with sqlite3.connect(small.folder / STORE_FILE) as db:
        db.execute("UPDATE analyses SET mac = 'forged'")
        db.execute("UPDATE file_cache SET mac = 'forged'")
    reads = _count_reads(monkeypatch)
    api.status(small.folder)
    assert reads == [small.issued("U01").name]  # read again instead


def test_a_read_only_campaign_folder_still_gives_status(small, monkeypatch):
    small.fill("U01")
    api.run(small.folder)

    def no_lock(folder, wait):
        raise store_db.ReadOnlyFolder(str(folder))

    monkeypatch.setattr(store_db, "_campaign_lock", no_lock)  # as on a read-only share
    notes: list[str] = []
    result = api.status(small.folder, on_note=notes.append)
    assert {r["code"]: r["status"] for r in result.returns}["U01"] == "按时报送"
    assert len(notes) == 1 and "不可写" in notes[0]


def test_checking_never_changes_the_file_as_read(small):
    from siyi_xlsx.check.validate import check
    from siyi_xlsx.read.master import load_campaign
    from siyi_xlsx.read.returned import ingest

    path = small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): 100})
    campaign = load_campaign(small.folder)
    read = ingest(path, campaign)
    before = pickle.dumps(read)
    checked = check(read, campaign)
    assert pickle.dumps(read) == before  # the input is left as read
    assert "PROGRESS_100_NOT_DONE" in [i.code for i in checked.issues]
    assert "PROGRESS_100_NOT_DONE" not in [i.code for i in read.issues]


def test_a_file_read_before_is_annotated_where_it_is_now(small, tmp_path):
    # the cache keeps what a file says, never where it was: a 退回件 is still written
    # after the campaign folder moved
    small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): "过半"})
    api.run(small.folder)
    moved = tmp_path / "moved"
    shutil.move(small.folder, moved)
    result = api.run(moved)
    assert list(result.return_copies) == [small.issued("U02").name]
    assert len(list((moved / "output" / "2022Q3" / "退回件").iterdir())) == 1


def test_an_edited_schema_means_a_fresh_analysis(monkeypatch):
    before = store_db.code_key()
    store_db.code_key.cache_clear()
    real = store_db.data_dir

    def edited(name):
        return real(name) if name != "schemas" else Path(__file__).parent / "golden"

    monkeypatch.setattr(store_db, "data_dir", edited)
    try:
        assert store_db.code_key() != before
    finally:
        store_db.code_key.cache_clear()


def test_bulletins_only_history_is_imported_once(small):
    target = small.folder / "history" / "_bulletins"
    target.mkdir(parents=True)
    (target / "2022Q2_20220715T100000000000.json").write_text(
        '{"period": "2022Q2", "criticised": ["长青乡"], "praised": []}', encoding="utf-8"
    )
    notes: list[str] = []
    api.status(small.folder, on_note=notes.append)
    api.status(small.folder, on_note=notes.append)
    assert len(notes) == 1 and "通报" in notes[0]
    with sqlite3.connect(small.folder / STORE_FILE) as db:
        assert db.execute("SELECT count(*) FROM bulletins").fetchone()[0] == 1


def test_an_unusable_signing_key_only_turns_the_cache_off(small, tmp_path, monkeypatch):
    (tmp_path / "cache" / "siyi" / "store.key").mkdir(parents=True)  # not a file
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    store_db._signing_key.cache_clear()
    try:
        small.fill("U01")
        result = api.run(small.folder)
        assert result.exit_code == 0
        assert api.status(small.folder).returns == result.returns
    finally:
        store_db._signing_key.cache_clear()


def test_a_read_only_folder_without_a_store_still_counts_history(small, monkeypatch):
    small.fill("U01")
    (small.folder / STORE_FILE).unlink()
    shutil.copytree(SAMPLE_HISTORY, small.folder / "history")

    def no_lock(folder, wait):
        raise store_db.ReadOnlyFolder(str(folder))

    monkeypatch.setattr(store_db, "_campaign_lock", no_lock)
    result = api.status(small.folder)
    assert [p.period for p in result.previous] == ["2022M07"]
    assert not (small.folder / STORE_FILE).exists()


def test_processes_starting_at_once_share_one_complete_key(tmp_path):
    import subprocess
    import sys

    code = "from siyi_xlsx.store.db import _signing_key; print((_signing_key() or b'').hex())"
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    keys = {p.communicate()[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
