"""Workers and replicas are one service only if they share the client's rate limit and the
deny-list of revoked tokens: two instances given the same Redis (127.0.0.1:6379, a key
prefix of this test's own) give a client one limit, not two, and a token revoked through one
is refused by the other.

No refill can happen during a test: the shared windows last at least a minute (burst / rate).
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from auth.errors import TokenRefused
from auth.revocations import RedisDenyList, StoreRevocations, record_revocation
from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.distributed import GatewayConfig, verifier_for
from gateway.http.rate_limit import RateLimiter, SharedRateLimiter
from gateway.runtime import Runtime
from store.agreement import load_agreement
from store.database import open_store, session_factory
from store.migrate import prepare_store
from store.models.domain import Administration
from tests.adversarial.world import builtin_jwks, seeded_stores
from tests.support.servers import free_port, running_server

REDIS_URL = "redis://127.0.0.1:6379/0"
QUERY = "{ viewer { administration } }"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix no other test or process uses; its keys are removed afterwards."""
    prefix = f"cmaa-test-{uuid.uuid4().hex}"
    yield prefix
    redis = Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


# -- the limiter itself ------------------------------------------------------------------------


async def test_two_limiters_sharing_redis_give_a_client_one_burst(prefix: str) -> None:
    # 3 requests, then one a minute: the window is 3 minutes.
    first, second = (SharedRateLimiter(REDIS_URL, prefix, "gateway", 1, burst=3) for _ in "ab")
    waits = [await limiter.acquire("US:us-dashboard") for limiter in (first, second) * 3]
    assert [wait == 0 for wait in waits] == [True, True, True, False, False, False]
    assert all(wait >= 1 for wait in waits[3:])
    # Another client has a limit of its own.
    assert await second.acquire("UZ:uz-dashboard") == 0


async def test_limiters_of_one_process_each_would_give_it_twice() -> None:
    """The control: without a shared store each instance keeps its own bucket."""
    first, second = RateLimiter(1, burst=3), RateLimiter(1, burst=3)
    waits = [await limiter.acquire("US:us-dashboard") for limiter in (first, second) * 3]
    assert waits == [0.0] * 6


# -- the deny-list itself ----------------------------------------------------------------------


async def test_a_revocation_announced_by_one_process_is_seen_by_another_at_once(
    prefix: str, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'us.sqlite3'}"
    await prepare_store(url, Administration.US)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    async with open_store(url) as engine:
        # Answers cached for an hour: only the shared list can tell `other` in time.
        here, other, alone = (
            StoreRevocations(engine, ttl_seconds=3600, shared=RedisDenyList(REDIS_URL, prefix)),
            StoreRevocations(engine, ttl_seconds=3600, shared=RedisDenyList(REDIS_URL, prefix)),
            StoreRevocations(engine, ttl_seconds=3600),
        )
        assert not await other.is_revoked("jti-1") and not await alone.is_revoked("jti-1")
        await here.note_revoked("jti-1", expires)
        assert await other.is_revoked("jti-1")
        assert not await alone.is_revoked("jti-1")  # its cached answer, for up to an hour
        assert not await other.is_revoked("jti-2")


# -- two instances of the service --------------------------------------------------------------


@dataclass
class Pair:
    first: str
    second: str
    credentials: dict[str, object]
    apps: list[object]


@pytest.fixture
def pair(prefix: str, tmp_path: Path) -> Iterator[Pair]:
    """Two instances of the demo service over the same stores and one public URL (as two
    replicas behind one load balancer), sharing Redis; one request a minute per client."""
    base = load_agreement()
    agreement = replace(base, limits=replace(base.limits, rate_per_minute=1))
    stores = asyncio.run(seeded_stores(tmp_path, agreement, cases=4))
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    credentials = asyncio.run(prepare_demo_identities(stores, public_url, agreement))
    runtime = Runtime(redis_url=REDIS_URL, redis_prefix=prefix)
    apps = [build_demo_app(stores, public_url, agreement, runtime) for _ in range(2)]
    with ExitStack() as stack:
        first = stack.enter_context(running_server(apps[0], port=port))
        second = stack.enter_context(running_server(apps[1]))
        yield Pair(first, second, credentials, apps)


def _client_token(pair: Pair, client_id: str) -> tuple[str, tuple[str, str]]:
    clients = pair.credentials["clients"]
    client = next(c for c in clients if c["client_id"] == client_id)  # type: ignore[attr-defined]
    auth = (client_id, client["client_secret"])
    answer = httpx.post(
        f"{pair.first}/oauth/us/token", data={"grant_type": "client_credentials"}, auth=auth
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"]), auth


def _query(url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
    )


def test_two_instances_give_a_client_one_limit(pair: Pair) -> None:
    token, _ = _client_token(pair, "us-dashboard")
    assert _query(pair.first, token).status_code == 200
    refused = _query(pair.second, token)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["RATE_LIMITED"]
    assert _query(pair.first, token).status_code == 429
    counted = [
        app.state.telemetry.metrics.registry.get_sample_value(  # type: ignore[attr-defined]
            "cmaa_rate_limited_total", {"administration": "US"}
        )
        for app in pair.apps
    ]
    assert counted == [1.0, 1.0]


def test_a_token_revoked_through_one_instance_is_refused_by_the_other(pair: Pair) -> None:
    token, auth = _client_token(pair, "us-dashboard")
    other, _ = _client_token(pair, "us-analyst")
    assert _query(pair.second, token).status_code == 200
    revoked = httpx.post(
        f"{pair.first}/oauth/us/revoke",
        data={"token": token, "token_type_hint": "access_token"},
        auth=auth,
    )
    assert revoked.status_code == 200, revoked.text
    refused = _query(pair.second, token)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    # The list holds that token only: another client's goes on.
    assert _query(pair.second, other).status_code == 200


async def test_the_distributed_gateway_refuses_a_token_revoked_by_its_issuer(
    pair: Pair, prefix: str
) -> None:
    """The gateway reads no store; with the same Redis it refuses at the edge what the
    subgraphs' stores would refuse behind it."""
    token, auth = _client_token(pair, "us-dashboard")
    issuers = pair.credentials["issuers"]  # type: ignore[index]
    config = GatewayConfig(
        host="127.0.0.1",
        port=8000,
        public_url="http://127.0.0.1:8000",
        cors_origins=(),
        cursor_secret=b"s" * 32,
        sources={},
        issuer_jwks=builtin_jwks(issuers),
        workers=1,
        source=Path("gateway.toml"),
        runtime=Runtime(redis_url=REDIS_URL, redis_prefix=prefix),
    )
    verifier = verifier_for(config, load_agreement())
    assert (await verifier.verify(token)).client_id == "us-dashboard"
    async with httpx.AsyncClient() as http:
        revoked = await http.post(
            f"{pair.second}/oauth/us/revoke", data={"token": token}, auth=auth
        )
    assert revoked.status_code == 200, revoked.text
    with pytest.raises(TokenRefused):
        await verifier.verify(token)


# -- when Redis does not answer ----------------------------------------------------------------


async def test_without_redis_each_process_still_limits_its_clients() -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    limiter = SharedRateLimiter(closed, "cmaa-test", "gateway", 1, burst=2)
    waits = [await limiter.acquire("US:us-dashboard") for _ in range(3)]
    assert waits[:2] == [0.0, 0.0] and waits[2] > 0


async def test_without_redis_the_store_decides_uncached(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'us.sqlite3'}"
    await prepare_store(url, Administration.US)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    async with open_store(url) as engine:
        revocations = StoreRevocations(
            engine, ttl_seconds=3600, shared=RedisDenyList(closed, "cmaa-test")
        )
        assert not await revocations.is_revoked("jti-1")
        async with session_factory(engine)() as session:
            await record_revocation(session, "jti-1", datetime.now(UTC) + timedelta(minutes=5))
            await session.commit()
        # Its own answer of a moment ago is not trusted while the shared list is silent.
        assert await revocations.is_revoked("jti-1")
