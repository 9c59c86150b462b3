"""`cmaa people add|list|remove`, `cmaa clients add --secret-stdin` and `cmaa issuer`'s
refusals: passwords and secrets from stdin or generated and shown once, never listed."""

import asyncio
import contextlib
import io
import re
from pathlib import Path

import pytest

from auth.passwords import verify_secret
from gateway.cli import main
from store.database import open_store, session_factory
from store.models import OAuthClient, User

STORE_ARGUMENTS = ("--administration", "US", "--database-url")


def cmaa(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'us.sqlite3'}"
    assert cmaa(monkeypatch, "migrate", *STORE_ARGUMENTS, url)[0] == 0
    return (*STORE_ARGUMENTS, url)


async def _stored_hash(url: str, model: type, key: str) -> str:
    async with open_store(url) as engine, session_factory(engine)() as session:
        row = await session.get(model, key)
    assert row is not None
    return str(row.password_hash if model is User else row.client_secret_hash)


def test_a_person_with_a_password_from_stdin(
    store: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "a long enough passphrase"
    code, out, _ = cmaa(
        monkeypatch, "people", "add", *store, "--username", "us.officer",
        "--scope", "cmaa.cases:read", "--designated", "--password-stdin", stdin=password + "\n",
    )  # fmt: skip
    assert code == 0 and password not in out
    stored = asyncio.run(_stored_hash(store[-1], User, "us.officer"))
    assert stored != password and verify_secret(password, stored)
    code, out, _ = cmaa(monkeypatch, "people", "list", *store)
    assert out.splitlines() == ["us.officer\tdesignated\tcmaa.cases:read\tus.officer"]


def test_a_generated_password_is_shown_once(
    store: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cmaa(monkeypatch, "people", "add", *store, "--username", "us.second")
    assert code == 0
    found = re.search(r"^password: (\S+)$", out, re.MULTILINE)
    assert found is not None
    assert verify_secret(found.group(1), asyncio.run(_stored_hash(store[-1], User, "us.second")))
    assert found.group(1) not in cmaa(monkeypatch, "people", "list", *store)[1]


def test_people_are_refused_and_removed(
    store: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    short = cmaa(
        monkeypatch, "people", "add", *store, "--username", "us.x", "--password-stdin",
        stdin="short\n",
    )  # fmt: skip
    assert short[0] == 2 and "at least 12 characters" in short[2]
    unknown = cmaa(monkeypatch, "people", "add", *store, "--username", "us.x", "--scope", "root")
    assert unknown[0] == 2 and "scope catalogue" in unknown[2]
    assert cmaa(monkeypatch, "people", "list", *store)[1] == "US: no people\n"
    assert cmaa(monkeypatch, "people", "add", *store, "--username", "us.x")[0] == 0
    again = cmaa(monkeypatch, "people", "add", *store, "--username", "us.x")
    assert again[0] == 2 and "already exists" in again[2]
    assert cmaa(monkeypatch, "people", "remove", *store, "--username", "us.x")[0] == 0
    assert cmaa(monkeypatch, "people", "list", *store)[1] == "US: no people\n"
    gone = cmaa(monkeypatch, "people", "remove", *store, "--username", "us.x")
    assert gone[0] == 2 and "there is no person" in gone[2]


def test_a_client_secret_from_stdin_is_stored_hashed_and_not_printed(
    store: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s" * 20 + "-from-a-vault-0123456789"
    code, out, _ = cmaa(
        monkeypatch, "clients", "add", *store, "--client-id", "us-batch",
        "--grant-type", "client_credentials", "--scope", "cmaa.cases:read", "--secret-stdin",
        stdin=secret + "\n",
    )  # fmt: skip
    assert code == 0 and secret not in out and "client_secret" not in out
    assert verify_secret(secret, asyncio.run(_stored_hash(store[-1], OAuthClient, "us-batch")))
    weak = cmaa(
        monkeypatch, "clients", "add", *store, "--client-id", "us-weak",
        "--grant-type", "client_credentials", "--secret-stdin", stdin="short\n",
    )  # fmt: skip
    assert weak[0] == 2 and "at least 32 characters" in weak[2]


def test_the_issuer_refuses_plain_http_off_loopback(
    store: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cmaa(
        monkeypatch, "issuer", *store, "--public-url", "http://idp.example", "--port", "1"
    )
    assert code == 2
    assert err.strip() == "cmaa issuer: argument --public-url: http://idp.example must be https"


def test_the_issuer_refuses_the_other_administrations_store(
    store: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cmaa(
        monkeypatch, "issuer", "--administration", "UZ", "--database-url", store[-1],
        "--public-url", "http://127.0.0.1:1",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == "cmaa issuer: this store belongs to US, not UZ"
