"""What an issued workbook records about itself in its ``_meta`` sheet: a fingerprint of
the prefilled cells and a compressed snapshot of them, written at issue time and read
back to tell a unit's change from a change of the master."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.schema.layout import LIST_SHEETS


def fingerprint(rows: dict[str, list[dict[str, Any]]]) -> str:
    """SHA-256 over every prefilled cell, in sheet and row order."""
    payload = []
    for schema_id, sheet_rows in rows.items():
        if schema_id in LIST_SHEETS:
            continue  # the unit's own lists: nothing prefilled to protect
        columns = [c.name for c in schemas.load(schema_id).prefill_columns]
        payload.append(
            [schema_id, [[plain(r.get(c)) for c in columns] for r in sheet_rows]]
        )
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def plain(value: Any) -> Any:
    """A prefilled value as compared and hashed: dates as ISO text, whole floats as int."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


SNAPSHOT_CHUNK = 30000  # a cell holds at most 32,767 characters


def encode_snapshot(rows: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The prefilled cells as issued (compressed JSON in meta cells ``prefill``, ``prefill_2``…),
    so a changed cell can be named with the value the unit was given, even after the
    master has changed."""
    data = {
        sid: [
            {c.name: plain(r.get(c.name)) for c in schemas.load(sid).prefill_columns}
            for r in sheet_rows
        ]
        for sid, sheet_rows in rows.items()
        if sid not in LIST_SHEETS
    }
    packed = base64.b64encode(
        zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 9)
    ).decode()
    chunks = [
        packed[i : i + SNAPSHOT_CHUNK] for i in range(0, len(packed), SNAPSHOT_CHUNK)
    ] or [""]
    return {
        ("prefill" if n == 0 else f"prefill_{n + 1}"): chunk
        for n, chunk in enumerate(chunks)
    }


def decode_snapshot(meta: dict[str, str]) -> dict[str, list[dict[str, Any]]] | None:
    """The issued prefilled rows from a returned file's metadata, or None."""
    if not meta.get("prefill"):
        return None
    packed, n = meta["prefill"], 2
    while f"prefill_{n}" in meta:
        packed += meta[f"prefill_{n}"]
        n += 1
    try:
        return json.loads(zlib.decompress(base64.b64decode(packed)).decode())
    except (ValueError, zlib.error, UnicodeDecodeError):
        return None  # a damaged snapshot: fall back to the master
