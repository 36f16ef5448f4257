"""The agent as a real process (its console script) on a SoftHSM2 token holding a
personal certificate; the PIN comes from a `command:` helper that counts its prompts."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .client import ORIGIN, call
from .pki import PASSPHRASE, Personal, personal_certificate

TOKEN = "GV-Lan-agent"
PIN = "246810"
SO_PIN = "13579135"
SCRIPT = Path(sys.executable).parent / "hoso-sign-agent"

PROMPT_HELPER = """\
import pathlib, sys
here = pathlib.Path(sys.argv[1])
with open(here / "prompts.log", "a", encoding="utf-8") as log:
    log.write(sys.argv[2] + "\\n")
sys.stdout.write((here / "pin").read_text(encoding="utf-8"))
"""


@dataclass
class AgentProcess:
    port: int
    page_port: int  # a second allowed origin, http://localhost:<page_port>, for the browser test
    personal: Personal
    cka_id: bytes
    workdir: Path
    process: subprocess.Popen

    def call(self, method: str, path: str, body=None, **options):
        return call(self.port, method, path, body, **options)

    def prompts(self) -> list[str]:
        log = self.workdir / "prompts.log"
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    def set_pin(self, pin: str) -> None:
        (self.workdir / "pin").write_text(pin + "\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def personal_token(softhsm, tmp_path_factory) -> tuple[Personal, bytes]:
    personal = personal_certificate(tmp_path_factory.mktemp("pki"))
    softhsm.init_token(TOKEN, pin=PIN, so_pin=SO_PIN)
    cka_id = softhsm.import_pkcs12(
        TOKEN, pin=PIN, pkcs12=personal.pkcs12, passphrase=PASSPHRASE, label="lan"
    )
    return personal, cka_id


@pytest.fixture(scope="session")
def agent_process(softhsm, personal_token, tmp_path_factory):
    assert SCRIPT.exists(), "console script missing: pip install -e . (pyproject [project.scripts])"
    personal, cka_id = personal_token
    workdir = tmp_path_factory.mktemp("agent")
    (workdir / "prompt.py").write_text(PROMPT_HELPER, encoding="utf-8")
    helper = shlex.join([sys.executable, str(workdir / "prompt.py"), str(workdir)])
    port, page_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "--module",
            softhsm.module,
            "--token-label",
            TOKEN,
            "--origin",
            ORIGIN,
            "--origin",
            f"http://localhost:{page_port}",
            "--port",
            str(port),
            "--pin-prompt",
            f"command:{helper}",
        ],
        env={**os.environ, **softhsm.env},
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "agent.log", "wb"),  # noqa: SIM115 (the process keeps it)
    )
    running = AgentProcess(port, page_port, personal, cka_id, workdir, process)
    running.set_pin(PIN)
    deadline = time.monotonic() + 20
    while True:
        try:
            if running.call("GET", "/v1/status", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("agent did not start: " + (workdir / "agent.log").read_text())
        time.sleep(0.1)
    yield running
    process.terminate()
    process.wait(10)


@pytest.fixture
def live_agent(agent_process):
    """The running agent, its prompt log emptied and the right PIN set."""
    (agent_process.workdir / "prompts.log").unlink(missing_ok=True)
    agent_process.set_pin(PIN)
    return agent_process
