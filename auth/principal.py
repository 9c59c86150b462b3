"""Who is calling: the verified identity every resolver and policy decision works from."""

from dataclasses import dataclass

from store.models.domain import Administration


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, as established by a verified access token.

    `administration` is decided by which trusted issuer signed the token, never by a claim.
    `subject` is the person (authorization code grant) or the client itself (client
    credentials); `token_id` is the token's `jti`, the key of the revocation deny-list.
    """

    administration: Administration
    subject: str
    client_id: str
    scopes: frozenset[str]
    designated: bool
    token_id: str

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
