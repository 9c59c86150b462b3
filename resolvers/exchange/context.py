"""Everything one GraphQL request of the exchange schema works with."""

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from graphql import GraphQLError

from auth.principal import Principal
from resolvers.errors import SourceUnavailableError
from resolvers.exchange.administrations import Administrations
from resolvers.exchange.cursors import CursorCodec
from store.agreement import Agreement
from store.models.domain import Administration

if TYPE_CHECKING:
    from resolvers.exchange.loaders import Loaders


@dataclass
class ExchangeContext:
    principal: Principal
    administrations: Administrations
    cursors: CursorCodec
    agreement: Agreement
    reported_errors: list[GraphQLError] = field(default_factory=list)

    @cached_property
    def loaders(self) -> "Loaders":
        from resolvers.exchange.loaders import Loaders

        return Loaders(self)

    def source_unavailable(self, administration: Administration) -> None:
        self.reported_errors.append(SourceUnavailableError(administration.value).as_graphql_error())
