"""The lists the office may extend (任务总表 选项 sheet): 重点领域, 任务来源, 问题类别, …

``schemas/master_options.json`` declares one column per list; its ``x-options-for`` names
the columns (``schema_id.column``) whose dropdown the list supplies. The package's own
list — the ``enum`` of the first of those columns — is the default, used when the master
has no 选项 sheet or leaves a list empty. Values of a target column that are not in the
default list (e.g. 合计 of 群众测评（汇总）) are system values and stay after the office's.
State values (节点状态, 是/否, 审核结果…) are not lists the office extends and never appear
here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from siyi_xlsx.schema.sheets import SheetSchema, load, with_choices

OPTIONS_SCHEMA = "master_options"
Options = Mapping[str, Sequence[str]]


@cache
def targets() -> dict[str, tuple[tuple[str, str], ...]]:
    """List name -> the (schema id, column) pairs whose dropdown it supplies."""
    schema = load(OPTIONS_SCHEMA)
    return {
        c.name: tuple(tuple(t.split(".", 1)) for t in c.spec["x-options-for"])  # type: ignore[misc]
        for c in schema.columns
    }


@cache
def default_options() -> dict[str, tuple[str, ...]]:
    """Each list's values as shipped with the package."""
    out = {}
    for name, pairs in targets().items():
        schema_id, column = pairs[0]
        out[name] = tuple(load(schema_id).column(column).choices)
    return out


def schema_with_options(schema_id: str, options: Options | None) -> SheetSchema:
    """The sheet ``schema_id`` with its dropdown lists taken from ``options`` (the
    office's 选项); lists not given, or equal to the defaults, stay as declared."""
    if not options:
        return load(schema_id)
    defaults = default_options()
    variant = []
    for name, pairs in targets().items():
        values = tuple(options.get(name) or ())
        if not values or values == defaults[name]:
            continue
        for target_id, column in pairs:
            if target_id != schema_id:
                continue
            declared = load(schema_id).column(column).choices
            system = tuple(c for c in declared if c not in defaults[name])
            variant.append((column, values + tuple(v for v in system if v not in values)))
    return with_choices(schema_id, tuple(sorted(variant)))
