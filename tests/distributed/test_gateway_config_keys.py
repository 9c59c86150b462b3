"""gateway.toml's switches (safelist, operations_dir, graphiql and its clients), and the
cursor secret `cmaa secret cursor` writes for it."""

import contextlib
import io
import stat
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.distributed import GatewayConfigError, load_gateway_config
from resolvers.contracts.operations import DEFAULT_OPERATIONS_DIR
from store.models.domain import Administration

GOOD = """
[gateway]
port = 8443

[sources]
US = "https://us.example"
UZ = "https://uz.example"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_graphiql_on_safelist_off(tmp_path: Path) -> None:
    config = load_gateway_config(_write(tmp_path, GOOD))
    assert config.safelist is False
    assert config.graphiql is True
    assert config.operations_dir == DEFAULT_OPERATIONS_DIR
    assert config.graphiql_clients == {
        Administration.US: "us-graphiql",
        Administration.UZ: "uz-graphiql",
    }


def test_the_switches_are_read(tmp_path: Path) -> None:
    text = (
        GOOD.replace(
            "port = 8443",
            "port = 8443\nsafelist = true\ngraphiql = false\n"
            f'operations_dir = "{DEFAULT_OPERATIONS_DIR}"',
        )
        + '\n[graphiql.clients]\nUZ = "uz-explorer"\n'
    )
    config = load_gateway_config(_write(tmp_path, text))
    assert (config.safelist, config.graphiql) == (True, False)
    assert config.graphiql_clients[Administration.UZ] == "uz-explorer"
    assert config.graphiql_clients[Administration.US] == "us-graphiql"


@pytest.mark.parametrize(
    ("addition", "key"),
    [
        ('safelist = "yes"', "gateway.safelist"),
        ("graphiql = 1", "gateway.graphiql"),
        ('safelist = true\noperations_dir = "EMPTY"', "gateway.operations_dir"),
        ('safelist = true\noperations_dir = "EMPTY/missing"', "gateway.operations_dir"),
    ],
)
def test_a_bad_switch_names_its_key(tmp_path: Path, addition: str, key: str) -> None:
    (tmp_path / "empty").mkdir()
    text = GOOD.replace(
        "port = 8443", "port = 8443\n" + addition.replace("EMPTY", str(tmp_path / "empty"))
    )
    with pytest.raises(GatewayConfigError) as refused:
        load_gateway_config(_write(tmp_path, text))
    assert refused.value.key == key


@pytest.mark.parametrize(
    ("addition", "key"),
    [
        ('[graphiql.clients]\nKZ = "kz-graphiql"', "graphiql.clients.KZ"),
        ("[graphiql]\nenabled = true", "graphiql.enabled"),
    ],
)
def test_a_bad_graphiql_table_names_its_key(tmp_path: Path, addition: str, key: str) -> None:
    with pytest.raises(GatewayConfigError) as refused:
        load_gateway_config(_write(tmp_path, GOOD + "\n" + addition + "\n"))
    assert refused.value.key == key


def _cmaa(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_secret_cursor_writes_an_owner_only_secret_the_gateway_reads(tmp_path: Path) -> None:
    secret = tmp_path / "cursor.secret"
    code, out, _ = _cmaa("secret", "cursor", "--out", str(secret))
    assert code == 0 and str(secret) in out
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    text = secret.read_text(encoding="ascii").strip()
    assert len(bytes.fromhex(text)) == 32
    config = load_gateway_config(
        _write(
            tmp_path, GOOD.replace("port = 8443", f'port = 8443\ncursor_secret_file = "{secret}"')
        )
    )
    assert config.cursor_secret == text.encode("ascii")
    other = tmp_path / "other.secret"
    _cmaa("secret", "cursor", "--out", str(other))
    assert other.read_text(encoding="ascii") != secret.read_text(encoding="ascii")


def test_secret_cursor_never_overwrites(tmp_path: Path) -> None:
    secret = tmp_path / "cursor.secret"
    secret.write_text("the secret every replica uses", encoding="utf-8")
    code, out, err = _cmaa("secret", "cursor", "--out", str(secret))
    assert code == 2 and out == ""
    assert err.strip() == f"cmaa secret: argument --out: {secret} exists; it is not replaced"
    assert secret.read_text(encoding="utf-8") == "the secret every replica uses"


def test_secret_cursor_refuses_fewer_than_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited, contextlib.redirect_stderr(io.StringIO()):
        main(["secret", "cursor", "--out", str(tmp_path / "s"), "--bytes", "16"])
    assert exited.value.code == 2
    assert not (tmp_path / "s").exists()
