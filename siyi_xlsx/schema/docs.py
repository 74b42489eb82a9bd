"""The format reference (格式说明), generated from the schemas and the message registry,
so the documentation can never disagree with what the tool writes and checks."""

from __future__ import annotations

from siyi_xlsx import schema as schemas
from siyi_xlsx.errors import MESSAGES, code_meaning
from siyi_xlsx.resources import template

KIND = {
    "text": "文字",
    "list": "多个名称，用“、”分隔",
    "phone": "电话",
    "enum": "下拉选择",
    "date": "日期",
    "number": "数字",
    "integer": "整数",
    "percent": "百分比（0—100 的数字）",
}


def _groups() -> list[tuple[str, list[str]]]:
    def ids(stem: str) -> list[str]:
        return [s["schema"] for s in template(stem)["sheets"] if "schema" in s]

    return [
        ("任务总表（办公室维护）", ids("master_workbook")),
        ("单位填报表（下发给牵头单位）", ids("unit_workbook")),
        (
            "考评打分表与群众测评导入（年终考评）",
            ["eval_scores", "public_responses", "public_counts"],
        ),
    ]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_reference() -> str:
    """Markdown: every sheet's columns, then every issue code with its message."""
    lines = [
        "# siyi 格式说明",
        "",
        "本文件由 `siyi docs` 根据 `schemas/` 和问题代码表自动生成，请勿手工修改。",
        "",
    ]
    for heading, ids in _groups():
        lines += [f"## {heading}", ""]
        for schema_id in ids:
            s = schemas.load(schema_id)
            lines += [
                f"### {s.sheet}（`schemas/{schema_id}.json`）",
                "",
                s.description,
                "",
            ]
            lines += [
                "| 列 | 填写方 | 类型 | 必填 | 可选值 / 范围 | 填写提示 |",
                "|---|---|---|---|---|---|",
            ]
            for c in s.columns + s.form:
                values = "、".join(c.choices)
                if not values and (c.minimum is not None or c.maximum is not None):
                    values = (
                        f"{c.minimum:g} — {c.maximum:g}"
                        if c.maximum is not None
                        else f"≥ {c.minimum:g}"
                    )
                who = "办公室预填（锁定）" if c.role == "prefill" else "填写"
                lines.append(
                    f"| {_cell(c.title)} | {who} | {KIND.get(c.kind, c.kind)} | {'是' if c.required else ''} | {_cell(values)} | {_cell(c.hint)} |"
                )
            for rule in s.raw.get("allOf", []):
                if "x-message" in rule:
                    lines.append(f"\n条件规则：{rule['x-message']}")
            lines.append("")
    lines += [
        "## 问题代码",
        "",
        "错误：须修改后重新报送；提醒：已按说明处理，请以后注意。",
        "",
    ]
    lines += ["| 代码 | 严重程度 | 说明模板 |", "|---|---|---|"]
    for code, (severity, _pattern) in MESSAGES.items():
        text = code_meaning(code)
        lines.append(f"| `{code}` | {severity} | {_cell(text)} |")
    return "\n".join(lines) + "\n"
