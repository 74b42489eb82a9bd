"""Click's own words (``Usage:``, ``Options``, ``Missing argument``…) in Chinese.

Click marks every string it prints with ``gettext``/``ngettext`` (``from gettext import
gettext as _`` in each of its modules). Those functions look in the process-wide default
domain, in the language named by ``LANGUAGE``/``LANG``, which a clerk's Windows machine
does not set. So siyi ships a catalog (``locale/zh_CN/LC_MESSAGES/click.po``, part of the
package), compiles it in memory when the CLI starts, and points the names ``_`` and
``ngettext`` of click's modules at it: Chinese whatever the machine's locale, and nothing
outside click is touched.
"""

from __future__ import annotations

import ast
import gettext
import importlib
import io
import struct
from functools import cache
from importlib import resources

CATALOG = ("locale", "zh_CN", "LC_MESSAGES", "click.po")
# every click module that prints a marked string; the progress bar's is imported lazily
CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "termui",
    "types",
    "utils",
    "_termui_impl",
    "shell_completion",
)


def po_entries(text: str) -> dict[str, str]:
    """The messages of a .po file: ``msgid`` (plural forms joined by NUL, as in a .mo
    file) -> ``msgstr`` (forms joined by NUL). Entries with an empty translation are
    left out, as msgfmt does."""
    entries: dict[str, str] = {}
    current: dict[str, list[str]] = {}
    key: str | None = None

    def flush() -> None:
        if "msgid" in current:
            msgid = "".join(current["msgid"])
            if "msgid_plural" in current:
                msgid += "\0" + "".join(current["msgid_plural"])
            forms = sorted(k for k in current if k.startswith("msgstr"))
            msgstr = "\0".join("".join(current[k]) for k in forms)
            if msgstr.strip("\0"):
                entries[msgid] = msgstr
        current.clear()

    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and current:
                flush()
            continue
        if line.startswith('"'):
            if key is None:
                raise ValueError(f"a string outside an entry: {line}")
            current[key].append(ast.literal_eval(line))
            continue
        word, _, rest = line.partition(" ")
        if word == "msgid" and "msgid" in current:
            flush()
        key = word
        current[key] = [ast.literal_eval(rest)]
    flush()
    return entries


def compile_mo(entries: dict[str, str]) -> bytes:
    """A GNU .mo file (what ``msgfmt`` writes) holding ``entries``."""
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    count = len(keys)
    id_table = 7 * 4
    str_table = id_table + count * 8
    data = str_table + count * 8
    offsets, blob = [], b""
    for raw in ids + strs:
        offsets.append((len(raw), data + len(blob)))
        blob += raw + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, id_table, str_table, 0, data)
    table = b"".join(struct.pack("<2I", n, o) for n, o in offsets)
    return header + table + blob


@cache
def translations() -> gettext.GNUTranslations:
    """The Chinese catalog for click, compiled from the .po shipped in the package."""
    source = resources.files("siyi_xlsx").joinpath(*CATALOG)
    mo = compile_mo(po_entries(source.read_text(encoding="utf-8")))
    return gettext.GNUTranslations(io.BytesIO(mo))


def chinese_click() -> None:
    """Make every click module translate through the Chinese catalog (idempotent)."""
    catalog = translations()
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is gettext.gettext:
            module._ = catalog.gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = catalog.ngettext  # type: ignore[attr-defined]
