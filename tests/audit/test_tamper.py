"""`cmaa audit verify` finds every way of tampering with a log once the guard is taken away
(which only the database's owner can do), and names the first bad entry."""

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from store.database import create_engine
from store.models.domain import Administration
from tests.audit.conftest import (
    US,
    UZ,
    append_entries,
    cmaa,
    copy_of,
    execute,
    guard_off,
    prepare_log_store,
    rewrite_from,
)
from tests.support.databases import fresh_database

CHECKPOINTED = 12
ENTRIES = 15


@pytest.fixture(scope="module")
async def log_template(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """US's store: 12 entries under a signed checkpoint, then 3 more; guard still on."""
    directory = tmp_path_factory.mktemp(f"tamper-{database_kind}")
    async with fresh_database(database_kind, directory) as url:
        await prepare_log_store(url, US, CHECKPOINTED)
        signed = await cmaa("audit", "checkpoint", "--administration", "US", "--database-url", url)
        assert signed.status == 0, signed.err
        claims = orjson.loads(signed.out)
        assert (claims["log"], claims["size"]) == ("US", CHECKPOINTED)
        engine = create_engine(url)
        try:
            await append_entries(engine, range(CHECKPOINTED + 1, ENTRIES + 1))
        finally:
            await engine.dispose()
        yield url


@pytest.fixture
async def log_url(log_template: str, tmp_path: Path) -> AsyncIterator[str]:
    async with copy_of(log_template, tmp_path) as url:
        yield url


async def verify(url: str, *more: str) -> tuple[int, str]:
    result = await cmaa("audit", "verify", "--database-url", url, *more)
    return result.status, result.out + result.err


async def test_an_untouched_log_verifies(log_url: str) -> None:
    status, said = await verify(log_url, "--administration", "US")
    assert status == 0, said
    assert f"US: log verified: {ENTRIES} entries" in said
    assert "1 checkpoint(s) match" in said


async def test_a_changed_field_is_found(database_kind: str, log_url: str) -> None:
    await execute(
        log_url,
        *guard_off(database_kind),
        "UPDATE audit_events SET subject = 'someone else' WHERE seq = 5",
    )
    status, said = await verify(log_url)
    assert status == 1
    assert "US: entry 5: its content was changed" in said


async def test_a_deleted_entry_is_found(database_kind: str, log_url: str) -> None:
    await execute(log_url, *guard_off(database_kind), "DELETE FROM audit_events WHERE seq = 6")
    status, said = await verify(log_url)
    assert status == 1
    assert "US: entry 6: entry 6 is missing (deleted)" in said


async def test_a_truncated_tail_is_found_by_the_checkpoint(
    database_kind: str, log_url: str
) -> None:
    # The tail goes, and the head is moved back to match: only the checkpoint remembers.
    await execute(
        log_url,
        *guard_off(database_kind),
        "DELETE FROM audit_events WHERE seq > 10",
        "UPDATE audit_head SET seq = 10, "
        "entry_hash = (SELECT entry_hash FROM audit_events WHERE seq = 10)",
    )
    status, said = await verify(log_url)
    assert status == 1
    assert "US: entry 11: checkpoint 1" in said
    assert f"covers {CHECKPOINTED} entries but the log ends at 10" in said


async def test_a_truncated_tail_is_found_by_the_head(database_kind: str, log_url: str) -> None:
    await execute(log_url, *guard_off(database_kind), "DELETE FROM audit_events WHERE seq > 13")
    status, said = await verify(log_url)
    assert status == 1
    assert f"US: entry 14: entries 14 to {ENTRIES} are missing" in said


async def test_swapped_entries_are_found(database_kind: str, log_url: str) -> None:
    await execute(
        log_url,
        *guard_off(database_kind),
        "UPDATE audit_events SET seq = -8 WHERE seq = 8",
        "UPDATE audit_events SET seq = 8 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -8",
    )
    status, said = await verify(log_url)
    assert status == 1
    assert "US: entry 7: it does not follow entry 6" in said


async def test_a_rewritten_chain_is_found_by_the_checkpoint(
    database_kind: str, log_url: str
) -> None:
    await execute(log_url, *guard_off(database_kind))
    await rewrite_from(log_url, 4)
    status, said = await verify(log_url)
    assert status == 1
    # The checkpoint's tree root authenticates the entry hashes kept with it: the first that
    # the log no longer holds is the rewritten entry, not the checkpoint's last.
    assert "US: entry 4: checkpoint 1" in said
    assert "the log was rewritten from here" in said


async def test_a_rewrite_of_the_kept_hashes_too_is_still_found(
    database_kind: str, log_url: str
) -> None:
    await execute(
        log_url,
        *guard_off(database_kind),
        "UPDATE audit_tree_leaves SET entry_hash = "
        "(SELECT entry_hash FROM audit_events WHERE seq = 1) WHERE seq = 2",
    )
    await rewrite_from(log_url, 4)
    status, said = await verify(log_url)
    assert status == 1
    assert f"US: entry {CHECKPOINTED}: checkpoint 1" in said
    assert "kept in US's store, were changed too" in said


async def test_the_partners_cosignature_exposes_a_rewrite_the_owner_covered_up(
    database_kind: str, tmp_path: Path
) -> None:
    """US rewrites its log and removes its own checkpoints and their cosignatures: its store
    alone then looks sound, but UZ's witness of the checkpoint does not match any more."""
    async with (
        fresh_database(database_kind, tmp_path) as us_url,
        fresh_database(database_kind, tmp_path) as uz_url,
    ):
        await prepare_log_store(us_url, US, 10)
        await prepare_log_store(uz_url, UZ, 0)
        us, uz = ("--database-url", us_url), ("--database-url", uz_url)
        assert (await cmaa("audit", "checkpoint", "--administration", "US", *us)).status == 0
        cosigned = await cmaa(
            "audit", "cosign", "--administration", "UZ", *uz, "--from-database-url", us_url
        )
        assert cosigned.status == 0, cosigned.err
        assert orjson.loads(cosigned.out)["delivered"] is True
        status, said = await verify(us_url, "--partner-database-url", uz_url)
        assert status == 0, said
        assert "1 cosignature(s) by UZ match" in said
        # A second cosign of the same checkpoint changes nothing.
        again = await cmaa(
            "audit", "cosign", "--administration", "UZ", *uz, "--from-database-url", us_url
        )
        assert again.status == 0
        assert "cosigned already" in again.out

        await execute(us_url, *guard_off(database_kind))
        await rewrite_from(us_url, 3)
        await execute(
            us_url,
            "DELETE FROM audit_cosignatures",
            "DELETE FROM audit_checkpoints",
            "DELETE FROM audit_tree_leaves",
        )
        status, said = await verify(us_url)
        assert status == 0, said
        status, said = await verify(us_url, "--partner-database-url", uz_url)
        assert status == 1
        # UZ's witness copy of the entry hashes names the first rewritten entry.
        assert "US: entry 3: the cosignature by UZ" in said
        assert "kept in UZ's store" in said
        # UZ will not countersign a new checkpoint of the rewritten log either.
        assert (await cmaa("audit", "checkpoint", "--administration", "US", *us)).status == 0
        refused = await cmaa(
            "audit", "cosign", "--administration", "UZ", *uz, "--from-database-url", us_url
        )
        assert refused.status == 1
        assert "not cosigning US's log: entry 10" in refused.err


async def test_verify_checks_both_demo_stores(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    urls = {
        a: f"sqlite+aiosqlite:///{data_dir / f'{a.value.lower()}.sqlite3'}" for a in Administration
    }
    await prepare_log_store(urls[US], US, 5)
    await prepare_log_store(urls[UZ], UZ, 3)
    where = ("--data-dir", str(data_dir))
    assert (await cmaa("audit", "checkpoint", "--administration", "UZ", *where)).status == 0
    assert (await cmaa("audit", "cosign", "--administration", "US", *where)).status == 0
    result = await cmaa("audit", "verify", *where)
    assert result.status == 0, result.err
    assert "US: log verified: 5 entries" in result.out
    assert "UZ: log verified: 3 entries" in result.out
    assert "1 cosignature(s) by US match" in result.out
    engine = create_engine(urls[UZ])
    try:
        async with engine.begin() as connection:
            for statement in guard_off("sqlite"):
                await connection.execute(text(statement))
            await connection.execute(text("UPDATE audit_events SET rule = 'X' WHERE seq = 2"))
    finally:
        await engine.dispose()
    result = await cmaa("audit", "verify", *where)
    assert result.status == 1
    assert "US: log verified" in result.out
    assert "UZ: entry 2: its content was changed" in result.err
