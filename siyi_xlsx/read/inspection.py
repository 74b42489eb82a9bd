"""The 督导检查组's workbook (督导检查.xlsx): on-site visits (四不两直) and 督办单. Open
督办单 go out as one printable page in the unit's workbook; the unit's feedback on that
page is read back by the next run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from siyi_xlsx import schema as schemas
from siyi_xlsx.errors import Code, Issue, ReadError
from siyi_xlsx.names import did_you_mean
from siyi_xlsx.read import guard
from siyi_xlsx.read.tables import Where, read_form, read_table
from siyi_xlsx.read.workbook import SheetData, read_workbook
from siyi_xlsx.schema.rows import schema_issues

INSPECTION_FILE = "督导检查.xlsx"
ORDER_SHEET_PREFIX = "督办单"


@dataclass
class Inspection:
    visits: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def open_orders_of(self, unit_name: str) -> list[dict[str, Any]]:
        return [
            o
            for o in self.orders
            if o["unit"] == unit_name and o.get("status") != "已办结"
        ]


def load_inspection(campaign: Any) -> Inspection:
    """Read 督导检查.xlsx if the office keeps one (it is optional)."""
    result = Inspection()
    path = campaign.folder / INSPECTION_FILE
    if not path.is_file():
        return result
    where = Where(file=INSPECTION_FILE, unit="督导检查组")
    try:
        book = read_workbook(path, limits=guard.OFFICE)  # the office's own file
    except ReadError as exc:
        result.issues.append(where.issue(Code.FILE_UNREADABLE, detail=str(exc)))
        return result
    unit_names = [u.name for u in campaign.units.values()]
    for schema_id, target in (
        ("inspection_visits", result.visits),
        ("supervision_orders", result.orders),
    ):
        schema = schemas.load(schema_id)
        sheet = book.sheets.get(schema.sheet)
        if sheet is None:
            result.issues.append(where.issue(Code.SHEET_MISSING, sheet=schema.sheet))
            continue
        table = read_table(sheet, schema, where, result.issues)
        seen = set()
        for row in table.rows if table else []:
            v = dict(row.values)
            if any(k not in v for k in schema.raw.get("required", [])):
                continue  # reported as REQUIRED
            unit = campaign.unit_by_name(v["unit"])
            if unit is None:
                # typed by hand (the sheet has no dropdown): say which unit was meant
                result.issues.append(
                    where.issue(
                        Code.INSPECTION_UNIT_UNKNOWN,
                        sheet=schema.sheet,
                        cell=row.cell("unit"),
                        field=schema.column("unit").title,
                        value=v["unit"],
                        detail=did_you_mean(v["unit"], unit_names),
                    )
                )
                continue
            if schema_id == "supervision_orders":
                if v["order_id"] in seen:
                    result.issues.append(
                        where.issue(
                            Code.DUPLICATE_KEY,
                            sheet=schema.sheet,
                            cell=row.cell("order_id"),
                            field=schema.column("order_id").title,
                            value=v["order_id"],
                        )
                    )
                    continue
                seen.add(v["order_id"])
            target.append(v)
    return result


def order_sheet_name(order: dict[str, Any]) -> str:
    return f"{ORDER_SHEET_PREFIX}{order['order_id']}"[:31]


def read_order_feedback(
    sheets: dict[str, SheetData], where: Where, issues: list[Issue]
) -> dict[str, dict[str, Any]]:
    """The feedback on every 督办单 page of a returned workbook, by 督办编号."""
    feedback = schemas.load("order_feedback")
    found = {}
    for name, sheet in sheets.items():
        if not name.startswith(ORDER_SHEET_PREFIX):
            continue
        order_id = name[len(ORDER_SHEET_PREFIX) :]
        fields = read_form(sheet, feedback.columns, where, issues, value_offset=1)
        values = {k: v for k, (v, _a) in fields.items() if v is not None}
        if not values:
            continue  # page left blank: no feedback yet

        for field_name, code, detail, value in schema_issues(values, feedback):
            issues.append(
                where.issue(
                    code,
                    sheet=name,
                    cell=fields.get(field_name, (None, ""))[1],
                    field=feedback.column(field_name).title,
                    value=value,
                    detail=detail,
                )
            )
        found[order_id] = values
    return found
