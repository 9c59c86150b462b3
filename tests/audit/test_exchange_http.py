"""The distributed form: two subgraphs (`create_subgraph_app`, as `cmaa subgraph --partner-url`
wires them) on real uvicorn, each with its own store and signing key, exchange audit
checkpoints over HTTP on their own: each fetches the partner's, checks it with the key the
partner's issuer publishes (its real JWKS, fetched over HTTP), countersigns it, and collects
the partner's countersignatures of its own."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from auth.checkpoints import AuditSigner
from auth.server.app import AuthorizationService
from auth.verification import TokenVerifier
from gateway.cli import build_parser
from gateway.commands import CommandError
from gateway.commands.subgraph_commands import partner_of
from gateway.demo import demo_issuer
from gateway.subgraph import create_subgraph_app
from gateway.trust import trusted_issuers
from store.agreement import AuditCheckpoints, load_agreement
from store.database import create_engine
from store.models._base import utcnow
from store.models.domain import Administration
from tests.audit.conftest import (
    US,
    UZ,
    cmaa,
    execute,
    guard_off,
    prepare_log_store,
    rewrite_from,
)
from tests.support.databases import fresh_database
from tests.support.servers import free_port, running_server

ENTRIES = {US: 7, UZ: 4}
# The checkpointers look every 50 ms, so the exchange settles soon after start-up.
AGREEMENT = replace(
    load_agreement(), audit_checkpoints=AuditCheckpoints(every_entries=1000, every_seconds=0.05)
)
SETTLED_WITHIN_SECONDS = 90.0


@contextmanager
def issuers_served(urls: dict[Administration, str]) -> Iterator[str]:
    """Both administrations' real authorization servers (for their JWKS) on loopback."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    services = [
        AuthorizationService(
            administration=a,
            issuer=demo_issuer(base, a),
            engine=create_engine(url),
            agreement=AGREEMENT,
        )
        for a, url in urls.items()
    ]
    app = Starlette(routes=[route for service in services for route in service.routes()])
    with running_server(app, port=port):
        yield base


async def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(sql))]
    finally:
        await engine.dispose()


async def settled(urls: dict[Administration, str]) -> bool:
    """Each log checkpointed in full, witnessed by the partner, and its cosignature collected."""
    sizes = "SELECT max(size) FROM audit_cosignatures WHERE log_administration = '{}'"
    for log, witness in ((US, UZ), (UZ, US)):
        for store in (urls[witness], urls[log]):
            if (await rows(store, sizes.format(log.value)))[0][0] != ENTRIES[log]:
                return False
    return True


@pytest.fixture
async def stores(database_kind: str, tmp_path: Path) -> AsyncIterator[dict[Administration, str]]:
    async with (
        fresh_database(database_kind, tmp_path) as us_url,
        fresh_database(database_kind, tmp_path) as uz_url,
    ):
        urls = {US: us_url, UZ: uz_url}
        for administration, url in urls.items():
            await prepare_log_store(url, administration, ENTRIES[administration])
        yield urls


async def verify(stores: dict[Administration, str]) -> tuple[int, str, str]:
    result = await cmaa(
        "audit", "verify", "--database-url", stores[US], "--partner-database-url", stores[UZ]
    )
    return result.status, result.out, result.err


async def test_the_subgraphs_countersign_each_other_over_http(
    database_kind: str, stores: dict[Administration, str]
) -> None:
    ports = {a: free_port() for a in Administration}
    subgraph_urls = {a: f"http://127.0.0.1:{port}" for a, port in ports.items()}
    with ExitStack() as stack:
        issuer_base = stack.enter_context(issuers_served(stores))
        given = {
            demo_issuer(issuer_base, a): f"{demo_issuer(issuer_base, a)}/jwks"
            for a in Administration
        }
        trusts = trusted_issuers(AGREEMENT, given, {})
        verifier = TokenVerifier(trusts, audience="urn:cmaa:gateway", leeway_seconds=0)
        for administration, other in ((US, UZ), (UZ, US)):
            partner = partner_of(administration, subgraph_urls[other], trusts, 5.0)
            app = create_subgraph_app(
                administration,
                create_engine(stores[administration]),
                verifier,
                AGREEMENT,
                partner=partner,
            )
            stack.enter_context(running_server(app, port=ports[administration]))
        deadline = time.monotonic() + SETTLED_WITHIN_SECONDS
        while not await settled(stores):
            assert time.monotonic() < deadline, "the exchange did not settle"
            await asyncio.sleep(0.1)

        uz_engine = create_engine(stores[UZ])
        try:
            # UZ's subgraph identifies itself with an assertion signed with UZ's key.
            uz = AuditSigner(UZ, uz_engine, utcnow)
            as_uz = {"Authorization": f"Bearer {await uz.exchange_assertion(US)}"}
            # Signed by UZ, but for UZ's own subgraph: not for US's.
            elsewhere = {"Authorization": f"Bearer {await uz.exchange_assertion(UZ)}"}
        finally:
            await uz_engine.dispose()
        async with httpx.AsyncClient(base_url=subgraph_urls[US]) as http:
            for headers in ({}, {"Authorization": "Bearer x.y.z"}, elsewhere):
                refused = await http.get("/audit/checkpoint", headers=headers)
                assert refused.status_code == 401
                assert "checkpoint" not in refused.text
            published = (await http.get("/audit/checkpoint", headers=as_uz)).json()
            assert published["claims"]["log"] == "US"
            assert published["claims"]["size"] == ENTRIES[US]
            leaves = await http.get(
                "/audit/leaves", params={"after": 0, "upTo": ENTRIES[US]}, headers=as_uz
            )
            assert len(leaves.json()["leaves"]) == ENTRIES[US]
            for params in (
                {"after": 0, "upTo": ENTRIES[US] + 1},  # beyond what a checkpoint covers
                {"after": 3, "upTo": 2},
                {"after": "x", "upTo": 2},
                {},
            ):
                refused = await http.get("/audit/leaves", params=params, headers=as_uz)
                assert refused.status_code == 400, params

    status, out, err = await verify(stores)
    assert status == 0, err
    assert "cosignature(s) by UZ match" in out
    # With both subgraphs stopped, US rewrites entry 3 and removes its own records of it:
    # UZ's witness, fetched and countersigned over HTTP, still names the entry.
    await execute(stores[US], *guard_off(database_kind))
    await rewrite_from(stores[US], 3)
    await execute(
        stores[US],
        "DELETE FROM audit_cosignatures",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_tree_leaves",
    )
    status, _, err = await verify(stores)
    assert status == 1
    assert err.startswith("US: entry 3: the cosignature by UZ"), err


def test_the_partner_is_the_other_administration_at_an_http_url() -> None:
    issuers = {f"https://idp.example/oauth/{a.value.lower()}": "https://idp.example/jwks" for a in
               Administration}  # fmt: skip
    trusts = trusted_issuers(AGREEMENT, issuers, {})
    arguments = build_parser().parse_args(
        ["subgraph", "--administration", "US", "--database-url", "sqlite+aiosqlite:///x",
         "--partner-url", "https://uz-subgraph.example"]
    )  # fmt: skip
    partner = partner_of(US, arguments.partner_url, trusts, 5.0)
    assert (partner.administration, partner.base_url) == (UZ, "https://uz-subgraph.example")
    with pytest.raises(CommandError, match="is not an http"):
        partner_of(US, "file:///etc/passwd", trusts, 5.0)
