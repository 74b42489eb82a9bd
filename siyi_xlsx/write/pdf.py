"""PDF copies of result workbooks, rendered by LibreOffice in headless mode.

The workbooks carry their own print setup (A4, fit to the page width, header rows
repeated, print areas), so LibreOffice prints them as they are. Each conversion runs
with a private LibreOffice profile (two instances never share one, as in
:mod:`siyi_xlsx.read.convert`); a profile that has started once is kept as a template in
the temporary folder and copied for the next conversions, which saves LibreOffice's
first start (about 5 seconds) on every later one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from siyi_xlsx.read.convert import soffice
from siyi_xlsx.write.xlsx import landing

TIMEOUT_SECONDS = 300
INSTALL_HINT = (
    "没有找到 LibreOffice（soffice 命令），没有生成 PDF 文件；其余文件已照常写出。"
    "生成 PDF 需要安装 LibreOffice：Debian/Ubuntu 上运行 "
    "sudo apt-get install libreoffice-calc-nogui；Windows 上从 "
    "https://zh-cn.libreoffice.org 下载 LibreOffice 安装程序安装。装好后重新运行 siyi publish。"
)


def available() -> bool:
    """Whether LibreOffice is on this machine."""
    return soffice() is not None


def _template() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"siyi-libreoffice-profile-{uid}"


def _profile(work: Path, name: str) -> Path:
    """A private profile folder for one LibreOffice instance: a copy of the template
    when there is one (a fresh profile otherwise)."""
    profile = work / name
    template = _template()
    if template.is_dir():
        with contextlib.suppress(OSError):
            shutil.copytree(template, profile, symlinks=True)
            return profile
        shutil.rmtree(profile, ignore_errors=True)
    return profile


def _keep_as_template(profile: Path) -> None:
    """Keep a profile LibreOffice has started with, for later conversions to copy
    (placed by a rename, so two processes never see half a template)."""
    template = _template()
    if template.is_dir() or not profile.is_dir():
        return
    staging = Path(tempfile.mkdtemp(prefix=template.name + "-", dir=template.parent))
    try:
        shutil.copytree(profile, staging / "p", symlinks=True)
        (staging / "p").rename(template)
    except OSError:
        pass  # another process placed it first, or the folder is not writable
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _convert(binary: str, sources: list[Path], out_dir: Path, profile: Path) -> None:
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf:calc_pdf_Export",
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ],
        check=False,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
    )


def to_pdf(jobs: list[tuple[Path, Path]], processes: int = 2) -> dict[Path, Path | None]:
    """Render each ``(workbook, pdf)`` pair (the PDFs' names all different): {workbook:
    the PDF written, or None when LibreOffice could not render it}. PDFs land in place
    only when complete (:class:`OutputBlockedError` when one cannot be written).

    The workbooks are shared among at most ``processes`` LibreOffice instances (each
    converts its share one after another). Raises :class:`FileNotFoundError` when
    LibreOffice is not installed."""
    binary = soffice()
    if binary is None:
        raise FileNotFoundError("soffice")
    results: dict[Path, Path | None] = {}
    if not jobs:
        return results
    work = Path(tempfile.mkdtemp(prefix="siyi-pdf-"))
    try:
        # each workbook under its PDF's name (unique among the jobs), so that
        # LibreOffice names the outputs for us
        count = max(1, min(processes, os.cpu_count() or 1, len(jobs)))
        # the largest workbooks first, each to the instance with the least to do
        load = [0] * count
        staged = []
        by_size = sorted(jobs, key=lambda job: -job[0].stat().st_size)
        for n, (source, target) in enumerate(by_size):
            folder = work / "in" / str(n)
            folder.mkdir(parents=True)
            copy = folder / f"{target.stem}{source.suffix}"
            shutil.copyfile(source, copy)
            k = load.index(min(load))
            load[k] += source.stat().st_size
            staged.append((source, target, copy, work / "out" / str(k)))

        def run(k: int) -> None:
            out = work / "out" / str(k)
            out.mkdir(parents=True)
            profile = _profile(work, f"profile-{k}")
            _convert(binary, [c for _, _, c, o in staged if o == out], out, profile)
            if any(out.glob("*.pdf")):  # a profile LibreOffice worked with
                _keep_as_template(profile)

        order = {source: n for n, (source, _) in enumerate(jobs)}
        with ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(run, range(count)))
        for source, target, copy, out in sorted(staged, key=lambda s: order[s[0]]):
            made = out / f"{copy.stem}.pdf"
            if made.is_file() and made.stat().st_size > 0:
                # a PDF open in a viewer, a full disk: said as for any result file
                with landing(target) as tmp:
                    shutil.copyfile(made, tmp)
                results[source] = target
            else:
                results[source] = None
    except (subprocess.SubprocessError, OSError):
        for source, _ in jobs:
            results.setdefault(source, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results
