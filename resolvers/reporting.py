"""Errors reported beside data: fields answered 'empty' rather than failed, and the rule that
each denied field and each unavailable administration is reported once per response."""

from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from resolvers.errors import ExchangeError, SourceUnavailableError, UnauthorizedField

# Codes reported once per response, keyed by the extension that says what they are about.
ONCE_PER = {UnauthorizedField.code: "field", SourceUnavailableError.code: "administration"}


def report(info: Info, error: ExchangeError) -> None:
    """Add an error to the response without failing the field being resolved."""
    reported: list[GraphQLError] | None = getattr(info.context, "reported_errors", None)
    if reported is None:
        raise error
    reported.append(error.as_graphql_error(path=info.path.as_list()))


def _once(errors: list[GraphQLError]) -> list[GraphQLError]:
    seen: set[tuple[str, str]] = set()
    kept: list[GraphQLError] = []
    for error in errors:
        extensions = error.extensions or {}
        code = extensions.get("code")
        key_name = ONCE_PER.get(code) if isinstance(code, str) else None
        if key_name is not None:
            key = (str(code), str(extensions.get(key_name)))
            if key in seen:
                continue
            seen.add(key)
        kept.append(error)
    return kept


class ReportedErrors(SchemaExtension):
    def on_execute(self) -> Any:
        yield
        result = self.execution_context.result
        if result is None:
            return
        reported = getattr(self.execution_context.context, "reported_errors", None) or []
        errors = _once(list(result.errors or []) + list(reported))
        result.errors = errors or None
