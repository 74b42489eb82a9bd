"""The campaign store: ``<campaign>/siyi.sqlite``, the campaign's memory across periods.

Every ``siyi run`` adds one row to ``runs`` and the period's results under that run id:
the files read (with SHA-256), every data problem, 报送情况, task, milestone and problem
statuses, and what each unit had accepted (prefill for the next period). ``siyi bulletin``
adds what it published, ``siyi score`` the year-end scores. Nothing is updated in place:
the latest run of a period is the one in force. Open it with ``sqlite3 siyi.sqlite``.

Besides these tables, a run keeps its whole analysis as a signed pickle so that the
commands after it (status, remind, score, report, bulletin) need not read the returned
files again; and each returned file, once read, is kept by its SHA-256 so that only changed
files are read again. The signing key lives in the user's cache folder, so a blob written on
another machine, or by anyone else, is never unpickled: the file is simply read again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import hmac
import io
import json
import os
import pickle
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siyi_xlsx import __version__
from siyi_xlsx.errors import DEBUG_ENV, CampaignError, Issue, explain, no_space
from siyi_xlsx.period import period_end
from siyi_xlsx.resources import data_dir

# pandas and what uses it are imported where the tables are written or read: `siyi
# check` opens the store for the cached master only, and must start quickly
if TYPE_CHECKING:
    import pandas as pd

    from siyi_xlsx.compute.previous import PeriodTables

STORE_FILE = "siyi.sqlite"
LOCK_FILE = ".siyi.lock"
SCHEMA_VERSION = 1
LOCK_WAIT_SECONDS = 60

# the tables, one statement each; a change of layout bumps SCHEMA_VERSION and adds a
# step to MIGRATIONS
SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL,          -- 期次, e.g. 2022Q3
    as_of TEXT NOT NULL,           -- 数据截至日期
    started_at TEXT NOT NULL,      -- local time of the run
    source TEXT NOT NULL,          -- 'run', or 'history/<期次>/<时间>' when imported
    siyi_version TEXT NOT NULL,
    inputs_key TEXT NOT NULL DEFAULT '',  -- what was read: master, inspection, returned files
    previous TEXT NOT NULL DEFAULT ''     -- the runs of earlier periods it built on
);
CREATE TABLE files (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL, unit TEXT, sha256 TEXT, size INTEGER, saved_at TEXT, result TEXT
);
CREATE TABLE issues (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    code TEXT NOT NULL, severity TEXT NOT NULL, file TEXT, unit TEXT, sheet TEXT,
    cell TEXT, field TEXT, value TEXT, message TEXT
);
CREATE TABLE returns (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    unit_code TEXT NOT NULL, unit TEXT, status TEXT, file TEXT, saved_at TEXT,
    errors INTEGER, warnings INTEGER, data TEXT NOT NULL   -- data: the whole row, JSON
);
CREATE TABLE frames (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,            -- tasks, milestones or problems
    columns TEXT NOT NULL          -- JSON list, so an empty table keeps its columns
);
CREATE TABLE task_status (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    task_id TEXT, status TEXT, data TEXT NOT NULL
);
CREATE TABLE milestone_status (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    task_id TEXT, seq TEXT, status TEXT, data TEXT NOT NULL
);
CREATE TABLE problems (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    problem_id TEXT, unit TEXT, data TEXT NOT NULL
);
CREATE TABLE accepted_values (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    unit_code TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE bulletins (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL, published_at TEXT NOT NULL,
    criticised TEXT NOT NULL, praised TEXT NOT NULL
);
CREATE TABLE scores (
    scored_at TEXT NOT NULL, period TEXT NOT NULL, unit_code TEXT NOT NULL, unit TEXT,
    grp TEXT, weighted REAL, bonus REAL, deduction REAL, final REAL, rank INTEGER,
    grade TEXT, sources TEXT
);
CREATE TABLE analyses (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id),
    code_key TEXT NOT NULL, blob BLOB NOT NULL, mac TEXT NOT NULL
);
CREATE TABLE file_cache (
    key TEXT PRIMARY KEY,          -- SHA-256 of the file, name, master and code
    blob BLOB NOT NULL, mac TEXT NOT NULL, used_at TEXT NOT NULL
);
CREATE TABLE imported (
    what TEXT PRIMARY KEY,         -- 'history/': an older campaign's folder, imported once
    at TEXT NOT NULL
);
CREATE INDEX runs_period ON runs(period, id);
"""
MIGRATIONS: dict[int, str] = {}  # from version n to n + 1


class Store:
    """An open campaign store. Use :func:`open_store`, which also takes the campaign lock."""

    def __init__(
        self, folder: Path, db: sqlite3.Connection, read_only: bool = False
    ) -> None:
        self.folder = folder
        self.db = db
        self.read_only = read_only
        self.notes: list[str] = []  # reminders for the user (history imported, …)

    # ------------------------------------------------------------------ runs
    def save_run(
        self,
        analysis: Any,
        blob: bytes,
        values: dict[str, dict[str, list[dict[str, Any]]]],
        inputs_key: str,
    ) -> int:
        """Add this run's results. ``blob`` is the analysis pickled before anything was
        written, kept for the commands after the run."""
        if self.read_only:
            return 0
        s = analysis.campaign.settings
        with self.db:
            previous = self.previous_ids(s.period, s.as_of.isoformat())
            run_id = self._add_run(s.period, s.as_of.isoformat(), "run", inputs_key)
            self.db.execute(
                "UPDATE runs SET previous = ? WHERE id = ?", (previous, run_id)
            )
            self._add_tables(
                run_id,
                analysis.tasks,
                analysis.milestones,
                analysis.problems,
                analysis.returns,
                values,
            )
            self.db.executemany(
                "INSERT INTO files VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        f["file"],
                        f.get("unit", ""),
                        f.get("sha256", ""),
                        f.get("size"),
                        f.get("saved_at", ""),
                        f.get("result", ""),
                    )
                    for f in analysis.inputs
                ],
            )
            self.db.executemany(
                "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?,?,?)",
                [_issue_row(run_id, i) for i in analysis.issues],
            )
            key = _signing_key()
            if key:
                # only the latest run's analysis is ever reused: it is a cache, the
                # tables above are the memory
                self.db.execute("DELETE FROM analyses")
                self.db.execute(
                    "INSERT INTO analyses VALUES (?,?,?,?)",
                    (run_id, code_key(), blob, _mac(key, blob)),
                )
        return run_id

    def latest_analysis(self, inputs_key: str) -> Any | None:
        """The analysis of the latest run, if it read exactly these inputs, built on the
        same earlier periods, and was written by this code; else None."""
        row = self.db.execute(
            "SELECT r.inputs_key, r.period, r.as_of, r.previous, a.code_key, a.blob, a.mac "
            "FROM runs r JOIN analyses a ON a.run_id = r.id "
            "WHERE r.source = 'run' ORDER BY r.id DESC LIMIT 1"
        ).fetchone()
        if not row:
            return None
        key, period, as_of, previous, code, blob, mac = row
        if (key, code) != (inputs_key, code_key()):
            return None
        if previous != self.previous_ids(period, as_of):
            return None
        return _unpickle(blob, mac)

    def previous_ids(self, period: str, as_of: str) -> str:
        """The latest run of each period ended before ``period``: what an analysis of
        ``period`` builds on."""
        current_end = period_end(period) or dt.date.fromisoformat(as_of[:10])
        rows = self.db.execute(
            "SELECT period, MAX(id) FROM runs GROUP BY period ORDER BY period"
        ).fetchall()
        return json.dumps(
            [
                [name, run_id]
                for name, run_id in rows
                if name != period and (period_end(name) or current_end) < current_end
            ]
        )

    def earlier_periods(self, period: str, as_of: dt.date) -> list[PeriodTables]:
        """The latest run of every period that ended before ``period``, oldest first."""
        current_end = period_end(period) or as_of
        rows = self.db.execute(
            "SELECT period, MAX(id) FROM runs GROUP BY period ORDER BY period"
        ).fetchall()
        found = []
        for name, run_id in rows:
            end = period_end(name)
            if name == period or end is None or end >= current_end:
                continue
            found.append(self._period_tables(run_id))
        found.sort(key=lambda t: period_end(t.period) or dt.date.min)
        return found

    def first_returns(self, campaign: Any) -> dict[str, dt.datetime]:
        """When each unit's first file of the current period was saved (naive UTC), as
        the runs of this period recorded it: the file may since have been replaced."""
        rows = self.db.execute(
            "SELECT f.unit, MIN(f.saved_at) FROM files f JOIN runs r ON r.id = f.run_id "
            "WHERE r.period = ? AND r.source = 'run' AND f.saved_at != '' AND f.result IN "
            "('已采用', '已采用（有错误）', '未采用（有更新的文件）') GROUP BY f.unit",
            (campaign.settings.period,),
        ).fetchall()
        found = {}
        for name, saved in rows:
            unit = campaign.unit_by_name(name or "")
            with contextlib.suppress(ValueError, TypeError):
                if unit:
                    found[unit.code] = dt.datetime.fromisoformat(saved) - dt.timedelta(
                        hours=8
                    )
        return found

    def read_elsewhere(self, period: str) -> dict[str, str]:
        """SHA-256 -> period of the files that runs of other periods read: a file left
        in returned/ after its period is known by this."""
        rows = self.db.execute(
            "SELECT f.sha256, r.period FROM files f JOIN runs r ON r.id = f.run_id "
            "WHERE r.period != ? AND f.sha256 != '' AND r.source = 'run' "
            "ORDER BY r.id DESC",  # the earliest run is kept: the period it came in
            (period,),
        ).fetchall()
        return dict(rows)

    def files_of_last_run(self, period: str) -> dict[str, str]:
        """Name -> SHA-256 ("" for attachments and ignored files) of what the latest
        run of ``period`` read; empty when it was never run."""
        rows = self.db.execute(
            "SELECT name, sha256 FROM files WHERE run_id = (SELECT MAX(id) FROM runs "
            "WHERE period = ? AND source = 'run')",
            (period,),
        ).fetchall()
        return {name: sha or "" for name, sha in rows}

    def periods_run(self) -> list[str]:
        """The periods with at least one ``siyi run``, oldest first."""
        rows = self.db.execute(
            "SELECT DISTINCT period FROM runs WHERE source = 'run'"
        ).fetchall()
        return sorted((r[0] for r in rows), key=lambda p: period_end(p) or dt.date.min)

    # ------------------------------------------------------------- the file cache
    def cached_file(self, key: str) -> Any | None:
        row = self.db.execute(
            "SELECT blob, mac FROM file_cache WHERE key = ?", (key,)
        ).fetchone()
        return _unpickle(row[0], row[1]) if row else None

    def cache_files(
        self, blobs: list[tuple[str, bytes]], used: Sequence[str] = ()
    ) -> None:
        """Keep each file as read (pickled), by key, and mark the ``used`` entries as
        used now; entries unused for 90 days are dropped."""
        key = _signing_key()
        if not key or self.read_only:
            return
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO file_cache VALUES (?,?,?,?)",
                [(k, b, _mac(key, b), now) for k, b in blobs],
            )
            self.db.executemany(
                "UPDATE file_cache SET used_at = ? WHERE key = ?",
                [(now, k) for k in used],
            )
            old = (dt.datetime.now() - dt.timedelta(days=90)).isoformat()
            self.db.execute("DELETE FROM file_cache WHERE used_at < ?", (old,))

    # --------------------------------------------------------------- bulletins
    def record_bulletin(
        self, period: str, criticised: list[str], praised: list[str]
    ) -> None:
        """Keep what a bulletin published (append-only: one row per publication)."""
        if self.read_only:
            return
        with self.db:
            self.db.execute(
                "INSERT INTO bulletins (period, published_at, criticised, praised) "
                "VALUES (?,?,?,?)",
                (
                    period,
                    dt.datetime.now().isoformat(timespec="microseconds"),
                    json.dumps(criticised, ensure_ascii=False),
                    json.dumps(praised, ensure_ascii=False),
                ),
            )

    def published_criticisms(self, period: str) -> list[set[str]]:
        """The units criticised in each bulletin published for a period before ``period``,
        newest period first (the latest publication of each period)."""
        latest: dict[str, list[str]] = {}
        for name, criticised in self.db.execute(
            "SELECT period, criticised FROM bulletins ORDER BY published_at, id"
        ):
            latest[name] = json.loads(criticised)
        end = period_end(period) or dt.date.max
        earlier = [
            (period_end(p) or dt.date.min, names)
            for p, names in latest.items()
            if p != period and (period_end(p) or dt.date.max) < end
        ]
        return [set(n) for _e, n in sorted(earlier, key=lambda x: x[0], reverse=True)]

    # ------------------------------------------------------------------ scores
    def save_scores(self, period: str, units: list[Any]) -> None:
        """Keep the year-end scores (one row per unit and scoring)."""
        if self.read_only:
            return
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self.db:
            self.db.executemany(
                "INSERT INTO scores VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        now,
                        period,
                        u.code,
                        u.name,
                        u.group,
                        float(u.weighted),
                        float(u.bonus),
                        float(u.deduction),
                        float(u.final),
                        u.rank,
                        u.grade,
                        json.dumps(
                            {
                                k: None if v.value is None else float(v.value)
                                for k, v in u.sources.items()
                            },
                            ensure_ascii=False,
                        ),
                    )
                    for u in units
                ],
            )

    # ----------------------------------------------------------------- helpers
    def import_history(self) -> None:
        """Bring in the runs and bulletins of an older campaign's history/ folder, once."""
        from siyi_xlsx.store.history import HISTORY_DIR, legacy_bulletins, legacy_runs

        done = self.db.execute(
            "SELECT count(*) FROM imported WHERE what = ?", (f"{HISTORY_DIR}/",)
        ).fetchone()[0]
        if done or not (self.folder / HISTORY_DIR).is_dir():
            return
        # a run folder without its run.json was cut short (a full disk, a killed run):
        # it is not a run; the others are imported
        runs = [run for run in legacy_runs(self.folder) if run[2]]
        bulletins = legacy_bulletins(self.folder)
        if not runs and not bulletins:
            return
        with self.db:
            self.db.execute(
                "INSERT INTO imported VALUES (?, ?)",
                (f"{HISTORY_DIR}/", dt.datetime.now().isoformat(timespec="seconds")),
            )
            for source, period, as_of, frames, units, values in runs:
                run_id = self._add_run(period, as_of, source, "")
                self._add_tables(run_id, *frames, units, values)
            for data in bulletins:
                self.db.execute(
                    "INSERT INTO bulletins (period, published_at, criticised, praised) "
                    "VALUES (?,?,?,?)",
                    (
                        data["period"],
                        dt.datetime.now().isoformat(timespec="microseconds"),
                        json.dumps(data.get("criticised", []), ensure_ascii=False),
                        json.dumps(data.get("praised", []), ensure_ascii=False),
                    ),
                )
        periods = sorted({r[1] for r in runs})
        what = f"{len(runs)} 次运行（{'、'.join(periods)}）" if runs else ""
        if bulletins:
            what += ("和" if what else "") + f"{len(bulletins)} 次已发布的通报"
        self.notes.append(
            f"已将 {HISTORY_DIR}/ 中的{what}导入 {STORE_FILE}；"
            f"{HISTORY_DIR}/ 文件夹不再使用，可留作备查。"
        )

    def _add_run(self, period: str, as_of: str, source: str, inputs_key: str) -> int:
        cur = self.db.execute(
            "INSERT INTO runs (period, as_of, started_at, source, siyi_version, inputs_key)"
            " VALUES (?,?,?,?,?,?)",
            (
                period,
                as_of,
                dt.datetime.now().isoformat(timespec="microseconds"),
                source,
                __version__,
                inputs_key,
            ),
        )
        return int(cur.lastrowid)

    def _add_tables(
        self,
        run_id: int,
        tasks: pd.DataFrame,
        milestones: pd.DataFrame,
        problems: pd.DataFrame | None,
        returns: list[dict[str, Any]],
        values: dict[str, Any],
    ) -> None:
        import pandas as pd

        problems = problems if problems is not None else pd.DataFrame()
        for name, frame, table, keys in (
            ("tasks", tasks, "task_status", ("task_id", "status")),
            ("milestones", milestones, "milestone_status", ("task_id", "seq", "status")),
            ("problems", problems, "problems", ("id", "unit")),
        ):
            text = as_text(frame)
            self.db.execute(
                "INSERT INTO frames VALUES (?,?,?)",
                (run_id, name, json.dumps(list(text.columns), ensure_ascii=False)),
            )
            marks = ",".join("?" * (len(keys) + 2))
            # serialised as inserted: a province's rows are not all held as JSON
            self.db.executemany(
                f"INSERT INTO {table} VALUES ({marks})",
                (
                    (
                        run_id,
                        *(rec.get(k, "") for k in keys),
                        json.dumps(rec, ensure_ascii=False),
                    )
                    for rec in text.to_dict("records")
                ),
            )
        self.db.executemany(
            "INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    run_id,
                    r.get("code", ""),
                    r.get("name", ""),
                    r.get("status", ""),
                    r.get("file", ""),
                    r.get("saved_at", ""),
                    r.get("errors"),
                    r.get("warnings"),
                    json.dumps(r, ensure_ascii=False, default=str),
                )
                for r in returns
            ],
        )
        self.db.executemany(
            "INSERT INTO accepted_values VALUES (?,?,?)",
            [
                (run_id, code, json.dumps(data, ensure_ascii=False, default=str))
                for code, data in values.items()
            ],
        )

    def _period_tables(self, run_id: int) -> PeriodTables:
        import pandas as pd

        from siyi_xlsx.compute.previous import PeriodTables

        period, as_of = self.db.execute(
            "SELECT period, as_of FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        frames = {}
        for name, table in (
            ("tasks", "task_status"),
            ("milestones", "milestone_status"),
            ("problems", "problems"),
        ):
            found = self.db.execute(
                "SELECT columns FROM frames WHERE run_id = ? AND name = ?", (run_id, name)
            ).fetchone()
            columns = json.loads(found[0]) if found else []
            records = [
                json.loads(d)
                for (d,) in self.db.execute(
                    f"SELECT data FROM {table} WHERE run_id = ? ORDER BY rowid", (run_id,)
                )
            ]
            frames[name] = (
                pd.DataFrame(records, columns=columns, dtype=str)
                if columns
                else pd.DataFrame()
            )
        units = [
            json.loads(d)
            for (d,) in self.db.execute(
                "SELECT data FROM returns WHERE run_id = ? ORDER BY rowid", (run_id,)
            )
        ]
        values = {
            code: json.loads(d)
            for code, d in self.db.execute(
                "SELECT unit_code, data FROM accepted_values WHERE run_id = ?", (run_id,)
            )
        }
        return PeriodTables(
            period,
            as_of,
            frames["tasks"],
            frames["milestones"],
            frames["problems"],
            units,
            values,
        )


def as_text(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The table as every later period sees it: each value as text, as in a CSV file
    (empty for a missing value), so a period reads the same whether it was just stored
    or imported from an older history/ folder."""
    import pandas as pd

    if frame is None or frame.columns.empty:
        return pd.DataFrame()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    buffer.seek(0)
    try:
        return pd.read_csv(buffer, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=list(frame.columns))


def _issue_row(run_id: int, issue: Issue) -> tuple[Any, ...]:
    return (
        run_id,
        issue.code,
        issue.severity,
        issue.file,
        issue.unit,
        issue.sheet,
        issue.cell,
        issue.field,
        str(issue.value),
        issue.message,
    )


# ------------------------------------------------------------------- opening


@contextlib.contextmanager
def open_store(folder: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[Store]:
    """Open (or create) the campaign's store, holding the campaign lock meanwhile.

    A second siyi command on the same campaign waits for the first to finish, up to
    ``wait`` seconds, then stops with a Chinese message; nothing is half-written either way.
    A campaign folder that cannot be written (a read-only share) is opened read-only: the
    commands that only read still work, and nothing is kept.
    """
    path = folder / STORE_FILE
    try:
        lock = _campaign_lock(folder, wait)
        lock.__enter__()
    except ReadOnlyFolder:
        lock = None
    try:
        in_memory = False
        if lock is None:
            db, in_memory = _read_only(path)
        else:
            db = sqlite3.connect(path, timeout=wait)
    except sqlite3.Error as exc:
        if lock is not None:
            lock.__exit__(None, None, None)
        raise CampaignError(f"无法打开工作目录的数据库 {path}：{exc}") from exc
    try:
        store = Store(folder, db, read_only=lock is None)
        if lock is None:
            if in_memory:
                store.import_history()  # into memory: earlier periods still count
                store.notes.clear()
            store.notes.append(
                f"工作目录 {folder} 不可写：本次按只读方式运行，结果不保存到 {STORE_FILE}。"
            )
        else:
            _prepare(db, path)
            store.import_history()
        yield store
    except sqlite3.OperationalError as exc:
        raise CampaignError(store_problem(path, exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise CampaignError(
            f"工作目录的数据库 {path} 已损坏（{exc}）。"
            f"可将它改名备份后重新运行 siyi run 重建本期结果。"
        ) from exc
    finally:
        db.close()
        if lock is not None:
            lock.__exit__(None, None, None)


def store_problem(path: Path, exc: sqlite3.OperationalError) -> str:
    """Why the store could not be read or written, in Chinese. What was being written
    is one transaction: it is rolled back, the store keeps what it had."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
        return no_space(path, "本次的结果没有记入数据库，数据库中原有的内容不变")
    text = f"无法读写工作目录的数据库 {path}：请检查磁盘空间和文件夹权限后重试。"
    if os.environ.get(DEBUG_ENV):
        text += f"［{type(exc).__name__}: {exc}］"
    return text


class ReadOnlyFolder(Exception):
    """The campaign folder cannot be written: no lock, no store to write."""


def _read_only(path: Path) -> tuple[sqlite3.Connection, bool]:
    """The store opened read-only, or an empty one in memory when there is none that
    this siyi can read; and whether it is the one in memory."""
    if path.is_file():
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return db, False
        db.close()
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    return db, True


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    db.execute("PRAGMA foreign_keys = ON")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise CampaignError(
                f"{path} 不是 siyi 的数据库（没有版本号）。请将它移出工作目录后重试。"
            )
        with db:
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return
    if version > SCHEMA_VERSION:
        raise CampaignError(
            f"{path} 由更新版本的 siyi 写入（数据库版本 {version}，本程序支持 {SCHEMA_VERSION}）。"
            "请升级 siyi 后再处理这个工作目录；为免误读，本次未读取它。"
        )
    while version < SCHEMA_VERSION:
        with db:
            db.executescript(MIGRATIONS[version])
            version += 1
            db.execute(f"PRAGMA user_version = {version}")


@contextlib.contextmanager
def _campaign_lock(folder: Path, wait: float) -> Iterator[None]:
    path = folder / LOCK_FILE
    try:
        handle = open(path, "a+")  # noqa: SIM115 - held for the whole command
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            raise ReadOnlyFolder(str(folder)) from exc
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise CampaignError(no_space(path, "本次没有做任何改动")) from exc
        raise CampaignError(
            f"无法在工作目录 {folder} 中建立锁文件（{explain(exc, '写入')}），请检查该文件夹是否可写。"
        ) from exc
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise CampaignError(
                        f"另一个 siyi 命令正在处理工作目录 {folder}，已等待 {wait:.0f} 秒。"
                        "请等它结束后再运行。"
                    ) from exc
                time.sleep(0.2)
        yield
    finally:
        handle.close()


# ------------------------------------------------------------- the master, kept

MASTER_CACHE_WAIT = 0.5  # seconds a `siyi check` waits to keep the master it read


def cached_master(folder: Path, master: Path, load: Callable[[Path], Any]) -> Any:
    """``load(folder)`` (the campaign read from ``master``), kept in the store's file
    cache under the master's SHA-256, the folder and this code, so that `siyi check` on
    one file does not read the master workbook again while it is unchanged.

    The store is only looked into, without the campaign lock (like `siyi check`, which
    writes nothing there otherwise): when there is none yet, it is another version's,
    it is busy or cannot be written, the master is simply read."""
    key = _master_key(folder, master)
    path = folder / STORE_FILE
    db = None
    if key is not None and path.is_file():
        try:
            db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=MASTER_CACHE_WAIT
            )
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.close()
                db = None
        except sqlite3.Error:
            db = None
    try:
        if db is not None:
            try:
                row = db.execute(
                    "SELECT blob, mac FROM file_cache WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error:
                row = None
            found = _unpickle(row[0], row[1]) if row else None
            if found is not None:
                return found
        campaign = load(folder)
        signing = _signing_key()
        # kept only when the master did not change while it was read
        if db is not None and signing and key == _master_key(folder, master):
            blob = pickle.dumps(campaign, protocol=pickle.HIGHEST_PROTOCOL)
            now = dt.datetime.now().isoformat(timespec="seconds")
            with contextlib.suppress(sqlite3.Error), db:
                # one master kept per spelling of the folder: the latest
                db.execute(
                    "DELETE FROM file_cache WHERE key LIKE ? AND key != ?",
                    (key[: key.rindex(":") + 1] + "%", key),
                )
                db.execute(
                    "INSERT OR REPLACE INTO file_cache VALUES (?,?,?,?)",
                    (key, blob, _mac(signing, blob), now),
                )
        return campaign
    finally:
        if db is not None:
            db.close()


def _master_key(folder: Path, master: Path) -> str | None:
    """``master:<folder>:<content>``: the folder as given (the campaign read keeps it,
    and its paths are shown), then the SHA-256 of the master's bytes and of this code."""
    try:
        data = master.read_bytes()
    except OSError:
        return None
    where = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    digest = hashlib.sha256(data)
    digest.update(str(folder.resolve()).encode())
    digest.update(code_key().encode())
    return f"master:{where}:{digest.hexdigest()}"


# ------------------------------------------------------------------ signing


@cache
def code_key() -> str:
    """A fingerprint of this siyi's code: a pickle is read back only by the code that wrote it."""
    digest = hashlib.sha256(__version__.encode())
    files = sorted(Path(__file__).resolve().parents[1].rglob("*.py"))
    # the office may edit the sheets' declarations and the templates: they decide too
    for name in ("schemas", "templates"):
        files += sorted(data_dir(name).glob("*.json"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


@cache
def _signing_key() -> bytes | None:
    """This user's key for the store's pickles, made on first use; None (no cache, files
    read every time) when it cannot be made or read."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "siyi"
    path = base / "store.key"
    if not path.exists():
        # written aside, then linked into place: two processes starting at once both
        # read the one complete key, never a half-written file
        tmp = base / f".store.key.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            base.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first
        except OSError:
            return None
        finally:
            tmp.unlink(missing_ok=True)
    try:
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) >= 16 else None  # an empty or cut key: no cache


def _mac(key: bytes, blob: bytes) -> str:
    return hmac.new(key, blob, hashlib.sha256).hexdigest()


def _unpickle(blob: bytes, mac: str) -> Any | None:
    key = _signing_key()
    if not key or not hmac.compare_digest(_mac(key, blob), mac):
        return None
    try:
        return pickle.loads(blob)  # noqa: S301 - signed by this machine's key above
    except Exception:  # noqa: BLE001 - a stale blob is re-read, never trusted
        return None
