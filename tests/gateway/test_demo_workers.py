"""`cmaa demo --workers N`: what one worker hands out, another must honour. Two instances of the
demo app over the same stores and one public URL, given the same `DemoWorkers` (as the
supervisor gives its workers), each served by its own uvicorn on 127.0.0.1, no Redis:

- a cursor one signs, the other accepts (and an instance with another secret refuses it);
- a login form one renders, the other accepts, and the consent the other renders, the first;
- a token revoked through one is refused by the other on the very next request;
- each keeps an equal share of the agreement's rate, so a client's total stays within it.

The processes themselves (`cmaa demo --workers 2`): tests/distributed/test_demo_workers.py.
"""

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client

from gateway.demo import DemoWorkers, build_demo_app, prepare_demo_identities
from gateway.http.rate_limit import RateLimiter, default_burst
from gateway.runtime import Runtime
from store.agreement import Agreement, load_agreement
from tests.adversarial.world import seeded_stores
from tests.auth.support import only_form
from tests.support.servers import free_port, running_server

PAGE = """query Page($after: String) {
  cases(first: 3, after: $after) {
    pageInfo { endCursor hasNextPage }
    edges { node { id owner } }
  }
}"""
VIEWER = "{ viewer { administration } }"


@dataclass
class Workers:
    """Two demo instances sharing a secret, and one with a secret of its own."""

    first: str
    second: str
    stranger: str
    credentials: dict[str, Any]
    agreement: Agreement

    def client(self, client_id: str) -> dict[str, Any]:
        return next(c for c in self.credentials["clients"] if c["client_id"] == client_id)

    def user(self, username: str) -> dict[str, Any]:
        return next(u for u in self.credentials["users"] if u["username"] == username)

    def token(self, client_id: str) -> str:
        client = self.client(client_id)
        issued = httpx.post(
            f"{self.first}/oauth/{client['administration'].lower()}/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, client["client_secret"]),
        )
        assert issued.status_code == 200, issued.text
        return str(issued.json()["access_token"])


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    directory: Path = tmp_path_factory.mktemp("demo-workers")
    agreement = load_agreement()
    stores = asyncio.run(seeded_stores(directory, agreement, cases=8))
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    credentials = asyncio.run(prepare_demo_identities(stores, public_url, agreement))
    shared = DemoWorkers(count=2, secret=secrets.token_bytes(32))
    alone = DemoWorkers(count=2, secret=secrets.token_bytes(32))

    def app(given: DemoWorkers) -> Any:
        return build_demo_app(stores, public_url, agreement, Runtime(), given)

    with ExitStack() as stack:
        first = stack.enter_context(running_server(app(shared), port=port))
        second = stack.enter_context(running_server(app(shared)))
        stranger = stack.enter_context(running_server(app(alone)))
        yield Workers(first, second, stranger, credentials, agreement)


def _post(url: str, token: str, query: str, **variables: Any) -> httpx.Response:
    return httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60.0,
    )


def test_a_cursor_signed_by_one_worker_is_honoured_by_the_other(workers: Workers) -> None:
    token = workers.token("uz-dashboard")
    first_page = _post(workers.first, token, PAGE).json()
    assert "errors" not in first_page, first_page
    cases = first_page["data"]["cases"]
    assert cases["pageInfo"]["hasNextPage"]
    cursor = cases["pageInfo"]["endCursor"]

    next_page = _post(workers.second, token, PAGE, after=cursor).json()
    assert "errors" not in next_page, next_page
    seen = {edge["node"]["id"] for edge in cases["edges"]}
    following = {edge["node"]["id"] for edge in next_page["data"]["cases"]["edges"]}
    assert following and not seen & following

    # The control: an instance with a secret of its own takes it for a forged cursor.
    refused = _post(workers.stranger, token, PAGE, after=cursor).json()
    assert refused["data"] is None or refused["data"]["cases"] is None
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _login_page(client: AsyncOAuth2Client, browser: httpx.AsyncClient, url: str) -> Any:
    authorize, _ = client.create_authorization_url(
        f"{url}/oauth/uz/authorize", code_verifier=secrets.token_urlsafe(48)
    )
    page = await browser.get(authorize)
    assert page.status_code == 200, page.text
    return authorize, only_form(page.text)


async def _login_across(workers: Workers, render_at: str, submit_at: str) -> httpx.Response:
    """Open the sign-in page at one instance, submit it to another; then answer the consent
    page at the first."""
    person = workers.user("uz.analyst")
    async with (
        AsyncOAuth2Client(
            client_id="uz-graphiql",
            token_endpoint_auth_method="none",
            redirect_uri=f"{workers.first}/graphql",
            scope="cmaa.cases:read",
            code_challenge_method="S256",
        ) as client,
        httpx.AsyncClient() as browser,
    ):
        authorize, login = await _login_page(client, browser, render_at)
        fields = dict(login["fields"], username=person["username"], password=person["password"])
        query = urlsplit(authorize).query
        consent_page = await browser.post(f"{submit_at}/oauth/uz/authorize?{query}", data=fields)
        if consent_page.status_code != 200:
            return consent_page
        consent = only_form(consent_page.text)
        assert consent["fields"]["step"] == "consent"
        return await browser.post(
            f"{render_at}/oauth/uz/authorize?{query}",
            data=dict(consent["fields"], decision="approve"),
        )


async def test_a_login_form_of_one_worker_is_accepted_by_the_other(workers: Workers) -> None:
    redirect = await _login_across(workers, workers.first, workers.second)
    assert redirect.status_code == 302, redirect.text
    returned = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert returned["code"]

    # The control: a form another secret rendered is refused, and no code is issued.
    refused = await _login_across(workers, workers.first, workers.stranger)
    assert refused.status_code in (400, 403), refused.text
    assert "location" not in refused.headers


def test_a_token_revoked_through_one_worker_is_refused_by_the_other(workers: Workers) -> None:
    token = workers.token("uz-analyst")
    for url in (workers.second, workers.first, workers.second):
        answered = _post(url, token, VIEWER)
        assert answered.status_code == 200, answered.text
    client = workers.client("uz-analyst")
    revoked = httpx.post(
        f"{workers.first}/oauth/uz/revoke",
        data={"token": token},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert revoked.status_code == 200, revoked.text
    # The very next request, at the worker that did not revoke it and had accepted it.
    refused = _post(workers.second, token, VIEWER)
    assert refused.status_code == 401, refused.text


def test_without_a_shared_store_each_worker_keeps_an_equal_share_of_the_rate() -> None:
    rate = load_agreement().limits.rate_per_minute
    for count in (2, 3):
        limiter = DemoWorkers(count=count).rate_limiter(Runtime(), rate)
        assert isinstance(limiter, RateLimiter)
        assert limiter.rate * 60 * count <= rate
        assert limiter.capacity * count <= default_burst(rate)
    # One worker keeps the whole rate.
    whole = DemoWorkers(count=1).rate_limiter(Runtime(), rate)
    assert isinstance(whole, RateLimiter)
    assert whole.rate * 60 == rate and whole.capacity == default_burst(rate)
