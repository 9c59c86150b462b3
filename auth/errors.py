"""Why a bearer token was refused, in the terms of RFC 6750 §3.1.

Descriptions are fixed sentences: they tell a caller what to fix without revealing keys,
issuers' internals or library messages.
"""

MISSING = "The request carries no bearer access token."
MALFORMED = "The access token is malformed."
NOT_VERIFIED = "The access token could not be verified."
EXPIRED = "The access token has expired."
NOT_YET_VALID = "The access token is not valid yet."
WRONG_AUDIENCE = "The access token was not issued for this service."
REVOKED = "The access token has been revoked."


class TokenRefused(Exception):
    """A request's access token is missing or unacceptable: HTTP 401.

    `error` is None when no token was presented at all; RFC 6750 §3.1 then asks for a bare
    challenge without an error code.
    """

    status_code = 401

    def __init__(self, error: str | None, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    @classmethod
    def missing(cls) -> "TokenRefused":
        return cls(None, MISSING)

    @classmethod
    def invalid(cls, description: str) -> "TokenRefused":
        return cls("invalid_token", description)


class VerificationUnavailable(TokenRefused):
    """The token could not be checked (its issuer's deny-list is unreachable): refused, 503.

    Failing closed: a token whose revocation cannot be ruled out is not accepted.
    """

    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "temporarily_unavailable",
            "The access token cannot be checked right now; retry shortly.",
        )


class InsufficientScope(TokenRefused):
    """A valid token that lacks the scope the resource needs: HTTP 403."""

    status_code = 403

    def __init__(self, scope: str) -> None:
        super().__init__("insufficient_scope", f"The access token lacks the scope {scope}.")
        self.scope = scope
