"""What the read path must keep, however fast it gets (issue 17), on both transports.

- Nothing the release policy decides outlives an operation: a release revoked by its owner
  stops handing its records over on the very next operation, after the same operation has
  been answered (and anything it could have cached filled) just before.
- A partner read leaves only once the owner's audit chain holds it: when the owner's store
  refuses the append, the caller gets an error and none of the partner's data.
- Loading a list's parties at once (resolvers.execution, `batched`) answers and audits exactly
  as loading them case by case; a page that does not select them, or a caller who may not read
  them, reads none.

Both run against the embedded gateway (in-process sources) and against a gateway whose US
source is US's own subgraph on loopback (the remote transport), over fresh stores of their
own (these tests revoke releases and make the stores refuse appends).
"""

import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from auth.verification import BuiltinIssuer, verifier_from_agreement
from gateway.app import GatewayParts, gateway_routes, hardening
from gateway.demo import build_demo_app, demo_issuer, prepare_demo_identities
from gateway.loopback import free_port, running_server
from gateway.settings import DemoStores
from gateway.subgraph import create_subgraph_app
from resolvers.exchange import types as exchange_types
from resolvers.exchange.administrations import Administrations
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.sources.in_process import InProcessSource
from resolvers.sources.remote import RemoteSource
from store.agreement import Agreement
from store.database import create_engine, open_store
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store
from tests.gateway.support import decode_id, post_graphql, released_rows
from tests.support.settings import suite_agreement

CASES = 60
SEED = 7
TRANSPORTS = ("embedded", "remote")

PARTNER_CASES = """
query PartnerCases {
  cases(first: 100, filter: {owners: [US]}) {
    totalCount
    edges { node { id title handling { owner tlp releasedUnder { id } } } }
  }
}
"""
DASHBOARD = """
query Dashboard {
  cases(first: 50) {
    edges {
      node {
        id owner title
        handling { releasedUnder { id } }
        parties { role entity { id owner name handling { owner marking } } }
      }
    }
  }
}
"""
DASHBOARD_SKIPPING_PARTIES = """
query Dashboard($skip: Boolean!) {
  cases(first: 50) {
    edges {
      node {
        id owner title
        handling { releasedUnder { id } }
        ... on Case @skip(if: $skip) {
          parties { role entity { id owner name handling { owner marking } } }
        }
      }
    }
  }
}
"""
WITHOUT_PARTIES = """
query Dashboard {
  cases(first: 50) {
    edges { node { id owner title handling { releasedUnder { id } } } }
  }
}
"""
REVOKE = """
mutation Revoke($id: ID!, $key: String!) {
  revokeRelease(id: $id, idempotencyKey: $key, reason: "Withdrawn by the owner.") {
    id revokedAt
  }
}
"""


@dataclass
class Stack:
    """Tokens from the demo's issuers, and a gateway URL per transport."""

    stores: DemoStores
    credentials: dict[str, Any]
    urls: dict[str, str]

    def token(self, client_id: str, scope: str | None = None) -> str:
        client = next(c for c in self.credentials["clients"] if c["client_id"] == client_id)
        issuer = self.credentials["issuers"][client["administration"]]
        answer = httpx.post(
            f"{issuer}/token",
            data={"grant_type": "client_credentials"} | ({"scope": scope} if scope else {}),
            auth=(client_id, client["client_secret"]),
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


def _remote_gateway(stores: DemoStores, agreement: Agreement, identity_url: str) -> Any:
    """A gateway over UZ's store in process and US's subgraph on loopback; returns a context
    manager yielding its URL."""

    @contextmanager
    def running() -> Iterator[str]:
        verifier = verifier_from_agreement(
            agreement,
            {a: BuiltinIssuer(issuer=demo_issuer(identity_url, a)) for a in Administration},
        )
        with ExitStack() as stack:
            subgraph_app = create_subgraph_app(
                Administration.US,
                create_engine(stores.url(Administration.US)),
                verifier,
                agreement,
            )
            subgraph_url = stack.enter_context(running_server(subgraph_app))
            uz_engine = create_engine(stores.url(Administration.UZ))
            administrations = Administrations(
                {
                    Administration.UZ: InProcessSource(Administration.UZ, uz_engine),
                    Administration.US: RemoteSource(
                        Administration.US, subgraph_url, agreement.limits
                    ),
                },
                timeout_seconds=agreement.limits.source_timeout_seconds,
            )
            parts = GatewayParts(
                agreement=agreement, administrations=administrations, verifier=verifier
            )

            @asynccontextmanager
            async def lifespan(_app: Starlette) -> AsyncIterator[None]:
                try:
                    yield
                finally:
                    await administrations.aclose()
                    await uz_engine.dispose()

            app = Starlette(
                routes=gateway_routes(parts),
                middleware=hardening(parts, identity_url),
                lifespan=lifespan,
            )
            yield stack.enter_context(running_server(app))

    return running()


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    agreement = suite_agreement()
    stores = DemoStores(Path(tmp_path_factory.mktemp("read-path")))
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            await seed_store(engine, administration, agreement, cases=CASES, seed=SEED)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    credentials = await prepare_demo_identities(stores, public_url, agreement)
    app = build_demo_app(stores, public_url, agreement)
    with ExitStack() as servers:
        embedded_url = servers.enter_context(running_server(app, port=port))
        remote_url = servers.enter_context(_remote_gateway(stores, agreement, embedded_url))
        yield Stack(stores, credentials, {"embedded": embedded_url, "remote": remote_url})


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


def _answer(http: httpx.Client, url: str, token: str, query: str, **variables: Any) -> Any:
    response = post_graphql(http, url, token, query, variables or None)
    assert response.status_code == 200, response.text
    return response.json()


def _us_case_ids(body: dict[str, Any]) -> set[int]:
    return {
        decode_id(edge["node"]["id"])[2]
        for edge in body["data"]["cases"]["edges"]
        if decode_id(edge["node"]["id"])[1] == "US"
    }


def _releases_in(body: dict[str, Any]) -> set[str]:
    return {
        edge["node"]["handling"]["releasedUnder"]["id"]
        for edge in body["data"]["cases"]["edges"]
        if edge["node"]["handling"]["releasedUnder"] is not None
    }


def _audit_size(stores: DemoStores, owner: Administration) -> int:
    with sqlite3.connect(stores.path(owner), timeout=30) as connection:
        return int(connection.execute("SELECT count(*) FROM audit_events").fetchone()[0])


# What an audit entry says of a read, without where and when it was written.
AUDIT_COLUMNS = (
    "actor_administration, subject, client_id, scopes, operation, decision, rule, record_ids, "
    "release_ids, detail"
)


def _audit_since(stores: DemoStores, sizes: dict[Administration, int]) -> dict[str, list[Any]]:
    """Each store's audit entries after `sizes`, in order, as what they say."""
    found = {}
    for owner, size in sizes.items():
        with sqlite3.connect(stores.path(owner), timeout=30) as connection:
            found[owner.value] = connection.execute(
                f"SELECT {AUDIT_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq", (size,)
            ).fetchall()
    return found


def _answer_audited(
    http: httpx.Client, stack: Stack, url: str, token: str, query: str, **variables: Any
) -> tuple[Any, dict[str, list[Any]]]:
    sizes = {owner: _audit_size(stack.stores, owner) for owner in Administration}
    body = _answer(http, url, token, query, **variables)
    return body, _audit_since(stack.stores, sizes)


def _entity_reads(audit: dict[str, list[Any]]) -> list[Any]:
    return [entry for entries in audit.values() for entry in entries if "ENTITY:" in entry[7]]


@contextmanager
def counted_party_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many cases each batch load of parties was given, while the block runs."""
    given: list[int] = []
    load = exchange_types.load_parties

    async def counting(context: Any, cases: Any) -> None:
        given.append(len(cases))
        await load(context, cases)

    with monkeypatch.context() as patch:
        patch.setattr(exchange_types, "load_parties", counting)
        yield given


@contextmanager
def appends_refused(stores: DemoStores, owner: Administration) -> Iterator[None]:
    """The owner's store refuses every new audit entry (a trigger), until the block ends."""
    name = f"refuse_audit_{uuid.uuid4().hex}"
    with sqlite3.connect(stores.path(owner), timeout=30) as connection:
        connection.execute(
            f"CREATE TRIGGER {name} BEFORE INSERT ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'the log takes no entries now'); END"
        )
    try:
        yield
    finally:
        with sqlite3.connect(stores.path(owner), timeout=30) as connection:
            connection.execute(f"DROP TRIGGER {name}")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_revoked_release_hands_over_nothing_on_the_very_next_operation(
    http: httpx.Client, stack: Stack, transport: str
) -> None:
    url = stack.urls[transport]
    reader = stack.token("uz-dashboard")
    before = _answer(http, url, reader, PARTNER_CASES)
    assert "errors" not in before, before
    again = _answer(http, url, reader, PARTNER_CASES)
    assert again == before  # the same operation, answered twice: anything it caches is filled
    releases = _releases_in(before)
    assert releases, "the seeded world releases US cases to UZ"
    # The release covering the most cases on the page, so its revocation shows.
    release_id = max(
        sorted(releases),
        key=lambda rid: sum(
            edge["node"]["handling"]["releasedUnder"] == {"id": rid}
            for edge in before["data"]["cases"]["edges"]
        ),
    )

    revoked = _answer(
        http,
        url,
        stack.token("us-workflow"),
        REVOKE,
        id=release_id,
        key=f"revoke-{transport}-{uuid.uuid4().hex}",
    )
    assert "errors" not in revoked, revoked
    assert revoked["data"]["revokeRelease"]["revokedAt"] is not None

    after = _answer(http, url, reader, PARTNER_CASES)
    assert "errors" not in after, after
    assert release_id not in _releases_in(after)
    # Exactly the US cases some other active release still hands to UZ, by the store itself.
    still_released = {row.id for row in released_rows(stack.stores, "US", "UZ", "CASE")}
    assert _us_case_ids(after) == still_released
    assert _us_case_ids(after) < _us_case_ids(before)
    assert after["data"]["cases"]["totalCount"] == len(still_released)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_audit_append_that_fails_withholds_the_partner_data(
    http: httpx.Client, stack: Stack, transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = stack.urls[transport]
    reader = stack.token("uz-dashboard")
    answered = _answer(http, url, reader, DASHBOARD)
    assert "errors" not in answered, answered
    assert any(e["node"]["owner"] == "US" for e in answered["data"]["cases"]["edges"]), (
        "the page holds US cases released to UZ"
    )
    logged = _audit_size(stack.stores, Administration.US)

    with (
        caplog.at_level(logging.ERROR, logger="resolvers.sources.ledger"),
        appends_refused(stack.stores, Administration.US),
    ):
        refused = _answer(http, url, reader, DASHBOARD)
    # The operator's log says why the answer was withheld; the caller's answer does not.
    assert any(
        "the US audit chain did not take" in record.getMessage()
        and "log takes no entries" in caplog.text
        for record in caplog.records
    ), caplog.text

    errors = refused.get("errors") or []
    assert errors, refused
    assert {e["extensions"]["code"] for e in errors} == {"SOURCE_UNAVAILABLE"}
    assert {e["extensions"]["administration"] for e in errors} == {"US"}
    text = str(refused)
    assert "log takes no entries" not in text  # nothing of the store's failure leaks
    data = refused.get("data")
    if transport == "embedded":
        # The whole answer is withheld: it cannot be told which parts the failed log covers.
        assert data is None
    else:
        # US's subgraph withheld its answer; the gateway answers with UZ's own data only.
        assert data is not None
        for edge in data["cases"]["edges"]:
            assert edge["node"]["owner"] == "UZ"
            for party in edge["node"]["parties"]:
                assert party["entity"]["owner"] == "UZ"
    # Nothing was recorded of the refused operation, and nothing of US's data left.
    assert _audit_size(stack.stores, Administration.US) == logged

    # The log takes entries again: the same operation is answered, and recorded.
    recovered = _answer(http, url, reader, DASHBOARD)
    assert "errors" not in recovered, recovered
    assert _audit_size(stack.stores, Administration.US) > logged


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_parties_loaded_for_a_whole_page_answer_and_audit_as_loaded_case_by_case(
    http: httpx.Client, stack: Stack, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = stack.urls[transport]
    reader = stack.token("uz-dashboard")
    with counted_party_loads(monkeypatch) as given:
        batched, batched_audit = _answer_audited(http, stack, url, reader, DASHBOARD)
    assert "errors" not in batched, batched
    assert given == [len(batched["data"]["cases"]["edges"])]  # one load, for the whole page
    assert any(edge["node"]["parties"] for edge in batched["data"]["cases"]["edges"])

    # The same operation with no list loaded at once: each case's resolver loads its own.
    with monkeypatch.context() as patch:
        patch.setattr(PlainFieldsExecutionContext, "_batches_of", lambda *_: ())
        with counted_party_loads(monkeypatch) as given_alone:
            alone, alone_audit = _answer_audited(http, stack, url, reader, DASHBOARD)
    assert given_alone == []
    assert alone == batched
    assert alone_audit == batched_audit
    assert _entity_reads(batched_audit), "the partner's entities read are audited"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_parties_skipped_or_refused_are_not_read(
    http: httpx.Client, stack: Stack, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = stack.urls[transport]
    reader = stack.token("uz-dashboard")
    unselected_body, unselected = _answer_audited(http, stack, url, reader, WITHOUT_PARTIES)
    assert "errors" not in unselected_body, unselected_body
    with counted_party_loads(monkeypatch) as given:
        skipped, skipped_audit = _answer_audited(
            http, stack, url, reader, DASHBOARD_SKIPPING_PARTIES, skip=True
        )
    assert "errors" not in skipped, skipped
    assert given == []
    assert all("parties" not in edge["node"] for edge in skipped["data"]["cases"]["edges"])
    assert skipped_audit == unselected
    assert not _entity_reads(skipped_audit)

    # A caller without the entities scope: the field is refused, and no entity is read.
    cases_only = stack.token("uz-dashboard", scope="cmaa.cases:read")
    refused, refused_audit = _answer_audited(http, stack, url, cases_only, DASHBOARD)
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"UNAUTHORIZED_FIELD"}
    assert all(edge["node"]["parties"] == [] for edge in refused["data"]["cases"]["edges"])
    assert not _entity_reads(refused_audit)
