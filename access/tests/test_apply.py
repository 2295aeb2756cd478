"""apply on a small warehouse built by the tools' own identities: the file is edited and the
grants follow; what someone granted by hand is revoked; personal columns in a schema analysts
read are refused column by column; passwords and users follow the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from lana_access import postgres
from lana_access.config import AccessConfig, AccessConfigError, load, resolve_users
from psycopg import sql


@dataclass
class Small:
    dsn: str
    env: dict[str, str]
    file: Path
    config: AccessConfig

    def plan(self, config: AccessConfig | None = None, env=None) -> postgres.Plan:
        with psycopg.connect(self.dsn) as conn:
            return postgres.plan(conn, config or self.config, env or self.env)

    def apply(self, config: AccessConfig | None = None, env=None) -> postgres.Plan:
        with psycopg.connect(self.dsn) as conn:
            return postgres.apply(conn, config or self.config, env or self.env)

    def admin(self, *statements: str) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)


# The marts the financial report reads (roles.yml grants them to lana_reporting by name), as
# (columns, one row); fct_payments is a mart it does not read.
REPORT_MARTS = {
    "financial_summary": ("month_start date, deposits_usd numeric", "'2025-01-01', 1250.50"),
    "fct_balance_sheet": ("currency text, category text, balance numeric", "'USD', 'asset', 9"),
    "fct_income_statement": ("month_start date, currency text, amount numeric", "now(), 'USD', 2"),
    "fct_loan_portfolio": ("status text, principal_usd numeric", "'ACTIVE', 100"),
    "fct_loan_book_daily": ("day date, principal_usd numeric, cvl numeric", "now(), 100, 1.5"),
}
OTHER_MARTS = {"fct_payments": ("payment_id int, customer_id int, amount_usd numeric", "1, 1, 5")}


@pytest.fixture
def small(new_database, setup, login) -> Small:
    dsn = new_database()
    file = setup.write_file()
    warehouse = Small(dsn, setup.environ(), file, load(file))
    warehouse.apply()
    with login(dsn, "dbt") as dbt:
        dbt.execute(
            "create table dbt_lana_marts.dim_customers (customer_id int, email text, status text)"
        )
        dbt.execute(
            "insert into dbt_lana_marts.dim_customers values (1, 'ana@example.sv', 'ACTIVE')"
        )
        # Built after apply, as dbt does: the marts read by name are granted by apply's event
        # trigger, the moment they are created.
        for mart, (columns, row) in {**REPORT_MARTS, **OTHER_MARTS}.items():
            dbt.execute(f"create table dbt_lana_marts.{mart} ({columns})")
            dbt.execute(f"insert into dbt_lana_marts.{mart} values ({row})")
        dbt.execute(
            "create view dbt_lana_marts_masked.dim_customers as select customer_id, "
            "md5(email) as email_hash, status from dbt_lana_marts.dim_customers"
        )
    return warehouse


def shown(plan: postgres.Plan) -> list[str]:
    return [change.shown for change in plan.changes]


def test_a_small_warehouse_built_after_apply_needs_no_second_apply(small, login):
    assert small.plan().changes == []
    with login(small.dsn, "analyst") as analyst:
        assert analyst.execute(
            "select status from dbt_lana_marts_masked.dim_customers"
        ).fetchall() == [("ACTIVE",)]


def test_reporting_reads_the_financial_reports_marts_and_no_other(small, login, refused):
    with login(small.dsn, "generate_es_reports") as conn:
        for mart in REPORT_MARTS:
            assert conn.execute(f"select count(*) from dbt_lana_marts.{mart}").fetchone() == (1,)
        rows = conn.execute("select deposits_usd from dbt_lana_marts.financial_summary").fetchall()
        assert [str(r[0]) for r in rows] == ["1250.50"]
        # The schema is open to it, the other tables are not (personal data or not).
        for table in ("dim_customers", "fct_payments"):
            message = refused(conn, f"select count(*) from dbt_lana_marts.{table}")
            assert message == f"permission denied for table {table}"
        # It reads them, it cannot change them.
        message = refused(conn, "delete from dbt_lana_marts.fct_balance_sheet")
        assert message == "permission denied for table fct_balance_sheet"
        message = refused(conn, "create table dbt_lana_marts.mine (n int)")
        assert message == "permission denied for schema dbt_lana_marts"


def _rebuild_like_dbt(conn: psycopg.Connection, table: str) -> None:
    """dbt's table materialization on PostgreSQL: a new table under a temporary name, then
    swapped in; the old table (and any grant on it) is dropped."""
    conn.execute(f"create table dbt_lana_marts.{table}__dbt_tmp as table dbt_lana_marts.{table}")
    conn.execute(f"alter table dbt_lana_marts.{table} rename to {table}__dbt_backup")
    conn.execute(f"alter table dbt_lana_marts.{table}__dbt_tmp rename to {table}")
    conn.execute(f"drop table dbt_lana_marts.{table}__dbt_backup cascade")


def test_marts_dbt_rebuilds_stay_readable_by_name_without_apply(small, login, refused):
    """Default privileges are per schema and cannot grant one relation: apply's event trigger
    grants a relation read by name when dbt creates or renames it."""
    with login(small.dsn, "dbt") as dbt:
        for mart in [*REPORT_MARTS, *OTHER_MARTS]:
            _rebuild_like_dbt(dbt, mart)
    with login(small.dsn, "generate_es_reports") as conn:
        for mart in REPORT_MARTS:
            assert conn.execute(f"select count(*) from dbt_lana_marts.{mart}").fetchone() == (1,)
        message = refused(conn, "select count(*) from dbt_lana_marts.fct_payments")
        assert message == "permission denied for table fct_payments"
    assert small.plan().changes == []


def test_without_the_guard_a_mart_read_by_name_waits_for_apply(small, setup, login, refused):
    """The trigger needs a superuser to install: without it, a mart dbt rebuilds (or builds
    for the first time after apply) is not readable by name until the next apply."""
    reporting = setup.role("lana_reporting")
    small.admin(f"drop event trigger {postgres.GUARD_TRIGGER}")
    with login(small.dsn, "dbt") as dbt:
        _rebuild_like_dbt(dbt, "fct_balance_sheet")
        dbt.execute("drop table dbt_lana_marts.fct_loan_portfolio")
    with login(small.dsn, "generate_es_reports") as conn:
        message = refused(conn, "select count(*) from dbt_lana_marts.fct_balance_sheet")
        assert message == "permission denied for table fct_balance_sheet"
    plan = small.plan()
    assert shown(plan)[0] == (
        f'GRANT SELECT ON TABLE "dbt_lana_marts"."fct_balance_sheet" TO "{reporting}"'
    )
    assert (
        f"roles.{reporting}.read: dbt_lana_marts.fct_loan_portfolio does not exist (yet), "
        "nothing granted now (the guard grants it when dbt builds it; without the guard, the "
        "next apply)"
    ) in plan.notes
    small.apply()
    with login(small.dsn, "generate_es_reports") as conn:
        assert conn.execute("select count(*) from dbt_lana_marts.fct_balance_sheet").fetchone() == (
            1,
        )
    with login(small.dsn, "dbt") as dbt:  # the trigger is back: a new mart is granted at once
        columns, row = REPORT_MARTS["fct_loan_portfolio"]
        dbt.execute(f"create table dbt_lana_marts.fct_loan_portfolio ({columns})")
    with login(small.dsn, "generate_es_reports") as conn:
        assert conn.execute(
            "select count(*) from dbt_lana_marts.fct_loan_portfolio"
        ).fetchone() == (0,)


def _is_guard(statement: str) -> bool:
    return postgres.GUARD_SCHEMA in statement or postgres.GUARD_TRIGGER in statement


def test_editing_the_file_makes_the_grant_appear_and_disappear(small, setup, login, refused):
    reporting = setup.role("lana_reporting")
    wider = load(
        setup.write_file(
            lambda text: text.replace(
                "      - dbt_lana_marts.fct_loan_book_daily\n",
                "      - dbt_lana_marts.fct_loan_book_daily\n      - dbt_lana_marts.fct_payments\n",
            ),
            name="wider.yml",
        )
    )
    with login(small.dsn, "generate_es_reports") as conn:
        message = refused(conn, "select * from dbt_lana_marts.fct_payments")
        assert message == "permission denied for table fct_payments"

    # The grant, and the event trigger again (what it grants by name changed).
    plan = shown(small.plan(wider))
    assert [s for s in plan if not _is_guard(s)] == [
        f'GRANT SELECT ON TABLE "dbt_lana_marts"."fct_payments" TO "{reporting}"',
    ]
    assert len(plan) == 6 and plan[-1].startswith("CREATE EVENT TRIGGER")
    small.apply(wider)
    with login(small.dsn, "generate_es_reports") as conn:
        rows = conn.execute("select amount_usd from dbt_lana_marts.fct_payments").fetchall()
        assert [str(r[0]) for r in rows] == ["5"]
        # The table next to it is still refused.
        message = refused(conn, "select * from dbt_lana_marts.dim_customers")
        assert message == "permission denied for table dim_customers"
    assert small.plan(wider).changes == []

    plan = shown(small.plan())  # the file as committed
    assert [s for s in plan if not _is_guard(s)] == [
        f'REVOKE SELECT ON TABLE "dbt_lana_marts"."fct_payments" FROM "{reporting}"',
    ]
    small.apply()
    with login(small.dsn, "generate_es_reports") as conn:
        message = refused(conn, "select * from dbt_lana_marts.fct_payments")
        assert message == "permission denied for table fct_payments"
        assert conn.execute("select count(*) from dbt_lana_marts.financial_summary").fetchone() == (
            1,
        )
    assert small.plan().changes == []


def test_a_role_removed_from_the_file_loses_its_grants(small, setup, login, refused):
    def without_reporting(text: str) -> str:
        start = text.index("  lana_reporting:")
        end = text.index("  lana_loader:")
        text = text[:start] + text[end:]
        start = text.index("  generate_es_reports:")
        end = text.index("  engineer:")
        return text[:start] + text[end:]

    smaller = load(setup.write_file(without_reporting, name="smaller.yml"))
    reporting = setup.role("lana_reporting")
    plan = small.plan(smaller)
    assert f'REVOKE USAGE ON SCHEMA "dbt_lana_reports" FROM "{reporting}"' in shown(plan)
    assert (
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{setup.role("lana_transformer")}" IN SCHEMA '
        f'"dbt_lana_reports" REVOKE SELECT ON TABLES FROM "{reporting}"'
    ) in shown(plan)
    small.apply(smaller)
    with psycopg.connect(small.dsn) as conn:
        can = conn.execute(
            "select has_schema_privilege(%s, 'dbt_lana_reports', 'USAGE')", (reporting,)
        ).fetchone()[0]
        assert can is False
    # Its login is no longer managed; it keeps its membership in a role that has nothing.
    with login(small.dsn, "generate_es_reports") as conn:
        message = refused(conn, "select count(*) from dbt_lana_reports.anything")
        assert message == "permission denied for schema dbt_lana_reports"
    small.apply()  # back to the file, for the other tests


def test_what_someone_granted_by_hand_is_revoked(small, setup, login, refused):
    analyst_role, analyst = setup.role("lana_analyst"), setup.user("analyst")
    small.admin(
        "grant usage on schema dbt_lana_marts to public",
        "grant select on dbt_lana_marts.dim_customers to public",
        f'grant select (email) on dbt_lana_marts.dim_customers to "{setup.role("lana_reporting")}"',
        f'grant "{setup.role("lana_engineer")}" to "{analyst}"',
        f'grant pg_read_all_data to "{analyst_role}"',
        f'alter default privileges for role "{setup.role("lana_transformer")}" '
        f'in schema dbt_lana_marts grant select on tables to "{analyst_role}"',
    )
    with login(small.dsn, "analyst") as conn:  # the leak is real
        assert conn.execute("select email from dbt_lana_marts.dim_customers").fetchone() == (
            "ana@example.sv",
        )
    plan = shown(small.plan())
    for statement in [
        'REVOKE USAGE ON SCHEMA "dbt_lana_marts" FROM PUBLIC',
        'REVOKE SELECT ON TABLE "dbt_lana_marts"."dim_customers" FROM PUBLIC',
        f'REVOKE SELECT ("email") ON TABLE "dbt_lana_marts"."dim_customers" FROM '
        f'"{setup.role("lana_reporting")}"',
        f'REVOKE "{setup.role("lana_engineer")}" FROM "{analyst}"',
        f'REVOKE "pg_read_all_data" FROM "{analyst_role}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{setup.role("lana_transformer")}" IN SCHEMA '
        f'"dbt_lana_marts" REVOKE SELECT ON TABLES FROM "{analyst_role}"',
    ]:
        assert statement in plan
    assert len(plan) == 6
    small.apply()
    with login(small.dsn, "analyst") as conn:
        message = refused(conn, "select email from dbt_lana_marts.dim_customers")
        assert message == "permission denied for schema dbt_lana_marts"
    assert small.plan().changes == []


def test_personal_columns_where_analysts_read_are_refused_column_by_column(
    small, setup, login, refused
):
    """dbt builds a view with a personal column where analysts read: the guard (an event
    trigger apply installed) turns the default grant into column grants at once, in dbt's own
    transaction; apply agrees and has nothing to change."""
    with login(small.dsn, "dbt") as dbt:
        dbt.execute(
            "create view dbt_lana_marts_masked.customer_contacts as "
            "select customer_id, email, status from dbt_lana_marts.dim_customers"
        )
    analyst_role = setup.role("lana_analyst")
    with login(small.dsn, "analyst") as conn:
        rows = conn.execute(
            "select customer_id, status from dbt_lana_marts_masked.customer_contacts"
        ).fetchall()
        assert rows == [(1, "ACTIVE")]
        for query in [
            "select email from dbt_lana_marts_masked.customer_contacts",
            "select * from dbt_lana_marts_masked.customer_contacts",
            "select count(*) from dbt_lana_marts_masked.customer_contacts where email like 'a%'",
        ]:
            assert refused(conn, query) == "permission denied for view customer_contacts"
    with login(small.dsn, "engineer") as conn:  # engineers see personal data
        assert conn.execute(
            "select email from dbt_lana_marts_masked.customer_contacts"
        ).fetchone() == ("ana@example.sv",)
    plan = small.plan()
    assert (
        f"dbt_lana_marts_masked.customer_contacts: personal column(s) email withheld from "
        f"{analyst_role}, which gets the other columns only"
    ) in plan.notes
    assert plan.changes == []
    # A column added later is caught the same way.
    with login(small.dsn, "dbt") as dbt:
        dbt.execute("create table dbt_lana_marts_masked.notes (customer_id int)")
        dbt.execute("alter table dbt_lana_marts_masked.notes add column phone text")
    with login(small.dsn, "analyst") as conn:
        assert conn.execute("select customer_id from dbt_lana_marts_masked.notes").fetchall() == []
        assert refused(conn, "select phone from dbt_lana_marts_masked.notes") == (
            "permission denied for table notes"
        )
    assert small.plan().changes == []


def test_without_the_guard_apply_still_refuses_personal_columns(small, setup, login, refused):
    """If the event trigger is gone (or the admin could not install it), the default grant
    gives the whole view until apply, which then narrows it to column grants."""
    small.admin(f"drop event trigger {postgres.GUARD_TRIGGER}")
    with login(small.dsn, "dbt") as dbt:
        dbt.execute(
            "create view dbt_lana_marts_masked.customer_contacts as "
            "select customer_id, email, status from dbt_lana_marts.dim_customers"
        )
    analyst_role = setup.role("lana_analyst")
    planned = shown(small.plan())
    assert planned[:2] == [
        f'REVOKE SELECT ON TABLE "dbt_lana_marts_masked"."customer_contacts" FROM "{analyst_role}"',
        f'GRANT SELECT ("customer_id", "status") ON TABLE '
        f'"dbt_lana_marts_masked"."customer_contacts" TO "{analyst_role}"',
    ]
    assert planned[-1].startswith(f'CREATE EVENT TRIGGER "{postgres.GUARD_TRIGGER}"')
    small.apply()
    with login(small.dsn, "analyst") as conn:
        assert refused(conn, "select email from dbt_lana_marts_masked.customer_contacts") == (
            "permission denied for view customer_contacts"
        )
    assert small.plan().changes == []


def test_a_new_password_is_set_and_never_shown(small, setup):
    env = dict(small.env, LANA_DW_ANALYST_PASSWORD="a-brand-new-secret-123")
    plan = small.plan(env=env)
    analyst = setup.user("analyst")
    assert shown(plan) == [
        f"ALTER ROLE \"{analyst}\" PASSWORD '***' /* from $LANA_DW_ANALYST_PASSWORD */"
    ]
    assert "a-brand-new-secret-123" not in plan.text()
    assert "a-brand-new-secret-123" not in repr(plan.changes)
    small.apply(env=env)
    with psycopg.connect(small.dsn) as conn:
        stored = conn.execute(
            "select rolpassword from pg_authid where rolname = %s", (analyst,)
        ).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$")
    assert "a-brand-new-secret-123" not in stored
    (user,) = [u for u in resolve_users(small.config, env)[0] if u.key == "analyst"]
    assert postgres.password_matches(stored, user)
    assert small.plan(env=env).changes == []
    small.apply()  # the run's own password again


def test_a_user_left_out_of_the_environment_loses_its_membership(small, setup):
    env = {k: v for k, v in small.env.items() if k != "LANA_DW_ANALYST_USER"}
    plan = small.plan(env=env)
    assert (
        "users.analyst: LANA_DW_ANALYST_USER is not set, no login user for "
        + setup.role("lana_analyst")
        in plan.notes
    )
    assert shown(plan) == [f'REVOKE "{setup.role("lana_analyst")}" FROM "{setup.user("analyst")}"']
    small.apply()


def test_the_admin_identity_cannot_be_one_of_the_users(small):
    env = dict(small.env, LANA_DW_ENGINEER_USER="postgres")
    with pytest.raises(AccessConfigError, match="LANA_DW_ENGINEER_USER='postgres' is the identity"):
        small.plan(env=env)


def test_a_warehouse_built_before_access_control_is_handed_to_the_tools(
    new_database, setup, login, refused
):
    """dbt ran as the admin before: apply makes the tool roles own their schemas and what is
    in them (dropping the grants that ownership makes implicit), and the tools can go on."""
    dsn = new_database()
    transformer = setup.role("lana_transformer")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("create schema dbt_lana_marts")
        conn.execute("create schema dbt_lana_marts_masked")
        conn.execute(
            "create table dbt_lana_marts.dim_customers as select 1 as customer_id, "
            "'ana@example.sv' as email"
        )
        conn.execute(
            "create view dbt_lana_marts_masked.dim_customers as select customer_id, "
            "md5(email) as email_hash from dbt_lana_marts.dim_customers"
        )
    file = setup.write_file()
    warehouse = Small(dsn, setup.environ(), file, load(file))
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Roles exist (another test of this run may have made them); grant the future owner.
        warehouse.apply()
        conn.execute("alter schema dbt_lana_marts owner to postgres")
        conn.execute("alter table dbt_lana_marts.dim_customers owner to postgres")
        conn.execute(f'grant select on dbt_lana_marts.dim_customers to "{transformer}"')
    planned = shown(warehouse.plan())
    assert planned[:2] == [
        f'ALTER SCHEMA "dbt_lana_marts" OWNER TO "{transformer}"',
        f'ALTER TABLE "dbt_lana_marts"."dim_customers" OWNER TO "{transformer}"',
    ]
    assert not [s for s in planned if "REVOKE" in s]
    warehouse.apply()
    assert warehouse.plan().changes == []
    with login(dsn, "dbt") as dbt:
        dbt.execute("drop table dbt_lana_marts.dim_customers cascade")
        dbt.execute(
            "create table dbt_lana_marts.dim_customers as select 2 as customer_id, "
            "'bo@example.sv' as email"
        )
        dbt.execute(
            "create view dbt_lana_marts_masked.dim_customers as select customer_id, "
            "md5(email) as email_hash from dbt_lana_marts.dim_customers"
        )
    with login(dsn, "analyst") as analyst:
        assert analyst.execute(
            "select customer_id from dbt_lana_marts_masked.dim_customers"
        ).fetchall() == [(2,)]
        assert (
            refused(analyst, "select * from dbt_lana_marts.dim_customers")
            == "permission denied for schema dbt_lana_marts"
        )


def test_apply_is_one_transaction(new_database, setup, pg_admin_dsn):
    """A non-superuser admin may create roles and set their per-database settings but not hand
    schemas to roles it is not a member of (PostgreSQL wants membership): apply fails there,
    and the settings it made before are gone too."""
    admin = f"{setup.prefix}_u_admin"
    dsn = new_database()
    with psycopg.connect(pg_admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("create role {} login createrole").format(sql.Identifier(admin)))
        database = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
        conn.execute(
            sql.SQL("alter database {} owner to {}").format(
                sql.Identifier(database), sql.Identifier(admin)
            )
        )
    config = load(setup.write_file())
    with psycopg.connect(dsn, user=admin) as conn:
        plan = postgres.plan(conn, config, setup.environ())
        conn.rollback()
        assert any("passwords of existing users not checked" in n for n in plan.notes)
        planned = shown(plan)
        setting = (
            f'ALTER ROLE "{setup.user("dbt")}" IN DATABASE "{database}" '
            f"SET role = '{setup.role('lana_transformer')}'"
        )
        failing = f'CREATE SCHEMA "lana_raw" AUTHORIZATION "{setup.role("lana_loader")}"'
        assert planned.index(setting) < planned.index(failing)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            postgres.apply(conn, config, setup.environ())
    with psycopg.connect(dsn) as conn:
        settings = conn.execute(
            "select count(*) from pg_db_role_setting s join pg_database d "
            "on d.oid = s.setdatabase where d.datname = current_database()"
        ).fetchone()[0]
        assert settings == 0
        schemas = conn.execute(
            "select count(*) from pg_namespace where nspname = any(%s)", (list(config.schemas),)
        ).fetchone()[0]
        assert schemas == 0
