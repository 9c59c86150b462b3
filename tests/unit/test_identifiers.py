import datetime
import pickle
from collections.abc import Callable

import pytest

from store.identifiers import (
    Identifier,
    IdentifierType,
    InvalidIdentifier,
    awb_check_digit,
    container_check_digit,
    imo_check_digit,
    is_valid,
    normalise_identifier,
    pinfl_for,
    vin_check_digit,
)

T = IdentifierType


def _reason(type_: IdentifierType | str, value: str, country: str | None = None) -> str:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_identifier(type_, value, country)
    return caught.value.reason


# --- check digits: published examples, also worked by hand from the algorithms ------------------


# ISO 6346: CSQU305438 -> 13+60+112+256+48+0+320+512+768+4096 = 6185, 6185 mod 11 = 3.
# MSKU907032 -> 24+60+84+256+144+0+448+0+768+1024 = 2808, 2808 mod 11 = 3.
# TGHU123456 -> 31+34+72+256+16+64+192+512+1280+3072 = 5529, 5529 mod 11 = 7.
@pytest.mark.parametrize(
    ("first_ten", "digit"), [("CSQU305438", 3), ("MSKU907032", 3), ("TGHU123456", 7)]
)
def test_container_check_digit(first_ten: str, digit: int) -> None:
    assert container_check_digit(first_ten) == digit
    assert is_valid(T.CONTAINER, f"{first_ten}{digit}")


# IMO 9074729: 9*7+0*6+7*5+4*4+7*3+2*2 = 139 -> 9; IMO 9176187: 63+6+35+24+3+16 = 147 -> 7.
@pytest.mark.parametrize(("six", "digit"), [("907472", 9), ("917618", 7)])
def test_imo_check_digit(six: str, digit: int) -> None:
    assert imo_check_digit(six) == digit
    assert is_valid(T.IMO, f"IMO {six}{digit}")


# 1M8GDM9AXKP042788: weighted sum 351, 351 mod 11 = 10 -> 'X' (the 49 CFR 565 example).
# 11111111111111111: sum of the weights 89, 89 mod 11 = 1.
# 1HGCM82633A004352: weighted sum 311, 311 mod 11 = 3.
@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1M8GDM9AXKP042788", "X"), ("11111111111111111", "1"), ("1HGCM82633A004352", "3")],
)
def test_vin_check_digit(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit
    assert is_valid(T.VIN, vin)


# 1234567 = 7*176366 + 5; 8114074 = 7*1159153 + 3.
@pytest.mark.parametrize(("awb", "digit"), [("020-12345675", 5), ("589-81140743", 3)])
def test_awb_check_digit(awb: str, digit: int) -> None:
    assert awb_check_digit(awb[4:11]) == digit
    assert is_valid(T.AIR_WAYBILL, awb)


@pytest.mark.parametrize(
    ("type_", "value", "found", "expected"),
    [
        (T.CONTAINER, "CSQU3054384", "4", "3"),
        (T.CONTAINER, "MSKU9070328", "8", "3"),
        (T.CONTAINER, "TGHU1234563", "3", "7"),
        (T.IMO, "IMO 9074720", "0", "9"),
        (T.IMO, "9176188", "8", "7"),
        (T.VIN, "1M8GDM9A1KP042788", "1", "X"),
        (T.VIN, "11111111211111111", "2", "1"),
        (T.AIR_WAYBILL, "020-12345670", "0", "5"),
        (T.AIR_WAYBILL, "589-81140744", "4", "3"),
    ],
)
def test_wrong_check_digit_is_rejected(
    type_: IdentifierType, value: str, found: str, expected: str
) -> None:
    assert _reason(type_, value) == f"check digit is {found}, expected {expected}"


@pytest.mark.parametrize(
    ("helper", "argument"),
    [
        (container_check_digit, "CSQU30543"),
        (container_check_digit, "CSQ1305438"),
        (imo_check_digit, "90747"),
        (vin_check_digit, "1M8GDM9AXKP04278"),
        (vin_check_digit, "1M8GDM9AXKP04278O"),
        (awb_check_digit, "123456"),
    ],
)
def test_check_digit_helpers_reject_malformed_input(
    helper: Callable[[str], object], argument: str
) -> None:
    with pytest.raises(ValueError):
        helper(argument)


def test_generated_containers_are_valid() -> None:
    for serial in range(0, 1_000_000, 99_991):
        first_ten = f"ABCU{serial:06d}"
        assert is_valid(T.CONTAINER, f"{first_ten}{container_check_digit(first_ten)}")


def test_vin_check_digit_is_only_enforced_for_north_american_vehicles() -> None:
    # A European VIN: position 9 is a manufacturer character, not a check digit.
    assert is_valid(T.VIN, "WVWZZZ1JZ3W386752")
    assert not is_valid(T.VIN, "1VWZZZ1JZ3W386752")


# --- valid values and their canonical forms -----------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "raw", "country", "value", "normalised", "issuing_country"),
    [
        (T.PASSPORT, "123456789", "us", "123456789", "123456789", "US"),
        (T.PASSPORT, "a1234 5678", "US", "A12345678", "A12345678", "US"),
        (T.PASSPORT, "aa 123 4567", "uz", "AA1234567", "AA1234567", "UZ"),
        (T.PASSPORT, "C01X00T47", "DE", "C01X00T47", "C01X00T47", "DE"),
        (T.NATIONAL_PERSONAL_NUMBER, "3150 3850 1234 56", None, "31503850123456",
         "31503850123456", "UZ"),
        (T.EIN, "12-3456789", None, "12-3456789", "123456789", "US"),
        (T.EIN, " 123456789 ", "US", "12-3456789", "123456789", "US"),
        (T.INN, "301 234 567", None, "301234567", "301234567", "UZ"),
        (T.INN, "412345678", "UZ", "412345678", "412345678", "UZ"),
        (T.IMO, "imo9074729", None, "IMO 9074729", "9074729", None),
        (T.IMO, "9176187", "pa", "IMO 9176187", "9176187", "PA"),
        (T.MMSI, "366 123 456", None, "366123456", "366123456", None),
        (T.CONTAINER, "csqu 305438-3", None, "CSQU3054383", "CSQU3054383", None),
        (T.CONTAINER, "ＣＳＱＵ３０５４３８３", None, "CSQU3054383", "CSQU3054383", None),
        (T.BILL_OF_LADING, "maeu 123456789", None, "MAEU123456789", "MAEU123456789", None),
        (T.AIR_WAYBILL, "020 1234 5675", None, "020-12345675", "02012345675", None),
        (T.UCR, "6us-123456789", None, "6US123456789", "6US123456789", None),
        (T.DECLARATION_NUMBER, "b76-1234567-8", None, "B76-1234567-8", "B7612345678", "US"),
        (T.DECLARATION_NUMBER, "26001/15.03.2021/0001234", None, "26001/15032021/0001234",
         "26001150320210001234", "UZ"),
        (T.DECLARATION_NUMBER, "26001150320210001234", "uz", "26001/15032021/0001234",
         "26001150320210001234", "UZ"),
        (T.VIN, "1m8gdm9axkp 042788", None, "1M8GDM9AXKP042788", "1M8GDM9AXKP042788", None),
        (T.HS_CODE, "847130", None, "8471.30", "847130", None),
        (T.HS_CODE, "8471.30.01", None, "8471.30.01", "84713001", None),
        (T.HS_CODE, "8471 30 0100", None, "8471.30.0100", "8471300100", None),
    ],
)  # fmt: skip
def test_valid_values_are_normalised(
    type_: IdentifierType,
    raw: str,
    country: str | None,
    value: str,
    normalised: str,
    issuing_country: str | None,
) -> None:
    assert normalise_identifier(type_, raw, country) == Identifier(
        type_, value, normalised, issuing_country
    )
    assert is_valid(type_, raw, country)


def test_type_may_be_given_by_name() -> None:
    identifier = normalise_identifier(" container ", "CSQU3054383")
    assert identifier.type is IdentifierType.CONTAINER


def test_normalised_forms_of_different_spellings_are_equal() -> None:
    spellings = ["CSQU 305438 3", "csqu-305438-3", "CSQU3054383", "csqu.305438.3"]
    assert len({normalise_identifier(T.CONTAINER, s).normalised for s in spellings}) == 1


# --- invalid values and their reasons ----------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "value", "country", "reason"),
    [
        (T.PASSPORT, "123456789", None, "issuing country is required"),
        (T.PASSPORT, "123456789", "USA", "issuing country must be an ISO 3166-1 alpha-2 code"),
        (T.PASSPORT, "12345", "FR", "must be 6-9 letters or digits"),
        (T.PASSPORT, "12345/78", "FR", "must contain only letters and digits"),
        (T.PASSPORT, "A1234567", "US",
         "a US passport number must be 9 digits or 1 letter and 8 digits"),
        (T.PASSPORT, "A12345678", "UZ", "a UZ passport number must be 2 letters and 7 digits"),
        (T.NATIONAL_PERSONAL_NUMBER, "3150385012345", None, "must be 14 digits"),
        (T.NATIONAL_PERSONAL_NUMBER, "71503850123456", None,
         "first digit must be 1-6 (century and sex)"),
        (T.NATIONAL_PERSONAL_NUMBER, "33102850123456", None, "contains a date that does not exist"),
        # 1900 was not a leap year.
        (T.NATIONAL_PERSONAL_NUMBER, "32902000123456", None, "contains a date that does not exist"),
        (T.NATIONAL_PERSONAL_NUMBER, "31503850123456", "US",
         "a PINFL is issued only by UZ, not US"),
        (T.EIN, "07-1234567", None, "prefix 07 is not an IRS campus prefix"),
        (T.EIN, "96-1234567", None, "prefix 96 is not an IRS campus prefix"),
        (T.EIN, "12-345678", None, "must be 9 digits"),
        (T.INN, "101234567", None, "first digit must be 2-7 (2-3 legal entities, 4-7 individuals)"),
        (T.INN, "30123456", None, "must be 9 digits"),
        (T.INN, "301234567", "KZ", "an INN is issued only by UZ, not KZ"),
        (T.IMO, "IMO 907472", None, "must be 7 digits, optionally after 'IMO'"),
        (T.MMSI, "123456789", None, "first digit must be 2-7 (a ship station)"),
        (T.MMSI, "36612345", None, "must be 9 digits"),
        (T.CONTAINER, "CSQX3054383", None, "equipment category (4th letter) must be U, J or Z"),
        (T.CONTAINER, "CSQ13054383", None, "must be 4 letters followed by 7 digits"),
        (T.BILL_OF_LADING, "MAE1234567", None,
         "must be a 4-letter carrier code followed by 6-12 letters or digits"),
        (T.BILL_OF_LADING, "MAEU12345", None,
         "must be a 4-letter carrier code followed by 6-12 letters or digits"),
        (T.BILL_OF_LADING, "MAEU/123456", None, "must contain only letters and digits"),
        (T.AIR_WAYBILL, "020-1234567", None,
         "must be 11 digits (3-digit airline prefix and 8-digit serial)"),
        (T.UCR, "US123456789", None,
         "must be a year digit, a 2-letter country code and 1-30 letters or digits"),
        (T.UCR, "6US" + "1" * 33, None, "must be at most 35 characters"),
        (T.DECLARATION_NUMBER, "26001/31022021/0001234", None,
         "contains a date that does not exist"),
        (T.DECLARATION_NUMBER, "B76-1234567-8", "UZ",
         "a US entry number is issued only by US, not UZ"),
        (T.DECLARATION_NUMBER, "12345", None,
         "must be a US entry number (3-character filer code, 7 digits, check digit) "
         "or an Uzbek declaration (5-digit post/DDMMYYYY/7-digit serial)"),
        (T.VIN, "1M8GDM9AXKP04278", None, "must be 17 characters"),
        (T.VIN, "1M8GDM9AXKP0427O8", None, "must not contain the letters I, O or Q"),
        (T.VIN, "1M8GDM9AXKP04278#", None, "must contain only letters and digits"),
        (T.HS_CODE, "771000", None, "chapter 77 is not used"),
        (T.HS_CODE, "980100", None, "chapter 98 does not exist (01-97)"),
        (T.HS_CODE, "001000", None, "chapter 00 does not exist (01-97)"),
        (T.HS_CODE, "8471.3", None, "must be 6, 8 or 10 digits"),
        (T.HS_CODE, "8471301", None, "must be 6, 8 or 10 digits"),
    ],
)  # fmt: skip
def test_invalid_values_are_rejected_with_a_reason(
    type_: IdentifierType, value: str, country: str | None, reason: str
) -> None:
    assert _reason(type_, value, country) == reason
    assert not is_valid(type_, value, country)


@pytest.mark.parametrize("type_", list(IdentifierType))
@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_empty_value_is_rejected(type_: IdentifierType, value: str) -> None:
    assert _reason(type_, value, "US") == "is empty"


def test_non_ascii_digits_are_rejected() -> None:
    # Arabic-Indic digits are digits to str.isdigit() but not to any customs system.
    assert not is_valid(T.MMSI, "٣٦٦١٢٣٤٥٦")


def test_unknown_type() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_identifier("FOO", "123")
    assert caught.value.identifier_type == "FOO"
    assert caught.value.reason == "unknown identifier type 'FOO'"
    assert not is_valid("FOO", "123")


def test_message_names_type_and_reason_but_not_the_value() -> None:
    secret = "33102850123456"
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_identifier(T.NATIONAL_PERSONAL_NUMBER, secret)
    message = str(caught.value)
    assert message == (
        "invalid NATIONAL_PERSONAL_NUMBER identifier: contains a date that does not exist"
    )
    assert caught.value.identifier_type is T.NATIONAL_PERSONAL_NUMBER
    assert secret not in message
    assert "3310285" not in message
    assert isinstance(caught.value, ValueError)


def test_no_reason_echoes_the_value() -> None:
    cases = [
        (T.PASSPORT, "ZZ9876543", "US"),
        (T.UCR, "US987654321", None),
        (T.DECLARATION_NUMBER, "987654", None),
        (T.BILL_OF_LADING, "ZZZ98765432", None),
    ]
    for type_, value, country in cases:
        with pytest.raises(InvalidIdentifier) as caught:
            normalise_identifier(type_, value, country)
        assert value not in str(caught.value)


def test_unknown_type_message_is_bounded() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_identifier("X" * 500, "1")
    assert len(str(caught.value)) < 120


def test_exception_survives_pickling() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        normalise_identifier(T.EIN, "00-1234567")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.identifier_type, copy.reason, str(copy)) == (
        caught.value.identifier_type,
        caught.value.reason,
        str(caught.value),
    )


# --- PINFL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "male", "expected"),
    [
        (datetime.date(1985, 3, 15), True, "31503850123456"),
        (datetime.date(1985, 3, 15), False, "41503850123456"),
        (datetime.date(2000, 2, 29), False, "62902000123456"),
        (datetime.date(2012, 12, 1), True, "50112120123456"),
        (datetime.date(1899, 12, 31), True, "13112990123456"),
    ],
)
def test_pinfl_for(birth: datetime.date, male: bool, expected: str) -> None:
    pinfl = pinfl_for(birth, male, "0123456")
    assert pinfl == expected
    assert is_valid(T.NATIONAL_PERSONAL_NUMBER, pinfl)


@pytest.mark.parametrize(
    ("birth", "digits"),
    [
        (datetime.date(1799, 1, 1), "0123456"),
        (datetime.date(2100, 1, 1), "0123456"),
        (datetime.date(1985, 3, 15), "012345"),
        (datetime.date(1985, 3, 15), "012345a"),
    ],
)
def test_pinfl_for_rejects_what_cannot_be_encoded(birth: datetime.date, digits: str) -> None:
    with pytest.raises(ValueError):
        pinfl_for(birth, True, digits)


def test_identifier_is_frozen() -> None:
    identifier = normalise_identifier(T.IMO, "9074729")
    with pytest.raises(AttributeError):
        identifier.value = "IMO 9176187"  # type: ignore[misc]
