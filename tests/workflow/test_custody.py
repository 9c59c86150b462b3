"""Custody of evidence: each event appends to the item's chain, and an original's return
takes it off the overdue list."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from store.models import Evidence
from store.models.domain import Administration
from tests.workflow.support import (
    OVERDUE,
    RECORD_CUSTODY,
    US,
    UZ,
    World,
    extensions_of,
    gid,
    new_key,
)

EVIDENCE = Evidence.__table__


def overdue_originals(now: datetime) -> Select[Any]:
    """The originals past their return date and not returned, in plain SQL."""
    return (
        select(EVIDENCE.c.id)
        .where(
            EVIDENCE.c.kind == "ORIGINAL",
            EVIDENCE.c.returned_at.is_(None),
            EVIDENCE.c.return_due < now,
        )
        .order_by(EVIDENCE.c.id)
    )


def event(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "fromHolder": "CBP Laboratory, Newark",
        "toHolder": "ICE HSI Newark, evidence room 2",
        "at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "purpose": "Forensic examination of the invoices",
        "seal": "CBP-SEAL-0042117",
        "condition": "Intact, seal unbroken",
    }
    value.update(changes)
    return value


async def chain_length(world: World, owner: Administration, evidence_id: int) -> int:
    return int(
        await world.scalar(
            owner, "SELECT count(*) FROM custody_events WHERE evidence_id = :id", id=evidence_id
        )
    )


async def test_custody_events_append_to_the_chain(world: World) -> None:
    evidence_id = int(
        await world.scalar(
            US, "SELECT max(id) FROM evidence WHERE kind <> 'ORIGINAL' AND return_due IS NULL"
        )
    )
    length = await chain_length(world, US, evidence_id)
    last = await world.scalar(
        US, "SELECT max(sequence) FROM custody_events WHERE evidence_id = :id", id=evidence_id
    )
    assert (last or 0) == length

    for step in (1, 2):
        sent = event(seal=f"CBP-SEAL-{step:07d}")
        evidence = (
            await world.ok(
                "us-workflow",
                RECORD_CUSTODY,
                {"id": gid("Evidence", US, evidence_id), "input": sent, "key": new_key()},
            )
        )["recordCustodyEvent"]
        chain = evidence["custody"]
        assert [item["sequence"] for item in chain] == list(range(1, length + step + 1))
        newest = chain[-1]
        assert newest["sequence"] == length + step
        assert (newest["fromHolder"], newest["toHolder"], newest["seal"]) == (
            sent["fromHolder"],
            sent["toHolder"],
            sent["seal"],
        )
        assert datetime.fromisoformat(newest["at"]) == datetime.fromisoformat(sent["at"])
        assert evidence["returnedAt"] is None
        assert await chain_length(world, US, evidence_id) == length + step


async def overdue_ids(world: World, client_id: str) -> set[str]:
    return {item["id"] for item in (await world.ok(client_id, OVERDUE))["overdueOriginals"]}


async def test_returning_an_overdue_original_takes_it_off_the_list(world: World) -> None:
    now = datetime.now(UTC)
    overdue = [row[0] for row in await world.select(US, overdue_originals(now))]
    assert overdue, "the seeded US store has no overdue original"
    original = gid("Evidence", US, overdue[0])
    before = await overdue_ids(world, "us-dashboard")
    assert {gid("Evidence", US, item) for item in overdue} <= before
    length = await chain_length(world, US, overdue[0])

    returned_at = (now - timedelta(minutes=30)).isoformat()
    sent = event(
        fromHolder="ICE HSI Newark",
        toHolder="CBP Office of Field Operations, owner",
        at=returned_at,
        purpose="Return of the original",
        returned=True,
    )
    evidence = (
        await world.ok(
            "us-workflow", RECORD_CUSTODY, {"id": original, "input": sent, "key": new_key()}
        )
    )["recordCustodyEvent"]
    assert evidence["custody"][-1]["sequence"] == length + 1
    assert datetime.fromisoformat(evidence["returnedAt"]) == datetime.fromisoformat(returned_at)

    assert await overdue_ids(world, "us-dashboard") == before - {original}
    still = {row[0] for row in await world.select(US, overdue_originals(datetime.now(UTC)))}
    assert overdue[0] not in still
    assert still == set(overdue[1:])


async def test_only_an_original_is_returned(world: World) -> None:
    evidence_id = int(
        await world.scalar(US, "SELECT min(id) FROM evidence WHERE return_due IS NULL")
    )
    length = await chain_length(world, US, evidence_id)
    refused = extensions_of(
        await world.post(
            "us-workflow",
            RECORD_CUSTODY,
            {
                "id": gid("Evidence", US, evidence_id),
                "input": event(returned=True),
                "key": new_key(),
            },
        )
    )
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "returned")
    assert await chain_length(world, US, evidence_id) == length


async def test_custody_event_needs_holders_and_purpose(world: World) -> None:
    evidence_id = int(await world.scalar(UZ, "SELECT min(id) FROM evidence"))
    length = await chain_length(world, UZ, evidence_id)
    for field in ("fromHolder", "toHolder", "purpose"):
        refused = extensions_of(
            await world.post(
                "uz-workflow",
                RECORD_CUSTODY,
                {
                    "id": gid("Evidence", UZ, evidence_id),
                    "input": event(**{field: "  "}),
                    "key": new_key(),
                },
            )
        )
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", field)
    assert await chain_length(world, UZ, evidence_id) == length
