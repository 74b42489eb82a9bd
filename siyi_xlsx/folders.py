"""The campaign folder: what lives where.

Everything a period produces or receives lives in a folder named after the period::

    任务总表.xlsx  督导检查.xlsx  siyi.sqlite
    issued/2022Q3/      the workbooks handed out for 2022Q3 (and 考评表/)
    returned/2022Q3/    the files the units sent back for 2022Q3
    output/2022Q3/      the result workbooks of 2022Q3 (and 退回件/)
    evaluations/        the year's ballots (a finished year moves to evaluations/2022/)
    public/             the year's public survey (likewise public/2022/)

Files dropped straight into ``returned/`` are read with the current period; a file that
belongs to another period is listed as such and never counts against its unit. Folders
named after another period are that period's and are not read.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from siyi_xlsx.period import Period

RETURNED_DIR = "returned"
OUTPUT_DIR = "output"
HANDOUT_DIR = "issued"
EVALUATIONS_DIR = "evaluations"
PUBLIC_DIR = "public"
PRIVATE_DIR = ".siyi"  # the tool's own working files (unpacked archives)

# files that office machines and suites leave next to documents: never a return
SYSTEM_NAMES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", "icon\r"}
TEMP_PATTERNS = (
    re.compile(r"^~\$"),  # Excel/WPS owner file of an open workbook
    re.compile(r"^~WRL\d+\.tmp$", re.I),  # Excel's safe-save temp file
    re.compile(r"^~WRD\d+\.tmp$", re.I),
    re.compile(r"\.(tmp|temp|bak|crdownload|part|swp)$", re.I),
    re.compile(r"^\.~lock\..*#$"),  # LibreOffice lock file
    re.compile(r"^\."),  # hidden files, our own temp files (.~siyi-…)
)
# what a unit sends with its return as evidence (佐证材料): recorded, never an error
ATTACHMENT_SUFFIXES = {
    ".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp",
    ".heic", ".doc", ".docx", ".wps", ".txt", ".rtf", ".ppt", ".pptx", ".dps",
    ".mp4", ".mov", ".avi",
}  # fmt: skip
ARCHIVE_SUFFIXES = {".zip"}
# archives siyi does not unpack: the office is asked to unpack them
OTHER_ARCHIVE_SUFFIXES = {".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab"}
# the result files the commands write into output/<期次>/ (for moving an old campaign's)
RESULT_NAMES = re.compile(
    r"^(汇总台账|领导汇总|校验报告|催报通知|考评结果|督导检查专报|通报_.*)\.(xlsx|txt)$"
)


def period_folder(folder: Path, kind: str, period: str) -> Path:
    """``<folder>/<kind>/<period>`` (kind: returned, output, issued)."""
    return folder / kind / period


def returned_dir(folder: Path, period: str) -> Path:
    return period_folder(folder, RETURNED_DIR, period)


def output_dir(folder: Path, period: str) -> Path:
    return period_folder(folder, OUTPUT_DIR, period)


def issued_dir(folder: Path, period: str) -> Path:
    return period_folder(folder, HANDOUT_DIR, period)


def is_system_file(name: str) -> bool:
    """A file that office software or the operating system leaves beside documents."""
    if name.lower() in SYSTEM_NAMES:
        return True
    return any(p.search(name) for p in TEMP_PATTERNS)


def is_attachment(name: str) -> bool:
    return Path(name).suffix.lower() in ATTACHMENT_SUFFIXES


def is_archive(name: str) -> bool:
    return Path(name).suffix.lower() in ARCHIVE_SUFFIXES


def is_other_archive(name: str) -> bool:
    return Path(name).suffix.lower() in OTHER_ARCHIVE_SUFFIXES


def names_period(name: str) -> bool:
    """Whether a folder name is a period name (2022Q3, 2022M09, 2022H1, 2022)."""
    return Period.parse(name) is not None


def year_of(name: str) -> int | None:
    found = Period.parse(name)
    return found.end.year if found else None


def move_aside(source: Path, target_dir: Path) -> Path:
    """Move ``source`` into ``target_dir`` without overwriting anything there: a name
    already taken gets ``（2）``, ``（3）``… Returns where it went."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    n = 2
    while target.exists():
        target = target_dir / f"{source.stem}（{n}）{source.suffix}"
        n += 1
    shutil.move(str(source), str(target))
    return target


def _flat_results(folder: Path) -> tuple[list[Path], list[Path]]:
    issued, output = folder / HANDOUT_DIR, folder / OUTPUT_DIR
    handed = (
        [
            p
            for p in issued.iterdir()
            if (p.is_file() and p.suffix == ".xlsx")
            or (p.is_dir() and p.name == "考评表")
        ]
        if issued.is_dir()
        else []
    )
    results = (
        [
            p
            for p in output.iterdir()
            if (p.is_file() and RESULT_NAMES.match(p.name))
            or (p.is_dir() and p.name == "退回件")
        ]
        if output.is_dir()
        else []
    )
    return handed, results


def needs_migration(folder: Path) -> bool:
    """Whether issued/ or output/ still hold results directly (an older campaign)."""
    return any(_flat_results(folder))


def migrate(folder: Path, period: str) -> list[str]:
    """Move an older campaign's flat results into the period folders.

    Workbooks in ``issued/`` and result files (and 退回件/) in ``output/`` that sit
    directly in those folders were written before periods had folders; they move to
    ``issued/<period>/`` and ``output/<period>/``, ``period`` being the period they were
    written for (the latest period run, else the master's). Nothing is overwritten or
    deleted. Files in ``returned/`` are left where they are: they are read with the
    current period and each is placed by what it says. Returns notes for the user."""
    notes = []
    handed, results = _flat_results(folder)
    for kind, flat in ((HANDOUT_DIR, handed), (OUTPUT_DIR, results)):
        moved = 0
        for path in flat:
            target = folder / kind / period
            if path.is_dir() and (target / path.name).exists():
                continue  # never merge two folders: leave the old one in place
            move_aside(path, target)
            moved += 1
        if moved:
            notes.append(
                f"已将 {kind}/ 中的 {moved} 个文件（夹）移入 {kind}/{period}/（各期的文件分期存放，见 README“按期次存放”）。"
            )
    return notes


def year_files(folder: Path, year: int) -> list[Path]:
    """The files of ``year`` under evaluations/ or public/: everything but system and
    temporary files, and but the folders named after another year (a finished year's
    ballots and surveys, kept in evaluations/2022/ and public/2022/)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if len(rel.parts) > 1 and year_of(rel.parts[0]) not in (None, year):
            continue
        if path.is_file() and not any(is_system_file(part) for part in rel.parts):
            found.append(path)
    return found
