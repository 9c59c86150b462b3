"""One administration's subgraph as the remote transport talks to it: GraphQL over HTTP with
the caller's own bearer token, and everything that can go wrong on the way turned into
SourceDown with a fixed reason (resolvers.sources.remote.source says why).
"""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from auth.forwarding import token_for
from auth.principal import Principal
from resolvers.sources.base import SourceDown
from resolvers.sources.remote.decoding import Malformed
from resolvers.sources.remote.wire import GRAPHQL_PATH, Answer, Wire, WireFailure
from store.models.domain import Administration

log = logging.getLogger(__name__)

T = TypeVar("T")

# A root field the caller lacks the scope for is taken out of the operation: the owner's
# answer is then "nothing", exactly what the in-process source returns for that grant.
NOTHING_VISIBLE = "UNAUTHORIZED_FIELD"
# Codes of our own error hierarchy (DESIGN.md §7): only these are named in a reason, so a
# remote cannot put words of its own into our logs or errors.
KNOWN_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "UNAUTHORIZED_FIELD",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "IDEMPOTENCY_KEY_REUSED",
        "SOURCE_UNAVAILABLE",
        "LIMIT_EXCEEDED",
        "INTERNAL",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
    }
)
MAX_CONNECTIONS = 20


class Nothing(Exception):
    """The owner answered that the caller may see nothing of what was asked."""


def _error_codes(errors: Any) -> set[str]:
    if not isinstance(errors, list):
        return {"?"}
    codes = set()
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        codes.add(code if code in KNOWN_CODES else "?")
    return codes


class SubgraphChannel:
    """POSTs GraphQL to one subgraph and reads its answers, for reads and procedures alike."""

    def __init__(self, administration: Administration, url: str, timeout_seconds: float) -> None:
        self.administration = administration
        self.url = url
        self._wire = Wire(url, timeout_seconds, MAX_CONNECTIONS)

    def unavailable(self, reason: str) -> SourceDown:
        log.warning("%s subgraph at %s: %s", self.administration.value, self.url, reason)
        return SourceDown(self.administration, reason)

    async def post(self, token: str, payload: bytes) -> Answer:
        try:
            return await self._wire.post(
                GRAPHQL_PATH,
                payload,
                {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
        except WireFailure as failure:
            raise self.unavailable(str(failure)) from None

    def data(self, response: Answer, field: str) -> Any:
        if response.status >= 500:
            raise self.unavailable(f"it answered HTTP {response.status}")
        if response.status != 200:
            raise self.unavailable(f"it refused the call (HTTP {response.status})")
        try:
            body = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            raise self.unavailable("its answer is not JSON") from None
        if not isinstance(body, dict):
            raise self.unavailable("its answer is malformed")
        errors = body.get("errors")
        if errors:
            codes = _error_codes(errors)
            if codes == {NOTHING_VISIBLE}:
                raise Nothing
            raise self.unavailable(f"it answered with errors ({', '.join(sorted(codes))})")
        data = body.get("data")
        if not isinstance(data, dict) or field not in data:
            raise self.unavailable("its answer is malformed")
        return data[field]

    async def call(
        self, principal: Principal, query: str, variables: dict[str, Any], field: str
    ) -> Any:
        payload = orjson.dumps({"query": query, "variables": variables})
        response = await self.post(token_for(principal), payload)
        return self.data(response, field)

    async def read(
        self,
        principal: Principal,
        query: str,
        variables: dict[str, Any],
        field: str,
        decode: Callable[[Any], T],
        nothing: T,
    ) -> T:
        try:
            answer = await self.call(principal, query, variables, field)
            return decode(answer)
        except Nothing:
            return nothing
        except (Malformed, KeyError, TypeError, ValueError):
            raise self.unavailable("its answer is malformed") from None

    # -- life cycle -------------------------------------------------------------------------

    async def ping(self) -> None:
        try:
            response = await self._wire.get("/readyz")
        except WireFailure:
            raise self.unavailable("it does not answer") from None
        if response.status != 200:
            raise self.unavailable(f"it is not ready (HTTP {response.status})")

    async def aclose(self) -> None:
        await self._wire.aclose()
