"""Store rows as Authlib's model mixins expect them: clients, people, codes, refresh tokens."""

from collections.abc import Mapping
from datetime import datetime

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from auth.passwords import verify_secret
from auth.policy.scopes import format_scope, parse_scope
from store.models import AuthorizationCode, OAuthClient, RefreshToken, User
from store.models._base import as_utc, utcnow

PUBLIC = "none"
CONFIDENTIAL_METHODS = ("client_secret_basic", "client_secret_post")
# Where a public client (no secret) may identify itself by client_id alone.
PUBLIC_ENDPOINTS = frozenset({"token", "revocation"})


class RegisteredClient(ClientMixin):
    def __init__(self, row: OAuthClient, catalogue: Mapping[str, str]) -> None:
        self.row = row
        self._catalogue = catalogue

    @property
    def client_id(self) -> str:
        return self.row.client_id

    @property
    def is_public(self) -> bool:
        return self.row.token_endpoint_auth_method == PUBLIC

    @property
    def designated(self) -> bool:
        return self.row.designated

    @property
    def allowed_scopes(self) -> list[str]:
        """Scopes both in the client's registration and in the agreement's catalogue."""
        registered = set(self.row.scopes)
        return [scope for scope in self._catalogue if scope in registered]

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.row.redirect_uris[0] if self.row.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = self.allowed_scopes
        if scope is None:  # no scope asked for: everything the client may have
            return format_scope(allowed, self._catalogue)
        return format_scope(set(parse_scope(scope)) & set(allowed), self._catalogue)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.is_public:
            return False
        return verify_secret(client_secret, self.row.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == PUBLIC and endpoint in PUBLIC_ENDPOINTS
        return method in CONFIDENTIAL_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.check_grant_type("authorization_code")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


class Person:
    """A user of the administration (a resource owner, in OAuth's words)."""

    def __init__(self, row: User) -> None:
        self.row = row

    @property
    def username(self) -> str:
        return self.row.username

    @property
    def designated(self) -> bool:
        return self.row.designated

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.row.scopes)

    def get_user_id(self) -> str:
        return self.row.username


class IssuedCode(AuthorizationCodeMixin):
    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def is_expired(self, now: datetime | None = None) -> bool:
        expires_at = as_utc(self.row.expires_at)
        return expires_at is None or expires_at <= (now or utcnow())


class IssuedRefreshToken(TokenMixin):
    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def check_client(self, client: ClientMixin) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        expires_at = as_utc(self.row.expires_at)
        assert expires_at is not None
        return max(0, int((expires_at - utcnow()).total_seconds()))

    def is_expired(self) -> bool:
        expires_at = as_utc(self.row.expires_at)
        return expires_at is None or expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None
