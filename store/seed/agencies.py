"""The people and offices of each administration that appear as officials in the records."""

import random
from typing import NamedTuple

from store.agreement import Agreement
from store.models.domain import Administration

# Short codes that head case and request references, by agency name in agreement.toml.
AGENCY_CODES = {
    "U.S. Customs and Border Protection": "CBP",
    "U.S. Immigration and Customs Enforcement": "ICE",
    "State Customs Committee of the Republic of Uzbekistan": "DBQ",  # Davlat bojxona qoʻmitasi
}


def agency_code(name: str) -> str:
    known = AGENCY_CODES.get(name)
    if known:
        return known
    capitals = "".join(word[0] for word in name.split() if word[:1].isupper())
    return (capitals or name[:3]).upper()[:6]


class Agency(NamedTuple):
    code: str
    name: str
    weight: int


def agencies(agreement: Agreement, administration: Administration) -> tuple[Agency, ...]:
    """The administration's agencies, the first (the customs service) leading most cases."""
    names = agreement.parties[administration].agencies
    return tuple(
        Agency(agency_code(name), name, 7 if index == 0 else 3) for index, name in enumerate(names)
    )


_US_OFFICER_SURNAMES = ("Martinez", "Johnson", "Nguyen", "O'Brien", "Patel", "Kowalski",
                        "Washington", "Reyes", "Chen", "Murphy", "Russo", "Okafor")
_UZ_OFFICER_SURNAMES = ("Karimov", "Yusupova", "Tursunov", "Rahimov", "Nazarova", "Ergashev",
                        "Saidov", "Qodirova", "Umarov", "Abdullayev", "Ismoilova", "Sultonov")
_INITIALS = "ABDEFGJKLMNORSTU"

_US_TITLES = {
    "CBP": ("CBP Officer", "CBP Import Specialist", "CBP Supervisory Officer"),
    "ICE": ("HSI Special Agent", "HSI Group Supervisor"),
}
_UZ_TITLES = ("Senior Inspector", "Inspector", "Investigator", "Head of Section")


def officer(rng: random.Random, administration: Administration, agency: str) -> str:
    initial = rng.choice(_INITIALS)
    if administration is Administration.US:
        titles = _US_TITLES.get(agency, ("Officer",))
        return f"{rng.choice(titles)} {initial}. {rng.choice(_US_OFFICER_SURNAMES)}"
    return f"{rng.choice(_UZ_TITLES)} {rng.choice(_UZ_OFFICER_SURNAMES)} {initial}."


# Who submits requests, decides on the partner's requests and signs releases and consents.
_LIAISON = {
    Administration.US: ("CBP Office of International Affairs", "HSI International Operations"),
    Administration.UZ: ("International Cooperation Department, State Customs Committee",
                        "Law Enforcement Department, State Customs Committee"),
}


def liaison_official(rng: random.Random, administration: Administration) -> str:
    surnames = (
        _US_OFFICER_SURNAMES if administration is Administration.US else _UZ_OFFICER_SURNAMES
    )
    office = rng.choice(_LIAISON[administration])
    return f"{rng.choice(_INITIALS)}. {rng.choice(surnames)}, {office}"


# Holders in chains of custody, beyond the collecting officer.
CUSTODY_HOLDERS = {
    Administration.US: (
        "CBP Seized Property Custodian, {place}", "CBP Laboratories and Scientific Services, "
        "Newark", "HSI evidence vault, New York", "U.S. Attorney's Office, Eastern District of "
        "New York", "CBP Fines, Penalties and Forfeitures Office, {place}",
    ),
    Administration.UZ: (
        "Evidence room, Tashkent regional customs department", "Customs laboratory of the State "
        "Customs Committee, Tashkent", "Investigation Department, State Customs Committee",
        "Prosecutor's Office of Tashkent", "Storage of seized goods, {place}",
    ),
}

SEAL_PREFIX = {Administration.US: "CBP-S-", Administration.UZ: "DBQ-M-"}
