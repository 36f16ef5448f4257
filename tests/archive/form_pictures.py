"""`make forms`: with HOSO_FORMS_DIR set, the form tests also write the first page of
each form they render there as a PNG (docs/forms/), for a reviewer to compare with
the official form at a glance."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def keep_first_page(pdf: bytes, name: str, tmp_path: Path) -> None:
    target_dir = os.environ.get("HOSO_FORMS_DIR")
    if not target_dir:
        return
    Path(target_dir).mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / f"{name}-page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(path), prefix],
        check=True,
    )
    shutil.copyfile(f"{prefix}.png", Path(target_dir) / f"{name}.png")
