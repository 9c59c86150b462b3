"""Entities both stores know, and the links between them that each side confirmed."""

import random
from datetime import datetime

from store.identifiers import IdentifierType
from store.models.domain import Administration, PartyRole
from store.seed.agencies import liaison_official
from store.seed.calendar import CaseCalendar
from store.seed.profiles import Maker, Profile
from store.seed.themes import FINANCE, STRATEGIC, THEMES, quantity_text
from store.seed.timeline import DAY, REFERENCE_TIME, days, moment_between, stream
from store.seed.world import BOTH, BUSY_CASE, US, UZ, PlannedEntity, PlannedLink, PlannedLoad

Calendars = dict[Administration, tuple[CaseCalendar, ...]]

# Entities known to both stores: about 3-5% of each store's entities.
SHARED_PER_CASE = 0.11
MINIMUM_SHARED = 12
# The first few shared entities are persons matchable only by transliteration of their name.
GUARANTEED_TRANSLITERATION_ONLY = 3
_KINDS = (("uz_org", 22), ("us_org", 8), ("person", 16), ("transliteration", 6), ("vessel", 8),
          ("truck", 6), ("container", 14), ("shipment", 20))
_NATIONALITIES = (("UZ", 70), ("US", 8), ("RU", 5), ("KZ", 4), ("TR", 4), ("AF", 3), ("CN", 3),
                  ("AE", 3))


def _themes_for(kind: str) -> list[int]:
    if kind in ("uz_org", "us_org"):
        return [i for i, t in enumerate(THEMES) if t.category != "contraband"]
    mode = {"vessel": "sea", "truck": "road", "container": "sea"}.get(kind)
    return [i for i, t in enumerate(THEMES) if mode is None or mode in t.modes]


def _roles(kind: str, category: str) -> dict[Administration, PartyRole]:
    if kind == "uz_org":
        role = PartyRole.CONSIGNEE if category == STRATEGIC else PartyRole.EXPORTER
        return {US: role, UZ: PartyRole.IMPORTER if category == STRATEGIC else role}
    if kind == "us_org":
        if category == STRATEGIC:
            return {US: PartyRole.EXPORTER, UZ: PartyRole.CONSIGNOR}
        return {US: PartyRole.IMPORTER, UZ: PartyRole.CONSIGNEE}
    if kind in ("person", "transliteration"):
        role = PartyRole.BENEFICIAL_OWNER if category == FINANCE else PartyRole.SUSPECT
        return {US: role, UZ: role}
    if kind in ("vessel", "truck"):
        return {US: PartyRole.CARRIER, UZ: PartyRole.CARRIER}
    return {US: PartyRole.SUSPECT, UZ: PartyRole.SUSPECT}


class _CaseIndex:
    """A store's cases by theme and by offence, to give planned entities fitting cases."""

    def __init__(self, calendar: tuple[CaseCalendar, ...], load: dict[int, int]) -> None:
        self.calendar = calendar
        self.load = load
        self.by_theme: dict[int, list[int]] = {}
        self.by_offence: dict[object, list[int]] = {}
        for case in calendar:
            self.by_theme.setdefault(case.theme, []).append(case.id)
            self.by_offence.setdefault(case.offence, []).append(case.id)

    def pick(self, rng: random.Random, theme: int) -> int:
        pool = self.by_theme.get(theme) or self.by_offence.get(THEMES[theme].offence)
        case_id = 1
        for _ in range(10):
            case_id = rng.choice(pool) if pool else rng.randrange(1, len(self.calendar) + 1)
            if self.load.get(case_id, 0) < BUSY_CASE:
                break
        self.load[case_id] = self.load.get(case_id, 0) + 1
        return case_id


def _profile(maker: Maker, rng: random.Random, kind: str, theme: int,
             home: dict[Administration, list[tuple[int, PartyRole]]],
             calendars: Calendars) -> Profile:
    if kind == "uz_org":
        return maker.organization("UZ", BOTH)
    if kind == "us_org":
        return maker.organization("US", BOTH)
    if kind == "transliteration":
        return maker.person("UZ", BOTH, transliteration_only=True)
    if kind == "person":
        nationality = rng.choices(*zip(*_NATIONALITIES, strict=True))[0]
        return maker.person(nationality, BOTH)
    if kind == "vessel":
        return maker.vessel(BOTH)
    if kind == "truck":
        return maker.truck(BOTH)
    if kind == "container":
        return maker.container(BOTH)
    spec = THEMES[theme]
    first = min(calendars[adm][case_id - 1].opened_at for adm in BOTH for case_id, _ in home[adm])
    origin, destination = ("UZ", "US") if rng.random() < 0.6 else ("US", "UZ")
    quantity = quantity_text(spec.unit, rng.randrange(*spec.quantity))
    dispatched = (first - days(rng.randrange(5, 60))).date()
    return maker.shipment(spec, rng.choice(spec.modes), origin, destination, dispatched, quantity,
                          BOTH)


def plan_shared_entities(
    seed: int, cases: int, calendars: Calendars, maker: Maker, load: PlannedLoad
) -> list[PlannedEntity]:
    rng = stream(seed, "plan", "shared")
    indexes = {adm: _CaseIndex(calendars[adm], load[adm]) for adm in BOTH}
    kinds, weights = zip(*_KINDS, strict=True)
    entities = []
    for key in range(max(MINIMUM_SHARED, round(cases * SHARED_PER_CASE))):
        kind = (
            "transliteration" if key < GUARANTEED_TRANSLITERATION_ONLY
            else rng.choices(kinds, weights)[0]
        )
        theme = rng.choice(_themes_for(kind))
        roles = _roles(kind, THEMES[theme].category)
        single = kind in ("shipment", "container")
        home = {
            adm: sorted({(indexes[adm].pick(rng, theme), roles[adm])
                         for _ in range(1 if single else rng.choice((1, 1, 2)))})
            for adm in BOTH
        }
        profile = _profile(maker, rng, kind, theme, home, calendars)
        entities.append(PlannedEntity(key, profile, BOTH, theme, home,
                                      transliteration_only=kind == "transliteration"))
    return entities


def first_home_opening(entity: PlannedEntity, administration: Administration,
                       calendars: Calendars) -> datetime:
    return min(
        calendars[administration][case_id - 1].opened_at
        for case_id, _ in entity.home_cases[administration]
    )


_TYPE_LABELS = {
    IdentifierType.INN: "taxpayer number (INN)", IdentifierType.EIN: "EIN",
    IdentifierType.PASSPORT: "passport number", IdentifierType.IMO: "IMO number",
    IdentifierType.VIN: "VIN", IdentifierType.CONTAINER: "container number",
    IdentifierType.BILL_OF_LADING: "bill of lading", IdentifierType.AIR_WAYBILL: "air waybill",
    IdentifierType.UCR: "UCR", IdentifierType.MMSI: "MMSI",
}


def _link_reason(entity: PlannedEntity) -> str:
    profile = entity.profile
    if entity.transliteration_only:
        uz, us = profile.views[UZ], profile.views[US]
        return (f"Name {uz.name_cyrillic} / {uz.name} matches {us.name} by transliteration and "
                f"the date of birth ({profile.date_of_birth}) agrees; identity confirmed from "
                "travel records")
    shared = set(profile.views[US].identifiers) & set(profile.views[UZ].identifiers)
    order = list(_TYPE_LABELS)
    for identifier in sorted(shared, key=lambda i: (order.index(i.type) if i.type in order
                                                    else len(order), i.normalised)):
        if identifier.type in _TYPE_LABELS:
            return f"Same {_TYPE_LABELS[identifier.type]} {identifier.value} in both records"
    return "Same name and address in both records"


def plan_links(seed: int, entities: list[PlannedEntity], calendars: Calendars) -> list[PlannedLink]:
    """Some shared entities are released by one side and then linked by the other."""
    rng = stream(seed, "plan", "links")
    links = []
    latest_release = REFERENCE_TIME - days(20)
    for entity in entities:
        if len(entity.holders) < 2:
            continue
        draw = rng.random()
        linkers = ([US] if draw < 0.18 else [UZ] if draw < 0.36
                   else list(BOTH) if draw < 0.46 else [])
        releasers = [adm for adm in BOTH if adm.partner in linkers]
        if rng.random() < 0.2:
            extra = rng.choice(BOTH)
            releasers = [adm for adm in BOTH if adm in releasers or adm == extra]
        for owner in releasers:
            opened = first_home_opening(entity, owner, calendars)
            entity.released_at[owner] = moment_between(rng, opened + DAY, latest_release)
        for holder in linkers:
            since = max(entity.released_at[holder.partner],
                        first_home_opening(entity, holder, calendars)) + DAY
            confirmed = moment_between(rng, since, REFERENCE_TIME - DAY)
            links.append(PlannedLink(holder, entity, confirmed, liaison_official(rng, holder),
                                     _link_reason(entity)))
    return links
