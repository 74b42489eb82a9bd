"""`siyi publish` on the demo campaign, looked at as a person would (issue 12).

The demo's results are written once and rendered once by LibreOffice (the PDFs of
`siyi publish`, and the other result workbooks as they would print); the PDFs are then
read back as text (pdftotext) and as images (pdftoppm): page counts, A4, no blank page,
no ``###``, every cell's text whole on paper, every bar of a chart named, the forms on
one page, the header rows repeated, and nothing private in the public versions.

LibreOffice and poppler-utils are system tools (`.ci/run` installs them); without them
these tests fail, unless SIYI_ALLOW_SKIP=1 is set.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from siyi_xlsx import api
from siyi_xlsx.cli import main
from siyi_xlsx.read.master import load_campaign
from siyi_xlsx.write import pdf
from siyi_xlsx.write.ledger import TILE_RULE
from siyi_xlsx.write.publish import PUBLIC_FIELDS

TOOLS = {"LibreOffice (soffice)": pdf.available(), "poppler-utils (pdftotext)": False}
TOOLS["poppler-utils (pdftotext)"] = bool(
    shutil.which("pdftotext") and shutil.which("pdftoppm")
)
PERIOD = "2022Q3"
DOCUMENTS = ["领导汇总", "督导检查专报", "催报通知", f"通报_{PERIOD}"]
PUBLIC = [f"通报_{PERIOD}（公开版）", "考评结果公示_2022"]
# the other result workbooks, rendered by the test only (not published)
OTHERS = ["汇总台账", "校验报告", "考评结果", "任务总表"]
A4 = {(595, 842), (842, 595)}  # points, portrait or landscape


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    missing = [name for name, found in TOOLS.items() if not found]
    if not missing:
        return
    why = f"缺少 {'、'.join(missing)}（.ci/run 会安装）"
    if os.environ.get("SIYI_ALLOW_SKIP") == "1":
        pytest.skip(why)
    pytest.fail(why + "；确实不能安装时设置 SIYI_ALLOW_SKIP=1 跳过", pytrace=False)


@contextlib.contextmanager
def _locked(path: Path):
    """One xdist worker at a time (the other waits, then reuses what the first made)."""
    import fcntl

    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _bad_workbook(path: Path) -> Path:
    """A workbook with the two faults the checks must see: a number too wide for its
    column (``###``) and a wrapped text in a row too low for it (cut)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("坏")
    ws.set_column(0, 0, 2)
    ws.write_number(0, 0, 123456789)
    ws.set_column(1, 1, 10)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    ws.write_string(
        2, 1, "第一行的文字内容很长很长很长，第二行是被截掉的尾巴甲乙丙", wrap
    )
    ws.set_row(2, 15)
    book.close()
    return path


@pytest.fixture(scope="session")
def published(tmp_path_factory, request) -> dict:
    """The demo's results (the commands of ``make demo`` that publish needs), `siyi
    publish` on them, and PDFs of the other result workbooks — made once for all
    workers."""
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker has its own folder in the run's; share the run's
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = run / "siyi-publish-demo"
    shared.mkdir(exist_ok=True)
    done = shared / "done.json"
    with _locked(shared / "lock"):
        if not done.is_file():
            # the samples/ batch other tests run on this worker too (the demo's data)
            ran, _ = request.getfixturevalue("sample_run")
            shutil.copytree(ran, shared / "demo")
            done.write_text(json.dumps(_publish_demo(shared / "demo")), "utf-8")
    return json.loads(done.read_text("utf-8"))


def _publish_demo(folder: Path) -> dict:
    """After `siyi run`: the other commands of ``make demo`` publish needs, then
    `siyi publish`, whose LibreOffice start renders the test's own workbooks too."""
    api.remind(folder)
    api.score(folder)
    api.report(folder)
    api.bulletin(folder, PERIOD)
    out = folder / "output" / PERIOD
    extra = folder / "extra"
    # a master as `siyi init --sample` writes it today (samples/ keeps an older one)
    api.init(folder.parent / "fresh", sample=True)
    sources = [out / f"{n}.xlsx" for n in OTHERS[:3]]
    sources.append(folder.parent / "fresh" / "任务总表.xlsx")
    sources.append(_bad_workbook(folder / "bad.xlsx"))
    others = [(p, extra / f"{p.stem}.pdf") for p in sources]
    rendered = {}
    real = pdf.to_pdf

    def with_others(jobs, processes=2):  # noqa: ANN001, ANN202
        # one LibreOffice start for publish's PDFs and the test's own
        made = real(jobs + others, processes)
        rendered.update({str(k): str(v) if v else None for k, v in made.items()})
        return {k: v for k, v in made.items() if k in dict(jobs)}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "to_pdf", with_others)
        result = CliRunner().invoke(main, ["publish", str(folder)])
    return {
        "folder": str(folder),
        "exit_code": result.exit_code,
        "output": result.output,
        "rendered": rendered,
    }


def _pdfs(published: dict) -> dict[str, tuple[Path, Path]]:
    """{name: (workbook, its PDF)} for every document rendered."""
    folder = Path(published["folder"])
    out = folder / "output" / PERIOD
    target = out / "发布"
    pairs = {n: (out / f"{n}.xlsx", target / f"{n}.pdf") for n in DOCUMENTS}
    pairs |= {n: (target / f"{n}.xlsx", target / f"{n}.pdf") for n in PUBLIC}
    for name in OTHERS:
        source = (
            folder.parent / "fresh" / "任务总表.xlsx"
            if name == "任务总表"
            else out / f"{name}.xlsx"
        )
        pairs[name] = (source, folder / "extra" / f"{name}.pdf")
    return pairs


@functools.cache
def _pages(path: Path) -> list[str]:
    """The text of each page (pdftotext marks page ends with a form feed)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


@functools.cache
def _flat(path: Path, *options: str) -> str:
    text = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True
    ).stdout
    return "".join(text.split()).replace("-", "")


def present(text: str, flat: str, window: int = 200) -> bool:
    """``text`` is on the page whole: in order, in pieces no further apart than
    ``window`` characters (pdftotext interleaves the lines of cells side by side and
    drops the hyphen of a date broken over two lines; LibreOffice leaves out what a
    cell cuts off)."""
    text = "".join(text.split()).replace("-", "")
    head = text[:4]
    start = flat.find(head)
    while start != -1:
        pos, i = start, 0
        while i < len(text):
            if pos < len(flat) and flat[pos] == text[i]:
                pos, i = pos + 1, i + 1
                continue
            found = flat.find(text[i : i + 3], max(start - window, 0), pos + window)
            if found == -1:
                break
            pos = found
        if i == len(text):
            return True
        start = flat.find(head, start + 1)
    return False


@functools.cache
def _printed_texts(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of every text cell a person sees on paper: visible sheets,
    inside the print area when there is one."""
    book = openpyxl.load_workbook(path)
    found = []
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        area = ws.print_area
        bounds = None
        if area:
            first = (area[0] if isinstance(area, list) else area).split(",")[0]
            bounds = openpyxl.utils.range_boundaries(
                first.split("!")[-1].replace("$", "")
            )
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str) or not value.strip():
                    continue
                if bounds and not (
                    bounds[0] <= cell.column <= bounds[2]
                    and bounds[1] <= cell.row <= bounds[3]
                ):
                    continue
                found.append((ws.title, cell.coordinate, value))
    return found


def _ink(path: Path, page: int) -> list[float]:
    """The share of dark pixels in the four quarters (top to bottom) of a page, from
    its image (pdftoppm, grey, 20 dpi)."""
    stem = path.with_name(f"{path.stem}-page{page}")
    subprocess.run(
        [
            "pdftoppm",
            "-gray",
            "-r",
            "20",
            "-f",
            str(page),
            "-l",
            str(page),
            str(path),
            stem,
        ],
        check=True,
        capture_output=True,
    )
    image = next(stem.parent.glob(f"{stem.name}*.pgm"))
    data = image.read_bytes()
    _, width, height, _ = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data).group(
        0, 1, 2, 3
    )
    pixels = data[-int(width) * int(height) :]
    quarter = len(pixels) // 4
    return [
        sum(1 for p in pixels[k * quarter : (k + 1) * quarter] if p < 128) / quarter
        for k in range(4)
    ]


# ----------------------------------------------------------------------- tests


def test_publish_writes_every_document_and_names_the_period_first(published):
    assert published["exit_code"] == 0, published["output"]
    lines = published["output"].splitlines()
    assert lines[0] == f"期次 {PERIOD}（数据截止 2022-09-30）"
    target = Path(published["folder"]) / "output" / PERIOD / "发布"
    for name in DOCUMENTS:
        assert f"  {name}.pdf" in lines
    for name in PUBLIC:
        assert f"  {name}.xlsx" in lines and f"  {name}.pdf" in lines
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [f"{n}.pdf" for n in DOCUMENTS + PUBLIC]
        + [f"{n}.xlsx" for n in PUBLIC]
        + ["领导看板.html"]  # the leaders' page goes with them (test_dashboard.py)
    )
    assert "  领导看板.html" in lines
    assert all(published["rendered"].values()), published["rendered"]


def test_every_page_is_a4_printed_and_shows_no_hash_cells(published):
    for name, (_, path) in _pdfs(published).items():
        info = subprocess.run(["pdfinfo", "-l", "999", str(path)], capture_output=True)
        sizes = re.findall(rb"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info.stdout)
        assert sizes and {(round(float(w)), round(float(h))) for w, h in sizes} <= A4
        pages = _pages(path)
        assert len(pages) == len(sizes), name
        blank = [n for n, text in enumerate(pages, start=1) if not text.strip()]
        assert not blank, (name, blank)
        assert "###" not in "".join(pages), name


def test_every_text_of_every_workbook_is_whole_on_paper(published):
    for name, (source, path) in _pdfs(published).items():
        flats = [_flat(path), _flat(path, "-raw"), _flat(path, "-layout")]
        texts = _printed_texts(source)
        cut = [
            t
            for t in texts
            if "".join(t[2].split()).replace("-", "") not in flats[0]
            and not any(present(t[2], f) for f in flats)
        ]
        assert len(texts) > 30 and not cut, (name, cut[:5])


def test_the_checks_see_a_cut_text_and_a_hash_cell(published):
    path = Path(published["folder"]) / "extra" / "bad.pdf"
    assert "###" in "".join(_pages(path))
    cut = "第一行的文字内容很长很长很长，第二行是被截掉的尾巴甲乙丙"
    assert "第一行" in _flat(path) and not present(cut, _flat(path))


def test_the_one_page_summary_is_one_full_page_with_every_bar_named(published):
    source, path = _pdfs(published)["领导汇总"]
    first = _pages(path)[0]
    book = openpyxl.load_workbook(source)
    front = book["一页汇总"]
    for title in ("各重点领域任务状态", "各战线领导分管任务状态", "各期任务状态趋势"):
        assert title in first
    assert "最紧急的十项" in first and "已完成" in first and "申请销号" in first
    # the 12 lowest on-track rates: each unit named beside its bar (at 0 % as well)
    ranking = [r for r in book["单位排名"].iter_rows(min_row=4, values_only=True) if r[0]]
    lowest = [r[1] for r in ranking[-12:]]
    assert "正常推进率最低的 12 个牵头单位" in first
    elsewhere = " ".join(
        str(v) for row in front.iter_rows(values_only=True) for v in row if v
    )
    for unit in lowest:
        assert first.count(unit) >= elsewhere.count(unit) + 1, unit
    # one page, inked from top to bottom: the urgent items are not pushed off it
    assert all(share > 0.01 for share in _ink(path, 1)), _ink(path, 1)


def test_the_score_chart_names_every_unit(published):
    source, path = _pdfs(published)["考评结果"]
    page = next(p for p in _pages(path) if "各单位最终得分" in p)
    ranked = [
        r[2]
        for r in openpyxl.load_workbook(source)["总分排名"].iter_rows(
            min_row=4, values_only=True
        )
        if r[0] and r[2]
    ]
    assert len(ranked) == 44
    assert [u for u in ranked if u not in page] == []


def test_forms_print_whole_on_one_page_and_long_tables_repeat_their_header(published):
    pairs = _pdfs(published)
    master, path = pairs["任务总表"]
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    pages = ["".join(t.split()).replace("-", "") for t in text.stdout.split("\f")]
    book = openpyxl.load_workbook(master)
    for form in ("使用说明", "设置", "考评设置", "通报规则"):
        texts = [v for row in book[form].iter_rows(values_only=True) for v in row]
        texts = [v for v in texts if isinstance(v, str) and v.strip()]
        shared = set(range(len(pages)))
        for value in texts:  # every label and its text on one and the same page
            shared &= {n for n, page in enumerate(pages) if present(value, page)}
        assert len(texts) > 10 and shared, form
    detail = _pages(pairs["督导检查专报"][1])
    start = next(n for n, t in enumerate(detail) if "五项检查明细" in t)
    end = next(n for n, t in enumerate(detail) if "督导检查发现的问题" in t)
    assert end - start >= 2
    for text in detail[start:end]:
        assert "检查项" in text and "检查结果" in text
    # 文号 and 落款 where the office's practice has them
    for name in ("通报_2022Q3", "督导检查专报", f"通报_{PERIOD}（公开版）"):
        text = "".join(_pages(pairs[name][1]))
        assert "〔2022〕" in text and "“四个体系”领导小组办公室" in text, name
    # a unit without a usable file: one line on each of the three sheets, not five
    source, path = pairs["督导检查专报"]
    overview = openpyxl.load_workbook(source)["专报"].iter_rows(
        min_row=4, values_only=True
    )
    unchecked = sum(1 for r in overview if r[2] == "未检查")
    assert unchecked == 5
    assert _flat(path).count("五项检查均无法进行") == 3 * unchecked
    reminder = "".join(_pages(pairs["催报通知"][1]))
    assert "2022年10月11日" in reminder and "BadZipFile" not in reminder
    assert "2026" not in reminder


def test_the_ledger_explains_the_done_tile_in_the_readme_words(published):
    source, _ = _pdfs(published)["汇总台账"]
    rules = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(source)["说明"].iter_rows(values_only=True)
        if r[0]
    }
    assert rules["领导汇总“已完成”"] == TILE_RULE


def test_nothing_private_reaches_the_public_versions(published):
    folder = Path(published["folder"])
    pairs = _pdfs(published)
    text = ""
    for name in PUBLIC:
        source, path = pairs[name]
        book = openpyxl.load_workbook(source)
        text += "\n".join(
            str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row
        )
        text += "\n" + "\n".join(_pages(path))
    campaign = load_campaign(folder)
    units = [u.name for u in campaign.units.values()]
    assert sum(u in text for u in units) == len(units)  # the public part is there
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)|\d{3,4}-\d{7,8}", text)
    people = {u.contact for u in campaign.units.values()} | set(campaign.leaders)
    people = {p for p in people if p and not any(p in u for u in units)}
    assert people and [p for p in people if p in text] == []
    summary = openpyxl.load_workbook(folder / "output" / PERIOD / "领导汇总.xlsx")
    problems = {
        r[3] for r in summary["未整改问题"].iter_rows(min_row=4, values_only=True) if r[3]
    }
    assert problems and [p for p in problems if p in text] == []
    for internal in ("诫勉", "得分", "判定依据", "联系人", "问题描述"):
        assert internal not in text, internal
    headers = {f for fields in PUBLIC_FIELDS.values() for f in fields}
    assert headers <= set(text.split("\n"))
