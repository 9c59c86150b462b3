"""README's distributed set-up is copy-paste true: its shell block, run by bash as it stands,
with only what must differ on a shared machine changed (free ports instead of 8000 and 81xx/
82xx, throw-away databases, fewer synthetic cases), ends in a first query answered for each
administration with a token from that administration's own issuer.

On PostgreSQL when CMAA_TEST_POSTGRES_URL is set, as README shows it; on SQLite always.
"""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.databases import STORE_KINDS, throwaway_database
from tests.support.servers import free_port

README = Path(__file__).resolve().parents[2] / "README.md"
README_PORTS = ("8000", "8101", "8102", "8201", "8202")
README_DATABASES = {
    "US": "postgresql+asyncpg://postgres@127.0.0.1:5432/cmaa_us",
    "UZ": "postgresql+asyncpg://postgres@127.0.0.1:5432/cmaa_uz",
}
SCRIPT_SECONDS = 600


def readme_script() -> str:
    """The first indented block of README's section on the distributed set-up."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The distributed set-up") :]
    block: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line)
        elif block:
            break
    return textwrap.dedent("\n".join(block)).strip() + "\n"


def _stop_group(group: int) -> None:
    """Stop the script and the services it left running in the background (its own process
    group: a non-interactive shell's background jobs ignore SIGINT, not SIGTERM)."""
    for signal_number, patience in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, signal_number)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_readme_distributed_path_runs_as_written(kind: str, tmp_path: Path) -> None:
    script = readme_script()
    assert "cmaa issuer --administration US" in script and "first_query uz" in script
    with (
        throwaway_database(kind, tmp_path) as us_url,
        throwaway_database(kind, tmp_path) as uz_url,
    ):
        # Only what cannot be the same on a shared machine is changed.
        script = re.sub(r"^psql .*\n", "", script, flags=re.MULTILINE)
        script = script.replace(README_DATABASES["US"], us_url)
        script = script.replace(README_DATABASES["UZ"], uz_url)
        script = script.replace("--cases 100", "--cases 20")
        for port in README_PORTS:
            script = re.sub(rf"\b{port}\b", str(free_port()), script)
        (tmp_path / "readme.sh").write_text(script, encoding="utf-8")
        output = tmp_path / "output.txt"
        environment = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        with output.open("wb") as sink:
            process = subprocess.Popen(
                ["bash", "-e", "readme.sh"],
                cwd=tmp_path,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
            )
            try:
                process.wait(SCRIPT_SECONDS)
            except subprocess.TimeoutExpired:
                pass
            finally:
                _stop_group(process.pid)
        printed = output.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, printed[-4000:]
    answers = [json.loads(line) for line in printed.splitlines() if line.startswith('{"data"')]
    assert [answer["data"]["viewer"]["administration"] for answer in answers] == ["US", "UZ"]
    for answer in answers:
        assert "errors" not in answer, answer
        assert answer["data"]["cases"]["totalCount"] > 0
    assert (tmp_path / "cursor.secret").stat().st_mode & 0o077 == 0
