"""Fingerprint and tamper checks: is this the workbook we issued, as we issued it?

The metadata sheet written by ``siyi issue`` holds the template version, unit, period and a
fingerprint of every prefilled cell. Here the prefilled rows are rebuilt from the master
and compared with what came back. What is an error and what is a reminder:

* another period, a unit not in the master, a removed sheet, deleted rows, unknown rows:
  errors (reported at ingest or by the cross-row rules) — the data cannot be used as is;
* prefilled cells changed, rows moved, a renamed sheet, an older template, a workbook whose
  file name names another unit, the master changed since issue: reminders — siyi still
  reads the file correctly (prefilled facts always come from the master), but the office
  should know.
"""

from __future__ import annotations

from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.errors import Code
from siyi_xlsx.read.prefill import unit_rows
from siyi_xlsx.resources import template
from siyi_xlsx.schema.layout import UNIT_SHEETS
from siyi_xlsx.schema.meta import decode_snapshot, fingerprint, plain


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-9
    return str(a).strip() == str(b).strip()


def check_tamper(sub: Any, campaign: Any, tables: dict[str, Any]) -> None:
    """Append tamper reminders to ``sub.issues``."""
    where = sub.where
    unit = sub.unit
    current_rows = unit_rows(campaign, unit)
    # compare with what the unit was given; the master may have changed since
    expected_rows = decode_snapshot(sub.meta) or {
        sid: [{k: plain(v) for k, v in r.items()} for r in rows]
        for sid, rows in current_rows.items()
    }
    if sub.meta:
        current = template("unit_workbook")["template_version"]
        if sub.meta.get("template_version") and sub.meta["template_version"] != current:
            sub.issues.append(
                where.issue(
                    Code.TEMPLATE_OLD, value=sub.meta["template_version"], detail=current
                )
            )
        if sub.meta.get("fingerprint") and sub.meta["fingerprint"] != fingerprint(
            current_rows
        ):
            sub.issues.append(where.issue(Code.MASTER_CHANGED))
        named = sub.name_unit
        if named is not None and named.code != unit.code:
            sub.issues.append(
                where.issue(Code.FILE_NAME_OTHER_UNIT, value=named.name, detail=unit.name)
            )
    for schema_id, table in tables.items():
        if schema_id not in expected_rows or schema_id not in UNIT_SHEETS:
            continue  # the unit's own lists have nothing prefilled to compare
        schema = schemas.load(schema_id)
        key_of = _key_function(schema)
        expected = {key_of(r): r for r in expected_rows[schema_id]}
        returned_keys = [
            key_of(r.values) for r in table.rows if all(k in r.values for k in schema.key)
        ]
        handed_out_keys = [key_of(r) for r in expected_rows[schema_id]]
        known = [k for k in returned_keys if k in expected]
        if known != [k for k in handed_out_keys if k in set(known)]:
            sub.issues.append(where.issue(Code.ROWS_MOVED, sheet=table.sheet))
        accepted = _accepted_rows(sub, schema_id)
        for key, row in accepted.items():
            truth = expected.get(key if isinstance(key, tuple) else (key,))
            if truth is None:
                continue
            for column in schema.prefill_columns:
                if column.name in schema.key or column.name not in row.cells:
                    continue
                got, want = row.values.get(column.name), plain(truth.get(column.name))
                if column.name in row.invalid or (
                    got is None and row.raw.get(column.name) is None
                ):
                    got = row.raw.get(column.name)
                if (got is None or got == "") and (want is None or want == ""):
                    continue
                if got is None or want is None or not _same(got, want):
                    sub.issues.append(
                        where.issue(
                            Code.PREFILL_CHANGED,
                            sheet=table.sheet,
                            cell=row.cell(column.name),
                            field=column.title,
                            value="（空）" if got in (None, "") else got,
                            detail="（空）" if want in (None, "") else want,
                        )
                    )


def _key_function(schema: Any) -> Any:
    def key_of(values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(plain(values.get(k)) for k in schema.key)

    return key_of


def _accepted_rows(sub: Any, schema_id: str) -> dict[Any, Any]:
    rows = {
        "unit_ledger": sub.ledger,
        "unit_responsibility": sub.responsibility,
        "unit_schedule": sub.schedule,
        "unit_evaluation": sub.evaluation,
    }[schema_id]
    return {k if isinstance(k, tuple) else (k,): v for k, v in rows.items()}
