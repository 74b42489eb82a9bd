"""A guard before any parser: what an .xlsx says about itself, checked in milliseconds.

A filled template is a zip of a few dozen XML parts, a few megabytes unpacked, sheets of
at most a few thousand rows and a few dozen columns. A file far outside that (a zip bomb,
an XML entity bomb, a sheet with one cell at XFD1048576 or millions of empty cells) would
make a parser run for minutes and eat gigabytes; it is refused here with one Chinese
message, before openpyxl opens it. The limits are stated below and in the README.

Only the zip's central directory and a bounded, streaming scan of the XML parts are
read; nothing is expanded beyond :data:`MAX_PART_BYTES` per part.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_MEMBERS = 1000  # parts in the zip (a template has about 30)
MAX_PART_BYTES = 60 * 2**20  # one part unpacked (a filled sheet is well under 5 MB)
MAX_TOTAL_BYTES = 150 * 2**20  # all parts unpacked
MAX_RATIO = 100  # unpacked / packed size of one part above 1 MB
MAX_ROW = 20_000  # the highest row any cell may sit in (the reader's own limit)
MAX_COLUMN = 200  # the highest column (GR); siyi's sheets use fewer than 30
MAX_CELLS = 1_000_000  # cells written in one sheet, empty ones included
SCAN_CHUNK = 1 << 20

REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")


@dataclass(frozen=True)
class Limits:
    """What a workbook may be; beyond it, the file is refused before any parser."""

    members: int = MAX_MEMBERS
    part_bytes: int = MAX_PART_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    ratio: int = MAX_RATIO
    row: int = MAX_ROW
    column: int = MAX_COLUMN
    cells: int = MAX_CELLS


RETURNED = Limits()  # a unit's file, an evaluator's ballot, a survey: from outside
# the office's own workbooks (任务总表, 督导检查): a province's master holds tens of
# thousands of 推进表 rows (8,000 units: about 55,000), so only Excel's own row limit
# and generous sizes apply; the DOCTYPE and encoding checks stay
OFFICE = Limits(part_bytes=1 << 30, total_bytes=2 << 30, row=1_048_576, cells=100_000_000)
_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
# only what may be beyond the limits is matched, so a normal sheet costs one C-level
# search per chunk: a row number of 5 digits or more (then compared with MAX_ROW), and a
# column beyond GR (MAX_COLUMN = 200): GS…GZ, H…Z followed by a letter, or three letters
# (a sheet's only attributes named r are a row's number and a cell's reference)
# (a literal start keeps the search fast; single quotes, which no office suite writes,
# are caught by the reader's own limits: MAX_ROWS and MAX_COLUMNS)
# (one pattern for both, so each chunk is searched once)
_FAR = re.compile(rb' r="(?:(\d{5,})|(G[S-Z]|[H-Z][A-Z]|[A-Z]{3,})\d+)"')


class UnsafeWorkbook(Exception):
    """The file is far outside what a filled template can be (the message says how)."""


def check(path: Path, limits: Limits | None = None) -> dict[str, bytes]:
    """Raise :class:`UnsafeWorkbook` when ``path`` (a zip) is far outside a filled
    template; otherwise return the XML parts it read whole (those of one chunk), so
    that the reader need not inflate them again (other damage is left to the reader).
    ``limits`` default to a returned file's (:data:`RETURNED`)."""
    limits = limits or RETURNED
    whole: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return whole  # the reader says what is wrong with it
    with archive:
        members = archive.infolist()
        problem = directory_problem(
            members,
            limits.members,
            limits.part_bytes,
            limits.total_bytes,
            limits.ratio,
            "部件",
        )
        if problem:
            raise UnsafeWorkbook(problem)
        names = {m.filename for m in members}
        if "xl/workbook.xml" in names and "[Content_Types].xml" not in names:
            raise UnsafeWorkbook("文件缺少必需的部件 [Content_Types].xml，已损坏")
        for member in members:
            if member.filename.endswith((".xml", ".rels", ".vml")):
                data = _scan(
                    archive, member, member.filename.startswith("xl/worksheets/"), limits
                )
                if data is not None:
                    whole[member.filename] = data
                else:  # a later entry of the same name is the one the reader gets
                    whole.pop(member.filename, None)
    return whole


def directory_problem(
    members: list[zipfile.ZipInfo],
    max_members: int,
    max_part: int,
    max_total: int,
    max_ratio: int,
    what: str,
) -> str:
    """What a zip's central directory says is beyond the limits (members, one member's
    and all members' unpacked size, one member's ratio above 1 MB), or "": one check
    for a workbook (its parts) and for an archive of returns (its files)."""
    if len(members) > max_members:
        return f"含 {len(members)} 个{what}，超过 {max_members} 个的上限"
    total = sum(m.file_size for m in members)
    if total > max_total:
        return f"解压后共 {total // 2**20} MB，超过 {max_total // 2**20} MB 的上限"
    for m in members:
        if m.file_size > max_part:
            return f"其中“{m.filename}”解压后超过 {max_part // 2**20} MB 的上限"
        if m.file_size > 2**20 and m.file_size > max_ratio * max(m.compress_size, 1):
            return f"其中“{m.filename}”压缩比异常（超过 {max_ratio} 倍），疑似压缩炸弹"
    return ""


def _scan(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, sheet: bool, limits: Limits
) -> bytes | None:
    """Stream the part once: no DOCTYPE or ENTITY anywhere; in a sheet, the highest row
    and column and the number of cells within the limits. Reads at most
    :data:`MAX_PART_BYTES`, whatever the zip header claims. The part's bytes when it
    was read in one chunk, else None."""
    read = cells = 0
    tail = b""
    first = None
    try:
        with archive.open(member) as part:
            while chunk := part.read(SCAN_CHUNK):
                read += len(chunk)
                if read > limits.part_bytes:
                    raise UnsafeWorkbook(
                        f"部件 {member.filename} 比它声明的大小更大，已损坏或被篡改"
                    )
                if read == len(chunk) and _not_utf8(chunk):
                    raise UnsafeWorkbook(
                        f"部件 {member.filename} 不是 UTF-8 编码，Excel、WPS 和 LibreOffice 都不会写出这种内容，疑似恶意文件"
                    )
                text = tail + chunk
                if _DOCTYPE.search(text):
                    raise UnsafeWorkbook(
                        f"部件 {member.filename} 含有 DOCTYPE 或 ENTITY 声明，Excel 不会写出这种内容，疑似恶意文件"
                    )
                if sheet:
                    cells += _cell_tags(chunk)
                    _check_extent(text, member.filename, cells, limits)
                tail = text[-256:]  # a tag cut between two chunks is seen whole next time
                first = chunk if read == len(chunk) else None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return None  # a damaged or encrypted part: the reader says so
    return first


def _cell_tags(chunk: bytes) -> int:
    """At least the cell elements in a chunk, in one C-level pass (a regular expression
    costs ten times more on every sheet): ``<c`` also counts the few ``<col`` and
    ``<cfRule`` tags, which only makes the limit stricter by a handful. A sheet written
    with a namespace prefix (``<x:c``) is counted by its prefixed tags."""
    found = chunk.count(b"<c")
    return found if found else chunk.count(b":c ") + chunk.count(b":c>")


def _not_utf8(head: bytes) -> bool:
    """UTF-16 or UTF-32 XML (a byte-order mark or NUL bytes up front) would hide a
    DOCTYPE from the byte scan; no office suite writes it."""
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]


def _check_extent(text: bytes, name: str, cells: int, limits: Limits) -> None:
    if cells > limits.cells:
        raise UnsafeWorkbook(
            f"工作表 {name} 中写有超过 {limits.cells:,} 个单元格（多为空白格式），远超填报表的大小"
        )
    for match in _FAR.finditer(text):
        digits, letters = match.groups()
        if digits is not None:
            row = int(digits)
            if row > limits.row:
                raise UnsafeWorkbook(
                    f"工作表 {name} 有内容写到了第 {row} 行，超过 {limits.row} 行的上限；请删除多余的行后重新保存"
                )
            continue
        column = _column_number(letters)
        if column > limits.column:
            raise UnsafeWorkbook(
                f"工作表 {name} 有内容写到了第 {column} 列（{letters.decode()} 列），超过 {limits.column} 列的上限；请删除多余的列后重新保存"
            )


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number
