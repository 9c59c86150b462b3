"""RFC 8414 discovery, the client credentials grant and RFC 9068 tokens, end to end."""

import os
import stat
import time

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.demo import prepare_demo_identities
from tests.auth.support import Demo, claims_of

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("administration", ["US", "UZ"])
async def test_metadata_lists_every_endpoint_and_method(
    demo: Demo, http: httpx.AsyncClient, administration: str
) -> None:
    metadata = await demo.metadata(http, administration)
    issuer = demo.issuer(administration)
    assert metadata["issuer"] == issuer
    assert issuer.endswith(f"/oauth/{administration.lower()}")
    for name, path in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("jwks_uri", "/jwks"),
        ("introspection_endpoint", "/introspect"),
        ("revocation_endpoint", "/revoke"),
    ]:
        assert metadata[name] == issuer + path
    assert set(metadata["grant_types_supported"]) == {
        "authorization_code",
        "client_credentials",
        "refresh_token",
    }
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert metadata["introspection_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert metadata["scopes_supported"] == list(demo.agreement.scopes)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
async def test_client_credentials_token_verifies_with_the_published_jwks_only(
    demo: Demo, http: httpx.AsyncClient, auth_method: str
) -> None:
    metadata = await demo.metadata(http, "UZ")
    dashboard = demo.client("uz-dashboard")
    async with AsyncOAuth2Client(
        client_id="uz-dashboard",
        client_secret=dashboard["client_secret"],
        token_endpoint_auth_method=auth_method,
    ) as client:
        token = await client.fetch_token(
            metadata["token_endpoint"], grant_type="client_credentials"
        )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == demo.agreement.tokens.access_token_minutes * 60
    assert "refresh_token" not in token

    jwks = (await http.get(metadata["jwks_uri"])).json()
    assert all("d" not in key for key in jwks["keys"])  # no private material published
    verified = jwt.decode(token["access_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    header, claims = verified.header, verified.claims
    assert header["typ"] == "at+jwt"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert claims["iss"] == metadata["issuer"]
    assert claims["aud"] == demo.agreement.tokens.audience != "uz-dashboard"
    assert claims["client_id"] == claims["sub"] == "uz-dashboard"
    assert claims["designated"] is True
    assert set(claims["scope"].split()) == set(dashboard["scopes"])
    assert "cmaa.pii:read" in claims["scope"].split()
    assert claims["exp"] - claims["iat"] == demo.agreement.tokens.access_token_minutes * 60
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) >= 16


async def test_undesignated_client_gets_designated_false(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    token = await demo.token(http, "us-undesignated")
    assert claims_of(token["access_token"])["designated"] is False


async def test_a_requested_subset_of_scopes_is_granted_exactly(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    token = await demo.token(http, "us-workflow", scope="cmaa.requests:write cmaa.cases:read")
    assert token["scope"] == "cmaa.cases:read cmaa.requests:write"
    assert claims_of(token["access_token"])["scope"] == token["scope"]


@pytest.mark.parametrize(
    "scope",
    [
        "cmaa.pii:read",  # in the catalogue, not in the analyst's registration
        "cmaa.cases:read cmaa.pii:read",
        "cmaa.cases:write",  # not in the catalogue at all
    ],
)
async def test_a_scope_outside_the_registration_is_invalid_scope(
    demo: Demo, http: httpx.AsyncClient, scope: str
) -> None:
    metadata = await demo.metadata(http, "UZ")
    analyst = demo.client("uz-analyst")
    response = await http.post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials", "scope": scope},
        auth=("uz-analyst", analyst["client_secret"]),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_a_wrong_secret_is_invalid_client(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "US")
    response = await http.post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=("us-dashboard", "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["cache-control"] == "no-store"


async def test_an_unknown_client_and_a_wrong_secret_read_the_same(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    answers = []
    for client_id, secret in (("us-dashboard", "wrong"), ("us-nobody", "wrong")):
        response = await http.post(
            metadata["token_endpoint"],
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]


async def test_one_administrations_client_is_unknown_to_the_other(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "US")
    uz = demo.client("uz-dashboard")
    response = await http.post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=("uz-dashboard", uz["client_secret"]),
    )
    assert response.status_code == 401


async def test_a_public_client_cannot_use_client_credentials(
    demo: Demo, http: httpx.AsyncClient
) -> None:
    metadata = await demo.metadata(http, "UZ")
    response = await http.post(
        metadata["token_endpoint"],
        data={"grant_type": "client_credentials", "client_id": "uz-graphiql"},
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "unauthorized_client")


async def test_oauth_client_reports_invalid_scope(demo: Demo, http: httpx.AsyncClient) -> None:
    metadata = await demo.metadata(http, "US")
    analyst = demo.client("us-analyst")
    async with AsyncOAuth2Client("us-analyst", analyst["client_secret"]) as client:
        with pytest.raises(OAuthError) as refused:
            await client.fetch_token(
                metadata["token_endpoint"], grant_type="client_credentials", scope="cmaa.pii:read"
            )
    assert refused.value.error == "invalid_scope"


async def test_provisioning_again_keeps_the_secrets(demo: Demo, http: httpx.AsyncClient) -> None:
    again = await prepare_demo_identities(demo.stores, demo.base_url, demo.agreement)
    assert again == demo.credentials
    await demo.token(http, "uz-workflow")  # the stored hash still matches the kept secret


async def test_credentials_file_is_owner_only_and_complete(demo: Demo) -> None:
    path = demo.stores.data_dir / "demo-credentials.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    document = demo.credentials
    assert set(document) == {"issuers", "clients", "users"}
    assert set(document["issuers"]) == {"US", "UZ"}
    client_ids = {client["client_id"] for client in document["clients"]}
    for prefix in ("us", "uz"):
        for role in ("dashboard", "analyst", "undesignated", "workflow", "graphiql"):
            assert f"{prefix}-{role}" in client_ids
    for client in document["clients"]:
        assert set(client) == {
            "administration",
            "client_id",
            "client_secret",
            "grant_types",
            "scopes",
            "designated",
            "description",
        }
    for user in document["users"]:
        assert set(user) == {"administration", "username", "password", "scopes", "designated"}
    assert demo.user("us.analyst")["designated"] is True
    assert demo.user("uz.analyst")["designated"] is True
