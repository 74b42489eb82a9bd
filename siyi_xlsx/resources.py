"""Locate the declarative data that ships with siyi: JSON Schemas and template texts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``schemas`` or ``templates``.

    In a wheel they are copied into ``siyi_xlsx/_data``; in a source checkout or an
    editable install they stay at the repository's top level, where the office edits them.
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"siyi data folder {name!r} not found next to {_PACKAGE_DIR}")


@cache
def load_json(folder: str, stem: str) -> dict[str, Any]:
    """Load ``<folder>/<stem>.json`` (UTF-8)."""
    path = data_dir(folder) / f"{stem}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def template(stem: str) -> dict[str, Any]:
    """The fixed content of a generated workbook (sheet order, texts), from ``templates/``."""
    return load_json("templates", stem)
