"""DDL of Lana's tables, generated from the entity specs, and of the simulator's bookkeeping.

Lana's layout (lana-source.md §1.1): per entity an index table `core_<plural>`, an events table
`core_<entity>_events` and a rollup table `core_<entity>_events_rollup`; plus `core_public_ids`.
Everything is `CREATE ... IF NOT EXISTS` in schema public, so applying it twice is harmless.
No rollup triggers: the simulator writes rollup rows itself (bulk COPY), see spec.fold.
"""

from __future__ import annotations

import psycopg

from lana_sandbox.entities import ENTITIES, PUBLIC_IDS_TABLE
from lana_sandbox.spec import ROLLUP_BASE_COLUMNS, EntitySpec

BOOKKEEPING_SCHEMA = "lana_sandbox"
INBOX_EVENTS_TABLE = "inbox_events"


def _table(name: str, lines: list[str]) -> str:
    body = ",\n  ".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  {body}\n)"


def public_ids_ddl() -> str:
    return _table(
        PUBLIC_IDS_TABLE,
        ["id VARCHAR PRIMARY KEY", "target_id UUID NOT NULL", "created_at TIMESTAMPTZ NOT NULL"],
    )


def index_ddl(spec: EntitySpec) -> str:
    lines = ["id UUID PRIMARY KEY"]
    for c in spec.index:
        line = f"{c.name} {c.type}"
        if not c.nullable:
            line += " NOT NULL"
        if c.unique:
            line += " UNIQUE"
        if c.references:
            line += f" REFERENCES {c.references}(id)"
        lines.append(line)
    lines.append("created_at TIMESTAMPTZ NOT NULL")
    lines.extend(spec.index_constraints)
    return _table(spec.index_table, lines)


def events_ddl(spec: EntitySpec) -> str:
    return _table(
        spec.events_table,
        [
            f"id UUID NOT NULL REFERENCES {spec.index_table}(id)",
            "sequence INT NOT NULL",
            "event_type VARCHAR NOT NULL",
            "event JSONB NOT NULL",
            "context JSONB DEFAULT NULL",
            "recorded_at TIMESTAMPTZ NOT NULL",
            "UNIQUE(id, sequence)",
        ],
    )


def rollup_ddl(spec: EntitySpec) -> str:
    lines = [f"{n} {t}" for n, t in ROLLUP_BASE_COLUMNS]
    for c in spec.columns:
        lines.append(f"{c.name} {c.type} DEFAULT false" if c.is_toggle else f"{c.name} {c.type}")
    lines.append("PRIMARY KEY (id, version)")
    return _table(spec.rollup_table, lines)


def _enum(name: str, values: tuple[str, ...]) -> str:
    """`CREATE TYPE ... AS ENUM` once (PostgreSQL has no IF NOT EXISTS for types)."""
    labels = ", ".join(f"'{v}'" for v in values)
    return (
        f"DO $$ BEGIN CREATE TYPE {name} AS ENUM ({labels}); "
        "EXCEPTION WHEN duplicate_object THEN null; END $$"
    )


def inbox_events_ddl() -> list[str]:
    """Lana's webhook inbox (obix): Sumsub callbacks land here, one row per webhook."""
    return [
        _enum("InboxEventStatus", ("pending", "processing", "completed", "failed")),
        _table(
            INBOX_EVENTS_TABLE,
            [
                "id UUID PRIMARY KEY DEFAULT gen_random_uuid()",
                "idempotency_key VARCHAR UNIQUE",
                "payload JSONB NOT NULL",
                "status InboxEventStatus NOT NULL DEFAULT 'pending'",
                "error VARCHAR",
                "recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW()",
                "processed_at TIMESTAMPTZ",
            ],
        ),
        "CREATE INDEX IF NOT EXISTS idx_inbox_events_status ON inbox_events(status) "
        "WHERE status IN ('pending', 'processing', 'failed')",
    ]


def cala_ddl() -> list[str]:
    """The Cala ledger's tables that Lana's EL reads, plus the journal, transactions and
    entries they point at (cala-ledger's migrations, lana-source.md "Cala ledger tables").

    Foreign keys between the ledger tables are left out: the simulator writes them in bulk in
    an order of its own (every id it writes exists, and the tests check the joins)."""
    return [
        _enum("DebitOrCredit", ("debit", "credit")),
        _enum("Status", ("active", "locked")),
        _enum("Layer", ("settled", "pending", "encumbrance")),
        _table(
            "cala_journals",
            ["id UUID PRIMARY KEY", "name VARCHAR NOT NULL", "created_at TIMESTAMPTZ NOT NULL"],
        ),
        _table(
            "cala_accounts",
            [
                "id UUID PRIMARY KEY",
                "code VARCHAR UNIQUE NOT NULL",
                "name VARCHAR NOT NULL",
                "external_id VARCHAR UNIQUE",
                "normal_balance_type DebitOrCredit NOT NULL",
                "eventually_consistent BOOLEAN NOT NULL",
                "velocity_context_values JSONB",
                "status Status NOT NULL DEFAULT 'active'",
                "created_at TIMESTAMPTZ NOT NULL",
            ],
        ),
        _table(
            "cala_account_sets",
            [
                "id UUID PRIMARY KEY",
                "journal_id UUID NOT NULL",
                "name VARCHAR NOT NULL",
                "external_id VARCHAR UNIQUE",
                "created_at TIMESTAMPTZ NOT NULL",
            ],
        ),
        _table(
            "cala_account_set_member_accounts",
            [
                "account_set_id UUID NOT NULL",
                "member_account_id UUID NOT NULL",
                "transitive BOOLEAN NOT NULL DEFAULT FALSE",
                "created_at TIMESTAMPTZ NOT NULL",
                "UNIQUE(account_set_id, member_account_id)",
            ],
        ),
        _table(
            "cala_account_set_member_account_sets",
            [
                "account_set_id UUID NOT NULL",
                "member_account_set_id UUID NOT NULL",
                "created_at TIMESTAMPTZ NOT NULL",
                "UNIQUE(account_set_id, member_account_set_id)",
            ],
        ),
        _table(
            "cala_transactions",
            [
                "id UUID PRIMARY KEY",
                "journal_id UUID NOT NULL",
                "tx_template_id UUID NOT NULL",
                "external_id VARCHAR UNIQUE",
                "correlation_id VARCHAR NOT NULL",
                "created_at TIMESTAMPTZ NOT NULL",
            ],
        ),
        _table(
            "cala_entries",
            [
                "id UUID PRIMARY KEY",
                "journal_id UUID NOT NULL",
                "account_id UUID NOT NULL",
                "transaction_id UUID NOT NULL",
                "created_at TIMESTAMPTZ NOT NULL",
            ],
        ),
        "CREATE INDEX IF NOT EXISTS idx_cala_entries_transaction_id "
        "ON cala_entries (transaction_id)",
        _table(
            "cala_entry_events",
            [
                "id UUID NOT NULL",
                "sequence INT NOT NULL",
                "event_type VARCHAR NOT NULL",
                "event JSONB NOT NULL",
                "recorded_at TIMESTAMPTZ NOT NULL",
                "UNIQUE(id, sequence)",
            ],
        ),
        _table(
            "cala_balance_history",
            [
                "journal_id UUID NOT NULL",
                "account_id UUID NOT NULL",
                "latest_entry_id UUID NOT NULL",
                "currency VARCHAR NOT NULL",
                "version INT NOT NULL",
                "values JSONB NOT NULL",
                "recorded_at TIMESTAMPTZ NOT NULL",
                "UNIQUE(journal_id, account_id, currency, version)",
            ],
        ),
        _table(
            "cala_cumulative_effective_balances",
            [
                "journal_id UUID NOT NULL",
                "account_id UUID NOT NULL",
                "currency VARCHAR NOT NULL",
                "effective DATE NOT NULL",
                "version INT NOT NULL",
                "all_time_version INT NOT NULL",
                "latest_entry_id UUID NOT NULL",
                "values JSONB NOT NULL",
                "updated_at TIMESTAMPTZ NOT NULL",
                "created_at TIMESTAMPTZ NOT NULL",
                "UNIQUE(journal_id, account_id, currency, effective, version)",
            ],
        ),
    ]


#: The Cala tables in the order the simulator loads them.
CALA_TABLES = (
    "cala_journals",
    "cala_accounts",
    "cala_account_sets",
    "cala_account_set_member_accounts",
    "cala_account_set_member_account_sets",
    "cala_transactions",
    "cala_entries",
    "cala_entry_events",
    "cala_balance_history",
    "cala_cumulative_effective_balances",
)


def lana_ddl(entities: tuple[EntitySpec, ...] = ENTITIES) -> list[str]:
    """Lana's tables (schema public), in an order that satisfies the foreign keys."""
    stmts = [public_ids_ddl()]
    for spec in entities:
        stmts += [index_ddl(spec), events_ddl(spec), rollup_ddl(spec)]
    return stmts + inbox_events_ddl() + cala_ddl()


def bookkeeping_ddl() -> list[str]:
    """The simulator's own tables: never part of Lana's schema, never extracted."""
    s = BOOKKEEPING_SCHEMA
    return [
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        _table(
            f"{s}.state",
            [
                "singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton)",
                "seed BIGINT NOT NULL",
                "start_date DATE NOT NULL",
                "customers INT NOT NULL",
                "onboarding_days INT NOT NULL",
                "model_version INT NOT NULL",
                "last_day DATE",
                "next_public_id BIGINT NOT NULL",
            ],
        ),
        _table(f"{s}.btc_price", ["day DATE PRIMARY KEY", "price BIGINT NOT NULL"]),
        _table(
            f"{s}.runs",
            [
                "run INT PRIMARY KEY",
                "first_day DATE NOT NULL",
                "last_day DATE NOT NULL",
                "rows JSONB NOT NULL",
            ],
        ),
        _table(
            f"{s}.deferred_ddl",
            [
                "seq INT PRIMARY KEY",
                "table_name VARCHAR NOT NULL",
                "name VARCHAR NOT NULL",
                "kind VARCHAR NOT NULL",  # constraint | index
                "definition TEXT NOT NULL",
            ],
        ),
    ]


def all_ddl() -> list[str]:
    return lana_ddl() + bookkeeping_ddl()


def apply_ddl(conn: psycopg.Connection) -> None:
    """Create whatever is missing, in one transaction."""
    with conn.transaction():
        for stmt in all_ddl():
            conn.execute(stmt)


def ddl_script() -> str:
    return ";\n\n".join(all_ddl()) + ";\n"


# ---- deferring keys and indexes during the initial bulk load ----


#: The tables that take nearly all rows. A new bank loads them without their keys, unique
#: constraints, foreign keys and indexes, which are built once at the end (a sort each,
#: instead of an index insertion at a random place per row).
def bulk_tables(entities: tuple[EntitySpec, ...] = ENTITIES) -> tuple[str, ...]:
    tables: list[str] = []
    for spec in entities:
        tables += [spec.events_table, spec.rollup_table]
    return (
        *tables,
        "cala_transactions",
        "cala_entries",
        "cala_entry_events",
        "cala_balance_history",
        "cala_cumulative_effective_balances",
    )


def index_tables(entities: tuple[EntitySpec, ...] = ENTITIES) -> tuple[str, ...]:
    """The entities' index tables: their foreign keys (a lookup per row) are deferred too; their
    keys are not (the simulator updates their rows by id)."""
    return tuple(spec.index_table for spec in entities)


def defer_keys(
    conn: psycopg.Connection,
    tables: tuple[str, ...] | None = None,
    foreign_keys_of: tuple[str, ...] | None = None,
) -> int:
    """Drop the keys, constraints and indexes of `tables` and the foreign keys of
    `foreign_keys_of` (all of them empty), recording their definitions in the bookkeeping table
    `deferred_ddl` in the same transaction, so that `restore_keys` builds them again, even in a
    later run if this one dies. Returns how many."""
    tables = bulk_tables() if tables is None else tables
    foreign_keys_of = index_tables() if foreign_keys_of is None else foreign_keys_of
    s = BOOKKEEPING_SCHEMA
    with conn.transaction():
        (seq,) = conn.execute(f"SELECT coalesce(max(seq), 0) FROM {s}.deferred_ddl").fetchone()
        constraints = conn.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
            "FROM pg_constraint c WHERE (c.conrelid = ANY(%s::regclass[]) "
            "AND c.contype IN ('p', 'u', 'f')) "
            "OR (c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f') "
            "ORDER BY c.contype = 'f', c.conrelid::regclass::text, c.conname",
            (list(tables), list(foreign_keys_of)),
        ).fetchall()
        indexes = conn.execute(
            "SELECT i.indrelid::regclass::text, x.relname, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid) ORDER BY 1, 2",
            (list(tables),),
        ).fetchall()
        saved = [(t, n, "constraint", d) for t, n, d, _ in constraints]
        saved += [(t, n, "index", d) for t, n, d in indexes]
        for i, (table, name, kind, definition) in enumerate(saved, seq + 1):
            conn.execute(
                f"INSERT INTO {s}.deferred_ddl (seq, table_name, name, kind, definition) "
                "VALUES (%s, %s, %s, %s, %s)",
                (i, table, name, kind, definition),
            )
        # Foreign keys first (they hang on unique indexes), then the rest.
        for table, name, kind, _ in sorted(saved, key=lambda r: not r[3].startswith("FOREIGN KEY")):
            if kind == "constraint":
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
        for _, name, kind, _ in saved:
            if kind == "index":
                conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    return len(saved)


def restore_keys(conn: psycopg.Connection) -> int:
    """Build what `defer_keys` dropped (whatever of it is missing), in one transaction: keys
    and unique constraints first, then foreign keys and indexes. Returns how many."""
    s = BOOKKEEPING_SCHEMA
    with conn.transaction():
        saved = conn.execute(
            f"SELECT table_name, name, kind, definition FROM {s}.deferred_ddl ORDER BY seq"
        ).fetchall()
        if not saved:
            return 0
        # Enough for the biggest index of the bench bank (the balance tables: 7 M rows) to
        # be sorted in memory by the leader and its parallel workers, who share it.
        conn.execute("SET LOCAL maintenance_work_mem = '1536MB'")
        done = 0
        for table, name, kind, definition in sorted(
            saved, key=lambda r: r[3].startswith("FOREIGN KEY") or r[2] == "index"
        ):
            if kind == "constraint":
                exists = conn.execute(
                    "SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
                    (table, name),
                ).fetchone()
                if exists is None:
                    conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                    done += 1
            else:
                exists = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0]
                if exists is None:
                    conn.execute(definition)
                    done += 1
        conn.execute(f"DELETE FROM {s}.deferred_ddl")
    return done
