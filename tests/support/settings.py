"""Settings every test world shares: limits that the suite's own traffic and a loaded machine
cannot reach. A test of a limit sets that limit itself."""

import re
from dataclasses import replace
from pathlib import Path

from store.agreement import DEFAULT_AGREEMENT_FILE, Agreement, load_agreement

# The suite sends far more requests a minute than the agreement lets one client; the rate
# limit has tests of its own.
SUITE_RATE_PER_MINUTE = 1_000_000
# A source that answers at all answers within this, however loaded the machine (a SQLite
# writer may wait up to its busy timeout of 10 s for another); tests of the timeout use a
# source that never answers.
SUITE_SOURCE_TIMEOUT_SECONDS = 60.0


def suite_agreement(agreement: Agreement | None = None) -> Agreement:
    """The agreement (agreement.toml's, unless given) with the suite's limits."""
    loaded = agreement or load_agreement()
    return replace(
        loaded,
        limits=replace(
            loaded.limits,
            rate_per_minute=SUITE_RATE_PER_MINUTE,
            source_timeout_seconds=SUITE_SOURCE_TIMEOUT_SECONDS,
        ),
    )


def suite_agreement_file(directory: Path) -> Path:
    """agreement.toml with the suite's limits, for a `cmaa` process (CMAA_AGREEMENT)."""
    text = DEFAULT_AGREEMENT_FILE.read_text(encoding="utf-8")
    changed = text
    for key, value in (
        ("rate_per_minute", SUITE_RATE_PER_MINUTE),
        ("source_timeout_seconds", SUITE_SOURCE_TIMEOUT_SECONDS),
    ):
        changed, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", changed)
        assert found == 1, f"agreement.toml has no single {key}"
    path = directory / "suite-agreement.toml"
    path.write_text(changed, encoding="utf-8")
    return path
