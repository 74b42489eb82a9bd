"""Convert other spreadsheet formats (.xls, .ods, .et) to .xlsx with LibreOffice, if present.

Units on WPS or LibreOffice sometimes save in their own or the old Excel format. When
``soffice`` is on the machine, siyi converts a copy (the returned file is never touched)
and reads that, with a reminder; without it, such files are rejected with a clear message.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

CONVERTIBLE = (".xls", ".ods", ".et", ".ett", ".xlsb", ".fods")
TIMEOUT_SECONDS = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@cache
def _workdir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="siyi-convert-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def prepare_conversion() -> None:
    """Make the conversion folder in the batch's own process, before worker processes
    fork: it is removed when the batch ends, after the converted copies are read."""
    _workdir()


def to_xlsx(path: Path) -> Path | None:
    """A converted .xlsx copy of ``path``, or None when it cannot be converted."""
    binary = soffice()
    if binary is None:
        return None
    work = _workdir()
    out = Path(tempfile.mkdtemp(dir=work))
    source = out / f"source{path.suffix.lower()}"
    try:
        # a copy: LibreOffice never opens the returned file itself
        shutil.copyfile(path, source)
        subprocess.run(
            [
                binary,
                # one profile per process: two LibreOffice instances never share one
                f"-env:UserInstallation=file://{work / f'profile-{os.getpid()}'}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    result = out / "source.xlsx"
    return result if result.is_file() and result.stat().st_size > 0 else None
