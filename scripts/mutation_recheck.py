"""Run each survivor of a fork-server mutation run again with the config's own test
command, in a fresh process, and mark it killed if that fails (scripts/mutation).

    python scripts/mutation_recheck.py CONFIG SESSION
"""

from __future__ import annotations

import shlex
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path


def main(config: str, session: str) -> None:
    settings = tomllib.loads(Path(config).read_text())["cosmic-ray"]
    command = shlex.split(settings["test-command"])
    db = sqlite3.connect(session)
    survivors = db.execute(
        "SELECT r.job_id, s.module_path, s.operator_name, s.occurrence"
        " FROM work_results r JOIN mutation_specs s USING (job_id)"
        " WHERE r.test_outcome = 'SURVIVED'"
    ).fetchall()
    for job_id, path, operator, occurrence in survivors:
        source = Path(path).read_bytes()
        try:
            subprocess.run(["cosmic-ray", "apply", path, operator, str(occurrence)], check=True)
            try:
                result = subprocess.run(
                    command, capture_output=True, text=True, timeout=settings["timeout"]
                )
                killed, output = result.returncode != 0, result.stdout[-4000:]
            except subprocess.TimeoutExpired:
                killed, output = True, "timeout"
        finally:
            Path(path).write_bytes(source)
        print(f"   recheck {path} {operator} #{occurrence}: {'killed' if killed else 'survived'}")
        if killed:
            db.execute(
                "UPDATE work_results SET test_outcome = 'KILLED', output = ? WHERE job_id = ?",
                ("killed on recheck with the config's own command:\n" + output, job_id),
            )
            db.commit()


if __name__ == "__main__":
    main(*sys.argv[1:])
