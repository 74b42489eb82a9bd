"""The public survey read as a stream: a CSV is tallied row by row (no sheet held in
memory), with the same rules and messages as a sheet read whole."""

from __future__ import annotations

import tracemalloc

from siyi_xlsx.read.evaluations import read_public
from siyi_xlsx.read.master import load_campaign


def _survey(small, *files: tuple[str, str]):
    public = small.folder / "public"
    public.mkdir()
    for name, text in files:
        (public / name).write_text(text, encoding="utf-8")
    return read_public(public, load_campaign(small.folder))


def test_repeated_votes_each_count_and_each_bad_row_is_named(small):
    tallies, issues = _survey(
        small,
        (
            "问卷.csv",
            "被评单位,渠道,评价\n"
            + "区发展和改革局,网上问卷,满意\n" * 3
            + "区发展和改革局,微信,满意\n" * 2  # the same bad row twice: two lines
            + "长青乡,网上问卷,不满意\n",
        ),
    )
    u01, u02 = tallies["U01"], tallies["U02"]
    assert (u01.satisfied, u01.valid, len(u01.excluded)) == (3, 3, 2)
    assert (u02.unsatisfied, u02.valid) == (1, 1)
    assert [(i.code, i.cell) for i in issues] == [
        ("NOT_IN_LIST", "B5"),
        ("NOT_IN_LIST", "B6"),
    ]


def test_the_table_ends_at_the_first_blank_row_and_the_header_may_sit_lower(small):
    tallies, issues = _survey(
        small,
        (
            "问卷.csv",
            "2022年群众测评\n\n"  # a title, a blank line, then the header in row 3
            "被评单位,渠道,评价\n"
            "区发展和改革局,网上问卷,满意\n"
            ",,\n"  # the table ends here
            "区发展和改革局,网上问卷,满意\n",
        ),
    )
    assert tallies["U01"].satisfied == 1
    assert issues == []


def test_a_broken_line_after_good_rows_leaves_the_whole_file_out(small):
    long = "x" * 200_000  # over csv's field limit
    tallies, issues = _survey(
        small,
        ("好.csv", "被评单位,渠道,评价\n区发展和改革局,网上问卷,满意\n"),
        (
            "坏.csv",
            "被评单位,渠道,评价\n"
            + "区发展和改革局,网上问卷,不满意\n" * 20
            + f"区发展和改革局,网上问卷,{long}\n",
        ),
    )
    assert (tallies["U01"].satisfied, tallies["U01"].unsatisfied) == (1, 0)
    assert tallies["U01"].sources == ["好.csv"]
    assert [(i.code, i.file) for i in issues] == [("FILE_UNREADABLE", "坏.csv")]
    assert "第 22 行" in issues[0].message


def test_a_gbk_file_and_no_header(small):
    public = small.folder / "public"
    public.mkdir()
    (public / "汇总.csv").write_bytes(
        "被评单位,渠道,满意,基本满意,不满意,不了解\n长青乡,合计,7,3,0,1\n".encode("gbk")
    )
    (public / "别的.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    tallies, issues = read_public(public, load_campaign(small.folder))
    assert (tallies["U02"].satisfied, tallies["U02"].unknown) == (7, 1)
    assert [(i.code, i.file) for i in issues] == [("HEADER_NOT_FOUND", "别的.csv")]


def test_memory_does_not_grow_with_the_number_of_votes(small):
    rows = "区发展和改革局,网上问卷,满意\n长青乡,便民热线,基本满意\n"
    public = small.folder / "public"
    public.mkdir()
    (public / "问卷.csv").write_text(
        "被评单位,渠道,评价\n" + rows * 3_000, encoding="utf-8"
    )
    campaign = load_campaign(small.folder)
    tracemalloc.start()
    try:
        tallies, issues = read_public(public, campaign)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (tallies["U01"].satisfied, tallies["U02"].basic) == (3_000, 3_000)
    assert issues == []
    # read whole, 6,000 votes held 13 MB; streamed, under 1 MB (and the same for more)
    assert peak < 2_000_000, peak


def test_an_xlsx_sheet_repeats_rows_the_same_way(small):
    import openpyxl

    public = small.folder / "public"
    public.mkdir()
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["被评单位", "渠道", "评价"])
    for _ in range(3):
        ws.append(["区发展和改革局", "网上问卷", "满意"])
        ws.append(["区发展和改革局", "微信", "满意"])  # bad each time: named each time
    ws.append([None, " ", None])  # blank: the table ends
    ws.append(["区发展和改革局", "网上问卷", "满意"])
    book.save(public / "热线.xlsx")
    tallies, issues = read_public(public, load_campaign(small.folder))
    assert (tallies["U01"].satisfied, len(tallies["U01"].excluded)) == (3, 3)
    assert [i.cell for i in issues] == ["B3", "B5", "B7"]
