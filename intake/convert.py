"""Converting a handed-in file to PDF/A-2: LibreOffice headless for office files,
OCRmyPDF for PDFs (a scanned page gets a Vietnamese text layer).

LibreOffice runs with a fresh profile per run (one soffice cannot serve two
conversions, and a profile left by a crashed run breaks the next one), macros
disabled in that profile, a timeout that kills its whole process group, and one
conversion at a time per process (a lock): the worker runs one task at a time
anyway, the lock keeps a command and a task of the same process apart.

Nothing here touches the database: `intake.services.convert` stores the result.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from intake import pdftools
from intake.models import FileKind

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 120
OCR_LANGUAGES = "vie+eng"
_LOCK = threading.Lock()
_WRITER = {FileKind.DOCX, FileKind.DOC, FileKind.ODT}
_CALC = {FileKind.XLSX, FileKind.XLS, FileKind.ODS}
# LibreOffice 7.4 takes the PDF filter's options as JSON after the filter name.
_PDFA2 = (
    '{"SelectPdfVersion":{"type":"long","value":"2"},'
    '"UseTaggedPDF":{"type":"boolean","value":"true"}}'
)
# Macro security "very high" and execution off, in the profile each run makes: a
# file that slipped past the sniffer still runs nothing.
_NO_MACROS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">
<prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class ConversionFailed(Exception):
    """`message` for the teacher (Vietnamese), `reason` for the log."""

    def __init__(self, message: str, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Converted:
    pdf: bytes
    ocr_applied: bool


def missing_tools(kinds: set[str] | None = None) -> list[str]:
    """The programs this machine lacks for converting these kinds (all when None)."""
    kinds = kinds if kinds is not None else set(FileKind.values)
    needed = {"pdftotext", "pdftoppm"}
    if kinds - {FileKind.PDF}:
        needed.add("soffice")
    if FileKind.PDF in kinds or FileKind.BUNDLE in kinds:
        needed.add("ocrmypdf")
    return sorted(tool for tool in needed if shutil.which(tool) is None)


def to_pdfa(data: bytes, *, kind: str, name: str) -> Converted:
    """The file as PDF/A-2, or ConversionFailed. The caller has sniffed `data`."""
    with _LOCK, tempfile.TemporaryDirectory(prefix="hoso-intake-") as tmp:
        work = Path(tmp)
        source = work / f"nguon.{kind}"
        source.write_bytes(data)
        if kind == FileKind.PDF:
            converted = _ocr(source, work, name)
        else:
            converted = Converted(_office_to_pdf(source, work, kind, name), ocr_applied=False)
    if not pdftools.declared_pdfa(converted.pdf).startswith("PDF/A-2"):
        raise ConversionFailed(
            _("Tệp «%(name)s» đã chuyển nhưng bản PDF không đạt chuẩn lưu trữ PDF/A.")
            % {"name": name},
            "result does not declare PDF/A-2",
        )
    return converted


def _office_to_pdf(source: Path, work: Path, kind: str, name: str) -> bytes:
    profile = work / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_NO_MACROS, encoding="utf-8")
    flt = "writer_pdf_Export" if kind in _WRITER else "calc_pdf_Export"
    out = work / "out"
    command = [
        "soffice",
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--convert-to",
        f"pdf:{flt}:{_PDFA2}",
        "--outdir",
        str(out),
        str(source),
    ]
    _run(command, name=name, env={"HOME": str(work)})
    result = out / (source.stem + ".pdf")
    if not result.exists() or result.stat().st_size == 0:
        raise ConversionFailed(cannot_convert(name), "soffice wrote no PDF")
    return result.read_bytes()


def _ocr(source: Path, work: Path, name: str) -> Converted:
    """OCRmyPDF: pages with text are kept, pages without get a Vietnamese text layer;
    the output is PDF/A-2 either way. The sidecar says which pages were read."""
    output, sidecar = work / "ocr.pdf", work / "ocr.txt"
    command = [
        "ocrmypdf",
        "-l",
        OCR_LANGUAGES,
        "--skip-text",
        "--output-type",
        "pdfa-2",
        "--jobs",
        "1",
        "--sidecar",
        str(sidecar),
        "--quiet",
        str(source),
        str(output),
    ]
    # One tesseract thread: the worker converts one file at a time on a shared host,
    # and OpenMP threads made the same scan read differently from run to run.
    env = {"HOME": str(work), "TMPDIR": str(work), "OMP_THREAD_LIMIT": "1"}
    _run(command, name=name, env=env)
    if not output.exists():
        raise ConversionFailed(cannot_convert(name), "ocrmypdf wrote no PDF")
    read = sidecar.read_text(encoding="utf-8", errors="replace") if sidecar.exists() else ""
    return Converted(output.read_bytes(), ocr_applied=_ocr_ran(read))


def _ocr_ran(sidecar: str) -> bool:
    """OCRmyPDF writes "[OCR skipped on page(s) …]" for each page it left alone."""
    lines = [line for line in sidecar.splitlines() if line.strip()]
    return any(not line.startswith("[OCR skipped") for line in lines)


def _run(command: list[str], *, name: str, env: dict[str, str]) -> None:
    """Runs a converter in its own process group: on timeout the whole group is killed
    (soffice forks oosplash and soffice.bin; OCRmyPDF runs tesseract and Ghostscript)."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        start_new_session=True,
    )
    try:
        _stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise ConversionFailed(
            _("Tệp «%(name)s» chuyển đổi quá lâu (hơn %(seconds)d giây) nên đã dừng.")
            % {"name": name, "seconds": TIMEOUT_SECONDS},
            f"{command[0]} timed out",
        ) from None
    finally:
        _kill_group(process)  # anything the converter left running
    if process.returncode != 0:
        tail = stderr.decode("utf-8", "replace")[-500:]
        raise ConversionFailed(
            cannot_convert(name), f"{command[0]} exit {process.returncode}: {tail}"
        )


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    process.wait()


def cannot_convert(name: str) -> str:
    return _(
        "Không chuyển được tệp «%(name)s» sang PDF. Hãy mở tệp, lưu lại (hoặc in ra PDF) "
        "rồi nộp lại."
    ) % {"name": name}
