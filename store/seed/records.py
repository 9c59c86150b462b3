"""Row builders shared by the case pass and the exchange pass of one store."""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from store.models.domain import Administration, EvidenceKind
from store.names import normalise_name
from store.seed.agencies import officer
from store.seed.documents import Document, Story, custody_chain, evidence_document
from store.seed.profiles import Profile
from store.seed.timeline import REFERENCE_TIME, days, moment_between
from store.seed.writer import BulkWriter


@cache
def name_key(name: str) -> str:
    return normalise_name(name)


def prose_name(name: str) -> str:
    """'Zhuraev, Shavkat' as it reads in a sentence: 'Shavkat Zhuraev'."""
    surname, _, given = name.partition(", ")
    return f"{given} {surname}" if given and " " not in surname else name


@dataclass(slots=True)
class CaseDigest:
    """What the exchange pass needs of a case: its own parties and evidence."""

    parties: tuple[int, ...] = ()
    persons: tuple[int, ...] = ()
    # (id, created_at): a release made before an item existed cannot include it.
    evidence: tuple[tuple[int, datetime], ...] = ()


@dataclass(slots=True)
class CaseStory:
    """What an outgoing request says about its case."""

    title: str
    summary: str
    legal_provisions: list[str]
    persons_concerned: list[dict[str, str]]
    place: str


@dataclass(slots=True)
class StoreRecords:
    """One store's id counters and the cases' digests, filled as rows are written."""

    administration: Administration
    writer: BulkWriter
    marking: str
    entity_id: int = 0
    identifier_id: int = 0
    party_id: int = 0
    evidence_id: int = 0
    custody_id: int = 0
    digests: list[CaseDigest] = field(default_factory=list)
    stories: dict[int, CaseStory] = field(default_factory=dict)

    def entity(self, entity_id: int, profile: Profile, created_at: datetime) -> None:
        view = profile.views[self.administration]
        self.writer.add("entities", {
            "id": entity_id, "kind": profile.kind.value,
            "conveyance_type": profile.conveyance_type.value if profile.conveyance_type else None,
            "name": view.name, "name_cyrillic": view.name_cyrillic, "name_key": name_key(view.name),
            "date_of_birth": profile.date_of_birth, "address": view.address,
            "country": profile.country, "description": view.description,
            "marking": self.marking, "tlp": profile.tlp.value, "created_at": created_at,
        })
        for identifier in view.identifiers:
            self.identifier_id += 1
            self.writer.add("entity_identifiers", {
                "id": self.identifier_id, "entity_id": entity_id, "type": identifier.type.value,
                "value": identifier.value, "normalised": identifier.normalised,
                "issuing_country": identifier.issuing_country,
            })

    def new_entity(self, profile: Profile, created_at: datetime) -> int:
        self.entity_id += 1
        self.entity(self.entity_id, profile, created_at)
        return self.entity_id

    def party(self, case_id: int, entity_administration: Administration, entity_id: int,
              role: str) -> None:
        self.party_id += 1
        self.writer.add("case_parties", {
            "id": self.party_id, "case_id": case_id,
            "entity_administration": entity_administration.value, "entity_id": entity_id,
            "role": role,
        })

    def evidence(self, rng: random.Random, kind: EvidenceKind, story: Story,
                 case_administration: Administration, case_id: int, collected: datetime,
                 place: str, tlp: str, serial: int,
                 final_holder: tuple[str, str] | None = None) -> tuple[int, datetime]:
        """One evidence item with its content and chain of custody; returns (id, created_at)."""
        document: Document = evidence_document(rng, kind, story, collected, serial)
        collector = officer(rng, self.administration, story.agency)
        return_due = returned = None
        if kind is EvidenceKind.ORIGINAL:
            return_due = collected + days(rng.randrange(90, 400))
            # Most originals go back in time; the others are overdue (or not yet due).
            back_by = min(return_due + days(30), REFERENCE_TIME)
            keep = 0.35 if return_due < REFERENCE_TIME else 0.8
            if collected + days(20) < back_by and rng.random() >= keep:
                returned = moment_between(rng, collected + days(20), back_by)
        self.evidence_id += 1
        evidence_id = self.evidence_id
        created = min(collected + days(rng.random() * 2), REFERENCE_TIME).replace(microsecond=0)
        self.writer.add("evidence", {
            "id": evidence_id, "case_administration": case_administration.value,
            "case_id": case_id, "kind": kind.value, "title": document.title,
            "description": document.description, "media_type": document.media_type,
            "sha256": hashlib.sha256(document.content).hexdigest(),
            "size_bytes": len(document.content), "collected_at": collected,
            "collected_by": collector, "collected_place": place[:200], "return_due": return_due,
            "returned_at": returned, "marking": self.marking, "tlp": tlp, "created_at": created,
        })
        self.writer.add("evidence_contents", {"evidence_id": evidence_id,
                                              "content": document.content})
        chain = custody_chain(rng, self.administration, kind, collector, place, collected,
                              final_holder)
        for sequence, (giver, receiver, at, purpose, seal, condition) in enumerate(chain, 1):
            self.custody_id += 1
            self.writer.add("custody_events", {
                "id": self.custody_id, "evidence_id": evidence_id, "sequence": sequence,
                "from_holder": giver[:200], "to_holder": receiver[:200], "at": at,
                "purpose": purpose, "seal": seal, "condition": condition,
            })
        return evidence_id, created
