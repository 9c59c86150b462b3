"""Validation, cached per operation text across requests, for the exchange and subgraph schemas.

Dashboards and remote sources send the same few operations again and again: each is validated
once, not per request. The cache is bounded in bytes (resolvers.caching): an operation found
invalid keeps its errors, whose nodes keep its whole parsed document alive, so it is charged as
that document.
"""

import sys
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from resolvers.caching import BytesBoundedCache, held_bytes

VALIDATED_BYTES = 16 * 1024 * 1024
# An entry's own key, list and bookkeeping.
ENTRY_BYTES = 256

_Key = tuple[Any, tuple[Any, ...], str]


def _charge(key: _Key, errors: list[GraphQLError]) -> int:
    charge = ENTRY_BYTES + sys.getsizeof(key[2])
    located = next((node.loc for error in errors for node in error.nodes or ()), None)
    if located is not None:
        charge += held_bytes(located)
    return charge + len(errors) * ENTRY_BYTES


validated: BytesBoundedCache[_Key, list[GraphQLError]] = BytesBoundedCache(VALIDATED_BYTES, _charge)


class CachedValidation(SchemaExtension):
    """Sets the operation's validation errors (none: valid) from the cache, validating it
    there the first time."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        schema, rules, document = (
            context.schema._schema,
            tuple(context.validation_rules),
            context.graphql_document,
        )
        if rules and document is not None and context.query:
            # A copy: the cached list is every later request's too.
            context.pre_execution_errors = list(
                validated.get_or_make(
                    (schema, rules, context.query),
                    lambda: validate_document(schema, document, rules),
                )
            )
        yield
