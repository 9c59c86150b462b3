"""RFC 7662 introspection and RFC 7009 revocation, for access and refresh tokens.

Access tokens are JWTs: they are recognised by verifying them on the one verification path
(`TokenVerifier`, trusting only this server's own issuer), and revoked by deny-listing their
`jti` until they would have expired. Refresh tokens are looked up by hash in the store.
"""

from datetime import UTC, datetime
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request, TokenMixin
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from auth.errors import TokenRefused
from auth.policy.scopes import parse_scope
from auth.server.models import CONFIDENTIAL_METHODS, PUBLIC, IssuedRefreshToken
from auth.server.records import current_records, on_event_loop
from auth.verification import VerifiedToken
from store.models._base import as_utc, utcnow


class IssuedAccessToken(TokenMixin):
    """A JWT access token of this server that verified (so: live and not revoked)."""

    def __init__(self, verified: VerifiedToken) -> None:
        self.verified = verified
        self.claims = verified.claims

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.claims["exp"], UTC)

    def check_client(self, client: ClientMixin) -> bool:
        return self.claims["client_id"] == client.get_client_id()

    def get_scope(self) -> str:
        return self.claims.get("scope", "")

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return False


Token = IssuedAccessToken | IssuedRefreshToken


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def find_token(server: Any, token: str, hint: str | None) -> Token | None:
    """This server's token, live, whichever kind it is; None for anything else."""
    if hint != "refresh_token" and _looks_like_jwt(token):
        try:
            return IssuedAccessToken(on_event_loop(server.own_tokens.verify_token, token))
        except TokenRefused:
            return None
    if hint == "access_token" and _looks_like_jwt(token):
        return None
    row = on_event_loop(current_records().refresh_token, token)
    if row is None:
        return None
    stored = IssuedRefreshToken(row)
    return None if stored.is_revoked() or stored.is_expired() else stored


class TokenIntrospection(IntrospectionEndpoint):
    # Only confidential clients (resource servers, systems) may ask.
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(CONFIDENTIAL_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return find_token(self.server, token_string, token_type_hint)

    def check_permission(self, token: Token, client: ClientMixin, request: OAuth2Request) -> bool:
        # An access token is meant to be shown to resource servers; a refresh token is only
        # ever the business of the client holding it.
        return isinstance(token, IssuedAccessToken) or token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        if isinstance(token, IssuedAccessToken):
            claims = token.claims
            return {
                "active": True,
                "token_type": "Bearer",
                "scope": claims.get("scope", ""),
                "client_id": claims["client_id"],
                "sub": claims["sub"],
                "aud": claims["aud"],
                "iss": claims["iss"],
                "exp": claims["exp"],
                "iat": claims["iat"],
                "jti": claims["jti"],
                "designated": claims.get("designated", False),
            }
        row = token.row
        issued_at, expires_at = as_utc(row.issued_at), as_utc(row.expires_at)
        assert issued_at is not None and expires_at is not None
        return {
            "active": True,
            "scope": row.scope,
            "client_id": row.client_id,
            "sub": row.subject,
            "iss": self.server.issuer,
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
        }


class TokenRevocation(RevocationEndpoint):
    # A public client (GraphiQL) may revoke its own tokens by client_id alone (RFC 7009 §5).
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = [*CONFIDENTIAL_METHODS, PUBLIC]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return find_token(self.server, token_string, token_type_hint)

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        records = current_records()
        if isinstance(token, IssuedAccessToken):
            jti = token.claims["jti"]
            on_event_loop(records.revoke_access_token, jti, token.expires_at)
            expires_at = token.expires_at
            records.after_commit(lambda: self.server.revocations.note_revoked(jti, expires_at))
            subject, client_id = token.claims["sub"], token.claims["client_id"]
            detail: dict[str, str] = {"jti": jti}
        else:
            on_event_loop(records.revoke_refresh_token, token.row.token_hash, utcnow())
            subject, client_id = token.row.subject, token.row.client_id
            detail = {"token_type": "refresh_token"}
        # Audited in the session that records the revocation.
        on_event_loop(
            records.audit,
            "token.revoke",
            subject,
            client_id,
            parse_scope(token.get_scope()),
            "RFC7009",
            {**detail, "by": request.client.get_client_id()},
        )
