"""Abusive requests are refused quickly, with the documented status and code, and
nothing is read from either administration for them.

tests/gateway/test_http_hardening.py already checks the status and code of several of these
at the limits' edges (31 aliases, 51 directives, 5,001 tokens, a 2 MB + 1 body, depth 14);
here each is pushed far past its limit, and the time to the refusal is bounded.
"""

import json
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.adversarial.world import AdversarialWorld
from tests.gateway.support import instrumented

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# A refusal takes the server well under this; one that parsed, validated or ran the request
# first would not. Measured inside the server (the client shares this process and machine).
QUICKLY = 1.0
# The whole exchange as the client sees it, sending included.
ROUND_TRIP = 3.0
MB = 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    seconds: float
    sent: int  # bytes of the request body sent before the answer came
    whole: int = 0  # bytes of the whole body, where it was too large to send


def _depth_over_limit(limit: int) -> str:
    """limit + 1 levels of fields, reached through a chain of fragments."""
    # cases 1, edges 2, node 3; then each fragment adds case → evidence (2 levels).
    levels, fragments, index = 3, [], 0
    while levels + 2 <= limit - 1:
        fragments.append(
            f"fragment F{index} on Case {{ evidence {{ case {{ ...F{index + 1} }} }} }}"
        )
        levels += 2
        index += 1
    # Here levels is limit - 2 or limit - 1: finish one level past the limit.
    tail = {limit - 2: "handling { releasedUnder { id } }", limit - 1: "handling { owner }"}
    fragments.append(f"fragment F{index} on Case {{ evidence {{ {tail[levels]} }} }}")
    return "{ cases(first: 1) { edges { node { ...F0 } } } }\n" + "\n".join(fragments)


def operation(query: str, **extra: Any) -> bytes:
    return json.dumps({"query": query, **extra}).encode()


def exchange(
    url: str, head: dict[str, str], chunks: Iterator[bytes], *, chunked: bool, method: str = "POST"
) -> Answer:
    """One request on a raw socket: the head, then the body while the server does not answer
    yet; the answer as soon as it comes."""
    parts = urlsplit(url)
    started = time.perf_counter()
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        lines = [f"{method} {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in head.items()]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for chunk in chunks:
            if select.select([connection], [], [], 0)[0]:
                break  # answered already
            data = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
            try:
                connection.sendall(data)
            except (TimeoutError, OSError):
                break  # the server stopped reading: its answer is waiting
            sent += len(chunk)
        else:
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
        head_text, _, body = received.partition(b"\r\n\r\n")
        headers = dict(
            line.split(": ", 1) for line in head_text.decode("latin-1").split("\r\n")[1:]
        )
        length = int({k.lower(): v for k, v in headers.items()}["content-length"])
        while len(body) < length:
            body += connection.recv(65536)
    status = int(head_text.split(b" ", 2)[1])
    return Answer(status, json.loads(body), time.perf_counter() - started, sent)


def pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def padded(size: int, query: str = "{ viewer { subject } }") -> Iterator[bytes]:
    """A valid JSON body of `size` bytes whose one variable is a string of about that size,
    made while it is sent."""
    prefix = f'{{"query": "{query}", "variables": {{"text": "'.encode()
    suffix = b'"}}'
    yield prefix
    remaining = size - len(prefix) - len(suffix)
    while remaining > 0:
        step = min(CHUNK, remaining)
        yield b"x" * step
        remaining -= step
    yield suffix


Request = Callable[[AdversarialWorld], Answer]


def post(body: bytes, content_type: str = JSON, **headers: str) -> Request:
    def send(world: AdversarialWorld) -> Answer:
        head = {
            "Authorization": f"Bearer {world.token('uz-dashboard')}",
            "Content-Type": content_type,
            "Accept": GRAPHQL_RESPONSE,
            "Content-Length": str(len(body)),
            **headers,
        }
        return exchange(f"{world.base_url}/graphql", head, pieces(body), chunked=False)

    return send


def streamed(size: int, *, declared: bool) -> Request:
    def send(world: AdversarialWorld) -> Answer:
        head = {
            "Authorization": f"Bearer {world.token('uz-dashboard')}",
            "Content-Type": JSON,
            "Accept": GRAPHQL_RESPONSE,
        }
        if declared:
            head["Content-Length"] = str(size)
        answer = exchange(f"{world.base_url}/graphql", head, padded(size), chunked=not declared)
        return replace(answer, whole=size)

    return send


def get(query: str) -> Request:
    def send(world: AdversarialWorld) -> Answer:
        started = time.perf_counter()
        response = httpx.get(
            f"{world.base_url}/graphql",
            params={"query": query},
            headers={"Authorization": f"Bearer {world.token('uz-dashboard')}", "Accept": JSON},
        )
        return Answer(response.status_code, response.json(), time.perf_counter() - started, 0)

    return send


SIMPLE = "{ viewer { administration } cases(first: 2) { totalCount } }"
MULTIPART = (
    '--cmaa\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
    + json.dumps({"query": SIMPLE})
    + "\r\n--cmaa--\r\n"
)
ABUSES: dict[str, tuple[Request, int, str]] = {
    "101 aliases": (
        post(operation("{ viewer { " + " ".join(f"a{i}: subject" for i in range(101)) + " } }")),
        400,
        "LIMIT_EXCEEDED",
    ),
    "an operation padded to 1.9 MB with a comment (one token)": (
        post(operation("{ viewer { subject } } #" + "x" * 1_900_000)),
        400,
        "LIMIT_EXCEEDED",
    ),
    "1,000 copies of one field": (
        post(operation("{ viewer { " + "subject " * 1000 + "} }")),
        400,
        "LIMIT_EXCEEDED",
    ),
    "200 @include directives": (
        post(operation("{ viewer { " + "subject @include(if: true) " * 200 + "} }")),
        400,
        "LIMIT_EXCEEDED",
    ),
    "circular fragments": (
        post(
            operation(
                "{ ...A } fragment A on Query { viewer { subject } ...B } "
                "fragment B on Query { agreement { title } ...A }"
            )
        ),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "a fragment bomb: 2^30 spreads that end in no field": (
        post(
            operation(
                "{ ...F0 } "
                + " ".join(
                    f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30)
                )
                + " fragment F30 on Query { ...Nowhere }"
            )
        ),
        400,
        "LIMIT_EXCEEDED",
    ),
    "depth limit + 1 through fragments": (
        post(operation(_depth_over_limit(12))),
        400,
        "LIMIT_EXCEEDED",
    ),
    # Within the operation-size limit (40 KB), so the token limit is what stops it.
    "20,000 tokens": (
        post(operation("{ viewer { " + "a " * 20_000 + "} }")),
        400,
        "LIMIT_EXCEEDED",
    ),
    "first: 100000": (
        post(operation("{ cases(first: 100000) { edges { node { id } } } }")),
        400,
        "LIMIT_EXCEEDED",
    ),
    "1,000 levels of nested selections": (
        post(
            operation(
                "{ cases { edges { node { "
                + "evidence { case { " * 500
                + "id"
                + " } }" * 500
                + " } } } }"
            )
        ),
        400,
        "GRAPHQL_PARSE_FAILED",
    ),
    "a JSON array of operations": (
        post(json.dumps([{"query": SIMPLE}] * 50).encode()),
        400,
        "BAD_REQUEST",
    ),
    "GET query": (get(SIMPLE), 405, "METHOD_NOT_ALLOWED"),
    "GET mutation": (
        get('mutation { revokeRelease(id: "x", reason: "r", idempotencyKey: "k") { id } }'),
        405,
        "METHOD_NOT_ALLOWED",
    ),
    "form-urlencoded POST": (
        post(f"query={SIMPLE}".encode(), "application/x-www-form-urlencoded"),
        415,
        "BAD_REQUEST",
    ),
    "text/plain POST": (post(operation(SIMPLE), "text/plain"), 415, "BAD_REQUEST"),
    "multipart POST": (
        post(MULTIPART.encode(), "multipart/form-data; boundary=cmaa"),
        415,
        "BAD_REQUEST",
    ),
    "a foreign Origin": (
        post(operation(SIMPLE), Origin="https://evil.example"),
        403,
        "FORBIDDEN_ORIGIN",
    ),
    "a 30 MB body, declared": (streamed(30 * MB, declared=True), 413, "PAYLOAD_TOO_LARGE"),
    "a 30 MB body, chunked": (streamed(30 * MB, declared=False), 413, "PAYLOAD_TOO_LARGE"),
    "a 10 MB string variable": (streamed(10 * MB, declared=True), 413, "PAYLOAD_TOO_LARGE"),
}


@pytest.mark.parametrize("abuse", list(ABUSES))
def test_an_abusive_request_is_refused_quickly(world: AdversarialWorld, abuse: str) -> None:
    send, status, code = ABUSES[abuse]
    world.token("uz-dashboard")  # fetched before the clock starts
    with instrumented(world.app.state.administrations) as sources:
        before = len(world.timed.durations)
        answer = send(world)
        deadline = time.monotonic() + 5
        while len(world.timed.durations) == before and time.monotonic() < deadline:
            time.sleep(0.01)  # the server records its time just after the last byte goes out
    assert len(world.timed.durations) == before + 1
    server_seconds = world.timed.durations[-1]
    assert (answer.status, [e["extensions"]["code"] for e in answer.body["errors"]]) == (
        status,
        [code],
    ), answer.body
    assert "data" not in answer.body
    assert server_seconds < QUICKLY, f"{server_seconds:.2f} s in the server"
    assert answer.seconds < ROUND_TRIP, f"{answer.seconds:.2f} s"
    assert not any(source.calls for source in sources.values()), "a refusal read a source"
    # A body over the limit is refused before all of it is sent (what was "sent" includes
    # what the kernel's socket buffers took in).
    assert answer.sent < answer.whole or not answer.whole


def test_the_gateway_serves_as_before_after_the_abuse(
    http: httpx.Client, world: AdversarialWorld
) -> None:
    started = time.perf_counter()
    response = http.post(
        f"{world.base_url}/graphql",
        json={"query": SIMPLE},
        headers={"Authorization": f"Bearer {world.token('uz-dashboard')}"},
    )
    assert response.status_code == 200 and "errors" not in response.json()
    assert time.perf_counter() - started < QUICKLY
