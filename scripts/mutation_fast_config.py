"""Write the fork-server variant of a cosmic-ray config (scripts/mutation, FAST=1) and
print, for the shell to eval, the server's environment and the modules it reloads.

    python scripts/mutation_fast_config.py CONFIG FAST_CONFIG
"""

from __future__ import annotations

import json
import shlex
import sys
import tomllib
from pathlib import Path


def split_command(command: str) -> tuple[list[str], list[str]]:
    """`[env K=V ...] python -m pytest ARGS` -> (["K=V", ...], ARGS)."""
    words = shlex.split(command)
    env: list[str] = []
    if words[0] == "env":
        words = words[1:]
        while "=" in words[0]:
            env.append(words.pop(0))
    if words[:3] != ["python", "-m", "pytest"]:
        raise SystemExit(f"not a `python -m pytest` command: {command}")
    return env, words[3:]


def main(config: str, fast: str) -> None:
    settings = tomllib.loads(Path(config).read_text())["cosmic-ray"]
    env, args = split_command(settings["test-command"])
    paths = settings["module-path"]
    paths = [paths] if isinstance(paths, str) else paths
    modules = [p.removesuffix(".py").replace("/", ".") for p in paths]
    command = shlex.join(["python", "-S", "scripts/mutation_client.py", *args])
    lines = [
        f"test-command = {json.dumps(command)}"  # a JSON string is a TOML basic string
        if line.startswith("test-command =")
        else line
        for line in Path(config).read_text().splitlines()
    ]
    Path(fast).write_text("\n".join(lines) + "\n")
    print(f"SERVER_ENV={shlex.quote(' '.join(env))}")
    print(f"SERVER_MODULES={shlex.quote(' '.join(modules))}")


if __name__ == "__main__":
    main(*sys.argv[1:])
