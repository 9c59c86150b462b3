"""Global ids decode to exactly what they encode, and anything else decodes to nothing."""

import base64
import re

import pytest

from resolvers.sources.ids import TYPE_NAMES, GlobalId, decode_global_id, global_id
from store.models.domain import Administration

# The rule as a regular expression: the decoder must agree with it on every input below.
RULE = re.compile(r"(?P<type>[A-Za-z]+):(?P<owner>US|UZ):(?P<id>[1-9][0-9]{0,17})")


def _by_the_rule(value: str) -> GlobalId | None:
    if not value or len(value) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    match = RULE.fullmatch(raw)
    if match is None or match["type"] not in TYPE_NAMES:
        return None
    return GlobalId(match["type"], Administration(match["owner"]), int(match["id"]))


def _encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("type_name", TYPE_NAMES)
@pytest.mark.parametrize("owner", list(Administration))
@pytest.mark.parametrize("local_id", [1, 9, 10, 4095, 10**17, 10**18 - 1])
def test_an_id_decodes_to_what_it_encodes(
    type_name: str, owner: Administration, local_id: int
) -> None:
    encoded = global_id(type_name, owner, local_id)
    assert decode_global_id(encoded) == GlobalId(type_name, owner, local_id)
    assert decode_global_id(encoded) == _by_the_rule(encoded)


NOT_IDS = [
    "",
    "=",
    "Q2FzZTpVWjo1",  # valid: a control among the others
    *(
        _encoded(raw)
        for raw in (
            "Case:UZ:0",
            "Case:UZ:05",
            "Case:UZ:-5",
            "Case:UZ:+5",
            "Case:UZ: 5",
            "Case:UZ:5 ",
            "Case:UZ:5\\n",
            "Case:UZ:5:6",
            "Case:XX:5",
            "Case:uz:5",
            "case:UZ:5",
            "Node:UZ:5",
            "Case:UZ:",
            "Case::5",
            ":UZ:5",
            "Case:UZ",
            "CaseUZ5",
            "Case:UZ:1000000000000000000",
            "Case:UZ:٣",
            "Case:UZ:²",
        )
    ),
    "Q2FzZTpVWjo1!",
    "Q2Fz ZTpVWjo1",
    "Q2FzZTpVWjo1==",
    "Q2FzZTpVWjo1===",
    "Q2FzZTpVWjo1\u00e9",
    "a" * 65,
    "////",
    "----",
    "____",
]


@pytest.mark.parametrize("value", NOT_IDS)
def test_the_decoder_agrees_with_the_rule(value: str) -> None:
    assert decode_global_id(value) == _by_the_rule(value)


def test_of_the_inputs_only_the_control_and_its_noisy_spellings_are_ids() -> None:
    # base64's decoder skips characters outside its alphabet and padding beyond the first,
    # as it always has here: those spellings name the same case as the control.
    case = GlobalId("Case", Administration.UZ, 5)
    decoded = {value: decode_global_id(value) for value in NOT_IDS}
    assert {value for value, found in decoded.items() if found is not None} == {
        "Q2FzZTpVWjo1",
        "Q2FzZTpVWjo1!",
        "Q2Fz ZTpVWjo1",
        "Q2FzZTpVWjo1==",
        "Q2FzZTpVWjo1===",
    }
    assert {found for found in decoded.values() if found is not None} == {case}
