"""The year as the office runs it: period folders, the switch to the next period,
resubmissions, and what else lands in returned/ (system files, attachments, archives,
files the office cannot open, results open in Excel)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from siyi_xlsx import api
from siyi_xlsx.cli import main
from siyi_xlsx.errors import CampaignError, Code, OutputBlockedError, Severity
from siyi_xlsx.read.inbox import collect
from siyi_xlsx.read.master import load_campaign
from siyi_xlsx.schema.layout import META_SHEET
from siyi_xlsx.statuses import ReturnStatus

OUT = Path("output") / "2022Q3"


def _status(result, code: str) -> dict:
    return next(r for r in result.returns if r["code"] == code)


# ------------------------------------------------------------------ the inbox (memory)


def test_system_files_are_ignored_and_attachments_recorded(tmp_path):
    root = tmp_path / "returned"
    (root / "2022Q3").mkdir(parents=True)
    for name in (
        "Thumbs.db",
        "desktop.ini",
        "~WRL0001.tmp",
        "~$长青乡.xlsx",
        ".DS_Store",
    ):
        (root / "2022Q3" / name).write_bytes(b"x")
    (root / "2022Q3" / "长青乡_佐证.pdf").write_bytes(b"%PDF-1.4")
    (root / "长青乡.xlsx").write_bytes(b"PK")  # loose in returned/: the current period's
    inbox = collect(root, "2022Q3")
    assert [n for _p, n in inbox.files] == ["长青乡.xlsx"]
    assert sorted(inbox.ignored) == sorted(
        ["Thumbs.db", "desktop.ini", "~WRL0001.tmp", "~$长青乡.xlsx", ".DS_Store"]
    )
    assert [n for _p, n in inbox.attachments] == ["长青乡_佐证.pdf"]
    assert not inbox.issues


def test_folders_of_other_periods_are_not_read(tmp_path):
    root = tmp_path / "returned"
    (root / "2022Q2").mkdir(parents=True)
    (root / "2022Q2" / "old.xlsx").write_bytes(b"PK")
    (root / "2022Q3").mkdir()
    (root / "2022Q3" / "new.xlsx").write_bytes(b"PK")
    (root / "乡镇").mkdir()  # not a period: read with the current one
    (root / "乡镇" / "b.xlsx").write_bytes(b"PK")
    inbox = collect(root, "2022Q3")
    assert [n for _p, n in inbox.files] == ["new.xlsx", "乡镇/b.xlsx"]
    assert inbox.elsewhere == ["2022Q2"]


def _zip(path: Path, members: dict[str, bytes], gbk: bool = False) -> Path:
    """A zip as Windows' own 压缩 writes it: with ``gbk``, names in GBK bytes and no
    UTF-8 flag (written under an ASCII stand-in of the same length, then swapped)."""
    stand_ins = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, data) in enumerate(members.items()):
            raw = name.encode("gbk")
            stand_in = f"{n:0{len(raw)}d}" if gbk else name
            stand_ins[stand_in.encode()] = raw
            info = zipfile.ZipInfo(stand_in, date_time=(2022, 10, 8, 10, 0, 0))
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    if gbk:
        blob = path.read_bytes()
        for stand_in, raw in stand_ins.items():
            blob = blob.replace(stand_in, raw)
        path.write_bytes(blob)
    return path


def test_a_zip_of_returns_is_unpacked_safely(tmp_path):
    root = tmp_path / "returned"
    root.mkdir()
    _zip(
        root / "乡镇报送.zip",
        {
            "长青乡.xlsx": b"PK-workbook",
            "佐证/照片.jpg": b"jpeg",
            "../../escape.xlsx": b"evil",
            "inner.zip": b"PK",
            "Thumbs.db": b"x",
        },
    )
    inbox = collect(root, "2022Q3", work=tmp_path / "work")
    assert [n for _p, n in inbox.files] == ["乡镇报送.zip/长青乡.xlsx"]
    assert [n for _p, n in inbox.attachments] == ["乡镇报送.zip/佐证/照片.jpg"]
    assert inbox.ignored == ["乡镇报送.zip/Thumbs.db"]
    skipped = {(i.code, i.value) for i in inbox.issues}
    assert skipped == {
        (Code.ARCHIVE_MEMBER_SKIPPED, "../../escape.xlsx"),
        (Code.ARCHIVE_MEMBER_SKIPPED, "inner.zip"),
    }
    # nothing was written outside the archive's own folder
    assert not (tmp_path / "escape.xlsx").exists()
    assert all(tmp_path / "work" in p.parents for p, _n in inbox.files)
    path = inbox.files[0][0]
    assert path.read_bytes() == b"PK-workbook"
    # the member's own time (Beijing) is the file's time, so a re-run reads it the same
    assert dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) == dt.datetime(
        2022, 10, 8, 2, 0, tzinfo=dt.UTC
    )


def test_zip_names_written_by_chinese_windows_are_decoded(tmp_path):
    root = tmp_path / "returned"
    root.mkdir()
    _zip(root / "a.zip", {"长青乡.xlsx": b"PK"}, gbk=True)
    assert [n for _p, n in collect(root, "2022Q3", work=tmp_path / "w").files] == [
        "a.zip/长青乡.xlsx"
    ]


def test_broken_encrypted_or_bomb_archives_are_refused(tmp_path):
    root = tmp_path / "returned"
    root.mkdir()
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    # 50 MB of zeros packs into ~50 KB: a ratio far above any workbook
    _zip(root / "bomb.zip", {"big.xlsx": bytes(50 * 2**20)})
    inbox = collect(root, "2022Q3", work=tmp_path / "w")
    assert inbox.files == []
    found = {i.file: i for i in inbox.issues}
    assert found["broken.zip"].code == Code.ARCHIVE_UNREADABLE
    assert "压缩比异常" in found["bomb.zip"].message
    assert not (tmp_path / "w").exists() or not any((tmp_path / "w").rglob("*.xlsx"))


def test_a_normal_archive_is_within_the_limits(tmp_path):
    root = tmp_path / "returned"
    root.mkdir()
    # an ordinary workbook compresses 5-10x: well within the ratio limit
    _zip(root / "ok.zip", {"a.xlsx": os.urandom(2 * 2**20)})
    inbox = collect(root, "2022Q3", work=tmp_path / "w")
    assert [n for _p, n in inbox.files] == ["ok.zip/a.xlsx"] and not inbox.issues


# ------------------------------------------------------------------ the batch


def test_a_superseded_files_errors_are_listed_but_not_counted(small):
    small.issue()
    small.fill("U01", name="u01_first.xlsx", saved="2022-10-08T02:00:00Z")
    small.fill("U02", {("重点工作台账", "T3", "完成进度(%)"): 150}, name="u02_v1.xlsx",
               saved="2022-10-08T02:00:00Z")  # fmt: skip
    small.fill("U02", name="u02_v2.xlsx", saved="2022-10-09T02:00:00Z")
    small.fill("U03")
    result = small.analyse()
    old = [i for i in result.issues if i.file == "u02_v1.xlsx"]
    assert any(i.severity == Severity.VOID and "不计入" in i.message for i in old)
    assert not any(i.severity == Severity.ERROR for i in old)
    assert result.errors == 0 and result.exit_code == 0
    assert _status(result, "U02")["status"] == ReturnStatus.ON_TIME


def test_timeliness_is_judged_by_the_first_submission(small):
    small.issue()
    for code in ("U01", "U03"):
        small.fill(code)
    # before the deadline (10-10), with an error: sent back
    first = small.fill(
        "U02",
        {("重点工作台账", "T3", "完成进度(%)"): 150},
        saved="2022-10-09T02:00:00Z",
    )
    assert _status(small.run(), "U02")["status"] == ReturnStatus.SENT_BACK
    # corrected after the deadline, and the clerk replaced the old file: the store
    # remembers when the first one came
    first.unlink()
    small.fill("U02", saved="2022-10-12T02:00:00Z")
    row = _status(small.analyse(), "U02")
    assert row["status"] == ReturnStatus.ON_TIME
    assert row["first_saved"] == "2022-10-09 10:00"


def test_a_first_submission_after_the_deadline_is_late(small):
    small.issue()
    small.fill("U02", saved="2022-10-11T02:00:00Z")
    assert _status(small.analyse(), "U02")["status"] == ReturnStatus.LATE


def test_a_file_of_another_period_never_makes_a_unit_sent_back(small):
    small.issue()
    small.fill("U01")

    def older(book):
        meta = book[META_SHEET]
        for row in meta.iter_rows():
            if row[0].value == "period":
                row[1].value = "2022Q2"

    small.fill("U02", mutate=older)
    result = small.analyse()
    row = _status(result, "U02")
    assert row["status"] == ReturnStatus.MISSING
    assert "2022Q2 期的填报表，不作为本期报送" in row["todo"]
    mismatch = [i for i in result.issues if i.code == Code.PERIOD_MISMATCH]
    assert mismatch and all(i.severity == Severity.WARNING for i in mismatch)


def test_an_unreadable_file_is_one_problem_line(small, monkeypatch):
    small.issue()
    small.fill("U01")
    locked = small.fill("U02")
    import siyi_xlsx.read.returned as returned

    real = returned.ingest

    def ingest(path, campaign, display_name=None):
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, campaign, display_name)

    monkeypatch.setattr(returned, "ingest", ingest)  # inherited by the workers
    result = small.analyse()
    line = next(i for i in result.issues if i.code == Code.FILE_LOCKED)
    assert line.file == locked.name and "没有读取权限" in line.message
    assert "Errno" not in line.message
    assert _status(result, "U01")["status"] == ReturnStatus.ON_TIME
    assert "办公室无法打开" in _status(result, "U02")["todo"]


def test_a_result_open_in_excel_is_named_and_the_rest_written(small, monkeypatch):
    small.issue()
    small.fill("U01")
    import siyi_xlsx.write.xlsx as xlsx

    real = os.replace

    def replace(src, dst):
        if str(dst).endswith("汇总台账.xlsx"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(xlsx.os, "replace", replace)
    with pytest.raises(OutputBlockedError) as caught:
        small.run()
    message = str(caught.value)
    assert "请先关闭 汇总台账.xlsx" in message and ".~siyi" not in message
    assert (small.folder / OUT / "领导汇总.xlsx").is_file()
    assert not list((small.folder / OUT).glob(".~siyi-*"))


# ------------------------------------------------------------------ the next period


def _settings(folder: Path) -> dict:
    ws = openpyxl.load_workbook(folder / "任务总表.xlsx")["设置"]
    return {r[0]: r[1] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}


def test_the_next_period_opens_only_after_a_run(small):
    small.issue()
    # either order of folder and period, through the command line
    for args in ([str(small.folder), "2022Q4"], ["2022Q4", str(small.folder)]):
        result = CliRunner().invoke(main, ["period", *args])
        assert result.exit_code == 2
        assert "当前期次 2022Q3 还没有运行过 siyi run" in result.output
    assert load_campaign(small.folder).settings.period == "2022Q3"
    with pytest.raises(CampaignError, match="还没有运行过 siyi run"):
        api.open_period(small.folder, "2022Q4")
    with pytest.raises(CampaignError, match="不晚于当前期次"):
        api.open_period(small.folder, "2022Q2", force=True)
    with pytest.raises(CampaignError, match="不是期次名称"):
        api.open_period(small.folder, "第四季度", force=True)


def test_opening_the_next_period(small):
    small.issue()
    sent = small.fill("U01")
    # a file without the template's metadata: known by its name only
    bare = small.fill(
        "U02", name="长青乡报送.xlsx", mutate=lambda b: b.remove(b[META_SHEET])
    )
    small.run()
    # a file put in after the run: the period is not closed over it
    late = small.folder / "returned" / "迟到的.xlsx"
    shutil.copy2(sent, late)
    with pytest.raises(CampaignError, match="迟到的.xlsx"):
        api.open_period(small.folder, "2022Q4")
    late.unlink()
    result = api.open_period(small.folder, " 2022Q4 ")
    assert (result.previous, result.period) == ("2022Q3", "2022Q4")
    settings = _settings(small.folder)
    assert settings["当前期次"] == "2022Q4"
    assert settings["数据截止日期"].date() == dt.date(2022, 12, 31)
    assert settings["报送截止日期"].date() == dt.date(2023, 1, 10)
    assert settings["年度"] == 2022
    # nothing lost: the loose return went into its period's folder, the master's copy kept
    assert not sent.exists()
    assert sorted(
        p.name for p in (small.folder / "returned" / "2022Q3").iterdir()
    ) == sorted([sent.name, bare.name])
    assert result.archived_master.is_file()
    assert load_campaign(small.folder).settings.period == "2022Q4"
    for kind in ("issued", "returned", "output"):
        assert (small.folder / kind / "2022Q4").is_dir()
    # the new period reads nothing of the old one: every unit is still to report
    analysis = small.analyse()
    assert {r["status"] for r in analysis.returns if r["tasks"]} == {ReturnStatus.MISSING}
    assert not [i for i in analysis.issues if i.code == Code.PERIOD_MISMATCH]
    # last period's files put back loose in returned/ (even one without metadata,
    # which would pass for this period's) are known as last period's: nothing counts
    for path in (small.folder / "returned" / "2022Q3").iterdir():
        shutil.copy2(path, small.folder / "returned" / path.name)
    analysis = small.analyse()
    assert {r["status"] for r in analysis.returns if r["tasks"]} == {ReturnStatus.MISSING}
    assert [i.message for i in analysis.issues if i.severity != Severity.VOID] == []
    assert not any("不作为本期报送" in r["todo"] for r in analysis.returns)


def test_an_older_campaigns_flat_results_move_into_the_period_folder(small):
    small.issue()
    small.fill("U01")
    small.run()
    # as an older siyi left them
    out = small.folder / "output"
    for path in list((out / "2022Q3").iterdir()):
        shutil.move(str(path), str(out / path.name))
    issued = small.folder / "issued"
    handed = len(list((issued / "2022Q3").glob("*.xlsx")))
    for path in list((issued / "2022Q3").iterdir()):
        shutil.move(str(path), str(issued / path.name))
    notes: list[str] = []
    api.status(small.folder, on_note=notes.append)
    assert (out / "2022Q3" / "汇总台账.xlsx").is_file()
    assert not (out / "汇总台账.xlsx").exists()
    assert len(list((issued / "2022Q3").glob("*.xlsx"))) == handed > 0
    assert any("移入 output/2022Q3/" in n for n in notes)


def test_init_makes_every_folder_the_workflow_uses(tmp_path):
    api.init(tmp_path / "c")
    period = load_campaign(tmp_path / "c").settings.period
    for sub in (
        f"issued/{period}",
        f"returned/{period}",
        f"output/{period}",
        "evaluations",
        "public",
    ):
        assert (tmp_path / "c" / sub).is_dir(), sub


# ------------------------------------------------------------------ review fixes


def test_only_exact_period_names_are_periods(tmp_path):
    from siyi_xlsx.period import Period

    for text in ("202210", "20221012", "2022Q3补报", "2022Q5", "2022M13", "0000"):
        assert Period.parse(text) is None, text
    assert Period.typed(" 2023q1 ").name == "2023Q1"
    # a batch folder named by date is read with the current period, not skipped
    root = tmp_path / "returned"
    (root / "20221012").mkdir(parents=True)
    (root / "20221012" / "a.xlsx").write_bytes(b"PK")
    inbox = collect(root, "2022Q3")
    assert [n for _p, n in inbox.files] == ["20221012/a.xlsx"] and not inbox.elsewhere


def test_attachments_belong_to_a_unit_only_by_code_or_leading_name(small):
    from siyi_xlsx.pipeline import attachment_unit, unit_returns

    campaign = load_campaign(small.folder)
    assert attachment_unit("区发展和改革局_佐证", campaign).code == "U01"
    assert attachment_unit("U02_现场照片", campaign).code == "U02"
    assert attachment_unit("关于区发展和改革局资金的说明", campaign) is None
    # a unit that sent only attachments is still to report, told so
    row = {r["code"]: r for r in unit_returns(campaign, [], {"U02": ["长青乡_扫描.pdf"]})}
    assert row["U02"]["status"] == ReturnStatus.MISSING
    assert "只收到附件 长青乡_扫描.pdf" in row["U02"]["todo"]


def test_closed_tasks_are_out_of_the_on_track_rate():
    import pandas as pd

    from siyi_xlsx.write.summary import unit_ranking

    tasks = pd.DataFrame(
        [
            {"task_id": "A", "lead_unit": "甲", "status": "已销号"},  # closed, no report
            {"task_id": "B", "lead_unit": "乙", "status": "已销号"},
            {"task_id": "C", "lead_unit": "乙", "status": "滞后"},
        ]
    )
    table = unit_ranking(tasks).set_index("lead_unit")
    assert pd.isna(table.loc["甲", "rate"]) and pd.isna(table.loc["甲", "rank"])
    assert table.loc["乙", "rate"] == 0  # its one counted task is behind


def test_an_interrupted_runs_temporary_files_are_cleared(small):
    small.issue()
    small.fill("U01")
    out = small.folder / OUT
    (out / "退回件").mkdir(parents=True)
    for path in (out / ".~siyi-abc.xlsx", out / "退回件" / ".~siyi-def.xlsx"):
        path.write_bytes(b"half written")
    small.run()
    assert not list(out.rglob(".~siyi-*"))
    assert (out / "汇总台账.xlsx").is_file()
