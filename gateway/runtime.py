"""How a serving process runs beside others, and what it reports: uvicorn workers and their
health check, the shared store (Redis) of rate limits and revoked tokens, `/metrics`, traces
and access logs.

Every serving command (`cmaa gateway`, `cmaa subgraph`, `cmaa demo`) reads these from the
environment; the gateway's configuration file may set the same things (its keys override
the environment, see gateway.distributed):

    CMAA_WORKER_HEALTHCHECK_SECONDS  seconds a worker has to answer its supervisor (30)
    CMAA_REDIS_URL                   redis://HOST:PORT/DB: limits and deny-list shared (off)
    CMAA_REDIS_PREFIX                prefix of every key written there ("cmaa")
    CMAA_METRICS_TOKEN_FILE          serve /metrics to `Authorization: Bearer <its text>` (off)
    CMAA_OTLP_ENDPOINT               export traces over OTLP/HTTP, e.g. http://HOST:4318 (off)
    CMAA_ACCESS_LOG                  "json" (one JSON line per request, default) or "off"
    CMAA_MAX_OPERATIONS              GraphQL operations one process runs at once, the rest
                                     waiting their turn (gateway.http.admission); "off": no
                                     bound. The demo applies it (4 by default).
"""

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from store.agreement import ConfigurationError, KeyedReader

# uvicorn's own default (5 s) is shorter than a worker's start-up on a busy machine.
DEFAULT_WORKER_HEALTHCHECK_SECONDS = 30
# Enough to keep a process's CPU and its stores' threads busy; more only lengthen every
# operation's waits (and a held SQLite write lock) inside the source timeout. Under 50
# connections on a loaded machine, 4 per demo worker kept every source call within it where
# no bound, 15 connections' worth, did not (bench/RESULTS.md, item 7).
DEFAULT_MAX_OPERATIONS = 4
MIN_METRICS_TOKEN_CHARS = 32


class RuntimeSettingError(ConfigurationError):
    """A malformed runtime setting: names where it came from, the key and what is wrong."""


@dataclass(frozen=True)
class Runtime:
    worker_healthcheck_seconds: int = DEFAULT_WORKER_HEALTHCHECK_SECONDS
    redis_url: str | None = None
    redis_prefix: str = "cmaa"
    metrics_token: str | None = None
    otlp_endpoint: str | None = None
    access_log: bool = True
    # None: no bound on the operations a process runs at once.
    max_operations: int | None = DEFAULT_MAX_OPERATIONS


def _redis_url(value: str, fail: Any) -> str:
    if urlsplit(value).scheme not in ("redis", "rediss") or not urlsplit(value).netloc:
        raise fail("must be a redis:// or rediss:// URL")
    return value


def _http_url(value: str, fail: Any) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail("must be an http(s) URL")
    return value


def _token(path: Path, fail: Any) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise fail("cannot be read") from None
    if len(token) < MIN_METRICS_TOKEN_CHARS:
        raise fail(f"must hold a token of ≥ {MIN_METRICS_TOKEN_CHARS} characters")
    return token


def runtime_from_environment(environ: dict[str, str] | None = None) -> Runtime:
    env = os.environ if environ is None else environ
    source = Path("(environment)")

    def failing(name: str) -> Any:
        return lambda problem: RuntimeSettingError(source, name, problem)

    runtime = Runtime()
    seconds = env.get("CMAA_WORKER_HEALTHCHECK_SECONDS")
    if seconds:
        if not seconds.isdigit() or int(seconds) < 1:
            raise failing("CMAA_WORKER_HEALTHCHECK_SECONDS")("must be a whole number ≥ 1")
        runtime = replace(runtime, worker_healthcheck_seconds=int(seconds))
    if env.get("CMAA_REDIS_URL"):
        url = _redis_url(env["CMAA_REDIS_URL"], failing("CMAA_REDIS_URL"))
        runtime = replace(runtime, redis_url=url)
    if env.get("CMAA_REDIS_PREFIX"):
        runtime = replace(runtime, redis_prefix=env["CMAA_REDIS_PREFIX"])
    if env.get("CMAA_METRICS_TOKEN_FILE"):
        path = Path(env["CMAA_METRICS_TOKEN_FILE"])
        runtime = replace(runtime, metrics_token=_token(path, failing("CMAA_METRICS_TOKEN_FILE")))
    if env.get("CMAA_OTLP_ENDPOINT"):
        endpoint = _http_url(env["CMAA_OTLP_ENDPOINT"], failing("CMAA_OTLP_ENDPOINT"))
        runtime = replace(runtime, otlp_endpoint=endpoint)
    access = env.get("CMAA_ACCESS_LOG")
    if access:
        if access not in ("json", "off"):
            raise failing("CMAA_ACCESS_LOG")('must be "json" or "off"')
        runtime = replace(runtime, access_log=access == "json")
    operations = env.get("CMAA_MAX_OPERATIONS")
    if operations:
        if operations == "off":
            runtime = replace(runtime, max_operations=None)
        elif not operations.isdigit() or int(operations) < 1:
            raise failing("CMAA_MAX_OPERATIONS")('must be a whole number ≥ 1 or "off"')
        else:
            runtime = replace(runtime, max_operations=int(operations))
    return runtime


def runtime_from_config(
    reader: KeyedReader, data: dict[str, Any], base: Runtime | None = None
) -> Runtime:
    """The gateway file's keys over `base` (the environment's settings):

    [gateway]
    worker_healthcheck_seconds = 30
    [redis]
    url = "redis://127.0.0.1:6379/0"
    key_prefix = "cmaa"
    [observability]
    metrics_token_file = "metrics.token"
    otlp_endpoint = "http://127.0.0.1:4318"
    access_log = true
    """
    runtime = runtime_from_environment() if base is None else base
    gateway = reader.table(data.get("gateway", {}), "gateway")
    if "worker_healthcheck_seconds" in gateway:
        seconds = reader.whole(gateway, "gateway", "worker_healthcheck_seconds")
        runtime = replace(runtime, worker_healthcheck_seconds=seconds)
    redis = reader.table(data.get("redis", {}), "redis")
    if "url" in redis:
        url = reader.text(redis, "redis", "url")
        runtime = replace(runtime, redis_url=_redis_url(url, lambda p: reader.fail("redis.url", p)))
    if "key_prefix" in redis:
        runtime = replace(runtime, redis_prefix=reader.text(redis, "redis", "key_prefix"))
    seen = reader.table(data.get("observability", {}), "observability")
    if "metrics_token_file" in seen:
        path = Path(reader.text(seen, "observability", "metrics_token_file"))
        token = _token(path, lambda p: reader.fail("observability.metrics_token_file", p))
        runtime = replace(runtime, metrics_token=token)
    if "otlp_endpoint" in seen:
        endpoint = reader.text(seen, "observability", "otlp_endpoint")
        endpoint = _http_url(endpoint, lambda p: reader.fail("observability.otlp_endpoint", p))
        runtime = replace(runtime, otlp_endpoint=endpoint)
    if "access_log" in seen:
        if not isinstance(seen["access_log"], bool):
            raise reader.fail("observability.access_log", "must be true or false")
        runtime = replace(runtime, access_log=seen["access_log"])
    return runtime
