"""People: the authorization code grant with PKCE, the sign-in and consent pages, and
refresh-token rotation, all driven over HTTP."""

import secrets
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from auth.registry import ClientRegistration, put_client
from store.database import open_store, session_factory
from store.models.domain import Administration
from tests.auth.support import Demo, bearer, claims_of, only_form

pytestmark = pytest.mark.asyncio

SCOPE = "cmaa.cases:read cmaa.entities:read"


def graphiql(demo: Demo, administration: str, **options: Any) -> AsyncOAuth2Client:
    client_id = f"{administration.lower()}-graphiql"
    return AsyncOAuth2Client(
        client_id=client_id,
        token_endpoint_auth_method="none",
        redirect_uri=f"{demo.base_url}/graphql",
        scope=SCOPE,
        code_challenge_method="S256",
        **options,
    )


async def sign_in_and_consent(
    demo: Demo,
    browser: httpx.AsyncClient,
    authorization_url: str,
    username: str,
    decision: str = "approve",
) -> httpx.Response:
    """What a person does in the browser: open the page, sign in, answer the consent page."""
    page = await browser.get(authorization_url)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    login = only_form(page.text)
    fields = dict(login["fields"])
    assert fields["csrf_token"] and fields["step"] == "login"
    fields.update(username=username, password=demo.user(username)["password"])
    consent_page = await browser.post(urljoin(authorization_url, login["action"]), data=fields)
    assert consent_page.status_code == 200, consent_page.text
    consent = only_form(consent_page.text)
    assert consent["fields"]["step"] == "consent" and consent["fields"]["ticket"]
    answer = dict(consent["fields"], decision=decision)
    return await browser.post(urljoin(authorization_url, consent["action"]), data=answer)


async def test_full_round_trip_with_refresh_rotation(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "US")
    verifier = secrets.token_urlsafe(48)
    async with graphiql(demo, "US") as client, httpx.AsyncClient() as browser:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        redirect = await sign_in_and_consent(demo, browser, url, "us.analyst")
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith(f"{demo.base_url}/graphql?")
        returned = parse_qs(urlsplit(location).query)
        assert returned["state"] == [state]
        assert returned["iss"] == [metadata["issuer"]]  # RFC 9207

        token = await client.fetch_token(
            metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        claims = claims_of(token["access_token"])
        assert claims["sub"] == "us.analyst"
        assert claims["client_id"] == "us-graphiql"
        assert claims["aud"] == demo.agreement.tokens.audience
        assert claims["designated"] is True
        assert set(claims["scope"].split()) == set(SCOPE.split())
        first_refresh = token["refresh_token"]

        whoami = await http.get(
            f"{demo.base_url}/probe/whoami", headers=bearer(token["access_token"])
        )
        assert whoami.status_code == 200
        assert whoami.json()["administration"] == "US"
        assert whoami.json()["subject"] == "us.analyst"

        refreshed = await client.refresh_token(
            metadata["token_endpoint"], refresh_token=first_refresh
        )
        assert refreshed["refresh_token"] != first_refresh
        assert claims_of(refreshed["access_token"])["jti"] != claims["jti"]

        with pytest.raises(OAuthError) as reused:
            await client.refresh_token(metadata["token_endpoint"], refresh_token=first_refresh)
        assert reused.value.error == "invalid_grant"

        # The replay ended the whole grant: the newest refresh token is refused too.
        with pytest.raises(OAuthError) as after_replay:
            await client.refresh_token(
                metadata["token_endpoint"], refresh_token=refreshed["refresh_token"]
            )
        assert after_replay.value.error == "invalid_grant"


async def test_a_code_is_used_once(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "UZ")
    verifier = secrets.token_urlsafe(48)
    async with graphiql(demo, "UZ") as client, httpx.AsyncClient() as browser:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        location = (await sign_in_and_consent(demo, browser, url, "uz.analyst")).headers["location"]
        await client.fetch_token(
            metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        with pytest.raises(OAuthError) as again:
            await client.fetch_token(
                metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
    assert again.value.error == "invalid_grant"


async def test_a_wrong_code_verifier_is_refused(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "UZ")
    verifier = secrets.token_urlsafe(48)
    async with graphiql(demo, "UZ") as client, httpx.AsyncClient() as browser:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        location = (await sign_in_and_consent(demo, browser, url, "uz.analyst")).headers["location"]
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(
                metadata["token_endpoint"],
                authorization_response=location,
                code_verifier=secrets.token_urlsafe(48),
            )
    assert refused.value.error == "invalid_grant"


def _authorize_url(demo: Demo, metadata: dict[str, Any], **parameters: str) -> httpx.URL:
    query = {
        "response_type": "code",
        "client_id": "us-graphiql",
        "redirect_uri": f"{demo.base_url}/graphql",
        "scope": SCOPE,
        "state": "xyz",
        **parameters,
    }
    return httpx.URL(metadata["authorization_endpoint"], params=query)


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "a" * 43},  # no method: RFC 7636 would default to plain
        {},  # no PKCE at all
    ],
)
async def test_plain_or_missing_pkce_is_refused(
    demo: Demo, http: httpx.AsyncClient, pkce: dict[str, str]
) -> None:
    metadata = await demo.metadata(http, "US")
    response = await http.get(_authorize_url(demo, metadata, **pkce))
    assert response.status_code == 302
    returned = parse_qs(urlsplit(response.headers["location"]).query)
    assert returned["error"] == ["invalid_request"]
    assert returned["state"] == ["xyz"]
    assert returned["iss"] == [metadata["issuer"]]


async def test_an_unregistered_redirect_uri_is_never_redirected_to(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    challenge = create_s256_code_challenge(secrets.token_urlsafe(48))
    response = await http.get(
        _authorize_url(
            demo,
            metadata,
            redirect_uri="https://attacker.example/cb",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "attacker.example" in response.text  # shown, escaped, to the person


async def test_asking_for_scopes_outside_the_registration_is_invalid_scope(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    challenge = create_s256_code_challenge(secrets.token_urlsafe(48))
    response = await http.get(
        _authorize_url(
            demo,
            metadata,
            scope="cmaa.cases:read cmaa.everything:write",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["invalid_scope"]


async def test_a_post_without_the_csrf_cookie_is_refused(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    challenge = create_s256_code_challenge(secrets.token_urlsafe(48))
    url = _authorize_url(demo, metadata, code_challenge=challenge, code_challenge_method="S256")
    async with httpx.AsyncClient() as browser:
        form = only_form((await browser.get(url)).text)
    # A forged cross-site post carries the form's fields but not the victim's cookie.
    fields = dict(
        form["fields"], username="us.analyst", password=demo.user("us.analyst")["password"]
    )
    async with httpx.AsyncClient() as attacker:
        response = await attacker.post(urljoin(str(url), form["action"]), data=fields)
    assert response.status_code == 403
    assert "ticket" not in response.text


async def test_a_wrong_password_shows_the_login_form_again(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    challenge = create_s256_code_challenge(secrets.token_urlsafe(48))
    url = _authorize_url(demo, metadata, code_challenge=challenge, code_challenge_method="S256")
    async with httpx.AsyncClient() as browser:
        form = only_form((await browser.get(url)).text)
        fields = dict(form["fields"], username="us.analyst", password="wrong")
        response = await browser.post(urljoin(str(url), form["action"]), data=fields)
    assert response.status_code == 200
    assert "not correct" in response.text
    assert only_form(response.text)["fields"]["step"] == "login"


async def test_denying_consent_redirects_with_access_denied(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "UZ")
    verifier = secrets.token_urlsafe(48)
    async with graphiql(demo, "UZ") as client, httpx.AsyncClient() as browser:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        response = await sign_in_and_consent(demo, browser, url, "uz.analyst", decision="deny")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["access_denied"]


async def test_a_person_receives_only_scopes_they_hold(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "UZ")
    verifier = secrets.token_urlsafe(48)
    async with graphiql(demo, "UZ") as client, httpx.AsyncClient() as browser:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            code_verifier=verifier,
            scope="cmaa.cases:read cmaa.pii:read",
        )
        location = (await sign_in_and_consent(demo, browser, url, "uz.trainee")).headers["location"]
        token = await client.fetch_token(
            metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
    claims = claims_of(token["access_token"])
    assert claims["scope"] == "cmaa.cases:read"  # the trainee does not hold cmaa.pii:read
    assert claims["designated"] is False


async def test_pages_escape_what_they_show(demo: Demo, http: httpx.AsyncClient) -> None:
    hostile = '<script>alert("x")</script>'
    url = demo.stores.url(Administration.US)
    async with open_store(url) as engine, session_factory(engine)() as session:
        await put_client(
            session,
            ClientRegistration(
                client_id="us-hostile",
                grant_types=("authorization_code",),
                scopes=("cmaa.cases:read",),
                redirect_uris=("http://127.0.0.1:9/cb",),
                public=True,
                description=hostile,
            ),
            demo.agreement.scopes,
            None,
        )
        await session.commit()
    metadata = await demo.metadata(http, "US")
    challenge = create_s256_code_challenge(secrets.token_urlsafe(48))
    response = await http.get(
        _authorize_url(
            demo,
            metadata,
            client_id="us-hostile",
            redirect_uri="http://127.0.0.1:9/cb",
            scope="cmaa.cases:read",
            state='"><script>alert(1)</script>',
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    assert response.status_code == 200
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text
