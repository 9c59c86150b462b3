"""Entity.matches: the same person, company, vessel or container in the other administration.

Strong: a shared identifier (type and normalised value). Weak: the same normalised name (so
Cyrillic, Uzbek Latin and English spellings meet) and the same date of birth or country.
Candidates come only from records the other administration's policy lets the caller see.
"""

from dataclasses import dataclass

from resolvers.sources.filters import MatchProbe
from resolvers.sources.records import EntityRecord
from store.names import name_similarity

STRONG = "STRONG"
WEAK = "WEAK"
WEAK_SCORE = 0.7


@dataclass(frozen=True, slots=True)
class Match:
    entity: EntityRecord
    strength: str
    reason: str
    score: float


def probe_for(entities: list[EntityRecord]) -> MatchProbe:
    identifiers = sorted({(i.type, i.normalised) for e in entities for i in e.identifiers})
    names = sorted({e.name_key for e in entities if e.name_key})
    return MatchProbe(identifiers=tuple(identifiers), name_keys=tuple(names))


def _readable(identifier_type: str) -> str:
    return identifier_type.replace("_", " ").lower()


def matches_of(entity: EntityRecord, candidates: tuple[EntityRecord, ...]) -> list[Match]:
    own = {(i.type, i.normalised) for i in entity.identifiers}
    found: list[Match] = []
    for candidate in candidates:
        if candidate.owner is entity.owner:
            continue
        shared = sorted(own & {(i.type, i.normalised) for i in candidate.identifiers})
        if shared:
            kinds = ", ".join(_readable(kind) for kind, _ in shared)
            found.append(Match(candidate, STRONG, f"same {kinds}", 1.0))
            continue
        if not (entity.name_key and candidate.name_key and entity.name_key == candidate.name_key):
            continue
        if entity.date_of_birth and entity.date_of_birth == candidate.date_of_birth:
            reason = "same name (across scripts) and date of birth"
        elif (
            entity.country and entity.country == candidate.country and entity.kind == candidate.kind
        ):
            reason = "same name (across scripts) and country"
        else:
            continue
        similarity = name_similarity(entity.name or "", candidate.name or "")
        found.append(Match(candidate, WEAK, reason, round(WEAK_SCORE + 0.3 * similarity / 2, 3)))
    found.sort(key=lambda match: (-match.score, match.entity.id))
    return found
