"""The initial bulk load: keys and indexes are built once at the end, and come out the same."""

import psycopg
import pytest
from lana_sandbox import simulate as simulate_module
from lana_sandbox.ddl import BOOKKEEPING_SCHEMA, apply_ddl, bulk_tables, defer_keys, index_tables
from lana_sandbox.simulate import connect, simulate


def catalog(dsn: str) -> set[tuple]:
    """Every constraint and index of schema public, and the columns' nullability."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        ).fetchall()
        indexes = conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
        nullable = conn.execute(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        ).fetchall()
    return {("c", *r) for r in constraints} | {("i", *r) for r in indexes} | set(nullable)


def test_a_new_bank_ends_with_every_key_and_index(make_db):
    plain = make_db()
    with psycopg.connect(plain, autocommit=True) as conn:
        apply_ddl(conn)
    bank = make_db()
    simulate(bank, days=5, customers=10, seed=1)
    assert catalog(bank) == catalog(plain)
    with connect(bank) as conn:
        pending = conn.execute(f"SELECT count(*) FROM {BOOKKEEPING_SCHEMA}.deferred_ddl")
        assert pending.fetchone()[0] == 0


def test_keys_dropped_by_a_run_that_died_come_back_in_the_next(make_db, monkeypatch):
    plain = make_db()
    with psycopg.connect(plain, autocommit=True) as conn:
        apply_ddl(conn)
    dsn = make_db()

    def boom(conn):
        raise RuntimeError("the run dies before its keys are built")

    monkeypatch.setattr(simulate_module, "restore_keys", boom)
    with pytest.raises(RuntimeError):
        simulate(dsn, days=3, customers=10, seed=1)
    assert catalog(dsn) != catalog(plain)
    monkeypatch.undo()
    simulate(dsn, days=2)  # a continuation: keys first, then the days
    assert catalog(dsn) == catalog(plain)


def test_deferring_drops_only_the_bulk_tables_keys(make_db):
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_ddl(conn)
        dropped = defer_keys(conn)
        left = conn.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = ANY(%s::regclass[])",
            (list(bulk_tables()),),
        ).fetchone()[0]
        assert dropped > len(bulk_tables()) and left == 0
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = 'core_customers'::regclass "
                "AND contype = 'p'"
            ).fetchone()[0]
            == 1
        )


def test_deferring_drops_the_index_tables_foreign_keys_and_keeps_their_keys(make_db):
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_ddl(conn)
        defer_keys(conn)
        kinds = dict(
            conn.execute(
                "SELECT contype::text, count(*) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) GROUP BY 1",
                (list(index_tables()),),
            ).fetchall()
        )
        assert "f" not in kinds and kinds["p"] == len(index_tables())
