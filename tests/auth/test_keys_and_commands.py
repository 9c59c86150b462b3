"""Key rotation (`cmaa keys rotate`) and client registration (`cmaa clients ...`)."""

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.keys import (
    ensure_signing_key,
    jwks_document,
    publication_window,
    published_signing_keys,
    rotate_signing_key,
    signing_key,
)
from auth.verification import IssuerKeys
from gateway.cli import main
from store.agreement import load_agreement
from store.database import open_store, session_factory
from store.migrate import prepare_store
from store.models._base import utcnow
from store.models.domain import Administration
from tests.auth.support import Demo, bearer, header_of, running_demo

pytestmark = pytest.mark.asyncio


async def cmaa(*argv: str) -> tuple[int, str, str]:
    """Run the `cmaa` command in a thread (it runs its own event loop), capturing its output."""
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(list(argv))

    code = await asyncio.to_thread(run)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
async def fresh_demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path) as running:
        yield running


async def accepted_soon(demo: Demo, http: httpx.AsyncClient, token: str) -> int:
    # A verifier re-reads keys at most once a second: a brand-new kid may wait for that. The
    # bound only ends a wait that would never succeed; no load makes a second last this long.
    deadline = time.monotonic() + 60
    while True:
        status = (
            await http.get(f"{demo.base_url}/probe/whoami", headers=bearer(token))
        ).status_code
        if status == 200 or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.2)


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    fresh_demo: Demo, http: httpx.AsyncClient
) -> None:
    demo = fresh_demo
    jwks_uri = f"{demo.issuer('US')}/jwks"
    before = await demo.token(http, "us-dashboard")
    old_kid = header_of(before["access_token"])["kid"]
    assert (await accepted_soon(demo, http, before["access_token"])) == 200
    uz_kids = {key["kid"] for key in (await http.get(f"{demo.issuer('UZ')}/jwks")).json()["keys"]}

    code, out, err = await cmaa(
        "keys", "rotate", "--administration", "US", "--data-dir", str(demo.stores.data_dir)
    )
    assert code == 0, err
    assert "now signs" in out

    after = await demo.token(http, "us-dashboard")
    new_kid = header_of(after["access_token"])["kid"]
    assert new_kid != old_kid
    published = {key["kid"] for key in (await http.get(jwks_uri)).json()["keys"]}
    assert {old_kid, new_kid} <= published
    assert (await accepted_soon(demo, http, after["access_token"])) == 200
    assert (await accepted_soon(demo, http, before["access_token"])) == 200
    # The other administration's keys are its own business.
    uz_now = {key["kid"] for key in (await http.get(f"{demo.issuer('UZ')}/jwks")).json()["keys"]}
    assert uz_now == uz_kids


async def test_a_retired_key_is_published_until_its_tokens_expire(tmp_path: Path) -> None:
    agreement = load_agreement()
    window = publication_window(agreement.tokens)
    assert window == timedelta(
        minutes=agreement.tokens.access_token_minutes, seconds=agreement.tokens.leeway_seconds
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}"
    await prepare_store(url, Administration.US)
    async with open_store(url) as engine, session_factory(engine)() as session:
        first = await ensure_signing_key(session)
        rotated_at = utcnow()
        rotation = await rotate_signing_key(session, window, now=rotated_at)
        assert rotation.retired == {first.kid: rotated_at + window}
        current = await signing_key(session)
        assert current is not None and current.kid == rotation.signing_kid != first.kid

        def kids(rows: list[Any]) -> set[str]:
            return {row.kid for row in rows}

        just_before = rotated_at + window - timedelta(seconds=1)
        just_after = rotated_at + window + timedelta(seconds=1)
        assert kids(await published_signing_keys(session, window, just_before)) == {
            first.kid,
            current.kid,
        }
        assert kids(await published_signing_keys(session, window, just_after)) == {current.kid}

        later = await rotate_signing_key(session, window, now=just_after)
        assert later.dropped == [first.kid]
        document: Mapping[str, Any] = jwks_document(
            await published_signing_keys(session, window, just_after)
        )
        assert all(set(key) >= {"kid", "kty", "alg", "use", "n", "e"} for key in document["keys"])
        assert all("d" not in key for key in document["keys"])


async def test_unknown_kids_refresh_the_keys_at_most_once_per_interval() -> None:
    fetches = 0
    now = 1000.0

    class Source:
        async def fetch_jwks(self) -> Mapping[str, Any]:
            nonlocal fetches
            fetches += 1
            return {"keys": []}

    keys = IssuerKeys(Source(), refresh_interval=30, clock=lambda: now)
    for _ in range(5):
        assert await keys.key("unknown") is None
    assert fetches == 1
    now += 31
    assert await keys.key("still-unknown") is None
    assert fetches == 2


async def test_a_failed_fetch_is_retried_soon_and_less_often_while_it_fails() -> None:
    """A verifier started before its issuer: a failed fetch does not hold the keys back for a
    whole refresh interval, and while the issuer stays down it is asked ever less often."""
    fetches: list[float] = []
    now = 1000.0
    up = False

    class Source:
        async def fetch_jwks(self) -> Mapping[str, Any]:
            fetches.append(now)
            if not up:
                raise httpx.ConnectError("refused")
            return {"keys": []}

    keys = IssuerKeys(Source(), refresh_interval=30, clock=lambda: now)
    # Once a second for 40 s with the issuer down: tried at 0, 1, 3, 7, 15 and 31 s, the wait
    # doubling from 1 s and held at the refresh interval.
    for _ in range(41):
        assert await keys.key("any") is None
        now += 1
    assert [round(at - 1000.0) for at in fetches] == [0, 1, 3, 7, 15, 31]
    up = True
    now = fetches[-1] + 30
    assert await keys.key("any") is None
    assert len(fetches) == 7  # the issuer is up again: fetched, and the wait starts afresh
    now += 29
    assert await keys.key("other") is None
    assert len(fetches) == 7  # a successful fetch holds for the whole refresh interval


async def test_clients_add_list_remove(demo: Demo, http: httpx.AsyncClient) -> None:
    data_dir = str(demo.stores.data_dir)
    code, out, err = await cmaa(
        "clients", "add", "--administration", "UZ", "--data-dir", data_dir,
        "--client-id", "uz-reports", "--grant-type", "client_credentials",
        "--scope", "cmaa.cases:read", "--scope", "cmaa.audit:read", "--designated",
    )  # fmt: skip
    assert code == 0, err
    secret = next(
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("client_secret:")
    )

    token = await http.post(
        f"{demo.issuer('UZ')}/token",
        data={"grant_type": "client_credentials"},
        auth=("uz-reports", secret),
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "cmaa.cases:read cmaa.audit:read"

    code, out, _ = await cmaa("clients", "list", "--administration", "UZ", "--data-dir", data_dir)
    assert code == 0
    assert "uz-reports" in out and secret not in out

    code, _, err = await cmaa(
        "clients", "add", "--administration", "UZ", "--data-dir", data_dir,
        "--client-id", "uz-bad", "--grant-type", "client_credentials", "--scope", "cmaa.all:read",
    )  # fmt: skip
    assert code == 2 and "catalogue" in err

    code, _, err = await cmaa(
        "clients", "remove", "--administration", "UZ", "--data-dir", data_dir,
        "--client-id", "uz-reports",
    )  # fmt: skip
    assert code == 0, err
    gone = await http.post(
        f"{demo.issuer('UZ')}/token",
        data={"grant_type": "client_credentials"},
        auth=("uz-reports", secret),
    )
    assert gone.status_code == 401
