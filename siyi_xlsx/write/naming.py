"""Every name siyi gives a file or a sheet, made safe in one place.

Names come from what the office and the units typed (unit names, returned file names),
so they may hold characters Windows or Excel refuse (``\\ / : * ? " < > |``, ``[ ]`` in a
sheet name), invisible right-to-left overrides that make ``长安\\u202efdp.exe`` look like
an executable, control characters, or be too long for the file system (255 bytes).
"""

from __future__ import annotations

import hashlib
import re

FILE_BYTES = 180  # bytes of a generated file name, suffix included (limit: 255)
SHEET_CHARS = 31  # Excel's limit for a sheet name
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FILE_FORBIDDEN = re.compile(r'[\\/:*?"<>|\s]+')
_SHEET_FORBIDDEN = re.compile(r"[\\/:*?\[\]]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)


def visible(text: str) -> str:
    """``text`` without bidi overrides, zero-width and control characters."""
    return _CONTROL.sub("", _INVISIBLE.sub("", str(text)))


def file_name(text: str, suffix: str = "") -> str:
    """A file name for ``text`` (+ ``suffix``) that every file system takes: forbidden
    characters and spaces become ``_``, invisible ones go, Windows' reserved names get a
    leading ``_``, and a name too long is cut (by UTF-8 bytes) and given a short hash of
    the whole, so two long names never end up the same."""
    stem = _FILE_FORBIDDEN.sub("_", visible(text)).strip("._ ") or "未命名"
    if _RESERVED.match(stem):
        stem = "_" + stem
    room = FILE_BYTES - len(suffix.encode())
    if len(stem.encode()) > room:
        tag = "_" + hashlib.sha256(text.encode()).hexdigest()[:8]
        stem = _cut(stem, room - len(tag)) + tag
    return stem + suffix


def sheet_name(text: str, taken: set[str] | None = None) -> str:
    """A sheet name for ``text``: without ``\\ / : * ? [ ]`` or invisible characters,
    not starting or ending with ``'``, at most 31 characters, and (with ``taken``, the
    names already used, compared as Excel does, ignoring case) unique: ``（2）``…"""
    base = _SHEET_FORBIDDEN.sub("", visible(text)).strip("'").strip() or "工作表"
    name = base[:SHEET_CHARS]
    taken = taken if taken is not None else set()
    lowered = {t.lower() for t in taken}
    n = 2
    while name.lower() in lowered:
        tag = f"（{n}）"
        name = base[: SHEET_CHARS - len(tag)] + tag
        n += 1
    taken.add(name)
    return name


def _cut(text: str, max_bytes: int) -> str:
    out = text.encode()[: max(max_bytes, 1)]
    return out.decode("utf-8", errors="ignore")
