"""The load generator: wrk (Debian's package), one thread, N connections, for a fixed time,
POSTing one GraphQL request; its Lua `done` hook prints the figures as one JSON line."""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
{authorization}

-- Answers with GraphQL errors (a source timing out under load gives a 200 with a partial
-- answer and an error) are counted, so a degraded answer is never taken for a fast one; those
-- naming SOURCE_UNAVAILABLE are counted apart.
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args)
  graphql_errors = 0
  source_unavailable = 0
end
function response(status, headers, body)
  if body and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    if string.find(body, 'SOURCE_UNAVAILABLE', 1, true) then
      source_unavailable = source_unavailable + 1
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local answered_with_errors = 0
  local unavailable = 0
  for _, thread in ipairs(threads) do
    answered_with_errors = answered_with_errors + (thread:get("graphql_errors") or 0)
    unavailable = unavailable + (thread:get("source_unavailable") or 0)
  end
  io.write(string.format(
    'WRK_RESULT {{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d,'
    .. ' "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d,'
    .. ' "max_us": %d, "mean_us": %.1f, "graphql_errors": %d, "source_unavailable": %d}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, answered_with_errors, unavailable))
end
"""


def _lua_string(value: str) -> str:
    # Lua long brackets take the text as it is; pick a level the text does not contain.
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    return f"[{'=' * level}[{value}]{'=' * level}]"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    non_2xx: int
    graphql_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    connections: int
    # Answers naming SOURCE_UNAVAILABLE (of `graphql_errors`); socket timeouts are in `errors`.
    source_unavailable: int = 0
    timeouts: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "rps": self.rps}


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str,
    body: bytes,
    token: str | None,
    seconds: float,
    connections: int,
    timeout_s: float = 30.0,
) -> LoadResult:
    """One bounded load run: wrk stops itself after `seconds`."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed: run `bash bench/setup.sh` (apt-get install wrk)")
    authorization = (
        f'wrk.headers["Authorization"] = {_lua_string("Bearer " + token)}' if token else ""
    )
    script = WRK_SCRIPT.format(body=_lua_string(body.decode()), authorization=authorization)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
        script_path = Path(file.name)
    try:
        completed = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={int(timeout_s)}s",
                "-s",
                str(script_path),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + timeout_s + 30,
            check=False,
        )
    finally:
        script_path.unlink(missing_ok=True)
    line = next(
        (line for line in completed.stdout.splitlines() if line.startswith("WRK_RESULT ")), None
    )
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    figures = json.loads(line.removeprefix("WRK_RESULT "))
    errors = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        errors=errors,
        non_2xx=figures["status"],
        graphql_errors=figures["graphql_errors"],
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        connections=connections,
        source_unavailable=figures["source_unavailable"],
        timeouts=figures["timeout"],
    )
