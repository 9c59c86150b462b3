"""agreement.toml loads into typed settings; a malformed file names the file, key and problem."""

from pathlib import Path

import pytest

from store.agreement import DEFAULT_AGREEMENT_FILE, AgreementError, load_agreement
from store.models.domain import Administration, Use

ORIGINAL = DEFAULT_AGREEMENT_FILE.read_text(encoding="utf-8")


def test_the_committed_agreement_loads() -> None:
    agreement = load_agreement()
    assert set(agreement.parties) == set(Administration)
    assert agreement.parties[Administration.US].agencies == (
        "U.S. Customs and Border Protection",
        "U.S. Immigration and Customs Enforcement",
    )
    assert agreement.reply_deadline_days == 120
    assert set(agreement.uses_needing_consent) == {
        Use.JUDICIAL_CIVIL,
        Use.JUDICIAL_CRIMINAL,
        Use.ONWARD_TRANSFER,
    }
    assert "cmaa.pii:read" in agreement.scopes
    assert len(agreement.scopes) == 12
    assert {ground.id for ground in agreement.refusal_grounds} >= {"SOVEREIGNTY", "SECURITY"}
    assert agreement.limits.max_page_size == 100
    assert agreement.limits.max_operation_bytes == 64 * 1024


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            "reply_deadline_days = 120",
            "reply_deadline_days = -1",
            "agreement.reply_deadline_days",
            "whole number",
        ),
        (
            "reply_deadline_days = 120",
            'reply_deadline_days = "soon"',
            "agreement.reply_deadline_days",
            "whole number",
        ),
        ('name = "Republic of Uzbekistan"\n', "", "parties.UZ.name", "is missing"),
        ("[parties.UZ]", "[parties.KZ]", "parties.KZ", "not a party"),
        (
            "JUDICIAL_CIVIL = { consent_required = true,",
            'JUDICIAL_CIVIL = { consent_required = "y",',
            "uses.JUDICIAL_CIVIL.consent_required",
            "true or false",
        ),
        ('"cmaa.audit:read" =', '"audit" =', "scopes.audit", "cmaa.<resource>:<action>"),
        (
            "max_page_size = 100",
            "max_page_size = 10",
            "limits.default_page_size",
            "must not exceed",
        ),
        (
            '[[parties.US.issuers]]\nissuer = "builtin"',
            '[[parties.US.issuers]]\nissuer = "https://idp.example"',
            "parties.US.issuers[0].jwks_uri",
            "is missing",
        ),
        (
            "max_operation_bytes = 65_536",
            "max_operation_bytes = 3_000_000",
            "limits.max_operation_bytes",
            "must not exceed limits.body_bytes",
        ),
        ("max_operation_bytes = 65_536\n", "", "limits.max_operation_bytes", "is missing"),
        ("[limits]", "[limits\n", "(syntax)", ""),
    ],
)
def test_a_malformed_agreement_names_the_key(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    assert old in ORIGINAL
    broken = tmp_path / "agreement.toml"
    broken.write_text(ORIGINAL.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(AgreementError) as refused:
        load_agreement(broken)
    assert refused.value.key == key
    assert problem in refused.value.problem
    assert str(broken) in str(refused.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="does not exist"):
        load_agreement(tmp_path / "nowhere.toml")
