"""The runtime settings (workers' health check, Redis, metrics token, OTLP, access log): from
the environment, overridden by the gateway's file, and every bad value named with its key."""

import tomllib
from pathlib import Path

import pytest

from gateway.runtime import (
    DEFAULT_WORKER_HEALTHCHECK_SECONDS,
    Runtime,
    RuntimeSettingError,
    runtime_from_config,
    runtime_from_environment,
)
from store.agreement import ConfigurationError, KeyedReader

TOKEN = "t" * 32


def test_nothing_configured_is_one_process_with_nothing_exported() -> None:
    assert runtime_from_environment({}) == Runtime()
    assert Runtime().worker_healthcheck_seconds == DEFAULT_WORKER_HEALTHCHECK_SECONDS > 5
    assert Runtime().redis_url is None and Runtime().metrics_token is None
    assert Runtime().otlp_endpoint is None and Runtime().access_log


def test_the_environment_sets_every_setting(tmp_path: Path) -> None:
    token = tmp_path / "metrics.token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    runtime = runtime_from_environment(
        {
            "CMAA_WORKER_HEALTHCHECK_SECONDS": "45",
            "CMAA_REDIS_URL": "redis://127.0.0.1:6379/2",
            "CMAA_REDIS_PREFIX": "exchange",
            "CMAA_METRICS_TOKEN_FILE": str(token),
            "CMAA_OTLP_ENDPOINT": "http://127.0.0.1:4318",
            "CMAA_ACCESS_LOG": "off",
        }
    )
    assert runtime == Runtime(
        45, "redis://127.0.0.1:6379/2", "exchange", TOKEN, "http://127.0.0.1:4318", False
    )


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("CMAA_WORKER_HEALTHCHECK_SECONDS", "0", "whole number"),
        ("CMAA_WORKER_HEALTHCHECK_SECONDS", "ten", "whole number"),
        ("CMAA_REDIS_URL", "http://127.0.0.1:6379", "redis://"),
        ("CMAA_METRICS_TOKEN_FILE", "/nonexistent/metrics.token", "cannot be read"),
        ("CMAA_OTLP_ENDPOINT", "127.0.0.1:4318", "http(s) URL"),
        ("CMAA_ACCESS_LOG", "yes", '"json" or "off"'),
    ],
)
def test_a_bad_environment_value_is_named(name: str, value: str, problem: str) -> None:
    with pytest.raises(RuntimeSettingError) as refused:
        runtime_from_environment({name: value})
    assert name in str(refused.value) and problem in str(refused.value)


def test_a_short_metrics_token_is_refused(tmp_path: Path) -> None:
    token = tmp_path / "metrics.token"
    token.write_text("short", encoding="utf-8")
    with pytest.raises(RuntimeSettingError, match="≥ 32 characters"):
        runtime_from_environment({"CMAA_METRICS_TOKEN_FILE": str(token)})


def _from_file(text: str, base: Runtime) -> Runtime:
    path = Path("gateway.toml")
    return runtime_from_config(KeyedReader(path, RuntimeSettingError), tomllib.loads(text), base)


def test_the_gateway_file_overrides_the_environment() -> None:
    base = Runtime(redis_url="redis://env:6379/0", access_log=True)
    runtime = _from_file(
        "[gateway]\nworker_healthcheck_seconds = 90\n"
        '[redis]\nurl = "redis://file:6379/1"\nkey_prefix = "gw"\n'
        '[observability]\notlp_endpoint = "https://collector.example"\naccess_log = false\n',
        base,
    )
    assert runtime == Runtime(
        90, "redis://file:6379/1", "gw", None, "https://collector.example", False
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[gateway]\nworker_healthcheck_seconds = 0\n", "gateway.worker_healthcheck_seconds"),
        ('[redis]\nurl = "127.0.0.1"\n', "redis.url"),
        (
            '[observability]\nmetrics_token_file = "/nonexistent"\n',
            "observability.metrics_token_file",
        ),
        ('[observability]\notlp_endpoint = "collector"\n', "observability.otlp_endpoint"),
        ('[observability]\naccess_log = "yes"\n', "observability.access_log"),
    ],
)
def test_a_bad_key_in_the_gateway_file_is_named(text: str, key: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        _from_file(text, Runtime())
    assert key in str(refused.value)
