"""One-shot `cmaa` commands as real processes, the way an operator runs them, with a bound
on their time (services: tests/faults/support.py)."""

import os
import subprocess
import sys

COMMAND_SECONDS = 180.0


def run_cmaa(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one `cmaa` command to its end; fail the test, with its output, if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"cmaa {' '.join(arguments[:2])} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done
