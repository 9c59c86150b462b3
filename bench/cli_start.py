"""CPU time of `cmaa --help` (what each uvicorn worker also pays to start: it imports the
command line again), in a fresh interpreter each run: user + system seconds of the child.

    .venv/bin/python bench/cli_start.py [--runs 7]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys


def cpu_seconds_of_help() -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "gateway.cli", "--help"], check=True, stdout=subprocess.DEVNULL
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    cpu_seconds_of_help()  # warm the file cache and the bytecode caches
    samples = sorted(cpu_seconds_of_help() for _ in range(runs))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"cmaa --help CPU s: median {statistics.median(samples):.3f}, min {samples[0]:.3f}")


if __name__ == "__main__":
    main()
