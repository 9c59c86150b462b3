"""The synthetic data set: deterministic, shared between the stores, internally consistent."""

import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlmodel import col

from gateway.cli import main
from gateway.settings import DemoStores
from store.agreement import Agreement, load_agreement
from store.database import open_store, sqlite_url
from store.identifiers import IdentifierType, normalise_identifier
from store.migrate import prepare_store
from store.models import Release
from store.models._base import as_utc
from store.models.domain import (
    Administration,
    ConveyanceType,
    EntityKind,
    EvidenceKind,
    OffenceType,
    RequestStatus,
)
from store.names import normalise_name
from store.seed import REFERENCE_TIME, SeedError, seed_store, store_is_empty
from store.seed.writer import SEEDED_TABLES
from tests.support.databases import fresh_postgres_database, postgres_base_url

US, UZ = Administration.US, Administration.UZ
CASES, SEED = 1000, 7
Rows = dict[str, list[dict[str, Any]]]
# Identifier types that name one thing; HS codes and declarations are shared by many or differ.
MATCHING_TYPES = {t.value for t in IdentifierType} - {"HS_CODE", "DECLARATION_NUMBER"}


async def _cli(*arguments: str) -> None:
    # main() runs its own event loop: give it a thread of its own.
    code = await asyncio.to_thread(main, ["seed", *arguments, "--quiet"])
    assert code == 0


async def _seed_directory(directory: Path, seed: int, administration: str = "both") -> Path:
    await _cli(
        "--data-dir",
        str(directory),
        "--administration",
        administration,
        "--cases",
        str(CASES),
        "--seed",
        str(seed),
    )
    return directory


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).astimezone(UTC).isoformat()  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    # JSON values stay lists and dicts: the digest serialises them with sorted keys.
    return value


async def load_rows(url: str) -> Rows:
    rows: Rows = {}
    async with open_store(url) as engine, engine.connect() as connection:
        for table in SEEDED_TABLES:
            result = await connection.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [
                {key: _canonical(value) for key, value in row._mapping.items()} for row in result
            ]
    return rows


def digest(rows: Rows) -> dict[str, str]:
    return {
        table: hashlib.sha256(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        for table, content in rows.items()
    }


def _url(directory: Path, administration: Administration) -> str:
    return DemoStores(directory).url(administration)


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[Administration, Rows]:
    directory = await _seed_directory(tmp_path_factory.mktemp("seed-a"), SEED)
    return {adm: await load_rows(_url(directory, adm)) for adm in Administration}


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return load_agreement()


# --- determinism ----------------------------------------------------------------------------


async def test_same_seed_same_rows_and_another_seed_other_rows(
    seeded: dict[Administration, Rows], tmp_path: Path
) -> None:
    again = await _seed_directory(tmp_path / "b", SEED)
    other = await _seed_directory(tmp_path / "c", SEED + 1)
    for adm in Administration:
        expected = digest(seeded[adm])
        assert digest(await load_rows(_url(again, adm))) == expected
        different = digest(await load_rows(_url(other, adm)))
        assert all(
            different[table] != expected[table]
            for table in ("cases", "entities", "evidence", "assistance_requests")
        )


async def test_one_administration_alone_gets_the_rows_it_gets_with_both(
    seeded: dict[Administration, Rows], tmp_path: Path
) -> None:
    for adm in Administration:
        alone = await _seed_directory(tmp_path / adm.value, SEED, adm.value)
        assert not DemoStores(alone).path(adm.partner).exists()
        assert digest(await load_rows(_url(alone, adm))) == digest(seeded[adm])


@pytest.mark.postgres
@pytest.mark.skipif(postgres_base_url() is None, reason="CMAA_TEST_POSTGRES_URL is not set")
async def test_postgresql_holds_the_same_rows_as_sqlite(seeded: dict[Administration, Rows]) -> None:
    base = postgres_base_url()
    assert base is not None
    for adm in Administration:
        digests = []
        for _ in range(2):
            async with fresh_postgres_database(base) as url:
                await _cli(
                    "--database-url",
                    url,
                    "--administration",
                    adm.value,
                    "--cases",
                    str(CASES),
                    "--seed",
                    str(SEED),
                )
                digests.append(digest(await load_rows(url)))
                # The id sequences moved past the seeded ids: the next row the app adds fits.
                async with open_store(url) as engine, engine.begin() as connection:
                    new_id = (
                        await connection.execute(
                            insert(Release)
                            .values(
                                recipient=adm.partner.value,
                                basis="SPONTANEOUS",
                                purpose="test",
                                permitted_uses=[],
                                consent_required_for=[],
                                conditions=[],
                                created_at=REFERENCE_TIME,
                                created_by="test",
                                expires_at=REFERENCE_TIME,
                            )
                            .returning(col(Release.id))
                        )
                    ).scalar()
                assert new_id == len(seeded[adm]["releases"]) + 1
        assert digests[0] == digests[1] == digest(seeded[adm])


# --- the shared world -----------------------------------------------------------------------


def _identifiers(rows: Rows) -> dict[int, set[tuple[str, str, str | None]]]:
    found: dict[int, set[tuple[str, str, str | None]]] = {}
    for row in rows["entity_identifiers"]:
        if row["type"] in MATCHING_TYPES:
            found.setdefault(row["entity_id"], set()).add(
                (row["type"], row["normalised"], row["issuing_country"])
            )
    return found


def test_at_least_thirty_entities_are_in_both_stores(seeded: dict[Administration, Rows]) -> None:
    us_ids, uz_ids = _identifiers(seeded[US]), _identifiers(seeded[UZ])
    owner_of = {key: entity for entity, keys in uz_ids.items() for key in keys}
    by_identifier = {
        (us_entity, owner_of[key])
        for us_entity, keys in us_ids.items()
        for key in keys
        if key in owner_of
    }
    people = {
        (row["name_key"], row["date_of_birth"]): row["id"]
        for row in seeded[UZ]["entities"]
        if row["kind"] == "PERSON"
    }
    by_name = {
        (row["id"], people[(row["name_key"], row["date_of_birth"])])
        for row in seeded[US]["entities"]
        if row["kind"] == "PERSON" and (row["name_key"], row["date_of_birth"]) in people
    }
    transliteration_only = {
        (us_entity, uz_entity)
        for us_entity, uz_entity in by_name
        if not us_ids.get(us_entity, set()) & uz_ids.get(uz_entity, set())
    }
    entities = len(seeded[US]["entities"])
    assert len({us for us, _ in by_identifier | by_name}) >= 30
    assert len({us for us, _ in by_identifier | by_name}) >= 0.03 * entities
    assert transliteration_only
    us_names = {row["id"]: row["name"] for row in seeded[US]["entities"]}
    uz_names = {row["id"]: row["name"] for row in seeded[UZ]["entities"]}
    # Different spellings of one name, e.g. "Zhuraev, Shavkat" and "Jo'rayev Shavkat".
    assert any(
        us_names[us_entity].replace(",", "") != uz_names[uz_entity]
        for us_entity, uz_entity in transliteration_only
    )


def test_names_and_identifiers_are_valid_and_normalised(seeded: dict[Administration, Rows]) -> None:
    for adm in Administration:
        for row in seeded[adm]["entities"]:
            assert row["name_key"] == normalise_name(row["name"])
        for row in seeded[adm]["entity_identifiers"]:
            checked = normalise_identifier(row["type"], row["value"], row["issuing_country"])
            assert (checked.value, checked.normalised) == (row["value"], row["normalised"])
        uzbek_persons = [
            row
            for row in seeded[UZ]["entities"]
            if row["kind"] == "PERSON" and row["country"] == "UZ"
        ]
        assert uzbek_persons and all(row["name_cyrillic"] for row in uzbek_persons)


# --- consistency ----------------------------------------------------------------------------


def _ids(rows: Rows, table: str) -> set[int]:
    return {row["id"] for row in rows[table]}


def test_cross_store_references_resolve(seeded: dict[Administration, Rows]) -> None:
    for adm in Administration:
        own, partner = seeded[adm], seeded[adm.partner]
        pointing = [p for p in own["case_parties"] if p["entity_administration"] != adm.value]
        assert pointing
        assert {p["entity_id"] for p in pointing} <= _ids(partner, "entities")
        assert all(p["entity_administration"] == adm.partner.value for p in pointing)
        foreign = [e for e in own["evidence"] if e["case_administration"] != adm.value]
        assert foreign and {e["case_id"] for e in foreign} <= _ids(partner, "cases")
        own_parties = {
            p["entity_id"] for p in own["case_parties"] if p["entity_administration"] == adm.value
        }
        assert own_parties <= _ids(own, "entities")
        records = {
            "CASE": _ids(own, "cases"),
            "ENTITY": _ids(own, "entities"),
            "EVIDENCE": _ids(own, "evidence"),
        }
        for item in own["release_items"] + own["consent_items"]:
            assert item["record_id"] in records[item["record_type"]]
        for link in own["entity_links"]:
            assert link["entity_id"] in records["ENTITY"]
            assert link["partner_entity_id"] in _ids(partner, "entities")


_DECISION_STATUSES = {
    "ACCEPT": {"ACCEPTED", "ANSWERED", "CLOSED"},
    "REFUSE": {"REFUSED"},
    "POSTPONE": {"POSTPONED"},
    "ACCEPT_WITH_CONDITIONS": {"CONDITIONAL", "ANSWERED", "CLOSED"},
}


def test_requests_decisions_and_replies_agree(
    seeded: dict[Administration, Rows], agreement: Agreement
) -> None:
    grounds = {
        "REFUSE": {g.id for g in agreement.refusal_grounds},
        "POSTPONE": {g.id for g in agreement.postponement_grounds},
        "ACCEPT_WITH_CONDITIONS": {g.id for g in agreement.condition_grounds},
    }
    deadline = timedelta(days=agreement.reply_deadline_days)
    for adm in Administration:
        own, partner = seeded[adm], seeded[adm.partner]
        requests = {r["id"]: r for r in partner["assistance_requests"]}
        decided = set()
        for decision in own["decisions"]:
            request = requests[decision["request_id"]]
            assert decision["request_administration"] == adm.partner.value
            assert decision["request_reference"] == request["reference"]
            assert request["status"] in _DECISION_STATUSES[decision["decision"]]
            if decision["decision"] in grounds:
                assert decision["ground"] in grounds[decision["decision"]]
                assert decision["reason"]
            assert bool(decision["conditions"]) == (
                decision["decision"] == "ACCEPT_WITH_CONDITIONS"
            )
            decided.add(request["id"])
        for request in requests.values():
            assert (request["id"] in decided) == (request["status"] not in ("SUBMITTED", "LAPSED"))
        replied = {r["request_id"] for r in own["releases"] if r["basis"] == "REQUEST"}
        answered = {r["id"] for r in requests.values() if r["status"] in ("ANSWERED", "CLOSED")}
        assert answered == replied
        decisions = _ids(own, "decisions")
        for release in own["releases"]:
            assert release["recipient"] == adm.partner.value
            if release["basis"] == "REQUEST":
                assert release["decision_id"] in decisions
                assert release["request_reference"] == requests[release["request_id"]]["reference"]
        for request in own["assistance_requests"]:
            assert request["requesting_administration"] == adm.value
            assert request["agreement_reference"] == agreement.reference
            assert request["matter"] and request["reasons"] and request["case_description"]
            assert request["legal_provisions"]
            submitted = datetime.fromisoformat(request["submitted_at"])
            assert datetime.fromisoformat(request["due_at"]) == submitted + deadline
            if request["status"] == "LAPSED":
                assert request["oral"] and request["confirmed_in_writing_at"] is None
        assert {r["status"] for r in own["assistance_requests"]} == set(RequestStatus)
        assert any(r["oral"] and r["confirmed_in_writing_at"] for r in own["assistance_requests"])


def test_evidence_contents_hash_and_custody(seeded: dict[Administration, Rows]) -> None:
    for adm in Administration:
        own = seeded[adm]
        contents = {
            row["evidence_id"]: bytes.fromhex(row["content"]) for row in own["evidence_contents"]
        }
        assert set(contents) == _ids(own, "evidence")
        for item in own["evidence"]:
            content = contents[item["id"]]
            assert item["sha256"] == hashlib.sha256(content).hexdigest()
            assert item["size_bytes"] == len(content) > 0
            content.decode("utf-8")
            assert (item["return_due"] is not None) == (item["kind"] == "ORIGINAL")
        chains: dict[int, list[int]] = {}
        for event in own["custody_events"]:
            chains.setdefault(event["evidence_id"], []).append(event["sequence"])
        assert all(seq == list(range(1, len(seq) + 1)) and len(seq) <= 5 for seq in chains.values())
        assert set(chains) == _ids(own, "evidence")
        reference = REFERENCE_TIME.isoformat()
        assert any(
            item["kind"] == "ORIGINAL"
            and item["return_due"] < reference
            and item["returned_at"] is None
            for item in own["evidence"]
        )


def test_every_kind_of_record_appears(seeded: dict[Administration, Rows]) -> None:
    for adm in Administration:
        own = seeded[adm]
        assert {row["offence_type"] for row in own["case_offences"]} == set(OffenceType)
        assert {row["kind"] for row in own["evidence"]} == set(EvidenceKind)
        assert {row["kind"] for row in own["entities"]} == set(EntityKind)
        assert {row["conveyance_type"] for row in own["entities"]} - {None} == set(ConveyanceType)
        assert {row["tlp"] for row in own["cases"]} == {"RED", "AMBER", "GREEN", "CLEAR"}
        assert {row["status"] for row in own["consents"]} == {"PENDING", "GRANTED", "REFUSED"}
        per_case = Counter(row["case_id"] for row in own["case_parties"])
        assert set(per_case) == _ids(own, "cases")
        assert min(per_case.values()) >= 2 and max(per_case.values()) <= 6
        for table in ("cases", "entities", "evidence", "releases", "decisions"):
            assert sorted(_ids(own, table)) == list(range(1, len(own[table]) + 1))


def test_releases_active_expired_revoked_and_overlapping(
    seeded: dict[Administration, Rows], agreement: Agreement
) -> None:
    reference = REFERENCE_TIME.isoformat()
    consent_uses = [use.value for use in agreement.uses_needing_consent]
    for adm in Administration:
        own = seeded[adm]
        state = {}
        for release in own["releases"]:
            if release["revoked_at"] is not None:
                assert release["created_at"] < release["revoked_at"] < reference
                state[release["id"]] = "revoked"
            elif release["expires_at"] < reference:
                state[release["id"]] = "expired"
            else:
                assert release["expires_at"] > "2030"
                state[release["id"]] = "active"
            assert release["consent_required_for"] == consent_uses
            assert release["permitted_uses"]
            assert not set(release["permitted_uses"]) & set(consent_uses)
        assert set(state.values()) == {"active", "expired", "revoked"}
        covering: dict[tuple[str, int], set[str]] = {}
        for item in own["release_items"]:
            covering.setdefault((item["record_type"], item["record_id"]), set()).add(
                state[item["release_id"]]
            )
        assert any({"active", "expired"} <= states for states in covering.values())
        active_cases = {
            record_id
            for (kind, record_id), states in covering.items()
            if kind == "CASE" and "active" in states
        }
        assert 0.10 <= len(active_cases) / len(own["cases"]) <= 0.20


# Columns that may lie after the reference instant: deadlines and expiries.
_FUTURE_COLUMNS = {"due_at", "expires_at", "return_due"}


def test_every_past_event_happened_before_the_reference_time_in_order(
    seeded: dict[Administration, Rows],
) -> None:
    reference = REFERENCE_TIME.isoformat()
    for adm in Administration:
        own = seeded[adm]
        for table, rows in own.items():
            for row in rows:
                for column, value in row.items():
                    if (
                        (column.endswith("_at") or column == "at")
                        and value is not None
                        and (column not in _FUTURE_COLUMNS)
                    ):
                        assert value <= reference, (table, column, row["id"])
        opened = {case["id"]: case["opened_at"] for case in own["cases"]}
        evidence = {item["id"]: item for item in own["evidence"]}
        for item in evidence.values():
            if item["case_administration"] == adm.value:
                assert opened[item["case_id"]] <= item["collected_at"] <= item["created_at"]
        for event in own["custody_events"]:
            assert event["at"] >= evidence[event["evidence_id"]]["collected_at"]
        releases = {release["id"]: release for release in own["releases"]}
        for item in own["release_items"]:
            created = releases[item["release_id"]]["created_at"]
            if item["record_type"] == "EVIDENCE":
                assert evidence[item["record_id"]]["created_at"] <= created
            if item["record_type"] == "CASE":
                assert opened[item["record_id"]] <= created


# --- refusals -------------------------------------------------------------------------------


@pytest.fixture
async def small_store(tmp_path: Path) -> AsyncIterator[str]:
    url = sqlite_url(tmp_path / "store.sqlite3")
    await prepare_store(url, US)
    yield url


async def test_a_store_that_holds_data_is_refused(small_store: str, agreement: Agreement) -> None:
    async with open_store(small_store) as engine:
        assert await store_is_empty(engine)
        report = await seed_store(engine, US, agreement, cases=20, seed=1)
        assert report.cases == 20 and "20 cases" in str(report)
        assert not await store_is_empty(engine)
        with pytest.raises(SeedError, match="already holds data"):
            await seed_store(engine, US, agreement, cases=20, seed=1)


async def test_another_administrations_store_is_refused(
    small_store: str, agreement: Agreement
) -> None:
    async with open_store(small_store) as engine:
        with pytest.raises(SeedError, match="belongs to US"):
            await seed_store(engine, UZ, agreement, cases=5, seed=1)
        assert await store_is_empty(engine)


async def test_small_seeds_still_cover_every_offence(
    small_store: str, agreement: Agreement
) -> None:
    async with open_store(small_store) as engine:
        await seed_store(engine, US, agreement, cases=50, seed=3)
    rows = await load_rows(small_store)
    assert {row["offence_type"] for row in rows["case_offences"]} == set(OffenceType)
    assert {row["status"] for row in rows["assistance_requests"]} == set(RequestStatus)
