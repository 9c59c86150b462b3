"""A non-editable install carries everything the package reads at run time.

The package finds its data next to its modules, as a checkout lays them out: the GraphiQL,
dashboard and login pages' static files, the migrations, `agreement.toml` and `operations/`.
Which paths those are is read from the package itself: every module-level `Path` constant of
its modules that points into the checkout. The wheel is built from a copy of the checkout (a
build leaves files behind in its source) and must hold each of those files, byte for byte,
at the same place relative to the installed packages, and every module of every package.
"""

import importlib
import importlib.metadata
import pkgutil
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "resolvers", "auth", "store")
# Read only by commands run in a checkout, not by an installed package.
CHECKOUT_ONLY = {
    # `cmaa schema golden` compares with the golden answers kept with the tests.
    Path("tests/contract/golden"),
}
NOT_SOURCES = ("__pycache__", "*.pyc")
NOT_BUILT_FROM = (
    ".git", ".venv*", "build", "dist", "*.egg-info", "node_modules", "tests", "bench",
    "cmaa-data", ".*_cache", *NOT_SOURCES,
)  # fmt: skip
BUILD_BACKEND = "setuptools"
BUILD_BACKEND_SINCE = 77  # pyproject.toml's [build-system]


def read_at_run_time() -> set[Path]:
    """The checkout's files and folders the package's modules name (relative to the checkout)."""
    named: set[Path] = set()
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            for value in vars(importlib.import_module(info.name)).values():
                if isinstance(value, Path) and value.is_absolute():
                    resolved = value.resolve()
                    if resolved.is_relative_to(ROOT) and resolved.exists():
                        named.add(resolved.relative_to(ROOT))
    return named - CHECKOUT_ONLY


def files_under(path: Path) -> list[Path]:
    """The files of a file or folder of the checkout, relative to it; compiled files and
    hidden ones (version control's, such as .gitattributes) aside."""
    found = [ROOT / path] if (ROOT / path).is_file() else sorted((ROOT / path).rglob("*"))
    return [
        file.relative_to(ROOT)
        for file in found
        if file.is_file()
        and "__pycache__" not in file.parts
        and file.suffix != ".pyc"
        and not file.name.startswith(".")
    ]


def backend_installed() -> bool:
    try:
        version = importlib.metadata.version(BUILD_BACKEND)
    except importlib.metadata.PackageNotFoundError:
        return False
    return int(version.split(".")[0]) >= BUILD_BACKEND_SINCE


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source") / "cmaa-gateway"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_BUILT_FROM))
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out)]
    if backend_installed():
        command.append("--no-build-isolation")  # nothing to fetch
    built = subprocess.run(
        [*command, str(source)], capture_output=True, text=True, timeout=600, check=False
    )
    if built.returncode != 0 and "satisfies the requirement setuptools" in built.stderr:
        missing_tool(
            f"the build backend {BUILD_BACKEND}>={BUILD_BACKEND_SINCE}",
            f"`.venv/bin/pip install '{BUILD_BACKEND}>={BUILD_BACKEND_SINCE}'`",
        )
    assert built.returncode == 0, built.stderr[-4000:]
    (path,) = out.glob("cmaa_gateway-*.whl")
    return zipfile.ZipFile(path)


def test_the_package_names_what_it_reads() -> None:
    """The discovery below finds the data this test was written for (and may find more)."""
    assert {
        Path("agreement.toml"),
        Path("operations"),
        Path("store/migrations"),
        Path("gateway/static/graphiql"),
        Path("gateway/static/dashboard"),
        Path("gateway/static/login"),
    } <= read_at_run_time()


def test_the_wheel_holds_every_file_the_package_reads(wheel: zipfile.ZipFile) -> None:
    held = set(wheel.namelist())
    missing, differing = [], []
    for path in sorted(read_at_run_time()):
        for file in files_under(path):
            name = file.as_posix()
            if name not in held:
                missing.append(name)
            elif wheel.read(name) != (ROOT / file).read_bytes():
                differing.append(name)
    assert missing == [], f"not in the wheel: {missing}"
    assert differing == [], f"not as in the checkout: {differing}"


def test_the_wheel_holds_every_module(wheel: zipfile.ZipFile) -> None:
    held = set(wheel.namelist())
    modules = [
        file.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for file in sorted((ROOT / package).rglob("*.py"))
        if "__pycache__" not in file.parts
    ]
    assert [module for module in modules if module not in held] == []
