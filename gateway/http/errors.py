"""What a GraphQL error looks like on the wire: coded, and masked where it is unexpected."""

import logging
from typing import Any

from graphql import GraphQLError

from resolvers.errors import ExchangeError, Internal
from resolvers.sources.remote.propagation import current_request_id

log = logging.getLogger("cmaa.gateway")

VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_REQUEST = "BAD_REQUEST"


def _with_request_id(extensions: dict[str, Any]) -> dict[str, Any]:
    """An error names the request it answers: the id in the response header and the logs."""
    request_id = current_request_id()
    return extensions if request_id is None else {**extensions, "requestId": request_id}


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, ExchangeError | GraphQLError)


def format_error(error: GraphQLError, *, before_execution: bool) -> dict[str, Any]:
    """The error as sent to the caller; an unexpected one is logged and masked as INTERNAL."""
    if not _is_expected(error):
        log.error(
            "resolver failed at %s",
            error.path,
            exc_info=(type(error.original_error), error.original_error, None),
        )
        internal = Internal()
        formatted: dict[str, Any] = {
            "message": internal.message,
            "extensions": _with_request_id(internal.extensions),
        }
        if error.path:
            formatted["path"] = error.path
        return formatted
    formatted = error.formatted
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        if before_execution:
            extensions["code"] = VALIDATION_FAILED
        else:
            extensions["code"] = Internal.code
    formatted = dict(formatted)
    formatted["extensions"] = _with_request_id(extensions)
    return formatted


def request_error(message: str, code: str = BAD_REQUEST) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": _with_request_id({"code": code})}]}
