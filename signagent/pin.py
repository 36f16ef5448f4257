"""Where the token PIN comes from: the agent's terminal, a helper program, or a file.

The PIN is asked once per batch, never stored between batches and never logged.
"""

from __future__ import annotations

import getpass
import logging
import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT = 300  # seconds a person may take to type the PIN in a helper's window


class PinCancelled(Exception):
    """The person closed the prompt or the helper failed: nothing is signed."""


PinSource = Callable[[str, int], str]  # (prompt text, item count) -> PIN


@dataclass(frozen=True)
class TtyPin:
    """getpass on the agent's own terminal."""

    def __call__(self, prompt: str, count: int) -> str:
        try:
            pin = getpass.getpass(prompt + ": ")
        except (EOFError, KeyboardInterrupt) as exc:
            raise PinCancelled from exc
        if not pin:
            raise PinCancelled
        return pin


@dataclass(frozen=True)
class CommandPin:
    """A helper that prints the PIN on its standard output (ssh-askpass, zenity --password).

    The prompt replaces ``{prompt}`` in the command, or is appended as the last argument
    (the ssh-askpass convention); it is also in HOSO_AGENT_PROMPT, the count in
    HOSO_AGENT_COUNT. A non-zero exit means the person cancelled.
    """

    command: str

    def argv(self, prompt: str) -> list[str]:
        parts = shlex.split(self.command, posix=os.name != "nt")
        if any("{prompt}" in part for part in parts):
            return [part.replace("{prompt}", prompt) for part in parts]
        return [*parts, prompt]

    def __call__(self, prompt: str, count: int) -> str:
        env = {**os.environ, "HOSO_AGENT_PROMPT": prompt, "HOSO_AGENT_COUNT": str(count)}
        try:
            done = subprocess.run(
                self.argv(prompt),
                capture_output=True,
                text=True,
                env=env,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            logger.warning("PIN helper %r failed: %s", self.command, exc.__class__.__name__)
            raise PinCancelled from exc
        pin = done.stdout.rstrip("\r\n")
        if done.returncode != 0 or not pin:
            logger.info("PIN helper exited with %s: treated as cancelled", done.returncode)
            raise PinCancelled
        return pin


@dataclass(frozen=True)
class FilePin:
    """The first line of a file. For tests and CI only: a PIN on disk is no PIN."""

    path: Path

    def __call__(self, prompt: str, count: int) -> str:
        try:
            pin = self.path.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise PinCancelled from exc
        if not pin:
            raise PinCancelled
        return pin


def parse_pin_prompt(spec: str) -> PinSource:
    """``tty``, ``command:CMD`` or ``file:PATH``; raises ValueError on anything else."""
    if spec == "tty":
        return TtyPin()
    kind, _, rest = spec.partition(":")
    if kind == "command" and rest.strip():
        return CommandPin(rest.strip())
    if kind == "file" and rest:
        logger.warning(
            "PIN read from the file %s: for tests and CI only, never on a signer's PC", rest
        )
        return FilePin(Path(rest))
    raise ValueError(f"--pin-prompt must be tty, command:CMD or file:PATH, not {spec!r}")
