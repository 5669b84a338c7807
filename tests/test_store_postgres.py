"""The results store on a real PostgreSQL server: tenant isolation by row-level security.

The server is started for the session by :mod:`pg_server` (``initdb`` +
``pg_ctl`` in a temporary directory, 127.0.0.1 only, SCRAM passwords). Without
PostgreSQL binaries the tests are skipped, except under ``CI=true``, where
that is a failure: CI must exercise them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import errors

import gridsim
import pg_server
from gridsim.model.kpis import RunResult
from gridsim.store import (
    PG_GROUP_ROLE,
    EncodedRun,
    SchemaMissingError,
    StoreError,
    TenantMismatchError,
    encode_result,
    json_text,
)
from gridsim.store.base import Backend
from gridsim.store.postgres import PostgresBackend
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
    alpha: Workspace
    beta: Workspace
    scenario: gridsim.Scenario
    result: RunResult

    def connect(self, user: str, password: str | None = None) -> psycopg.Connection:
        """A raw psycopg connection with a role's own credentials."""
        secret = password or (self.server.password if user == "postgres" else PASSWORDS[user])
        return psycopg.connect(**self.server.conninfo(user, secret))

    def admin(self) -> psycopg.Connection:
        return self.connect("postgres")


@pytest.fixture(scope="module")
def tenants(pg: pg_server.PgServer) -> Iterator[Tenants]:
    for name, password in PASSWORDS.items():
        create_tenant(pg.admin_url, name, password)
    scenario = gridsim.default_scenario().with_changes({**TINY, "name": "tiny"})
    result = gridsim.run_scenario(scenario, replication=0)
    alpha = Workspace("alpha", store=pg.url("alpha", PASSWORDS["alpha"]))
    beta = Workspace("beta", store=pg.url("beta", PASSWORDS["beta"]))
    for r in range(3):
        assert alpha.write_run("shared", scenario, dataclasses.replace(result, replication=r))
    for r in (10, 11):
        assert beta.write_run("shared", scenario, dataclasses.replace(result, replication=r))
    beta.save_experiment("beta-only", {"secret": "beta's plan"})
    yield Tenants(pg, alpha, beta, scenario, result)
    alpha.close()
    beta.close()


def test_store_is_scoped_to_each_tenant(tenants: Tenants) -> None:
    a, b = tenants.alpha, tenants.beta
    assert a.store.dialect == "postgresql"
    assert isinstance(a.store.backend, PostgresBackend)
    assert isinstance(a.store.backend, Backend)  # the protocol the Store talks to
    assert "alpha-secret" not in a.location  # password hidden
    assert sorted(a.list_runs()["replication"]) == [0, 1, 2]
    assert sorted(b.list_runs()["replication"]) == [10, 11]
    assert list(a.list_experiments()["name"]) == ["shared"]
    assert list(b.list_experiments()["name"]) == ["beta-only", "shared"]
    assert a.get_experiment("beta-only") is None
    assert {k.replication for k in a.existing_keys("shared")} == {0, 1, 2}
    records = a.load_runs("shared")
    assert [r.replication for r in records] == [0, 1, 2]
    assert records[0].scenario == tenants.scenario.to_dict()
    for name, value in tenants.result.kpis.items():
        assert records[0].kpis[name] == pytest.approx(value, nan_ok=True), name
    assert list(records[0].grids.columns) == list(tenants.result.grids.columns)
    assert records[0].daily["open"].tolist() == tenants.result.daily["open"].tolist()


def test_insert_if_absent_on_postgres(tenants: Tenants) -> None:
    a = tenants.alpha
    again = dataclasses.replace(tenants.result, replication=1)
    assert a.write_run("shared", tenants.scenario, again) is False
    assert len(a.list_runs("shared")) == 3
    # beta writing the same key keeps its own row: the tenant is part of the key.
    assert tenants.beta.write_run("shared", tenants.scenario, again) is True
    assert tenants.beta.store.delete_experiment("shared") == 3
    for r in (10, 11):
        tenants.beta.write_run(
            "shared", tenants.scenario, dataclasses.replace(tenants.result, replication=r)
        )
    assert len(a.list_runs("shared")) == 3


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


def test_raw_sql_sees_only_own_rows(tenants: Tenants) -> None:
    with tenants.connect("alpha") as con:
        rows = con.execute("SELECT * FROM runs").fetchall()
        assert len(rows) == 3
        assert {r[0] for r in rows} == {"alpha"}
        names = con.execute("SELECT tenant_id, name FROM gridsim.experiments").fetchall()
        assert names == [("alpha", "shared")]
        assert con.execute("SELECT count(*) FROM runs WHERE tenant_id = 'beta'").fetchone() == (0,)
    with tenants.admin() as con:  # both tenants' rows are there
        counts = dict(con.execute("SELECT tenant_id, count(*) FROM gridsim.runs GROUP BY 1"))
        assert counts == {"alpha": 3, "beta": 2}


def test_cannot_change_other_tenants_rows(tenants: Tenants) -> None:
    with tenants.connect("alpha") as con:
        cur = con.execute("UPDATE experiments SET spec = '{}' WHERE tenant_id = 'beta'")
        assert cur.rowcount == 0
        assert con.execute("DELETE FROM runs WHERE tenant_id = 'beta'").rowcount == 0
        assert con.execute("DELETE FROM runs").rowcount == 3  # only its own rows
        assert con.execute("DELETE FROM experiments WHERE name = 'beta-only'").rowcount == 0
        con.rollback()
        # Stored results are never rewritten: no UPDATE on runs at all, even of one's own.
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute("UPDATE runs SET seed = 1")
    with tenants.admin() as con:
        assert con.execute("SELECT count(*) FROM gridsim.runs").fetchone() == (5,)
        spec = con.execute("SELECT spec::text FROM gridsim.experiments WHERE name = 'beta-only'")
        assert "beta's plan" in spec.fetchone()[0]


def test_cannot_insert_rows_for_another_tenant(tenants: Tenants) -> None:
    with tenants.connect("alpha") as con:
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute(
                "INSERT INTO experiments (tenant_id, name, spec, created_at, updated_at) "
                "VALUES ('beta', 'planted', '{}', now(), now())"
            )
        con.rollback()
        # Without tenant_id the column defaults to the connected role.
        con.execute(
            "INSERT INTO experiments (name, spec, created_at, updated_at) "
            "VALUES ('mine', '{}', now(), now())"
        )
        owner = con.execute("SELECT tenant_id FROM experiments WHERE name = 'mine'").fetchone()
        assert owner == ("alpha",)
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("UPDATE experiments SET tenant_id = 'beta' WHERE name = 'mine'")
        con.rollback()


def test_settings_and_roles_do_not_widen_access(tenants: Tenants) -> None:
    with tenants.connect("alpha") as con:
        con.autocommit = True
        # Custom settings are not what the policy checks: nothing changes.
        for setting in ("gridsim.tenant", "app.tenant", "app.current_tenant"):
            con.execute(f"SET {setting} = 'beta'")
        assert con.execute("SELECT DISTINCT tenant_id FROM runs").fetchall() == [("alpha",)]
        # alpha is not a member of beta.
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied to set role"):
            con.execute("SET ROLE beta")
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute("SET SESSION AUTHORIZATION beta")
        # The group role carries no privileges: switching to it only loses access.
        con.execute(f"SET ROLE {PG_GROUP_ROLE}")
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
            con.execute("SELECT * FROM gridsim.runs")
        con.execute("RESET ROLE")
        # Asking to skip row security is refused rather than obeyed.
        con.execute("SET row_security = off")
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            con.execute("SELECT * FROM runs")
        con.execute("RESET row_security")
        assert con.execute("SELECT current_user, session_user").fetchone() == ("alpha", "alpha")
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE runs DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE runs NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE experiments DISABLE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON runs",
        "CREATE POLICY everything ON runs USING (true)",
        "ALTER TABLE runs OWNER TO alpha",
        "ALTER ROLE alpha BYPASSRLS",
        "CREATE TABLE gridsim.sneaky (x int)",
        "GRANT beta TO alpha",
    ],
)
def test_cannot_disable_row_security(tenants: Tenants, statement: str) -> None:
    with tenants.connect("alpha") as con, pytest.raises(errors.InsufficientPrivilege):
        con.execute(statement)


def test_tenant_role_is_unprivileged(tenants: Tenants) -> None:
    with tenants.admin() as con:
        role = con.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, "
            "rolcanlogin FROM pg_roles WHERE rolname = 'alpha'"
        ).fetchone()
        assert role == (False, False, False, False, False, True)
        owners = con.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'gridsim'"
        ).fetchall()
        assert owners == [("postgres",)]
        rls = con.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relnamespace = 'gridsim'::regnamespace AND relkind = 'r' ORDER BY 1"
        ).fetchall()
        assert rls == [("experiments", True, True), ("runs", True, True)]
        grants = con.execute(
            "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
            "FROM information_schema.role_table_grants "
            "WHERE grantee = 'alpha' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert grants == [
            ("experiments", "DELETE,INSERT,SELECT,UPDATE"),
            ("runs", "DELETE,INSERT,SELECT"),
        ]
        stored = con.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'alpha'")
        assert stored.fetchone()[0].startswith("SCRAM-SHA-256$")


def test_credentials_matter(tenants: Tenants) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        tenants.connect("alpha", password="beta-secret-2")
    server = tenants.server
    with pytest.raises(Exception, match="password authentication failed"):
        Workspace("alpha", store=server.url("alpha", "wrong"))
    # beta's credentials do not open alpha's workspace, with or without a user in the URL.
    with pytest.raises(TenantMismatchError):
        Workspace("alpha", store=server.url("beta", PASSWORDS["beta"]))


def test_create_tenant_is_idempotent(tenants: Tenants) -> None:
    server = tenants.server
    again = create_tenant(server.admin_url, "alpha")
    assert again.created is False and again.password is None
    assert server.password not in again.store and "alpha-secret" not in again.store
    assert again.store == server.url("alpha", None)
    with tenants.connect("alpha") as con:  # password unchanged, data intact
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)
    with tenants.admin() as con:
        policies = con.execute(
            "SELECT tablename, roles::text[], qual, with_check FROM pg_policies "
            "WHERE schemaname = 'gridsim' ORDER BY 1"
        ).fetchall()
        assert [(t, r) for t, r, *_ in policies] == [
            ("experiments", [PG_GROUP_ROLE]),
            ("runs", [PG_GROUP_ROLE]),
        ]
        assert all("CURRENT_USER" in q and "CURRENT_USER" in c for _, _, q, c in policies)
    # A new password rotates the old one out.
    rotated = create_tenant(server.admin_url, "alpha", "alpha-rotated")
    assert rotated.password == "alpha-rotated" and rotated.created is False
    with pytest.raises(psycopg.OperationalError):
        tenants.connect("alpha")
    create_tenant(server.admin_url, "alpha", PASSWORDS["alpha"])
    with tenants.connect("alpha") as con:
        assert con.execute("SELECT current_user").fetchone() == ("alpha",)


def test_new_tenant_gets_generated_password(tenants: Tenants) -> None:
    info = create_tenant(tenants.server.admin_url, "gamma")
    assert info.created and info.password and len(info.password) >= 24
    with Workspace("gamma", store=info.url_with_password()) as gamma:
        assert gamma.list_runs().empty
        assert gamma.list_experiments().empty


def test_refuses_roles_that_are_not_tenants(tenants: Tenants) -> None:
    with tenants.admin() as con:
        con.execute("DROP ROLE IF EXISTS outsider")
        con.execute("CREATE ROLE outsider LOGIN PASSWORD 'x'")
        con.commit()
    with pytest.raises(StoreError, match="not a plain gridsim tenant role"):
        create_tenant(tenants.server.admin_url, "outsider", "new-password")
    with pytest.raises(ValueError, match="reserved"):
        create_tenant(tenants.server.admin_url, "postgres", "pw")


def test_unprepared_database_is_reported(tenants: Tenants) -> None:
    with tenants.admin() as con:
        con.autocommit = True
        con.execute("DROP DATABASE IF EXISTS unprepared")
        con.execute("CREATE DATABASE unprepared")
    url = tenants.server.url("alpha", PASSWORDS["alpha"], dbname="unprepared")
    with pytest.raises(SchemaMissingError, match="create_tenant"):
        Workspace("alpha", store=url)
