"""A text summary of a py-spy profile (its `raw` format: one collapsed stack and its sample
count a line): the functions that take most samples, by own time and with what they call."""

import re
from collections import Counter
from pathlib import Path

# py-spy names a frame "function (path/to/file.py:line)"; keep the function and the file's
# place inside site-packages or the project, never the machine's own paths.
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def _short(file: str) -> str:
    for marker in ("site-packages/", "lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1].lstrip("/.0123456789")
    for room in ("gateway/", "resolvers/", "auth/", "store/", "bench/"):
        index = file.find("/" + room)
        if index >= 0:
            return file[index + 1 :]
    return Path(file).name


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['function']} ({_short(match['file'])})"


# Where a frame's code lives, for the breakdown by component (own time of the leaf frame).
_COMPONENTS = (
    ("graphql/", "graphql-core (execution, validation)"),
    ("strawberry/", "strawberry"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("sqlmodel/", "SQLAlchemy"),
    ("aiosqlite/", "aiosqlite (hand-over to its thread)"),
    ("asyncpg/", "asyncpg"),
    ("starlette/", "Starlette and uvicorn (HTTP)"),
    ("uvicorn/", "Starlette and uvicorn (HTTP)"),
    ("h11/", "Starlette and uvicorn (HTTP)"),
    ("httpx/", "httpx (remote sources)"),
    ("httpcore/", "httpx (remote sources)"),
    ("resolvers/exchange/", "resolvers/exchange"),
    ("resolvers/sources/in_process/", "resolvers/sources/in_process"),
    ("resolvers/sources/remote/", "resolvers/sources/remote"),
    ("resolvers/", "resolvers (other)"),
    ("gateway/", "gateway"),
    ("auth/", "auth"),
    ("store/", "store"),
    ("selectors.py", "waiting in the event loop (idle)"),
    ("asyncio/", "asyncio"),
)


def _component(frame: str) -> str:
    for marker, name in _COMPONENTS:
        if marker in frame:
            return name
    return "other (standard library, builtins)"


def summarise(raw: str, top: int = 30, thread: str = "MainThread") -> str:
    """Own and inclusive time of the stacks of `thread` (py-spy's --threads names each
    stack's thread first: the event loop's is MainThread; aiosqlite's workers wait on their
    queue without being seen as idle, so they are left out)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    components: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if frames[0].startswith("thread ("):
            if thread not in frames[0]:
                continue
            frames = frames[1:]
        samples = int(count)
        total += samples
        leaf = next((frame for frame in reversed(frames) if frame), "")
        components[_component(leaf)] += samples
        frames = [_name(frame) for frame in frames if frame]
        if not frames:
            continue
        own[frames[-1]] += samples
        for name in set(frames):
            inclusive[name] += samples
    if not total:
        return "no samples\n"
    lines = [f"samples: {total}", "", "own time by component:"]
    lines += [f"{100 * n / total:6.1f}%  {name}" for name, n in components.most_common()]
    lines += ["", f"own time (top {top}):"]
    lines += [f"{100 * n / total:6.1f}%  {name}" for name, n in own.most_common(top)]
    # The event loop, uvicorn and the interpreter's start-up frames hold every sample.
    shown = [
        (name, n) for name, n in inclusive.most_common() if n < 0.8 * total or "execute" in name
    ]
    lines += ["", f"inclusive time (top {top}, below the event loop):"]
    lines += [f"{100 * n / total:6.1f}%  {name}" for name, n in shown[:top]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    print(summarise(Path(sys.argv[1]).read_text(), int(sys.argv[2]) if len(sys.argv) > 2 else 30))
