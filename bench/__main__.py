"""`python -m bench`: the gateway's benchmarks, in one command (issue 9).

Builds its data in a temporary directory (two seeded SQLite stores; throw-away PostgreSQL
databases for the scale figures), starts every server it measures on 127.0.0.1 as a child
process, drives them with wrk for a fixed time each, stops them all, and writes its sections
of bench/RESULTS.md. Every figure is a ratio or a count taken within the same run.

    .venv/bin/python -m bench [--quick]
        [--only floor,physical,counts,memory,overhead,peer,load,scale]
        [--cases 1000] [--seconds 10] [--rounds 2] [--connections 4] [--memory-seconds 60]
        [--scale-cases 10000,1000000] [--postgres-url URL] [--no-write]

What it needs beside the project (bench/setup.sh installs them when missing): wrk, py-spy,
and Node.js with bench/apollo's packages (Apollo Gateway and Hive Gateway).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import items, machine, report  # noqa: E402
from bench.world import DEFAULT_POSTGRES  # noqa: E402

ITEMS = ("floor", "physical", "counts", "memory", "overhead", "peer", "load", "scale")
# Items measured in this process, needing none of bench/setup.sh's tools.
IN_PROCESS = {"floor", "counts"}


def _ensure_tools(arguments: argparse.Namespace) -> None:
    wanted = set(arguments.only)
    missing = []
    if shutil.which("wrk") is None and wanted - IN_PROCESS:
        missing.append("wrk")
    if not (BENCH / "apollo" / "node_modules").is_dir() and "peer" in wanted:
        missing.append("bench/apollo's npm packages")
    py_spy = shutil.which("py-spy") or Path(sys.executable).with_name("py-spy").exists()
    if not py_spy and wanted - IN_PROCESS:
        missing.append("py-spy")
    if missing:
        print(f"installing {', '.join(missing)} (bench/setup.sh)", flush=True)
        subprocess.run(
            ["bash", str(BENCH / "setup.sh")],
            check=True,
            env={**os.environ, "PYTHON": sys.executable},
        )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(ITEMS),
        help=f"comma-separated items among {', '.join(ITEMS)} (default: all)",
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=1000,
        help="cases per administration in the SQLite stores (default 1000)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="length of each measured load run (default 10 s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="measured runs per side of each comparison, sides taking turns",
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up run per side (s)")
    parser.add_argument(
        "--connections",
        type=int,
        default=4,
        help="concurrent connections of the load generator (default 4)",
    )
    parser.add_argument(
        "--profile-seconds",
        type=float,
        default=15.0,
        help="py-spy profile of the gateway under load (0: none)",
    )
    parser.add_argument(
        "--memory-seconds",
        type=float,
        default=60.0,
        help="load between the two RSS readings (default 60 s)",
    )
    parser.add_argument(
        "--scale-cases",
        default=None,
        help="cases per administration in PostgreSQL, comma-separated (default 10000,1000000)",
    )
    parser.add_argument(
        "--scale-seeded",
        type=int,
        default=10_000,
        help="of those, how many `seed_store` writes; the rest are copies of "
        "them made in SQL (seeding 1,000,000 takes hours here)",
    )
    parser.add_argument(
        "--scale-offset",
        type=int,
        default=10_000,
        help="the deep page starts after this many records",
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("CMAA_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short runs for a try-out (3 s runs, 1 round, 10 s memory, "
        "10,000 cases for scale); its figures are not the recorded ones",
    )
    parser.add_argument(
        "--floor-rounds",
        type=int,
        default=5,
        help="floor: measured rounds, gateway and floor taking turns (default 5)",
    )
    parser.add_argument(
        "--floor-calls", type=int, default=20, help="floor: answers per round and page size"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    arguments = parser.parse_args(argv)
    arguments.only = [item.strip() for item in arguments.only.split(",") if item.strip()]
    unknown = sorted(set(arguments.only) - set(ITEMS))
    if unknown:
        parser.error(f"unknown item {unknown[0]}; choose among {', '.join(ITEMS)}")
    if arguments.quick:
        arguments.seconds, arguments.rounds, arguments.warmup = 3.0, 1, 1.0
        arguments.memory_seconds = min(arguments.memory_seconds, 10.0)
        arguments.profile_seconds = min(arguments.profile_seconds, 5.0)
        arguments.scale_cases = arguments.scale_cases or "10000"
        arguments.floor_rounds, arguments.floor_calls = 2, 5
    arguments.scale_cases = arguments.scale_cases or "10000,1000000"
    arguments.scale_sizes = [int(size) for size in arguments.scale_cases.split(",") if size]
    return arguments


def _floor(arguments: argparse.Namespace, directory: Path, results: dict[str, Any]) -> None:
    from bench.floor import run_floor

    where = directory / "floor"
    where.mkdir()
    print("[bench] floor: the embedded gateway against stock graphql-core", flush=True)
    try:
        results["floor"] = run_floor(
            where, arguments.cases, arguments.floor_rounds, arguments.floor_calls
        )
    except Exception as exc:  # the report names the failure instead of a figure
        results.setdefault("failed", {})["floor"] = f"{type(exc).__name__}: {exc}"[:2000]


def main(argv: list[str] | None = None) -> int:
    arguments = _parse(argv)
    command = "python -m bench" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    _ensure_tools(arguments)
    started = time.monotonic()
    results: dict[str, Any] = {
        "command": command,
        "machine": machine.describe(),
        "load_average_before": machine.load_average(),
        "settings": {
            "cases": arguments.cases,
            "seconds": arguments.seconds,
            "rounds": arguments.rounds,
            "connections": arguments.connections,
            "memory_seconds": arguments.memory_seconds,
            "scale_sizes": arguments.scale_sizes,
            "quick": arguments.quick,
        },
    }
    directory = Path(tempfile.mkdtemp(prefix="cmaa-bench-"))
    try:
        if "floor" in arguments.only:
            _floor(arguments, directory, results)
        if set(arguments.only) - {"floor"}:
            run = items.Run(arguments, directory, results)
            run.execute()
    finally:
        if arguments.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    results["load_average_after"] = machine.load_average()
    results["minutes"] = (time.monotonic() - started) / 60
    sections = []
    if "floor" in results or "floor" in results.get("failed", {}):
        sections.append((report.render_floor(results), report.FLOOR_START, report.FLOOR_END))
    if set(arguments.only) - {"floor"}:
        sections.append((report.render(results), report.START, report.END))
    for text, _start, _end in sections:
        print(text)
    (BENCH / "profiles").mkdir(exist_ok=True)
    if not arguments.no_write and not arguments.quick:
        for text, start, end in sections:
            report.write(BENCH / "RESULTS.md", text, start, end)
        # The floor's figures beside the other items', each in its own file.
        name = "results.json" if set(arguments.only) - {"floor"} else "floor.json"
        (BENCH / "profiles" / name).write_text(
            json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8"
        )
        print("wrote bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
