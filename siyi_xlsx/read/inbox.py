"""What is in ``returned/`` for a period: the files to read, and everything else.

The office's folder holds more than workbooks: files Windows and office suites leave
(Thumbs.db, desktop.ini, ~WRL0001.tmp, ~$ owner files), the units' evidence (PDF,
pictures, Word files), zip archives of several returns, folders of other periods. Each
is sorted here, so that only workbooks are read as returns, and nothing else raises an
error or is lost: ignored files and attachments are listed, archives are unpacked (within
stated limits, never outside their own folder) and their workbooks read like the others.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from siyi_xlsx.errors import Code, Issue
from siyi_xlsx.folders import (
    PRIVATE_DIR,
    is_archive,
    is_attachment,
    is_other_archive,
    is_system_file,
    names_period,
)
from siyi_xlsx.read.guard import directory_problem
from siyi_xlsx.read.returned import file_digest, os_reason
from siyi_xlsx.read.tables import Where

# limits for one zip archive of returns: far above any real batch of filled workbooks
ARCHIVE_MAX_MEMBERS = 2000
ARCHIVE_MAX_MEMBER_BYTES = 100 * 1024 * 1024  # 100 MB per file inside
ARCHIVE_MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # 1 GB unpacked in all
ARCHIVE_MAX_RATIO = 200  # unpacked / packed size of one member (above 1 MB)
BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Inbox:
    """The period's returned folder, sorted."""

    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, shown name)
    ignored: list[str] = field(default_factory=list)  # system, temp, hidden, links
    attachments: list[tuple[Path, str]] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # other periods' folders
    issues: list[Issue] = field(default_factory=list)  # archives that failed
    roots: set[str] = field(default_factory=set)  # returned/ and the period's folder
    archives: list[tuple[str, str]] = field(default_factory=list)  # (name, outcome)


def collect(root: Path, period: str | None, work: Path | None = None) -> Inbox:
    """Sort ``root`` (returned/) for ``period``: first ``root/<period>/``, then what lies
    in ``root`` itself and its folders that are not named after a period. With ``period``
    None, everything under ``root`` (a fingerprint of the folder). Archives are unpacked
    into ``work`` (default ``<campaign>/.siyi/unpacked``)."""
    inbox = Inbox()
    if not root.is_dir():
        return inbox
    work = work or root.parent / PRIVATE_DIR / "unpacked"
    seen: set[str] = set()
    inbox.roots = {str(root), str(root / period)} if period else {str(root)}
    if period is None:
        _walk(root, root, inbox, work, seen)
        return inbox
    own = root / period
    if own.is_dir():
        _walk(own, own, inbox, work, seen)
    _walk(root, root, inbox, work, seen, current=period)
    return inbox


def _walk(
    folder: Path,
    base: Path,
    inbox: Inbox,
    work: Path,
    seen: set[str],
    current: str = "",
) -> None:
    """Sort the files under ``folder``; with ``current`` (walking returned/ itself),
    its folders named after a period are not read: the current one was read already,
    the others belong to their periods."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        inbox.issues.append(
            Where(file=_shown(folder, base, seen) + "/").issue(
                Code.FILE_LOCKED, detail=os_reason(exc)
            )
        )
        return
    for path in entries:
        if current and folder == base and path.is_dir() and names_period(path.name):
            if path.name != current:
                inbox.elsewhere.append(path.name)
            continue
        if path.is_symlink():
            # the file it points to is read on its own, if it is here
            what = "链接" if path.exists() else "失效的链接"
            inbox.ignored.append(f"{path.relative_to(base)}（{what}）")
            continue
        if path.is_dir():
            if path.name.startswith("."):
                inbox.ignored.append(f"{path.relative_to(base)}/（隐藏文件夹）")
                continue
            _walk(path, base, inbox, work, seen)
            continue
        if not path.is_file():
            continue
        shown = _shown(path, base, seen)
        if is_system_file(path.name):
            inbox.ignored.append(shown)
        elif is_attachment(path.name):
            inbox.attachments.append((path, shown))
        elif is_archive(path.name):
            unpack(path, shown, work, inbox)
        elif is_other_archive(path.name):
            inbox.issues.append(
                Where(file=shown).issue(
                    Code.ARCHIVE_UNSUPPORTED, detail=path.suffix.lower()
                )
            )
        else:
            inbox.files.append((path, shown))


def _shown(path: Path, base: Path, seen: set[str]) -> str:
    """The name a file is shown by: relative to its period folder (or returned/); a name
    met twice (the same file name in returned/ and returned/<期次>/) keeps its folder."""
    name = path.relative_to(base).as_posix()
    if name in seen:
        name = f"{base.name}/{name}"
    seen.add(name)
    return name


# ------------------------------------------------------------------------- archives


def unpack(path: Path, shown: str, work: Path, inbox: Inbox) -> None:
    """Unpack a zip of returns into its own folder under ``work`` and sort what it holds
    like the returned folder: workbooks to read, attachments, ignored files. Members are
    shown as ``<archive>/<member>``. Unsafe names (absolute, ``..``) are skipped; an
    archive beyond the limits, encrypted or broken is reported and not unpacked."""
    where = Where(file=shown)
    try:
        digest = file_digest(path)[0][:16]
        archive = zipfile.ZipFile(path)
    except OSError as exc:
        inbox.issues.append(where.issue(Code.FILE_LOCKED, detail=os_reason(exc)))
        inbox.archives.append((shown, "压缩包，未能读取（见问题清单）"))
        return
    except (zipfile.BadZipFile, ValueError, EOFError):
        inbox.issues.append(
            where.issue(Code.ARCHIVE_UNREADABLE, detail="压缩包已损坏或不是 zip 格式")
        )
        inbox.archives.append((shown, "压缩包，未解开（见问题清单）"))
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        problem = _archive_problem(members)
        if problem:
            inbox.issues.append(where.issue(Code.ARCHIVE_UNREADABLE, detail=problem))
            inbox.archives.append((shown, "压缩包，未解开（见问题清单）"))
            return
        inbox.archives.append((shown, f"压缩包，已解开（{len(members)} 个文件，见下）"))
        target = work / digest
        for member in members:
            name = _member_name(member)
            inner = f"{shown}/{name}" if name else f"{shown}/{member.filename}"
            if name is None:
                inbox.issues.append(
                    where.issue(
                        Code.ARCHIVE_MEMBER_SKIPPED,
                        value=member.filename,
                        detail="路径不安全（绝对路径或含“..”）",
                    )
                )
                continue
            leaf = PurePosixPath(name).name
            if is_system_file(leaf):
                inbox.ignored.append(inner)
                continue
            if is_archive(leaf) or is_other_archive(leaf):
                inbox.issues.append(
                    where.issue(
                        Code.ARCHIVE_MEMBER_SKIPPED,
                        value=name,
                        detail="压缩包中的压缩包不解开，请解开后放入回收文件夹",
                    )
                )
                continue
            out = target / name
            try:
                _extract(archive, member, out)
            except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
                detail = (
                    os_reason(exc) if isinstance(exc, OSError) else "压缩包内文件已损坏"
                )
                inbox.issues.append(
                    where.issue(Code.ARCHIVE_MEMBER_SKIPPED, value=name, detail=detail)
                )
                continue
            (inbox.attachments if is_attachment(leaf) else inbox.files).append(
                (out, inner)
            )


def _archive_problem(members: list[zipfile.ZipInfo]) -> str:
    if any(m.flag_bits & 0x1 for m in members):
        return "压缩包设有密码"
    return directory_problem(
        members,
        ARCHIVE_MAX_MEMBERS,
        ARCHIVE_MAX_MEMBER_BYTES,
        ARCHIVE_MAX_TOTAL_BYTES,
        ARCHIVE_MAX_RATIO,
        "文件",
    )


def _member_name(member: zipfile.ZipInfo) -> str | None:
    """The member's path as a safe relative POSIX path, or None when unsafe. Archives
    made on Chinese Windows store names in GBK without saying so: decode those."""
    name = member.filename
    if not member.flag_bits & 0x800:
        # no UTF-8 flag: Python read the bytes as cp437; they are UTF-8 (macOS, Linux,
        # phones) or, failing that, GBK (Chinese Windows)
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        for encoding in ("utf-8", "gbk"):
            try:
                name = raw.decode(encoding) if raw else name
                break
            except UnicodeDecodeError:
                continue
    name = name.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or ":" in (parts[0] if parts else "") or ".." in parts:
        return None
    return "/".join(parts) or None


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, out: Path) -> None:
    """Copy one member to ``out`` (once: an archive already unpacked is reused), stopping
    at the per-file limit whatever the header claims; its time is the member's."""
    stamp = dt.datetime(*member.date_time, tzinfo=BEIJING).timestamp()
    if out.is_file() and out.stat().st_size == member.file_size:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".~part")
    written = 0
    try:
        with archive.open(member) as source, partial.open("wb") as sink:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if written > ARCHIVE_MAX_MEMBER_BYTES:
                    raise ValueError("larger than its header says")
                sink.write(chunk)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.utime(partial, (stamp, stamp))
    os.replace(partial, out)
