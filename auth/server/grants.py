"""The grants each administration's server offers, on Authlib's grant classes.

- client credentials, for dashboards and systems (client_secret_basic or client_secret_post);
- authorization code with PKCE (S256 only, required for every client), for people;
- refresh token, for people: rotated on every use; a reused one ends the whole grant.

A client receives only scopes in its registration AND in the agreement's catalogue; asking
for any other scope is `invalid_scope`.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc6749.requests import OAuth2Request
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge

from auth.policy.scopes import format_scope, parse_scope
from auth.server.models import (
    CONFIDENTIAL_METHODS,
    PUBLIC,
    IssuedCode,
    IssuedRefreshToken,
    Person,
    RegisteredClient,
)
from auth.server.records import current_records, is_live, on_event_loop, token_hash
from store.models import AuthorizationCode
from store.models._base import utcnow


class RegisteredScopes:
    """Refuse, rather than silently narrow, a request for scopes the client may not have."""

    request: OAuth2Request

    def validate_requested_scope(self) -> None:
        client: RegisteredClient = self.request.client
        allowed = set(client.allowed_scopes)
        if any(scope not in allowed for scope in parse_scope(self.request.payload.scope)):
            raise InvalidScopeError("The requested scope is not permitted for this client.")


def person(username: str) -> Person | None:
    row = on_event_loop(current_records().person, username)
    return None if row is None else Person(row)


class ClientCredentialsGrant(RegisteredScopes, grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(CONFIDENTIAL_METHODS)


class S256CodeChallenge(CodeChallenge):
    """PKCE for every authorization request, with S256 only: `plain` protects nothing."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    CODE_CHALLENGE_METHODS: ClassVar[dict[str, Callable[[str, str], bool]]] = {
        "S256": compare_s256_code_challenge
    }

    def validate_code_challenge(self, grant: grants.BaseGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("A PKCE code_challenge is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(RegisteredScopes, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*CONFIDENTIAL_METHODS, PUBLIC]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        user: Person = request.user
        client: RegisteredClient = request.client
        catalogue = self.server.catalogue
        scope = format_scope(set(parse_scope(request.scope)) & user.scopes, catalogue)
        if not scope:
            raise InvalidScopeError("The person holds none of the requested scopes.")
        data = request.payload.data
        row = AuthorizationCode(
            code_hash=token_hash(code),
            client_id=client.client_id,
            subject=user.username,
            redirect_uri=data.get("redirect_uri") or "",
            scope=scope,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            expires_at=utcnow() + self.server.code_lifetime,
        )
        on_event_loop(current_records().add_code, row)

    def query_authorization_code(self, code: str, client: RegisteredClient) -> IssuedCode | None:
        records = current_records()
        row = on_event_loop(records.code, code)
        if row is None or row.client_id != client.client_id:
            return None
        if row.used_at is not None:
            on_event_loop(records.revoke_grant, row.client_id, row.subject)
            return None
        if not is_live(row.expires_at, utcnow()):
            return None
        return IssuedCode(row)

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        used = on_event_loop(current_records().use_code, authorization_code.row.code_hash, utcnow())
        if not used:
            raise InvalidGrantError("The authorization code has already been used.")

    def authenticate_user(self, authorization_code: IssuedCode) -> Person | None:
        return person(authorization_code.row.subject)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*CONFIDENTIAL_METHODS, PUBLIC]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedRefreshToken | None:
        records = current_records()
        row = on_event_loop(records.refresh_token, refresh_token)
        if row is None:
            return None
        if row.revoked_at is not None:
            # A rotated-out token came back: one of the two copies was stolen.
            on_event_loop(records.revoke_grant, row.client_id, row.subject)
            return None
        if not is_live(row.expires_at, utcnow()):
            return None
        return IssuedRefreshToken(row)

    def authenticate_user(self, refresh_token: IssuedRefreshToken) -> Person | None:
        return person(refresh_token.row.subject)

    def issue_token(self, user: Person, refresh_token: IssuedRefreshToken) -> dict[str, Any]:
        # The person's scopes today bound what a refresh may carry, not those at login.
        requested = parse_scope(self.request.payload.scope or refresh_token.get_scope())
        scope = format_scope(set(requested) & user.scopes, self.server.catalogue)
        if not scope:
            raise InvalidScopeError("The person no longer holds any of these scopes.")
        return self.generate_token(
            user=user, scope=scope, include_refresh_token=self.INCLUDE_NEW_REFRESH_TOKEN
        )

    def revoke_old_credential(self, refresh_token: IssuedRefreshToken) -> None:
        revoked = on_event_loop(
            current_records().revoke_refresh_token, refresh_token.row.token_hash, utcnow()
        )
        if not revoked:
            raise InvalidGrantError("The refresh token has already been used.")
