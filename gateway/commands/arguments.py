"""Argument types of every `cmaa` command, and the one way a bad argument is reported.

Each type checks its value before any command runs, so a bad argument changes nothing (no
directory made, no store seeded). A failure the types cannot foresee (a directory that cannot
be made, a database that does not exist) reaches `failure_line`, which names the argument it
came from. Either way the command prints one line and exits 2.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

USAGE_ERROR = 2


class CommandParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (no usage block) and exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1 to 65535)")
    return number


def at_least(minimum: int) -> Callable[[str], int]:
    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number ≥ {minimum}")
        return number

    return whole_number


def directory(value: str) -> Path:
    """A directory that exists, or one the command may make."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a directory")
    return path


def existing_directory(value: str) -> Path:
    path = directory(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"the directory {value} does not exist")
    return path


def http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


def database_url(value: str) -> str:
    from store.database import UnsupportedDatabaseURL, check_url

    try:
        check_url(value)
    except UnsupportedDatabaseURL as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    return Path(parsed.database)


def existing_database_url(value: str) -> str:
    """A store that must exist already: SQLite would otherwise make an empty file."""
    url = database_url(value)
    file = sqlite_file(url)
    if file is not None and not file.is_file():
        raise argparse.ArgumentTypeError(f"the file {file} does not exist")
    return url


def _option_of(arguments: argparse.Namespace, filename: str | None) -> str | None:
    """The option whose path value is, or holds, `filename`."""
    if filename is None:
        return None
    failed = Path(filename).absolute()
    for name, value in vars(arguments).items():
        if not isinstance(value, Path):
            continue
        given = value.absolute()
        # The path itself, something in it, or a parent that could not be made for it.
        if failed == given or given in failed.parents or failed in given.parents:
            return "--" + name.replace("_", "-")
    return None


def _database_problem(exc: "DBAPIError") -> str:
    # The driver's own words (e.g. 'database "x" does not exist'), without its class name.
    text = str(exc.orig).strip().splitlines()[-1] if exc.orig is not None else ""
    return text.rpartition(">: ")[2] or type(exc.orig).__name__


def failure_line(exc: BaseException, arguments: argparse.Namespace) -> str | None:
    """One line naming the argument a failure came from, or None for a failure of ours."""
    from sqlalchemy.exc import DBAPIError

    database = "--database-url" if getattr(arguments, "database_url", None) else "--data-dir"
    if not hasattr(arguments, "data_dir") and not hasattr(arguments, "database_url"):
        database = ""  # a command without a store: only a path argument can be named
    if isinstance(exc, DBAPIError) and database:
        return f"argument {database}: cannot open the store: {_database_problem(exc)}"
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        option = _option_of(arguments, exc.filename)
        if option is not None:
            return f"argument {option}: cannot use {exc.filename}: {reason}"
        if database:
            return f"argument {database}: cannot reach the store: {reason}"
    return None
