"""One administration's Authlib authorization server, wired to its store and its issuer."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Request
from joserfc import jws
from starlette.responses import JSONResponse, Response

from auth.policy.scopes import parse_scope
from auth.revocations import StoreRevocations
from auth.server.endpoints import TokenIntrospection, TokenRevocation
from auth.server.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    S256CodeChallenge,
)
from auth.server.models import RegisteredClient
from auth.server.records import current_records, on_event_loop
from auth.server.tokens import AccessTokenIssuer
from auth.verification import TokenVerifier
from store.agreement import Agreement
from store.models.domain import Administration


class AdministrationAuthorizationServer(AuthorizationServer):
    """Issues RFC 9068 access tokens as `issuer` for one administration.

    Its callbacks run in a worker thread and reach the store through the request's records
    (`auth.server.records`); it keeps no per-request state itself.
    """

    def __init__(
        self,
        *,
        administration: Administration,
        issuer: str,
        agreement: Agreement,
        own_tokens: TokenVerifier,
        revocations: StoreRevocations,
    ) -> None:
        super().__init__(scopes_supported=list(agreement.scopes))
        self.administration = administration
        self.issuer = issuer
        self.catalogue: Mapping[str, str] = agreement.scopes
        self.code_lifetime = timedelta(seconds=agreement.tokens.authorization_code_seconds)
        self.refresh_lifetime = timedelta(days=agreement.tokens.refresh_token_days)
        self.own_tokens = own_tokens
        self.revocations = revocations
        self.register_token_generator("default", AccessTokenIssuer(issuer, agreement.tokens))
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(TokenIntrospection)
        self.register_endpoint(TokenRevocation)

    def query_client(self, client_id: str) -> RegisteredClient | None:
        row = on_event_loop(current_records().client, client_id)
        return None if row is None else RegisteredClient(row, self.catalogue)

    def authenticate_client(
        self, request: OAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> RegisteredClient:
        # Authlib says "does not exist" for an unknown client but not for a wrong secret;
        # one answer for both keeps client ids from being enumerated.
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            raise InvalidClientError(
                status_code=error.status_code, description="Client authentication failed."
            ) from None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        # Every issuance is audited, in the session that commits it; the token itself is not.
        claims = orjson.loads(jws.extract_compact(token["access_token"].encode()).payload)
        on_event_loop(
            current_records().audit,
            "token.issue",
            claims["sub"],
            claims["client_id"],
            parse_scope(token.get("scope")),
            request.payload.grant_type,
            {"jti": claims["jti"], "exp": claims["exp"], "refresh": "refresh_token" in token},
        )
        # Access tokens are self-contained JWTs; only refresh tokens are kept (hashed).
        refresh_token = token.get("refresh_token")
        if refresh_token is None or request.user is None:
            return
        on_event_loop(
            current_records().add_refresh_token,
            refresh_token,
            request.client.get_client_id(),
            request.user.get_user_id(),
            token.get("scope", ""),
            self.refresh_lifetime,
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if not isinstance(request, OAuth2Request):
            raise TypeError("the Starlette handlers build the OAuth2Request themselves")
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no endpoint of this server takes JSON")

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            response: Response = JSONResponse(body, status_code=status)
        else:
            response = Response(body or b"", status_code=status)
        for name, value in headers:
            response.headers[name] = value
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        # Authlib announces client authentication and revocations; nothing listens here.
        return None
