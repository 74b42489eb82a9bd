"""The status words the office and the leaders read, one enum per thing that has a status.

Each member is the Chinese word itself (a ``StrEnum``), so it prints and compares as that
word; code names the member, never the word.
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """A task's status in 汇总台账 (rules: README 状态怎么判定; light: red, amber, green,
    grey for 未报送)."""

    SERIOUS = "严重滞后"
    BEHIND = "滞后"
    ON_PACE = "正常推进"
    NOT_STARTED = "未开始"
    DONE = "已完成"
    CLOSING = "申请销号"  # every milestone done, the unit asks to close it off
    NO_RETURN = "未报送"  # the lead unit has no usable file this period: not judged
    CLOSED = "已销号"  # the office approved the close-off (任务总表 销号审核)


class ReviewResult(StrEnum):
    """审核结果 of the office on a 销号 application (任务总表 销号审核)."""

    APPROVE = "同意销号"
    REJECT = "驳回"
    REOPEN = "重新启动"  # an approved task is open again


class ReportedMilestoneState(StrEnum):
    """节点状态 as the unit reports it in 推进表."""

    DONE = "已完成"
    IN_PROGRESS = "推进中"
    NOT_STARTED = "未开始"


class ReturnStatus(StrEnum):
    """报送情况 of a unit for the period."""

    ON_TIME = "按时报送"
    LATE = "逾期报送"
    SENT_BACK = "被退回"
    MISSING = "未报送"
    NOT_DUE = "无需报送"


class FileStatus(StrEnum):
    """What became of a returned file."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"  # as a whole: other period, unknown unit, not a workbook…
    SUPERSEDED = "superseded"  # a newer file of the same unit is used
    OTHER_PERIOD = "other_period"  # a workbook of another period: not this period's
    UNREAD = "unread"  # the office's machine could not read it (permissions, lock)
