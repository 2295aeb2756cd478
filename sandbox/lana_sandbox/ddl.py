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


def lana_ddl(entities: tuple[EntitySpec, ...] = ENTITIES) -> list[str]:
    """Lana's tables (schema public), in an order that satisfies the foreign keys."""
    stmts = [public_ids_ddl()]
    for spec in entities:
        stmts += [index_ddl(spec), events_ddl(spec), rollup_ddl(spec)]
    return stmts


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
