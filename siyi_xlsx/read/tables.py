"""Find a schema-declared table in a sheet and read its rows into clean values.

Headers are matched by title (width-folded, spaces ignored), not by position, so a
column moved by a unit is still read; a renamed or deleted header is reported at the
cell where it was expected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from siyi_xlsx.errors import Code, Issue, make_issue
from siyi_xlsx.read.normalize import INVALID, coerce
from siyi_xlsx.read.workbook import RawCell, SheetData, column_letter
from siyi_xlsx.schema.rows import schema_issues
from siyi_xlsx.schema.sheets import Column, SheetSchema, header_key

HEADER_SCAN_ROWS = 15


@dataclass(frozen=True)
class Where:
    """Where rows come from, for positioning issues."""

    file: str
    unit: str = ""

    def issue(self, code: Code, **kwargs: Any) -> Issue:
        return make_issue(code, file=self.file, unit=self.unit, **kwargs)


class Positions(Mapping[str, str]):
    """A row's cell addresses by field (``{"progress": "G4"}``), worked out from its
    table's columns when asked: a province's files hold some 200,000 rows, and a dict
    of addresses per row was a third of the batch's memory."""

    __slots__ = ("columns", "row")

    def __init__(self, columns: Mapping[str, int], row: int) -> None:
        self.columns, self.row = columns, row

    def __getitem__(self, name: str) -> str:
        return f"{column_letter(self.columns[name])}{self.row}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __getstate__(self) -> tuple[Mapping[str, int], int]:
        return self.columns, self.row

    def __setstate__(self, state: tuple[Mapping[str, int], int]) -> None:
        self.columns, self.row = state


@dataclass
class TableRow:
    """One data row: clean values, the raw cells, and the fields that were rejected."""

    row: int
    values: dict[str, Any]
    cells: Mapping[str, str]
    raw: dict[str, Any] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)

    def cell(self, name: str) -> str:
        return self.cells.get(name, "")


@dataclass
class Table:
    sheet: str
    schema: SheetSchema
    header_row: int
    columns: dict[str, int]
    rows: list[TableRow]
    end_row: int


def find_header(
    sheet: SheetData, schema: SheetSchema
) -> tuple[int, dict[str, int], list[tuple[int, str]]] | None:
    """Locate the header row: the row among the first few matching most titles."""
    titles = schema.titles
    best: tuple[int, dict[str, int], list[tuple[int, str]]] | None = None
    for row in range(1, HEADER_SCAN_ROWS + 1):
        found: dict[str, int] = {}
        extra: list[tuple[int, str]] = []
        for col, cell in sorted(sheet.rows.get(row, {}).items()):
            key = header_key(cell.value)
            if key in titles and titles[key].name not in found:
                found[titles[key].name] = col
            elif key:
                extra.append((col, str(cell.value)))
        if found and (best is None or len(found) > len(best[1])):
            best = (row, found, extra)
    if best is None or len(best[1]) < max(2, len(schema.columns) // 2):
        return None
    return best


def read_table(
    sheet: SheetData, schema: SheetSchema, where: Where, issues: list[Issue]
) -> Table | None:
    """Read every data row below the header until the first fully empty row."""
    located = find_header(sheet, schema)
    if located is None:
        issues.append(
            where.issue(
                Code.HEADER_NOT_FOUND,
                sheet=sheet.name,
                detail="、".join(c.title for c in schema.columns[:3]),
            )
        )
        return None
    header_row, columns, extra = located
    unknown = dict(extra)
    for index, column in enumerate(schema.columns, start=1):
        if column.name in columns:
            continue
        cell = f"{column_letter(index)}{header_row}"
        if (
            index in unknown
        ):  # the template's header was overwritten in place: one message
            renamed = unknown.pop(index)
            issues.append(
                where.issue(
                    Code.HEADER_RENAMED,
                    sheet=sheet.name,
                    cell=cell,
                    field=column.title,
                    value=renamed,
                )
            )
        elif column.required or column.role != "input":
            issues.append(
                where.issue(
                    Code.HEADER_MISSING, sheet=sheet.name, cell=cell, field=column.title
                )
            )
        else:  # e.g. a column added to the template after this workbook was issued
            issues.append(
                where.issue(
                    Code.HEADER_MISSING_OPTIONAL,
                    sheet=sheet.name,
                    cell=cell,
                    field=column.title,
                )
            )
    for col, text in unknown.items():
        cell = f"{column_letter(col)}{header_row}"
        issues.append(
            where.issue(Code.HEADER_EXTRA, sheet=sheet.name, cell=cell, value=text)
        )
    rows: list[TableRow] = []
    end = header_row
    for row, cells in _data_rows(sheet, schema, header_row, columns):
        rows.append(read_row(row, cells, columns, schema, where, sheet.name, issues))
        end = row
    return Table(sheet.name, schema, header_row, columns, rows, end)


def _data_rows(
    sheet: SheetData, schema: SheetSchema, header_row: int, columns: dict[str, int]
):  # noqa: ANN202
    """The table's rows: every non-blank row up to the last one with a key.

    Blank rows a unit inserted inside the table are skipped; text below the last keyed
    row (signature fields, clauses, notes) is not table data. Without a readable key
    column, the rows up to the first blank row are taken.
    """
    keys = [k for k in schema.key if k in columns]
    free = (
        schema.raw.get("x-rows") == "free"
    )  # a unit's own list: every non-blank row counts
    found = []
    for row in range(header_row + 1, sheet.max_row + 1):
        cells = {name: sheet.cell(row, col) for name, col in columns.items()}
        if all(_blank(c) for c in cells.values()):
            if not keys and not free:
                break
            continue
        found.append((row, cells, any(not _blank(cells[k]) for k in keys)))
    if keys:
        last = max((row for row, _, keyed in found if keyed), default=header_row)
        found = [item for item in found if item[0] <= last]
    return [(row, cells) for row, cells, _ in found]


def _blank(cell: RawCell | None) -> bool:
    """Empty, or spaces only (a formula is not blank): how a table sees a cell."""
    if cell is None:
        return True
    if cell.formula:
        return False
    return cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def read_row(
    row: int,
    cells: dict[str, RawCell | None],
    columns: dict[str, int],
    schema: SheetSchema,
    where: Where,
    sheet: str,
    issues: list[Issue],
    extra_columns: tuple[Column, ...] = (),
) -> TableRow:
    """Coerce a row's cells, log coercions, then validate it against the schema."""
    positions = Positions(columns, row)
    result = TableRow(row=row, values={}, cells=positions)
    for column in schema.columns + extra_columns:
        cell = cells.get(column.name)
        if cell is None:
            continue
        result.raw[column.name] = cell.value
        if cell.formula:
            position = positions[column.name]
            if cell.value is None:
                issues.append(
                    where.issue(
                        Code.FORMULA_NO_CACHE,
                        sheet=sheet,
                        cell=position,
                        field=column.title,
                        value=cell.formula,
                    )
                )
                result.invalid.add(column.name)
                continue
            issues.append(
                where.issue(
                    Code.FORMULA_IN_INPUT,
                    sheet=sheet,
                    cell=position,
                    field=column.title,
                    value=cell.formula,
                    detail=cell.value,
                )
            )
        coerced = coerce(cell.value, column, cell.number_format)
        if coerced.code:
            issues.append(
                where.issue(
                    coerced.code,
                    sheet=sheet,
                    cell=positions[column.name],
                    field=column.title,
                    value=cell.value,
                    detail=coerced.detail,
                )
            )
        if coerced.value is INVALID:
            result.invalid.add(column.name)
        elif coerced.value is not None:
            result.values[column.name] = coerced.value
    for name, code, detail, value in schema_issues(
        result.values,
        schema,
        skip=result.invalid | (set(c.name for c in schema.columns) - set(columns)),
    ):
        column = schema.column(name)
        issues.append(
            where.issue(
                code,
                sheet=sheet,
                cell=positions.get(name, ""),
                field=column.title,
                value=value,
                detail=detail,
            )
        )
        result.invalid.add(name)
    for name in result.invalid:
        result.values.pop(name, None)
    return result


def read_form(
    sheet: SheetData,
    columns: tuple[Column, ...],
    where: Where,
    issues: list[Issue],
    start_row: int = 1,
    value_offset: int | None = None,
) -> dict[str, tuple[Any, str]]:
    """Read label/value fields: the value is the cell ``value_offset`` columns right of
    the label, or (offset None) the first non-empty cell right of it.

    Returns field name -> (clean value or None, cell address of the value).
    """
    by_label = {header_key(c.title): c for c in columns}
    found: dict[str, tuple[Any, str]] = {}
    for row in range(start_row, sheet.max_row + 1):
        cells = sheet.rows.get(row, {})
        for col, cell in sorted(cells.items()):
            column = by_label.get(header_key(cell.value))
            if column is None or column.name in found:
                continue
            if value_offset is not None:
                value_cell = cells.get(col + value_offset)
            else:
                value_cell = next(
                    (
                        c
                        for k, c in sorted(cells.items())
                        if k > col and c.value not in (None, "")
                    ),
                    None,
                )
            address = (
                value_cell.coordinate
                if value_cell
                else f"{column_letter(col + (value_offset or 1))}{row}"
            )
            value = None
            if value_cell is not None:
                coerced = coerce(value_cell.value, column, value_cell.number_format)
                if coerced.code:
                    issues.append(
                        where.issue(
                            coerced.code,
                            sheet=sheet.name,
                            cell=address,
                            field=column.title,
                            value=value_cell.value,
                            detail=coerced.detail,
                        )
                    )
                if coerced.value is not INVALID:
                    value = coerced.value
            found[column.name] = (value, address)
            break
    return found
