"""The name of the GraphQL operation a request ran, as graphql-core resolved it (given as
`operationName` or the name of the document's only operation), for metrics and spans."""

from collections.abc import Iterator
from contextvars import ContextVar

from strawberry.extensions import SchemaExtension

# The endpoint sets a fresh slot for each request; the extension fills it.
_NAMED: ContextVar[list[str | None] | None] = ContextVar("cmaa_operation_name", default=None)


class OperationNamed(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        slot = _NAMED.get()
        if slot is None:
            return
        # The given operationName, else the name of the document's only operation; None where
        # neither is known (the document did not parse, and no name was given).
        slot.append(self.execution_context.operation_name)


class NameSlot:
    """Collects the operation's name for the span of one `with` block."""

    def __enter__(self) -> "NameSlot":
        self._slot: list[str | None] = []
        self._token = _NAMED.set(self._slot)
        return self

    def __exit__(self, *_exc: object) -> None:
        _NAMED.reset(self._token)

    @property
    def name(self) -> str | None:
        return self._slot[-1] if self._slot else None
