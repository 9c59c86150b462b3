"""Everything one GraphQL request of the exchange schema works with."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from graphql import GraphQLError

from auth.principal import Principal
from resolvers.errors import SourceUnavailableError
from resolvers.exchange.administrations import Administrations
from resolvers.exchange.cursors import CursorCodec
from resolvers.exchange.loaders import Loaders
from resolvers.sources.base import AdministrationSource, CaseKey, SourceDown
from resolvers.sources.parts import EVERY_PART, EntityParts
from store.agreement import Agreement
from store.models.domain import Administration

T = TypeVar("T")


@dataclass
class ExchangeContext:
    principal: Principal
    administrations: Administrations
    cursors: CursorCodec
    agreement: Agreement
    reported_errors: list[GraphQLError] = field(default_factory=list)
    # Administrations found unavailable during this operation: not asked again at the next
    # level, so an operation waits for a hung source once, not once per level.
    unavailable: set[Administration] = field(default_factory=set)
    # Of those, the ones whose store was not reached for want of a free slot (overload).
    overloaded: set[Administration] = field(default_factory=set)
    # What this operation reads of the entities it reads by id (resolvers.selection).
    entity_parts: EntityParts = EVERY_PART
    # The parties of cases, loaded for a whole list at once (resolvers.exchange.types).
    case_parties: dict[CaseKey, list[Any]] = field(default_factory=dict)

    async def call(
        self,
        administration: Administration,
        work: Callable[[AdministrationSource], Awaitable[T]],
    ) -> T:
        if administration in self.unavailable:
            raise SourceDown(administration, "unavailable earlier in this operation")
        try:
            return await self.administrations.call(administration, work)
        except SourceDown as exc:
            self.unavailable.add(administration)
            if exc.overloaded:
                self.overloaded.add(administration)
            raise

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self)

    def source_unavailable(self, administration: Administration) -> None:
        error = SourceUnavailableError(
            administration.value, overloaded=administration in self.overloaded
        )
        self.reported_errors.append(error.as_graphql_error())
