"""`cmaa --help`, and every uvicorn worker (which imports the command line again when it
starts), must not pay for building GraphQL schemas, apps or servers: the command modules
import those inside their handlers."""

import json
import subprocess
import sys

# What builds schemas or serves: none of it may load with the command line.
HEAVY = ("strawberry", "resolvers.exchange", "resolvers.subgraph", "uvicorn", "starlette")


def test_the_command_line_loads_no_schema_and_no_server() -> None:
    probe = (
        "import json, sys\n"
        "from gateway.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, text=True
        ).stdout
    )
    assert "gateway.cli" in loaded
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


def test_the_help_lists_every_command() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "--help"], check=True, capture_output=True, text=True
    )
    for command in ("migrate", "seed", "demo", "subgraph", "gateway", "schema", "audit"):
        assert command in answer.stdout
