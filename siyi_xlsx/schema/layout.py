"""Where things sit in an issued workbook: its sheets, the metadata sheet, the header row.

Shared by the template writer and the reader of returned files, so both agree.
"""

from __future__ import annotations

META_SHEET = "_meta"  # very hidden: template version, unit, period, fingerprint, snapshot
# the task-keyed sheets: 台账, 责任书, 推进表, 考评册
UNIT_SHEETS = ("unit_ledger", "unit_responsibility", "unit_schedule", "unit_evaluation")
# lists the unit writes itself, as many rows as it needs (问题清单, 攻坚破难计划, 创先晋位工作清单)
LIST_SHEETS = ("unit_problems", "unit_hard_problems", "unit_advance")
# prepared empty rows (yellow, unlocked, with dropdowns and the self-check) below a list
LIST_BLANK_ROWS = 100
HEADER_ROW = 2  # 0-based: row 1 title, row 2 note, row 3 header
FIRST_DATA_ROW = 3
# Empty columns between a data sheet's last column and its hidden self-check helpers.
# The reader keeps formulas this far right of the data (a unit may have inserted a
# column); the helpers beyond are cut before parsing, so in an issued workbook none of
# the thousands of helper cells is read.
HELPER_GAP = 2
