"""The store's backend protocol: SQLite and PostgreSQL implement it, and a third one can.

The toy backend here keeps a tenant's store in an in-memory SQLite database:
registered under ``toymem://``, it is opened by :class:`Store` and by
:class:`Workspace` exactly as the built-in backends are, which is the recipe
for adding a database.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, create_engine
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool

import gridsim
import gridsim.store
from gridsim.model.kpis import RunResult
from gridsim.store import registry
from gridsim.store.base import Backend
from gridsim.store.errors import InvalidStoreURLError, StoreError
from gridsim.store.postgres import PostgresBackend
from gridsim.store.schema import SQLITE_TABLES, Tables
from gridsim.store.sqlite import SQLiteBackend, sqlite_error
from gridsim.store.store import Store
from gridsim.store.workspace import Workspace

TINY = {
    "district.communities": 4,
    "district.households": 2000,
    "district.streets": 2,
    "simulation.days": 30,
}

STORE_DIR = Path(gridsim.store.__file__).parent

BELOW = (
    "gridsim._version",
    "gridsim.fileio",
    "gridsim.fingerprint",
    "gridsim.model.kpis",
    "gridsim.model",
    "gridsim.scenario",
    "gridsim.vocab",
)
"""The layers below the store: what it may import from outside itself (never the
``gridsim`` package itself, whose ``__init__`` imports the experiments)."""


def _below(module: str) -> bool:
    """Whether the store may import ``module``."""
    return any(module == m or module.startswith(m + ".") for m in BELOW)


class MemoryBackend:
    """A toy backend: one tenant's store in an in-memory SQLite database."""

    dialect = "sqlite"
    tables: Tables = SQLITE_TABLES
    path = None

    def __init__(self, tenant: str) -> None:
        self.location = f"toymem://{tenant}"
        self.created = True
        self._engine = create_engine(
            "sqlite+pysqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        SQLITE_TABLES.metadata.create_all(self._engine)

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | URL,
        tenant: str,
        *,
        busy_timeout: float,
        create: bool,
    ) -> MemoryBackend:
        return cls(tenant)

    def engine(self, *, write: bool) -> Engine:
        return self._engine

    def insert(self, table: Table) -> sqlite_dialect.Insert:
        return sqlite_dialect.insert(table)

    def translate(self, exc: BaseException) -> StoreError | None:
        return sqlite_error(exc, self.location)

    def close(self) -> None:
        self._engine.dispose()


@pytest.fixture
def toymem(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``toymem://`` registered for the test only."""
    monkeypatch.setattr(registry, "BACKENDS", dict(registry.BACKENDS))
    gridsim.store.register_backend("toymem", MemoryBackend.open)
    yield


@pytest.fixture(scope="module")
def tiny() -> gridsim.Scenario:
    return gridsim.default_scenario().with_changes({**TINY, "name": "tiny"})


@pytest.fixture(scope="module")
def tiny_result(tiny: gridsim.Scenario) -> RunResult:
    return gridsim.run_scenario(tiny, replication=0)


def test_sqlite_backend_is_a_backend(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite", "alpha") as store:
        assert isinstance(store.backend, SQLiteBackend)
        assert isinstance(store.backend, Backend)
        assert store.backend.created and store.created
        assert store.backend.path == store.path == tmp_path / "a.sqlite"


def test_postgres_backend_is_a_backend() -> None:
    # The engine connects lazily: the protocol is checked without a server
    # (tests/test_store_postgres.py checks an opened one).
    engine = create_engine("postgresql+psycopg://alpha@localhost/gridsim")
    try:
        assert isinstance(PostgresBackend(engine, "postgresql://alpha@localhost/gridsim"), Backend)
    finally:
        engine.dispose()


def test_toy_backend_satisfies_the_protocol() -> None:
    backend = MemoryBackend("alpha")
    try:
        assert isinstance(backend, Backend)
    finally:
        backend.close()


def test_a_registered_backend_serves_store_and_workspace(
    toymem: None, tiny: gridsim.Scenario, tiny_result: RunResult
) -> None:
    with Workspace("alpha", store="toymem://") as ws:
        store = ws.store
        assert isinstance(store.backend, MemoryBackend)
        assert (store.dialect, store.location, store.path) == ("sqlite", "toymem://alpha", None)
        assert store.write_run("exp", tiny, tiny_result) is True
        again = dataclasses.replace(tiny_result, wall_seconds=99.0)
        assert store.write_run("exp", tiny, again) is False  # insert-if-absent: first row kept
        assert store.write_run("exp", tiny, dataclasses.replace(tiny_result, replication=1))
        assert {k.replication for k in store.existing_keys("exp")} == {0, 1}
        records = store.load_runs("exp")
        assert [r.replication for r in records] == [0, 1]
        assert records[0].wall_seconds == pytest.approx(tiny_result.wall_seconds)
        assert records[0].kpis["issues_collected"] == tiny_result.kpis["issues_collected"]
        assert list(store.list_runs()["replication"]) == [0, 1]
        store.save_experiment("exp", {"replications": 2})
        assert store.get_experiment("exp")["spec"] == {"replications": 2}
        assert store.delete_experiment("exp") == 2
        assert store.list_experiments().empty


def test_backend_names_are_registered_once() -> None:
    with pytest.raises(ValueError, match="registered under 'sqlite' already"):
        gridsim.store.register_backend("sqlite", MemoryBackend.open)


def test_an_unregistered_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidStoreURLError, match="unsupported store URL 'toymem://'"):
        Store("toymem://", "alpha")


def _is_module(name: str) -> bool:
    """Whether ``name`` is one of gridsim's modules or packages (not a name defined in one)."""
    if name == "gridsim":
        return True
    path = STORE_DIR.parent.joinpath(*name.removeprefix("gridsim.").split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imports(path: Path) -> set[str]:
    """Every ``gridsim`` module a file imports: at the top, in functions, type-only."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {f"{node.module}.{alias.name}" for alias in node.names}
            modules = {name for name in names if _is_module(name)}
            found |= modules
            if modules != names:  # a name defined in the module: the module itself
                found.add(node.module)
    return {name for name in found if name.split(".")[0] == "gridsim"}


def test_store_layer_imports_only_below_it_and_has_no_cycle() -> None:
    graph = {
        ("gridsim.store." + p.stem if p.stem != "__init__" else "gridsim.store"): _imports(p)
        for p in STORE_DIR.glob("*.py")
    }
    for module, imported in graph.items():
        above = {m for m in imported if not m.startswith("gridsim.store") and not _below(m)}
        assert not above, (module, above)
        if module != "gridsim.store":  # the package re-exports; its modules never import it
            assert "gridsim.store" not in imported, module

    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for nxt in sorted(graph.get(module, set()) & graph.keys()):
            assert seen.get(nxt) != 1, f"import cycle: {' -> '.join([*path, nxt])}"
            if nxt not in seen:
                visit(nxt, [*path, nxt])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])
