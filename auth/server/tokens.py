"""RFC 9068 access tokens, signed with the administration's current key.

Authlib's defaults are unsafe here and are overridden: lifetime (10 days) → the agreement's
minutes; `aud` (the client_id) → the gateway's resource identifier; no `kid` → the signing
key's `kid` in the header; plus the `designated` claim.
"""

from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet

from auth.keys import SIGNING_ALGORITHM, private_key
from auth.server.models import Person, RegisteredClient
from auth.server.records import current_records, on_event_loop
from store.agreement import TokenPolicy

REFRESH_TOKEN_BYTES = 48


def _new_refresh_token(**_: Any) -> str:
    return generate_token(REFRESH_TOKEN_BYTES)


class AccessTokenIssuer(JWTBearerTokenGenerator):
    def __init__(self, issuer: str, tokens: TokenPolicy) -> None:
        self._lifetime_seconds = tokens.access_token_minutes * 60
        self._audience = tokens.audience
        super().__init__(
            issuer,
            alg=SIGNING_ALGORITHM,
            refresh_token_generator=_new_refresh_token,
            expires_generator=self._expires_in,
        )

    def _expires_in(self, client: RegisteredClient, grant_type: str) -> int:
        return self._lifetime_seconds

    def get_jwks(self) -> KeySet:
        # A one-key set: joserfc then writes that key's kid into the header.
        row = on_event_loop(current_records().signing_key)
        if row.algorithm != self.alg:
            raise RuntimeError(f"the signing key uses {row.algorithm}, not {self.alg}")
        return KeySet([private_key(row)])

    def get_audiences(self, client: RegisteredClient, user: Person | None, scope: str) -> str:
        return self._audience

    def get_extra_claims(
        self, client: RegisteredClient, grant_type: str, user: Person | None, scope: str
    ) -> dict[str, Any]:
        # A person's designation is theirs, whichever client they use.
        holder = user if user is not None else client
        return {"designated": bool(holder.designated)}
