"""Releases one store made to the partner, the partner's consent requests, and its links.

Three kinds of release: the reply to each answered partner request (the case it found, the
entity asked about, their evidence and the evidence produced for the partner's case), a
spontaneous disclosure of each shared entity the plan says this side released, and further
spontaneous disclosures of cases of mutual interest. Some releases expire or are revoked; an
expired one is sometimes renewed, so some records are covered by two releases at once.
"""

from dataclasses import dataclass
from datetime import datetime

from store.agreement import Agreement
from store.models.domain import Administration, EntityKind, RecordType, ReleaseBasis, Use
from store.seed.agencies import liaison_official
from store.seed.records import StoreRecords, prose_name
from store.seed.timeline import DAY, REFERENCE_TIME, active_expiry, days, moment_between, stream
from store.seed.world import PlannedRequest, World

SPONTANEOUS_PER_CASE = 0.03
REVOCATION_REASONS = (
    "Information found to be inaccurate; a corrected release follows.",
    "A court order in the providing State now restricts further use of these records.",
    "Released in error: the records fall outside the scope of the request.",
    "The source of the information has withdrawn its agreement to disclosure.",
)
_RECIPIENTS = {
    # (kind of use, requesting administration) -> (agency, country) the records would go to
    ("ONWARD_TRANSFER", Administration.US): (
        ("Drug Enforcement Administration", "US"), ("Financial Crimes Enforcement Network", "US"),
        ("Bureau of Industry and Security, U.S. Department of Commerce", "US"),
        ("Europol", "NL"), ("Federal Criminal Police Office (BKA)", "DE")),
    ("ONWARD_TRANSFER", Administration.UZ): (
        ("Department for Combating Economic Crimes, Prosecutor General's Office", "UZ"),
        ("State Security Service of the Republic of Uzbekistan", "UZ"),
        ("State Revenue Committee of the Republic of Kazakhstan", "KZ"),
        ("Customs Service under the Government of the Republic of Tajikistan", "TJ")),
    ("JUDICIAL_CRIMINAL", Administration.US): (
        ("U.S. Attorney's Office, District of New Jersey", "US"),
        ("U.S. Attorney's Office, Eastern District of New York", "US"),
        ("U.S. Attorney's Office, Southern District of Texas", "US")),
    ("JUDICIAL_CRIMINAL", Administration.UZ): (
        ("Prosecutor General's Office of the Republic of Uzbekistan", "UZ"),
        ("Tashkent City Criminal Court", "UZ")),
    ("JUDICIAL_CIVIL", Administration.US): (
        ("U.S. Department of Justice, Civil Division, Commercial Litigation Branch", "US"),
        ("U.S. Court of International Trade", "US")),
    ("JUDICIAL_CIVIL", Administration.UZ): (
        ("Tashkent City Economic Court", "UZ"),
        ("Legal Department, State Customs Committee (civil recovery)", "UZ")),
}
_USE_PHRASES = {"JUDICIAL_CIVIL": "civil court proceedings",
                "JUDICIAL_CRIMINAL": "criminal court proceedings",
                "ONWARD_TRANSFER": "an onward transfer"}
_CONSENT_STATUSES = (("PENDING", "GRANTED", "REFUSED"), (30, 50, 20))
_CONSENT_REASONS = {
    "GRANTED": "Consent given for the proceedings named; the release's conditions still apply.",
    "REFUSED": "Proceedings in the providing State concerning the same persons are not yet "
               "closed; use now would prejudice them.",
}

Item = tuple[RecordType, int]


@dataclass(slots=True)
class ReleaseSpec:
    basis: ReleaseBasis
    purpose: str
    created_at: datetime
    items: list[Item]
    personal_data: bool
    expires_at: datetime
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    conditions: tuple[str, ...] = ()
    request: PlannedRequest | None = None
    id: int = 0

    @property
    def expired(self) -> bool:
        return self.revoked_at is None and self.expires_at < REFERENCE_TIME


class Releases:
    def __init__(self, world: World, administration: Administration, agreement: Agreement,
                 records: StoreRecords, partner_evidence: dict[int, tuple[int, ...]]) -> None:
        self.world = world
        self.administration = administration
        self.partner = administration.partner
        self.agreement = agreement
        self.records = records
        self.partner_evidence = partner_evidence
        self.rng = stream(world.seed, administration.value, "releases")
        self.calendar = world.calendars[administration]

    def _lifetime(self, created: datetime, expired: float, revoked: float
                  ) -> tuple[datetime, datetime | None, str | None]:
        rng = self.rng
        draw = rng.random()
        if draw < expired and created < REFERENCE_TIME - days(40):
            return moment_between(rng, created + days(30), REFERENCE_TIME - DAY), None, None
        expires = active_expiry(rng)
        if draw < expired + revoked and created < REFERENCE_TIME - days(3):
            revoked_at = moment_between(rng, created + DAY, REFERENCE_TIME - DAY)
            return expires, revoked_at, rng.choice(REVOCATION_REASONS)
        return expires, None, None

    def _case_items(self, case_id: int, parties: int, evidence: int, personal_data: bool,
                    at: datetime) -> list[Item]:
        """A case, some of its parties and some of its evidence that existed `at` release."""
        rng = self.rng
        digest = self.records.digests[case_id - 1]
        entities = list(dict.fromkeys(
            e for e in digest.parties if personal_data or e not in digest.persons))
        existing = [item for item, created in digest.evidence if created <= at]
        items: list[Item] = [(RecordType.CASE, case_id)]
        items += [(RecordType.ENTITY, e) for e in rng.sample(entities, min(parties, len(entities)))]
        items += [(RecordType.EVIDENCE, e)
                  for e in rng.sample(existing, min(evidence, len(existing)))]
        return items

    # --- the three kinds of release ----------------------------------------------------------

    def _replies(self) -> list[ReleaseSpec]:
        specs = []
        for request in self.world.incoming_requests(self.administration):
            if request.answered_at is None or request.subject is None:
                continue
            assert request.decision is not None and request.responder_case_id is not None
            subject = request.subject
            personal = subject.profile.kind is EntityKind.PERSON or self.rng.random() < 0.35
            items = [(RecordType.ENTITY, subject.ids[self.administration])]
            items += self._case_items(request.responder_case_id, 2, 2, personal,
                                      request.answered_at)
            items += [(RecordType.EVIDENCE, e) for e in self.partner_evidence.get(request.id, ())]
            closed = request.status.value == "CLOSED"
            expires, revoked, reason = self._lifetime(request.answered_at,
                                                      0.45 if closed else 0.05, 0.08)
            name = prose_name(subject.profile.views[self.administration].name)
            purpose = (f"Reply to request {request.reference}: "
                       f"{request.assistance_type.value.lower().replace('_', ' ')} concerning "
                       f"{name}")
            specs.append(ReleaseSpec(ReleaseBasis.REQUEST, purpose, request.answered_at,
                                     _unique(items), personal, expires, revoked, reason,
                                     request.decision.conditions, request))
        return specs

    def _shared(self) -> list[ReleaseSpec]:
        specs = []
        for entity in self.world.held_entities(self.administration):
            released = entity.released_at.get(self.administration)
            if released is None:
                continue
            personal = entity.profile.kind is EntityKind.PERSON
            items: list[Item] = [(RecordType.ENTITY, entity.ids[self.administration])]
            references = []
            for case_id, _ in entity.home_cases[self.administration]:
                case = self.calendar[case_id - 1]
                if case.opened_at < released:
                    items += self._case_items(case_id, 0, 1, personal, released)
                    references.append(case.reference)
            name = prose_name(entity.profile.views[self.administration].name)
            purpose = (f"Spontaneous disclosure: {name} appears in case "
                       f"{', '.join(references) or 'files'} of this administration")
            expires, revoked, reason = self._lifetime(released, 0.08, 0.04)
            specs.append(ReleaseSpec(ReleaseBasis.SPONTANEOUS, purpose, released, _unique(items),
                                     personal, expires, revoked, reason))
        return specs

    def _spontaneous(self) -> list[ReleaseSpec]:
        rng = self.rng
        specs: list[ReleaseSpec] = []
        eligible = [c for c in self.calendar if c.opened_at < REFERENCE_TIME - days(10)]
        if not eligible:
            return specs
        for _ in range(max(3, round(len(self.calendar) * SPONTANEOUS_PER_CASE))):
            cases = rng.sample(eligible, min(len(eligible), rng.choice((1, 1, 2, 3))))
            personal = rng.random() < 0.3
            created = moment_between(rng, max(c.opened_at for c in cases) + days(5),
                                     REFERENCE_TIME - DAY)
            items: list[Item] = []
            for case in cases:
                items += self._case_items(case.id, rng.randrange(0, 3), rng.randrange(0, 3),
                                          personal, created)
            refs = ", ".join(sorted(c.reference for c in cases))
            purpose = f"Spontaneous disclosure of case{'s' if len(cases) > 1 else ''} {refs}"
            expires, revoked, reason = self._lifetime(created, 0.2, 0.1)
            specs.append(ReleaseSpec(ReleaseBasis.SPONTANEOUS, purpose, created, _unique(items),
                                     personal, expires, revoked, reason))
        return specs

    def _renewals(self, specs: list[ReleaseSpec]) -> list[ReleaseSpec]:
        rng = self.rng
        expired = [spec for spec in specs if spec.expired]
        renewals = []
        for index, old in enumerate(expired):
            # At least one renewal, so that some records are covered twice.
            if index and rng.random() >= 0.4:
                continue
            created = moment_between(rng, max(old.created_at + DAY, old.expires_at - days(20)),
                                     REFERENCE_TIME - DAY)
            renewals.append(ReleaseSpec(
                old.basis, f"Renewal after expiry. {old.purpose}", created, list(old.items),
                old.personal_data, active_expiry(rng), conditions=old.conditions,
                request=old.request,
            ))
        return renewals

    # --- writing -----------------------------------------------------------------------------

    def write(self) -> None:
        specs = self._replies() + self._shared() + self._spontaneous()
        specs += self._renewals(specs)
        specs.sort(key=lambda spec: spec.created_at)
        free_uses = [use.value for use in Use if not self.agreement.uses[use].consent_required]
        consent_uses = [use.value for use in self.agreement.uses_needing_consent]
        item_id = 0
        writer = self.records.writer
        for release_id, spec in enumerate(specs, start=1):
            spec.id = release_id
            request = spec.request
            decision = request.decision if request is not None else None
            permitted = free_uses if self.rng.random() < 0.5 else sorted(
                self.rng.sample(free_uses, max(1, len(free_uses) - 1)), key=free_uses.index)
            writer.add("releases", {
                "id": release_id, "recipient": self.partner.value, "basis": spec.basis.value,
                "decision_id": decision.id if decision is not None else None,
                "request_administration": self.partner.value if request else None,
                "request_id": request.id if request else None,
                "request_reference": request.reference if request else None,
                "purpose": spec.purpose, "permitted_uses": permitted,
                "consent_required_for": consent_uses, "conditions": list(spec.conditions),
                "includes_personal_data": spec.personal_data, "created_at": spec.created_at,
                "created_by": liaison_official(self.rng, self.administration),
                "expires_at": spec.expires_at, "revoked_at": spec.revoked_at,
                "revocation_reason": spec.revocation_reason, "idempotency_key": None,
            })
            for record_type, record_id in spec.items:
                item_id += 1
                writer.add("release_items", {"id": item_id, "release_id": release_id,
                                             "record_type": record_type.value,
                                             "record_id": record_id})
        self._consents(specs, consent_uses)

    def _consents(self, specs: list[ReleaseSpec], uses: list[str]) -> None:
        rng, writer = self.rng, self.records.writer
        consent_id = item_id = 0
        for spec in specs:
            if not uses or spec.revoked_at is not None or rng.random() >= 0.22:
                continue
            latest = min(spec.expires_at, REFERENCE_TIME) - days(2)
            if spec.created_at + days(5) >= latest:
                continue
            use = rng.choice(uses)
            requested = moment_between(rng, spec.created_at + days(5), latest)
            status = rng.choices(*_CONSENT_STATUSES)[0]
            decided = None
            if status != "PENDING" and requested < REFERENCE_TIME - days(3):
                decided = moment_between(rng, requested + DAY,
                                         min(requested + days(45), REFERENCE_TIME - DAY))
            else:
                status = "PENDING"
            agency, country = rng.choice(_RECIPIENTS.get((use, self.partner), (("", ""),)))
            consent_id += 1
            writer.add("consents", {
                "id": consent_id, "requesting_administration": self.partner.value, "use": use,
                "recipient_agency": agency or None, "recipient_country": country or None,
                "purpose": f"Use of records of release {spec.id} in {_USE_PHRASES.get(use, use)}"
                           f" by {agency or 'the requesting administration'}",
                "status": status, "requested_at": requested,
                "requested_by": liaison_official(rng, self.partner), "decided_at": decided,
                "decided_by": liaison_official(rng, self.administration) if decided else None,
                "reason": _CONSENT_REASONS.get(status), "idempotency_key": None,
            })
            chosen = [spec.items[0], *rng.sample(spec.items[1:], min(2, len(spec.items) - 1))]
            for record_type, record_id in _unique(chosen):
                item_id += 1
                writer.add("consent_items", {"id": item_id, "consent_id": consent_id,
                                             "record_type": record_type.value,
                                             "record_id": record_id})

    def write_links(self) -> None:
        link_id = 0
        for link in self.world.links:
            if link.holder is not self.administration:
                continue
            link_id += 1
            self.records.writer.add("entity_links", {
                "id": link_id, "entity_id": link.entity.ids[self.administration],
                "partner_administration": self.partner.value,
                "partner_entity_id": link.entity.ids[self.partner], "reason": link.reason,
                "confirmed_by": link.confirmed_by, "confirmed_at": link.confirmed_at,
            })


def _unique(items: list[Item]) -> list[Item]:
    return list(dict.fromkeys(items))
