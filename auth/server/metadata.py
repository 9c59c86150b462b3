"""RFC 8414 metadata of one issuer: every endpoint and every method it supports."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import rfc8414, rfc9207

from auth.server.models import CONFIDENTIAL_METHODS, PUBLIC

AUTHORIZE_PATH = "/authorize"
TOKEN_PATH = "/token"  # noqa: S105 (a path, not a secret)
JWKS_PATH = "/jwks"
INTROSPECT_PATH = "/introspect"
REVOKE_PATH = "/revoke"


def well_known_path(issuer: str) -> str:
    """RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path."""
    return rfc8414.get_well_known_url(issuer)


def issuer_path(issuer: str) -> str:
    return urlsplit(issuer).path.rstrip("/")


def server_metadata(issuer: str, catalogue: Mapping[str, str]) -> dict[str, Any]:
    metadata = rfc8414.AuthorizationServerMetadata(
        issuer=issuer,
        authorization_endpoint=issuer + AUTHORIZE_PATH,
        token_endpoint=issuer + TOKEN_PATH,
        jwks_uri=issuer + JWKS_PATH,
        introspection_endpoint=issuer + INTROSPECT_PATH,
        revocation_endpoint=issuer + REVOKE_PATH,
        scopes_supported=list(catalogue),
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "client_credentials", "refresh_token"],
        token_endpoint_auth_methods_supported=[*CONFIDENTIAL_METHODS, PUBLIC],
        introspection_endpoint_auth_methods_supported=list(CONFIDENTIAL_METHODS),
        revocation_endpoint_auth_methods_supported=[*CONFIDENTIAL_METHODS, PUBLIC],
        code_challenge_methods_supported=["S256"],
        # Two issuers share one host in the demo: `iss` in every authorization response
        # lets a client tell them apart (mix-up defence, RFC 9207).
        authorization_response_iss_parameter_supported=True,
    )
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    return dict(metadata)
