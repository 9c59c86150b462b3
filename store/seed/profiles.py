"""Synthetic entities: persons, organizations, conveyances, equipment and shipments.

A profile holds one view per store that records the entity: the Uzbek store writes Uzbek
names in Latin with their Cyrillic spelling, the US store an English spelling; identifiers both
stores hold are the same values, so the two records can be matched.
"""

import random
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import NamedTuple

from store.identifiers import Identifier
from store.models.domain import TLP, Administration, ConveyanceType, EntityKind
from store.names import names_match
from store.seed import codes
from store.seed.codes import Serials
from store.seed.organizations import (
    AIRCRAFT,
    FOREIGN_COMPANIES,
    RAILWAYS,
    TRUCK_COUNTRIES,
    TRUCK_MAKERS,
    US_ACTIVITIES,
    US_BRANDS,
    US_FORMS,
    UZ_ACTIVITIES,
    UZ_BRANDS,
    UZ_FORMS,
    VESSEL_FLAGS,
    VESSEL_PREFIXES,
    VESSEL_TYPES,
    VESSEL_WORDS,
    WAGON_TYPES,
)
from store.seed.people import (
    COUNTRY_NAMES,
    FOREIGN_ADDRESSES,
    FOREIGN_NAMES,
    NATIONALITY,
    OCCUPATIONS,
    US_CITIES,
    US_STREETS,
    UZ_CITIES,
    UZ_FEMALE,
    UZ_MALE,
    UZ_STREETS,
    UZ_SURNAMES,
    UzbekName,
)
from store.seed.themes import Theme
from store.seed.timeline import Weighted, date_between

US, UZ = Administration.US, Administration.UZ
Holders = tuple[Administration, ...]


class EntityView(NamedTuple):
    """How one store records an entity."""

    name: str
    name_cyrillic: str | None
    address: str | None
    description: str
    identifiers: tuple[Identifier, ...]


@dataclass(slots=True)
class Profile:
    kind: EntityKind
    conveyance_type: ConveyanceType | None
    country: str | None
    date_of_birth: date | None
    tlp: TLP
    views: dict[Administration, EntityView]


_TLP_BY_KIND = {
    EntityKind.PERSON: Weighted(((TLP.AMBER, 60), (TLP.RED, 25), (TLP.GREEN, 15))),
    EntityKind.ORGANIZATION: Weighted(((TLP.GREEN, 40), (TLP.AMBER, 45), (TLP.CLEAR, 10),
                                       (TLP.RED, 5))),
    EntityKind.CONVEYANCE: Weighted(((TLP.GREEN, 50), (TLP.CLEAR, 30), (TLP.AMBER, 20))),
    EntityKind.TRANSPORT_EQUIPMENT: Weighted(((TLP.GREEN, 50), (TLP.CLEAR, 30), (TLP.AMBER, 20))),
    EntityKind.SHIPMENT: Weighted(((TLP.AMBER, 50), (TLP.GREEN, 40), (TLP.RED, 10))),
}
CITIES = {
    "US": ("Newark", "Los Angeles", "Houston", "Savannah", "Chicago", "New York", "Miami"),
    "UZ": ("Tashkent", "Samarkand", "Andijan", "Fergana", "Namangan", "Bukhara", "Navoi"),
    "CN": ("Shenzhen", "Urumqi", "Yiwu", "Ningbo", "Guangzhou"), "TR": ("Istanbul", "Mersin"),
    "AE": ("Dubai", "Sharjah"), "KZ": ("Almaty", "Shymkent", "Aktau"),
    "RU": ("Moscow", "Novosibirsk"),
    "AF": ("Mazar-i-Sharif", "Kabul", "Herat"), "IN": ("Mumbai", "Nhava Sheva"),
    "GE": ("Poti", "Tbilisi"), "LV": ("Riga",), "PK": ("Karachi",), "TJ": ("Dushanbe", "Khujand"),
    "KG": ("Bishkek", "Osh"),
}
BIRTH_FIRST, BIRTH_LAST = date(1958, 1, 1), date(2003, 12, 31)


class Maker:
    """Draws entity profiles from one random stream and one holder's identifier serials."""

    def __init__(self, rng: random.Random, serials: Serials) -> None:
        self.rng = rng
        self.serials = serials

    def _tlp(self, kind: EntityKind) -> TLP:
        return _TLP_BY_KIND[kind].pick(self.rng)

    # --- addresses ---------------------------------------------------------------------------

    def _uzbek_address(self) -> tuple[str, str]:
        rng = self.rng
        city = rng.choice(UZ_CITIES)
        district_latin, district_english = rng.choice(city.districts)
        street_latin, street_english = rng.choice(UZ_STREETS)
        number = rng.randrange(1, 160)
        latin = (f"{city.city_latin} sh., {district_latin} tumani, {street_latin} ko'chasi, "
                 f"{number}-uy")
        english = (f"{number} {street_english} Street, {district_english} District, "
                   f"{city.city_english}, Uzbekistan")
        return latin, english

    def _address(self, country: str) -> str:
        rng = self.rng
        if country == "US":
            city, state, zip_code = rng.choice(US_CITIES)
            return f"{rng.randrange(10, 9900)} {rng.choice(US_STREETS)}, {city}, {state} {zip_code}"
        pattern = rng.choice(FOREIGN_ADDRESSES.get(country, ("{n} Main Street, " + country,)))
        return pattern.format(n=rng.randrange(1, 300))

    def _addresses(self, country: str) -> dict[Administration, str]:
        if country == "UZ":
            latin, english = self._uzbek_address()
            return {UZ: latin, US: english}
        address = self._address(country)
        return {UZ: address, US: address}

    # --- persons -----------------------------------------------------------------------------

    def _uzbek_names(self, male: bool, matching: bool) -> tuple[str, str, str]:
        """(Uzbek Latin, Cyrillic, English) of one person; `matching`: the keys must agree."""
        rng = self.rng
        for _ in range(50):
            given = rng.choice(UZ_MALE if male else UZ_FEMALE)
            surname = rng.choice(UZ_SURNAMES)
            if not male:
                surname = UzbekName(surname.latin + "a", surname.cyrillic + "а",
                                    tuple(spelling + "a" for spelling in surname.english))
            latin = f"{surname.latin} {given.latin}"
            cyrillic = f"{surname.cyrillic} {given.cyrillic}"
            spellings = [f"{s}, {g}" for s, g in product(surname.english, given.english)]
            rng.shuffle(spellings)
            if not matching:
                return latin, cyrillic, spellings[0]
            # Only an English spelling that differs from the Latin one but folds to its key.
            for english in spellings:
                if english.replace(",", "") != latin and names_match(latin, english):
                    return latin, cyrillic, english
        raise RuntimeError("no transliteration pair found")  # pragma: no cover

    def person(self, nationality: str, holders: Holders, *, transliteration_only: bool = False,
               occupation: str | None = None) -> Profile:
        rng = self.rng
        male = rng.random() < 0.8
        born = date_between(rng, BIRTH_FIRST, BIRTH_LAST)
        addresses = self._addresses(nationality)
        names: dict[Administration, tuple[str, str | None]]
        if nationality == "UZ":
            latin, cyrillic, english = self._uzbek_names(male, transliteration_only)
            names = {UZ: (latin, cyrillic), US: (english, None)}
        else:
            names = self._foreign_names(nationality, male)
        # A person both stores hold is known to both by the passport, unless the plan wants a
        # match by name alone.
        travels = len(holders) > 1 and not transliteration_only
        passport = (
            codes.passport(rng, self.serials, nationality)
            if travels or rng.random() < 0.85 else None
        )
        description = (f"{NATIONALITY.get(nationality, nationality)} national, "
                       f"{occupation or rng.choice(OCCUPATIONS)}")
        pinfl = codes.pinfl(self.serials, born, male) if nationality == "UZ" else None
        views = {}
        for holder in holders:
            identifiers: list[Identifier] = []
            if holder is UZ and pinfl is not None:
                identifiers.append(pinfl)
            if transliteration_only and holder is US:
                # The US file holds an older passport: nothing but the name and birth date match.
                if rng.random() < 0.5:
                    identifiers.append(codes.passport(rng, self.serials, nationality))
            elif passport is not None:
                identifiers.append(passport)
            name, name_cyrillic = names[holder]
            views[holder] = EntityView(name, name_cyrillic, addresses[holder], description,
                                       tuple(identifiers))
        return Profile(EntityKind.PERSON, None, nationality, born, self._tlp(EntityKind.PERSON),
                       views)

    def _foreign_names(
        self, nationality: str, male: bool
    ) -> dict[Administration, tuple[str, str | None]]:
        rng = self.rng
        table = FOREIGN_NAMES.get(nationality, FOREIGN_NAMES["US"])
        given_list = table.male if male else table.female
        g, s = rng.randrange(len(given_list)), rng.randrange(len(table.surnames))
        suffix = "" if male else table.female_suffix
        given, surname = given_list[g], table.surnames[s] + suffix
        cyrillic = None
        if table.surnames_cyrillic:
            given_cyrillic = (table.male_cyrillic if male else table.female_cyrillic)[g]
            surname_cyrillic = table.surnames_cyrillic[s] + ("а" if suffix else "")
            cyrillic = f"{surname_cyrillic} {given_cyrillic}"
        return {US: (f"{surname}, {given}", None), UZ: (f"{surname} {given}", cyrillic)}

    # --- organizations -----------------------------------------------------------------------

    def organization(self, country: str, holders: Holders) -> Profile:
        rng = self.rng
        identifiers: tuple[Identifier, ...] = ()
        if country == "UZ":
            brand, activity, form = (rng.choice(UZ_BRANDS), rng.choice(UZ_ACTIVITIES),
                                     rng.choice(UZ_FORMS))
            latin = f"{brand.latin} {activity.latin} {form.latin}"
            cyrillic = f"{brand.cyrillic} {activity.cyrillic} {form.cyrillic}"
            english = f"{brand.english} {activity.english} {form.english}"
            names = {UZ: (latin, cyrillic), US: (english, None)}
            identifiers = (codes.inn(rng, self.serials),)
            kind = f"{form.english} registered in Uzbekistan"
        elif country == "US":
            name = f"{rng.choice(US_BRANDS)} {rng.choice(US_ACTIVITIES)} {rng.choice(US_FORMS)}"
            names = {UZ: (name, None), US: (name, None)}
            identifiers = (codes.ein(rng, self.serials),)
            kind = "company registered in the United States"
        else:
            pattern, brands, activities = FOREIGN_COMPANIES.get(country, FOREIGN_COMPANIES["AE"])
            name = pattern.format(brand=rng.choice(brands), activity=rng.choice(activities))
            names = {UZ: (name, None), US: (name, None)}
            kind = f"company registered in {COUNTRY_NAMES.get(country, country)}"
        addresses = self._addresses(country)
        views = {
            holder: EntityView(names[holder][0], names[holder][1], addresses[holder],
                               f"{kind[0].upper()}{kind[1:]}", identifiers)
            for holder in holders
        }
        return Profile(EntityKind.ORGANIZATION, None, country, None,
                       self._tlp(EntityKind.ORGANIZATION), views)

    # --- conveyances and equipment -----------------------------------------------------------

    def _same_view(self, kind: EntityKind, conveyance: ConveyanceType | None, country: str | None,
                   view: EntityView, holders: Holders) -> Profile:
        return Profile(kind, conveyance, country, None, self._tlp(kind),
                       {holder: view for holder in holders})

    def vessel(self, holders: Holders) -> Profile:
        rng = self.rng
        flag = rng.choice(VESSEL_FLAGS)
        vessel_type, (low, high), unit = rng.choice(VESSEL_TYPES)
        name = f"{rng.choice(VESSEL_PREFIXES)} {rng.choice(VESSEL_WORDS)}".strip()
        description = (f"{vessel_type}, {rng.randrange(low, high):,} {unit}, flag "
                       f"{COUNTRY_NAMES[flag]}, built {rng.randrange(1998, 2023)}")
        identifiers = (codes.imo(self.serials), codes.mmsi(self.serials, flag))
        view = EntityView(name, None, None, description, identifiers)
        return self._same_view(EntityKind.CONVEYANCE, ConveyanceType.VESSEL, flag, view, holders)

    def aircraft(self, holders: Holders) -> Profile:
        rng = self.rng
        model, prefix, country, operator = rng.choice(AIRCRAFT)
        if prefix == "UK-":
            mark = f"UK-{rng.randrange(67000, 78999)}"
        elif prefix == "N":
            mark = f"N{rng.randrange(100, 999)}{rng.choice('ACFGKMUX')}{rng.choice('ABCDEKLY')}"
        else:
            mark = prefix + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        view = EntityView(f"{model} {mark}", None, None, f"Cargo aircraft operated by {operator}",
                          ())
        return self._same_view(EntityKind.CONVEYANCE, ConveyanceType.AIRCRAFT, country, view,
                               holders)

    def truck(self, holders: Holders) -> Profile:
        rng = self.rng
        model, manufacturer = rng.choice(TRUCK_MAKERS)
        country = rng.choice(TRUCK_COUNTRIES)
        letters = "ABCEHKMOPTXY"
        mark = "".join(rng.choices(letters, k=3))
        if country == "UZ":
            region = rng.choice((1, 10, 20, 25, 30, 40, 50, 60, 70, 80, 90, 95))
            plate = f"{region:02d} {rng.randrange(100, 999)} {mark}"
        elif country == "US":
            plate = f"{rng.randrange(10, 99)}-{mark}-{rng.randrange(100, 999)}"
        else:
            plate = f"{rng.randrange(100, 999)} {mark} {rng.randrange(1, 20):02d}"
        identifiers = (codes.vin(rng, self.serials, manufacturer),)
        view = EntityView(f"{model} tractor unit, plate {plate}", None, None,
                          f"Tractor unit with semi-trailer registered in "
                          f"{COUNTRY_NAMES.get(country, country)}", identifiers)
        return self._same_view(EntityKind.CONVEYANCE, ConveyanceType.TRUCK, country, view, holders)

    def rail_wagon(self, holders: Holders) -> Profile:
        rng = self.rng
        country, operator = rng.choice(RAILWAYS)
        number = f"{rng.randrange(2, 10)}{rng.randrange(10**7):07d}"
        wagon = rng.choice(WAGON_TYPES)
        view = EntityView(f"Rail {wagon} No. {number}", None, None,
                          f"Rolling stock of {operator}", ())
        return self._same_view(EntityKind.CONVEYANCE, ConveyanceType.RAIL, country, view, holders)

    def conveyance(self, mode: str, holders: Holders) -> Profile:
        maker = {"sea": self.vessel, "air": self.aircraft, "road": self.truck,
                 "rail": self.rail_wagon}[mode]
        return maker(holders)

    def container(self, holders: Holders) -> Profile:
        rng = self.rng
        identifier = codes.container(rng, self.serials)
        size = rng.choice(("20' dry", "40' dry", "40' high-cube", "40' high-cube", "40' reefer"))
        view = EntityView(f"{size} container {identifier.value}", None, None,
                          f"ISO {size} freight container, owner code {identifier.value[:4]}",
                          (identifier,))
        return self._same_view(EntityKind.TRANSPORT_EQUIPMENT, None, None, view, holders)

    # --- shipments ---------------------------------------------------------------------------

    def shipment(self, theme: Theme, mode: str, origin: str, destination: str, on: date,
                 quantity: str, holders: Holders) -> Profile:
        rng = self.rng
        common: list[Identifier] = []
        if mode == "sea" or (mode == "rail" and rng.random() < 0.6):
            # Rail legs of container traffic often travel under the ocean carrier's bill.
            common.append(codes.bill_of_lading(rng, self.serials))
        elif mode == "air":
            common.append(codes.air_waybill(rng, self.serials))
        common.append(codes.ucr(self.serials, on.year, origin))
        for hs in rng.sample(theme.hs_codes, k=min(len(theme.hs_codes), rng.choice((1, 1, 2)))):
            common.append(codes.hs_code(hs))
        from_city, to_city = (
            rng.choice(CITIES.get(country, (COUNTRY_NAMES.get(country, country),)))
            for country in (origin, destination)
        )
        name = f"Consignment of {theme.goods}, {from_city} to {to_city}"
        description = (f"{quantity} by {mode}, dispatched {on.isoformat()}, declared as "
                       f"{theme.goods}")
        views = {}
        for holder in holders:
            declaration = (codes.us_entry(rng, self.serials) if holder is US
                           else codes.uz_declaration(rng, self.serials, on))
            views[holder] = EntityView(name, None, None, description, (*common, declaration))
        return Profile(EntityKind.SHIPMENT, None, origin, None, self._tlp(EntityKind.SHIPMENT),
                       views)
