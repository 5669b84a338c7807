"""The results store on a real PostgreSQL server: each tenant a database and a role of its own.

The server is started for the session by :mod:`pg_server` (``initdb`` +
``pg_ctl`` in a temporary directory, 127.0.0.1 only, SCRAM passwords). Without
PostgreSQL binaries the tests are skipped, except under ``CI=true``, where
that is a failure: CI must exercise them.

Issue 13, point 2: tenant A (``alpha``) attacks tenant B (``beta``) with its
own credentials and raw SQL. :data:`ATTACKS` is the catalogue (reading B's
rows, names, counts and estimates; changing, deleting, locking; raising its
own rights; reaching other databases); each entry is run on a fresh
connection and must be refused (the error named) or show nothing of B, and
B's rows are checked unchanged after each. The attacks the issue found
working on the shared-table layout — ``LOCK TABLE`` blocking B, the advisory
lock of ``tenant create``, no connection limit, tenants' names in
``pg_roles`` / ``pg_stat_activity``, row counts in ``n_live_tup``, values in
``EXPLAIN`` estimates — have tests of their own besides.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.engine import make_url
from tests.gridsim_cli import in_process

import gridsim
import pg_server
from gridsim.model.kpis import RunResult
from gridsim.store import (
    PG_GROUP_ROLE,
    EncodedRun,
    SchemaMissingError,
    StoreError,
    TenantLimits,
    TenantMismatchError,
    encode_result,
    json_text,
)
from gridsim.store.base import Backend
from gridsim.store.postgres import ROLE_PREFIX, PostgresBackend
from gridsim.store.schema import PG_TABLES
from gridsim.store.workspace import Workspace, create_tenant

TINY = {
    "district.communities": 4,
    "district.households": 2000,
    "district.streets": 2,
    "simulation.days": 30,
}

PASSWORDS = {"alpha": "alpha-secret-1", "beta": "beta-secret-2"}


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.PgServer]:
    reason = pg_server.why_unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL cannot be started: {reason}")
        pytest.skip(reason)
    server = pg_server.start()
    yield server
    server.stop()


@dataclass
class Tenants:
    server: pg_server.PgServer
    infos: dict[str, Any]
    alpha: Workspace
    beta: Workspace
    scenario: gridsim.Scenario
    result: RunResult

    def role(self, tenant: str) -> str:
        return str(make_url(self.infos[tenant].store).username)

    def database(self, tenant: str) -> str:
        return str(make_url(self.infos[tenant].store).database)

    def connect(
        self, tenant: str, *, dbname: str | None = None, password: str | None = None
    ) -> psycopg.Connection:
        """A raw psycopg connection with a tenant's own credentials (to its database)."""
        info = self.server.conninfo(
            self.role(tenant), password or PASSWORDS[tenant], dbname or self.database(tenant)
        )
        return psycopg.connect(**info)

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(**self.server.conninfo("postgres", self.server.password, dbname))

    def beta_state(self) -> tuple[Any, ...]:
        """Beta's rows as the administrator sees them (to show an attack changed nothing)."""
        with self.admin(self.database("beta")) as con:
            runs = con.execute(
                "SELECT experiment, replication, seed, kpis::text FROM gridsim.runs ORDER BY 1, 2"
            ).fetchall()
            experiments = con.execute(
                "SELECT name, spec::text FROM gridsim.experiments ORDER BY 1"
            ).fetchall()
            meta = con.execute("SELECT key, value FROM gridsim.gridsim_meta ORDER BY 1").fetchall()
        return tuple(runs), tuple(experiments), tuple(meta)


@pytest.fixture(scope="module")
def tenants(pg: pg_server.PgServer) -> Iterator[Tenants]:
    infos = {name: create_tenant(pg.admin_url, name, pw) for name, pw in PASSWORDS.items()}
    scenario = gridsim.default_scenario().with_changes({**TINY, "name": "tiny"})
    result = gridsim.run_scenario(scenario, replication=0)
    alpha = Workspace("alpha", store=infos["alpha"].url_with_password())
    beta = Workspace("beta", store=infos["beta"].url_with_password())
    for r in range(3):
        assert alpha.write_run("shared", scenario, dataclasses.replace(result, replication=r))
    for r in (10, 11):
        assert beta.write_run("shared", scenario, dataclasses.replace(result, replication=r))
    beta.save_experiment("beta-only", {"secret": "beta's plan"})
    encoded = encode_result(result)
    beta.write_runs(
        "beta-secret-plan",
        [
            EncodedRun(
                scenario.content_hash(), r, "tiny", 2013, json_text(scenario.to_dict()), encoded
            )
            for r in range(200)
        ],
    )
    t = Tenants(pg, infos, alpha, beta, scenario, result)
    for tenant in ("alpha", "beta"):  # statistics as autovacuum would gather them
        with t.admin(t.database(tenant)) as con:
            con.execute("ANALYZE")
    yield t
    alpha.close()
    beta.close()


# -- the store works, scoped to the tenant ------------------------------------------------


def test_store_is_scoped_to_each_tenant(tenants: Tenants) -> None:
    a, b = tenants.alpha, tenants.beta
    assert a.store.dialect == "postgresql"
    assert isinstance(a.store.backend, PostgresBackend)
    assert isinstance(a.store.backend, Backend)  # the protocol the Store talks to
    assert "alpha-secret" not in a.location  # password hidden
    assert sorted(a.list_runs()["replication"]) == [0, 1, 2]
    assert sorted(b.list_runs("shared")["replication"]) == [10, 11]
    assert list(a.list_experiments()["name"]) == ["shared"]
    assert list(b.list_experiments()["name"]) == ["beta-only", "beta-secret-plan", "shared"]
    assert a.get_experiment("beta-only") is None
    assert {k.replication for k in a.existing_keys("shared")} == {0, 1, 2}
    records = a.load_runs("shared")
    assert [r.replication for r in records] == [0, 1, 2]
    assert records[0].scenario == tenants.scenario.to_dict()
    for name, value in tenants.result.kpis.items():
        assert records[0].kpis[name] == pytest.approx(value, nan_ok=True), name
    assert list(records[0].grids.columns) == list(tenants.result.grids.columns)
    assert records[0].daily["open"].tolist() == tenants.result.daily["open"].tolist()


def test_insert_if_absent_and_delete_on_postgres(tenants: Tenants) -> None:
    a, b = tenants.alpha, tenants.beta
    again = dataclasses.replace(tenants.result, replication=1)
    assert a.write_run("shared", tenants.scenario, again) is False
    assert len(a.list_runs("shared")) == 3
    # beta writing the same key keeps its own row: the tenant is part of the key.
    assert b.write_run("shared", tenants.scenario, again) is True
    assert b.store.delete_experiment("shared") == 3  # through gridsim.delete_experiment
    for r in (10, 11):
        b.write_run("shared", tenants.scenario, dataclasses.replace(tenants.result, replication=r))
    assert len(a.list_runs("shared")) == 3


def test_saving_an_experiment_replaces_its_spec(tenants: Tenants) -> None:
    a = tenants.alpha
    a.save_experiment("spec", {"v": 1})
    a.save_experiment("spec", {"v": 2})  # ON CONFLICT DO UPDATE of spec, updated_at only
    assert a.get_experiment("spec")["spec"] == {"v": 2}  # type: ignore[index]
    assert a.delete_experiment("spec") == 0
    assert a.get_experiment("spec") is None


def test_encoded_runs_on_postgres(tenants: Tenants) -> None:
    a, scenario = tenants.alpha, tenants.scenario
    encoded = encode_result(tenants.result)
    runs = [
        EncodedRun(
            scenario.content_hash(), r, scenario.name, 2013, json_text(scenario.to_dict()), encoded
        )
        for r in (0, 20, 21)
    ]
    assert a.write_runs("encoded", runs) == 3
    assert a.write_runs("encoded", runs[1:]) == 0  # kept, not replaced
    records = a.load_runs("encoded")
    assert [r.replication for r in records] == [0, 20, 21]
    assert records[1].scenario == scenario.to_dict()
    assert records[1].daily["open"].tolist() == tenants.result.daily["open"].tolist()
    with tenants.connect("alpha") as con:
        kinds = con.execute(
            "SELECT DISTINCT json_typeof(kpis), json_typeof(daily) FROM runs "
            "WHERE experiment = 'encoded'"
        ).fetchall()
    assert kinds == [("object", "object")]  # JSON documents, not JSON strings
    assert a.delete_experiment("encoded") == 3


# -- the layout ---------------------------------------------------------------------------


def test_each_tenant_has_its_own_database_and_an_opaque_role(tenants: Tenants) -> None:
    for tenant in ("alpha", "beta"):
        role, database = tenants.role(tenant), tenants.database(tenant)
        assert role == database and role.startswith(ROLE_PREFIX) and len(role) == 26
        assert "alpha" not in role and "beta" not in role  # names say nothing of the tenant
    assert tenants.database("alpha") != tenants.database("beta")
    with tenants.admin() as con:
        registry = dict(
            con.execute("SELECT tenant, database FROM gridsim_admin.tenants").fetchall()
        )
        assert registry["alpha"] == tenants.database("alpha")
        role = con.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, "
            "rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = %s",
            (tenants.role("alpha"),),
        ).fetchone()
        assert role == (False, False, False, False, False, True, TenantLimits().connection_limit)
        settings = con.execute(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
            "WHERE r.rolname = %s",
            (tenants.role("alpha"),),
        ).fetchone()[0]
        assert {"statement_timeout=5min", "lock_timeout=10s"} <= set(settings)
        assert "idle_in_transaction_session_timeout=1min" in settings
        # Who may connect where: PUBLIC nowhere, a tenant only to its own database.
        rows = con.execute(
            "SELECT datname, has_database_privilege(%s, datname, 'CONNECT'), "
            "has_database_privilege(%s, datname, 'TEMPORARY'), "
            "EXISTS (SELECT 1 FROM aclexplode(coalesce(datacl, acldefault('d', datdba))) a "
            "        WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') "
            "FROM pg_database WHERE datallowconn ORDER BY 1",
            (tenants.role("alpha"), tenants.role("alpha")),
        ).fetchall()
    reach = {name: connect for name, connect, _, _ in rows}
    assert [name for name, ok in reach.items() if ok] == [tenants.database("alpha")]
    assert not any(temp for _, connect, temp, _ in rows if connect)  # no temporary tables
    assert not any(public for _, _, _, public in rows)
    with tenants.admin(tenants.database("alpha")) as con:
        grants = con.execute(
            "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
            "FROM information_schema.role_table_grants "
            "WHERE grantee = %s GROUP BY 1 ORDER BY 1",
            (tenants.role("alpha"),),
        ).fetchall()
        assert grants == [
            ("experiments", "INSERT,SELECT"),
            ("gridsim_meta", "SELECT"),
            ("runs", "INSERT,SELECT"),
        ]  # no DELETE, TRUNCATE or table-wide UPDATE: nothing that allows LOCK TABLE
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.column_privileges "
            "WHERE grantee = %s AND privilege_type = 'UPDATE' ORDER BY 1, 2",
            (tenants.role("alpha"),),
        ).fetchall()
        assert columns == [("experiments", "spec"), ("experiments", "updated_at")]
        owners = con.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'gridsim'"
        ).fetchall()
        assert owners == [("postgres",)]
        function = con.execute(
            "SELECT prosecdef, proconfig, pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE proname = 'delete_experiment'"
        ).fetchone()
        assert function == (True, ["search_path=pg_catalog, pg_temp"], "postgres")
        stored = con.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (tenants.role("alpha"),)
        )
        assert stored.fetchone()[0].startswith("SCRAM-SHA-256$")


# -- the attack catalogue -----------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    """One raw-SQL attempt by alpha, on its own connection to its own database.

    Attributes:
        sql: The statement; ``{beta_db}``, ``{beta_role}``, ``{beta_pid}`` are filled in.
        refused: The error(s) the server must answer with; None if it runs.
        shows: For a statement that runs: a check of its rows (and the text of
            them) that holds only if nothing of beta's is in them.
        autocommit: Run outside a transaction block (statements that refuse one).
    """

    sql: str
    refused: type[Exception] | tuple[type[Exception], ...] | None = errors.InsufficientPrivilege
    shows: Callable[[list[tuple[Any, ...]], str], bool] | None = None
    autocommit: bool = False


def _nothing(rows: list[tuple[Any, ...]], _: str) -> bool:
    return rows == [] or rows == [(0,)] or rows == [(None,)]


def _no_tenant_names(_: list[tuple[Any, ...]], shown: str) -> bool:
    return "beta" not in shown and "alpha" not in shown


DENIED = errors.InsufficientPrivilege
RUNS = "gridsim.runs"
EXPERIMENTS = "gridsim.experiments"
NEW_RUN = (
    "INSERT INTO gridsim.runs (tenant_id, experiment, scenario_hash, replication, model_version,"
    " scenario_name, gridsim_version, seed, scenario, wall_seconds, created_at, kpis, daily,"
    " grids) VALUES (%s, %s, 'h', %s, 'm', 's', 'v', 1, '{}', 0, now(), '{}', '{}', '{}')"
)

ATTACKS: dict[str, Attack] = {
    # Reading beta's rows: they are not in alpha's database, and no query reaches another.
    "select beta's runs": Attack(f"SELECT * FROM {RUNS} WHERE tenant_id = 'beta'", None, _nothing),
    "select beta's experiment": Attack(
        f"SELECT * FROM {EXPERIMENTS} WHERE name = 'beta-only'", None, _nothing
    ),
    "count all runs": Attack(
        f"SELECT count(*) FROM {RUNS} WHERE tenant_id <> 'alpha'", None, _nothing
    ),
    "cross-database table reference": Attack(
        'SELECT * FROM "{beta_db}".gridsim.runs', errors.FeatureNotSupported
    ),
    "search_path to beta's schema": Attack(
        "SET search_path = gridsim; SELECT count(*) FROM runs WHERE tenant_id = 'beta'",
        None,
        _nothing,
    ),
    "the registry of tenants": Attack("SELECT * FROM gridsim_admin.tenants", errors.UndefinedTable),
    # Names of other tenants (roles, databases, sessions).
    "pg_roles": Attack("SELECT rolname FROM pg_roles"),
    "pg_user": Attack("SELECT usename FROM pg_user"),
    "pg_group": Attack("SELECT groname FROM pg_group"),
    "pg_auth_members": Attack("SELECT * FROM pg_auth_members"),
    "pg_authid": Attack("SELECT rolname FROM pg_authid"),
    "pg_shadow": Attack("SELECT usename FROM pg_shadow"),
    "pg_database": Attack("SELECT datname FROM pg_database"),
    "pg_db_role_setting": Attack("SELECT * FROM pg_db_role_setting"),
    "pg_shdepend": Attack("SELECT * FROM pg_shdepend"),
    "pg_shdescription": Attack("SELECT * FROM pg_shdescription"),
    "pg_stat_activity": Attack("SELECT usename, datname FROM pg_stat_activity"),
    "pg_stat_get_activity()": Attack("SELECT * FROM pg_stat_get_activity(NULL)"),
    "pg_stat_get_backend_userid()": Attack(
        "SELECT pg_stat_get_backend_userid(b) FROM pg_stat_get_backend_idset() b"
    ),
    "pg_get_userbyid()": Attack("SELECT pg_get_userbyid(oid) FROM generate_series(1, 20000) oid"),
    "pg_identify_object() of a role": Attack(
        "SELECT pg_identify_object('pg_authid'::regclass, 10, 0)"
    ),
    "pg_describe_object() of a database": Attack(
        "SELECT pg_describe_object('pg_database'::regclass, 1, 0)"
    ),
    "shobj_description()": Attack("SELECT shobj_description(1, 'pg_database')"),
    "oid::regrole enumeration": Attack(
        "SELECT string_agg(oid::regrole::text, ',') FROM generate_series(1, 100000) oid "
        "WHERE oid::regrole::text !~ '^[0-9]+$'",
        None,
        _no_tenant_names,
    ),
    "guess beta's role name": Attack("SELECT 'beta'::regrole", errors.UndefinedObject),
    "pg_has_role() on a guessed name": Attack(
        "SELECT pg_has_role('beta', 'member')", errors.UndefinedObject
    ),
    "information_schema roles": Attack(
        "SELECT string_agg(role_name, ',') FROM information_schema.applicable_roles",
        None,
        _no_tenant_names,
    ),
    "information_schema grants": Attack(
        "SELECT string_agg(grantee || grantor, ',') FROM information_schema.table_privileges",
        None,
        _no_tenant_names,
    ),
    "pg_locks": Attack("SELECT * FROM pg_locks"),
    "pg_lock_status()": Attack("SELECT * FROM pg_lock_status()"),
    "pg_blocking_pids()": Attack("SELECT pg_blocking_pids({beta_pid})"),
    "pg_prepared_xacts": Attack("SELECT * FROM pg_prepared_xacts"),
    "pg_replication_slots": Attack("SELECT * FROM pg_replication_slots"),
    "pg_stat_ssl": Attack("SELECT * FROM pg_stat_ssl"),
    # Row counts and sizes of other tenants.
    "pg_stat_database": Attack("SELECT datname, tup_inserted FROM pg_stat_database"),
    "pg_stat_get_db_tuples_inserted()": Attack(
        "SELECT pg_stat_get_db_tuples_inserted(oid) FROM generate_series(1, 20000) oid"
    ),
    "pg_stat_user_tables (n_live_tup)": Attack("SELECT n_live_tup FROM pg_stat_user_tables"),
    "pg_stat_all_tables": Attack("SELECT * FROM pg_stat_all_tables"),
    "pg_statio_user_tables": Attack("SELECT * FROM pg_statio_user_tables"),
    "pg_stat_get_live_tuples()": Attack(f"SELECT pg_stat_get_live_tuples('{RUNS}'::regclass)"),
    "pg_database_size() of beta": Attack("SELECT pg_database_size('{beta_db}')"),
    "pg_database_size() by oid": Attack(
        "SELECT pg_database_size(oid) FROM generate_series(16384, 20000) oid"
    ),
    "pg_tablespace_size()": Attack("SELECT pg_tablespace_size('pg_default')"),
    "pg_statistic": Attack("SELECT * FROM pg_statistic"),
    "reltuples is alpha's own count": Attack(
        f"SELECT reltuples FROM pg_class WHERE oid = '{RUNS}'::regclass",
        None,
        lambda rows, _: rows == [(3.0,)],
    ),
    "pg_stats": Attack("SELECT most_common_vals::text FROM pg_stats"),
    "the cluster's snapshot": Attack("SELECT txid_current_snapshot()"),
    "pg_current_snapshot()": Attack("SELECT pg_current_snapshot()"),
    "the WAL position": Attack("SELECT pg_current_wal_lsn()"),
    # Changing or deleting rows.
    "DELETE runs": Attack(f"DELETE FROM {RUNS}"),
    "DELETE beta's runs": Attack(f"DELETE FROM {RUNS} WHERE tenant_id = 'beta'"),
    "DELETE experiments": Attack(f"DELETE FROM {EXPERIMENTS}"),
    "DELETE in a DO block": Attack(f"DO $$BEGIN DELETE FROM {RUNS}; END$$"),
    "TRUNCATE runs": Attack(f"TRUNCATE {RUNS}"),
    "TRUNCATE experiments": Attack(f"TRUNCATE {EXPERIMENTS}"),
    "UPDATE runs": Attack(f"UPDATE {RUNS} SET seed = 1"),
    "UPDATE runs' KPIs": Attack(f"UPDATE {RUNS} SET kpis = '{{}}'::json"),
    "UPDATE an experiment's tenant": Attack(f"UPDATE {EXPERIMENTS} SET tenant_id = 'beta'"),
    "UPDATE an experiment's name": Attack(f"UPDATE {EXPERIMENTS} SET name = 'beta-only'"),
    "INSERT a run for beta": Attack(
        NEW_RUN.replace("%s, %s, 'h', %s", "'beta', 'x', 'h', 0"), errors.CheckViolation
    ),
    "INSERT an experiment for beta": Attack(
        f"INSERT INTO {EXPERIMENTS} (tenant_id, name, spec, created_at, updated_at) "
        "VALUES ('beta', 'planted', '{}', now(), now())",
        errors.CheckViolation,
    ),
    "rewrite the recorded tenant": Attack(
        "UPDATE gridsim.gridsim_meta SET value = 'beta' WHERE key = 'tenant'"
    ),
    "add to the meta table": Attack("INSERT INTO gridsim.gridsim_meta VALUES ('x', 'y')"),
    "delete the meta table": Attack("DELETE FROM gridsim.gridsim_meta"),
    "the delete function on beta's experiment": Attack(
        "SELECT gridsim.delete_experiment('beta-only')", None, _nothing
    ),
    "replace the delete function": Attack(
        "CREATE OR REPLACE FUNCTION gridsim.delete_experiment(experiment text) RETURNS bigint "
        "LANGUAGE sql AS 'SELECT 0::bigint'"
    ),
    "make the delete function SECURITY INVOKER": Attack(
        "ALTER FUNCTION gridsim.delete_experiment(text) SECURITY INVOKER"
    ),
    # Locks that would stop others.
    "LOCK runs ACCESS EXCLUSIVE": Attack(f"LOCK TABLE {RUNS} IN ACCESS EXCLUSIVE MODE"),
    "LOCK experiments": Attack(f"LOCK TABLE {EXPERIMENTS}"),
    "LOCK experiments SHARE": Attack(f"LOCK TABLE {EXPERIMENTS} IN SHARE MODE"),
    "LOCK the meta table": Attack("LOCK TABLE gridsim.gridsim_meta IN EXCLUSIVE MODE"),
    "LOCK pg_database": Attack("LOCK TABLE pg_catalog.pg_database IN ACCESS SHARE MODE"),
    "LOCK pg_authid": Attack("LOCK TABLE pg_catalog.pg_authid"),
    "SELECT pg_class FOR UPDATE": Attack("SELECT * FROM pg_class FOR UPDATE"),
    "pg_advisory_lock()": Attack("SELECT pg_advisory_lock(1734633828)"),
    "pg_advisory_xact_lock()": Attack("SELECT pg_advisory_xact_lock(1)"),
    "pg_try_advisory_lock()": Attack("SELECT pg_try_advisory_lock(1, 2)"),
    "pg_advisory_lock_shared()": Attack("SELECT pg_advisory_lock_shared(1)"),
    # Changing the rules.
    "drop the tenant check": Attack(f"ALTER TABLE {RUNS} DROP CONSTRAINT tenant_is_this_database"),
    "take the table": Attack(f"ALTER TABLE {RUNS} OWNER TO CURRENT_USER"),
    "disable triggers": Attack(f"ALTER TABLE {RUNS} DISABLE TRIGGER ALL"),
    "enable row security to lock beta out": Attack(f"ALTER TABLE {RUNS} ENABLE ROW LEVEL SECURITY"),
    "create a policy": Attack(f"CREATE POLICY everything ON {RUNS} USING (true)"),
    "create a table in gridsim": Attack("CREATE TABLE gridsim.sneaky (x int)"),
    "create a table in public": Attack("CREATE TABLE public.sneaky (x int)"),
    "create a temporary table": Attack("CREATE TEMP TABLE sneaky (x int)"),
    "create a schema": Attack("CREATE SCHEMA sneaky"),
    "create an extension (dblink)": Attack(
        "CREATE EXTENSION dblink", (DENIED, errors.UndefinedFile, errors.FeatureNotSupported)
    ),
    "create a role": Attack("CREATE ROLE sneaky LOGIN"),
    "create a database": Attack("CREATE DATABASE sneaky", autocommit=True),
    "become superuser": Attack("ALTER ROLE CURRENT_USER SUPERUSER"),
    "bypass row security": Attack("ALTER ROLE CURRENT_USER BYPASSRLS"),
    "lift its connection limit": Attack("ALTER ROLE CURRENT_USER CONNECTION LIMIT -1"),
    "join beta's role": Attack('GRANT "{beta_role}" TO CURRENT_USER'),
    "SET ROLE beta": Attack('SET ROLE "{beta_role}"'),
    "SET ROLE postgres": Attack("SET ROLE postgres"),
    "SET SESSION AUTHORIZATION": Attack('SET SESSION AUTHORIZATION "{beta_role}"'),
    "set_config('role')": Attack("SELECT set_config('role', 'postgres', false)"),
    "the group role holds nothing": Attack(f"SET ROLE {PG_GROUP_ROLE}; SELECT * FROM {RUNS}"),
    "change its database's settings": Attack(
        'ALTER DATABASE "{alpha_db}" SET statement_timeout = 0'
    ),
    "ALTER SYSTEM": Attack("ALTER SYSTEM SET max_connections = 5", autocommit=True),
    "reload the configuration": Attack("SELECT pg_reload_conf()"),
    # The server's files and other sessions.
    "read a server file": Attack("SELECT pg_read_file('PG_VERSION')"),
    "list the data folder": Attack("SELECT pg_ls_dir('.')"),
    "COPY to a server file": Attack(f"COPY {RUNS} TO '/tmp/gridsim-stolen'"),
    "COPY to a program": Attack("COPY (SELECT 1) TO PROGRAM 'id'"),
    "import a server file": Attack("SELECT lo_import('/etc/passwd')"),
    "terminate beta's session": Attack("SELECT pg_terminate_backend({beta_pid})"),
    "cancel beta's query": Attack("SELECT pg_cancel_backend({beta_pid})"),
}


@pytest.fixture(scope="module")
def beta_session(tenants: Tenants) -> Iterator[int]:
    """An open session of beta's (its pid), for attacks on other sessions."""
    with tenants.connect("beta") as con:
        yield int(con.execute("SELECT pg_backend_pid()").fetchone()[0])


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_by_alpha_fails(tenants: Tenants, beta_session: int, name: str) -> None:
    attack = ATTACKS[name]
    before = tenants.beta_state()
    statement = attack.sql
    for key, value in {
        "beta_db": tenants.database("beta"),
        "beta_role": tenants.role("beta"),
        "alpha_db": tenants.database("alpha"),
        "beta_pid": str(beta_session),
    }.items():
        statement = statement.replace("{" + key + "}", value)
    with tenants.connect("alpha") as con:
        con.autocommit = attack.autocommit
        if attack.refused is not None:
            with pytest.raises(attack.refused):
                con.execute(statement)
        else:
            cur = con.execute(statement)
            rows = cur.fetchall() if cur.description else []
            assert attack.shows is not None and attack.shows(rows, json.dumps(rows, default=str)), (
                rows
            )
        con.rollback()
    assert tenants.beta_state() == before
    assert not Path("/tmp/gridsim-stolen").exists()


def test_the_catalogue_is_complete() -> None:
    # 55 raw-SQL attempts failed on the shared layout; the catalogue holds more.
    assert len(ATTACKS) >= 55 + 6


@pytest.mark.parametrize(
    ("how", "needle"),
    [
        ("beta's database", "permission denied for database"),
        ("postgres", "permission denied for database"),
        ("template1", "permission denied for database"),
        ("template0", "not currently accepting connections"),
        ("beta's role", "password authentication failed"),
        ("the superuser", "password authentication failed"),
        ("replication", "must be superuser or replication role"),
    ],
)
def test_alpha_reaches_no_other_database(tenants: Tenants, how: str, needle: str) -> None:
    server, role = tenants.server, tenants.role("alpha")
    kwargs = server.conninfo(role, PASSWORDS["alpha"], tenants.database("alpha"))
    if how == "beta's database":
        kwargs["dbname"] = tenants.database("beta")
    elif how in ("postgres", "template1", "template0"):
        kwargs["dbname"] = how
    elif how == "beta's role":
        kwargs["user"] = tenants.role("beta")
    elif how == "the superuser":
        kwargs["user"] = "postgres"
    else:
        kwargs["replication"] = "database"
    with pytest.raises(psycopg.OperationalError, match=needle):
        psycopg.connect(**kwargs)


def test_workspace_refuses_another_tenants_credentials(tenants: Tenants) -> None:
    with pytest.raises(TenantMismatchError, match="store of tenant 'alpha', not of 'beta'"):
        Workspace("beta", store=tenants.infos["alpha"].url_with_password())
    # The superuser connected to alpha's database is not alpha.
    admin_to_alpha = make_url(tenants.server.admin_url).set(database=tenants.database("alpha"))
    with pytest.raises(TenantMismatchError, match="connected as role 'postgres'"):
        Workspace("alpha", store=admin_to_alpha.render_as_string(hide_password=False))
    with pytest.raises(StoreError, match="password authentication failed"):
        Workspace(
            "alpha",
            store=make_url(tenants.infos["alpha"].store)
            .set(password="wrong")
            .render_as_string(hide_password=False),
        )


# -- the attacks the issue found working on the shared layout ------------------------------


def test_alpha_cannot_block_beta_with_locks(tenants: Tenants) -> None:
    """Alpha holds every lock it may take, in an open transaction; beta's work goes on."""
    with tenants.connect("alpha") as con:
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute(f"LOCK TABLE {RUNS} IN ACCESS EXCLUSIVE MODE")
        con.rollback()
        con.execute(f"LOCK TABLE {RUNS} IN ROW EXCLUSIVE MODE")  # what INSERT allows
        con.execute(f"LOCK TABLE {EXPERIMENTS} IN ROW EXCLUSIVE MODE")
        con.execute(f"SELECT * FROM {EXPERIMENTS} FOR UPDATE")  # UPDATE (spec) allows row locks
        # Beta, meanwhile: a new experiment, its runs, and a delete.
        beta = tenants.beta
        beta.save_experiment("while-alpha-locks", {"v": 1})
        assert beta.write_run("while-alpha-locks", tenants.scenario, tenants.result)
        assert beta.delete_experiment("while-alpha-locks") == 1
        con.rollback()


def test_alpha_cannot_hold_up_tenant_create(tenants: Tenants) -> None:
    """tenant create locks its registry, which alpha can neither reach nor lock."""
    with tenants.connect("alpha") as con:
        for statement in ("SELECT pg_advisory_lock(1734633828)", "SELECT pg_advisory_lock(0)"):
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute(statement)
            con.rollback()
        con.execute(f"LOCK TABLE {RUNS} IN ROW EXCLUSIVE MODE")  # a transaction left open
        info = create_tenant(tenants.server.admin_url, "epsilon")
        assert info.created
        con.rollback()
    with Workspace("epsilon", store=info.url_with_password()) as ws:
        assert ws.list_runs().empty


def test_connection_limit(tenants: Tenants) -> None:
    info = create_tenant(
        tenants.server.admin_url, "limited", "limited-pw", limits=TenantLimits(connection_limit=2)
    )
    url = make_url(info.store)
    kwargs = tenants.server.conninfo(str(url.username), "limited-pw", str(url.database))
    held = [psycopg.connect(**kwargs) for _ in range(2)]
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections"):
            psycopg.connect(**kwargs)
        with pytest.raises(StoreError, match="connection limit"):
            Workspace("limited", store=info.url_with_password())
        with tenants.connect("beta") as con:  # other tenants are not affected
            assert con.execute("SELECT 1").fetchone() == (1,)
    finally:
        for con in held:
            con.close()
    with Workspace("limited", store=info.url_with_password()) as ws:
        assert ws.list_runs().empty


def test_timeouts(tenants: Tenants) -> None:
    with tenants.connect("alpha") as con:
        shown = [con.execute(f"SHOW {name}").fetchone()[0] for name in TenantLimits().settings()]
    assert shown == ["5min", "10s", "1min"]
    limits = TenantLimits(
        statement_timeout="300ms", lock_timeout="200ms", idle_in_transaction_session_timeout="400ms"
    )
    info = create_tenant(tenants.server.admin_url, "hasty", "hasty-pw", limits=limits)
    url = make_url(info.store)
    kwargs = tenants.server.conninfo(str(url.username), "hasty-pw", str(url.database))
    with psycopg.connect(**kwargs) as con:
        with pytest.raises(errors.QueryCanceled, match="statement timeout"):
            con.execute("SELECT pg_sleep(5)")
        con.rollback()
    insert = (
        "INSERT INTO experiments (name, spec, created_at, updated_at) "
        "VALUES ('same', '{}', now(), now())"
    )
    with psycopg.connect(**kwargs) as first, psycopg.connect(**kwargs) as second:
        first.execute(insert)  # holds the key, uncommitted
        with pytest.raises(errors.LockNotAvailable, match="lock timeout"):
            second.execute(insert)
        first.rollback()
    con = psycopg.connect(**kwargs)
    try:
        con.execute("SELECT 1")  # a transaction is open, and left idle
        time.sleep(1.0)
        with pytest.raises(psycopg.Error, match=r"idle-in-transaction|closed|terminat"):
            con.execute("SELECT 1")
    finally:
        con.close()


def test_explain_estimates_say_nothing_of_beta(tenants: Tenants) -> None:
    def estimate(tenant: str, value: str) -> float:
        with tenants.connect(tenant) as con:
            plan = con.execute(
                f"EXPLAIN (FORMAT JSON) SELECT * FROM {RUNS} WHERE experiment = %s", (value,)
            ).fetchone()[0]
        return float(plan[0]["Plan"]["Plan Rows"])

    # The probe works: in beta's own database the estimate tells its value from nonsense ...
    assert estimate("beta", "beta-secret-plan") > 10 * estimate("beta", "no-such-plan-x")
    # ... and in alpha's database beta's value is as unknown as nonsense.
    assert estimate("alpha", "beta-secret-plan") == estimate("alpha", "no-such-plan-x")


def test_delete_function_checks_the_tenant(tenants: Tenants) -> None:
    database = tenants.database("alpha")
    with tenants.admin() as con:
        con.autocommit = True
        con.execute("DROP ROLE IF EXISTS intruder")
        con.execute("CREATE ROLE intruder LOGIN PASSWORD 'intruder-pw'")
        con.execute(f'GRANT CONNECT ON DATABASE "{database}" TO intruder')
    with tenants.admin(database) as con:
        con.execute("GRANT USAGE ON SCHEMA gridsim TO intruder")
        con.execute("GRANT EXECUTE ON FUNCTION gridsim.delete_experiment(text) TO intruder")
        con.commit()
    try:
        with (
            psycopg.connect(**tenants.server.conninfo("intruder", "intruder-pw", database)) as con,
            pytest.raises(errors.InsufficientPrivilege, match="only the tenant"),
        ):
            con.execute("SELECT gridsim.delete_experiment('shared')")
    finally:
        with tenants.admin(database) as con:
            con.execute("REVOKE ALL ON FUNCTION gridsim.delete_experiment(text) FROM intruder")
            con.execute("REVOKE ALL ON SCHEMA gridsim FROM intruder")
            con.commit()
        with tenants.admin() as con:
            con.autocommit = True
            con.execute(f'REVOKE ALL ON DATABASE "{database}" FROM intruder')
            con.execute("DROP ROLE intruder")
    assert len(tenants.alpha.list_runs("shared")) == 3


# -- setting tenants up -------------------------------------------------------------------


def test_create_tenant_is_idempotent(tenants: Tenants) -> None:
    server = tenants.server
    again = create_tenant(server.admin_url, "alpha")
    assert again.created is False and again.password is None
    assert again.store == tenants.infos["alpha"].store
    assert server.password not in again.store and "alpha-secret" not in again.store
    with tenants.connect("alpha") as con:  # password unchanged, data intact
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)
    # A new password rotates the old one out.
    rotated = create_tenant(server.admin_url, "alpha", "alpha-rotated")
    assert rotated.password == "alpha-rotated" and rotated.created is False
    with pytest.raises(psycopg.OperationalError):
        tenants.connect("alpha")
    create_tenant(server.admin_url, "alpha", PASSWORDS["alpha"])
    with tenants.connect("alpha") as con:
        assert con.execute("SELECT current_user").fetchone() == (tenants.role("alpha"),)


def test_new_tenant_gets_generated_password(tenants: Tenants) -> None:
    info = create_tenant(tenants.server.admin_url, "gamma")
    assert info.created and info.password and len(info.password) >= 24
    with Workspace("gamma", store=info.url_with_password()) as gamma:
        assert gamma.list_runs().empty
        assert gamma.list_experiments().empty


def test_a_tenant_role_given_more_rights_is_refused(tenants: Tenants) -> None:
    info = create_tenant(tenants.server.admin_url, "widened", "w-pw")
    role = make_url(info.store).username
    with tenants.admin() as con:
        con.execute(f'ALTER ROLE "{role}" CREATEDB')
        con.commit()
    with pytest.raises(StoreError, match="more rights than a tenant's"):
        create_tenant(tenants.server.admin_url, "widened")
    with pytest.raises(ValueError, match="reserved"):
        create_tenant(tenants.server.admin_url, "postgres", "pw")


def test_only_a_superuser_sets_tenants_up(tenants: Tenants) -> None:
    with tenants.admin() as con:
        con.autocommit = True
        con.execute("DROP ROLE IF EXISTS helper")
        con.execute("CREATE ROLE helper LOGIN CREATEROLE CREATEDB PASSWORD 'helper-pw'")
        con.execute("GRANT CONNECT ON DATABASE postgres TO helper")
    try:
        with pytest.raises(StoreError, match="not a superuser"):
            create_tenant(tenants.server.url("helper", "helper-pw"), "zeta")
    finally:
        with tenants.admin() as con:
            con.autocommit = True
            con.execute("REVOKE ALL ON DATABASE postgres FROM helper")
            con.execute("DROP ROLE helper")


def test_other_roles_keep_their_databases(tenants: Tenants) -> None:
    """PUBLIC loses CONNECT on the cluster's other databases; roles that are not tenants keep it."""
    with tenants.admin() as con:
        con.autocommit = True
        con.execute("DROP DATABASE IF EXISTS appdb")
        con.execute("DROP ROLE IF EXISTS app")
        con.execute("CREATE ROLE app LOGIN PASSWORD 'app-pw'")
        con.execute("CREATE DATABASE appdb")  # PUBLIC may connect, as to any new database
    info = create_tenant(tenants.server.admin_url, "eta", "eta-pw")
    assert any("'appdb'" in note and "app" in note for note in info.notes), info.notes
    with psycopg.connect(**tenants.server.conninfo("app", "app-pw", "appdb")) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)
    url = make_url(info.store)
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(**tenants.server.conninfo(str(url.username), "eta-pw", "appdb"))


def test_unprepared_database_is_reported(tenants: Tenants) -> None:
    with tenants.admin() as con:
        con.autocommit = True
        con.execute("DROP DATABASE IF EXISTS unprepared")
        con.execute("CREATE DATABASE unprepared")
    url = make_url(tenants.server.admin_url).set(database="unprepared")
    with pytest.raises(SchemaMissingError, match="gridsim tenant create alpha"):
        Workspace("alpha", store=url.render_as_string(hide_password=False))


def test_old_shared_layout_is_refused_and_its_rows_copied(tenants: Tenants) -> None:
    """A store of the old layout says what to do; tenant create moves the tenant's rows."""
    with tenants.admin() as con:
        con.autocommit = True
        con.execute("DROP DATABASE IF EXISTS oldstore")
        con.execute("CREATE DATABASE oldstore")
    old_admin = make_url(tenants.server.admin_url).set(database="oldstore")
    from sqlalchemy import create_engine

    engine = create_engine(old_admin)
    with engine.begin() as conn:  # the old layout: one schema, every tenant's rows
        conn.exec_driver_sql("CREATE SCHEMA gridsim")
        ddl = conn.execution_options(schema_translate_map={None: "gridsim"})
        PG_TABLES.experiments.create(ddl)
        PG_TABLES.runs.create(ddl)
    engine.dispose()
    with tenants.admin("oldstore") as con:
        for tenant, reps in (("legacy", (0, 1)), ("other", (5,))):
            con.execute(
                "INSERT INTO gridsim.experiments VALUES (%s, 'old', '{\"v\": 1}', now(), now())",
                (tenant,),
            )
            for r in reps:
                con.execute(NEW_RUN, (tenant, "old", r))
        con.commit()
    old = old_admin.render_as_string(hide_password=False)
    with pytest.raises(SchemaMissingError, match="old shared layout"):
        Workspace("legacy", store=old)
    info = create_tenant(old, "legacy", "legacy-pw")
    assert any("copied 1 experiment(s) and 2 run(s)" in note for note in info.notes), info.notes
    with Workspace("legacy", store=info.url_with_password()) as ws:
        assert sorted(ws.list_runs("old")["replication"]) == [0, 1]
        assert ws.get_experiment("old")["spec"] == {"v": 1}  # type: ignore[index]


# -- credentials on the command line (point 5) -------------------------------------------


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``gridsim ARGS`` in-process: (exit code, stdout, stderr)."""
    code, out, err = in_process(list(args), env=env, stdin=stdin)
    assert "Traceback" not in err, err
    return code, out, err


@pytest.fixture
def pgpass(tenants: Tenants, tmp_path: Path) -> dict[str, str]:
    """The administrator's password in a 0600 pgpass file, as the docs say to keep it."""
    path = tmp_path / "pgpass"
    path.write_text(f"127.0.0.1:{tenants.server.port}:*:postgres:{tenants.server.password}\n")
    path.chmod(0o600)
    return {"PGPASSFILE": str(path)}


def admin_store(tenants: Tenants) -> str:
    return f"postgresql://postgres@127.0.0.1:{tenants.server.port}/postgres"


def test_tenant_create_prints_a_generated_password_once(
    tenants: Tenants, pgpass: dict[str, str]
) -> None:
    code, out, err = run_cli(
        "tenant", "create", "theta", "--store", admin_store(tenants), env=pgpass
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    url = lines[0].split(": ", 1)[1]
    password = lines[1].rsplit(": ", 1)[1]
    assert "shown this once" in lines[1] and len(password) >= 24
    theta = make_url(url).set(password=password).render_as_string(hide_password=False)
    with Workspace("theta", store=theta) as ws:
        assert ws.list_runs().empty
    code, out, err = run_cli(
        "tenant", "create", "theta", "--store", admin_store(tenants), env=pgpass
    )
    assert code == 0 and "ready" in out and password not in out and "password" not in out


def test_tenant_create_writes_a_service_file(
    tenants: Tenants, pgpass: dict[str, str], tmp_path: Path
) -> None:
    service = tmp_path / "svc" / "pg_service.conf"
    code, out, err = run_cli(
        "tenant", "create", "iota", "--store", admin_store(tenants),
        "--password-file", "-", "--service-file", str(service),
        stdin="iota-from-stdin\n", env=pgpass,
    )  # fmt: skip
    assert code == 0, err
    assert "iota-from-stdin" not in out and "postgresql:///?service=gridsim_iota" in out
    assert stat.S_IMODE(service.stat().st_mode) == 0o600
    text = service.read_text()
    assert "[gridsim_iota]" in text and "password=iota-from-stdin" in text
    env = {"PGSERVICEFILE": str(service)}
    code, out, err = run_cli(
        "runs",
        "list",
        "--tenant",
        "iota",
        "--store",
        "postgresql:///?service=gridsim_iota",
        env=env,
    )
    assert (code, out.strip()) == (0, "no runs"), err
    # A second tenant in the same file; rerunning keeps the first's password.
    code, _, err = run_cli(
        "tenant",
        "create",
        "kappa",
        "--store",
        admin_store(tenants),
        "--service-file",
        str(service),
        env=pgpass,
    )
    assert code == 0, err
    code, _, err = run_cli(
        "tenant",
        "create",
        "iota",
        "--store",
        admin_store(tenants),
        "--service-file",
        str(service),
        env=pgpass,
    )
    assert code == 0, err
    text = service.read_text()
    assert "[gridsim_kappa]" in text and "password=iota-from-stdin" in text
    code, out, err = run_cli(
        "experiments",
        "list",
        "--tenant",
        "iota",
        "--store",
        "postgresql:///?service=gridsim_iota",
        env=env,
    )
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--password", "hunter2"], "--password: a password on the command line"),
        (["--store", "postgresql://postgres:hunter2@127.0.0.1:1/postgres"], "postgres:***@"),
        (["--password-file", "{loose}"], "mode 0644, which lets group and others in"),
        (["--password-file", "{empty}"], "no password on its first line"),
        (["--service-file", "{loose}"], "mode 0644"),
    ],
)
def test_passwords_never_on_the_command_line(
    tenants: Tenants, pgpass: dict[str, str], tmp_path: Path, args: list[str], needle: str
) -> None:
    loose, empty = tmp_path / "loose", tmp_path / "empty"
    loose.write_text("pw\n")
    loose.chmod(0o644)
    empty.write_text("\n")
    empty.chmod(0o600)
    args = [a.format(loose=loose, empty=empty) for a in args]
    store = [] if "--store" in args else ["--store", admin_store(tenants)]
    code, _, err = run_cli("tenant", "create", "lambda_", *store, *args, env=pgpass)
    assert code == 2 and needle in err and "hunter2" not in err, err
    assert err.count("\n") == 1
    with tenants.admin() as con:  # nothing was created
        assert (
            con.execute("SELECT 1 FROM gridsim_admin.tenants WHERE tenant = 'lambda_'").fetchone()
            is None
        )
    assert stat.S_IMODE(loose.stat().st_mode) == 0o644
