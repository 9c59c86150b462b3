"""Per-request batching: one call per source per level of the response, whatever its size."""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from resolvers.exchange.administrations import Administrations
from resolvers.exchange.matching import Match, matches_of, probe_for
from resolvers.sources.base import AdministrationSource, CaseKey, SourceDown
from resolvers.sources.filters import MatchProbe
from resolvers.sources.parts import EntityParts
from resolvers.sources.records import (
    CaseRecord,
    EntityRecord,
    EvidenceRecord,
    PartyRecord,
    RequestRecord,
)
from store.models.domain import Administration

T = TypeVar("T")
RecordKey = tuple[Administration, int]
ByOwner = Callable[[AdministrationSource, list[int]], Awaitable[dict[int, Any]]]


def _bound(fetch: ByOwner, ids: list[int]) -> Callable[[AdministrationSource], Awaitable[Any]]:
    return lambda source: fetch(source, ids)


def _evidence_order(item: EvidenceRecord) -> tuple[datetime, str, int]:
    return (item.collected_at, item.owner.value, item.id)


async def load_at_once(loader: DataLoader[Any, T], keys: Sequence[Any]) -> list[T]:
    """What `loader.load_many(keys)` gives, for a whole list: the keys it holds nothing for are
    fetched by one call of its batch function and primed into it, without a future, a task and
    a callback per key; those it holds (or is loading) are taken from it."""
    held: dict[Any, T] = {}
    waiting: dict[Any, Awaitable[T]] = {}
    missing: list[Any] = []
    for key in dict.fromkeys(keys):
        future = loader.cache_map.get(key)
        if future is None:
            missing.append(key)
        elif future.done():
            held[key] = future.result()
        else:
            waiting[key] = future
    if missing:
        fetched = dict(zip(missing, await loader.load_fn(missing), strict=True))
        loader.prime_many(fetched)
        held.update(fetched)
    for key, pending in waiting.items():
        held[key] = await pending
    return [held[key] for key in keys]


class LoadingContext(Protocol):
    """What the loaders use of a request's context (resolvers.exchange.context)."""

    principal: Principal
    entity_parts: EntityParts
    administrations: Administrations

    async def call(
        self, administration: Administration, work: Callable[[AdministrationSource], Awaitable[T]]
    ) -> T: ...

    def source_unavailable(self, administration: Administration) -> None: ...


class Loaders:
    def __init__(self, context: LoadingContext) -> None:
        self._context = context
        principal = context.principal
        self.cases: DataLoader[RecordKey, CaseRecord | None] = self._by_owner(
            lambda source, ids: source.cases_by_id(principal, ids)
        )
        self.entities: DataLoader[RecordKey, EntityRecord | None] = self._by_owner(
            lambda source, ids: source.entities_by_id(principal, ids, context.entity_parts)
        )
        self.evidence: DataLoader[RecordKey, EvidenceRecord | None] = self._by_owner(
            lambda source, ids: source.evidence_by_id(principal, ids)
        )
        self.requests: DataLoader[RecordKey, RequestRecord | None] = self._by_owner(
            lambda source, ids: source.requests_by_id(principal, ids)
        )
        self.parties: DataLoader[CaseKey, tuple[PartyRecord, ...] | None] = self._by_owner(
            lambda source, ids: source.parties_of_cases(principal, ids)
        )
        self.case_evidence: DataLoader[CaseKey, tuple[EvidenceRecord, ...]] = DataLoader(
            load_fn=self._evidence_of_cases
        )
        self.matches: DataLoader[EntityRecord, list[Match]] = DataLoader(
            load_fn=self._matches, cache_key_fn=lambda entity: (entity.owner, entity.id)
        )

    async def _call(
        self, owner: Administration, work: Callable[[AdministrationSource], Awaitable[T]]
    ) -> T | None:
        try:
            return await self._context.call(owner, work)
        except SourceDown:
            self._context.source_unavailable(owner)
            return None

    def _by_owner(self, fetch: ByOwner) -> DataLoader[Any, Any]:
        """A loader whose keys are (owner, local id): each owner's source is asked once."""

        async def load(keys: Sequence[RecordKey]) -> list[Any]:
            wanted: dict[Administration, list[int]] = defaultdict(list)
            for owner, local_id in keys:
                wanted[owner].append(local_id)
            owners = sorted(wanted)
            answers = await asyncio.gather(
                *(self._call(owner, _bound(fetch, sorted(set(wanted[owner])))) for owner in owners)
            )
            found = {owner: answer or {} for owner, answer in zip(owners, answers, strict=True)}
            return [found[owner].get(local_id) for owner, local_id in keys]

        return DataLoader(load_fn=load)

    async def _matches(self, entities: Sequence[EntityRecord]) -> list[list[Match]]:
        """One search in each other administration for all the entities of this level."""
        principal = self._context.principal
        by_owner: dict[Administration, list[EntityRecord]] = defaultdict(list)
        for entity in entities:
            by_owner[entity.owner].append(entity)
        searches = [
            (owner, other, probe_for(group))
            for owner, group in sorted(by_owner.items())
            for other in self._context.administrations
            if other is not owner
        ]

        def search(probe: MatchProbe) -> Callable[[AdministrationSource], Awaitable[Any]]:
            return lambda source: source.match_candidates(principal, probe)

        answers = await asyncio.gather(
            *(self._call(other, search(probe)) for _owner, other, probe in searches)
        )
        candidates: dict[Administration, tuple[EntityRecord, ...]] = defaultdict(tuple)
        for (owner, _other, _probe), found in zip(searches, answers, strict=True):
            candidates[owner] += found or ()
        return [matches_of(entity, candidates[entity.owner]) for entity in entities]

    async def _evidence_of_cases(self, keys: Sequence[CaseKey]) -> list[tuple[EvidenceRecord, ...]]:
        """Evidence for a case may be held by either administration: ask every source once."""
        principal = self._context.principal
        administrations = list(self._context.administrations)
        answers = await asyncio.gather(
            *(
                self._call(owner, lambda source: source.evidence_for_cases(principal, list(keys)))
                for owner in administrations
            )
        )
        merged: dict[CaseKey, list[EvidenceRecord]] = defaultdict(list)
        for answer in answers:
            for case_key, items in (answer or {}).items():
                merged[case_key].extend(items)
        return [tuple(sorted(merged.get(key, ()), key=_evidence_order)) for key in keys]
