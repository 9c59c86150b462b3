"""What one request to an administration's subgraph works with."""

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from resolvers.errors import SourceUnavailableError
from resolvers.sources.base import AdministrationSource, SourceDown
from resolvers.sources.ids import decode_global_id
from resolvers.sources.parts import EVERY_PART, EntityParts
from resolvers.sources.records import PartyRecord
from store.agreement import Limits

# The loader of case parties, beside those of the entity types (named by their type).
PARTIES = "Case.parties"

Fetch = Callable[[Principal, Sequence[int]], Awaitable[dict[int, Any]]]


@contextmanager
def store_errors() -> Iterator[None]:
    """A failing store is reported as SOURCE_UNAVAILABLE, not masked as an internal error."""
    try:
        yield
    except SourceDown as exc:
        raise SourceUnavailableError(exc.administration.value) from None


@dataclass
class SubgraphContext:
    """`principal` is the verified caller; field authorization reads it from here too.
    `entity_parts`: the entity attributes the operation reads (resolvers.selection),
    which entities read by id fill; the rest stay in the store."""

    principal: Principal
    source: AdministrationSource
    limits: Limits
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    entity_parts: EntityParts = EVERY_PART

    def references(self, type_name: str) -> DataLoader[str, Any]:
        """The request's batch loader of one entity type, keyed by global id."""
        loader = self.loaders.get(type_name)
        if loader is None:
            loader = DataLoader(load_fn=self._batch(type_name), cache=True)
            self.loaders[type_name] = loader
        return loader

    async def read_references(self, type_name: str, keys: list[str]) -> list[Any]:
        """The records of one entity type among `keys` (global ids), in their order, each None
        where the caller may not see it: one source call for all of them, without a future
        for each."""
        return await self._batch(type_name)(keys)

    def parties_of_case(self, case_id: int) -> Awaitable[tuple[PartyRecord, ...]]:
        """The party links of one of this administration's cases, asked for in one batch with
        those of the other cases of the same page."""
        loader = self.loaders.get(PARTIES)
        if loader is None:
            loader = DataLoader(load_fn=self._parties, cache=True)
            self.loaders[PARTIES] = loader
        return loader.load(case_id)

    async def _parties(self, case_ids: list[int]) -> list[tuple[PartyRecord, ...]]:
        with store_errors():
            found = await self.source.parties_of_cases(self.principal, sorted(set(case_ids)))
        return [found.get(case_id, ()) for case_id in case_ids]

    def _batch(self, type_name: str) -> Callable[[list[str]], Awaitable[list[Any]]]:
        fetches: dict[str, Fetch] = {
            "Case": self.source.cases_by_id,
            "Entity": lambda principal, ids: self.source.entities_by_id(
                principal, ids, self.entity_parts
            ),
            "Evidence": self.source.evidence_by_id,
            "AssistanceRequest": self.source.requests_by_id,
        }
        fetch = fetches[type_name]
        owner = self.source.administration

        async def load(keys: list[str]) -> list[Any]:
            # An id of another type, of the other administration or of nothing at all is not
            # looked up, and comes back null exactly like an id the caller may not see.
            local: list[int | None] = []
            for key in keys:
                decoded = decode_global_id(key)
                if decoded is None or decoded.type_name != type_name or decoded.owner is not owner:
                    local.append(None)
                else:
                    local.append(decoded.local_id)
            ids = sorted({local_id for local_id in local if local_id is not None})
            with store_errors():
                found = await fetch(self.principal, ids) if ids else {}
            return [None if local_id is None else found.get(local_id) for local_id in local]

        return load
