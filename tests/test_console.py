"""The console a clerk sees: click's frame in Chinese, no exception names, progress only
on a terminal, columns aligned for Chinese text, "是否为 …？" for names typed by hand, and
advice that names the nearest campaign folder."""

from __future__ import annotations

import ast
import datetime as dt
import re
import zipfile
import zlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from siyi_xlsx import advice, progress
from siyi_xlsx.cli import _table, main
from siyi_xlsx.errors import ReadError, explain
from siyi_xlsx.i18n import CLICK_MODULES, compile_mo, po_entries, translations
from siyi_xlsx.names import MIN_RATIO, suggest
from siyi_xlsx.read.master import MASTER_FILE, load_campaign
from siyi_xlsx.read.workbook import read_workbook

# ---------------------------------------------------------------- click in Chinese


def _click_messages() -> set[str]:
    """Every string click marks for translation (the first argument of ``_()`` and
    both of ``ngettext()``), read from its source."""
    found: set[str] = set()
    root = Path(click.__file__).parent
    for name in CLICK_MODULES:
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id == "_" and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
            elif node.func.id == "ngettext":
                found.add(node.args[0].value + "\0" + node.args[1].value)
    return found | {"required"}  # translated as _(extra["required"])


def test_the_catalog_translates_every_string_click_marks():
    catalog = translations()._catalog  # noqa: SLF001
    missing = {
        m
        for m in _click_messages()
        if m.split("\0")[0] not in catalog and (m.split("\0")[0], 0) not in catalog
    }
    assert not missing, f"add to siyi_xlsx/locale/…/click.po: {sorted(missing)}"


def test_the_catalog_compiles_like_msgfmt():
    entries = po_entries(
        'msgid ""\nmsgstr "Language: zh_CN\\n"\n\nmsgid "a"\nmsgstr "甲"\n'
    )
    mo = compile_mo(entries)
    assert mo[:4] == b"\xde\x12\x04\x95" and "甲".encode() in mo
    assert po_entries('msgid "untranslated"\nmsgstr ""\n') == {}


BAD_INVOCATIONS = [
    ["--help"],
    ["run", "--help"],
    ["bulletin", "--help"],
    ["check", "--help"],
    ["run", "--nope"],
    ["run", "--jsn"],
    ["nosuch"],
    ["run", "a", "b"],
    ["check"],
    ["check", "nofile.xlsx"],
    ["bulletin", "."],
    ["bulletin", ".", "--period"],
]
# words of siyi's own that may appear: option and command names, file formats
ALLOWED = {
    "siyi",
    "json",
    "help",
    "version",
    "quiet",
    "sample",
    "force",
    "campaign",
    "period",
    "init",
    "issue",
    "run",
    "status",
    "remind",
    "check",
    "score",
    "report",
    "bulletin",
    "dashboard",
    "publish",
    "docs",
    "nope",
    "jsn",
    "nosuch",
    "nofile",
    "xlsx",
    "txt",
    "Excel",
    "JSON",
    "PDF",
    "Markdown",
    "issued",
    "returned",
    "output",
    "evaluations",
    "public",
}


def test_click_speaks_chinese_in_help_and_usage_errors(tmp_path, monkeypatch):
    """No English word of click's frame is left in help pages and usage errors: only
    siyi's own option, command and folder names."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    runner = CliRunner()
    for args in BAD_INVOCATIONS:
        result = runner.invoke(main, args, prog_name="siyi")
        text = result.output
        english = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED
        assert not english, (args, english, text)
        assert result.exit_code == (0 if "--help" in args else 2), (args, text)
    out = runner.invoke(main, ["run", "--jsn"], prog_name="siyi").output
    assert "用法： siyi run [选项] [工作目录]" in out and "是否要输入 '--json'" in out
    out = runner.invoke(main, ["run", str(tmp_path / "a"), "b"]).output
    assert "多余的参数（b）" in out
    (tmp_path / "f.xlsx").write_bytes(b"x")
    out = runner.invoke(main, ["run", "f.xlsx"]).output
    assert "“f.xlsx”是文件，这里需要的是文件夹" in out
    assert "[必填]" in runner.invoke(main, ["bulletin", "-h"]).output


# --------------------------------------------------- no class name or errno shown


def test_library_failures_are_explained_in_chinese(monkeypatch):
    monkeypatch.delenv("SIYI_DEBUG", raising=False)
    cases = {
        zipfile.BadZipFile("File is not a zip file"): "不是有效的 xlsx 文件",
        PermissionError(13, "Permission denied", "a.xlsx"): "没有读取权限",
        FileNotFoundError(2, "No such file", "a.xlsx"): "不存在",
        OSError(28, "No space left on device"): "磁盘空间不足",
        OSError(99, "Something odd"): "读取文件时出错",
        zlib.error("Error -3 while decompressing"): "无法解压",
        KeyError("xl/workbook.xml"): "必要部分",
        ValueError("weird"): "无法解析",
    }
    for exc, words in cases.items():
        text = explain(exc)
        assert words in text, (exc, text)
        assert not re.search(r"Error|Errno|Zip|Key|Value|denied|\d", text), text
    monkeypatch.setenv("SIYI_DEBUG", "1")
    assert "BadZipFile: File is not a zip file" in explain(
        zipfile.BadZipFile("File is not a zip file")
    )


def test_a_broken_workbook_is_described_without_the_library_words(tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 64)  # looks like a zip, is not one
    with pytest.raises(ReadError) as caught:
        read_workbook(path)
    assert str(caught.value) == "不是有效的 xlsx 文件，可能已损坏或不是 Excel 工作簿"


def test_the_cli_turns_system_errors_into_chinese(tmp_path, monkeypatch):
    (tmp_path / MASTER_FILE).write_bytes(b"")

    def locked(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "汇总台账.xlsx"))

    monkeypatch.setattr("siyi_xlsx.api.run", locked)
    monkeypatch.delenv("SIYI_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["run", str(tmp_path)])
    assert result.exit_code == 2
    assert "没有读写权限" in result.output and "汇总台账.xlsx" in result.output
    assert "Errno" not in result.output and "PermissionError" not in result.output

    def bug(*_args, **_kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr("siyi_xlsx.api.run", bug)
    result = CliRunner().invoke(main, ["run", str(tmp_path)])
    assert result.exit_code == 2 and "内部出错" in result.output
    assert "TypeError" not in result.output and "SIYI_DEBUG=1" in result.output
    monkeypatch.setenv("SIYI_DEBUG", "1")
    result = CliRunner().invoke(main, ["run", str(tmp_path)])
    assert isinstance(result.exception, TypeError)  # the maintainer sees the original


# ------------------------------------------------------------------------ progress


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, label: str, total: int | None) -> None:
        self.events.append(("start", label, total))

    def advance(self, step: int) -> None:
        self.events.append(("advance", step))


def test_progress_goes_to_the_installed_reporter_only():
    assert list(progress.track([1, 2], "无人显示")) == [1, 2]  # no reporter: no-op
    recorder = _Recorder()
    with progress.reporting(recorder):
        progress.start("读取任务总表")
        assert list(progress.track(iter("ab"), "读取回收文件")) == ["a", "b"]
    progress.start("之后")  # uninstalled again
    assert recorder.events == [
        ("start", "读取任务总表", None),
        ("start", "读取回收文件", 2),
        ("advance", 1),
        ("advance", 1),
    ]


# --------------------------------------------------------------- aligned columns


def test_columns_line_up_by_display_width():
    rows = [
        ["U01", "区发展和改革局", "按时报送", "a.xlsx"],
        ["U0002", "长青乡", "未报送", ""],
        ["X", "Team ABC", "被退回", "错误 2 处"],
    ]
    lines = _table(rows)
    # each column starts at the same screen column on every line
    for col in range(1, 4):
        starts = set()
        for line, row in zip(lines, rows, strict=True):
            if row[col]:
                starts.add(cell_len(line[: line.index(row[col], len("  " + row[0]))]))
        assert len(starts) == 1, (col, lines)
    assert not any(line.endswith(" ") for line in lines)


# ------------------------------------------------------------ names typed by hand

UNITS = ["区农业农村局", "区发展和改革局", "区审计局", "区统计局", "长青乡", "兴隆镇"]


def test_a_name_typed_by_hand_gets_the_nearest_known_name():
    assert suggest("区农业局", UNITS) == "区农业农村局"
    assert suggest("农业农村局", UNITS) == "区农业农村局"  # contained in one name
    assert suggest("区农业农村局 ", UNITS) == "区农业农村局"  # spaces and widths
    assert suggest("区发改局", UNITS) == "区发展和改革局"
    assert suggest("区公安局", UNITS) is None  # no unit like it
    assert suggest("区计局", ["区审计局", "区统计局"]) is None  # a tie: no guess
    assert suggest("", UNITS) is None


def test_the_similarity_threshold_is_inclusive():
    # ratio 2*3/10 = 0.6 exactly: suggested; 2*2/10 = 0.4: not
    assert MIN_RATIO == 0.6
    assert suggest("甲乙丙丁戊", ["甲乙丙己庚"]) == "甲乙丙己庚"
    assert suggest("甲乙丙丁戊", ["甲乙己庚辛"]) is None


def test_an_unknown_unit_in_the_inspection_workbook_is_named_with_a_suggestion(small):
    from siyi_xlsx.read.inspection import INSPECTION_FILE, load_inspection
    from siyi_xlsx.write.inspection import write_inspection_workbook

    visit = {
        "date": dt.date(2022, 9, 5),
        "task_id": "T3",
        "method": "四不两直",
        "inspectors": "甲",
        "findings": "台账不全",
        "rating": "一般",
        "requirement": "补齐",
    }
    write_inspection_workbook(
        small.folder / INSPECTION_FILE,
        {
            "orders": [],
            "visits": [
                {**visit, "unit": "长青乡"},
                {**visit, "unit": "区发改局"},
                {**visit, "unit": "外区某局"},
            ],
        },
    )
    found = load_inspection(load_campaign(small.folder))
    assert [v["unit"] for v in found.visits] == ["长青乡"]
    first, second = found.issues
    assert (first.code, first.file, first.sheet, first.cell) == (
        "INSPECTION_UNIT_UNKNOWN",
        INSPECTION_FILE,
        "四不两直检查",
        "B5",
    )
    assert "“区发改局”" in first.message and "是否为“区发展和改革局”？" in first.message
    assert "不计入督导检查专报" in first.message and "下拉列表" not in first.message
    assert "是否为" not in second.message and "外区某局" in second.message


def test_a_misspelt_reference_in_the_master_gets_a_suggestion(small):
    import openpyxl

    path = small.folder / MASTER_FILE
    book = openpyxl.load_workbook(path)
    book["重点任务"]["E4"] = "区发改局"  # lead unit of T1
    book.save(path)
    issue = next(i for i in load_campaign(small.folder).issues if i.cell == "E4")
    assert issue.code == "REF_UNKNOWN_SIMILAR"
    assert "是否为“区发展和改革局”？" in issue.message


# ------------------------------------------------------------ wrong-folder advice


def _campaign(folder: Path) -> Path:
    (folder / "output").mkdir(parents=True)
    (folder / MASTER_FILE).write_bytes(b"")
    return folder


def test_the_wrong_folder_advice_names_the_nearest_campaign(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _campaign(tmp_path / "2022郊区")
    token = advice.COMMAND.set("status")
    try:
        inside = str(advice.not_a_campaign(Path("2022郊区/output"), MASTER_FILE))
        above = str(advice.not_a_campaign(Path("."), MASTER_FILE))
        typo = str(advice.not_a_campaign(Path("2022郊"), MASTER_FILE))
    finally:
        advice.COMMAND.reset(token)
    assert "output/ 文件夹中" in inside and "是否要运行 siyi status 2022郊区？" in inside
    assert "是否要运行 siyi status 2022郊区？" in above
    assert "是否要运行 siyi status 2022郊区？" in typo


def test_far_from_any_campaign_the_advice_is_to_create_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "别处" / "下一层").mkdir(parents=True)
    text = str(advice.not_a_campaign(Path("别处"), MASTER_FILE))
    assert "siyi init 别处/新工作目录" in text and "siyi init ." not in text
    assert "siyi init 没有的" in str(advice.not_a_campaign(Path("没有的"), MASTER_FILE))
    # four levels below a campaign is too far to guess
    deep = _campaign(tmp_path / "c") / "a" / "b" / "d" / "e"
    deep.mkdir(parents=True)
    assert "siyi init" in str(advice.not_a_campaign(deep, MASTER_FILE))


def test_init_trims_the_folder_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", " 2022郊区 \u3000"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2022郊区" / MASTER_FILE).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2022郊区"]


def test_the_name_rule_reads_the_same_in_the_readme_and_the_inspection_workbook():
    from siyi_xlsx.resources import template

    rule = dict(template("inspection_workbook")["instructions"])["单位名称"]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    assert rule in readme.replace("\n  ", "")


def test_on_a_terminal_each_step_shows_its_label_and_count(monkeypatch):
    import io

    from siyi_xlsx.cli import _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    with _progress("读取任务总表"):
        for _ in progress.track(range(3), "读取回收文件"):
            pass
    with _progress("不显示", hidden=True):
        progress.start("也不显示")
    text = screen.getvalue()
    assert "读取任务总表" in text and "读取回收文件" in text and "3/3" in text
    assert "显示" not in text


def test_a_missing_argument_or_option_is_named_in_chinese_quotes(tmp_path):
    from click.testing import CliRunner

    from siyi_xlsx.cli import main

    option = CliRunner().invoke(main, ["bulletin", str(tmp_path)])
    argument = CliRunner().invoke(main, ["period"])
    assert option.exit_code == argument.exit_code == 2
    assert "缺少选项“--period”。" in option.output
    assert "缺少参数“[工作目录] 期次”。" in argument.output
    assert "'" not in option.output + argument.output
