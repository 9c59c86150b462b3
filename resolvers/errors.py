"""The one hierarchy of errors a GraphQL caller can see, each with `extensions.code`.

Messages are fixed, plain sentences: they say what to fix and never carry internal detail
(no SQL, no stack, no library text, no names of records the caller may not see).
"""

from typing import Any

from graphql import GraphQLError

from auth.policy.procedures import ProcedureViolation
from auth.policy.rules import Refusal, Rule


class ExchangeError(Exception):
    """Raised by resolvers; turned into a GraphQLError carrying `code` (and `extra`)."""

    code = "INTERNAL"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extra}

    def as_graphql_error(self, path: list[str | int] | None = None) -> GraphQLError:
        return GraphQLError(self.message, path=path, extensions=self.extensions)


class Unauthenticated(ExchangeError):
    code = "UNAUTHENTICATED"


class Forbidden(ExchangeError):
    code = "FORBIDDEN"


class UnauthorizedField(ExchangeError):
    code = "UNAUTHORIZED_FIELD"


class NotFound(ExchangeError):
    """Nothing the caller may know of has this id; it names its rule like every refusal."""

    code = "NOT_FOUND"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field=field, rule=str(Rule.NOT_FOUND))


class BadUserInput(ExchangeError):
    """Bad input; `field` names the argument or input field at fault, and `rule` the
    agreement's rule where one refused it (a refused procedure)."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, field: str, rule: str | None = None) -> None:
        super().__init__(message, field=field)
        if rule is not None:
            self.extra["rule"] = str(rule)


class IdempotencyKeyReused(ExchangeError):
    """The same idempotency key with different input: refused, nothing changed."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message, field="idempotencyKey")
        if rule is not None:
            self.extra["rule"] = str(rule)


class SourceUnavailableError(ExchangeError):
    """An administration's data left out of the answer. `overloaded`: the gateway had more
    calls at that administration's store than it has connections, and this one waited out its
    time in the queue; the store itself was not found wanting (`reason`: OVERLOADED)."""

    code = "SOURCE_UNAVAILABLE"

    def __init__(self, administration: str, *, overloaded: bool = False) -> None:
        if overloaded:
            super().__init__(
                f"The gateway is too busy to read the {administration} administration's data "
                "right now; try again shortly. The rest of the response is complete.",
                administration=administration,
                reason=OVERLOADED,
            )
            return
        super().__init__(
            f"The {administration} administration's data is unavailable right now; "
            "the rest of the response is complete.",
            administration=administration,
        )


OVERLOADED = "OVERLOADED"


class LimitExceeded(ExchangeError):
    code = "LIMIT_EXCEEDED"

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message, limit=limit)


class OperationInvalid(ExchangeError):
    """The operation does not validate against the schema (graphql-core's own errors carry
    this code too, given where they leave: gateway.http.errors)."""

    code = "GRAPHQL_VALIDATION_FAILED"


class Internal(ExchangeError):
    code = "INTERNAL"

    def __init__(self) -> None:
        super().__init__("An internal error occurred.")


def refusal_error(violation: ProcedureViolation) -> ExchangeError:
    """The coded error a caller sees for a refused procedure, naming the rule that refused."""
    kind = violation.refusal
    if kind is Refusal.KEY_REUSED:
        return IdempotencyKeyReused(violation.message, rule=violation.rule)
    if kind is Refusal.NOT_FOUND:
        return NotFound(violation.message, field=violation.field or "id")
    if kind is Refusal.FORBIDDEN:
        return Forbidden(violation.message, rule=violation.rule)
    return BadUserInput(violation.message, field=violation.field or "input", rule=violation.rule)


def error_code(error: GraphQLError) -> str | None:
    original = error.original_error
    if isinstance(original, ExchangeError):
        return original.code
    extensions = error.extensions or {}
    code = extensions.get("code")
    return code if isinstance(code, str) else None
