"""Validation and normalisation of the typed identifiers that both administrations exchange.

Every identifier has a canonical display form (`value`) and a matching form (`normalised`): two
records refer to the same passport, container or vessel exactly when type and normalised form (and,
for passports, issuing country) are equal. Check digits are verified wherever the issuing scheme
publishes its algorithm, so that a typo is rejected at the border of the system instead of becoming
a silent non-match later.
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Identifier",
    "IdentifierType",
    "InvalidIdentifier",
    "awb_check_digit",
    "container_check_digit",
    "imo_check_digit",
    "is_valid",
    "normalise_identifier",
    "pinfl_for",
    "vin_check_digit",
]


class IdentifierType(enum.StrEnum):
    PASSPORT = "PASSPORT"
    NATIONAL_PERSONAL_NUMBER = "NATIONAL_PERSONAL_NUMBER"  # Uzbek PINFL (JShShIR)
    EIN = "EIN"  # US Employer Identification Number
    INN = "INN"  # Uzbek taxpayer number (INN / STIR)
    IMO = "IMO"
    MMSI = "MMSI"
    CONTAINER = "CONTAINER"
    BILL_OF_LADING = "BILL_OF_LADING"
    AIR_WAYBILL = "AIR_WAYBILL"
    UCR = "UCR"
    DECLARATION_NUMBER = "DECLARATION_NUMBER"
    VIN = "VIN"
    HS_CODE = "HS_CODE"


class InvalidIdentifier(ValueError):
    """A value that is not a valid identifier of its type.

    The message names the type and the reason only: identifier values can be personal data
    (passport numbers, PINFL) and messages end up in logs and GraphQL error responses.
    """

    def __init__(self, identifier_type: IdentifierType | str, reason: str) -> None:
        self.identifier_type = identifier_type
        self.reason = reason
        label = (
            identifier_type.value
            if isinstance(identifier_type, IdentifierType)
            else _clip(str(identifier_type))
        )
        super().__init__(f"invalid {label} identifier: {reason}")

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[IdentifierType | str, str]]:
        # The two-argument constructor would otherwise break pickling (e.g. across processes).
        return (type(self), (self.identifier_type, self.reason))


@dataclass(frozen=True)
class Identifier:
    type: IdentifierType
    value: str
    normalised: str
    issuing_country: str | None


class _Reject(Exception):
    """Raised by the per-type parsers; turned into InvalidIdentifier with the type attached."""


_Parsed = tuple[str, str, str | None]  # (display value, normalised, issuing country)
_Parser = Callable[[str, str | None], _Parsed]

_COUNTRY = re.compile(r"[A-Z]{2}")
_SEPARATORS = re.compile(r"[\s\-.]+")


def _clip(text: str, limit: int = 32) -> str:
    # Bounded so that a hostile caller cannot make an error message arbitrarily large.
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compact(value: str) -> str:
    # NFKC folds full-width and other compatibility forms that arrive from scanned documents.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def _is_digits(text: str, length: int | None = None) -> bool:
    # str.isdigit() would also accept non-ASCII digits such as '١' or superscripts.
    return bool(re.fullmatch(r"[0-9]+", text)) and (length is None or len(text) == length)


def _check(found: str | int, expected: str | int) -> None:
    if str(found) != str(expected):
        raise _Reject(f"check digit is {found}, expected {expected}")


def _real_date(day: int, month: int, year: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _Reject("contains a date that does not exist") from None


def _country(issuing_country: str | None) -> str | None:
    if issuing_country is None or not issuing_country.strip():
        return None
    code = issuing_country.strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise _Reject("issuing country must be an ISO 3166-1 alpha-2 code")
    return code


def _only_country(issuing_country: str | None, country: str, what: str) -> str:
    given = _country(issuing_country)
    if given is not None and given != country:
        raise _Reject(f"{what} is issued only by {country}, not {given}")
    return country


# --- check digits -----------------------------------------------------------------------------

# ISO 6346 letter values: counting up from A=10 but skipping 11, 22 and 33 (multiples of 11),
# which would otherwise collide with the modulus.
_ISO6346_LETTERS = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [v for v in range(10, 39) if v % 11],
        strict=True,
    )
)

# VIN transliteration (49 CFR 565.15): I, O and Q are not allowed, so the sequence skips them.
_VIN_LETTERS = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def container_check_digit(owner_and_serial: str) -> int:
    """ISO 6346 check digit of the first 10 characters (owner code, category, serial)."""
    code = owner_and_serial.upper()
    if not re.fullmatch(r"[A-Z]{4}[0-9]{6}", code):
        raise ValueError("expected 4 letters followed by 6 digits")
    total = sum(
        (_ISO6346_LETTERS[ch] if ch.isalpha() else int(ch)) * 2**position
        for position, ch in enumerate(code)
    )
    return total % 11 % 10


def imo_check_digit(six_digits: str) -> int:
    """IMO ship number check digit: weights 7..2 on the first six digits, modulo 10."""
    if not _is_digits(six_digits, 6):
        raise ValueError("expected 6 digits")
    return sum(int(d) * (7 - i) for i, d in enumerate(six_digits)) % 10


def vin_check_digit(vin17: str) -> str:
    """North-American VIN check character for position 9 ('0'-'9' or 'X')."""
    vin = vin17.upper()
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise ValueError("expected 17 characters without I, O or Q")
    total = sum(
        (_VIN_LETTERS[ch] if ch.isalpha() else int(ch)) * weight
        for ch, weight in zip(vin, _VIN_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def awb_check_digit(serial7: str) -> int:
    """IATA air waybill check digit: the 7-digit serial number modulo 7."""
    if not _is_digits(serial7, 7):
        raise ValueError("expected 7 digits")
    return int(serial7) % 7


# --- PINFL ------------------------------------------------------------------------------------

# First PINFL digit: century and sex, odd for men.
_PINFL_CENTURY = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


def pinfl_for(birth: datetime.date, male: bool, region_and_serial: str) -> str:
    """A 14-digit PINFL for a birth date and sex, completed by 7 more digits."""
    if not 1800 <= birth.year <= 2099:
        raise ValueError("PINFL encodes birth years 1800-2099 only")
    if not _is_digits(region_and_serial, 7):
        raise ValueError("expected 7 digits for region, serial and last digit")
    first = (birth.year // 100 - 18) * 2 + (1 if male else 2)
    return f"{first}{birth:%d%m%y}{region_and_serial}"


def _parse_pinfl(value: str, issuing_country: str | None) -> _Parsed:
    country = _only_country(issuing_country, "UZ", "a PINFL")
    code = _compact(value)
    if not _is_digits(code, 14):
        raise _Reject("must be 14 digits")
    century = _PINFL_CENTURY.get(int(code[0]))
    if century is None:
        raise _Reject("first digit must be 1-6 (century and sex)")
    _real_date(int(code[1:3]), int(code[3:5]), century + int(code[5:7]))
    # The last digit is a check digit, but its algorithm has no official public specification,
    # so it is deliberately not verified: rejecting real PINFLs would be worse than a missed typo.
    return code, code, country


# --- per-type parsers -------------------------------------------------------------------------

# IRS campus prefixes that have never been assigned.
_EIN_UNUSED_PREFIXES = frozenset(
    {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89",
     "96", "97"}
)  # fmt: skip


def _parse_ein(value: str, issuing_country: str | None) -> _Parsed:
    country = _only_country(issuing_country, "US", "an EIN")
    code = _compact(value)
    if not _is_digits(code, 9):
        raise _Reject("must be 9 digits")
    if code[:2] in _EIN_UNUSED_PREFIXES:
        raise _Reject(f"prefix {code[:2]} is not an IRS campus prefix")
    return f"{code[:2]}-{code[2:]}", code, country


def _parse_inn(value: str, issuing_country: str | None) -> _Parsed:
    country = _only_country(issuing_country, "UZ", "an INN")
    code = _compact(value)
    if not _is_digits(code, 9):
        raise _Reject("must be 9 digits")
    if code[0] not in "234567":
        raise _Reject("first digit must be 2-7 (2-3 legal entities, 4-7 individuals)")
    return code, code, country


def _parse_imo(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value).removeprefix("IMO")
    if not _is_digits(code, 7):
        raise _Reject("must be 7 digits, optionally after 'IMO'")
    _check(code[6], imo_check_digit(code[:6]))
    return f"IMO {code}", code, _country(issuing_country)


def _parse_mmsi(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if not _is_digits(code, 9):
        raise _Reject("must be 9 digits")
    if code[0] not in "234567":
        raise _Reject("first digit must be 2-7 (a ship station)")
    return code, code, _country(issuing_country)


def _parse_container(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if not re.fullmatch(r"[A-Z]{4}[0-9]{7}", code):
        raise _Reject("must be 4 letters followed by 7 digits")
    if code[3] not in "UJZ":
        raise _Reject("equipment category (4th letter) must be U, J or Z")
    _check(code[10], container_check_digit(code[:10]))
    return code, code, _country(issuing_country)


def _parse_bill_of_lading(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if not re.fullmatch(r"[A-Z0-9]+", code):
        raise _Reject("must contain only letters and digits")
    if not re.fullmatch(r"[A-Z]{4}[A-Z0-9]{6,12}", code):
        raise _Reject("must be a 4-letter carrier code followed by 6-12 letters or digits")
    return code, code, _country(issuing_country)


def _parse_air_waybill(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if not _is_digits(code, 11):
        raise _Reject("must be 11 digits (3-digit airline prefix and 8-digit serial)")
    _check(code[10], awb_check_digit(code[3:10]))
    return f"{code[:3]}-{code[3:]}", code, _country(issuing_country)


def _parse_ucr(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if len(code) > 35:
        raise _Reject("must be at most 35 characters")
    if not re.fullmatch(r"[0-9][A-Z]{2}[A-Z0-9]{1,30}", code):
        raise _Reject("must be a year digit, a 2-letter country code and 1-30 letters or digits")
    return code, code, _country(issuing_country)


def _parse_us_entry(code: str, issuing_country: str | None) -> _Parsed:
    country = _only_country(issuing_country, "US", "a US entry number")
    # The entry check digit formula lives in CBP's CATAIR; only the shape is verified here.
    return f"{code[:3]}-{code[3:10]}-{code[10]}", code, country


def _parse_uz_declaration(
    post: str, date: str, serial: str, issuing_country: str | None
) -> _Parsed:
    country = _only_country(issuing_country, "UZ", "a customs declaration (GTD)")
    _real_date(int(date[:2]), int(date[2:4]), int(date[4:]))
    return f"{post}/{date}/{serial}", f"{post}{date}{serial}", country


def _parse_declaration(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if re.fullmatch(r"[0-9]{5}/[0-9]{8}/[0-9]{7}|[0-9]{20}", code):
        digits = code.replace("/", "")
        return _parse_uz_declaration(digits[:5], digits[5:13], digits[13:], issuing_country)
    if re.fullmatch(r"[A-Z0-9]{3}[0-9]{8}", code):
        return _parse_us_entry(code, issuing_country)
    raise _Reject(
        "must be a US entry number (3-character filer code, 7 digits, check digit) "
        "or an Uzbek declaration (5-digit post/DDMMYYYY/7-digit serial)"
    )


def _parse_vin(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if len(code) != 17:
        raise _Reject("must be 17 characters")
    if re.search(r"[IOQ]", code):
        raise _Reject("must not contain the letters I, O or Q")
    if not re.fullmatch(r"[A-Z0-9]{17}", code):
        raise _Reject("must contain only letters and digits")
    # The position-9 check digit is mandatory only for vehicles made for North America
    # (world manufacturer codes 1-5); many valid European and Asian VINs do not satisfy it.
    if code[0] in "12345":
        _check(code[8], vin_check_digit(code))
    return code, code, _country(issuing_country)


def _parse_hs_code(value: str, issuing_country: str | None) -> _Parsed:
    code = _compact(value)
    if not _is_digits(code) or len(code) not in (6, 8, 10):
        raise _Reject("must be 6, 8 or 10 digits")
    chapter = int(code[:2])
    if chapter == 77:
        raise _Reject("chapter 77 is not used")
    if not 1 <= chapter <= 97:
        raise _Reject(f"chapter {code[:2]} does not exist (01-97)")
    display = f"{code[:4]}.{code[4:6]}" + (f".{code[6:]}" if len(code) > 6 else "")
    return display, code, _country(issuing_country)


def _passport_shape_error(code: str, country: str) -> str | None:
    if country == "US" and not re.fullmatch(r"[0-9]{9}|[A-Z][0-9]{8}", code):
        return "a US passport number must be 9 digits or 1 letter and 8 digits"
    if country == "UZ" and not re.fullmatch(r"[A-Z]{2}[0-9]{7}", code):
        return "a UZ passport number must be 2 letters and 7 digits"
    return None


def _parse_passport(value: str, issuing_country: str | None) -> _Parsed:
    country = _country(issuing_country)
    if country is None:
        raise _Reject("issuing country is required")
    code = _compact(value)
    if not re.fullmatch(r"[A-Z0-9]+", code):
        raise _Reject("must contain only letters and digits")
    if not 6 <= len(code) <= 9:
        raise _Reject("must be 6-9 letters or digits")
    error = _passport_shape_error(code, country)
    if error:
        raise _Reject(error)
    return code, code, country


_PARSERS: dict[IdentifierType, _Parser] = {
    IdentifierType.PASSPORT: _parse_passport,
    IdentifierType.NATIONAL_PERSONAL_NUMBER: _parse_pinfl,
    IdentifierType.EIN: _parse_ein,
    IdentifierType.INN: _parse_inn,
    IdentifierType.IMO: _parse_imo,
    IdentifierType.MMSI: _parse_mmsi,
    IdentifierType.CONTAINER: _parse_container,
    IdentifierType.BILL_OF_LADING: _parse_bill_of_lading,
    IdentifierType.AIR_WAYBILL: _parse_air_waybill,
    IdentifierType.UCR: _parse_ucr,
    IdentifierType.DECLARATION_NUMBER: _parse_declaration,
    IdentifierType.VIN: _parse_vin,
    IdentifierType.HS_CODE: _parse_hs_code,
}


# --- public entry points ----------------------------------------------------------------------


def _identifier_type(type: IdentifierType | str) -> IdentifierType:
    if isinstance(type, IdentifierType):
        return type
    raw = str(type)
    try:
        return IdentifierType(raw.strip().upper())
    except ValueError:
        raise InvalidIdentifier(raw, f"unknown identifier type {_clip(raw)!r}") from None


def normalise_identifier(
    type: IdentifierType | str, value: str, issuing_country: str | None = None
) -> Identifier:
    """Validate and normalise; raises InvalidIdentifier."""
    identifier_type = _identifier_type(type)
    if not isinstance(value, str):
        raise InvalidIdentifier(identifier_type, "must be a string")
    if not value.strip():
        raise InvalidIdentifier(identifier_type, "is empty")
    try:
        display, normalised, country = _PARSERS[identifier_type](value, issuing_country)
    except _Reject as exc:
        raise InvalidIdentifier(identifier_type, str(exc)) from None
    return Identifier(identifier_type, display, normalised, country)


def is_valid(type: IdentifierType | str, value: str, issuing_country: str | None = None) -> bool:
    try:
        normalise_identifier(type, value, issuing_country)
    except InvalidIdentifier:
        return False
    return True
