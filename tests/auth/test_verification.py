"""Token verification through a protected Starlette endpoint on real uvicorn: what is
accepted, as which administration, and every way a token is refused (RFC 6750 answers)."""

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.http import protected
from auth.verification import BuiltinIssuer, verifier_from_agreement
from gateway.loopback import running_server
from store.models.domain import Administration
from tests.auth.support import (
    Demo,
    bearer,
    good_claims,
    header_of,
    hmac_signed,
    sign,
    unsigned,
)
from tests.support.clock import TestClock

pytestmark = pytest.mark.asyncio

WWW = "www-authenticate"


async def whoami(demo: Demo, http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get(f"{demo.base_url}/probe/whoami", headers=bearer(token))


def assert_invalid_token(response: httpx.Response, description_part: str | None = None) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers[WWW]
    assert challenge.startswith('Bearer realm="cmaa"')
    assert 'error="invalid_token"' in challenge
    assert "error_description=" in challenge
    if description_part is not None:
        assert description_part in challenge


@pytest.mark.parametrize(
    ("client_id", "administration"), [("uz-dashboard", "UZ"), ("us-dashboard", "US")]
)
async def test_tokens_are_accepted_as_their_issuers_administration(
    demo: Demo, http: httpx.AsyncClient, client_id: str, administration: str
) -> None:
    token = await demo.token(http, client_id)
    response = await whoami(demo, http, token["access_token"])
    assert response.status_code == 200
    body = response.json()
    assert body["administration"] == administration
    assert body["client_id"] == body["subject"] == client_id
    assert body["designated"] is True
    assert "cmaa.pii:read" in body["scopes"]


async def test_a_missing_token_gets_a_bare_challenge(demo: Demo, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{demo.base_url}/probe/whoami")
    assert response.status_code == 401
    assert response.headers[WWW] == 'Bearer realm="cmaa"'


async def test_a_malformed_token_is_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    assert_invalid_token(await whoami(demo, http, "not.a-jwt"), "malformed")
    assert_invalid_token(await whoami(demo, http, "abc"), "malformed")


async def test_a_token_signed_by_an_unknown_key_is_refused(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    rogue = RSAKey.generate_key(2048)
    _, real_kid = await demo.signing_key("UZ")
    claims = good_claims(demo, "UZ")
    for kid in ("rogue-key", real_kid):  # a made-up kid, and the real kid on the wrong key
        token = sign({"alg": "RS256", "typ": "at+jwt", "kid": kid}, claims, rogue)
        assert_invalid_token(await whoami(demo, http, token))


async def test_alg_none_is_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    _, kid = await demo.signing_key("UZ")
    token = unsigned({"alg": "none", "typ": "at+jwt", "kid": kid}, good_claims(demo, "UZ"))
    assert_invalid_token(await whoami(demo, http, token))


async def test_hs256_with_the_public_key_as_secret_is_refused(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    key, kid = await demo.signing_key("UZ")
    public_pem = key.as_pem(private=False)
    jwks = (await http.get(f"{demo.issuer('UZ')}/jwks")).content
    for secret in (public_pem, jwks):
        token = hmac_signed(
            {"alg": "HS256", "typ": "at+jwt", "kid": kid}, good_claims(demo, "UZ"), secret
        )
        assert_invalid_token(await whoami(demo, http, token))


async def test_the_real_key_makes_a_valid_token(demo: Demo, http: httpx.AsyncClient) -> None:
    # The control for the refusals below: only the one thing each changes is wrong.
    key, kid = await demo.signing_key("UZ")
    token = sign({"alg": "RS256", "typ": "at+jwt", "kid": kid}, good_claims(demo, "UZ"), key)
    assert (await whoami(demo, http, token)).status_code == 200


async def test_a_missing_or_wrong_typ_is_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    key, kid = await demo.signing_key("UZ")
    for header in ({"alg": "RS256", "kid": kid}, {"alg": "RS256", "typ": "JWT", "kid": kid}):
        token = sign(header, good_claims(demo, "UZ"), key)
        assert header_of(token).get("typ") == header.get("typ")
        assert_invalid_token(await whoami(demo, http, token))


async def test_a_wrong_audience_is_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    key, kid = await demo.signing_key("UZ")
    for audience in ("urn:somewhere:else", "uz-dashboard"):
        claims = good_claims(demo, "UZ", aud=audience)
        token = sign({"alg": "RS256", "typ": "at+jwt", "kid": kid}, claims, key)
        assert_invalid_token(await whoami(demo, http, token), "not issued for this service")


@pytest.fixture(scope="module")
def clock() -> TestClock:
    """Seconds since the epoch, moved by the test alone."""
    return TestClock(start=float(int(time.time())))


@pytest.fixture(scope="module")
async def clocked_probe(demo: Demo, clock: TestClock) -> AsyncIterator[str]:
    """A resource server trusting the demo issuers whose verifier tells time by `clock`: the
    expiry checks do not depend on how long the test takes."""
    verifier = verifier_from_agreement(
        demo.agreement,
        {
            Administration(name): BuiltinIssuer(issuer=url)
            for name, url in demo.credentials["issuers"].items()
        },
        clock=clock,
    )

    async def endpoint(request: Request) -> Response:
        return JSONResponse({"administration": request.state.principal.administration.value})

    app = Starlette(routes=[Route("/whoami", protected(verifier)(endpoint))])
    with running_server(app) as base_url:
        yield base_url


async def test_an_expired_token_is_refused_after_the_leeway(
    demo: Demo, http: httpx.AsyncClient, clocked_probe: str, clock: TestClock
) -> None:
    key, kid = await demo.signing_key("UZ")
    leeway = demo.agreement.tokens.leeway_seconds
    now = int(clock())
    header = {"alg": "RS256", "typ": "at+jwt", "kid": kid}

    async def status(token: str) -> httpx.Response:
        return await http.get(f"{clocked_probe}/whoami", headers=bearer(token))

    expired = sign(header, good_claims(demo, "UZ", iat=now - 1000, exp=now - leeway - 5), key)
    assert_invalid_token(await status(expired), "expired")
    within = sign(header, good_claims(demo, "UZ", iat=now - 1000, exp=now - leeway + 10), key)
    assert (await status(within)).status_code == 200
    not_yet = sign(
        header, good_claims(demo, "UZ", iat=now, nbf=now + leeway + 60, exp=now + 3600), key
    )
    assert_invalid_token(await status(not_yet))
    # The same tokens once the clock has moved: past the leeway, and no longer too early.
    clock.advance(leeway + 61)
    assert_invalid_token(await status(within), "expired")
    assert (await status(not_yet)).status_code == 200


async def test_an_untrusted_or_borrowed_issuer_is_refused(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    key, kid = await demo.signing_key("US")
    header = {"alg": "RS256", "typ": "at+jwt", "kid": kid}
    foreign = sign(header, good_claims(demo, "US", iss="http://127.0.0.1:9/oauth/us"), key)
    assert_invalid_token(await whoami(demo, http, foreign))
    # Signed by US, claiming to be UZ's: the administration comes from the key, never the claim.
    borrowed = sign(header, good_claims(demo, "US", iss=demo.issuer("UZ")), key)
    assert_invalid_token(await whoami(demo, http, borrowed))
    listed = sign(header, good_claims(demo, "US", iss=[demo.issuer("US")]), key)
    assert_invalid_token(await whoami(demo, http, listed))


async def test_missing_required_claims_are_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    key, kid = await demo.signing_key("UZ")
    header = {"alg": "RS256", "typ": "at+jwt", "kid": kid}
    for claim in ("jti", "client_id", "exp", "sub"):
        token = sign(header, good_claims(demo, "UZ", **{claim: None}), key)
        assert_invalid_token(await whoami(demo, http, token))


async def test_a_revoked_access_token_is_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    token = (await demo.token(http, "uz-analyst"))["access_token"]
    assert (await whoami(demo, http, token)).status_code == 200
    metadata = await demo.metadata(http, "UZ")
    secret = demo.client("uz-analyst")["client_secret"]
    revoked = await http.post(
        metadata["revocation_endpoint"],
        data={"token": token, "token_type_hint": "access_token"},
        auth=("uz-analyst", secret),
    )
    assert revoked.status_code == 200
    assert_invalid_token(await whoami(demo, http, token), "revoked")


async def test_insufficient_scope_is_403_naming_the_scope(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    token = (await demo.token(http, "us-analyst"))["access_token"]
    response = await http.get(f"{demo.base_url}/probe/pii", headers=bearer(token))
    assert response.status_code == 403
    challenge = response.headers[WWW]
    assert challenge.startswith('Bearer realm="cmaa"')
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="cmaa.pii:read"' in challenge
    dashboard = (await demo.token(http, "us-dashboard"))["access_token"]
    assert (
        await http.get(f"{demo.base_url}/probe/pii", headers=bearer(dashboard))
    ).status_code == 200


@pytest.fixture(scope="module")
async def remote_probe(demo: Demo) -> AsyncIterator[str]:
    """A resource server of its own that knows the demo issuers only by URL: it fetches their
    JWKS over HTTP (as a subgraph or a partner's gateway would)."""
    verifier = verifier_from_agreement(
        demo.agreement,
        {
            Administration(name): BuiltinIssuer(issuer=url)
            for name, url in demo.credentials["issuers"].items()
        },
    )

    async def endpoint(request: Request) -> Response:
        return JSONResponse({"administration": request.state.principal.administration.value})

    app = Starlette(routes=[Route("/whoami", protected(verifier, "cmaa.cases:read")(endpoint))])
    with running_server(app) as base_url:
        yield base_url


async def test_a_remote_verifier_uses_the_jwks_over_http(
    demo: Demo, http: httpx.AsyncClient, remote_probe: str
) -> None:
    for client_id, administration in (("uz-dashboard", "UZ"), ("us-workflow", "US")):
        token = (await demo.token(http, client_id))["access_token"]
        response = await http.get(f"{remote_probe}/whoami", headers=bearer(token))
        assert response.status_code == 200
        assert response.json() == {"administration": administration}
    rogue = sign(
        {"alg": "RS256", "typ": "at+jwt", "kid": "rogue"},
        good_claims(demo, "UZ"),
        RSAKey.generate_key(2048),
    )
    response = await http.get(f"{remote_probe}/whoami", headers=bearer(rogue))
    assert response.status_code == 401
