"""Command line: ``siyi init | issue | run``. Parses options, calls one library function,
prints Chinese results. Exit codes: 0 all valid, 1 data problems found (results still
written), 2 usage or fatal error."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

# Only what every command needs is imported here: `siyi check` on one file and `siyi
# --help` must start in well under a second, so the library (pandas, openpyxl, the
# writers) is imported inside the commands that use it.
from siyi_xlsx import __version__, advice
from siyi_xlsx.errors import DEBUG_ENV, Report, SiyiError, explain, no_space
from siyi_xlsx.folders import OUTPUT_DIR, RETURNED_DIR, output_dir, returned_dir
from siyi_xlsx.i18n import chinese_click
from siyi_xlsx.period import Period
from siyi_xlsx.statuses import FileStatus, ReturnStatus

CONTEXT = {"help_option_names": ["-h", "--help"]}
OPTIONS_METAVAR = "[选项]"

# click's own words (Usage:, Options, Missing argument…) come from the Chinese catalog
chinese_click()


class ChineseCommand(click.Command):
    """A command whose usage line reads ``用法： siyi run [选项] [工作目录]``."""

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


def campaign_argument(func):  # noqa: ANN001, ANN201
    return click.argument(
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        metavar="[工作目录]",
    )(func)


class ChineseGroup(click.Group):
    """The one place where failures become exit codes: usage errors and errors that stop a
    command (:class:`SiyiError`, files that cannot be read or written) exit 2 with a
    Chinese message, as JSON too under ``--json``; data problems are results (exit 1).
    No exception's class name or errno is shown, unless SIYI_DEBUG=1 is set."""

    command_class = ChineseCommand

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, args=None, *rest, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        kwargs["standalone_mode"] = False
        argv = list(sys.argv[1:] if args is None else args)
        try:
            return super().main(argv, *rest, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            if isinstance(exc, click.MissingParameter) and exc.param is not None:
                # click quotes the name with ASCII '…'. itself, outside the catalog
                hint = exc.param.get_error_hint(exc.ctx).replace("'", "")
                kind = "选项" if isinstance(exc.param, click.Option) else "参数"
                exc = click.UsageError(f"缺少{kind}“{hint}”。", exc.ctx)
            exc.show()  # usage line, hint and message, all from the Chinese catalog
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已取消。", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            message = exc.format_message()
        except SiyiError as exc:
            message = str(exc)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                message = no_space(exc.filename or "工作目录", "本次运行没有完成")
            else:
                message = explain(exc, "读写") + (
                    f"：{exc.filename}" if getattr(exc, "filename", None) else ""
                )
        except Exception:
            if os.environ.get(DEBUG_ENV):
                raise
            message = (
                "siyi 内部出错，本次没有完成。请把所用的命令和文件发给维护人员；"
                f"设置环境变量 {DEBUG_ENV}=1 后重新运行可看到详细信息。"
            )
        click.echo(f"错误：{message}", err=True)
        if "--json" in argv:
            # a tool reading --json output gets a JSON answer even when the run failed
            _echo_json({"error": message, "exit_code": 2})
        sys.exit(2)


def json_option(func):  # noqa: ANN001, ANN201
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="以 JSON 输出报告（代码、位置、严重程度、计数），供其他程序使用。",
    )(func)


def _echo_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _note(text: str) -> None:
    click.echo(f"提示：{text}", err=True)


def _period_line(settings) -> None:  # noqa: ANN001
    """Every command says which period it worked on, first."""
    click.echo(f"期次 {settings.period}（数据截止 {settings.as_of.isoformat()}）")


def _check_returned(folder: Path) -> None:
    from siyi_xlsx.read.master import MASTER_FILE

    returned = folder / RETURNED_DIR
    if (folder / MASTER_FILE).is_file() and not returned.is_dir():
        _note(f"没有找到回收文件夹 {returned}，按所有单位均未报送处理。")


class _Bars:
    """The progress reporter of the console: one line on stderr, the current step with
    a spinner, a bar when the number of items is known, and the time elapsed."""

    def __init__(self, bars: Any) -> None:
        self.bars = bars
        self.task: Any = None
        self.total: int | None = None
        self.done = 0

    def start(self, label: str, total: int | None) -> None:
        if self.task is not None:
            self.bars.remove_task(self.task)
        self.total = total
        self.done = 0
        self.task = self.bars.add_task(label, total=total, count=self._count())

    def _count(self) -> str:
        return f"{self.done}/{self.total}" if self.total is not None else ""

    def advance(self, step: int) -> None:
        if self.task is not None:
            self.done += step
            self.bars.update(self.task, advance=step, count=self._count())


@contextlib.contextmanager
def _progress(label: str, hidden: bool = False) -> Iterator[None]:
    """Show the progress of the library's long steps while the block runs, starting with
    the step ``label``; nothing when hidden (``--json``, ``--quiet``) or when stderr is
    not a terminal (a log file, a pipe, the tests)."""
    from siyi_xlsx import progress

    if hidden or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        # "12/44" when the number of items is known, nothing while it is not
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bars, progress.reporting(_Bars(bars)):
        progress.start(label)
        yield


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Rows of cells as lines whose columns line up on screen: a Chinese character takes
    two columns of a terminal, so cells are padded by display width, not by length."""
    from rich.cells import cell_len

    widths = (
        [max(cell_len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    )
    lines = []
    for row in rows:
        cells = [c + " " * (w - cell_len(c)) for c, w in zip(row, widths, strict=True)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _status_line(returns: list[dict]) -> str:
    counts: dict[str, int] = {}
    for row in returns:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    order = (
        ReturnStatus.ON_TIME,
        ReturnStatus.LATE,
        ReturnStatus.SENT_BACK,
        ReturnStatus.MISSING,
        ReturnStatus.NOT_DUE,
    )
    line = "，".join(f"{k} {counts[k]} 个单位" for k in order if k in counts)
    return line or "任务总表中还没有单位（请先填写任务总表）"


@click.group(cls=ChineseGroup, context_settings=CONTEXT)
@click.version_option(
    __version__, "-V", "--version", message="siyi %(version)s", help="显示版本并退出。"
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """siyi：“四个体系”重点工作 Excel 批处理工具。

    \b
    典型流程：
      siyi init 工作目录 [--sample]   建立工作目录和任务总表
      siyi issue 工作目录             为每个牵头单位生成填报表（issued/）
      siyi run 工作目录               读取 returned/ 中的回收文件，生成汇总台账和校验报告（output/<期次>/）
      siyi publish 工作目录           把本期的结果转成 PDF，生成公示和通报的公开版（output/<期次>/发布/）
      siyi period 工作目录 2022Q4     本期结束后换到下一期
    """
    # a wrong folder's advice repeats the command: "是否要运行 siyi status 2022郊区？"
    advice.COMMAND.set(ctx.invoked_subcommand or "run")


@main.command(context_settings=CONTEXT)
@campaign_argument
@click.option(
    "--sample", is_flag=True, help="填入示例数据（8 个重点领域、44 个单位、76 项任务）。"
)
@click.option("--force", is_flag=True, help="任务总表已存在时覆盖。")
def init(folder: Path, sample: bool, force: bool) -> None:
    """建立工作目录：任务总表.xlsx、督导检查.xlsx 以及 issued/、returned/、output/（各分期次）、evaluations/、public/ 文件夹。"""
    from siyi_xlsx import api

    folder = _trimmed(folder)
    with _progress("建立任务总表"):
        result = api.init(folder, sample, force)
    click.echo(f"已建立工作目录：{folder}")
    click.echo(
        f"  任务总表：{result.master}"
        + ("（含示例数据）" if sample else "（空表，请按“使用说明”填写）")
    )
    click.echo(f"下一步：填写/核对任务总表后运行  siyi issue {folder}")


@main.command(name="issue", context_settings=CONTEXT)
@campaign_argument
def handout_cmd(folder: Path) -> None:
    """为每个牵头单位生成预填的填报表，写入 issued/ 文件夹。"""
    from siyi_xlsx import api
    from siyi_xlsx.errors import Code

    with _progress("读取任务总表"):
        result = api.handout(folder, on_note=_note)
    campaign = result.campaign
    _print_master_problems(campaign)
    click.echo(
        f"已生成 {len(result.files)} 个单位的填报表（{campaign.settings.period}），共 {sum(f.tasks for f in result.files)} 项任务、{sum(f.milestones for f in result.files)} 个节点："
    )
    click.echo(f"  {result.folder}")
    if result.replaced:
        click.echo(
            f"注意：issued/ 中同名的 {len(result.replaced)} 个填报表已按最新任务总表重新生成；已发出的旧表报回后仍可读取。"
        )
    missing = [u.name for u in campaign.units.values() if not campaign.tasks_of(u)]
    if missing:
        click.echo(f"以下单位本期没有牵头任务，未生成填报表：{'、'.join(missing)}")
    closed = [u.name for u in campaign.lead_units() if campaign.all_closed(u)]
    if closed:
        click.echo(
            f"以下单位牵头的任务均已同意销号，本期无需报送，未生成填报表：{'、'.join(closed)}"
        )
    dropped = [
        i
        for i in campaign.issues
        if i.code in (Code.TASK_DROPPED, Code.INDICATOR_DROPPED)
    ]
    if dropped:
        click.echo(
            f"有 {len(dropped)} 项因任务总表中的错误未下发："
            + "、".join(i.value for i in dropped)
            + "（见上面的错误，改正后重新运行 siyi issue）"
        )
    click.echo(
        f"请将填报表发给各单位；收回的文件放入 {returned_dir(folder, campaign.settings.period)} 后运行  siyi run {folder}"
    )
    ballots, public = api.evaluation_folders(folder)
    click.echo(
        f"年终考评用的 {len(result.evaluation_forms)} 份评分表（专班小组、战线领导）和群众测评导入模板在 {result.folder / api.EVALUATION_FORMS_DIR}；"
        f"收回的评分表放入 {ballots}，群众测评文件放入 {public}，然后运行  siyi score {folder}"
    )
    if Report.of(campaign.issues).errors:
        sys.exit(1)


def _print_master_problems(campaign) -> None:  # noqa: ANN001
    if campaign.issues:
        report = Report.of(campaign.issues)
        click.echo(
            f"任务总表有 {report.errors} 处错误、{report.warnings} 处提醒：",
            err=True,
        )
        for item in campaign.issues[:20]:
            click.echo(f"  [{item.severity}] {item.text()}", err=True)
        if len(campaign.issues) > 20:
            click.echo(
                f"  …… 其余见 output/{campaign.settings.period}/校验报告.xlsx", err=True
            )


@main.command(name="run", context_settings=CONTEXT)
@campaign_argument
@click.option("--quiet", "-q", is_flag=True, help="不逐条列出问题。")
@json_option
def run_cmd(folder: Path, quiet: bool, as_json: bool) -> None:
    """读取 returned/<期次>/（及 returned/ 中直接放着的）全部回收文件，校验、汇总，写出 output/<期次>/ 下的汇总台账、校验报告和退回件。"""
    from siyi_xlsx import api
    from siyi_xlsx.jsonreport import result_json
    from siyi_xlsx.write.return_copy import RETURN_DIR

    _check_returned(folder)
    with _progress("读取任务总表", hidden=as_json or quiet):
        result = api.run(folder, on_note=_note)
    if as_json:
        _echo_json(result_json(result))
        sys.exit(result.exit_code)
    _period_line(result.campaign.settings)
    click.echo(
        f"读取 {len(result.submissions)} 个文件。报送情况：{_status_line(result.returns)}"
    )
    click.echo(
        "任务状态："
        + (
            "，".join(f"{k} {v} 项" for k, v in result.task_status.items())
            or "任务总表中还没有重点任务"
        )
    )
    click.echo(f"发现错误 {result.errors} 处、提醒 {result.warnings} 处。")
    if not quiet:
        for item in result.report.error_issues[:30]:
            click.echo(f"  [错误] {item.text()}")
        if result.errors > 30:
            click.echo(f"  …… 共 {result.errors} 处错误，全部见校验报告。")
    click.echo("结果文件：")
    for path in result.outputs:
        click.echo(f"  {path}")
    if result.return_copies:
        click.echo(
            f"  {output_dir(folder, result.campaign.settings.period) / RETURN_DIR}（{len(result.return_copies)} 个退回件，发回各单位修改）"
        )
    sys.exit(result.exit_code)


@main.command(context_settings=CONTEXT)
@campaign_argument
@json_option
def status(folder: Path, as_json: bool) -> None:
    """各单位本期报送情况：按时报送 / 逾期报送 / 被退回 / 未报送（不写结果文件）。"""
    from siyi_xlsx import api
    from siyi_xlsx.jsonreport import result_json

    _check_returned(folder)
    with _progress("读取任务总表和上次运行的结果", hidden=as_json):
        result = api.status(folder, on_note=_note)
    if as_json:
        _echo_json(result_json(result))
        return
    s = result.campaign.settings
    deadline = s.return_deadline.isoformat() if s.return_deadline else "未设置"
    click.echo(
        f"{s.year}年 {s.period} 报送情况（报送截止 {deadline}，时间为北京时间）：{_status_line(result.returns)}"
    )
    rows = []
    for row in result.returns:
        if row["status"] == ReturnStatus.NOT_DUE:
            continue
        file = f"{row['file']}（{row['saved_at']}）" if row["file"] else ""
        errors = f"错误 {row['errors']} 处" if row["file"] and row["errors"] else ""
        others = f"未采用：{row['others']}" if row["others"] else ""
        rows.append([row["code"], row["name"], row["status"], errors, file, others])
    for line in _table(rows):
        click.echo(line)


@main.command(context_settings=CONTEXT)
@campaign_argument
def remind(folder: Path) -> None:
    """生成催报通知（output/<期次>/催报通知.xlsx 和 .txt）：列出未报送和被退回的单位及各自要做什么。"""
    from siyi_xlsx import api

    _check_returned(folder)
    with _progress("读取任务总表和上次运行的结果"):
        result = api.remind(folder, on_note=_note)
    _period_line(result.analysis.campaign.settings)
    if not result.pending:
        click.echo("所有单位均已报送且无错误，无需催报。")
    else:
        click.echo(
            f"需催报 {len(result.pending)} 个单位："
            + "、".join(r["name"] for r in result.pending)
        )
    for path in result.outputs:
        click.echo(f"  {path}")


@main.command(context_settings=CONTEXT)
@click.argument(
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="文件",
)
@click.option(
    "--campaign",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="工作目录",
    help="工作目录（默认：文件所在的工作目录，或当前目录）。",
)
@json_option
def check(file: Path, folder: Path | None, as_json: bool) -> None:
    """校验单个回收文件并列出问题（有错误时同时写出它的退回件）。可以采用退出码 0；有错误或不能作为本期报送（如其他期次的表）为 1。"""
    from siyi_xlsx import api
    from siyi_xlsx.jsonreport import submission_json

    folder = folder or _campaign_of(file)
    try:
        result = api.check(file, folder)
    except OSError as exc:
        raise click.ClickException(
            f"无法写出退回件（{explain(exc, '写入')}）：请检查 {folder / OUTPUT_DIR} 是否可写。"
        ) from exc
    sub = result.submission
    if as_json:
        data = submission_json(sub)
        data["needs_correction"] = bool(sub.error_count)
        data["usable"] = sub.status == FileStatus.ACCEPTED
        data["return_copy"] = str(result.return_copy or "")
        _echo_json(data)
        sys.exit(1 if sub.error_count or sub.status != FileStatus.ACCEPTED else 0)
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
    usable = sub.status == FileStatus.ACCEPTED
    if result.return_copy:
        click.echo(f"退回件：{result.return_copy}")
    elif not usable:
        # another period's workbook has no error of its own, but is not this period's
        click.echo("该文件不能作为本期报送采用。")
    elif not sub.issues:
        click.echo("可以采用。")
    sys.exit(1 if errors or not usable else 0)


def _trimmed(folder: Path) -> Path:
    """The folder name as meant: spaces typed or pasted around it (full-width ones too)
    are not part of it ("2022郊区 " is 2022郊区)."""
    text = str(folder).strip()  # str.strip removes U+3000 too
    return Path(text) if text else folder


def _campaign_of(file: Path) -> Path:
    """The campaign folder a file sits in (…/returned/x.xlsx), else the current folder."""
    from siyi_xlsx.read.master import MASTER_FILE

    for parent in file.resolve().parents:
        if (parent / MASTER_FILE).is_file():
            return parent
    return Path(".")  # the message then says to give --campaign


@main.command(name="score", context_settings=CONTEXT)
@campaign_argument
@json_option
def score_cmd(folder: Path, as_json: bool) -> None:
    """年终考评：汇总部门自评、专班小组评价（evaluations/）、群众测评（public/）、战线领导评价和加减分，写出 output/<期次>/考评结果.xlsx。"""
    from siyi_xlsx import api
    from siyi_xlsx.compute.scoring import GRADES
    from siyi_xlsx.jsonreport import score_json

    with _progress("读取任务总表和上次运行的结果", hidden=as_json):
        result = api.score(folder, on_note=_note)
    if as_json:
        _echo_json(score_json(result))
        sys.exit(1 if result.errors else 0)
    _period_line(result.campaign.settings)
    grades: dict[str, int] = {}
    for u in result.units:
        grades[u.grade] = grades.get(u.grade, 0) + 1
    click.echo(
        f"考评 {len(result.units)} 个牵头单位："
        + "，".join(f"{g} {grades[g]} 个" for g in GRADES if g in grades)
    )
    if result.interim:
        period = result.campaign.settings.period
        click.echo(
            f"注意：本期 {period} 不是本年度最后一期，这是阶段性结果（公示表已标注“阶段性结果”）。"
        )
    for group in sorted({u.group for u in result.units if u.ranked}):
        ranked = [u for u in result.units if u.group == group and u.ranked]
        top = sorted(ranked, key=lambda u: (u.rank, u.code))[:3]
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
    """督导检查专报：对每个牵头单位做五项检查（体系建设、目标量化、过程管理、工作成效、问题整改），写出 output/<期次>/督导检查专报.xlsx。"""
    from siyi_xlsx import api

    with _progress("读取任务总表和上次运行的结果"):
        result = api.report(folder, on_note=_note)
    lights = result.lights
    click.echo(
        f"期次 {result.path.parent.name}：五项检查 {len(result.units)} 个牵头单位：红灯 {lights['红']} 个、黄灯 {lights['黄']} 个、绿灯 {lights['绿']} 个。"
    )
    click.echo(f"结果文件：\n  {result.path}")


@main.command(name="dashboard", context_settings=CONTEXT)
@campaign_argument
def dashboard_cmd(folder: Path) -> None:
    """领导看板：把本期的主要数字、图表、最紧急的事项、未报送单位和近期到期节点写成一个网页 output/<期次>/发布/领导看板.html（不联网，手机和电脑都能看，可打印；数字与领导汇总.xlsx 相同）。"""
    from siyi_xlsx import api

    with _progress("读取任务总表和上次运行的结果"):
        result = api.dashboard(folder, on_note=_note)
    _period_line(result.analysis.campaign.settings)
    click.echo(f"已写出领导看板（用浏览器打开，不需要联网）：\n  {result.path}")


@main.command(name="bulletin", context_settings=CONTEXT)
@campaign_argument
@click.option(
    "--period",
    required=True,
    metavar="期次",
    help="期次：2022Q3（季度通报）、2022H1（半年通报）或 2022（年度晒单）。",
)
def bulletin_cmd(folder: Path, period: str) -> None:
    """通报：按进度给各单位排名，与上期比较，按任务总表“通报规则”列出表扬、批评和诫勉谈话建议；年度通报另附每个单位的晒单。"""
    from siyi_xlsx import api

    with _progress("读取任务总表和上次运行的结果"):
        result = api.bulletin(folder, period, on_note=_note)
    praise, blame = result.units_with("表扬"), result.units_with("批评")
    table = result.table
    ranked = int(table["rank"].notna().sum()) if "rank" in table else 0
    unranked = len(table) - ranked
    click.echo(
        f"{period} 通报：{ranked} 个单位排名"
        + (f"（另有 {unranked} 个单位没有已报送的任务，不排名）" if unranked else "")
        + f"；表扬 {len(praise)} 个，批评 {len(blame)} 个。"
    )
    if blame:
        click.echo("  批评：" + "、".join(blame))
    click.echo(f"结果文件：\n  {result.path}")


@main.command(name="publish", context_settings=CONTEXT)
@campaign_argument
def publish_cmd(folder: Path) -> None:
    """发布：把本期的领导汇总、督导检查专报、催报通知和通报转成 PDF，生成考评结果公示和通报的公开版（xlsx 和 PDF）和领导看板网页，写到 output/<期次>/发布/。"""
    from siyi_xlsx import api

    with _progress("读取任务总表"):
        result = api.publish(folder, on_note=_note)
    click.echo(f"期次 {result.period}（数据截止 {result.as_of.isoformat()}）")
    click.echo(f"发布文件夹：{result.folder}")
    if result.pdfs:
        click.echo("PDF：")
        for path in result.pdfs:
            click.echo(f"  {path.name}")
    if result.public:
        click.echo(
            "公开版（只含单位名称、排名、等次或亮灯、表扬和批评，可在门户网站公开）："
        )
        for path in result.public:
            click.echo(f"  {path.name}")
    if result.page:
        click.echo(
            f"领导看板（一个网页，离线可看，可转发到手机）：\n  {result.page.name}"
        )
    for note in result.notes:
        click.echo(f"未生成：{note}")
    sys.exit(0 if result.complete else 1)


def _folder_and_period(first: str, second: str | None) -> tuple[Path, str]:
    """``siyi period [工作目录] 期次``: the period is the argument that names one."""
    if second is None:
        return Path("."), first
    if Period.typed(first) and not Period.typed(second):
        return Path(second), first  # siyi period 2022Q4 工作目录
    return Path(first), second


@main.command(name="period", context_settings=CONTEXT)
@click.argument("first", metavar="[工作目录] 期次")
@click.argument("second", required=False, metavar=" ")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="日期",
    help="新一期的数据截止日期（默认：该期最后一天），如 2022-12-31。",
)
@click.option(
    "--deadline",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="日期",
    help="新一期的报送截止日期（默认：数据截止日期后 10 天）。",
)
@click.option("--force", is_flag=True, help="当前期次还没有运行过 siyi run 时也切换。")
def period_cmd(first: str, second: str | None, as_of, deadline, force: bool) -> None:  # noqa: ANN001
    """换到下一期：存档本期任务总表，整理回收文件，修改任务总表“设置”中的期次和日期。

    \b
    例：siyi period 2022重点工作 2022Q4
        siyi period 2022Q4            （在工作目录中运行时）
    """
    from siyi_xlsx import api

    folder, name = _folder_and_period(first, second)
    result = api.open_period(
        folder,
        name,
        as_of.date() if as_of else None,
        deadline.date() if deadline else None,
        force,
        on_note=_note,
    )
    click.echo(f"已从 {result.previous} 换到 {result.period}：")
    click.echo(
        f"  任务总表“设置”：当前期次 {result.period}，数据截止日期 {result.as_of}，报送截止日期 {result.return_deadline}（请核对，需要时在 Excel 中修改）"
    )
    click.echo(f"  上期任务总表已存档：{result.archived_master}")
    for line in result.moved:
        click.echo(f"  已移动：{line}")
    click.echo("  新一期的文件夹：" + "、".join(str(p) for p in result.folders[:3]))
    click.echo(
        f"下一步：核对任务总表（新增或调整的任务、节点）后运行  siyi issue {folder}，把新一期的填报表发给各单位。"
    )


@main.command(context_settings=CONTEXT)
def docs() -> None:
    """打印格式说明：各工作表的列、填写要求和全部问题代码（Markdown）。"""
    from siyi_xlsx import api

    click.echo(api.docs(), nl=False)


if __name__ == "__main__":
    main()
