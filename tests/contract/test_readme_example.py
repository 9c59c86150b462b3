"""README.md's Python client example, run as it is printed there against a real demo server:
it gets a token with client credentials and runs an operation with `gql`."""

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.contract.conftest import ROOT, World

CLIENT_ID = "uz-dashboard"


def example_code() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python client example", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, "README.md's Python client example has no ```python block"
    return found.group(1)


def test_the_readme_example_runs_against_the_demo(world: World, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(example_code(), encoding="utf-8")
    environment = {
        **os.environ,
        "CMAA_GATEWAY_URL": f"{world.demo_url}/graphql",
        "CMAA_TOKEN_URL": world.served.token_url(CLIENT_ID),
        "CMAA_CLIENT_ID": CLIENT_ID,
        "CMAA_CLIENT_SECRET": world.served.client(CLIENT_ID)["client_secret"],
    }
    finished = subprocess.run(
        [sys.executable, str(script)],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert re.fullmatch(r"\d+ money-laundering cases visible", lines[0]), finished.stdout
    assert int(lines[0].split()[0]) > 0
    cases = [line for line in lines[1:] if not line.startswith(" ")]
    assert len(cases) == 5
    assert all(line.split()[0] in ("US", "UZ") for line in cases)
