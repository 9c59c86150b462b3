"""The HTTP client of the remote transport: one keep-alive connection pool per subgraph.

aiohttp rather than httpx here: every remote read is one POST on the gateway's hot path, and
on loopback httpx spent 0.73-0.86 ms of client CPU per POST against aiohttp's 0.18 ms.
Whatever goes wrong on the wire is a WireFailure with a fixed reason; the caller turns it
into SourceDown.
"""

import asyncio
from dataclasses import dataclass

import aiohttp

# Where a subgraph serves GraphQL, below its base URL: the subgraph serves there and the
# remote transport posts there.
GRAPHQL_PATH = "/graphql"
# Fewer seconds than uvicorn keeps an idle connection open (5 s by default), so the pool
# never reuses a connection the subgraph is closing at that very moment.
KEEPALIVE_SECONDS = 4.0


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


class WireFailure(Exception):
    """No usable HTTP answer: the reason is ours, never the remote's words."""


class Wire:
    """POSTs and GETs to one subgraph, each bounded by `timeout_seconds` as a whole."""

    def __init__(self, base_url: str, timeout_seconds: float, max_connections: int) -> None:
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use, inside the event loop that will use it: aiohttp binds a
        # session to its loop, so a source used from a new loop gets a new session.
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, keepalive_timeout=KEEPALIVE_SECONDS
                ),
                # Loopback or a private link: compressing the answer costs more than it saves.
                headers={"Accept-Encoding": "identity"},
                # The caller's token goes to the subgraph only: no cookies, no redirects.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        return await self._send("POST", path, body, headers)

    async def get(self, path: str) -> Answer:
        return await self._send("GET", path, None, {})

    async def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Answer:
        session = self._open()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                async with session.request(
                    method, self.base_url + path, data=body, headers=headers, allow_redirects=False
                ) as response:
                    return Answer(response.status, await response.read())
        except TimeoutError:
            raise WireFailure(f"no answer within {self.timeout_seconds:g} s") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise WireFailure(f"cannot reach it ({type(exc).__name__})") from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
