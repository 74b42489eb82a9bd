"""The sheets' declarations (schemas/*.json) and what is compiled from them: layout,
row validation, the workbook's self-check formulas and the format reference."""

from siyi_xlsx.schema.sheets import (  # noqa: F401 - the schema API
    INPUT,
    PREFILL,
    Column,
    SheetSchema,
    header_key,
    load,
)
