"""The case pass of one store: cases, their offences, parties, entities and evidence."""

from datetime import datetime
from typing import NamedTuple

from tqdm import tqdm

from store.agreement import Agreement
from store.models.domain import (
    TLP,
    Administration,
    EntityKind,
    EvidenceKind,
    PartyRole,
)
from store.seed.calendar import CaseCalendar
from store.seed.codes import Serials
from store.seed.documents import Story
from store.seed.people import COUNTRY_NAMES
from store.seed.profiles import Maker, Profile
from store.seed.records import CaseDigest, CaseStory, StoreRecords, prose_name
from store.seed.themes import (
    CONTRABAND,
    COUNTERPARTS,
    FINANCE,
    LEGAL_PROVISIONS,
    PLACES,
    STRATEGIC,
    THEMES,
    Theme,
    quantity_text,
)
from store.seed.timeline import DAY, REFERENCE_TIME, Weighted, days, moment_between, stream
from store.seed.world import World

R = PartyRole
# Who takes part in a case of each kind: (what, role, how often), in order of importance.
_SLOTS = {
    "trade": (("org_home", R.IMPORTER, 1.0), ("shipment", R.SUSPECT, 1.0),
              ("org_away", R.EXPORTER, 0.8), ("org_home", R.BROKER, 0.4),
              ("conveyance", R.CARRIER, 0.35), ("container", R.SUSPECT, 0.35),
              ("person_home", R.BENEFICIAL_OWNER, 0.25)),
    CONTRABAND: (("person_away", R.SUSPECT, 1.0), ("shipment", R.SUSPECT, 0.9),
                 ("person_home", R.SUSPECT, 0.35), ("conveyance", R.CARRIER, 0.5),
                 ("org_away", R.CONSIGNOR, 0.45), ("container", R.SUSPECT, 0.25),
                 ("person_home", R.WITNESS, 0.25)),
    STRATEGIC: (("org_home", R.EXPORTER, 1.0), ("org_away", R.CONSIGNEE, 1.0),
                ("shipment", R.SUSPECT, 0.8), ("person_away", R.BENEFICIAL_OWNER, 0.5),
                ("org_away", R.BROKER, 0.3), ("conveyance", R.CARRIER, 0.3)),
    FINANCE: (("person_home", R.BENEFICIAL_OWNER, 1.0), ("org_home", R.EXPORTER, 0.9),
              ("org_away", R.IMPORTER, 0.7), ("person_away", R.SUSPECT, 0.5),
              ("shipment", R.SUSPECT, 0.5), ("person_home", R.WITNESS, 0.15)),
}
_EXPORT_ROLES = {R.IMPORTER: R.EXPORTER, R.EXPORTER: R.IMPORTER, R.CONSIGNOR: R.CONSIGNEE,
                 R.CONSIGNEE: R.CONSIGNOR}
del R
# How often an existing entity of the same sort joins another case instead of a new one.
_REUSE = {"org": 0.35, "person": 0.08, "conveyance": 0.35, "container": 0.1}
_HOME_NATIONALITIES = {
    Administration.US: (("US", 70), ("UZ", 18), ("RU", 4), ("TR", 4), ("CN", 4)),
    Administration.UZ: (("UZ", 88), ("RU", 5), ("KZ", 4), ("TJ", 3)),
}
_E = EvidenceKind
_EVIDENCE_KINDS = {
    "trade": Weighted(((_E.DOCUMENT, 35), (_E.CERTIFIED_COPY, 25), (_E.ORIGINAL, 12),
                       (_E.DIGITAL_FILE, 15), (_E.IMAGE, 10), (_E.PHYSICAL_ITEM, 3))),
    CONTRABAND: Weighted(((_E.PHYSICAL_ITEM, 30), (_E.IMAGE, 25), (_E.DOCUMENT, 25),
                          (_E.DIGITAL_FILE, 10), (_E.CERTIFIED_COPY, 5), (_E.ORIGINAL, 5))),
    STRATEGIC: Weighted(((_E.DOCUMENT, 30), (_E.DIGITAL_FILE, 25), (_E.CERTIFIED_COPY, 20),
                         (_E.ORIGINAL, 10), (_E.IMAGE, 10), (_E.PHYSICAL_ITEM, 5))),
    FINANCE: Weighted(((_E.DIGITAL_FILE, 35), (_E.DOCUMENT, 30), (_E.CERTIFIED_COPY, 15),
                       (_E.IMAGE, 10), (_E.ORIGINAL, 5), (_E.PHYSICAL_ITEM, 5))),
}
del _E
_TLPS = Weighted(((TLP.RED, 10), (TLP.AMBER, 50), (TLP.GREEN, 30), (TLP.CLEAR, 10)))
_EVIDENCE_COUNT = Weighted(((0, 15), (1, 35), (2, 30), (3, 20)))
# A handling caveat the owner adds to its default marking for its most sensitive cases.
STRICTER_CAVEAT = {Administration.US: "//NO ONWARD TRANSFER",
                   Administration.UZ: " // БЕЗ ПЕРЕДАЧИ ТРЕТЬИМ ЛИЦАМ"}


class Figures(NamedTuple):
    quantity: int
    unit_price: float
    declared: float
    text: dict[str, str]  # as the templates print them


class Party(NamedTuple):
    administration: Administration
    entity_id: int
    role: PartyRole
    kind: EntityKind
    name: str
    address: str | None
    country: str | None


class CaseWork:
    """Writes one store's cases in calendar order, with the entities and evidence they need."""

    def __init__(self, world: World, administration: Administration, agreement: Agreement,
                 records: StoreRecords) -> None:
        self.world = world
        self.administration = administration
        self.records = records
        self.rng = stream(world.seed, administration.value, "cases")
        self.evidence_rng = stream(world.seed, administration.value, "evidence")
        self.maker = Maker(stream(world.seed, administration.value, "entities"),
                           Serials(world.seed, administration.value))
        self.marking = agreement.parties[administration].default_marking
        self.pools: dict[tuple[str, str], list[Party]] = {}
        self.known: dict[tuple[Administration, int], Party] = {}
        self.evidence_serial = 0
        self.counterparts = Weighted(COUNTERPARTS[administration])
        self.nationalities = Weighted(_HOME_NATIONALITIES[administration])
        self.request_cases = {r.case_id for r in world.requests[administration]}

    # --- planned entities --------------------------------------------------------------------

    def write_planned_entities(self) -> None:
        adm, calendar = self.administration, self.world.calendars[self.administration]
        for entity in self.world.held_entities(adm):
            created = min(calendar[case_id - 1].opened_at for case_id, _ in entity.home_cases[adm])
            entity_id = entity.ids[adm]
            self.records.entity(entity_id, entity.profile, created)
            self._remember(adm, entity_id, entity.profile)
        self.records.entity_id = len(self.world.held_entities(adm))
        partner = adm.partner
        for request in self.world.requests[adm]:
            if request.subject is not None:
                self._remember(partner, request.subject.ids[partner], request.subject.profile)

    def _remember(self, holder: Administration, entity_id: int, profile: Profile) -> None:
        view = profile.views[self.administration]
        self.known[(holder, entity_id)] = Party(holder, entity_id, PartyRole.SUSPECT,
                                                profile.kind, view.name, view.address,
                                                profile.country)

    # --- the case pass -----------------------------------------------------------------------

    async def write_cases(self, progress: bool) -> None:
        additions = self.world.party_additions(self.administration)
        calendar = self.world.calendars[self.administration]
        with tqdm(total=len(calendar), disable=not progress, unit="case",
                  desc=f"seeding {self.administration.value}", leave=False) as bar:
            for case in calendar:
                self._case(case, additions.get(case.id, ()))
                bar.update()
                await self.records.writer.flush_when_full()

    def _case(self, case: CaseCalendar,
              planned: list[tuple[Administration, int, PartyRole]] | tuple[()]) -> None:
        rng, adm = self.rng, self.administration
        theme = THEMES[case.theme]
        counterpart = self.counterparts.pick(rng)
        if planned:  # the plan's entities are what ties this case to the partner
            counterpart = adm.partner.value
        exports = rng.random() < (0.15 if adm is Administration.US else 0.45)
        if theme.category == STRATEGIC:
            exports = adm is Administration.US or rng.random() < 0.5
        mode = rng.choice(theme.modes)
        place = rng.choice(PLACES[adm][mode])
        figures = self._figures(theme)
        parties = [self.known[(holder, entity_id)]._replace(role=role)
                   for holder, entity_id, role in planned]
        parties.extend(self._own_parties(case, theme, counterpart, exports, mode, len(parties),
                                         figures.text["quantity"]))
        related = rng.sample(theme.related, rng.randrange(len(theme.related) + 1))
        offences = [theme.offence, *related]
        orgs = [p for p in parties if p.kind is EntityKind.ORGANIZATION]
        # The declarant of the summaries is an organization of this administration's country.
        declarants = [p for p in orgs if p.country == adm.value] or orgs
        persons = [p for p in parties if p.kind is EntityKind.PERSON]
        fields = {
            **figures.text, "goods": theme.goods, "place": place,
            "country": COUNTRY_NAMES.get(counterpart, counterpart),
            "flow": "export" if exports else "import", "prep": "to" if exports else "from",
            "company": declarants[0].name if declarants else "an unidentified trader",
            "person": prose_name(persons[0].name) if persons else "an unidentified courier",
        }
        title = theme.title.format(**fields)
        summary = theme.summary.format(**fields)
        provisions = list(dict.fromkeys(
            provision for offence in offences
            for provision in LEGAL_PROVISIONS[adm][offence][: rng.choice((1, 2))]
        ))
        tlp = _TLPS.pick(rng)
        strict = rng.random() < (0.5 if tlp is TLP.RED else 0.08)
        self.records.writer.add("cases", {
            "id": case.id, "reference": case.reference, "title": title[:300],
            "status": case.status.value, "opened_at": case.opened_at, "closed_at": case.closed_at,
            "summary": summary, "legal_provisions": provisions,
            "marking": self.marking + STRICTER_CAVEAT[adm] if strict else self.marking,
            "tlp": tlp.value, "created_at": case.opened_at,
        })
        for offence in dict.fromkeys(offences):
            self.records.writer.add("case_offences", {"case_id": case.id,
                                                      "offence_type": offence.value})
        for party in parties:
            self.records.party(case.id, party.administration, party.entity_id, party.role.value)
        sellers = [p.name for p in orgs if p.role in (PartyRole.EXPORTER, PartyRole.CONSIGNOR)]
        buyers = [p.name for p in orgs if p.role in (PartyRole.IMPORTER, PartyRole.CONSIGNEE)]
        story = Story(adm, case.agency, case.reference, theme, place,
                      seller=(sellers or [p.name for p in orgs] or ["unknown seller"])[0],
                      buyer=(buyers or [p.name for p in orgs[1:]] or ["unknown buyer"])[0],
                      person=prose_name(persons[0].name) if persons else "unknown",
                      country=fields["country"], quantity=figures.quantity,
                      unit_price=figures.unit_price, declared_total=figures.declared)
        evidence = self._evidence(case, theme, story, place, tlp)
        own = [p for p in parties if p.administration is adm]
        self.records.digests.append(CaseDigest(
            tuple(p.entity_id for p in own),
            tuple(p.entity_id for p in own if p.kind is EntityKind.PERSON), evidence,
        ))
        if case.id in self.request_cases:
            concerned = [{"name": prose_name(p.name), "address": p.address or ""}
                         for p in parties if p.kind in (EntityKind.PERSON, EntityKind.ORGANIZATION)]
            self.records.stories[case.id] = CaseStory(title, summary, provisions, concerned[:4],
                                                      place)

    def _figures(self, theme: Theme) -> Figures:
        rng = self.rng
        quantity = rng.randrange(*theme.quantity)
        unit_price = rng.uniform(*theme.unit_price)
        actual = quantity * unit_price
        percent = rng.randrange(30, 80)
        over = theme.category == FINANCE
        declared = actual * (1 + percent / 100) if over else actual * (1 - percent / 100)
        if theme.unit == "USD":
            declared = actual = float(quantity)
        weight = quantity if theme.unit == "kg" else rng.randrange(2, 400)
        text = {
            "quantity": quantity_text(theme.unit, quantity), "declared": f"${declared:,.0f}",
            "actual": f"${actual:,.0f}", "percent": f"{percent}%",
            "duty": f"${actual * rng.uniform(0.06, 0.3):,.0f}", "weight": f"{weight:,} kg",
        }
        return Figures(quantity, unit_price, declared, text)

    def _own_parties(self, case: CaseCalendar, theme: Theme, counterpart: str, exports: bool,
                     mode: str, planned: int, quantity: str) -> list[Party]:
        rng = self.rng
        parties: list[Party] = []
        taken = set()
        for what, role, chance in _SLOTS[theme.category]:
            if planned + len(parties) >= 6:
                break
            if rng.random() >= chance or (what == "container" and mode not in ("sea", "rail")):
                continue
            if exports:
                role = _EXPORT_ROLES.get(role, role)
            party = self._entity(case, theme, what, counterpart, exports, mode, quantity)
            party = party._replace(role=role)
            if (party.entity_id, role) not in taken:
                taken.add((party.entity_id, role))
                parties.append(party)
        while planned + len(parties) < 2:
            witness = self._entity(case, theme, "person_home", counterpart, exports, mode, quantity)
            parties.append(witness._replace(role=PartyRole.WITNESS))
        return parties

    def _entity(self, case: CaseCalendar, theme: Theme, what: str, counterpart: str,
                exports: bool, mode: str, quantity: str) -> Party:
        rng, maker, adm = self.rng, self.maker, self.administration
        home = adm.value
        if what.startswith("person"):
            nationality = (counterpart if what == "person_away"
                           else self.nationalities.pick(rng))
            pool_key, sort = ("person", nationality), "person"
        elif what.startswith("org"):
            pool_key, sort = ("org", counterpart if what == "org_away" else home), "org"
        elif what in ("conveyance", "container"):
            pool_key, sort = (what, mode), what
        else:
            pool_key, sort = ("shipment", ""), "shipment"
        pool = self.pools.setdefault(pool_key, [])
        if pool and rng.random() < _REUSE.get(sort, 0.0):
            return rng.choice(pool)
        holders = (adm,)
        if sort == "person":
            profile = maker.person(pool_key[1], holders)
        elif sort == "org":
            profile = maker.organization(pool_key[1], holders)
        elif sort == "conveyance":
            profile = maker.conveyance(mode, holders)
        elif sort == "container":
            profile = maker.container(holders)
        else:
            origin, destination = (home, counterpart) if exports else (counterpart, home)
            dispatched = (case.opened_at - days(rng.randrange(3, 60))).date()
            profile = maker.shipment(theme, mode, origin, destination, dispatched, quantity,
                                     holders)
        entity_id = self.records.new_entity(profile, case.opened_at)
        view = profile.views[adm]
        party = Party(adm, entity_id, PartyRole.SUSPECT, profile.kind, view.name, view.address,
                      profile.country)
        if sort != "shipment":
            pool.append(party)
        return party

    def _evidence(self, case: CaseCalendar, theme: Theme, story: Story, place: str,
                  tlp: TLP) -> tuple[tuple[int, datetime], ...]:
        rng = self.evidence_rng
        count = _EVIDENCE_COUNT.pick(rng)
        kinds = _EVIDENCE_KINDS[theme.category]
        ids: list[tuple[int, datetime]] = []
        until = min(case.open_until(), case.opened_at + days(200), REFERENCE_TIME - DAY)
        for _ in range(count):
            # The first items cycle through every kind, so even a tiny store holds each.
            kind = (list(EvidenceKind)[self.evidence_serial] if self.evidence_serial < 6
                    else kinds.pick(rng))
            self.evidence_serial += 1
            collected = moment_between(rng, case.opened_at, until)
            ids.append(self.records.evidence(rng, kind, story, self.administration, case.id,
                                             collected, place, tlp.value, len(ids) + 1))
        return tuple(ids)

