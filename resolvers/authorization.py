"""Field scopes: declared once on the field, printed as `@requiresScopes`, and enforced.

Strawberry only prints the directive. `scoped_field` prints it and attaches `ScopeGuard`,
which checks the caller's scopes before the field resolves. Only fields that carry a scope
have a guard (relations and root fields, never plain per-row attributes), so a list costs no
per-row check. A denied field resolves to null — or, for a non-null connection, to an empty
one — with an UNAUTHORIZED_FIELD error, reported once per field (resolvers.reporting).
Being authenticated at all is decided before GraphQL runs, at the HTTP boundary.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.federation.schema_directives import RequiresScopes
from strawberry.types import Info

from resolvers.errors import UnauthorizedField
from resolvers.reporting import report


def caller_scopes(info: Info) -> frozenset[str]:
    principal = getattr(info.context, "principal", None)
    return frozenset() if principal is None else principal.scopes


def _coordinate(info: Info) -> str:
    # strawberry's Info does not expose the parent type; graphql-core's does.
    return f"{info._raw_info.parent_type.name}.{info.field_name}"


class ScopeGuard(FieldExtension):
    def __init__(self, scope: str, empty: Callable[[], Any] | None = None) -> None:
        self.scope = scope
        self.empty = empty

    def _refusal(self, info: Info) -> Any:
        coordinate = _coordinate(info)
        error = UnauthorizedField(
            f"Reading {coordinate} requires the scope {self.scope}.",
            field=coordinate,
            requiredScopes=[self.scope],
        )
        if self.empty is None:
            raise error
        report(info, error)
        return self.empty()

    def permits(self, principal: Any) -> bool:
        """Whether the guard lets this caller through (a plan decides once per operation)."""
        return self.scope in principal.scopes

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        if self.scope not in caller_scopes(info):
            return self._refusal(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        if self.scope not in caller_scopes(info):
            return self._refusal(info)
        return await next_(source, info, **kwargs)


def scoped_field(
    scope: str,
    resolver: Callable[..., Any] | None = None,
    *,
    empty: Callable[[], Any] | None = None,
    **options: Any,
) -> Any:
    """A strawberry field that requires `scope`: printed in the SDL and enforced."""
    field = strawberry.field(
        directives=[RequiresScopes(scopes=[[scope]])],
        extensions=[ScopeGuard(scope, empty)],
        **options,
    )
    return field if resolver is None else field(resolver)
