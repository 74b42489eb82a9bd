"""Load the JSON Schemas of every sheet and expose their column annotations.

Each file in ``schemas/`` declares one sheet: its name (``x-sheet``), its key columns
(``x-key``) and, per property, the Chinese title, width, role (prefilled by the office or
filled by the unit), kind (text, date, number, percent, enum, list, phone) and input
hint. The template writer, the reader and the validator all read these declarations.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from siyi_xlsx.resources import load_json

PREFILL = "prefill"
INPUT = "input"


@dataclass(frozen=True)
class Column:
    """One declared column (or one form field) of a sheet."""

    name: str
    title: str
    kind: str
    role: str
    width: float
    hint: str
    required: bool
    spec: dict[str, Any] = field(repr=False, hash=False, compare=False)

    @property
    def choices(self) -> list[str]:
        return list(self.spec.get("enum", []))

    @property
    def minimum(self) -> float | None:
        return self.spec.get("minimum")

    @property
    def maximum(self) -> float | None:
        return self.spec.get("maximum")

    @property
    def max_length(self) -> int | None:
        return self.spec.get("maxLength")

    @property
    def ref(self) -> str | None:
        """``sheet_key.column`` this column refers to, e.g. ``units.name``."""
        return self.spec.get("x-ref")


@dataclass(frozen=True)
class SheetSchema:
    """A sheet declared by one JSON Schema file."""

    schema_id: str
    sheet: str
    title: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    form: tuple[Column, ...]
    layout: str
    raw: dict[str, Any] = field(repr=False, hash=False, compare=False)
    # (column, choices) replacing the declared dropdown lists: the office's 选项
    variant: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def position(self, name: str) -> int:
        """1-based position of column ``name`` in the issued sheet."""
        return [c.name for c in self.columns].index(name) + 1

    def column(self, name: str) -> Column:
        for col in self.columns + self.form:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def titles(self) -> dict[str, Column]:
        """Normalised header title -> column."""
        return {header_key(c.title): c for c in self.columns}

    @property
    def prefill_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role == PREFILL)

    @property
    def defaults(self) -> dict[str, Any]:
        return dict(self.raw.get("x-defaults", {}))

    def validator(self) -> Draft202012Validator:
        return _validator(self.schema_id, self.variant)

    def __deepcopy__(self, memo: dict[int, Any]) -> SheetSchema:
        return self  # loaded once and never changed: a copied row keeps its schema

    def __reduce__(self) -> Any:
        # pickled (the store's file cache, the worker processes) as its name and the
        # office's lists, not as the whole JSON Schema
        return (with_choices, (self.schema_id, self.variant))

    def conforms(self, values: dict[str, Any]) -> bool:
        """Whether a row meets the schema, by a check compiled once into Python code
        (fastjsonschema, ten times faster than walking the schema for every row). Most
        rows do; a row that does not is then validated in full by :meth:`validator`,
        which names every violation. Both read the same schema and the same date
        format, and a property test holds them to the same answer."""
        check = _compiled(self.schema_id, self.variant)
        if check is None:
            return False
        from fastjsonschema import JsonSchemaException

        try:
            check(values)
        except JsonSchemaException:
            return False
        return True


def header_key(text: Any) -> str:
    """Normalise a header for matching: width-fold, drop spaces and line breaks."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(folded.split())


def _columns(props: dict[str, Any], required: set[str]) -> tuple[Column, ...]:
    return tuple(
        Column(
            name=name,
            title=spec["x-title"],
            kind=spec.get("x-kind", "text"),
            role=spec.get("x-role", INPUT),
            width=float(spec.get("x-width", 12)),
            hint=spec.get("x-hint", ""),
            required=name in required,
            spec=spec,
        )
        for name, spec in props.items()
    )


@cache
def load(schema_id: str) -> SheetSchema:
    """Load ``schemas/<schema_id>.json``."""
    raw = load_json("schemas", schema_id)
    _check_declaration(raw)
    required = set(raw.get("required", []))
    return SheetSchema(
        schema_id=schema_id,
        sheet=raw["x-sheet"],
        title=raw.get("title", raw["x-sheet"]),
        description=raw.get("description", ""),
        key=tuple(raw.get("x-key", [])),
        columns=_columns(raw["properties"], required),
        form=_columns(raw.get("x-form", {}), set()),
        layout=raw.get("x-layout", "table"),
        raw=raw,
    )


META = Draft202012Validator.META_SCHEMA["$id"]


def _check_declaration(raw: dict[str, Any]) -> None:
    """``Draft202012Validator.check_schema(raw)``, once per declaration on this machine.

    Checking a declaration against the JSON Schema meta-schema costs about 10 ms, a
    good part of what `siyi check` on one file takes to start; a declaration found valid
    is marked in the user's cache folder by the SHA-256 of its content, so an edited
    one is checked again. No cache folder: it is checked every time."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{META}\n{text}".encode()).hexdigest()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "siyi"
    mark = base / "schemas-checked" / digest[:40]
    if mark.exists():
        return
    Draft202012Validator.check_schema(raw)
    with contextlib.suppress(OSError):
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.touch()


@cache
def with_choices(
    schema_id: str, variant: tuple[tuple[str, tuple[str, ...]], ...]
) -> SheetSchema:
    """``schemas/<schema_id>.json`` with the dropdown list (``enum``) of each named
    column replaced: the same sheet, validated and written with the office's lists."""
    base = load(schema_id)
    if not variant:
        return base
    raw = copy.deepcopy(base.raw)
    for name, choices in variant:
        raw["properties"][name]["enum"] = list(choices)
    return SheetSchema(
        schema_id=schema_id,
        sheet=base.sheet,
        title=base.title,
        description=base.description,
        key=base.key,
        columns=_columns(raw["properties"], set(raw.get("required", []))),
        form=base.form,
        layout=base.layout,
        raw=raw,
        variant=variant,
    )


@cache
def _compiled(
    schema_id: str, variant: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> Any:
    """The schema compiled by fastjsonschema (draft 7: the keywords siyi uses mean the
    same there), with jsonschema's own ``date`` format; None if it cannot compile."""
    import fastjsonschema

    raw = copy.deepcopy(with_choices(schema_id, variant).raw)
    raw.pop("$schema", None)
    raw.pop("$id", None)
    checker = FormatChecker()
    try:
        return fastjsonschema.compile(
            raw,
            formats={"date": lambda value: checker.conforms(value, "date")},
            use_default=False,  # check only: never fill a row with the schema's defaults
        )
    except Exception:  # noqa: BLE001 - the full validator is always there
        return None


@cache
def _validator(
    schema_id: str, variant: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> Draft202012Validator:
    return Draft202012Validator(
        with_choices(schema_id, variant).raw, format_checker=FormatChecker()
    )
