"""Valid, unique identifiers for synthetic entities, each checked by store.identifiers.

Uniqueness comes from `Serials`: a counter passed through an affine bijection of the number
space, so values look random yet never repeat. The counters of the shared world plan and of each
administration's own data interleave (holder 0, 1, 2), so an identifier two stores hold in
common is always one the plan put in both, never a coincidence.
"""

import math
import random
from datetime import date
from functools import cache

from store.identifiers import (
    Identifier,
    IdentifierType,
    awb_check_digit,
    container_check_digit,
    imo_check_digit,
    normalise_identifier,
    pinfl_for,
    vin_check_digit,
)
from store.seed.timeline import stream

HOLDERS = ("shared", "US", "UZ")


class Serials:
    """Unique numbers per identifier space for one holder (the shared plan or one store)."""

    def __init__(self, seed: int, holder: str) -> None:
        self._seed = seed
        self._holder = HOLDERS.index(holder)
        self._counters: dict[str, int] = {}
        self._mappings: dict[tuple[str, int], tuple[int, int]] = {}

    def _mapping(self, space: str, modulus: int) -> tuple[int, int]:
        key = (space, modulus)
        if key not in self._mappings:
            rng = stream(self._seed, "serials", space, modulus)
            multiplier = rng.randrange(modulus // 3, modulus)
            while math.gcd(multiplier, modulus) != 1:
                multiplier += 1
            self._mappings[key] = (multiplier % modulus or 1, rng.randrange(modulus))
        return self._mappings[key]

    def take(self, space: str, modulus: int) -> int:
        counter = self._counters.get(space, 0)
        self._counters[space] = counter + 1
        position = self._holder + len(HOLDERS) * counter
        if position >= modulus:
            raise OverflowError(f"identifier space {space!r} is exhausted")
        multiplier, offset = self._mapping(space, modulus)
        return (multiplier * position + offset) % modulus


def _valid(kind: IdentifierType, value: str, country: str | None = None) -> Identifier:
    return normalise_identifier(kind, value, country)


# --- persons ------------------------------------------------------------------------------------

# Passport number shapes: letters drawn for the series, then digits from the unique serial.
_PASSPORT_SHAPES: dict[str, tuple[tuple[str, ...], int]] = {
    "US": (("A", "C", "E", "G", "H", "N", "P", "R"), 8),
    "UZ": (("AA", "AB", "AC", "AD", "FA", "FB"), 7),
    "RU": (("75", "76", "77"), 7),
    "KZ": (("N",), 8),
    "KG": (("AC", "ID"), 7),
    "TJ": (("40", "41"), 7),
    "AF": (("P0",), 7),
    "TR": (("U",), 8),
    "CN": (("E", "EA", "EB"), 7),
    "AE": (("L",), 7),
    "IN": (("K", "M", "T"), 7),
    "PK": (("AB", "BA", "CY"), 7),
    "AZ": (("C",), 8),
    "GE": (("13", "14"), 7),
    "DE": (("C",), 8),
    "LV": (("LV",), 7),
}


def passport(rng: random.Random, serials: Serials, country: str) -> Identifier:
    series, digits = _PASSPORT_SHAPES.get(country, (("P",), 7))
    number = serials.take(f"passport:{country}", 10**digits)
    return _valid(IdentifierType.PASSPORT, f"{rng.choice(series)}{number:0{digits}d}", country)


def pinfl(serials: Serials, birth: date, male: bool) -> Identifier:
    tail = serials.take("pinfl", 10**7)
    return _valid(IdentifierType.NATIONAL_PERSONAL_NUMBER, pinfl_for(birth, male, f"{tail:07d}"))


# --- organizations ------------------------------------------------------------------------------

_EIN_PREFIXES = ("13", "20", "26", "27", "35", "45", "46", "47", "81", "82", "84", "85", "86",
                 "88", "90", "91", "92", "93", "98")


def ein(rng: random.Random, serials: Serials) -> Identifier:
    number = serials.take("ein", 10**7)
    return _valid(IdentifierType.EIN, f"{rng.choice(_EIN_PREFIXES)}-{number:07d}", "US")


def inn(rng: random.Random, serials: Serials) -> Identifier:
    # STIR of a legal entity: first digit 2 or 3.
    number = serials.take("inn", 10**8)
    return _valid(IdentifierType.INN, f"{rng.choice('23')}{number:08d}", "UZ")


# --- conveyances and equipment -----------------------------------------------------------------

# Maritime identification digits of the flags the synthetic fleet sails under.
MMSI_MID = {"PA": "352", "LR": "636", "MH": "538", "MT": "248", "TR": "271", "RU": "273",
            "GE": "213", "KZ": "436", "AZ": "423", "US": "366", "CN": "413", "SG": "563"}


def imo(serials: Serials) -> Identifier:
    six = f"{700000 + serials.take('imo', 300000)}"
    return _valid(IdentifierType.IMO, f"IMO {six}{imo_check_digit(six)}")


def mmsi(serials: Serials, flag: str) -> Identifier:
    number = serials.take("mmsi", 10**6)
    return _valid(IdentifierType.MMSI, f"{MMSI_MID[flag]}{number:06d}", flag)


CONTAINER_OWNERS = ("MSCU", "MEDU", "MAEU", "MSKU", "CMAU", "HLXU", "OOLU", "COSU", "EGHU",
                    "TGHU", "TCNU", "TRLU", "SEGU", "CAIU", "GESU", "FCIU", "BMOU", "TEMU",
                    "HDMU", "ZIMU", "ONEU", "YMLU", "KZTU", "UTYU")


def container(rng: random.Random, serials: Serials) -> Identifier:
    head = f"{rng.choice(CONTAINER_OWNERS)}{serials.take('container', 10**6):06d}"
    return _valid(IdentifierType.CONTAINER, f"{head}{container_check_digit(head)}")


_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_YEARS = "ABCDEFGHJKLMNPRS"  # model years 2010-2025


def vin(rng: random.Random, serials: Serials, manufacturer: str) -> Identifier:
    descriptor = "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    tail = f"{rng.choice(_VIN_YEARS)}{rng.choice(_VIN_CHARS)}{serials.take('vin', 10**6):06d}"
    draft = f"{manufacturer}{descriptor}0{tail}"
    return _valid(IdentifierType.VIN, f"{draft[:8]}{vin_check_digit(draft)}{draft[9:]}")


# --- goods and documents ------------------------------------------------------------------------

# Standard carrier codes that head ocean bills of lading.
BILL_OF_LADING_CARRIERS = ("MEDU", "MAEU", "CMDU", "HLCU", "OOLU", "COSU", "EGLV", "ONEY",
                           "YMLU", "ZIMU", "HDMU")
# IATA airline prefixes of the carriers that fly the synthetic air cargo.
AIRLINE_PREFIXES = ("250", "235", "020", "176", "157", "555", "180", "501", "023", "406",
                    "369", "784")


def bill_of_lading(rng: random.Random, serials: Serials) -> Identifier:
    number = serials.take("bill_of_lading", 10**10)
    carrier = rng.choice(BILL_OF_LADING_CARRIERS)
    return _valid(IdentifierType.BILL_OF_LADING, f"{carrier}{number:010d}")


def air_waybill(rng: random.Random, serials: Serials) -> Identifier:
    serial = f"{serials.take('air_waybill', 10**7):07d}"
    code = f"{rng.choice(AIRLINE_PREFIXES)}-{serial}{awb_check_digit(serial)}"
    return _valid(IdentifierType.AIR_WAYBILL, code)


def ucr(serials: Serials, year: int, country: str) -> Identifier:
    number = serials.take("ucr", 10**12)
    return _valid(IdentifierType.UCR, f"{year % 10}{country}{number:012d}")


_FILER_CODES = ("B12", "EK3", "M59", "SZ7", "AE8", "K41", "TT2", "D85", "WX6", "N33")
# Uzbek customs posts' five-digit codes.
_UZ_POSTS = ("26001", "26002", "26012", "27005", "10302", "14001", "18006", "22014", "30003")


def us_entry(rng: random.Random, serials: Serials) -> Identifier:
    number = serials.take("us_entry", 10**7)
    filer = rng.choice(_FILER_CODES)
    # The entry check digit's formula lives in CBP's CATAIR; a digit of the serial stands in.
    code = f"{filer}-{number:07d}-{sum(map(int, f'{number:07d}')) % 10}"
    return _valid(IdentifierType.DECLARATION_NUMBER, code, "US")


def uz_declaration(rng: random.Random, serials: Serials, on: date) -> Identifier:
    number = serials.take("uz_declaration", 10**7)
    code = f"{rng.choice(_UZ_POSTS)}/{on:%d%m%Y}/{number:07d}"
    return _valid(IdentifierType.DECLARATION_NUMBER, code, "UZ")


@cache
def hs_code(code: str) -> Identifier:
    # A handful of codes recur on every shipment of a kind: check each once.
    return _valid(IdentifierType.HS_CODE, code)
