"""Bad command-line input: one line on stderr naming the argument, exit code 2, nothing made.

Each case is one an operator met as a traceback (or, worse, as a new empty store)."""

import asyncio
import contextlib
import io
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from gateway.cli import main
from tests.support.databases import postgres_base_url


def cmaa(*argv: str) -> tuple[int, str]:
    """Run `cmaa` in this process; its exit code and what it wrote to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, err.getvalue()


def one_line_naming(stderr: str, argument: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert f"argument {argument}:" in lines[0], lines[0]
    assert "Traceback" not in stderr
    return lines[0]


def everything_under(directory: Path) -> set[Path]:
    return set(directory.rglob("*"))


@pytest.mark.parametrize("command", ["seed", "migrate"])
def test_a_data_dir_naming_a_file(tmp_path: Path, command: str) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("mine", encoding="utf-8")
    code, stderr = cmaa(command, "--data-dir", str(file))
    assert code == 2
    assert f"{file} is not a directory" in one_line_naming(stderr, "--data-dir")
    assert everything_under(tmp_path) == {file}
    assert file.read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc")
def test_a_data_dir_that_cannot_be_made() -> None:
    code, stderr = cmaa("migrate", "--data-dir", "/proc/nope")
    assert code == 2
    line = one_line_naming(stderr, "--data-dir")
    assert "/proc/nope" in line and "No such file or directory" in line
    assert not Path("/proc/nope").exists()


async def _database_exists(base_url: str, name: str) -> bool:
    dsn = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname=$1", name))
    finally:
        await connection.close()


@pytest.mark.skipif(postgres_base_url() is None, reason="CMAA_TEST_POSTGRES_URL is not set")
@pytest.mark.parametrize("command", ["migrate", "seed"])
def test_a_postgresql_database_that_does_not_exist(command: str) -> None:
    base = str(postgres_base_url())
    name = f"cmaa_missing_{uuid.uuid4().hex[:10]}"
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    code, stderr = cmaa(command, "--administration", "US", "--database-url", url)
    assert code == 2
    line = one_line_naming(stderr, "--database-url")
    assert f'database "{name}" does not exist' in line
    assert not asyncio.run(_database_exists(base, name))


def test_a_demo_port_out_of_range_touches_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    # As a process, the way it was met: refused before any store is made or seeded.
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo", "--data-dir", str(data_dir), "--port", "-1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "'-1' is not a port number" in one_line_naming(done.stderr, "--port")
    assert done.stdout == ""
    assert not data_dir.exists()


def test_keys_rotate_refuses_a_missing_data_dir(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    code, stderr = cmaa("keys", "rotate", "--administration", "US", "--data-dir", str(missing))
    assert code == 2
    assert "does not exist" in one_line_naming(stderr, "--data-dir")
    assert not missing.exists()


def test_keys_rotate_refuses_a_data_dir_without_the_store(tmp_path: Path) -> None:
    code, stderr = cmaa("keys", "rotate", "--administration", "US", "--data-dir", str(tmp_path))
    assert code == 2
    assert "no US store" in one_line_naming(stderr, "--data-dir")
    assert everything_under(tmp_path) == set()


def test_audit_verify_says_the_file_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "us.sqlite3"
    code, stderr = cmaa("audit", "verify", "--database-url", f"sqlite+aiosqlite:///{missing}")
    assert code == 2
    line = one_line_naming(stderr, "--database-url")
    assert f"the file {missing} does not exist" in line
    assert "OperationalError" not in line
    assert everything_under(tmp_path) == set()


def test_demo_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--data-dir DATA_DIR directory for both SQLite stores" in text
    assert "--seed SEED random seed of the synthetic data set" in text
    assert "--cases CASES cases per administration" in text
