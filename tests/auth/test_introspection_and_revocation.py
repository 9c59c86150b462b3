"""RFC 7662 introspection (confidential clients only) and RFC 7009 revocation."""

import secrets
from urllib.parse import urljoin

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from tests.auth.support import Demo, bearer, only_form

pytestmark = pytest.mark.asyncio


async def test_introspection_refuses_an_unauthenticated_caller(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "UZ")
    token = (await demo.token(http, "uz-dashboard"))["access_token"]
    anonymous = await http.post(metadata["introspection_endpoint"], data={"token": token})
    assert anonymous.status_code in (400, 401)
    assert anonymous.json()["error"] == "invalid_client"
    assert "active" not in anonymous.json()
    wrong = await http.post(
        metadata["introspection_endpoint"],
        data={"token": token},
        auth=("uz-dashboard", "wrong-secret"),
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"


async def test_introspection_refuses_a_public_client(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "UZ")
    token = (await demo.token(http, "uz-dashboard"))["access_token"]
    response = await http.post(
        metadata["introspection_endpoint"], data={"token": token, "client_id": "uz-graphiql"}
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


async def test_introspection_describes_a_live_access_token(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "UZ")
    token = (await demo.token(http, "uz-workflow"))["access_token"]
    async with AsyncOAuth2Client(
        "uz-dashboard", demo.client("uz-dashboard")["client_secret"]
    ) as client:
        response = await client.introspect_token(
            metadata["introspection_endpoint"], token=token, token_type_hint="access_token"
        )
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == "uz-workflow"
    assert body["iss"] == metadata["issuer"]
    assert body["aud"] == demo.agreement.tokens.audience
    assert "cmaa.requests:decide" in body["scope"].split()


async def test_introspection_of_anything_else_is_inactive(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    uz_token = (await demo.token(http, "uz-dashboard"))["access_token"]
    auth = ("us-dashboard", demo.client("us-dashboard")["client_secret"])
    for token in (uz_token, "garbage", "a.b.c"):
        response = await http.post(
            metadata["introspection_endpoint"], data={"token": token}, auth=auth
        )
        assert response.status_code == 200
        assert response.json() == {"active": False}


async def test_revoking_an_access_token_by_jti(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "US")
    secret = demo.client("us-workflow")["client_secret"]
    token = (await demo.token(http, "us-workflow"))["access_token"]
    assert (
        await http.get(f"{demo.base_url}/probe/whoami", headers=bearer(token))
    ).status_code == 200
    # Another client may not revoke it ...
    other = await http.post(
        metadata["revocation_endpoint"],
        data={"token": token},
        auth=("us-dashboard", demo.client("us-dashboard")["client_secret"]),
    )
    assert other.status_code == 400
    assert (
        await http.get(f"{demo.base_url}/probe/whoami", headers=bearer(token))
    ).status_code == 200
    # ... its own client may (client_secret_post here).
    own = await http.post(
        metadata["revocation_endpoint"],
        data={"token": token, "client_id": "us-workflow", "client_secret": secret},
    )
    assert own.status_code == 200
    refused = await http.get(f"{demo.base_url}/probe/whoami", headers=bearer(token))
    assert refused.status_code == 401
    assert "revoked" in refused.headers["www-authenticate"]
    introspected = await http.post(
        metadata["introspection_endpoint"], data={"token": token}, auth=("us-workflow", secret)
    )
    assert introspected.json() == {"active": False}


async def test_revoking_a_refresh_token(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "UZ")
    verifier = secrets.token_urlsafe(48)
    async with (
        AsyncOAuth2Client(
            client_id="uz-graphiql",
            token_endpoint_auth_method="none",
            revocation_endpoint_auth_method="none",
            redirect_uri=f"{demo.base_url}/graphql",
            scope="cmaa.cases:read",
            code_challenge_method="S256",
        ) as client,
        httpx.AsyncClient() as browser,
    ):
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        form = only_form((await browser.get(url)).text)
        fields = dict(
            form["fields"], username="uz.analyst", password=demo.user("uz.analyst")["password"]
        )
        consent = only_form((await browser.post(urljoin(url, form["action"]), data=fields)).text)
        answer = await browser.post(
            urljoin(url, consent["action"]), data=dict(consent["fields"], decision="approve")
        )
        token = await client.fetch_token(
            metadata["token_endpoint"],
            authorization_response=answer.headers["location"],
            code_verifier=verifier,
        )
        refresh_token = token["refresh_token"]

        introspected = await http.post(
            metadata["introspection_endpoint"],
            data={"token": refresh_token, "token_type_hint": "refresh_token"},
            auth=("uz-dashboard", demo.client("uz-dashboard")["client_secret"]),
        )
        assert introspected.json() == {"active": False}  # not the dashboard's refresh token

        revoked = await client.revoke_token(
            metadata["revocation_endpoint"], token=refresh_token, token_type_hint="refresh_token"
        )
        assert revoked.status_code == 200
        with pytest.raises(OAuthError) as refused:
            await client.refresh_token(metadata["token_endpoint"], refresh_token=refresh_token)
    assert refused.value.error == "invalid_grant"


async def test_revoking_an_unknown_token_is_not_an_error(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "UZ")
    response = await http.post(
        metadata["revocation_endpoint"],
        data={"token": "never-issued"},
        auth=("uz-analyst", demo.client("uz-analyst")["client_secret"]),
    )
    assert response.status_code == 200  # RFC 7009 §2.2
