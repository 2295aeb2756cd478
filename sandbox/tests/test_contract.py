"""The specs and the DDL against the source contract (lana-source.md) and Lana's JSON Schemas."""

import json
import re
from datetime import UTC, datetime

import psycopg
import pytest
from lana_sandbox.ddl import apply_ddl
from lana_sandbox.entities import BY_NAME, ENTITIES
from lana_sandbox.spec import UnknownEventType, entity, fold

# Types as the contract writes them -> our spec's spelling.
CONTRACT_TYPES = {"BOOL": "BOOLEAN", "INT": "INTEGER"}
# Spec type -> (information_schema data_type, udt_name).
PG_TYPES = {
    "UUID": ("uuid", "uuid"),
    "VARCHAR": ("character varying", "varchar"),
    "BIGINT": ("bigint", "int8"),
    "INTEGER": ("integer", "int4"),
    "BOOLEAN": ("boolean", "bool"),
    "JSONB": ("jsonb", "jsonb"),
    "TIMESTAMPTZ": ("timestamp with time zone", "timestamptz"),
    "UUID[]": ("ARRAY", "_uuid"),
}
# Event types the contract lists that today's JSON Schemas no longer have.
NOT_IN_SCHEMAS = {("credit_facility", "activated"), ("collateral", "updated")}


def contract_columns(text: str) -> dict[str, dict[str, str | None]]:
    """Per rollup table of lana-source.md §1.3: its columns, with the type where one is given."""
    out: dict[str, dict[str, str | None]] = {}
    for section in re.split(r"\n(?=\*\*)", text):
        m = re.match(r"\*\*[^*]+\*\* \(`(core_\w+_events_rollup)`", section)
        block = re.search(r"^- Columns:(.*?)(?=^- |\Z)", section, re.S | re.M)
        if not m or not block:
            continue
        cols: dict[str, str | None] = {}
        for raw in block.group(1).splitlines():
            line = raw.strip().lstrip("-").strip()
            if not line:
                continue
            if "`" in line:  # "BIGINT: `amount`, `collateral` (sats)" or "toggles: `is_x`"
                kind = line.partition(":")[0].strip()
                for name in re.findall(r"`(\w+)`", line.partition(":")[2]):
                    cols[name] = "BOOLEAN" if kind == "toggles" else kind
                continue
            line = line.partition(":")[0]  # "conversion JSONB: {…}" -> "conversion JSONB"
            line = re.sub(r"\([^)]*\)|\{[^}]*\}", "", line).rstrip(".")
            for piece in line.split(","):
                words = piece.split()
                if words:
                    t = words[1] if len(words) > 1 and words[1].isupper() else None
                    cols[words[0]] = CONTRACT_TYPES.get(t, t)
        out[m.group(1)] = cols
    # "- `core_chart_events_rollup`: account_set_id, base_config JSONB, …" (one line)
    for table, line in re.findall(r"^- `(core_\w+_events_rollup)`: (.*)$", text, re.M):
        cols = {}
        for piece in line.split(". Events")[0].split(","):
            words = piece.strip().rstrip(".").split()
            if words:
                t = words[1] if len(words) > 1 and words[1].isupper() else None
                cols[words[0]] = CONTRACT_TYPES.get(t, t)
        out[table] = cols
    return out


# Entities whose rollup the contract does not describe: their columns are what Lana's generator
# derives from the JSON Schema alone.
SCHEMA_ONLY = {"chart_node"}


def schema_columns(spec_name: str, schema: dict) -> dict[str, None]:
    """Rollup columns Lana's generator derives from an event enum: every field but `type` and
    `id` (an `x_id` becomes `x_ids`), plus `is_<event>` toggles the contract names."""
    cols: dict[str, None] = {}
    for fields in variants(schema).values():
        for k in fields:
            if k in ("type", "id"):
                continue
            cols[k + "s" if k == "child_node_id" else k] = None
    return cols


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    for alt in ("anyOf", "oneOf"):
        options = [o for o in node.get(alt, []) if o.get("type") != "null"]
        if alt == "anyOf" and len(options) == 1:
            return _resolve(schema, options[0])
    return node


def schema_type(schema: dict, prop: dict) -> str:
    """The SQL type Lana's generator gives an event field (see entities.py)."""
    node = _resolve(schema, prop)
    if "oneOf" in node or "anyOf" in node:
        return "JSONB"
    types = node.get("type")
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"]
    fmt = node.get("format")
    if types == ["integer"]:
        return "INTEGER" if fmt in ("int32", "uint") else "BIGINT"
    if types == ["boolean"]:
        return "BOOLEAN"
    if "string" in types:
        return {"uuid": "UUID", "date-time": "TIMESTAMPTZ"}.get(fmt, "VARCHAR")
    return "JSONB"


def variants(schema: dict) -> dict[str, dict]:
    return {v["properties"]["type"]["const"]: v["properties"] for v in schema["oneOf"]}


@pytest.fixture(scope="module")
def contract(reference):
    found = contract_columns((reference / "lana-source.md").read_text())
    d = reference / "lana-event-schemas"
    for e in ENTITIES:
        if e.name in SCHEMA_ONLY:
            assert e.rollup_table not in found
            found[e.rollup_table] = schema_columns(
                e.name, json.loads((d / e.schema_file).read_text())
            )
    return found


@pytest.fixture(scope="module")
def schemas(reference):
    d = reference / "lana-event-schemas"
    return {e.name: json.loads((d / e.schema_file).read_text()) for e in ENTITIES}


def test_contract_parser_reads_every_entity(contract):
    for e in ENTITIES:
        assert e.rollup_table in contract, e.rollup_table
    # A spot check of the parser on the fully typed credit facility block.
    cf = contract["core_credit_facility_events_rollup"]
    assert cf["maturity_date"] == "TIMESTAMPTZ" and cf["obligation_ids"] == "UUID[]"
    assert cf["is_matured"] == "BOOLEAN" and cf["price"] == "BIGINT"
    chart = contract["core_chart_events_rollup"]
    assert chart == dict.fromkeys(
        ["account_set_id", "base_config", "closed_as_of", "name", "posted_as_of", "reference"]
    ) | {"base_config": "JSONB"}


@pytest.mark.parametrize("spec", ENTITIES, ids=lambda e: e.name)
def test_spec_columns_are_the_contracts(spec, contract, schemas):
    expected = contract[spec.rollup_table]
    assert {c.name for c in spec.columns} == set(expected)
    props: dict[str, dict] = {}
    for fields in variants(schemas[spec.name]).values():
        props.update(fields)
    for c in spec.columns:
        if expected[c.name] is not None:
            want = expected[c.name]
        elif c.name.startswith("is_"):
            want = "BOOLEAN"
        elif c.name[:-1] in props and c.name.endswith("_ids"):
            want = "UUID[]"
        else:
            want = schema_type(schemas[spec.name], props[c.name])
        assert c.type == want, f"{spec.rollup_table}.{c.name}: {c.type}, contract/schema {want}"


@pytest.mark.parametrize("spec", ENTITIES, ids=lambda e: e.name)
def test_spec_event_rules_follow_the_schema(spec, schemas):
    """What each event sets, appends and toggles is what Lana's generator derives from the
    event's JSON Schema: a field with a column of its name is set, `x_id` goes into `x_ids`,
    `is_<event>` turns on."""
    cols = {c.name: c for c in spec.columns}
    found = variants(schemas[spec.name])
    for event_type, fields in found.items():
        rule = spec.events.get(event_type)
        assert rule is not None, f"{spec.name}: schema event {event_type} missing from the spec"
        sets = {(k, k) for k in fields if k in cols and not cols[k].is_collection}
        appends = {(k + "s", k) for k in fields if k + "s" in cols and cols[k + "s"].is_collection}
        toggles = {f"is_{event_type}"} & set(cols)
        assert set(rule.sets) == sets, f"{spec.name}.{event_type} sets"
        assert set(rule.appends) == appends, f"{spec.name}.{event_type} appends"
        assert set(rule.toggles) == toggles, f"{spec.name}.{event_type} toggles"
    extra = {(spec.name, t) for t in spec.events if t not in found}
    assert extra <= NOT_IN_SCHEMAS


def test_ddl_in_the_database_is_the_contracts(db, contract):
    with psycopg.connect(db, autocommit=True) as conn:
        apply_ddl(conn)
        apply_ddl(conn)  # idempotent

        def columns(table: str) -> list[tuple[str, str, str, str]]:
            return conn.execute(
                "SELECT column_name, data_type, udt_name, is_nullable "
                "FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()

        def keys(table: str) -> set[tuple[str, str]]:
            return set(
                conn.execute(
                    "SELECT contype::text, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
                    (table,),
                ).fetchall()
            )

        assert columns("core_public_ids") == [
            ("id", "character varying", "varchar", "NO"),
            ("target_id", "uuid", "uuid", "NO"),
            ("created_at", "timestamp with time zone", "timestamptz", "NO"),
        ]
        for spec in ENTITIES:
            assert columns(spec.events_table) == [
                ("id", "uuid", "uuid", "NO"),
                ("sequence", "integer", "int4", "NO"),
                ("event_type", "character varying", "varchar", "NO"),
                ("event", "jsonb", "jsonb", "NO"),
                ("context", "jsonb", "jsonb", "YES"),
                ("recorded_at", "timestamp with time zone", "timestamptz", "NO"),
            ]
            assert ("u", "UNIQUE (id, sequence)") in keys(spec.events_table)
            index = columns(spec.index_table)
            assert index[0][:2] == ("id", "uuid") and index[-1][0] == "created_at"
            assert ("p", "PRIMARY KEY (id)") in keys(spec.index_table)

            got = columns(spec.rollup_table)
            assert [g[:2] for g in got[:5]] == [
                ("id", "uuid"),
                ("version", "integer"),
                ("created_at", "timestamp with time zone"),
                ("modified_at", "timestamp with time zone"),
                ("event_type", "text"),
            ]
            assert {g[0] for g in got[5:]} == set(contract[spec.rollup_table])
            for name, data_type, udt, _ in got[5:]:
                want = contract[spec.rollup_table][name]
                if want is not None:
                    assert (data_type, udt) == PG_TYPES[want], f"{spec.rollup_table}.{name}"
                if name.startswith("is_"):
                    assert data_type == "boolean"
            assert ("p", "PRIMARY KEY (id, version)") in keys(spec.rollup_table)


# ---- the fold itself, on a toy spec ----

TOY = entity(
    "toy",
    "toys",
    columns="amount BIGINT, at TIMESTAMPTZ, info JSONB, name VARCHAR, tx_ids UUID[], "
    "is_done BOOLEAN",
    events={
        "initialized": "amount name info tx_ids+=tx_id",
        "renamed": "name",
        "stamped": "at<-when",
        "done": "is_done=true tx_ids+=tx_id",
    },
)
T0 = datetime(2025, 1, 1, 9, tzinfo=UTC)
T1 = datetime(2025, 1, 2, 9, tzinfo=UTC)


def test_fold_copies_forward_and_overwrites_only_the_events_fields():
    r1 = fold(TOY, None, "a", "initialized", {"amount": 5, "name": "x", "info": {"k": 1}}, T0)
    assert r1 == {
        "id": "a", "version": 1, "created_at": T0, "modified_at": T0, "event_type": "initialized",
        "amount": 5, "at": None, "info": {"k": 1}, "name": "x", "tx_ids": [None], "is_done": False,
    }  # fmt: skip
    r2 = fold(TOY, r1, "a", "renamed", {"name": "y", "amount": 99}, T1)
    assert (r2["version"], r2["created_at"], r2["modified_at"]) == (2, T0, T1)
    assert (r2["name"], r2["amount"], r2["info"]) == ("y", 5, {"k": 1})
    r3 = fold(TOY, r2, "a", "done", {"tx_id": "t2"}, T1)
    assert r3["is_done"] is True and r3["tx_ids"] == [None, "t2"] and r2["tx_ids"] == [None]
    r4 = fold(TOY, r3, "a", "stamped", {"when": "2025-03-01"}, T1)
    assert r4["at"] == datetime(2025, 3, 1, tzinfo=UTC)
    r5 = fold(TOY, r4, "a", "renamed", {}, T1)
    assert r5["name"] is None  # a field of the event type, absent from the event: NULL


def test_fold_rejects_unknown_event_types():
    with pytest.raises(UnknownEventType):
        fold(TOY, None, "a", "exploded", {}, T0)


def test_entity_builder_rejects_mistakes():
    with pytest.raises(ValueError, match="unknown column"):
        entity("bad", "bads", columns="a BIGINT", events={"initialized": "b"})
    with pytest.raises(ValueError, match="is a scalar, used as collection"):
        entity("bad", "bads", columns="a BIGINT", events={"initialized": "a+=b"})
    with pytest.raises(ValueError, match="bad column"):
        entity("bad", "bads", columns="a MONEY", events={})


def test_specs_are_all_there():
    assert set(BY_NAME) == {
        "party", "customer", "deposit_account", "deposit", "withdrawal", "credit_facility",
        "interest_accrual_cycle", "obligation", "disbursal", "payment", "payment_allocation",
        "credit_facility_proposal", "pending_credit_facility", "collateral", "chart",
        "chart_node",
    }  # fmt: skip


# ---- the tables outside the entity pattern: inbox_events and the Cala ledger ----

OTHER_TABLES = (
    "inbox_events",
    "cala_accounts",
    "cala_account_sets",
    "cala_account_set_member_accounts",
    "cala_account_set_member_account_sets",
    "cala_balance_history",
    "cala_cumulative_effective_balances",
)


def contract_table_columns(text: str, table: str) -> list[str]:
    """Column names of "- `table`: a, b (unique), c JSONB, …; unique (…)." in lana-source.md."""
    m = re.search(rf"^- `{table}`: (.*)$", text, re.M)
    assert m, f"{table} is not in the contract"
    line = re.sub(r"\([^)]*\)|\{[^}]*\}", "", m.group(1).split(";")[0].split(". ")[0])
    return [piece.split()[0].rstrip(".") for piece in line.split(",") if piece.split()]


@pytest.fixture(scope="module")
def ddl_db(make_db) -> str:
    dsn = make_db()
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_ddl(conn)
    return dsn


@pytest.mark.parametrize("table", OTHER_TABLES)
def test_other_tables_have_the_contracts_columns(ddl_db, reference, table):
    expected = contract_table_columns((reference / "lana-source.md").read_text(), table)
    with psycopg.connect(ddl_db, autocommit=True) as conn:
        got = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
    assert got == expected


def test_inbox_events_is_lanas_and_the_fake_sumsub_uses_it(ddl_db):
    from lana_sandbox.ddl import inbox_events_ddl
    from lana_sandbox.fake_sumsub.inbox import INBOX_EVENTS_DDL, inbox_ddl

    assert inbox_ddl() == inbox_events_ddl()
    norm = [" ".join(s.split()) for s in INBOX_EVENTS_DDL]
    ours = " ".join(" ".join(inbox_events_ddl()).split())
    assert "status InboxEventStatus NOT NULL DEFAULT 'pending'" in ours
    assert "idempotency_key VARCHAR UNIQUE" in ours and "payload JSONB NOT NULL" in ours
    assert any("idx_inbox_events_status" in s for s in norm)
    with psycopg.connect(ddl_db, autocommit=True) as conn:
        (udt,) = conn.execute(
            "SELECT udt_name FROM information_schema.columns WHERE table_name = 'inbox_events' "
            "AND column_name = 'status'"
        ).fetchone()
        assert udt == "inboxeventstatus"
