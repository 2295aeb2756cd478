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
