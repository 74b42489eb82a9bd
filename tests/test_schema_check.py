"""The compiled row check (fastjsonschema) and the full validator (jsonschema) give the
same answer for every row: the compiled one only decides whether the full one runs."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from siyi_xlsx.schema import sheets

SCHEMAS = sorted(
    p.stem for p in (Path(__file__).resolve().parents[1] / "schemas").glob("*.json")
)

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 120),
    st.floats(-10, 200, allow_nan=False),
    st.sampled_from(["", " ", "是", "否", "已完成", "未开始", "推进中", "x" * 600]),
    st.sampled_from(["2022-06-30", "2022-02-30", "20220630", "2022/6/30", "2022-6-3"]),
    st.sampled_from(["U001", "ZD001", "2022Q3", "2022Q5", "13800138000", "abc"]),
    st.text(max_size=8),
)


@st.composite
def rows(draw):
    schema = sheets.load(draw(st.sampled_from(SCHEMAS)))
    names = [c.name for c in schema.columns]
    chosen = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    values = {name: draw(_VALUES) for name in chosen}
    for column in schema.columns:  # a valid choice now and then
        if column.choices and draw(st.booleans()):
            values[column.name] = draw(st.sampled_from(list(column.choices)))
    return schema, values


@settings(max_examples=150, deadline=None)
@given(rows())
def test_compiled_check_agrees_with_the_validator(case):
    schema, values = case
    before = dict(values)
    full = not any(True for _ in schema.validator().iter_errors(values))
    assert schema.conforms(values) == full
    assert values == before  # the check never changes the row (no defaults filled in)


def test_a_row_with_a_violation_is_still_named_in_full():
    from siyi_xlsx.schema.rows import schema_issues

    schema = sheets.load("unit_schedule")
    assert not schema.conforms({"state": "半完成"})
    assert any(
        code == "NOT_IN_LIST"
        for _, code, _, _ in schema_issues({"state": "半完成"}, schema)
    )
