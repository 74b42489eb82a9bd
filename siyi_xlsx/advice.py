"""What to say when the folder given to a command is not a campaign folder: the nearest
campaign folder (the folder itself, up to three levels above it, or one just below it),
or, when there is none, how to create one somewhere sensible."""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path

from siyi_xlsx.errors import CampaignError
from siyi_xlsx.names import suggest

# the command being run (set by the CLI), so the advice repeats it: "siyi status 2022郊区"
COMMAND: ContextVar[str] = ContextVar("siyi_command", default="run")

PARENT_LEVELS = 3


def _shown(path: Path) -> str:
    """``path`` as the clerk would type it: relative to the current folder when inside
    it, quoted when it holds a space."""
    try:
        text = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        text = str(path)
    if text.split(os.sep).count("..") > 1:  # far away: the full path says more
        text = str(path)
    return f'"{text}"' if any(ch.isspace() for ch in text) else text


def nearest_campaign(folder: Path, marker: str) -> Path | None:
    """The campaign folder (one holding ``marker``, the master workbook) nearest to
    ``folder``: itself or a parent up to three levels up; else a folder just below it;
    else, when ``folder`` does not exist (a typo), a campaign folder beside it with a
    similar name."""
    here = folder.resolve()
    for candidate in [here, *here.parents[:PARENT_LEVELS]]:
        if (candidate / marker).is_file():
            return candidate
    below = _campaigns_in(here, marker)
    if below:
        return below[0]
    if not here.exists():
        beside = {c.name: c for c in _campaigns_in(here.parent, marker)}
        name = suggest(here.name, beside)
        return beside[name] if name else None
    return None


def _campaigns_in(folder: Path, marker: str) -> list[Path]:
    try:
        return sorted(c for c in folder.iterdir() if (c / marker).is_file())
    except OSError:
        return []


def _again(command: str, campaign: Path) -> str:
    """The command line to type again, on ``campaign``."""
    if command == "check":
        return f"siyi check 文件 --campaign {_shown(campaign)}"
    if command == "bulletin":
        return f"siyi bulletin {_shown(campaign)} --period 期次"
    return f"siyi {command} {_shown(campaign)}"


def not_a_campaign(folder: Path, marker: str) -> CampaignError:
    """The error for a command given ``folder``, which has no master workbook ``marker``:
    it names the nearest campaign folder, or says how to create one (never inside
    another campaign's folders)."""
    command = COMMAND.get()
    here = folder.resolve()
    found = nearest_campaign(folder, marker)
    if not here.exists():
        missing = f"找不到任务总表：文件夹 {_shown(folder)} 不存在。"
    else:
        shown = "当前文件夹" if here == Path.cwd().resolve() else f"{_shown(folder)} "
        missing = f"找不到任务总表：{shown}中没有{marker}，不是工作目录。"
    if found is not None and found in here.parents:
        inside = here.relative_to(found).parts[0]
        return CampaignError(
            f"{missing}它在工作目录 {_shown(found)} 的 {inside}/ 文件夹中，"
            f"是否要运行 {_again(command, found)}？"
        )
    if found is not None:
        return CampaignError(
            f"{missing}找到了工作目录 {_shown(found)}，是否要运行 {_again(command, found)}？"
        )
    new = folder if not here.exists() else folder / "新工作目录"
    return CampaignError(
        f"{missing}附近没有找到工作目录。如要新建，请运行 siyi init {_shown(new)}，"
        f"填写其中的{marker}后再运行 {_again(command, new)}。"
    )
