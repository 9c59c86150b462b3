"""The one settings object: command-line values over environment variables over defaults."""

import os
from dataclasses import dataclass
from pathlib import Path

from store.agreement import DEFAULT_AGREEMENT_FILE, Agreement, load_agreement
from store.database import sqlite_url
from store.models.domain import Administration

DEFAULT_DATA_DIR = Path("cmaa-data")


def agreement_file() -> Path:
    return Path(os.environ.get("CMAA_AGREEMENT", str(DEFAULT_AGREEMENT_FILE)))


def load_configured_agreement() -> Agreement:
    return load_agreement(agreement_file())


@dataclass(frozen=True)
class DemoStores:
    """Where the embedded demo keeps each administration's SQLite store."""

    data_dir: Path

    def path(self, administration: Administration) -> Path:
        return self.data_dir / f"{administration.value.lower()}.sqlite3"

    def url(self, administration: Administration) -> str:
        return sqlite_url(self.path(administration).resolve())

    def urls(self) -> dict[Administration, str]:
        return {administration: self.url(administration) for administration in Administration}
