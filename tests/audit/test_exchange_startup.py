"""The checkpoint exchange starts with the subgraphs, often before the partner's issuer listens
(README's distributed path starts each issuer and subgraph in the background). Its first rounds
then fail to fetch the partner issuer's keys; that must cost the exchange a round, not the
partner's people their access: the first query through the gateway, once the issuers are up,
answers for both administrations.

The subgraphs' token verifiers keep their keys under a clock that never moves, so a refused
key refresh stays refused for the whole test whatever the machine's speed: a failed fetch
the exchange caused in the verifier's cache would show as a 401, never pass by waiting.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from auth.keys import ensure_signing_key
from auth.verification import IssuerKeys, IssuerTrust, TokenVerifier
from gateway.commands.subgraph_commands import partner_of
from gateway.demo import demo_issuer
from gateway.distributed import build_gateway_app, load_gateway_config
from gateway.issuer import IssuerSettings, build_issuer_app
from gateway.subgraph import create_subgraph_app
from gateway.trust import trusted_issuers
from store.agreement import AuditCheckpoints
from store.database import create_engine, session_factory
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store
from tests.audit.conftest import US, UZ, register_clients
from tests.support.databases import fresh_database
from tests.support.servers import free_port, running_server
from tests.support.settings import SUITE_SOURCE_TIMEOUT_SECONDS, suite_agreement

CASES = 20
SEED = 11
# The checkpointers look every 50 ms: their first rounds come while the issuers are down.
AGREEMENT = replace(
    suite_agreement(), audit_checkpoints=AuditCheckpoints(every_entries=1000, every_seconds=0.05)
)
FIRST_QUERY = (
    "{ viewer { administration } cases(first: 100) { totalCount edges { node { owner } } } }"
)
ROUNDS_WITHIN_SECONDS = 120.0


@pytest.fixture
async def stores(database_kind: str, tmp_path: Path) -> AsyncIterator[dict[Administration, str]]:
    async with (
        fresh_database(database_kind, tmp_path) as us_url,
        fresh_database(database_kind, tmp_path) as uz_url,
    ):
        urls = {US: us_url, UZ: uz_url}
        for administration, url in urls.items():
            await prepare_store(url, administration)
            engine = create_engine(url)
            try:
                await seed_store(engine, administration, AGREEMENT, cases=CASES, seed=SEED)
                async with session_factory(engine)() as session:
                    await ensure_signing_key(session)
            finally:
                await engine.dispose()
        yield urls


def never_moves() -> float:
    return 0.0


def subgraph_verifier(given: dict[str, str]) -> tuple[TokenVerifier, list[IssuerTrust]]:
    """What `cmaa subgraph` trusts, its key caches under a clock that never moves."""
    trusts = [
        replace(trust, keys=IssuerKeys(trust.keys.source, clock=never_moves))
        for trust in trusted_issuers(AGREEMENT, given, {})
    ]
    verifier = TokenVerifier(
        trusts,
        audience=AGREEMENT.tokens.audience,
        leeway_seconds=AGREEMENT.tokens.leeway_seconds,
        known_scopes=AGREEMENT.scopes,
    )
    return verifier, trusts


class Messages(logging.Handler):
    """What a logger says, kept (attached to it directly: a log configuration that stops
    `cmaa` propagating to the root cannot hide it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append(record.getMessage())


@contextmanager
def said_by(name: str) -> Iterator[Messages]:
    logger, messages = logging.getLogger(name), Messages()
    logger.addHandler(messages)
    try:
        yield messages
    finally:
        logger.removeHandler(messages)


def rounds_done(app: Starlette, count: int) -> None:
    """Wait until the subgraph's checkpointer (in the server's thread) has run `count` rounds."""
    deadline = time.monotonic() + ROUNDS_WITHIN_SECONDS
    while app.state.checkpointer.rounds < count:
        assert time.monotonic() < deadline, "the checkpointer does not run"
        time.sleep(0.02)


@contextmanager
def gateway_served(
    directory: Path, subgraphs: dict[Administration, str], given: dict[str, str]
) -> Iterator[str]:
    """`cmaa gateway --config gateway.toml` as README writes its configuration."""
    port = free_port()
    (directory / "cursor.secret").write_text("ab" * 32, encoding="utf-8")
    issuers = "\n".join(f'"{issuer}" = "{jwks}"' for issuer, jwks in given.items())
    config = directory / "gateway.toml"
    config.write_text(
        f'[gateway]\nport = {port}\ncursor_secret_file = "{directory / "cursor.secret"}"\n'
        f'[sources]\nUS = "{subgraphs[US]}"\nUZ = "{subgraphs[UZ]}"\n[issuers]\n{issuers}\n',
        encoding="utf-8",
    )
    loaded = load_gateway_config(config)
    verifier = TokenVerifier(
        trusted_issuers(AGREEMENT, loaded.issuer_jwks, {}),
        audience=AGREEMENT.tokens.audience,
        leeway_seconds=AGREEMENT.tokens.leeway_seconds,
        known_scopes=AGREEMENT.scopes,
    )
    with running_server(build_gateway_app(loaded, AGREEMENT, verifier), port=port) as url:
        yield url


async def token(http: httpx.AsyncClient, issuer: str, client: dict[str, Any]) -> str:
    response = await http.post(
        f"{issuer}/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_the_first_query_answers_for_both_though_the_exchange_began_before_the_issuers(
    stores: dict[Administration, str], tmp_path: Path
) -> None:
    issuer_ports = {a: free_port() for a in Administration}
    issuer_urls = {a: f"http://127.0.0.1:{port}" for a, port in issuer_ports.items()}
    issuers = {a: demo_issuer(url, a) for a, url in issuer_urls.items()}
    given = {issuer: f"{issuer}/jwks" for issuer in issuers.values()}
    clients = {
        a: {
            c["client_id"]: c
            for c in await register_clients(stores[a], a, AGREEMENT, issuer_urls[a])
        }
        for a in Administration
    }
    subgraph_ports = {a: free_port() for a in Administration}
    subgraphs = {a: f"http://127.0.0.1:{port}" for a, port in subgraph_ports.items()}
    apps: dict[Administration, Starlette] = {}
    with ExitStack() as stack:
        audit_log = stack.enter_context(said_by("cmaa.audit"))
        # The subgraphs first, each exchanging with the other; no issuer listens yet.
        for administration, other in ((US, UZ), (UZ, US)):
            verifier, trusts = subgraph_verifier(given)
            apps[administration] = create_subgraph_app(
                administration,
                create_engine(stores[administration]),
                verifier,
                AGREEMENT,
                partner=partner_of(administration, subgraphs[other], trusts, 5.0),
            )
            stack.enter_context(
                running_server(apps[administration], port=subgraph_ports[administration])
            )
        # A round of each that began once both listened: each has been asked for its
        # checkpoint by the other, and looked for the other's key where its issuer publishes it.
        started = {a: app.state.checkpointer.rounds for a, app in apps.items()}
        for administration, app in apps.items():
            await asyncio.to_thread(rounds_done, app, started[administration] + 2)
        failed = [message for message in audit_log.said if "exchange failed" in message]
        assert {message[:3] for message in failed} == {"US:", "UZ:"}, failed

        for administration in Administration:
            settings = IssuerSettings(
                administration, stores[administration], issuer_urls[administration]
            )
            stack.enter_context(
                running_server(
                    build_issuer_app(settings, AGREEMENT), port=issuer_ports[administration]
                )
            )
        gateway = stack.enter_context(gateway_served(tmp_path, subgraphs, given))

        async with httpx.AsyncClient(timeout=SUITE_SOURCE_TIMEOUT_SECONDS + 30) as http:
            for administration, other in ((US, UZ), (UZ, US)):
                client = clients[administration][f"{administration.value.lower()}-dashboard"]
                bearer = {
                    "Authorization": f"Bearer {await token(http, issuers[administration], client)}"
                }
                # The partner's subgraph takes this administration's token ...
                direct = await http.post(
                    f"{subgraphs[other]}/graphql",
                    json={"query": "{ cases(first: 1) { totalCount } }"},
                    headers=bearer,
                )
                assert direct.status_code == 200, direct.text
                # ... so the first query through the gateway answers with both.
                answer = await http.post(
                    f"{gateway}/graphql", json={"query": FIRST_QUERY}, headers=bearer
                )
                assert answer.status_code == 200, answer.text
                body = answer.json()
                assert "errors" not in body, body
                assert body["data"]["viewer"]["administration"] == administration.value
                owners = {edge["node"]["owner"] for edge in body["data"]["cases"]["edges"]}
                assert owners == {"US", "UZ"}, body
