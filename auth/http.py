"""Bearer tokens over HTTP (RFC 6750): reading them from a request, and refusing properly.

A missing token gets a bare challenge (no error code, RFC 6750 §3.1); a bad one 401
`invalid_token`; a good one without the needed scope 403 `insufficient_scope` naming it.
"""

import functools
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth import errors
from auth.errors import InsufficientScope, TokenRefused
from auth.principal import Principal
from auth.verification import Verifier

REALM = "cmaa"
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$", re.IGNORECASE)

Endpoint = Callable[[Request], Awaitable[Response]]


def bearer_token(request: Request) -> str:
    """The request's bearer token, or TokenRefused (missing, or not a well-formed credential)."""
    values = request.headers.getlist("authorization")
    if not values:
        raise TokenRefused.missing()
    if len(values) > 1:
        raise TokenRefused.invalid(errors.MALFORMED)
    value = values[0]
    if not value[:7].lower().startswith("bearer"):
        raise TokenRefused.missing()  # another scheme carries no bearer token
    match = _BEARER.match(value)
    if match is None:
        raise TokenRefused.invalid(errors.MALFORMED)
    return match.group(1)


async def authenticate(request: Request, verifier: Verifier) -> Principal:
    return await verifier.verify(bearer_token(request))


def require_scopes(principal: Principal, *scopes: str) -> None:
    for scope in scopes:
        if scope not in principal.scopes:
            raise InsufficientScope(scope)


def www_authenticate(refusal: TokenRefused) -> str:
    parameters = [f'realm="{REALM}"']
    if refusal.error is not None:
        parameters.append(f'error="{refusal.error}"')
        parameters.append(f'error_description="{_quotable(refusal.description)}"')
    if isinstance(refusal, InsufficientScope):
        parameters.append(f'scope="{_quotable(refusal.scope)}"')
    return "Bearer " + ", ".join(parameters)


def _quotable(text: str) -> str:
    # RFC 6750 limits these values to printable ASCII other than '"' and '\'.
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')


def refusal_response(refusal: TokenRefused) -> Response:
    body: dict[str, str] = {}
    if refusal.error is not None:
        body = {"error": refusal.error, "error_description": refusal.description}
    return JSONResponse(
        body,
        status_code=refusal.status_code,
        headers={"WWW-Authenticate": www_authenticate(refusal), "Cache-Control": "no-store"},
    )


def protected(verifier: Verifier, *scopes: str) -> Callable[[Endpoint], Endpoint]:
    """Wrap a Starlette endpoint: verify the bearer token, require the scopes, and put the
    caller in `request.state.principal`; refusals become RFC 6750 responses."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            try:
                principal = await authenticate(request, verifier)
                require_scopes(principal, *scopes)
            except TokenRefused as refusal:
                return refusal_response(refusal)
            request.state.principal = principal
            return await endpoint(request)

        return guarded

    return wrap
