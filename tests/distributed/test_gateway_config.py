"""The gateway's configuration file: read with defaults, refused with the key at fault."""

from pathlib import Path

import pytest

from gateway.distributed import GatewayConfigError, load_gateway_config
from store.models.domain import Administration

GOOD = """
[gateway]
port = 8443
public_url = "https://exchange.example"
cors_origins = ["https://dashboard.example"]

[sources]
US = "https://us.example"
UZ = "https://uz.example"

[issuers]
"https://idp.example/oauth/us" = "https://idp.example/oauth/us/jwks"

[dashboard]
US = { issuer = "https://idp.example/oauth/us", client_id = "us-dashboard-web" }
UZ = { issuer = "https://idp.uz.example/oauth", client_id = "uz-dashboard-web" }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_is_read_with_defaults(tmp_path: Path) -> None:
    config = load_gateway_config(_write(tmp_path, GOOD))
    assert config.host == "127.0.0.1"
    assert config.port == 8443
    assert config.workers == 1
    assert config.sources == {
        Administration.US: "https://us.example",
        Administration.UZ: "https://uz.example",
    }
    assert config.cors_origins == ("https://dashboard.example",)
    assert len(config.cursor_secret) >= 32
    assert config.dashboard is not None
    assert config.dashboard.issuers[Administration.UZ] == "https://idp.uz.example/oauth"
    assert config.dashboard.client_ids[Administration.US] == "us-dashboard-web"
    # GraphiQL is on by default, and its explorer needs the schema: only its login clients.
    assert config.introspection_clients == {"US:us-graphiql", "UZ:uz-graphiql"}


def test_without_graphiql_nobody_introspects_unless_named(tmp_path: Path) -> None:
    text = GOOD.replace("port = 8443", "port = 8443\ngraphiql = false")
    assert load_gateway_config(_write(tmp_path, text)).introspection_clients == frozenset()
    named = text.replace("graphiql = false", 'graphiql = false\nintrospection_clients = []')
    assert load_gateway_config(_write(tmp_path, named)).introspection_clients == frozenset()


def test_without_a_dashboard_section_there_is_no_dashboard(tmp_path: Path) -> None:
    text = GOOD[: GOOD.index("[dashboard]")]
    assert load_gateway_config(_write(tmp_path, text)).dashboard is None


def test_the_clients_trusted_with_introspection(tmp_path: Path) -> None:
    text = GOOD.replace("port = 8443", 'port = 8443\nintrospection_clients = ["US:us-graphiql"]')
    config = load_gateway_config(_write(tmp_path, text))
    assert config.introspection_clients == {"US:us-graphiql"}


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('UZ = "https://uz.example"\n', "", "sources.UZ"),
        ('US = "https://us.example"', 'US = "ftp://us.example"', "sources.US"),
        ("port = 8443", "port = 0", "gateway.port"),
        ("port = 8443", "port = 8443\nworkers = 2", "gateway.cursor_secret_file"),
        ('"https://dashboard.example"', '"dashboard"', "gateway.cors_origins[0]"),
        ("[sources]", '[sources]\nKZ = "https://kz.example"', "sources.KZ"),
        ('UZ = { issuer = "https://idp.uz.example/oauth", ', "KZ = { issuer = 1, ", "dashboard.KZ"),
        ('issuer = "https://idp.uz.example/oauth"', 'issuer = "idp"', "dashboard.UZ.issuer"),
        ('client_id = "us-dashboard-web"', 'client_id = ""', "dashboard.US.client_id"),
        ('US = { issuer = "https://idp.example/oauth/us"', "US = 3 #", "dashboard.US"),
        (
            "port = 8443",
            'port = 8443\nintrospection_clients = ["us-graphiql"]',
            "gateway.introspection_clients",
        ),
        (
            "port = 8443",
            'port = 8443\nintrospection_clients = "US:us-graphiql"',
            "gateway.introspection_clients",
        ),
    ],
)
def test_a_bad_file_names_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in GOOD
    with pytest.raises(GatewayConfigError) as refused:
        load_gateway_config(_write(tmp_path, GOOD.replace(old, new, 1)))
    assert refused.value.key == key


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"too short")
    text = GOOD.replace("port = 8443", f'port = 8443\ncursor_secret_file = "{secret}"')
    with pytest.raises(GatewayConfigError, match="32 bytes"):
        load_gateway_config(_write(tmp_path, text))
