"""What a GraphQL error looks like on the wire: coded, masked where it is unexpected, and
suggesting nothing.

graphql-core ends a message with "Did you mean ...?" for a misspelt field, argument, type, enum
value, input field or variable type, and strawberry's switch removes only the fields': each
suggestion names part of the schema, enough for a tool to rebuild it a guess at a time. They
are cut here, where every error of the gateway and of the subgraphs leaves.
"""

import logging
import re
from typing import Any

from graphql import GraphQLError

from resolvers.errors import ExchangeError, Internal, OperationInvalid
from resolvers.sources.remote.propagation import current_request_id

log = logging.getLogger("cmaa.gateway")

VALIDATION_FAILED = OperationInvalid.code
BAD_REQUEST = "BAD_REQUEST"
# graphql-core puts its suggestion last, after the sentence that states the error.
SUGGESTION = re.compile(r"\s*Did you mean\b.*\Z", re.DOTALL)


def without_suggestion(message: str) -> str:
    return SUGGESTION.sub("", message)


def _with_request_id(extensions: dict[str, Any]) -> dict[str, Any]:
    """An error names the request it answers: the id in the response header and the logs."""
    request_id = current_request_id()
    return extensions if request_id is None else {**extensions, "requestId": request_id}


def _unexpected(error: GraphQLError) -> Exception | None:
    """The exception behind `error`, where it is neither ours nor graphql-core's."""
    original = error.original_error
    if original is None or isinstance(original, ExchangeError | GraphQLError):
        return None
    return original


def format_error(error: GraphQLError, *, before_execution: bool) -> dict[str, Any]:
    """The error as sent to the caller; an unexpected one is logged and masked as INTERNAL."""
    unexpected = _unexpected(error)
    if unexpected is not None:
        log.error(
            "resolver failed at %s", error.path, exc_info=(type(unexpected), unexpected, None)
        )
        internal = Internal()
        formatted: dict[str, Any] = {
            "message": internal.message,
            "extensions": _with_request_id(internal.extensions),
        }
        if error.path:
            formatted["path"] = error.path
        return formatted
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        if before_execution:
            extensions["code"] = VALIDATION_FAILED
        else:
            extensions["code"] = Internal.code
    formatted["message"] = without_suggestion(str(formatted.get("message", "")))
    formatted["extensions"] = _with_request_id(extensions)
    return formatted


def request_error(message: str, code: str = BAD_REQUEST) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": _with_request_id({"code": code})}]}
