"""Coercion of what units type: accepted forms, logged reminders, rejected ambiguities."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siyi_xlsx import schema
from siyi_xlsx.read.normalize import INVALID, coerce, split_list

DATE = schema.load("unit_schedule").column("actual_date")
PCT = schema.load("unit_ledger").column("progress")
SCORE = schema.load("unit_evaluation").column("self_score")
CLOSE = schema.load("unit_ledger").column("apply_close")
SEQ = schema.load("unit_schedule").column("seq")


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        ("2022-06-30", "2022-06-30", None),
        (dt.datetime(2022, 6, 30), "2022-06-30", None),
        ("2022.6.30", "2022-06-30", "COERCED_DATE"),
        ("2022年6月30日", "2022-06-30", "COERCED_DATE"),
        ("2022/6/30", "2022-06-30", "COERCED_DATE"),
        ("20220630", "2022-06-30", "COERCED_DATE"),
        (20220630, "2022-06-30", "COERCED_DATE"),
        ("２０２２－０６－３０", "2022-06-30", "COERCED_DATE"),
        (" 2022-06-30 ", "2022-06-30", "COERCED_DATE"),
        ("2022-06-30 00:00:00", "2022-06-30", None),
        ("2022/06/30 00:00", "2022-06-30", "COERCED_DATE"),
        ("2022-06-30 14:30", "2022-06-30", "COERCED_DATE"),
        (44742, "2022-06-30", "COERCED_DATE"),
        ("6/30", INVALID, "DATE_AMBIGUOUS"),
        ("22.6.30", INVALID, "DATE_AMBIGUOUS"),
        ("2022-13-01", INVALID, "DATE_INVALID"),
        ("2022-02-30", INVALID, "DATE_INVALID"),
        ("上旬", INVALID, "DATE_INVALID"),
        (True, INVALID, "DATE_INVALID"),
    ],
)
def test_dates(raw, value, code):
    result = coerce(raw, DATE)
    assert (result.value, result.code) == (value, code)


@pytest.mark.parametrize(
    ("raw", "fmt", "value", "code"),
    [
        (30, "", 30, None),
        (0.3, "0%", 30, None),  # typed 30% in Excel: a percent-formatted 0.3
        (0.3, "", 30, "COERCED_PERCENT"),
        ("30%", "", 30, "COERCED_PERCENT"),
        ("３０％", "", 30, "COERCED_PERCENT"),
        ("30", "", 30, "COERCED_NUMBER"),
        (" 30 ", "", 30, "COERCED_NUMBER"),
        (100, "", 100, None),
        (1, "", 1, "PERCENT_ONE"),
        (0, "", 0, None),
        ("过半", "", INVALID, "PERCENT_AMBIGUOUS"),
        ("50-60", "", INVALID, "PERCENT_AMBIGUOUS"),
        ("约50%", "", INVALID, "PERCENT_AMBIGUOUS"),
    ],
)
def test_percent(raw, fmt, value, code):
    result = coerce(raw, PCT, fmt)
    assert (result.value, result.code) == (value, code)


def test_numbers_and_choices():
    assert (
        coerce("18分", SCORE).value == 18
        and coerce("18分", SCORE).code == "COERCED_NUMBER"
    )
    assert coerce("十八", SCORE).code == "NOT_A_NUMBER"
    assert coerce(2.0, SEQ).value == 2 and coerce(2.5, SEQ).code == "NOT_AN_INTEGER"
    assert coerce("是", CLOSE).code is None
    assert (coerce("Y", CLOSE).value, coerce("Y", CLOSE).code) == ("是", "COERCED_CHOICE")
    assert coerce("也许", CLOSE).value == "也许"  # left for the schema's enum check
    assert coerce("   ", CLOSE).value is None


def test_split_list():
    assert split_list("区财政局、区统计局，长青乡;") == ["区财政局", "区统计局", "长青乡"]
    assert split_list(None) == []


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from(
        [
            "{y}-{m}-{d}",
            "{y}.{m}.{d}",
            "{y}/{m}/{d}",
            "{y}年{m}月{d}日",
            "{y}{m:02d}{d:02d}",
        ]
    ),
)
def test_every_unambiguous_date_form_reads_back_the_same_day(day, pattern):
    text = pattern.format(y=day.year, m=day.month, d=day.day)
    assert coerce(text, DATE).value == day.isoformat()


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_percent_formatted_cells_scale_by_100(value):
    result = coerce(value / 100, PCT, "0.00%")
    assert result.code is None and abs(result.value - value) < 1e-4


def test_number_typed_into_a_date_formatted_cell_is_read_as_a_date(small):
    small.fill("U01", {("推进表", ("T1", 1), "实际完成日期"): 20220630})
    result = small.analyse()
    assert [(i.code, i.cell, i.detail) for i in result.issues] == [
        ("COERCED_DATE", "G4", "2022-06-30")
    ]
