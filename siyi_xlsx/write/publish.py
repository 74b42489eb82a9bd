"""发布/: the period's documents as PDF files, and public versions for the portal.

``siyi publish`` takes the result workbooks the other commands wrote for the current
period (and the year's 通报 and 考评结果, for the 晒单 and the 公示), and writes into
``output/<期次>/发布/``:

* a PDF of 领导汇总 (一页汇总 first), 督导检查专报, 催报通知 and each 通报, rendered by
  LibreOffice from the workbooks as they are (they carry their own print setup);
* public versions of the 公示 and of each 通报 (xlsx and PDF) for the government portal:
  they are built from :data:`PUBLIC_FIELDS` only — unit names, ranks, grades and lights,
  and the published praise and criticism — so no phone number, no person's name, no
  problem detail and no internal note can reach them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from siyi_xlsx.errors import SiyiError, explain
from siyi_xlsx.write import pdf
from siyi_xlsx.write.xlsx import (
    Formats,
    as_of_workbook,
    document_number,
    setup_print,
    write_cell,
    write_signature,
)

PUBLISH_DIR = "发布"
SUMMARY = "领导汇总.xlsx"
REPORT = "督导检查专报.xlsx"
REMINDER = "催报通知.xlsx"
SCORES = "考评结果.xlsx"
BULLETIN_GLOB = "通报_*.xlsx"
PUBLIC_MARK = "（公开版）"

# The only columns a public file carries, by the result sheet they are taken from.
# Everything else on those sheets (task and problem counts, 诫勉谈话建议, scores and
# their sources) and every other sheet (contacts, problems, notes) stays internal.
PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "公示": ("排名", "单位", "等次"),
    "通报": ("排名", "单位", "亮灯", "表扬/批评"),
    "表扬": ("排名", "单位", "表扬理由"),
    "批评": ("排名", "单位", "批评理由"),
}
OBJECTION = "公示期间如有异议，请向领导小组办公室反映。"


@dataclass
class PublishResult:
    """What `siyi publish` wrote, and what it could not, with the reason (Chinese)."""

    period: str
    as_of: dt.date
    folder: Path
    pdfs: list[Path] = field(default_factory=list)
    public: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    page: Path | None = None  # 领导看板.html, the period on one offline web page

    @property
    def complete(self) -> bool:
        """Every document there was to publish was written."""
        return not self.notes


def publish_outputs(output: Path, year_output: Path, settings: Any) -> PublishResult:
    """Write ``output/发布/`` from the result workbooks in ``output`` (the period's) and
    ``year_output`` (the year's 通报 and 考评结果)."""
    target = output / PUBLISH_DIR
    target.mkdir(parents=True, exist_ok=True)
    result = PublishResult(settings.period, settings.as_of, target)
    jobs: list[tuple[Path, Path]] = []
    for name, command in ((SUMMARY, "run"), (REPORT, "report"), (REMINDER, "remind")):
        source = output / name
        if source.is_file():
            jobs.append((source, target / f"{source.stem}.pdf"))
        else:
            result.notes.append(
                f"没有找到 {name}（先运行 siyi {command}），未生成其 PDF。"
            )
    bulletins = _bulletins(output, year_output)
    if not bulletins:
        result.notes.append(
            "没有找到通报（先运行 siyi bulletin 工作目录 --period 期次），未生成通报及其公开版。"
        )
    for source in bulletins:
        jobs.append((source, target / f"{source.stem}.pdf"))
        public = target / f"{source.stem}{PUBLIC_MARK}.xlsx"
        if _public(result, write_public_bulletin, source, public, settings):
            jobs.append((public, public.with_suffix(".pdf")))
    scores = next(
        (p for p in (output / SCORES, year_output / SCORES) if p.is_file()), None
    )
    if scores is None:
        result.notes.append(f"没有找到 {SCORES}（先运行 siyi score），未生成公示。")
    else:
        public = target / f"考评结果公示_{settings.year}.xlsx"
        if _public(result, write_public_scores, scores, public, settings):
            jobs.append((public, public.with_suffix(".pdf")))
    if not pdf.available():
        result.notes.append(pdf.INSTALL_HINT)
        _drop_stale(job[1] for job in jobs)
        return result
    rendered = pdf.to_pdf(jobs)
    for source, made in rendered.items():
        if made is None:
            result.notes.append(
                f"LibreOffice 没能把 {source.name} 转成 PDF，请用 LibreOffice 打开它检查后重新运行。"
            )
            _drop_stale([dict(jobs)[source]])
        elif source.parent == target:
            result.public.append(made)
        else:
            result.pdfs.append(made)
    result.public.sort(key=lambda p: (p.stem, p.suffix != ".xlsx"))
    return result


def _public(
    result: PublishResult, write: Any, source: Path, path: Path, settings: Any
) -> bool:
    """Write the public version ``path`` of ``source`` with ``write``; a source that
    cannot be read is noted (its public version is left out), never a crash."""
    try:
        write(source, path, settings)
    except SiyiError:
        raise  # the public file cannot be written: as for any result file
    except Exception as exc:  # noqa: BLE001 - openpyxl fails in many ways on a bad file
        result.notes.append(f"无法读取 {source.name}（{explain(exc)}），未生成其公开版。")
        return False
    result.public.append(path)
    return True


def _drop_stale(paths: Any) -> None:
    """Remove PDFs left by an earlier run that this run could not renew: a PDF older
    than its workbook would be published by mistake."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _bulletins(output: Path, year_output: Path) -> list[Path]:
    """The period's 通报 workbooks, then the year's (晒单) when it is elsewhere."""
    found = sorted(output.glob(BULLETIN_GLOB))
    if year_output != output:
        found += sorted(year_output.glob(BULLETIN_GLOB))
    return [p for p in found if not p.name.startswith((".~", "~$"))]


# ------------------------------------------------------------------ public versions


def sheet_tables(ws: Any, fields: tuple[str, ...]) -> list[tuple[str, list[dict]]]:
    """The tables of ``ws`` whose header row names every one of ``fields``: (the line
    above the header, its rows as {field: value} for ``fields`` only), each table
    ending at the first empty row."""
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    tables: list[tuple[str, list[dict]]] = []
    heading = ""
    i = 0
    while i < len(rows):
        texts = [str(v).strip() if v is not None else "" for v in rows[i]]
        if set(fields) <= set(texts):
            where = {f: texts.index(f) for f in fields}
            body = []
            i += 1
            while i < len(rows) and any(v not in (None, "") for v in rows[i]):
                row = rows[i]
                body.append(
                    {f: row[k] if k < len(row) else None for f, k in where.items()}
                )
                i += 1
            tables.append((heading, body))
            continue
        filled = [t for t in texts if t]
        if len(filled) == 1:
            heading = filled[0]
        i += 1
    return tables


def _title(ws: Any) -> str:
    value = ws.cell(1, 1).value
    return str(value).strip() if value else ""


def write_public_scores(source: Path, path: Path, settings: Any) -> Path:
    """考评结果公示_<年度>.xlsx: the 公示 sheet of 考评结果.xlsx with
    ``PUBLIC_FIELDS["公示"]`` only, by group, with the date line and the 落款."""
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        ws = book["公示"] if "公示" in book.sheetnames else None
        title = _title(ws) if ws else f"{settings.year}年度重点工作考评结果公示"
        tables = sheet_tables(ws, PUBLIC_FIELDS["公示"]) if ws else []
    finally:
        book.close()
    sections = [(heading, PUBLIC_FIELDS["公示"], rows) for heading, rows in tables]
    _write_public(
        path,
        settings,
        title,
        f"数据截至 {_chinese(settings.as_of)}（{settings.period}）。",
        sections,
        closing=OBJECTION,
        numbered=False,
    )
    return path


def write_public_bulletin(source: Path, path: Path, settings: Any) -> Path:
    """通报_<期次>（公开版）.xlsx: the standings with ``PUBLIC_FIELDS["通报"]``, the praise
    and the criticism lists with their public fields, the 文号 and the 落款."""
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        title = _title(book["通报"]) if "通报" in book.sheetnames else source.stem
        sections = []
        for sheet, heading in (
            ("通报", "各单位排名"),
            ("表扬", "表扬名单"),
            ("批评", "批评名单"),
        ):
            # a list the workbook lacks is printed as （无）, never left out silently
            found = sheet in book.sheetnames
            tables = sheet_tables(book[sheet], PUBLIC_FIELDS[sheet]) if found else []
            rows = tables[0][1] if tables else []
            sections.append((heading, PUBLIC_FIELDS[sheet], rows))
    finally:
        book.close()
    _write_public(
        path,
        settings,
        title,
        "公开版：只列单位名称、排名、亮灯和表扬、批评名单。",
        sections,
        closing="",
        numbered=True,
    )
    return path


def _chinese(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# the public sheet's columns: 排名, 单位, then the grade or light, then the verdict or
# the reason (a section with fewer fields spans its last one to the right edge)
PUBLIC_WIDTHS = (8.0, 30.0, 12.0, 36.0)
CENTRED = {"排名", "等次", "亮灯", "表扬/批评"}
LIGHT_FILLS = {"红": "red", "黄": "amber", "绿": "green", "灰": "grey"}
ONE_PAGE_ROWS = 70  # a public list up to this long is fit onto one A4 page


def _write_public(
    path: Path,
    settings: Any,
    title: str,
    date_line: str,
    sections: list[tuple[str, tuple[str, ...], list[dict]]],
    *,
    closing: str,
    numbered: bool,
) -> None:
    """One printable sheet: title, date line, each section (heading, header, rows), a
    closing sentence, the 落款; A4 portrait, one page wide (one page when short), the
    first header row repeated."""
    width = max((len(fields) for _, fields, _ in sections), default=3)
    with as_of_workbook(path, settings.as_of) as book:
        fmt = Formats(book)
        ws = book.add_worksheet("通报" if numbered else "公示")
        for col in range(width):
            ws.set_column(col, col, PUBLIC_WIDTHS[min(col, len(PUBLIC_WIDTHS) - 1)])
        ws.merge_range(0, 0, 0, width - 1, title, fmt.title)
        ws.set_row(0, 44)
        ws.merge_range(1, 0, 1, width - 1, date_line, fmt.plain)
        row = 3
        first_header = None
        for heading, fields, rows in sections:
            ws.merge_range(row, 0, row, width - 1, heading, fmt.bold)
            row += 1
            _public_row(ws, row, width, fields, {f: f for f in fields}, fmt, header=True)
            first_header = row if first_header is None else first_header
            row += 1
            if not rows:
                ws.merge_range(row, 0, row, width - 1, "（无）", fmt.cell)
                row += 1
            for record in rows:
                _public_row(ws, row, width, fields, record, fmt)
                row += 1
            row += 1
        if closing:
            ws.merge_range(row, 0, row, width - 1, closing, fmt.plain)
            row += 1
        setup_print(
            ws,
            repeat_rows=(first_header, first_header) if first_header else None,
            landscape=False,
        )
        if row <= ONE_PAGE_ROWS:
            ws.fit_to_pages(1, 1)
        if numbered:
            document_number(ws, settings.year)
        write_signature(ws, fmt, row, width - 1)


def _public_row(
    ws: Any,
    row: int,
    width: int,
    fields: tuple[str, ...],
    record: dict,
    fmt: Formats,
    header: bool = False,
) -> None:
    """One line of a public table; its last field spans to column ``width - 1``."""
    for col, name in enumerate(fields):
        value = record.get(name)
        if header:
            cell_format = fmt.header
        elif name == "亮灯":
            cell_format = fmt.fills[LIGHT_FILLS.get(str(value), "grey")]
        else:
            cell_format = fmt.cell_num if name in CENTRED else fmt.cell
        if col == len(fields) - 1 and col < width - 1:
            ws.merge_range(row, col, row, width - 1, "", cell_format)
        write_cell(ws, row, col, value, cell_format)
