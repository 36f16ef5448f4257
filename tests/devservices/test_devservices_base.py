"""Process plumbing: readiness errors show the log tail, and stop kills the whole group."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devservices._base import ManagedProcess, ServiceStartError, free_ports, link_tree


def test_early_exit_is_reported_with_the_log_tail(tmp_path: Path) -> None:
    proc = ManagedProcess(
        "broken",
        ["sh", "-c", "echo 'FATAL: bad config'; exit 3"],
        log_path=tmp_path / "log",
        cwd=tmp_path,
    )
    proc.start()
    with pytest.raises(ServiceStartError, match=r"exited with code 3(.|\n)*FATAL: bad config"):
        proc.wait_ready(lambda: False, timeout=10, what="ready")
    proc.stop()


def test_timeout_is_reported_and_stop_kills_grandchildren(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    proc = ManagedProcess(
        "slow",
        ["sh", "-c", f"sleep 300 & echo $! > {pidfile}; echo still starting; wait"],
        log_path=tmp_path / "log",
        cwd=tmp_path,
    )
    proc.start()
    with pytest.raises(ServiceStartError, match=r"not ready within(.|\n)*still starting"):
        proc.wait_ready(lambda: False, timeout=0.5, what="ready")
    grandchild = int(pidfile.read_text())
    proc.stop()
    time.sleep(0.2)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    """True for a running process; a zombie (killed, not yet reaped by init) is dead."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_free_ports_are_distinct() -> None:
    ports = free_ports(6)
    assert len(set(ports)) == 6


def test_link_tree_mirrors_files_and_modes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "run").write_text("#!/bin/sh\n")
    (src / "bin" / "run").chmod(0o755)
    (src / "bin" / "link").symlink_to("run")
    link_tree(src, tmp_path / "dst")
    assert (tmp_path / "dst" / "bin" / "run").read_text() == "#!/bin/sh\n"
    assert os.access(tmp_path / "dst" / "bin" / "run", os.X_OK)
    assert os.readlink(tmp_path / "dst" / "bin" / "link") == "run"
