"""Exceptions that stop a run, and the registry of every user-facing data problem.

Data problems are never raised: each becomes an :class:`Issue` collected in a
:class:`Report`. Exceptions are only for what makes a run impossible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """错误: the value is not used and the unit must correct it; 提醒: used as read (or as
    coerced), shown so the unit can check it."""

    ERROR = "错误"
    WARNING = "提醒"
    VOID = "不计"  # a problem of a file that is not used (superseded): listed only


ERROR = Severity.ERROR
WARNING = Severity.WARNING


class SiyiError(Exception):
    """Base of every error that stops a command."""


class CampaignError(SiyiError):
    """The campaign folder or its master workbook cannot be used."""


class OutputBlockedError(SiyiError):
    """A result file cannot be written (open in Excel, no permission, disk full)."""


class ReadError(SiyiError):
    """A workbook cannot be opened or parsed."""


class NotSpreadsheetError(ReadError):
    """The file is not an .xlsx workbook at all (old .xls, Word, text...)."""


class Code(StrEnum):
    """Every data problem's stable code; its severity and message are in :data:`MESSAGES`."""

    FILE_NOT_XLSX = "FILE_NOT_XLSX"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    CONVERTED_FORMAT = "CONVERTED_FORMAT"
    NOT_A_TEMPLATE = "NOT_A_TEMPLATE"
    META_MISSING = "META_MISSING"
    UNIT_UNKNOWN = "UNIT_UNKNOWN"
    UNIT_NOT_IN_MASTER = "UNIT_NOT_IN_MASTER"
    UNIT_NO_TASKS = "UNIT_NO_TASKS"
    PERIOD_MISMATCH = "PERIOD_MISMATCH"
    DUPLICATE_SUBMISSION = "DUPLICATE_SUBMISSION"
    DUPLICATE_SAME_CONTENT = "DUPLICATE_SAME_CONTENT"
    FILE_LOCKED = "FILE_LOCKED"
    ARCHIVE_UNREADABLE = "ARCHIVE_UNREADABLE"
    ARCHIVE_MEMBER_SKIPPED = "ARCHIVE_MEMBER_SKIPPED"
    ATTACHMENT_ONLY = "ATTACHMENT_ONLY"
    ADJUST_EARLIER_YEAR = "ADJUST_EARLIER_YEAR"
    ARCHIVE_UNSUPPORTED = "ARCHIVE_UNSUPPORTED"
    SHEET_MISSING = "SHEET_MISSING"
    LIST_SHEET_MISSING = "LIST_SHEET_MISSING"
    ADVANCE_BACKWARD = "ADVANCE_BACKWARD"
    HEADER_NOT_FOUND = "HEADER_NOT_FOUND"
    HEADER_MISSING = "HEADER_MISSING"
    HEADER_RENAMED = "HEADER_RENAMED"
    HEADER_MISSING_OPTIONAL = "HEADER_MISSING_OPTIONAL"
    HEADER_EXTRA = "HEADER_EXTRA"
    ROW_MISSING = "ROW_MISSING"
    ADDED_AFTER_ISSUE = "ADDED_AFTER_ISSUE"
    ROW_DUPLICATE = "ROW_DUPLICATE"
    TASK_UNKNOWN = "TASK_UNKNOWN"
    TASK_NOT_OWN = "TASK_NOT_OWN"
    MILESTONE_UNKNOWN = "MILESTONE_UNKNOWN"
    INDICATOR_UNKNOWN = "INDICATOR_UNKNOWN"
    PREFILL_CHANGED = "PREFILL_CHANGED"
    ROWS_MOVED = "ROWS_MOVED"
    SHEET_RENAMED = "SHEET_RENAMED"
    TEMPLATE_OLD = "TEMPLATE_OLD"
    MASTER_CHANGED = "MASTER_CHANGED"
    FILE_NAME_OTHER_UNIT = "FILE_NAME_OTHER_UNIT"
    REQUIRED = "REQUIRED"
    NOT_A_NUMBER = "NOT_A_NUMBER"
    NOT_AN_INTEGER = "NOT_AN_INTEGER"
    DATE_INVALID = "DATE_INVALID"
    DATE_AMBIGUOUS = "DATE_AMBIGUOUS"
    PERCENT_AMBIGUOUS = "PERCENT_AMBIGUOUS"
    NOT_IN_LIST = "NOT_IN_LIST"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    ABOVE_MAXIMUM = "ABOVE_MAXIMUM"
    BAD_FORMAT = "BAD_FORMAT"
    TOO_LONG = "TOO_LONG"
    COERCED_DATE = "COERCED_DATE"
    COERCED_PERCENT = "COERCED_PERCENT"
    COERCED_NUMBER = "COERCED_NUMBER"
    PERCENT_ONE = "PERCENT_ONE"
    DATE_UNLIKELY = "DATE_UNLIKELY"
    COERCED_CHOICE = "COERCED_CHOICE"
    COERCED_TEXT = "COERCED_TEXT"
    FORMULA_IN_INPUT = "FORMULA_IN_INPUT"
    FORMULA_NO_CACHE = "FORMULA_NO_CACHE"
    ACTUAL_AFTER_AS_OF = "ACTUAL_AFTER_AS_OF"
    ACTUAL_WITHOUT_DONE = "ACTUAL_WITHOUT_DONE"
    PROGRESS_100_NOT_DONE = "PROGRESS_100_NOT_DONE"
    CLOSE_NOT_DONE = "CLOSE_NOT_DONE"
    SELF_SCORE_OVER = "SELF_SCORE_OVER"
    CONFIRM_MISSING = "CONFIRM_MISSING"
    NOT_AN_EVALUATION = "NOT_AN_EVALUATION"
    BALLOT_INCOMPLETE = "BALLOT_INCOMPLETE"
    BALLOT_DUPLICATE = "BALLOT_DUPLICATE"
    RATER_MISSING = "RATER_MISSING"
    BALLOT_UNIFORM = "BALLOT_UNIFORM"
    EVAL_INPUT_ABSENT = "EVAL_INPUT_ABSENT"
    PUBLIC_TOO_FEW = "PUBLIC_TOO_FEW"
    PUBLIC_ROW_EXCLUDED = "PUBLIC_ROW_EXCLUDED"
    PUBLIC_TOTAL_IGNORED = "PUBLIC_TOTAL_IGNORED"
    ADJUST_OUTSIDE_YEAR = "ADJUST_OUTSIDE_YEAR"
    SCORE_INTERIM = "SCORE_INTERIM"
    PUBLIC_UNIT_UNKNOWN = "PUBLIC_UNIT_UNKNOWN"
    REPEAT_PROBLEM = "REPEAT_PROBLEM"
    PROBLEM_DROPPED = "PROBLEM_DROPPED"
    TASK_REOPENED = "TASK_REOPENED"
    DEADLINE_MOVED = "DEADLINE_MOVED"
    INSPECTION_UNIT_UNKNOWN = "INSPECTION_UNIT_UNKNOWN"
    REF_UNKNOWN = "REF_UNKNOWN"
    REF_COERCED = "REF_COERCED"
    TASK_DROPPED = "TASK_DROPPED"
    INDICATOR_DROPPED = "INDICATOR_DROPPED"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    SETTING_DEFAULT = "SETTING_DEFAULT"
    MILESTONE_AFTER_DEADLINE = "MILESTONE_AFTER_DEADLINE"
    TASK_NO_MILESTONE = "TASK_NO_MILESTONE"
    RETURN_DEADLINE_STALE = "RETURN_DEADLINE_STALE"
    AS_OF_OUTSIDE_PERIOD = "AS_OF_OUTSIDE_PERIOD"
    THRESHOLD_ORDER = "THRESHOLD_ORDER"
    RESUBMIT_BEFORE_DEADLINE = "RESUBMIT_BEFORE_DEADLINE"
    REF_UNKNOWN_SIMILAR = "REF_UNKNOWN_SIMILAR"
    OPTION_DUPLICATE = "OPTION_DUPLICATE"
    OPTION_LIST_EMPTY = "OPTION_LIST_EMPTY"
    REVIEW_DATE_OUT_OF_RANGE = "REVIEW_DATE_OUT_OF_RANGE"
    REVIEW_REOPENED = "REVIEW_REOPENED"
    REVIEW_REOPEN_WITHOUT_APPROVAL = "REVIEW_REOPEN_WITHOUT_APPROVAL"
    REVIEW_APPROVED_UNBACKED = "REVIEW_APPROVED_UNBACKED"


class _ColumnTitles(Mapping[str, str]):
    """``{title[unit_schedule.actual_date]}`` in a message is that column's title, as the
    schema declares it: a message never spells a column title itself."""

    def __getitem__(self, ref: str) -> str:
        # imported here: the schemas (and jsonschema) are not needed to start the CLI
        from siyi_xlsx.schema.sheets import load as load_schema

        schema_id, name = ref.split(".")
        return load_schema(schema_id).column(name).title

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


COLUMN_TITLES = _ColumnTitles()

# code -> (severity, message template). Templates are formatted with the Issue's fields
# plus any extra keyword arguments; each says what is wrong and how to fix it.
MESSAGES: dict[Code, tuple[Severity, str]] = {
    # files
    Code.FILE_NOT_XLSX: (
        ERROR,
        "文件不是 xlsx 格式（{detail}），请用 Excel 或 WPS 另存为“Excel 工作簿(*.xlsx)”后重新报送。",
    ),
    Code.FILE_UNREADABLE: (
        ERROR,
        "文件无法打开（{detail}），可能已损坏或加密，请重新保存后报送。",
    ),
    Code.FILE_TOO_LARGE: (
        ERROR,
        "工作表“{sheet}”超过 {detail} 行，超出部分未读取，请删除多余的行。",
    ),
    Code.CONVERTED_FORMAT: (
        WARNING,
        "文件是 {detail} 格式，已自动转换为 xlsx 后读取。请以后另存为“Excel 工作簿(*.xlsx)”报送。",
    ),
    Code.NOT_A_TEMPLATE: (
        ERROR,
        "文件中没有填报表的工作表（只有：{detail}），不是办公室下发的填报表，未采用。请在下发的填报表中填写后报送。",
    ),
    Code.META_MISSING: (
        WARNING,
        "文件中没有找到下发模板的元数据，已按文件名识别为“{detail}”；请使用办公室下发的填报表。",
    ),
    Code.UNIT_UNKNOWN: (
        ERROR,
        "无法识别填报单位（{detail}），该文件未采用。请使用办公室下发给本单位的填报表。",
    ),
    Code.UNIT_NOT_IN_MASTER: (
        ERROR,
        "{title[master_units.code]}“{value}”不在任务总表中，该文件未采用。请核对是否为本区下发的填报表。",
    ),
    Code.UNIT_NO_TASKS: (ERROR, "单位“{detail}”在任务总表中没有牵头任务，该文件未采用。"),
    Code.PERIOD_MISMATCH: (
        WARNING,
        "该文件是“{value}”期的填报表，本期为“{detail}”，不作为本期报送，也不影响该单位本期的报送情况。如是本期报送，请使用本期下发的填报表。",
    ),
    Code.DUPLICATE_SUBMISSION: (
        WARNING,
        "本单位本期有多个报送文件，已采用较新的“{detail}”，本文件未采用。",
    ),
    Code.DUPLICATE_SAME_CONTENT: (
        WARNING,
        "与“{detail}”内容完全相同（重复报送），只采用一份。",
    ),
    Code.FILE_LOCKED: (
        ERROR,
        "办公室无法读取这个文件（{detail}），本次未读取。请关闭正在打开它的程序或检查文件权限后重新运行。",
    ),
    Code.ARCHIVE_UNREADABLE: (
        ERROR,
        "压缩包未解开（{detail}），其中的文件均未读取。请向报送单位核实后，把其中的填报表直接放入回收文件夹。",
    ),
    Code.ARCHIVE_MEMBER_SKIPPED: (
        WARNING,
        "压缩包中的“{value}”未读取：{detail}。",
    ),
    Code.ARCHIVE_UNSUPPORTED: (
        WARNING,
        "{detail} 格式的压缩包不能自动解开，其中的文件未读取。请解压后将填报表放入回收文件夹（或改用 zip 格式）。",
    ),
    Code.ADJUST_EARLIER_YEAR: (
        WARNING,
        "{field} {value} 是以前年度的登记，不计入 {detail} 年度的加减分（可以保留在表中备查）。",
    ),
    Code.ATTACHMENT_ONLY: (
        WARNING,
        "只收到{unit}的附件（{value}），没有收到填报表，该单位仍为未报送。附件已登记为佐证材料；如是扫描或打印的填报表，请改用下发的 xlsx 填报表填写后报送。",
    ),
    Code.SHEET_MISSING: (
        ERROR,
        "缺少工作表“{sheet}”，请使用下发的填报表，不要删除或重命名工作表。",
    ),
    Code.LIST_SHEET_MISSING: (
        WARNING,
        "缺少工作表“{sheet}”，该清单按未填写处理。请不要删除或重命名工作表。",
    ),
    Code.ADVANCE_BACKWARD: (
        WARNING,
        "{title[unit_advance.target]} {value} 比{title[unit_advance.current]} {detail} 靠后，创先晋位的目标应是提升名次，请核实。",
    ),
    Code.HEADER_NOT_FOUND: (
        ERROR,
        "工作表“{sheet}”找不到表头行（应含“{detail}”等列），该表未读取。请不要修改表头。",
    ),
    Code.HEADER_MISSING: (
        ERROR,
        "表头“{field}”不见了（被修改或删除），该列未读取。请恢复原表头“{field}”。",
    ),
    Code.HEADER_RENAMED: (
        ERROR,
        "表头“{field}”被改成了“{value}”，该列未读取。请恢复原表头“{field}”。",
    ),
    Code.HEADER_MISSING_OPTIONAL: (
        WARNING,
        "没有“{field}”列（表头被删改，或是旧版填报表），该列按未填写处理。",
    ),
    Code.HEADER_EXTRA: (WARNING, "多出的列“{value}”不是模板中的列，其内容未读取。"),
    # rows
    Code.ROW_MISSING: (ERROR, "缺少{detail}的填报行，请不要删除预填的行。"),
    Code.ADDED_AFTER_ISSUE: (
        WARNING,
        "{detail}是本表下发后任务总表新增的，本表中没有，不算本单位的错误；请用办公室重新下发的填报表补报。",
    ),
    Code.ROW_DUPLICATE: (
        ERROR,
        "{field}“{value}”重复出现，只采用第一行，请删除重复的行。",
    ),
    Code.TASK_UNKNOWN: (
        ERROR,
        "{title[unit_ledger.task_id]}“{value}”不在任务总表中，该行未采用。请不要修改预填的{title[unit_ledger.task_id]}。",
    ),
    Code.TASK_NOT_OWN: (ERROR, "任务“{value}”的牵头单位不是本单位，该行未采用。"),
    Code.MILESTONE_UNKNOWN: (
        ERROR,
        "任务“{detail}”没有第 {value} 个节点，该行未采用。请不要修改预填的{title[unit_schedule.seq]}。",
    ),
    Code.INDICATOR_UNKNOWN: (
        ERROR,
        "{title[unit_evaluation.code]}“{value}”不在下发的考评指标中，该行未采用。",
    ),
    Code.PREFILL_CHANGED: (
        WARNING,
        "预填的{field}被改为“{value}”，下发时为“{detail}”，已按下发值处理。预填内容请不要修改，确需调整请联系办公室。",
    ),
    Code.ROWS_MOVED: (
        WARNING,
        "工作表“{sheet}”中预填的行被移动、插入或删除过，已按{title[unit_ledger.task_id]}逐行核对。请不要调整预填行的顺序。",
    ),
    Code.SHEET_RENAMED: (
        WARNING,
        "工作表“{detail}”被改名为“{sheet}”，已按表头识别并读取。请不要修改工作表名称。",
    ),
    Code.TEMPLATE_OLD: (
        WARNING,
        "这是旧版填报表（模板版本 {value}，当前为 {detail}），已尽量读取。请使用办公室最新下发的填报表。",
    ),
    Code.MASTER_CHANGED: (
        WARNING,
        "本表下发后，任务总表中本单位的任务、节点或考评指标有调整，已按最新任务总表核对。如有新增内容，请使用新下发的填报表补报。",
    ),
    Code.FILE_NAME_OTHER_UNIT: (
        WARNING,
        "文件名显示为“{value}”的报送，但文件内容是“{detail}”的填报表，已按文件内容计入“{detail}”。请核实是否发错了文件。",
    ),
    # cells
    Code.REQUIRED: (ERROR, "{field}必须填写。{detail}"),
    Code.NOT_A_NUMBER: (ERROR, "{field}“{value}”不是数字，请填写数字{detail}。"),
    Code.NOT_AN_INTEGER: (ERROR, "{field}“{value}”不是整数，请填写整数。"),
    Code.DATE_INVALID: (
        ERROR,
        "{field}“{value}”不是有效日期，请填写如 2022-06-30 的日期。",
    ),
    Code.DATE_AMBIGUOUS: (
        ERROR,
        "{field}“{value}”无法确定是哪一天（缺年份、两位年份或多个日期），请填写完整日期，如 2022-06-30。",
    ),
    Code.PERCENT_AMBIGUOUS: (
        ERROR,
        "{field}“{value}”无法识别为进度，请填写 0 到 100 之间的一个数字，如 60。",
    ),
    Code.NOT_IN_LIST: (
        ERROR,
        "{field}“{value}”不是可选值，请从下拉列表中选择：{detail}。",
    ),
    Code.BELOW_MINIMUM: (ERROR, "{field}“{value}”不能小于 {detail}。"),
    Code.ABOVE_MAXIMUM: (ERROR, "{field}“{value}”不能大于 {detail}。"),
    Code.BAD_FORMAT: (ERROR, "{field}“{value}”格式不正确。{detail}"),
    Code.TOO_LONG: (ERROR, "{field}内容过长（超过 {detail} 个字），请精简。"),
    Code.COERCED_DATE: (
        WARNING,
        "{field}“{value}”已按 {detail} 读取，请以后填写为 2022-06-30 格式。",
    ),
    Code.COERCED_PERCENT: (
        WARNING,
        "{field}“{value}”已按 {detail} 读取（进度请直接填写 0 到 100 的数字）。",
    ),
    Code.COERCED_NUMBER: (
        WARNING,
        "{field}“{value}”不是数字格式（文本、全角或带单位），已按数字 {detail} 读取，请只填写数字。",
    ),
    Code.PERCENT_ONE: (
        WARNING,
        "{field}填写为 1，已按 1% 读取；如指已全部完成，请填写 100。",
    ),
    Code.DATE_UNLIKELY: (
        WARNING,
        "{field} {value} 不在 {detail} 年度内，请核实是否填错年份。",
    ),
    Code.COERCED_CHOICE: (
        WARNING,
        "{field}“{value}”已按“{detail}”读取，请从下拉列表中选择。",
    ),
    Code.COERCED_TEXT: (
        WARNING,
        "{field}“{value}”已按“{detail}”读取（去掉了多余空格或全角字符）。",
    ),
    Code.FORMULA_IN_INPUT: (
        WARNING,
        "{field}是公式 {value}，已按计算结果“{detail}”读取。填报格请填写数值（复制后“选择性粘贴—数值”）。",
    ),
    Code.FORMULA_NO_CACHE: (
        ERROR,
        "{field}是公式 {value}，但文件中没有保存计算结果。请在 Excel 或 WPS 中打开、保存后重新报送，或改填数值。",
    ),
    # cross-row rules
    Code.ACTUAL_AFTER_AS_OF: (
        ERROR,
        "{title[unit_schedule.actual_date]} {value} 晚于{title[master_settings.as_of]} {detail}，请核实后填写已实际完成的日期。",
    ),
    Code.ACTUAL_WITHOUT_DONE: (
        ERROR,
        "{title[unit_schedule.state]}为“{value}”，但已填写{title[unit_schedule.actual_date]} {detail}。节点已完成请选“已完成”，未完成请删去{title[unit_schedule.actual_date]}。",
    ),
    Code.PROGRESS_100_NOT_DONE: (
        ERROR,
        "完成进度为 100%，但节点“{detail}”尚未完成，请核实进度或在推进表补填节点完成情况。",
    ),
    Code.CLOSE_NOT_DONE: (
        ERROR,
        "{title[unit_ledger.apply_close]}须全部节点已完成，尚有节点未完成：{detail}。请完成后再申请，或将“{title[unit_ledger.apply_close]}”改为“否”。",
    ),
    Code.SELF_SCORE_OVER: (
        ERROR,
        "{field} {value} 超过该项{title[unit_evaluation.points]} {detail}，请修改。",
    ),
    Code.CONFIRM_MISSING: (
        WARNING,
        "{field}尚未填写，考评册须由单位主要负责人和战线领导签字确认。",
    ),
    # evaluation
    Code.NOT_AN_EVALUATION: (
        ERROR,
        "文件不是办公室下发的考评打分表（{detail}），未采用。",
    ),
    Code.BALLOT_INCOMPLETE: (
        ERROR,
        "对“{value}”的打分不完整（缺指标 {detail}），该单位在本表中的评分不计入。",
    ),
    Code.BALLOT_DUPLICATE: (
        WARNING,
        "评分人“{value}”报送了多份评分表，已采用较新的“{detail}”，本份未采用。",
    ),
    Code.RATER_MISSING: (
        WARNING,
        "评分表未填写评分人，已作为一份独立的评分计入；请填写评分人姓名，以便识别同一人重复报送。",
    ),
    Code.BALLOT_UNIFORM: (
        ERROR,
        "本表所有单位得分完全相同（均为 {value} 分），按规则视为无效票，不计入。",
    ),
    Code.EVAL_INPUT_ABSENT: (
        WARNING,
        "没有找到有效的{value}数据（{detail}），该来源对所有单位按缺失处理。",
    ),
    Code.PUBLIC_TOO_FEW: (
        WARNING,
        "“{value}”群众测评有效票 {detail}，少于规定的最少票数，群众测评按缺失处理。",
    ),
    Code.PUBLIC_ROW_EXCLUDED: (
        WARNING,
        "“{value}”的群众测评有 {detail} 行含有错误（见上面对应单元格的问题），这些行整行不计入。",
    ),
    Code.PUBLIC_TOTAL_IGNORED: (
        WARNING,
        "“{value}”的群众测评既有分渠道的票数，又有渠道为“合计”的行（{detail}）；为避免重复计票，“合计”行不计入。如合计行才是准确数据，请删去分渠道的行。",
    ),
    Code.ADJUST_OUTSIDE_YEAR: (
        ERROR,
        "{field} {value} 不在本年度考评期内（{detail}），该条登记不计入加减分。",
    ),
    Code.SCORE_INTERIM: (
        WARNING,
        "本期 {value} 不是本年度最后一期（{detail}），考评结果只是阶段性结果，公示表已标注“阶段性结果”。",
    ),
    Code.PUBLIC_UNIT_UNKNOWN: (
        ERROR,
        "{field}“{value}”不是任务总表中的单位名称。{detail}该行不计入群众测评，请改为任务总表中的单位名称后重新运行 siyi score。",
    ),
    # supervision across periods
    Code.REPEAT_PROBLEM: (
        WARNING,
        "本期新报的“{value}”类问题，本单位此前已出现过（{detail}），列为重复再犯，请在{title[unit_problems.lesson]}中说明。",
    ),
    Code.PROBLEM_DROPPED: (
        WARNING,
        "{detail}未整改销号的问题 {value} 本期清单中没有，仍按未整改计。已整改的请在问题清单中保留该行并选“已整改”。",
    ),
    Code.TASK_REOPENED: (
        WARNING,
        "任务 {value} 已完成或申请销号后又出现未完成（{detail}），请核实。",
    ),
    Code.DEADLINE_MOVED: (
        WARNING,
        "任务 {value} 的{title[master_tasks.deadline]}与上期不同（{detail}），请确认调整已经批准。",
    ),
    Code.INSPECTION_UNIT_UNKNOWN: (
        ERROR,
        "{field}“{value}”不是任务总表中的单位名称。{detail}这一行在改正前不被采用：检查记录不计入督导检查专报，督办单不下发给单位。请改为任务总表中的单位名称后重新运行。",
    ),
    # master workbook
    Code.REF_UNKNOWN: (
        ERROR,
        "{field}“{value}”在“{detail}”表中找不到，请从下拉列表中选择。",
    ),
    Code.REF_COERCED: (
        WARNING,
        "{field}“{value}”与“{detail}”只差空格或全半角，已按“{detail}”处理，请改为一致的写法。",
    ),
    Code.TASK_DROPPED: (
        ERROR,
        "任务“{value}”因上面的错误未被采用：不会下发，也不会出现在汇总台账中。请改正后重新运行 siyi issue。",
    ),
    Code.INDICATOR_DROPPED: (
        ERROR,
        "考评指标“{value}”因缺少必填内容未被采用，不会出现在考评册中。",
    ),
    Code.DUPLICATE_KEY: (ERROR, "{field}“{value}”重复，只采用第一行。"),
    Code.SETTING_DEFAULT: (WARNING, "设置项“{field}”未填写，已使用默认值 {detail}。"),
    Code.MILESTONE_AFTER_DEADLINE: (
        WARNING,
        "节点计划日期 {value} 晚于任务{title[master_tasks.deadline]} {detail}，请核实。",
    ),
    Code.TASK_NO_MILESTONE: (
        WARNING,
        "任务“{value}”没有推进节点，以{title[master_tasks.deadline]} {detail} 作为唯一节点：填报表推进表中列为“完成全部任务（完成时限）”，由单位填报完成情况。",
    ),
    Code.RETURN_DEADLINE_STALE: (
        WARNING,
        "{title[master_settings.return_deadline]} {value} 早于{title[master_settings.as_of]} {detail}，可能是上一期的日期没有更新，请核实“设置”表。",
    ),
    Code.AS_OF_OUTSIDE_PERIOD: (
        WARNING,
        "{title[master_settings.as_of]} {value} 不在{title[master_settings.period]} {detail} 内，请核实“设置”表中的期次和{title[master_settings.as_of]}是否都已更新。",
    ),
    Code.THRESHOLD_ORDER: (
        ERROR,
        "“{field}”({value}) 应大于“{detail}”，已改用默认阈值。",
    ),
    Code.RESUBMIT_BEFORE_DEADLINE: (
        WARNING,
        "{title[master_settings.resubmit_deadline]} {value} 早于{title[master_settings.return_deadline]} {detail}，未采用，按{title[master_settings.return_deadline]}后 5 天计；请核实“设置”表。",
    ),
    Code.REF_UNKNOWN_SIMILAR: (
        ERROR,
        "{field}“{value}”在任务总表中找不到，是否为“{detail}”？请改为“{detail}”。",
    ),
    Code.OPTION_DUPLICATE: (
        WARNING,
        "“{field}”列表中的“{value}”重复，只保留一个。",
    ),
    Code.OPTION_LIST_EMPTY: (
        WARNING,
        "“{field}”列表没有填写任何选项，已使用系统默认选项：{detail}。",
    ),
    Code.REVIEW_DATE_OUT_OF_RANGE: (
        ERROR,
        "{title[master_closing_reviews.date]} {value} 不在 {detail} 之间（上一年度初至下一期期末），可能是笔误，该行审核未采用。请改正日期。",
    ),
    Code.REVIEW_REOPENED: (
        WARNING,
        "任务 {value} 已于 {detail} 重新启动（此前已同意销号），按节点重新判定，单位须继续报送该任务。",
    ),
    Code.REVIEW_REOPEN_WITHOUT_APPROVAL: (
        WARNING,
        "任务 {value} 在 {detail} 之前没有“同意销号”的审核，“重新启动”不改变什么，该任务照常判定。请核实任务编号。",
    ),
    Code.REVIEW_APPROVED_UNBACKED: (
        WARNING,
        "任务 {value} 已同意销号，但{detail}。办公室的审核结果仍然有效，该任务显示为“已销号”；如属误填，请修改“销号审核”表。",
    ),
}


def code_meaning(code: str) -> str:
    """A code's message template with its blanks shown as 〈…〉 — the Chinese gloss used in
    the format reference and the report's 问题统计."""
    pattern = MESSAGES.get(code, ("", code))[1]
    blanks = {
        "field": "〈字段〉",
        "value": "〈值〉",
        "detail": "〈说明〉",
        "sheet": "〈工作表〉",
        "file": "〈文件〉",
        "unit": "〈单位〉",
        "cell": "〈单元格〉",
    }
    return pattern.format(code=code, title=COLUMN_TITLES, **blanks)


@dataclass(frozen=True)
class Issue:
    """One problem found in one place: a file, a sheet, a cell."""

    code: Code
    file: str = ""
    unit: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""
    value: str = ""
    detail: str = ""
    void: str = ""  # why this problem does not count (its file is not used), if so

    @property
    def severity(self) -> Severity:
        return Severity.VOID if self.void else MESSAGES[self.code][0]

    @property
    def message(self) -> str:
        template = MESSAGES[self.code][1]
        text = template.format(**asdict(self), title=COLUMN_TITLES).strip()
        return f"{text}（{self.void}）" if self.void else text

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"[{self.sheet}!{self.cell}]"
        if self.sheet:
            return f"[{self.sheet}]"
        return ""

    def text(self) -> str:
        """The line printed on the console: ``文件 [表!格] 说明``."""
        parts = [p for p in (self.file, self.location, self.message) if p]
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity
        data["message"] = self.message
        return data


def make_issue(code: Code, **kwargs: Any) -> Issue:
    """Build an Issue, turning every value into display text."""
    code = Code(code)  # a code that is not in the registry fails here, loudly
    clean = {k: "" if v is None else _display(v) for k, v in kwargs.items()}
    return Issue(code=code, **clean)


def _display(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


@dataclass(frozen=True)
class Report:
    """Problems in the order found, with their counts computed once: the one place where
    errors and reminders are counted."""

    issues: tuple[Issue, ...]
    errors: int = field(init=False)
    warnings: int = field(init=False)

    def __post_init__(self) -> None:
        errors = sum(1 for i in self.issues if i.severity == ERROR)
        warnings = sum(1 for i in self.issues if i.severity == WARNING)
        object.__setattr__(self, "errors", errors)
        object.__setattr__(self, "warnings", warnings)

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> Report:
        return cls(tuple(issues))

    @property
    def error_issues(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    def counts(self) -> dict[str, Any]:
        """Errors, reminders and how many of each code (``--json``)."""
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "by_code": dict(Counter(i.code for i in self.issues)),
        }


# -------------------------------------------------------- library failures in Chinese

DEBUG_ENV = "SIYI_DEBUG"

# the failures of zipfile, zlib, the XML parsers and openpyxl that a damaged or foreign
# file causes, by class name (so none of those libraries is imported here)
_BROKEN_FILE = {
    "BadZipFile": "不是有效的 xlsx 文件，可能已损坏或不是 Excel 工作簿",
    "LargeZipFile": "不是有效的 xlsx 文件，压缩包过大或已损坏",
    "error": "文件内容已损坏，无法解压",  # zlib.error
    "ParseError": "文件中的表格内容（XML）已损坏，无法读取",
    "XMLSyntaxError": "文件中的表格内容（XML）已损坏，无法读取",
    "ExpatError": "文件中的表格内容（XML）已损坏，无法读取",
    "DTDForbidden": "文件中含有不安全的 XML 内容，未读取",
    "EntitiesForbidden": "文件中含有不安全的 XML 内容，未读取",
    "ExternalReferenceForbidden": "文件中含有不安全的 XML 内容，未读取",
    "InvalidFileException": "不是有效的 xlsx 文件，可能已损坏或不是 Excel 工作簿",
    "KeyError": "文件缺少 Excel 工作簿的必要部分，可能已损坏",
    "UnicodeDecodeError": "文件的文字编码无法识别",
    "MemoryError": "文件过大，内存不足，无法读取",
}
_OS_ERRORS = {
    "PermissionError": "没有{action}权限（文件可能正被 Excel、WPS 等程序打开，或设置了只读）",
    "FileNotFoundError": "文件或文件夹不存在（可能已被移动、改名或删除）",
    "IsADirectoryError": "这是文件夹而不是文件",
    "NotADirectoryError": "路径中有一段是文件而不是文件夹",
    "FileExistsError": "同名文件已存在",
}
_ERRNO = {
    28: "磁盘空间不足",  # ENOSPC
    30: "磁盘或文件夹是只读的",  # EROFS
    16: "文件正被其他程序占用，请先关闭它",  # EBUSY
    36: "文件名过长",  # ENAMETOOLONG
    5: "磁盘读写出错（输入/输出错误），请检查磁盘或网络共享",  # EIO
}
_WINERROR = {
    32: "文件正被其他程序（如 Excel、WPS）打开，请先关闭它",
    33: "文件被锁定，请先关闭它",
}


def explain(exc: BaseException, action: str = "读取") -> str:
    """A Chinese sentence for a failure of the system or a library, never its class name
    or errno. With the environment variable SIYI_DEBUG=1 the original follows in brackets,
    for whoever maintains siyi."""
    import os

    text = _explain(exc, action)
    if os.environ.get(DEBUG_ENV):
        text += f"［{type(exc).__name__}: {exc}］"
    return text


def _explain(exc: BaseException, action: str) -> str:
    if isinstance(exc, SiyiError):
        return str(exc)
    if isinstance(exc, OSError):
        winerror = getattr(exc, "winerror", None)
        if winerror in _WINERROR:
            return _WINERROR[winerror]
        for cls in type(exc).__mro__:
            if cls.__name__ in _OS_ERRORS:
                return _OS_ERRORS[cls.__name__].format(action=action)
        if exc.errno in _ERRNO:
            return _ERRNO[exc.errno]
        return f"{action}文件时出错（系统错误）"
    for cls in type(exc).__mro__:
        if cls.__name__ in _BROKEN_FILE:
            return _BROKEN_FILE[cls.__name__]
    return "文件内容无法解析，可能已损坏，或由不兼容的软件生成"


def no_space(path: object, kept: str) -> str:
    """The one message of a write that found the disk full: the real file (never a
    temporary one) and what was kept as it was."""
    return f"磁盘空间不足，无法写入 {path}：{kept}。请清理该磁盘（或把工作目录移到空间充足的磁盘）后重新运行。"


def os_error_of(exc: BaseException) -> OSError | None:
    """The system error behind ``exc``: itself, or the one a library wrapped (xlsxwriter
    raises FileCreateError(OSError) when it cannot write its file)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        wrapped = next((a for a in current.args if isinstance(a, OSError)), None)
        current = wrapped or current.__cause__
    return None
