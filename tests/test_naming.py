"""Every generated file and sheet name is made safe in one place (write/naming.py)."""

from __future__ import annotations

from siyi_xlsx.write.naming import FILE_BYTES, file_name, sheet_name
from siyi_xlsx.write.return_copy import return_copy_name


def test_file_names_lose_forbidden_and_invisible_characters():
    assert file_name("长安\u202efdp.exe") == "长安fdp.exe"  # no right-to-left override
    assert file_name('区"财政"/局:*?') == "区_财政_局"
    assert file_name("CON") == "_CON" and file_name("  ") == "未命名"


def test_long_names_are_cut_by_bytes_and_stay_distinct():
    a, b = file_name("长" * 200 + "甲", ".xlsx"), file_name("长" * 200 + "乙", ".xlsx")
    assert len(a.encode()) <= FILE_BYTES and a.endswith(".xlsx") and a != b
    short = file_name("长" * 10, ".xlsx")
    assert short == "长" * 10 + ".xlsx"  # within the limit: untouched


def test_sheet_names_are_valid_and_unique():
    taken = {"通报"}
    assert sheet_name("区[财政]/局", taken) == "区财政局"
    assert sheet_name("通报", taken) == "通报（2）"
    long = sheet_name("长" * 40, taken)
    assert len(long) == 31 and sheet_name("长" * 40, taken) == "长" * 28 + "（2）"


def test_return_copies_of_files_in_folders_never_collide():
    one, two = return_copy_name("甲/乙_报送.xlsx"), return_copy_name("甲_乙/报送.xlsx")
    assert one != two and one.startswith("【退回修改】甲_乙_报送")
    assert return_copy_name("区财政局.xlsx") == "【退回修改】区财政局.xlsx"
