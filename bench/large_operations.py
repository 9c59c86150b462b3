"""Does one client sending the largest operations slow everyone else? (A figure, not a test.)

Serves the embedded gateway as a child process over two small seeded SQLite stores, then
measures another caller's `{ viewer { subject } }`, one request at a time: first with the
gateway quiet, then while one client sends, from two processes without pause, operations padded
with a comment to 1.9 MB (under the body limit: refused by the operation-size limit before
they are parsed) and to just under the operation-size limit (parsed, validated and answered).
Prints both medians, their ratio and the server's resident memory before and after. The
correctness of the limit (refused before any parse, caches bounded in bytes) is tested in
tests/; this only shows what it is for.

    .venv/bin/python -m bench.large_operations [--requests 300] [--cases 20] [--without-limit]

Every figure is taken within one run on one machine: compare a run with `--without-limit`
(the limit raised to the body limit, as before it existed) with one without, on the same
machine at the same time of day; a busy machine makes both ratios larger.
"""

import argparse
import asyncio
import json
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:
    sys.path.insert(0, str(BENCH.parent))

from bench import world  # noqa: E402
from bench.servers import free_port, python_server  # noqa: E402

CALLER = "uz-dashboard"
PROBE = b'{"query": "{ viewer { subject } }"}'


def padded(size: int, salt: int) -> bytes:
    """A JSON body whose operation is `size` bytes, most of them one comment."""
    head = f"{{ viewer {{ subject }} }} # {salt} "
    return json.dumps({"query": head + "x" * (size - len(head))}).encode()


def latencies(url: str, token: str, count: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    taken = []
    with httpx.Client(timeout=60) as http:
        for _ in range(count):
            started = time.perf_counter()
            http.post(url, content=PROBE, headers=headers).raise_for_status()
            taken.append(time.perf_counter() - started)
    return taken


def flood(url: str, token: str, size: int, stop: Any, sent: Any) -> None:
    """In its own process, so making the bodies takes nothing from the measuring caller."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    salt = 0
    with httpx.Client(timeout=60) as http:
        while not stop.is_set():
            salt += 1  # distinct operations: no cache may answer them
            http.post(url, content=padded(size, salt), headers=headers)
            with sent.get_lock():
                sent.value += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.large_operations")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument(
        "--without-limit",
        action="store_true",
        help="raise the operation-size limit to the body limit: the comparison",
    )
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cmaa-bench-large-") as temporary:
        directory = Path(temporary)
        agreement_file = world.bench_agreement_file(directory)
        if arguments.without_limit:
            text = agreement_file.read_text(encoding="utf-8")
            text = re.sub(
                r"(?m)^max_operation_bytes = .*$", "max_operation_bytes = 2_097_152", text
            )
            agreement_file.write_text(text, encoding="utf-8")
        agreement = world.load_agreement(agreement_file)
        stores = world.Stores.sqlite(directory / "stores")
        stores.data_dir.mkdir()
        asyncio.run(world.seed_both(stores, agreement, arguments.cases))
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        credentials = asyncio.run(world.provision(stores, public_url, agreement))
        stores_file = directory / "stores.json"
        urls = {a.value: u for a, u in stores.urls.items()}
        stores_file.write_text(json.dumps({"data_dir": str(stores.data_dir), "urls": urls}))
        env = {"CMAA_AGREEMENT": str(agreement_file)}
        arguments_of_server = ("--stores", str(stores_file), "--public-url", public_url)
        logs = directory / "logs"
        logs.mkdir()
        with python_server("gateway", "embedded", port, logs, env, *arguments_of_server) as server:
            url = f"{server.url}/graphql"
            token = world.token(credentials, CALLER)
            latencies(url, token, 20)  # warm up
            rss_before = server.rss_kib()
            quiet = statistics.median(latencies(url, token, arguments.requests))
            stop, sent = multiprocessing.Event(), multiprocessing.Value("i", 0)
            limit = agreement.limits.max_operation_bytes
            flooders = [
                multiprocessing.Process(target=flood, args=(url, token, size, stop, sent))
                for size in (1_900_000, limit - 64)
            ]
            for thread in flooders:
                thread.start()
            try:
                loaded = statistics.median(latencies(url, token, arguments.requests))
            finally:
                stop.set()
                for thread in flooders:
                    thread.join()
            rss_after = server.rss_kib()
    print(f"operation-size limit: {limit} bytes; large operations sent: {sent.value}")
    print(f"another caller's median: quiet {quiet * 1000:.2f} ms, loaded {loaded * 1000:.2f} ms")
    print(f"ratio loaded / quiet: {loaded / quiet:.2f}")
    print(f"server RSS: {rss_before / 1024:.0f} MiB before, {rss_after / 1024:.0f} MiB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
