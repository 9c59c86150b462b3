"""The exchange pass of one store: the requests it sent, its decisions on the partner's requests,
and the evidence it produced for the partner's cases in reply."""

from store.agreement import Agreement
from store.models.domain import Administration, EvidenceKind
from store.seed.agencies import agencies
from store.seed.documents import Story
from store.seed.people import COUNTRY_NAMES
from store.seed.records import StoreRecords, prose_name
from store.seed.themes import PLACES, THEMES
from store.seed.timeline import days, moment_between, stream
from store.seed.world import PlannedRequest, World

_ASSISTANCE = {
    "INFORMATION": "Information on", "DOCUMENTS": "Documents establishing",
    "VERIFICATION": "Verification of", "INQUIRY": "Inquiry into",
    "SURVEILLANCE": "Surveillance of persons and goods connected with",
    "EXPERT_TESTIMONY": "Expert testimony on",
}


class Exchange:
    def __init__(self, world: World, administration: Administration, agreement: Agreement,
                 records: StoreRecords) -> None:
        self.world = world
        self.administration = administration
        self.partner = administration.partner
        self.agreement = agreement
        self.records = records
        self.rng = stream(world.seed, administration.value, "exchange")
        self.agency = agencies(agreement, administration)[0].code
        self.partner_evidence: dict[int, tuple[int, ...]] = {}

    # --- requests and decisions --------------------------------------------------------------

    def write_requests(self) -> None:
        parties = self.agreement.parties
        for request in self.world.requests[self.administration]:
            story = self.records.stories[request.case_id]
            theme = THEMES[request.theme]
            concerned: list[dict[str, str]] = []
            subject_name = None
            if request.subject is not None:
                view = request.subject.profile.views[self.administration]
                subject_name = prose_name(view.name)
                concerned.append({"name": subject_name, "address": view.address or ""})
            for person in story.persons_concerned:
                if all(person["name"] != known["name"] for known in concerned):
                    concerned.append(person)
            about = subject_name or (concerned[0]["name"] if concerned else "the persons concerned")
            matter = (f"{_ASSISTANCE[request.assistance_type.value]} "
                      f"{theme.matter.format(goods=theme.goods, subject=about)}")
            agency = next((a.name for a in agencies(self.agreement, self.administration)
                           if a.code == request.agency), parties[self.administration].name)
            reasons = (f"{agency} is investigating case {self._case_reference(request)} "
                       f"({story.title}). {theme.finding} The records needed to establish the "
                       f"facts are held in the {parties[self.partner].name}.")
            self.records.writer.add("assistance_requests", {
                "id": request.id, "reference": request.reference,
                "requesting_administration": self.administration.value,
                "requested_administration": self.partner.value,
                "agreement_reference": self.agreement.reference, "matter": matter[:300],
                "assistance_type": request.assistance_type.value, "reasons": reasons,
                "case_description": story.summary, "legal_provisions": story.legal_provisions,
                "persons_concerned": concerned[:4], "case_id": request.case_id,
                "urgency": request.urgency.value, "oral": request.oral,
                "confirmed_in_writing_at": request.confirmed_at,
                "submitted_at": request.submitted_at, "submitted_by": request.submitted_by,
                "due_at": request.due_at, "status": request.status.value,
                "closed_at": request.closed_at, "idempotency_key": None,
            })

    def _case_reference(self, request: PlannedRequest) -> str:
        return self.world.calendars[request.requester][request.case_id - 1].reference

    def write_decisions(self) -> None:
        for request in self.world.incoming_requests(self.administration):
            decision = request.decision
            if decision is None:
                continue
            self.records.writer.add("decisions", {
                "id": decision.id, "request_administration": self.partner.value,
                "request_id": request.id, "request_reference": request.reference,
                "decision": decision.kind.value, "ground": decision.ground,
                "reason": decision.reason, "conditions": list(decision.conditions),
                "decided_at": decision.decided_at, "decided_by": decision.decided_by,
                "idempotency_key": None,
            })

    # --- evidence provided for the partner's cases --------------------------------------------

    def write_partner_evidence(self) -> None:
        rng = self.rng
        kinds = (EvidenceKind.CERTIFIED_COPY, EvidenceKind.DOCUMENT, EvidenceKind.DIGITAL_FILE,
                 EvidenceKind.ORIGINAL)
        partner_agency = agencies(self.agreement, self.partner)[0].name
        # Produced after the decision and ready (created) before the reply that releases it.
        for request in self.world.incoming_requests(self.administration):
            if request.answered_at is None or request.decision is None:
                continue
            theme = THEMES[request.theme]
            subject = request.subject
            name = (prose_name(subject.profile.views[self.administration].name)
                    if subject is not None else "unknown")
            place = PLACES[self.administration][theme.modes[0]][0]
            story = Story(self.administration, self.agency, self._case_reference(request), theme,
                          place, seller=name, buyer="the consignee", person=name,
                          country=COUNTRY_NAMES[self.administration.value],
                          quantity=rng.randrange(*theme.quantity),
                          unit_price=theme.unit_price[0],
                          declared_total=theme.unit_price[0] * theme.quantity[0])
            final = (f"{partner_agency}, through the CMAA liaison channel",
                     "Dispatched to the requesting administration under the CMAA")
            ids = []
            for serial in range(1, request.evidence_items + 1):
                kind = rng.choices(kinds, (50, 25, 15, 10))[0]
                collected = moment_between(rng, request.decision.decided_at,
                                           request.answered_at - days(2))
                evidence_id, _ = self.records.evidence(rng, kind, story, self.partner,
                                                       request.case_id, collected, place, "AMBER",
                                                       serial, final)
                ids.append(evidence_id)
            self.partner_evidence[request.id] = tuple(ids)
