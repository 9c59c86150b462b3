"""A mixed load on US's in-process source, to be killed with SIGKILL by test_crash.

    python -m tests.audit.crash_worker STORE_URL ROUNDS

UZ officials read US cases (each read as its own subject) while a US official discloses
cases to UZ, concurrently, for at most ROUNDS operations of each kind. A line is printed
(and flushed) only after an operation returned to its caller: `READ <subject>` for a partner
read, `WROTE <idempotency key>` for a mutation.
"""

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from auth.principal import Principal
from resolvers.sources.base import Disclose
from resolvers.sources.drafts import ReleaseDraft
from resolvers.sources.in_process import InProcessSource
from store.database import create_engine
from store.models.domain import Administration, RecordType

US, UZ = Administration.US, Administration.UZ
READERS = 2


async def write(source: InProcessSource, cases: list[int], rounds: int) -> None:
    owner = Principal(
        US,
        "us-officer",
        "us-workflow",
        frozenset({"cmaa.disclosures:write", "cmaa.requests:read", "cmaa.cases:read"}),
        True,
        "jti-us",
    )
    expires = datetime.now(UTC) + timedelta(days=30)
    for number in range(rounds):
        draft = ReleaseDraft(
            records=((RecordType.CASE, cases[number % len(cases)]),),
            purpose="Mixed load",
            permitted_uses=("INVESTIGATION",),
            includes_personal_data=False,
            expires_at=expires,
        )
        await source.perform(owner, Disclose(draft, f"load-{number}"))
        print(f"WROTE load-{number}", flush=True)


async def read(source: InProcessSource, cases: list[int], rounds: int, reader: int) -> None:
    for number in range(rounds):
        subject = f"uz-reader-{reader}-{number}"
        caller = Principal(
            UZ, subject, "uz-dashboard", frozenset({"cmaa.cases:read"}), True, f"jti-{subject}"
        )
        await source.cases_by_id(caller, cases)
        print(f"READ {subject}", flush=True)


async def main(url: str, rounds: int) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        cases = [row[0] for row in await connection.execute(text("SELECT id FROM cases"))]
    source = InProcessSource(US, engine)
    await asyncio.gather(
        write(source, cases, rounds),
        *(read(source, cases, rounds, reader) for reader in range(READERS)),
    )
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
