"""POST /graphql: GraphQL over HTTP, authenticated, rate-limited, with coded errors.

Order of refusal: method (405), media type (415), acceptable response (406), bearer token
(401/403), rate (429), body (400), safelist (400, in safelist mode), then GraphQL. The body
size is limited before any of this reads it (gateway.http.hardening).

In safelist mode only the operations of `operations/` run, recognised by the SHA-256 of their
text; a client may send the text, or only its hash the way Apollo's automatic persisted queries
do (`extensions.persistedQuery.sha256Hash`).
"""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import orjson
import strawberry
from graphql import GraphQLError
from opentelemetry import trace
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from auth.errors import TokenRefused
from auth.forwarding import forwarding
from auth.http import bearer_token, www_authenticate
from auth.principal import Principal
from auth.verification import Verifier
from gateway.http.errors import format_error, request_error
from gateway.http.negotiation import GRAPHQL_RESPONSE, JSON, is_json_content, response_media_type
from gateway.http.rate_limit import RateLimit, retry_after
from gateway.observability.operations import NameSlot
from resolvers.contracts.operations import Safelist, sha256_hex
from resolvers.limits import names_no_operation
from store.agreement import Limits
from store.models.domain import Administration

ALLOWED_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
NO_STORE = {"Cache-Control": "no-store"}
SHA256_HEX_DIGITS = frozenset("0123456789abcdef")

ContextFactory = Callable[[Principal], Any]
PageFactory = Callable[[Request], Awaitable[Response]]


class OperationObserver(Protocol):
    """The service's metrics of operations (gateway.observability.telemetry)."""

    def operation(self, name: str | None, outcome: str, seconds: float) -> None: ...

    def rate_limited(self, administration: Administration) -> None: ...


@dataclass
class Outcome:
    """How one request ended, for the metrics: refused, unauthenticated, rate_limited, or
    (when the operation ran) ok, partial or error."""

    name: str | None = None
    kind: str = "refused"


@dataclass(frozen=True)
class GraphQLRequest:
    # None only when the request names a persisted query by its hash alone.
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class RequestRefused(Exception):
    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def json_response(body: Any, status: int, media_type: str = JSON, **headers: str) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=media_type,
        headers={**NO_STORE, **headers},
    )


def parse_body(body: bytes) -> GraphQLRequest:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestRefused(400, "The request body is not valid JSON.") from None
    if isinstance(payload, list):
        raise RequestRefused(400, "Batched operations are not supported; send one at a time.")
    if not isinstance(payload, dict):
        raise RequestRefused(400, "The request body must be a JSON object.")
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestRefused(400, "`extensions` must be a JSON object.")
    query = payload.get("query")
    hash_alone = query is None and persisted_query_hash(extensions) is not None
    if not hash_alone and (not isinstance(query, str) or not query.strip()):
        raise RequestRefused(400, "The request must carry a non-empty `query` string.")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestRefused(400, "`variables` must be a JSON object.")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRefused(400, "`operationName` must be a string.")
    return GraphQLRequest(query, variables, operation_name, extensions)


def persisted_query_hash(extensions: dict[str, Any] | None) -> str | None:
    """The `sha256Hash` of an APQ `persistedQuery` extension, if the request carries one."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(sha256, str)
        or len(sha256) != 64
        or not set(sha256) <= SHA256_HEX_DIGITS
    ):
        raise RequestRefused(
            400,
            '`extensions.persistedQuery` must be {"version": 1, "sha256Hash": '
            "the lowercase hex SHA-256 of the query}.",
        )
    return sha256


def safelisted(operation: GraphQLRequest, safelist: Safelist | None) -> GraphQLRequest:
    """The operation to run: with a safelist, only one of its operations, by hash or text."""
    if safelist is None:
        if operation.query is None:
            raise RequestRefused(
                400,
                "This gateway does not run persisted queries: send the query text.",
                "PERSISTED_QUERY_NOT_SUPPORTED",
            )
        return operation
    sha256 = persisted_query_hash(operation.extensions)
    if operation.query is not None and sha256 is not None and sha256_hex(operation.query) != sha256:
        raise RequestRefused(
            400,
            "The query's SHA-256 is not the sha256Hash sent with it.",
            "PERSISTED_QUERY_HASH_MISMATCH",
        )
    listed = safelist.get(sha256 if sha256 is not None else sha256_hex(operation.query or ""))
    if listed is None and operation.query is None:
        raise RequestRefused(
            400,
            "PersistedQueryNotFound: no operation of this gateway's safelist has this sha256Hash.",
            "PERSISTED_QUERY_NOT_FOUND",
        )
    if listed is None:
        raise RequestRefused(
            400,
            "This gateway runs only the operations of its safelist; this one is not among them.",
            "OPERATION_NOT_IN_SAFELIST",
        )
    return replace(operation, query=listed.body)


def _is_request_error(data: Any, errors: list[GraphQLError]) -> bool:
    """No data and no error located in the response: the operation never ran."""
    return data is None and bool(errors) and all(not error.path for error in errors)


class GraphQLEndpoint:
    def __init__(
        self,
        schema: strawberry.Schema,
        verifier: Verifier,
        context_factory: ContextFactory,
        limiter: RateLimit,
        limits: Limits,
        browser_page: PageFactory | None = None,
        safelist: Safelist | None = None,
        observer: OperationObserver | None = None,
    ) -> None:
        self.observer = observer
        self.limits = limits
        self.safelist = safelist
        self.schema = schema
        self.verifier = verifier
        self.context_factory = context_factory
        self.limiter = limiter
        self.browser_page = browser_page

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._get(request)
        started = time.perf_counter()
        outcome = Outcome()
        try:
            return await self._answer(request, outcome)
        finally:
            if outcome.name is not None:
                trace.get_current_span().set_attribute("graphql.operation.name", outcome.name)
            if self.observer is not None:
                self.observer.operation(outcome.name, outcome.kind, time.perf_counter() - started)

    async def _answer(self, request: Request, outcome: Outcome) -> Response:
        media_type = response_media_type(request.headers.get("accept"))
        try:
            if request.method != "POST":
                raise RequestRefused(405, "Send GraphQL operations by POST.", "METHOD_NOT_ALLOWED")
            if not is_json_content(request.headers.get("content-type")):
                raise RequestRefused(415, "Send GraphQL operations as application/json.")
            if media_type is None:
                raise RequestRefused(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}.")
        except RequestRefused as refused:
            return self._refused(refused, media_type)
        try:
            token = bearer_token(request)
            principal = await self.verifier.verify(token)
        except TokenRefused as refusal:
            outcome.kind = "unauthenticated"
            return self._unauthenticated(refusal, media_type)
        wait = await self.limiter.acquire(f"{principal.administration.value}:{principal.client_id}")
        if wait > 0:
            outcome.kind = "rate_limited"
            if self.observer is not None:
                self.observer.rate_limited(principal.administration)
            too_many = RequestRefused(429, "Too many requests; retry later.", "RATE_LIMITED")
            return self._refused(too_many, media_type, {"Retry-After": retry_after(wait)})
        try:
            operation = safelisted(parse_body(await request.body()), self.safelist)
            assert operation.query is not None
            if names_no_operation(operation.query, operation.operation_name, self.limits):
                raise RequestRefused(
                    400, "The document has several operations: name one in operationName."
                )
        except RequestRefused as refused:
            return self._refused(refused, media_type)
        # Remote sources forward the caller's own token: the owner verifies it itself.
        with forwarding(principal, token):
            return await self._execute(operation, principal, media_type, outcome)

    async def _get(self, request: Request) -> Response:
        accepts_html = "text/html" in request.headers.get("accept", "")
        # The page only: a GraphQL operation is never run from a GET.
        if accepts_html and self.browser_page is not None:
            return await self.browser_page(request)
        refused = RequestRefused(405, "Send GraphQL operations by POST.", "METHOD_NOT_ALLOWED")
        return self._refused(refused, JSON)

    @staticmethod
    def _unauthenticated(refusal: TokenRefused, media_type: str | None) -> Response:
        """RFC 6750's status and challenge, with a GraphQL-shaped body clients can read."""
        code = {403: "FORBIDDEN", 503: "SOURCE_UNAVAILABLE"}.get(
            refusal.status_code, "UNAUTHENTICATED"
        )
        return json_response(
            request_error(refusal.description, code),
            refusal.status_code,
            media_type or JSON,
            **{"WWW-Authenticate": www_authenticate(refusal)},
        )

    @staticmethod
    def _refused(
        refused: RequestRefused, media_type: str | None, headers: dict[str, str] | None = None
    ) -> Response:
        extra = dict(headers or {})
        if refused.status == 405:
            extra["Allow"] = "GET, POST"
        return json_response(
            request_error(refused.message, refused.code),
            refused.status,
            media_type or JSON,
            **extra,
        )

    async def _execute(
        self, operation: GraphQLRequest, principal: Principal, media_type: str, outcome: Outcome
    ) -> Response:
        context = self.context_factory(principal)
        outcome.name = operation.operation_name
        try:
            with NameSlot() as named:
                try:
                    result = await self.schema.execute(
                        operation.query,
                        variable_values=operation.variables,
                        context_value=context,
                        operation_name=operation.operation_name,
                        allowed_operation_types=ALLOWED_OPERATIONS,
                        operation_extensions=operation.extensions,
                    )
                finally:
                    outcome.name = named.name or outcome.name
        except InvalidOperationTypeError:
            refused = RequestRefused(400, "Only queries and mutations are served here.")
            return self._refused(refused, media_type)
        except CannotGetOperationTypeError:
            refused = RequestRefused(400, "The document has no operation of that name.")
            return self._refused(refused, media_type)
        errors = list(result.errors or [])
        request_error_only = _is_request_error(result.data, errors)
        body: dict[str, Any] = {}
        if not request_error_only:
            body["data"] = result.data
        if errors:
            body["errors"] = [
                format_error(error, before_execution=request_error_only) for error in errors
            ]
        if not errors:
            outcome.kind = "ok"
        else:
            outcome.kind = "error" if result.data is None else "partial"
        status = 400 if request_error_only and media_type == GRAPHQL_RESPONSE else 200
        return json_response(body, status, media_type)
