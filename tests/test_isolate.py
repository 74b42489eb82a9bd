"""Reading in worker processes: a file whose reading crashes, hangs or eats memory costs
that file only, with a Chinese message; the batch and the other files go on."""

from __future__ import annotations

import os
import time

import pytest

from siyi_xlsx.read import isolate, returned
from siyi_xlsx.read.isolate import (
    CRASHED,
    FAILED,
    OK,
    OUT_OF_MEMORY,
    TIMED_OUT,
    run_isolated,
)


def _job(kind: str) -> str:
    if kind == "abort":
        os.abort()  # as python-calamine does on some files: the whole process dies
    if kind == "exit":
        os._exit(3)
    if kind == "hang":
        time.sleep(60)
    if kind == "memory":
        return str(len(bytearray(3 << 30)))  # beyond the 1 GiB budget
    if kind == "raise":
        raise ValueError("bad file")
    return kind.upper()


def test_each_failure_costs_its_own_job_only(monkeypatch):
    monkeypatch.setenv(isolate.WORKERS_ENV, "2")
    kinds = ["a", "abort", "b", "hang", "c", "memory", "raise", "exit", "d"]
    timeouts = [3.0 if k != "hang" else 0.5 for k in kinds]
    started = time.monotonic()
    outcomes = dict(run_isolated(_job, [(k,) for k in kinds], timeouts))
    assert time.monotonic() - started < 20
    got = {kinds[i]: o.kind for i, o in outcomes.items()}
    assert got == {
        "a": OK,
        "abort": CRASHED,
        "b": OK,
        "hang": TIMED_OUT,
        "c": OK,
        "memory": OUT_OF_MEMORY,
        "raise": FAILED,
        "exit": CRASHED,
        "d": OK,
    }
    assert [outcomes[kinds.index(k)].value for k in "abcd"] == ["A", "B", "C", "D"]
    assert isinstance(outcomes[kinds.index("raise")].value, ValueError)


def test_without_workers_the_same_outcomes(monkeypatch):
    monkeypatch.setenv(isolate.WORKERS_ENV, "0")
    outcomes = dict(run_isolated(_job, [("a",), ("raise",)]))
    assert outcomes[0].kind == OK and outcomes[0].value == "A"
    assert outcomes[1].kind == FAILED


def test_worker_count_follows_cores_and_files(monkeypatch):
    monkeypatch.delenv(isolate.WORKERS_ENV, raising=False)
    assert 1 <= isolate.worker_count(1) <= 1
    assert isolate.worker_count(1000) == len(os.sched_getaffinity(0))
    monkeypatch.setenv(isolate.WORKERS_ENV, "3")
    assert isolate.worker_count(2) == 2


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("abort", "读取程序异常退出"),
        ("hang", "读取超过 4 秒仍未完成"),
        ("raise", "无法解析"),
    ],
)
def test_a_file_that_kills_its_reader_gets_one_message(
    small, monkeypatch, failure, words
):
    good = small.fill("U01")
    bad = small.fill("U02")
    real = returned.read_workbook

    def hostile(path, **kwargs):
        if path.name == bad.name:
            _job(failure)
        return real(path, **kwargs)

    monkeypatch.setattr(returned, "read_workbook", hostile)  # inherited by the workers
    # long enough for a normal file on a loaded machine, short for the test
    monkeypatch.setattr(returned, "TIMEOUT_SECONDS", 4.0)
    result = small.analyse()
    lines = [i for i in result.issues if i.file == bad.name]
    assert [i.code for i in lines] == ["FILE_UNREADABLE"]
    assert words in lines[0].message and "Error" not in lines[0].message
    assert str(small.folder) not in lines[0].message
    status = {r["code"]: r["status"] for r in result.returns}
    assert status["U01"] == "按时报送", [
        i.message for i in result.issues if i.file == good.name
    ]
    assert good.exists()


def test_a_worker_killed_while_idle_is_replaced(monkeypatch):
    monkeypatch.setenv(isolate.WORKERS_ENV, "1")
    original = isolate._Worker.__init__

    def doomed(self, func):
        original(self, func)
        if not getattr(isolate, "_killed_one", False):
            isolate._killed_one = True
            self.process.kill()  # as the system's out-of-memory killer might
            self.process.join()

    monkeypatch.setattr(isolate._Worker, "__init__", doomed)
    monkeypatch.setattr(isolate, "_killed_one", False, raising=False)
    outcomes = dict(run_isolated(_job, [("a",), ("b",)]))
    assert {i: o.value for i, o in outcomes.items()} == {0: "A", 1: "B"}
