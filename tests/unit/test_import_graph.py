"""Imports run one way, and no module of ours waits on another that waits on it.

The layers are `gateway/` → `resolvers/` → `auth/` → `store/`; inside `resolvers/`, the
sources (`resolvers/sources/`) know nothing of the schemas above them. Every import counts,
also one inside a function or under `TYPE_CHECKING`: a deferred import hides a dependency from
the reader, it does not remove it.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("store", "auth", "resolvers", "gateway")
LAYER = {package: rank for rank, package in enumerate(PACKAGES)}
SOURCES = "resolvers.sources"


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _target(name: str) -> str | None:
    """The module of ours that `name` (a module, or a name inside one) comes from."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> Iterator[tuple[str, int]]:
    """Every module of ours that `module` imports, with the line, wherever the import sits."""
    tree = ast.parse(MODULES[module].read_text(), str(MODULES[module]))
    here = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _target(name)
            if target is not None and target != module:
                yield target, node.lineno


GRAPH = {module: sorted(set(_imports(module))) for module in MODULES}


def _upward(module: str, target: str) -> bool:
    if LAYER[target.split(".")[0]] > LAYER[module.split(".")[0]]:
        return True
    in_sources = module == SOURCES or module.startswith(SOURCES + ".")
    target_in_sources = target == SOURCES or target.startswith(SOURCES + ".")
    return in_sources and target.startswith("resolvers") and not target_in_sources


def _circles() -> list[list[str]]:
    """The strongly connected parts of the import graph with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target, _line in GRAPH[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == module:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for module in MODULES:
        if module not in index:
            visit(module)
    return found


def test_the_graph_sees_our_modules() -> None:
    # Guards the checks below against passing because they looked at nothing.
    targets = {target for target, _line in GRAPH["resolvers.sources.in_process.source"]}
    assert "store.database" in targets
    assert "auth.principal" in targets


def test_no_upward_import() -> None:
    upward = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}"
        for module, targets in GRAPH.items()
        for target, line in targets
        if _upward(module, target)
    ]
    assert upward == []


def test_no_import_circle() -> None:
    assert _circles() == []


def test_an_upward_import_and_a_circle_are_seen() -> None:
    saved = dict(GRAPH)
    try:
        GRAPH["store.database"] = [("auth.principal", 1)]
        GRAPH["auth.principal"] = [("store.database", 1)]
        assert _upward("store.database", "auth.principal")
        assert _upward("resolvers.sources.records", "resolvers.exchange.types")
        assert not _upward("resolvers.exchange.types", "resolvers.sources.records")
        assert ["auth.principal", "store.database"] in _circles()
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
