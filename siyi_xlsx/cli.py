"""Command line: ``siyi init | issue | run``. Parses options, calls one library function,
prints Chinese results. Exit codes: 0 all valid, 1 data problems found (results still
written), 2 usage or fatal error."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from siyi_xlsx import __version__, api
from siyi_xlsx.errors import SiyiError
from siyi_xlsx.jsonreport import result_json, submission_json
from siyi_xlsx.pipeline import (
    ISSUED_DIR,
    OUTPUT_DIR,
    RETURNED_DIR,
    analyse,
    check_file,
    run,
    write_return_copies,
)
from siyi_xlsx.read.inspection import INSPECTION_FILE
from siyi_xlsx.read.master import MASTER_FILE, load_campaign
from siyi_xlsx.sample import build_sample_master, sample_inspection
from siyi_xlsx.schema.docs import format_reference
from siyi_xlsx.write.evaluator import write_evaluator_workbooks, write_public_template
from siyi_xlsx.write.inspection import write_inspection_workbook
from siyi_xlsx.write.ledger import write_reminder
from siyi_xlsx.write.master import write_master
from siyi_xlsx.write.return_copy import RETURN_DIR
from siyi_xlsx.write.unit_workbook import issue_all

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _chinese_help(option):  # noqa: ANN001, ANN202
    if option is not None:
        option.help = "显示本帮助并退出。"
    return option


class ChineseCommand(click.Command):
    def get_help_option(self, ctx):  # noqa: ANN001, ANN201
        return _chinese_help(super().get_help_option(ctx))


class FatalError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.format_message()}", err=True)
        if _JSON_MODE["on"]:
            # a tool reading --json output gets a JSON answer even when the run failed
            click.echo(
                json.dumps(
                    {"error": self.format_message(), "exit_code": self.exit_code},
                    ensure_ascii=False,
                )
            )


def campaign_argument(func):  # noqa: ANN001, ANN201
    return click.argument(
        "folder", type=click.Path(file_okay=False, path_type=Path), default="."
    )(func)


class ChineseGroup(click.Group):
    """Usage errors and help texts in Chinese; exit code 2 for usage errors."""

    command_class = ChineseCommand

    def get_help_option(self, ctx):  # noqa: ANN001, ANN201
        return _chinese_help(super().get_help_option(ctx))

    def main(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        kwargs["standalone_mode"] = False
        _JSON_MODE["on"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            click.echo(
                f"参数错误：{_translate(exc.format_message())}。运行 siyi --help 查看用法。",
                err=True,
            )
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已取消。", err=True)
            sys.exit(2)


_USAGE_WORDS = (
    ("Invalid value for", "取值无效："),
    ("No such option", "没有这个选项"),
    ("No such command", "没有这个命令"),
    ("Missing argument", "缺少参数"),
    ("Missing option", "缺少选项"),
    ("does not exist", "不存在"),
    ("is a directory", "是文件夹而不是文件"),
    ("Got unexpected extra argument", "多余的参数"),
    ("Got unexpected extra arguments", "多余的参数"),
    ("requires an argument", "需要一个值"),
    ("Did you mean", "是否想输入"),
)


def _translate(message: str) -> str:
    for english, chinese in _USAGE_WORDS:
        message = message.replace(english, chinese)
    return message.rstrip(".")


@click.group(cls=ChineseGroup, context_settings=CONTEXT)
@click.version_option(
    __version__, "-V", "--version", message="siyi %(version)s", help="显示版本并退出。"
)
def main() -> None:
    """siyi：“四个体系”重点工作 Excel 批处理工具。

    \b
    典型流程：
      siyi init 工作目录 [--sample]   建立工作目录和任务总表
      siyi issue 工作目录             为每个牵头单位生成填报表（issued/）
      siyi run 工作目录               读取 returned/ 中的回收文件，生成汇总台账和校验报告（output/）
    """


@main.command(context_settings=CONTEXT)
@campaign_argument
@click.option(
    "--sample", is_flag=True, help="填入示例数据（8 个重点领域、44 个单位、76 项任务）。"
)
@click.option("--force", is_flag=True, help="任务总表已存在时覆盖。")
def init(folder: Path, sample: bool, force: bool) -> None:
    """建立工作目录：任务总表.xlsx 以及 issued/、returned/、output/ 文件夹。"""
    master = folder / MASTER_FILE
    if master.exists() and not force:
        raise FatalError(f"{master} 已存在。如需重新生成请加 --force（原文件将被覆盖）。")
    for sub in (ISSUED_DIR, RETURNED_DIR, OUTPUT_DIR):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    if sample:
        settings = {
            "year": 2022,
            "period": "2022Q3",
            "as_of": dt.date(2022, 9, 30),
            "return_deadline": dt.date(2022, 10, 10),
        }
        write_master(master, build_sample_master(), settings)
    else:
        today = dt.date.today()
        settings = {
            "year": today.year,
            "period": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "as_of": today,
        }
        write_master(master, None, settings)

    if not (folder / INSPECTION_FILE).exists() or force:
        checks = None
        if sample:
            checks = sample_inspection()
        write_inspection_workbook(folder / INSPECTION_FILE, checks)
    click.echo(f"已建立工作目录：{folder}")
    click.echo(
        f"  任务总表：{master}"
        + ("（含示例数据）" if sample else "（空表，请按“使用说明”填写）")
    )
    click.echo(f"下一步：填写/核对任务总表后运行  siyi issue {folder}")


@main.command(name="issue", context_settings=CONTEXT)
@campaign_argument
def issue_cmd(folder: Path) -> None:
    """为每个牵头单位生成预填的填报表，写入 issued/ 文件夹。"""
    try:
        campaign = load_campaign(folder)
        if not campaign.tasks:
            raise FatalError(
                "任务总表中没有可下发的重点任务（“重点任务”表为空或全部有错误），未生成填报表。"
            )
        issued_dir = folder / ISSUED_DIR
        existing = (
            {p.name for p in issued_dir.glob("*.xlsx")} if issued_dir.is_dir() else set()
        )
        files = issue_all(campaign, folder / ISSUED_DIR)

        now = dt.datetime.now().replace(microsecond=0)
        eval_files = write_evaluator_workbooks(
            campaign, folder / ISSUED_DIR / "考评表", now
        )
        write_public_template(
            folder / ISSUED_DIR / "考评表" / "群众测评导入模板.xlsx", campaign
        )
    except SiyiError as exc:
        raise FatalError(str(exc)) from exc
    _print_master_problems(campaign)
    click.echo(
        f"已生成 {len(files)} 个单位的填报表（{campaign.settings.period}），共 {sum(f.tasks for f in files)} 项任务、{sum(f.milestones for f in files)} 个节点："
    )
    click.echo(f"  {folder / ISSUED_DIR}")
    replaced = existing & {f.path.name for f in files}
    if replaced:
        click.echo(
            f"注意：issued/ 中同名的 {len(replaced)} 个填报表已按最新任务总表重新生成；已发出的旧表报回后仍可读取。"
        )
    missing = [u.name for u in campaign.units.values() if not campaign.tasks_of(u)]
    if missing:
        click.echo(f"以下单位本期没有牵头任务，未生成填报表：{'、'.join(missing)}")
    dropped = [
        i for i in campaign.issues if i.code in ("TASK_DROPPED", "INDICATOR_DROPPED")
    ]
    if dropped:
        click.echo(
            f"有 {len(dropped)} 项因任务总表中的错误未下发："
            + "、".join(i.value for i in dropped)
            + "（见上面的错误，改正后重新运行 siyi issue）"
        )
    click.echo(
        f"请将填报表发给各单位；收回的文件放入 {folder / RETURNED_DIR} 后运行  siyi run {folder}"
    )
    click.echo(
        f"年终考评用的 {len(eval_files)} 份评分表（专班小组、战线领导）和群众测评导入模板在 {folder / ISSUED_DIR / '考评表'}；"
        f"收回的评分表放入 {folder / 'evaluations'}，群众测评文件放入 {folder / 'public'}，然后运行  siyi score {folder}"
    )
    if any(i.severity == "错误" for i in campaign.issues):
        sys.exit(1)


def _print_master_problems(campaign) -> None:  # noqa: ANN001
    if campaign.issues:
        errors = [i for i in campaign.issues if i.severity == "错误"]
        click.echo(
            f"任务总表有 {len(errors)} 处错误、{len(campaign.issues) - len(errors)} 处提醒：",
            err=True,
        )
        for item in campaign.issues[:20]:
            click.echo(f"  [{item.severity}] {item.text()}", err=True)
        if len(campaign.issues) > 20:
            click.echo("  …… 其余见 output/校验报告.xlsx", err=True)


_JSON_MODE = {"on": False}


def _remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    _JSON_MODE["on"] = bool(value)
    return value


def json_option(func):  # noqa: ANN001, ANN201
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=_remember_json,
        help="以 JSON 输出报告（代码、位置、严重程度、计数），供其他程序使用。",
    )(func)


def _echo_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _with_progress(folder: Path, quiet: bool, work):  # noqa: ANN001, ANN202
    """Run ``work(on_file)`` with a progress bar on stderr (none when quiet)."""
    returned = folder / RETURNED_DIR
    count = sum(1 for p in returned.rglob("*") if p.is_file()) if returned.is_dir() else 0
    if not (folder / MASTER_FILE).is_file():
        raise FatalError(
            f"找不到任务总表：{folder / MASTER_FILE}。请先运行 siyi init {folder}"
        )
    if not returned.is_dir():
        click.echo(
            f"提示：没有找到回收文件夹 {returned}，按所有单位均未报送处理。", err=True
        )
    try:
        if quiet:
            return work(None)
        with click.progressbar(
            length=count, label="读取回收文件", file=sys.stderr, show_pos=True
        ) as bar:
            return work(lambda _path: bar.update(1))
    except SiyiError as exc:
        raise FatalError(str(exc)) from exc
    except OSError as exc:
        raise FatalError(f"读写文件失败：{exc}") from exc


def _status_line(returns: list[dict]) -> str:
    counts: dict[str, int] = {}
    for row in returns:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    order = ("按时报送", "逾期报送", "被退回", "未报送", "无需报送")
    return "，".join(f"{k} {counts[k]} 个单位" for k in order if k in counts)


@main.command(name="run", context_settings=CONTEXT)
@campaign_argument
@click.option("--quiet", "-q", is_flag=True, help="不逐条列出问题。")
@json_option
def run_cmd(folder: Path, quiet: bool, as_json: bool) -> None:
    """读取 returned/ 中的全部回收文件，校验、汇总，写出 output/ 下的汇总台账、校验报告和退回件。"""
    result = _with_progress(folder, as_json, lambda on_file: run(folder, on_file=on_file))
    if as_json:
        _echo_json(result_json(result))
        sys.exit(result.exit_code)
    click.echo(
        f"读取 {len(result.submissions)} 个文件。报送情况：{_status_line(result.returns)}"
    )
    click.echo(
        "任务状态：" + "，".join(f"{k} {v} 项" for k, v in result.task_status.items())
    )
    click.echo(f"发现错误 {result.errors} 处、提醒 {result.warnings} 处。")
    if not quiet:
        for item in [i for i in result.issues if i.severity == "错误"][:30]:
            click.echo(f"  [错误] {item.text()}")
        if result.errors > 30:
            click.echo(f"  …… 共 {result.errors} 处错误，全部见校验报告。")
    click.echo("结果文件：")
    for path in result.outputs:
        click.echo(f"  {path}")
    if result.return_copies:
        click.echo(
            f"  {folder / OUTPUT_DIR / RETURN_DIR}（{len(result.return_copies)} 个退回件，发回各单位修改）"
        )
    sys.exit(result.exit_code)


@main.command(context_settings=CONTEXT)
@campaign_argument
@json_option
def status(folder: Path, as_json: bool) -> None:
    """各单位本期报送情况：按时报送 / 逾期报送 / 被退回 / 未报送（不写任何文件）。"""
    result = _with_progress(
        folder, True, lambda on_file: analyse(folder, on_file=on_file)
    )
    if as_json:
        _echo_json(result_json(result))
        return
    s = result.campaign.settings
    deadline = s.return_deadline.isoformat() if s.return_deadline else "未设置"
    click.echo(
        f"{s.year}年 {s.period} 报送情况（报送截止 {deadline}，时间为北京时间）：{_status_line(result.returns)}"
    )
    for row in result.returns:
        if row["status"] == "无需报送":
            continue
        line = f"  {row['code']:<6} {row['name']:<14} {row['status']:<5}"
        if row["file"]:
            line += f"  {row['file']}（{row['saved_at']}）"
            if row["errors"]:
                line += f"  错误 {row['errors']} 处"
        if row["others"]:
            line += f"  未采用：{row['others']}"
        click.echo(line)


@main.command(context_settings=CONTEXT)
@campaign_argument
def remind(folder: Path) -> None:
    """生成催报通知（output/催报通知.xlsx 和 .txt）：列出未报送和被退回的单位及各自要做什么。"""
    result = _with_progress(
        folder, True, lambda on_file: analyse(folder, on_file=on_file)
    )
    try:
        paths = write_reminder(folder / OUTPUT_DIR, result.campaign, result.returns)
    except OSError as exc:
        raise FatalError(f"写文件失败：{exc}") from exc
    pending = [r for r in result.returns if r["status"] in ("未报送", "被退回")]
    if not pending:
        click.echo("所有单位均已报送且无错误，无需催报。")
    else:
        click.echo(
            f"需催报 {len(pending)} 个单位：" + "、".join(r["name"] for r in pending)
        )
    for path in paths:
        click.echo(f"  {path}")


@main.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--campaign",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="工作目录（默认：文件所在的工作目录，或当前目录）。",
)
@json_option
def check(file: Path, folder: Path | None, as_json: bool) -> None:
    """校验单个回收文件并列出问题（有错误时同时写出它的退回件）。无错误退出码 0，有错误 1。"""
    folder = folder or _campaign_of(file)
    try:
        campaign = load_campaign(folder)
        sub = check_file(file, campaign)
        copy = (
            write_return_copies([sub], folder / OUTPUT_DIR / RETURN_DIR, prune=False).get(
                sub.name
            )
            if sub.error_count
            else None
        )
    except SiyiError as exc:
        raise FatalError(str(exc)) from exc
    except OSError as exc:
        raise FatalError(
            f"无法写出退回件（{exc.strerror or exc}）：请检查 {folder / OUTPUT_DIR} 是否可写。"
        ) from exc
    if as_json:
        data = submission_json(sub)
        data["needs_correction"] = bool(sub.error_count)
        data["return_copy"] = str(folder / OUTPUT_DIR / RETURN_DIR / copy) if copy else ""
        _echo_json(data)
        sys.exit(1 if sub.error_count else 0)
    who = sub.unit.name if sub.unit else "未识别的单位"
    errors = sub.error_count
    click.echo(
        f"{file.name}：{who}，错误 {errors} 处、提醒 {len(sub.issues) - errors} 处。"
    )
    for item in sub.issues:
        click.echo(
            f"  [{item.severity}] "
            + (f"{item.location} " if item.location else "")
            + item.message
        )
    if copy:
        click.echo(f"退回件：{folder / OUTPUT_DIR / RETURN_DIR / copy}")
    elif not sub.issues:
        click.echo("可以采用。")
    sys.exit(1 if errors else 0)


def _campaign_of(file: Path) -> Path:
    """The campaign folder a file sits in (…/returned/x.xlsx), else the current folder."""
    for parent in file.resolve().parents:
        if (parent / MASTER_FILE).is_file():
            return parent
    return Path(".")  # the message then says to give --campaign


@main.command(name="score", context_settings=CONTEXT)
@campaign_argument
@json_option
def score_cmd(folder: Path, as_json: bool) -> None:
    """年终考评：汇总部门自评、专班小组评价（evaluations/）、群众测评（public/）、战线领导评价和加减分，写出 output/考评结果.xlsx。"""
    if not (folder / MASTER_FILE).is_file():
        raise FatalError(
            f"找不到任务总表：{folder / MASTER_FILE}。请先运行 siyi init {folder}"
        )
    try:
        result = api.score(folder)
    except SiyiError as exc:
        raise FatalError(str(exc)) from exc
    except OSError as exc:
        raise FatalError(f"读写文件失败：{exc}") from exc
    if as_json:
        _echo_json(
            {
                "units": [
                    {
                        "code": u.code,
                        "name": u.name,
                        "group": u.group,
                        "final": u.final,
                        "rank": u.rank,
                        "grade": u.grade,
                        "weighted": u.weighted,
                        "bonus": u.bonus,
                        "deduction": u.deduction,
                        "sources": {k: v.value for k, v in u.sources.items()},
                    }
                    for u in result.units
                ],
                "issues": [i.as_dict() for i in result.issues],
                "outputs": [str(p) for p in result.outputs],
            }
        )
        sys.exit(1 if result.errors else 0)
    grades: dict[str, int] = {}
    for u in result.units:
        grades[u.grade] = grades.get(u.grade, 0) + 1
    click.echo(
        f"考评 {len(result.units)} 个牵头单位："
        + "，".join(
            f"{g} {grades[g]} 个" for g in ("优秀", "良好", "一般", "较差") if g in grades
        )
    )
    for group in sorted({u.group for u in result.units}):
        top = sorted((u for u in result.units if u.group == group), key=lambda u: u.rank)[
            :3
        ]
        click.echo(
            f"  {group}前三："
            + "、".join(f"{u.rank}. {u.name} {u.final:.2f}" for u in top)
        )
    if result.issues:
        click.echo(
            f"考评数据问题：错误 {result.errors} 处、提醒 {len(result.issues) - result.errors} 处（见考评结果.xlsx“考评数据问题”表）。"
        )
    click.echo("结果文件：")
    for path in result.outputs:
        click.echo(f"  {path}")
    sys.exit(1 if result.errors else 0)


@main.command(name="report", context_settings=CONTEXT)
@campaign_argument
def report_cmd(folder: Path) -> None:
    """督导检查专报：对每个牵头单位做五项检查（体系建设、目标量化、过程管理、工作成效、问题整改），写出 output/督导检查专报.xlsx。"""
    if not (folder / MASTER_FILE).is_file():
        raise FatalError(
            f"找不到任务总表：{folder / MASTER_FILE}。请先运行 siyi init {folder}"
        )
    try:
        path, units = api.report(folder)
    except SiyiError as exc:
        raise FatalError(str(exc)) from exc
    except OSError as exc:
        raise FatalError(f"读写文件失败：{exc}") from exc
    lights = {"红": 0, "黄": 0, "绿": 0}
    for u in units:
        lights[u.worst] += 1
    click.echo(
        f"五项检查 {len(units)} 个牵头单位：红灯 {lights['红']} 个、黄灯 {lights['黄']} 个、绿灯 {lights['绿']} 个。"
    )
    click.echo(f"结果文件：\n  {path}")


@main.command(name="bulletin", context_settings=CONTEXT)
@campaign_argument
@click.option(
    "--period",
    required=True,
    help="期次：2022Q3（季度通报）、2022H1（半年通报）或 2022（年度晒单）。",
)
def bulletin_cmd(folder: Path, period: str) -> None:
    """通报：按进度给各单位排名，与上期比较，按任务总表“通报规则”列出表扬、批评和诫勉谈话建议；年度通报另附每个单位的晒单。"""
    if not (folder / MASTER_FILE).is_file():
        raise FatalError(
            f"找不到任务总表：{folder / MASTER_FILE}。请先运行 siyi init {folder}"
        )
    try:
        path, table = api.bulletin(folder, period)
    except SiyiError as exc:
        raise FatalError(str(exc)) from exc
    except OSError as exc:
        raise FatalError(f"读写文件失败：{exc}") from exc
    praise = list(table[table["verdict"] == "表扬"]["unit"]) if not table.empty else []
    blame = list(table[table["verdict"] == "批评"]["unit"]) if not table.empty else []
    click.echo(
        f"{period} 通报：{len(table)} 个单位排名；表扬 {len(praise)} 个，批评 {len(blame)} 个。"
    )
    if blame:
        click.echo("  批评：" + "、".join(blame))
    click.echo(f"结果文件：\n  {path}")


@main.command(context_settings=CONTEXT)
def docs() -> None:
    """打印格式说明：各工作表的列、填写要求和全部问题代码（Markdown）。"""

    click.echo(format_reference(), nl=False)


if __name__ == "__main__":
    main()
