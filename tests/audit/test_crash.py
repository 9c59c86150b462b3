"""A process killed with SIGKILL in the middle of a mixed load of partner reads and mutations
leaves a log that verifies: every mutation that committed has its entry, and every partner
read that returned to its caller has its entry."""

import asyncio
import json
import signal
import sys
from pathlib import Path

from sqlalchemy import text

from store.agreement import load_agreement
from store.database import create_engine
from store.migrate import prepare_store
from store.seed import seed_store
from tests.audit.conftest import US, cmaa
from tests.support.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 400
# Operations to let finish before the kill: enough for the load to be in full swing.
BEFORE_KILL = 45


async def run_until_killed(url: str) -> list[str]:
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.audit.crash_worker",
        url,
        str(ROUNDS),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert worker.stdout is not None and worker.stderr is not None
    lines: list[str] = []
    try:
        while len(lines) < BEFORE_KILL:
            line = await asyncio.wait_for(worker.stdout.readline(), timeout=60)
            if not line:
                raise AssertionError((await worker.stderr.read()).decode())
            lines.append(line.decode().strip())
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    # A line cut short by the kill has no newline yet: it was not said.
    lines += (await worker.stdout.read()).decode().split("\n")[:-1]
    assert worker.returncode == -signal.SIGKILL, "the load finished before it was killed"
    return lines


async def test_a_killed_process_leaves_a_log_that_verifies(
    database_kind: str, tmp_path: Path
) -> None:
    async with fresh_database(database_kind, tmp_path) as url:
        await prepare_store(url, US)
        engine = create_engine(url)
        try:
            await seed_store(engine, US, load_agreement(), cases=4, seed=2)
        finally:
            await engine.dispose()

        said = [line.split() for line in await run_until_killed(url)]
        returned_reads = {words[1] for words in said if words[0] == "READ"}
        returned_writes = {words[1] for words in said if words[0] == "WROTE"}
        assert returned_reads and returned_writes

        verified = await cmaa("audit", "verify", "--database-url", url)
        assert verified.status == 0, verified.err

        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                events = [
                    (row.operation, row.subject, row.actor_administration, row.record_ids)
                    for row in await connection.execute(
                        text(
                            "SELECT operation, subject, actor_administration, record_ids "
                            "FROM audit_events"
                        )
                    )
                ]
                keys = (
                    await connection.execute(
                        text("SELECT key, operation, record_type, record_id FROM idempotency_keys")
                    )
                ).all()
        finally:
            await engine.dispose()
        audited_reads = {subject for operation, subject, actor, _ in events if actor == "UZ"}
        assert returned_reads <= audited_reads
        changes = {
            (operation, record)
            for operation, _, actor, records in events
            if actor == "US"
            for record in (records if isinstance(records, list) else json.loads(records))
        }
        for key, operation, record_type, record_id in keys:
            assert (operation, f"{record_type}:{record_id}") in changes, key
        committed = {key.rsplit(":", 1)[1] for key, *_ in keys}
        assert returned_writes <= committed
