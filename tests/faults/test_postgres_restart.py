"""PostgreSQL restarted (stopped as by a crash: `pg_ctl stop -m immediate`) during a
load of mutations through the gateway, whose both stores are on it. Clients retry whatever was
not acknowledged with the same idempotency key, as the agreement's procedures expect. After:
every acknowledged mutation is there, exactly once; nothing is half-written (every release has
its records, every request and release its audit entry, every idempotency key its record); and
both audit chains verify.

The instance is the suite's own (tests.faults.support.throwaway_postgres): the shared server
other test runs use is never touched.
"""

import asyncio
import importlib.util
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from auth.revocations import DEFAULT_TTL_SECONDS
from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.loopback import free_port, running_server
from store.agreement import load_agreement
from store.database import create_engine
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store
from tests.adversarial.oracle import encode_global_id
from tests.faults.support import (
    CuttableProxy,
    ThrowAwayPostgres,
    audit_chain_problems,
    throwaway_postgres,
)

US, UZ = Administration.US, Administration.UZ
OPERATIONS = 48  # half requests submitted by UZ, half disclosures made by US
WORKERS = 6
# The restart comes once this many mutations were acknowledged.
RESTART_AFTER = 12
# How long one mutation is retried (same key) before the test gives up on it.
RETRY_FOR = 60.0
DOCUMENTED = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "UNAUTHORIZED_FIELD",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "SOURCE_UNAVAILABLE",
        "LIMIT_EXCEEDED",
        "INTERNAL",
    }
)
SUBMIT = """
mutation($input: AssistanceRequestInput!, $key: String!) {
  submitAssistanceRequest(input: $input, idempotencyKey: $key) { id matter }
}"""
DISCLOSE = """
mutation($input: ReleaseInput!, $key: String!) {
  discloseSpontaneously(input: $input, idempotencyKey: $key) { id purpose records { id } }
}"""


@dataclass(frozen=True)
class PostgresStores:
    """The demo's stores, on PostgreSQL: what build_demo_app needs of them."""

    data_dir: Path
    urls: dict[Administration, str]

    def url(self, administration: Administration) -> str:
        return self.urls[administration]


@dataclass
class World:
    base_url: str
    instance: ThrowAwayPostgres
    stores: PostgresStores  # as the gateway reaches them: the US store through `proxy`
    direct: PostgresStores  # as the test reads them
    proxy: CuttableProxy
    tokens: dict[str, str]
    us_cases: list[int]


@dataclass
class Mutation:
    client_id: str
    query: str
    variables: dict[str, Any]
    field: str

    @property
    def key(self) -> str:
        return str(self.variables["key"])


@dataclass
class Outcome:
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → answer
    answers: dict[tuple[int, tuple[str, ...]], int] = field(default_factory=dict)
    unacknowledged: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int, codes: tuple[str, ...]) -> None:
        with self.lock:
            self.answers[(status, codes)] = self.answers.get((status, codes), 0) + 1


def gid(type_name: str, owner: Administration, local_id: int) -> str:
    return encode_global_id(type_name, owner.value, local_id)


async def _prepare(
    instance: ThrowAwayPostgres, directory: Path, port: int
) -> tuple[PostgresStores, dict[str, Any], list[int]]:
    """Both stores on the instance, migrated and seeded; the demo's credentials for a gateway
    on `port`; the US cases' ids."""
    agreement = load_agreement()
    urls = {}
    us_cases: list[int] = []
    for administration in Administration:
        name = f"cmaa_{administration.value.lower()}"
        await instance.create_database(name)
        urls[administration] = instance.url(name)
        await prepare_store(urls[administration], administration)
        engine = create_engine(urls[administration])
        try:
            await seed_store(engine, administration, agreement, cases=8, seed=3)
            if administration is US:
                rows = await _rows(engine, "SELECT id FROM cases ORDER BY id")
                us_cases = [int(row[0]) for row in rows]
        finally:
            await engine.dispose()
    stores = PostgresStores(directory, urls)
    credentials = await prepare_demo_identities(stores, f"http://127.0.0.1:{port}", agreement)
    return stores, credentials, us_cases


async def _rows(engine: Any, sql: str, **values: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(sql), values)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loaded = load_agreement()
    agreement = replace(loaded, limits=replace(loaded.limits, rate_per_minute=1_000_000))
    with throwaway_postgres() as instance, CuttableProxy(instance.port) as proxy:
        port = free_port()
        direct, credentials, us_cases = asyncio.run(
            _prepare(instance, tmp_path_factory.mktemp("pg-restart"), port)
        )
        # The gateway reaches the US store through a connection the test can cut.
        through_proxy = direct.urls[US].replace(f":{instance.port}/", f":{proxy.port}/")
        stores = PostgresStores(direct.data_dir, {**direct.urls, US: through_proxy})
        app = build_demo_app(stores, f"http://127.0.0.1:{port}", agreement)
        with running_server(app, port=port) as base_url:
            tokens = {}
            for client_id in ("us-workflow", "uz-workflow"):
                client = next(c for c in credentials["clients"] if c["client_id"] == client_id)
                answer = httpx.post(
                    f"{credentials['issuers'][client['administration']]}/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, client["client_secret"]),
                    timeout=30,
                )
                tokens[client_id] = answer.json()["access_token"]
            yield World(base_url, instance, stores, direct, proxy, tokens, us_cases)


def mutations(world: World, run: str) -> list[Mutation]:
    expires = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    found = []
    for index in range(OPERATIONS):
        key = f"{run}-{index}"
        if index % 2 == 0:
            request = {
                "requestedAdministration": "US",
                "matter": f"{run} request {index}",
                "assistanceType": "INFORMATION",
                "reasons": "Declared values far below the market price.",
                "caseDescription": "Textile shipments declared at a third of their value.",
                "legalProvisions": ["Customs Code of the Republic of Uzbekistan, art. 243"],
                "personsConcerned": [{"name": "Aziz Karimov", "address": "Tashkent"}],
            }
            found.append(
                Mutation(
                    "uz-workflow", SUBMIT, {"input": request, "key": key}, "submitAssistanceRequest"
                )
            )
        else:
            case = gid("Case", US, world.us_cases[index % len(world.us_cases)])
            release = {
                "records": [case],
                "purpose": f"{run} disclosure {index}",
                "permittedUses": ["INVESTIGATION"],
                "includesPersonalData": False,
                "expiresAt": expires,
            }
            found.append(
                Mutation(
                    "us-workflow", DISCLOSE, {"input": release, "key": key}, "discloseSpontaneously"
                )
            )
    return found


def attempt(http: httpx.Client, world: World, mutation: Mutation, outcome: Outcome) -> bool:
    try:
        response = http.post(
            f"{world.base_url}/graphql",
            json={"query": mutation.query, "variables": mutation.variables},
            headers={"Authorization": f"Bearer {world.tokens[mutation.client_id]}"},
        )
    except httpx.HTTPError:
        outcome.saw(0, ("no answer",))
        return False
    try:
        body = response.json()
    except ValueError:
        outcome.saw(response.status_code, ("not JSON",))
        return False
    codes = tuple(
        sorted(str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or [])
    )
    outcome.saw(response.status_code, codes)
    answer = (body.get("data") or {}).get(mutation.field)
    if response.status_code == 200 and not codes and answer:
        with outcome.lock:
            outcome.acknowledged[mutation.key] = answer
        return True
    return False


def apply(http: httpx.Client, world: World, mutation: Mutation, outcome: Outcome) -> None:
    """Send the mutation until it is acknowledged, always with its one key."""
    deadline = time.monotonic() + RETRY_FOR
    while time.monotonic() < deadline:
        if attempt(http, world, mutation, outcome):
            return
        time.sleep(0.2)
    with outcome.lock:
        outcome.unacknowledged.append(mutation.key)


def restart_when(world: World, outcome: Outcome, restarted: list[float]) -> None:
    deadline = time.monotonic() + RETRY_FOR
    while len(outcome.acknowledged) < RESTART_AFTER and time.monotonic() < deadline:
        time.sleep(0.02)
    world.instance.stop("immediate")  # as a crash: no checkpoint, recovery from the WAL
    restarted.append(time.monotonic())
    time.sleep(1.0)
    world.instance.start()
    restarted.append(time.monotonic())


async def _check_stores(world: World, run: str, sent: list[Mutation], outcome: Outcome) -> None:
    engines = {a: create_engine(world.direct.url(a)) for a in Administration}
    try:
        us, uz = engines[US], engines[UZ]
        requests = {
            row[1]: int(row[0])
            for row in await _rows(
                uz,
                "SELECT id, matter FROM assistance_requests WHERE matter LIKE :tag",
                tag=f"{run} %",
            )
        }
        releases = {
            row[1]: int(row[0])
            for row in await _rows(
                us, "SELECT id, purpose FROM releases WHERE purpose LIKE :tag", tag=f"{run} %"
            )
        }
        # Every acknowledged mutation is there, exactly once, as answered.
        submits = [m for m in sent if m.field == "submitAssistanceRequest"]
        disclosures = [m for m in sent if m.field == "discloseSpontaneously"]
        assert len(requests) == len(submits) and len(releases) == len(disclosures)
        for mutation in submits:
            answer = outcome.acknowledged[mutation.key]
            matter = mutation.variables["input"]["matter"]
            assert answer["id"] == gid("AssistanceRequest", UZ, requests[matter])
        for mutation in disclosures:
            answer = outcome.acknowledged[mutation.key]
            release_id = releases[mutation.variables["input"]["purpose"]]
            assert answer["id"] == gid("Release", US, release_id)
            items = await _rows(
                us,
                "SELECT record_type, record_id FROM release_items WHERE release_id = :id",
                id=release_id,
            )
            case = mutation.variables["input"]["records"][0]
            assert [gid("Case", US, int(r[1])) for r in items if r[0] == "CASE"] == [case]
            assert len(items) == 1
        # Nothing half-written: no release without records, no record without its audit
        # entry and its idempotency key, no key without its record.
        assert (
            await _rows(
                us,
                "SELECT r.id FROM releases r WHERE NOT EXISTS "
                "(SELECT 1 FROM release_items i WHERE i.release_id = r.id)",
            )
            == []
        )
        for engine, operation, named, keys in (
            (uz, "submitAssistanceRequest", [f"REQUEST:{i}" for i in requests.values()], submits),
            (us, "discloseSpontaneously", [f"RELEASE:{i}" for i in releases.values()], disclosures),
        ):
            logged = await _rows(
                engine,
                "SELECT record_ids FROM audit_events WHERE operation = :operation",
                operation=operation,
            )
            entries = [record for row in logged for record in _json_list(row[0])]
            for name in named:
                assert entries.count(name) == 1, (name, operation)
            stored_keys = await _rows(
                engine,
                "SELECT key, record_id FROM idempotency_keys WHERE key LIKE :tag",
                tag=f"%:{run}-%",
            )
            assert len(stored_keys) == len(keys)
            assert {int(row[1]) for row in stored_keys} == {
                int(name.split(":")[1]) for name in named
            }
        # The audit chains.
        for administration, engine in engines.items():
            assert await audit_chain_problems(engine) == [], administration
    finally:
        for engine in engines.values():
            await engine.dispose()


def _json_list(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else list(json.loads(value))


def test_a_restart_during_mutations_loses_nothing_acknowledged_and_half_writes_nothing(
    world: World,
) -> None:
    run = uuid.uuid4().hex[:8]
    sent = mutations(world, run)
    outcome = Outcome()
    restarted: list[float] = []
    with httpx.Client(timeout=30) as http:
        restarter = threading.Thread(target=restart_when, args=(world, outcome, restarted))
        restarter.start()
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda m: apply(http, world, m, outcome), sent))
        restarter.join()
        assert len(restarted) == 2, "the restart did not happen"
        assert not outcome.unacknowledged, (outcome.unacknowledged, outcome.answers)
        # Some mutations did fail while the database was down, and were retried.
        assert sum(n for (status, codes), n in outcome.answers.items() if codes) > 0, (
            outcome.answers
        )
        # A retry after the restart, with an acknowledged key, returns the first answer.
        first = sent[0]
        again = Outcome()
        assert attempt(http, world, first, again)
        assert again.acknowledged[first.key]["id"] == outcome.acknowledged[first.key]["id"]
    asyncio.run(_check_stores(world, run, sent, outcome))
    if importlib.util.find_spec("gateway.commands.audit_commands") is not None:
        for administration in Administration:
            verified = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gateway.cli",
                    "audit",
                    "verify",
                    "--database-url",
                    world.direct.url(administration),
                ],
                capture_output=True,
                timeout=120,
                check=False,
            )
            assert verified.returncode == 0, verified.stdout + verified.stderr
    # While the database was down, every answer that came as JSON was a coded one. (Once the
    # deny-list cache runs out during an outage, verifying the token fails as an uncoded 500:
    # test_an_outage_longer_than_the_revocation_cache_is_answered_with_a_coded_error.)
    assert all(
        set(codes) <= DOCUMENTED
        for (_status, codes) in outcome.answers
        if codes not in (("no answer",), ("not JSON",))
    ), outcome.answers


# -- the store lost at the worst moment ----------------------------------------------------------


@dataclass
class CutAfterCommit:
    first: dict[str, Any]  # the answer to the mutation whose commit was the last thing done
    retried: dict[str, Any] | None  # the answer to the same mutation, same key, afterwards
    releases: list[tuple[Any, ...]]  # the releases of that key's purpose in the store
    items: list[tuple[Any, ...]]
    audited: int


async def _release_state(world: World, purpose: str) -> tuple[list, list, int]:
    engine = create_engine(world.direct.url(US))
    try:
        releases = await _rows(engine, "SELECT id FROM releases WHERE purpose = :p", p=purpose)
        ids = [int(row[0]) for row in releases]
        items = await _rows(
            engine,
            "SELECT release_id, record_type, record_id FROM release_items "
            "WHERE release_id = ANY(:ids)",
            ids=ids,
        )
        logged = await _rows(
            engine, "SELECT record_ids FROM audit_events WHERE operation = 'discloseSpontaneously'"
        )
        names = [record for row in logged for record in _json_list(row[0])]
        return releases, items, sum(names.count(f"RELEASE:{i}") for i in ids)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def cut_after_commit(world: World) -> CutAfterCommit:
    """The US store is lost right after it acknowledged a disclosure's COMMIT, before the
    gateway read the new release back; then it is back, and the client retries."""
    mutation = mutations(world, uuid.uuid4().hex[:8])[1]
    assert mutation.field == "discloseSpontaneously"
    body = {"query": mutation.query, "variables": mutation.variables}
    headers = {"Authorization": f"Bearer {world.tokens[mutation.client_id]}"}
    with httpx.Client(timeout=30) as http:
        world.proxy.arm()
        first = http.post(f"{world.base_url}/graphql", json=body, headers=headers)
        assert world.proxy.cut_done.is_set(), "no COMMIT went through the connection"
        world.proxy.restore()
        outcome = Outcome()
        deadline = time.monotonic() + 30
        while not attempt(http, world, mutation, outcome) and time.monotonic() < deadline:
            time.sleep(0.2)
    releases, items, audited = asyncio.run(
        _release_state(world, mutation.variables["input"]["purpose"])
    )
    return CutAfterCommit(
        first.json(), outcome.acknowledged.get(mutation.key), releases, items, audited
    )


def test_a_retry_after_the_store_was_lost_past_a_commit_returns_the_committed_change(
    cut_after_commit: CutAfterCommit,
) -> None:
    cut = cut_after_commit
    assert cut.first.get("errors"), "the first answer could not have been a success"
    assert (cut.first.get("data") or {}).get("discloseSpontaneously") is None
    assert len(cut.releases) == 1, "committed once, and the retry made no second release"
    assert cut.retried is not None, "the retry was never acknowledged"
    assert cut.retried["id"] == gid("Release", US, int(cut.releases[0][0]))
    assert len(cut.items) == 1 and cut.audited == 1


def test_the_store_lost_past_a_commit_is_answered_as_unavailable(
    cut_after_commit: CutAfterCommit,
) -> None:
    errors = cut_after_commit.first["errors"]
    assert [e["extensions"] for e in errors] == [
        {"code": "SOURCE_UNAVAILABLE", "administration": "US"}
    ], errors


def test_an_outage_longer_than_the_revocation_cache_is_answered_with_a_coded_error(
    world: World,
) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['us-workflow']}"}
    query = {"query": "{ viewer { subject } }"}
    with httpx.Client(timeout=30) as http:
        assert http.post(f"{world.base_url}/graphql", json=query, headers=headers).is_success
        world.proxy.cut()
        try:
            time.sleep(DEFAULT_TTL_SECONDS + 0.5)
            response = http.post(f"{world.base_url}/graphql", json=query, headers=headers)
        finally:
            world.proxy.restore()
    assert response.status_code != 500, response.text
    assert response.headers["content-type"].startswith(
        ("application/json", "application/graphql-response+json")
    ), response.text
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes and set(codes) <= DOCUMENTED | {"BAD_REQUEST"}, codes
