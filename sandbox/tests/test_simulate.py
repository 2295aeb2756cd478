"""The simulator against a real PostgreSQL: determinism, continuation, rollups, schemas, money."""

import json
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from lana_sandbox.ddl import CALA_TABLES, INBOX_EVENTS_TABLE
from lana_sandbox.entities import ENTITIES
from lana_sandbox.simulate import (
    CAPITAL_PER_CUSTOMER,
    SandboxError,
    connect,
    load_state,
    simulate,
    table_counts,
)
from lana_sandbox.store import Store

SEED, CUSTOMERS = 7, 120
LONG = 150  # days: facilities mature, complete, go overdue; month ends; freezes, closures


def table_hashes(dsn: str) -> dict[str, tuple[int, str]]:
    tables = ["core_public_ids", "lana_sandbox.btc_price", "lana_sandbox.state"]
    for e in ENTITIES:
        tables += [e.index_table, e.events_table, e.rollup_table]
    tables += [INBOX_EVENTS_TABLE, *CALA_TABLES]
    with connect(dsn) as conn:
        return {
            t: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f"FROM {t} t"
            ).fetchone()
            for t in tables
        }


@pytest.fixture(scope="module")
def base(make_db):
    """One long run, kept with the simulator's in-memory state after its last day."""
    dsn = make_db()
    seen = {}

    def on_day(sim, store, day):
        seen.update(sim=sim, store=store, day=day)

    summary = simulate(dsn, days=LONG, customers=CUSTOMERS, seed=SEED, on_day=on_day)
    return {"dsn": dsn, "summary": summary, **seen}


@pytest.fixture(scope="module")
def conn(base):
    with connect(base["dsn"]) as c:
        yield c


def test_the_bank_does_what_the_model_says(conn, base):
    counts = dict(
        conn.execute(
            "SELECT 'customer.' || event_type, count(*) FROM core_customer_events GROUP BY 1 "
            "UNION ALL SELECT 'deposit.' || event_type, count(*) FROM core_deposit_events "
            "GROUP BY 1 "
            "UNION ALL SELECT 'withdrawal.' || event_type, count(*) FROM core_withdrawal_events "
            "GROUP BY 1 UNION ALL SELECT 'facility.' || event_type, count(*) "
            "FROM core_credit_facility_events GROUP BY 1 UNION ALL SELECT 'obligation.' || "
            "event_type, count(*) FROM core_obligation_events GROUP BY 1 UNION ALL SELECT "
            "'disbursal.' || event_type, count(*) FROM core_disbursal_events GROUP BY 1"
        ).fetchall()
    )
    for event in (
        "customer.initialized", "customer.frozen", "customer.unfrozen", "customer.closed",
        "deposit.initialized", "deposit.reverted", "withdrawal.confirmed", "withdrawal.denied",
        "withdrawal.cancelled", "facility.initialized", "facility.interest_accrual_cycle_concluded",
        "facility.collateralization_state_changed", "facility.matured", "facility.completed",
        "obligation.due_recorded", "obligation.overdue_recorded", "obligation.payment_allocated",
        "obligation.completed", "disbursal.settled",
    ):  # fmt: skip
        assert counts.get(event, 0) > 0, f"no {event} in {LONG} days"
    assert "facility.activated" not in counts  # not in Lana's current schema
    (customers,) = conn.execute("SELECT count(*) FROM core_customers").fetchone()
    assert CUSTOMERS // 2 <= customers <= CUSTOMERS
    types = dict(conn.execute("SELECT customer_type, count(*) FROM core_parties p JOIN "
                              "core_party_events_rollup r USING (id) WHERE version = 1 "
                              "GROUP BY 1").fetchall())  # fmt: skip
    assert types["Individual"] > customers * 0.7
    assert base["summary"].last_day == date(2025, 1, 1) + timedelta(days=LONG - 1)


def test_a_new_banks_row_counts_are_the_rows_in_its_tables(conn, base):
    """A new bank's summary counts the rows it wrote; they are what the tables hold."""
    assert base["summary"].table_rows == table_counts(conn)
    assert base["summary"].table_rows["cala_entries"] > 0


def test_state_rebuilt_from_the_database_is_the_state_in_memory(base):
    """The heart of continuation: what `load_state` reads back equals the live simulator."""
    with connect(base["dsn"]) as c:
        cfg, bank, store = load_state(c)
    sim, live = base["sim"], base["store"]
    assert cfg == sim.cfg
    assert bank == sim.bank
    for e in ENTITIES:
        assert store.cache[e.name] == live.cache[e.name], e.name


@pytest.mark.parametrize(("first", "then"), [(30, 7), (90, LONG - 90)])
def test_continuing_equals_one_long_run(make_db, base, first, then):
    split = make_db()
    simulate(split, days=first, customers=CUSTOMERS, seed=SEED)
    before = table_hashes(split)
    with connect(split) as c:
        union = " UNION ALL ".join(
            f"SELECT max(recorded_at) m FROM {e.events_table}" for e in ENTITIES
        )
        (high,) = c.execute(f"SELECT max(m) FROM ({union}) t").fetchone()
    simulate(split, days=then)  # seed and customers come from the database
    if first + then == LONG:
        whole = base["dsn"]
    else:
        whole = make_db()
        simulate(whole, days=first + then, customers=CUSTOMERS, seed=SEED)
    assert table_hashes(split) == table_hashes(whole)
    with connect(split) as c:
        for e in ENTITIES:
            # Old events and rollup rows are untouched; new ones come after the old maximum.
            old = c.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f"FROM {e.events_table} t WHERE recorded_at <= %s",
                (high,),
            ).fetchone()
            assert old == before[e.events_table], e.events_table
            old = c.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f"FROM {e.rollup_table} t WHERE modified_at <= %s",
                (high,),
            ).fetchone()
            assert old == before[e.rollup_table], e.rollup_table
        runs = c.execute(
            "SELECT first_day, last_day FROM lana_sandbox.runs ORDER BY run"
        ).fetchall()
        start = date(2025, 1, 1)
        assert runs == [
            (start, start + timedelta(days=first - 1)),
            (start + timedelta(days=first), start + timedelta(days=first + then - 1)),
        ]


def test_small_batches_write_the_same_rows(make_db, base, monkeypatch):
    """Many batches, each written by the background connection while the next days run."""
    monkeypatch.setattr(Store, "FLUSH_CHARS", 100_000)
    dsn = make_db()
    simulate(dsn, days=LONG, customers=CUSTOMERS, seed=SEED)
    assert table_hashes(dsn) == table_hashes(base["dsn"])


def test_same_seed_same_rows_other_seed_other_rows(make_db):
    a, b, c = make_db(), make_db(), make_db()
    for dsn, seed in ((a, 3), (b, 3), (c, 4)):
        simulate(dsn, days=20, customers=30, seed=seed)
    ha, hb, hc = table_hashes(a), table_hashes(b), table_hashes(c)
    assert ha == hb
    assert ha["core_customer_events"] != hc["core_customer_events"]


def test_a_continuation_must_keep_the_seed(make_db):
    dsn = make_db()
    simulate(dsn, days=2, customers=5, seed=1)
    with pytest.raises(SandboxError, match="--seed"):
        simulate(dsn, days=1, seed=2)
    with pytest.raises(SandboxError, match="--customers"):
        simulate(dsn, days=1, customers=6)
    simulate(dsn, days=0)  # nothing to do, not an error


def _typed(value, data_type: str):
    """An event value as PostgreSQL's `(event ->> k)::type` would store it (test's own code)."""
    if value is None:
        return None
    if data_type == "uuid":
        return uuid.UUID(value)
    if data_type in ("bigint", "integer"):
        return int(value)
    if data_type == "timestamp with time zone":
        ts = datetime.fromisoformat(value)
        return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    if data_type == "boolean":
        return bool(value)
    if data_type == "character varying":
        assert isinstance(value, str)
    return value


@pytest.mark.parametrize("spec", ENTITIES, ids=lambda e: e.name)
def test_every_rollup_row_is_the_fold_of_its_events(conn, reference, spec):
    """Recompute each rollup from the events table with rules read off the JSON Schema and the
    table's own columns (not from the simulator's specs), and compare every row."""
    schema = json.loads((reference / "lana-event-schemas" / spec.schema_file).read_text())
    fields = {v["properties"]["type"]["const"]: list(v["properties"]) for v in schema["oneOf"]}
    columns = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
        "'public' AND table_name = %s AND ordinal_position > 5 ORDER BY ordinal_position",
        (spec.rollup_table,),
    ).fetchall()
    types = dict(columns)
    expected = []
    state, last_id = None, None
    for entity_id, seq, event_type, event, recorded_at in conn.execute(
        f"SELECT id, sequence, event_type, event, recorded_at FROM {spec.events_table} "
        "ORDER BY id, sequence"
    ):
        assert event["type"] == event_type
        if entity_id != last_id:
            assert seq == 1
            state = {c: ([] if t == "ARRAY" else False if c.startswith("is_") else None)
                     for c, t in columns}  # fmt: skip
            created, last_id = recorded_at, entity_id
        else:
            assert seq == state["version"] + 1
            state = dict(state, **{c: list(v) for c, v in state.items() if isinstance(v, list)})
        for key in fields[event_type]:
            if key in ("type", "id"):
                continue
            if key in types and types[key] != "ARRAY":
                state[key] = _typed(event.get(key), types[key])
            elif types.get(key + "s") == "ARRAY":
                v = event.get(key)
                state[key + "s"].append(None if v is None else uuid.UUID(v))
        if f"is_{event_type}" in types:
            state[f"is_{event_type}"] = True
        state.update(id=entity_id, version=seq, created_at=created, modified_at=recorded_at,
                     event_type=event_type)  # fmt: skip
        expected.append(dict(state))
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        actual = cur.execute(f"SELECT * FROM {spec.rollup_table} ORDER BY id, version").fetchall()
    assert len(actual) == len(expected) > 0
    for got, want in zip(actual, expected, strict=True):
        assert got == want, (spec.rollup_table, got["id"], got["version"])


@pytest.mark.parametrize("spec", ENTITIES, ids=lambda e: e.name)
def test_events_are_valid_for_lana(conn, reference, spec):
    """Every event type written validates against Lana's JSON Schema (up to 200 of each)."""
    schema = json.loads((reference / "lana-event-schemas" / spec.schema_file).read_text())
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _datetime(value):  # jsonschema checks date-time only with an extra package
        return not isinstance(value, str) or bool(datetime.fromisoformat(value).tzinfo)

    validator = Draft202012Validator(schema, format_checker=checker)
    rows = conn.execute(
        f"SELECT event_type, event FROM (SELECT event_type, event, row_number() OVER "
        f"(PARTITION BY event_type ORDER BY recorded_at) n FROM {spec.events_table}) e "
        "WHERE n <= 200"
    ).fetchall()
    assert rows
    for event_type, event in rows:
        errors = [e.message for e in validator.iter_errors(event)]
        assert not errors, (spec.name, event_type, errors[:3], event)


def test_balances_never_go_negative(conn):
    """Each deposit account's balance, recomputed event by event in time order."""
    rows = conn.execute("""
        WITH ledger AS (
          SELECT id AS account, account_ids->>'deposit_account_id' AS ledger
          FROM core_deposit_account_events_rollup WHERE version = 1),
        deposit AS (SELECT id, (event->>'amount')::bigint AS amount,
                           (event->>'deposit_account_id')::uuid AS account
                    FROM core_deposit_events WHERE event_type = 'initialized'),
        withdrawal AS (SELECT id, (event->>'amount')::bigint AS amount,
                              (event->>'deposit_account_id')::uuid AS account
                       FROM core_withdrawal_events WHERE event_type = 'initialized'),
        moves AS (
          SELECT d.account, e.recorded_at,
                 CASE e.event_type WHEN 'initialized' THEN d.amount ELSE -d.amount END AS delta
          FROM core_deposit_events e JOIN deposit d USING (id)
          UNION ALL
          SELECT w.account, e.recorded_at,
                 CASE e.event_type WHEN 'initialized' THEN -w.amount ELSE w.amount END
          FROM core_withdrawal_events e JOIN withdrawal w USING (id)
          WHERE e.event_type IN ('initialized', 'denied', 'cancelled', 'reverted')
          UNION ALL
          SELECT l.account, e.recorded_at, (e.event->>'amount')::bigint
          FROM core_disbursal_events e
          JOIN core_disbursal_events_rollup r ON r.id = e.id AND r.version = 1
          JOIN ledger l ON l.ledger = r.disbursal_credit_account_id::text
          WHERE e.event_type = 'settled'
          UNION ALL
          SELECT l.account, e.recorded_at, -(e.event->>'amount')::bigint
          FROM core_payment_events e
          JOIN ledger l ON l.ledger = e.event->>'payment_source_account_id')
        SELECT account, min(balance), count(*) FROM (
          SELECT account, sum(delta) OVER (PARTITION BY account ORDER BY recorded_at) balance
          FROM moves) b GROUP BY account
    """).fetchall()
    assert len(rows) > 20
    negative = [r for r in rows if r[1] < 0]
    assert not negative


def test_nothing_happens_to_a_facility_after_it_completed(conn):
    late = conn.execute("""
        WITH done AS (SELECT id, recorded_at FROM core_credit_facility_events
                      WHERE event_type = 'completed'),
        related AS (
          SELECT id AS facility, recorded_at FROM core_credit_facility_events
          UNION ALL SELECT r.facility_id, e.recorded_at FROM core_disbursal_events e
            JOIN core_disbursal_events_rollup r ON r.id = e.id AND r.version = 1
          UNION ALL SELECT r.facility_id, e.recorded_at FROM core_interest_accrual_cycle_events e
            JOIN core_interest_accrual_cycle_events_rollup r ON r.id = e.id AND r.version = 1
          UNION ALL SELECT r.beneficiary_id, e.recorded_at FROM core_obligation_events e
            JOIN core_obligation_events_rollup r ON r.id = e.id AND r.version = 1
          UNION ALL SELECT (event->>'beneficiary_id')::uuid, recorded_at FROM core_payment_events
          UNION ALL SELECT (event->>'beneficiary_id')::uuid, recorded_at
            FROM core_payment_allocation_events)
        SELECT count(*) FROM related r JOIN done d ON d.id = r.facility
        WHERE r.recorded_at > d.recorded_at
    """).fetchone()[0]
    completed = conn.execute(
        "SELECT count(*) FROM core_credit_facility_events WHERE event_type = 'completed'"
    ).fetchone()[0]
    assert completed > 0 and late == 0
    # A completed facility owes nothing.
    open_obligations = conn.execute("""
        SELECT count(*) FROM (SELECT DISTINCT ON (id) * FROM core_obligation_events_rollup
                              ORDER BY id, version DESC) o
        JOIN core_credit_facility_events_rollup f ON f.id = o.beneficiary_id AND f.is_completed
        WHERE NOT o.is_completed
    """).fetchone()[0]
    assert open_obligations == 0
    # ... and holds no collateral: the completion gave it back (REMOVE_COLLATERAL).
    held = conn.execute("""
        SELECT count(*), count(*) FILTER (WHERE c.collateral_amount <> 0)
        FROM (SELECT DISTINCT ON (id) * FROM core_collateral_events_rollup
              ORDER BY id, version DESC) c
        JOIN core_credit_facility_events_rollup f ON f.id = c.secured_loan_id AND f.is_completed
    """).fetchone()
    assert held[0] > 0 and held[1] == 0


def test_public_ids_are_unique_sequential_and_point_at_their_entity(conn):
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM core_public_ids")]
    assert sorted(ids) == list(range(1000, 1000 + len(ids)))
    holders = [e for e in ENTITIES if e.public_id]
    union = " UNION ALL ".join(
        f"SELECT id, public_id, created_at, '{e.name}' AS kind FROM {e.index_table}"
        for e in holders
    )
    rows = conn.execute(f"""
        SELECT p.id, p.target_id, p.created_at, x.id, x.public_id, x.created_at
        FROM core_public_ids p FULL JOIN ({union}) x ON x.public_id = p.id
    """).fetchall()
    assert len(rows) == len(ids)
    for pid, target, created, entity_id, entity_public_id, entity_created in rows:
        assert (pid, target, created) == (entity_public_id, entity_id, entity_created)
    # The rollups carry the same public id as the index.
    for e in holders:
        bad = conn.execute(
            f"SELECT count(*) FROM {e.rollup_table} r JOIN {e.index_table} i USING (id) "
            "WHERE r.public_id IS DISTINCT FROM i.public_id"
        ).fetchone()[0]
        assert bad == 0, e.name


def test_times_are_simulated_and_ordered(conn, base):
    last = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=LONG)
    for e in ENTITIES:
        lo, hi, unordered = conn.execute(f"""
            SELECT min(recorded_at), max(recorded_at),
                   count(*) FILTER (WHERE recorded_at <= prev)
            FROM (SELECT recorded_at, lag(recorded_at) OVER (PARTITION BY id ORDER BY sequence)
                  AS prev FROM {e.events_table}) t
        """).fetchone()
        assert datetime(2025, 1, 1, tzinfo=UTC) <= lo and hi < last, e.name
        assert unordered == 0, e.name
    # All events of the bank, across tables, are strictly ordered in time (one clock per day).
    union = " UNION ALL ".join(f"SELECT recorded_at FROM {e.events_table}" for e in ENTITIES)
    total, distinct = conn.execute(
        f"SELECT count(*), count(DISTINCT recorded_at) FROM ({union}) t"
    ).fetchone()
    assert total == distinct


def test_index_tables_follow_the_latest_rollup(conn):
    wrong = conn.execute("""
        SELECT count(*) FROM core_credit_facilities i
        JOIN (SELECT DISTINCT ON (id) * FROM core_credit_facility_events_rollup
              ORDER BY id, version DESC) r USING (id)
        WHERE i.status <> CASE WHEN r.is_completed THEN 'closed'
                               WHEN r.is_matured THEN 'matured' ELSE 'active' END
           OR i.collateralization_state <> r.collateralization_state
    """).fetchone()[0]
    assert wrong == 0
    emails = conn.execute("""
        SELECT count(*) FROM core_parties i
        JOIN (SELECT DISTINCT ON (id) * FROM core_party_events_rollup ORDER BY id, version DESC) r
        USING (id) WHERE i.email <> r.email
    """).fetchone()[0]
    assert emails == 0


def test_money_is_in_integer_units(conn):
    facility = conn.execute(
        "SELECT amount, collateral, price FROM core_credit_facility_events_rollup "
        "WHERE version = 1 LIMIT 1"
    ).fetchone()
    amount, collateral, price = facility
    assert amount % 10_000 == 0  # whole hundreds of USD, in cents
    assert 1_000_000 < price < 100_000_000  # cents per BTC: $10k .. $1M
    cvl = collateral / 100_000_000 * price / amount
    assert 1.4 <= cvl <= 2.3  # posted collateral meets the initial CVL


def test_interest_accrues_daily_and_posts_monthly(conn):
    per_cycle = conn.execute("""
        SELECT r.id, r.total, (SELECT sum((e.event->>'amount')::bigint)
                               FROM core_interest_accrual_cycle_events e
                               WHERE e.id = r.id AND e.event_type = 'interest_accrued')
        FROM core_interest_accrual_cycle_events_rollup r
        WHERE r.event_type = 'interest_accruals_posted'
    """).fetchall()
    assert per_cycle
    assert all(total == (accrued or 0) for _, total, accrued in per_cycle)
    mismatched = conn.execute("""
        SELECT count(*) FROM core_interest_accrual_cycle_events_rollup c
        JOIN core_obligation_events_rollup o ON o.id = c.obligation_id AND o.version = 1
        WHERE c.event_type = 'interest_accruals_posted'
          AND (o.amount <> c.total OR o.obligation_type <> 'Interest')
    """).fetchone()[0]
    assert mismatched == 0


def test_payments_allocate_interest_first(conn):
    rows = conn.execute("""
        SELECT payment_id, array_agg(obligation_type ORDER BY payment_allocation_idx),
               sum(amount),
               (SELECT amount FROM core_payment_events_rollup p WHERE p.id = payment_id)
        FROM core_payment_allocation_events_rollup GROUP BY payment_id
    """).fetchall()
    assert rows
    for _, kinds, allocated, paid in rows:
        assert kinds == sorted(kinds, key=lambda k: k != "Interest")
        assert allocated == paid


def test_allocations_by_obligation(conn):
    by_obligation = defaultdict(int)
    for obligation_id, amount in conn.execute(
        "SELECT obligation_id, amount FROM core_payment_allocation_events_rollup"
    ):
        by_obligation[obligation_id] += amount
    over = conn.execute(
        "SELECT id, amount, is_completed FROM (SELECT DISTINCT ON (id) * FROM "
        "core_obligation_events_rollup ORDER BY id, version DESC) o"
    ).fetchall()
    for oid, amount, completed in over:
        assert by_obligation.get(oid, 0) <= amount
        assert completed == (by_obligation.get(oid, 0) == amount)


# ---- the books: Cala ledger checks ----

ENTRIES = """
    SELECT e.id, e.transaction_id, e.account_id, x.event -> 'values' AS v, e.created_at
    FROM cala_entries e JOIN cala_entry_events x ON x.id = e.id
"""


def test_every_ledger_transaction_balances(conn):
    unbalanced = conn.execute(f"""
        SELECT transaction_id, v->>'currency', v->>'layer',
               sum(CASE v->>'direction' WHEN 'debit' THEN (v->>'units')::numeric
                   ELSE -(v->>'units')::numeric END)
        FROM ({ENTRIES}) en GROUP BY 1, 2, 3 HAVING sum(CASE v->>'direction'
            WHEN 'debit' THEN (v->>'units')::numeric ELSE -(v->>'units')::numeric END) <> 0
    """).fetchall()
    assert unbalanced == []
    (txs, orphans, single) = conn.execute(f"""
        SELECT (SELECT count(*) FROM cala_transactions),
               (SELECT count(*) FROM cala_entries e LEFT JOIN cala_transactions t
                  ON t.id = e.transaction_id WHERE t.id IS NULL),
               (SELECT count(*) FROM (SELECT transaction_id FROM ({ENTRIES}) en
                  GROUP BY 1 HAVING count(*) < 2) s)
    """).fetchone()
    assert txs > 1000 and orphans == 0 and single == 0
    # Every money movement of the entities has its transaction.
    (missing,) = conn.execute("""
        SELECT count(*) FROM (
          SELECT (event->>'ledger_tx_id')::uuid tx FROM core_deposit_events
          UNION ALL SELECT (event->>'ledger_tx_id')::uuid FROM core_payment_events
          UNION ALL SELECT (event->>'ledger_tx_id')::uuid FROM core_payment_allocation_events
          UNION ALL SELECT (event->>'ledger_tx_id')::uuid FROM core_interest_accrual_cycle_events
            WHERE event_type = 'interest_accrued'
          UNION ALL SELECT (event->>'ledger_tx_id')::uuid FROM core_disbursal_events
            WHERE event_type = 'settled'
          UNION ALL SELECT (event->>'ledger_tx_id')::uuid FROM core_withdrawal_events
            WHERE event_type <> 'approval_process_concluded'
          UNION ALL SELECT (event->>'ledger_tx_id')::uuid FROM core_collateral_events
            WHERE event_type = 'updated_via_manual_input'
        ) m LEFT JOIN cala_transactions t ON t.id = m.tx WHERE t.id IS NULL
    """).fetchone()
    assert missing == 0


def test_balances_are_the_sum_of_their_entries(conn):
    sums = {
        (str(a), cur, layer): (dr, cr, n)
        for a, cur, layer, dr, cr, n in conn.execute(f"""
            SELECT account_id, v->>'currency', v->>'layer',
                   sum((v->>'units')::numeric) FILTER (WHERE v->>'direction' = 'debit'),
                   sum((v->>'units')::numeric) FILTER (WHERE v->>'direction' = 'credit'),
                   count(*)
            FROM ({ENTRIES}) en GROUP BY 1, 2, 3
        """)
    }
    latest = conn.execute("""
        SELECT DISTINCT ON (account_id, currency) account_id::text, currency, version, values
        FROM cala_balance_history ORDER BY account_id, currency, version DESC
    """).fetchall()
    assert len(latest) > 100
    from decimal import Decimal

    for account, currency, version, values in latest:
        entries = 0
        for layer in ("settled", "pending", "encumbrance"):
            dr, cr, n = sums.get((account, currency, layer), (None, None, 0))
            assert Decimal(values[layer]["dr_balance"]) == (dr or 0), (account, layer)
            assert Decimal(values[layer]["cr_balance"]) == (cr or 0), (account, layer)
            entries += n
        assert version == values["version"] == entries
    # The cumulative effective balance of the last effective day is the latest balance.
    diff = conn.execute("""
        SELECT count(*) FROM (SELECT DISTINCT ON (account_id, currency) * FROM
          cala_cumulative_effective_balances ORDER BY account_id, currency, effective DESC,
          version DESC) c
        JOIN (SELECT DISTINCT ON (account_id, currency) * FROM cala_balance_history
          ORDER BY account_id, currency, version DESC) h USING (account_id, currency)
        WHERE c.all_time_version <> h.version OR c.values <> h.values
           OR c.latest_entry_id <> h.latest_entry_id
    """).fetchone()[0]
    assert diff == 0
    # Versions per account run 1..n; per effective day 1..n.
    gaps = conn.execute("""
        SELECT count(*) FROM (SELECT account_id, currency, max(version) m, count(*) n
          FROM cala_balance_history GROUP BY 1, 2) t WHERE m <> n
    """).fetchone()[0]
    assert gaps == 0


def test_each_entry_makes_one_row_in_each_balance_table(conn):
    """Both balance tables get a row per entry with the same values (the writer fills them from
    one staged line per entry)."""
    counts = conn.execute("""
        SELECT (SELECT count(*) FROM cala_entries), (SELECT count(*) FROM cala_balance_history),
               (SELECT count(*) FROM cala_cumulative_effective_balances)
    """).fetchone()
    assert counts[0] > 100 and len(set(counts)) == 1
    unmatched = conn.execute("""
        SELECT count(*) FROM cala_cumulative_effective_balances c
        LEFT JOIN cala_balance_history h ON h.journal_id = c.journal_id
          AND h.account_id = c.account_id AND h.currency = c.currency
          AND h.version = c.all_time_version
        WHERE h.values IS DISTINCT FROM c.values
           OR h.latest_entry_id IS DISTINCT FROM c.latest_entry_id
           OR h.recorded_at IS DISTINCT FROM c.created_at
           OR c.updated_at <> c.created_at
           OR c.effective <> (c.created_at AT TIME ZONE 'UTC')::date
    """).fetchone()[0]
    assert unmatched == 0


def test_the_banks_capital_keeps_its_cash_positive(conn):
    """The shareholders' capital is paid in on the first day, once; the bank's cash (its own
    account and the deposit omnibus, both under Operating Cash) never goes below zero."""
    capital = conn.execute(f"""
        SELECT a.code, v->>'direction', (v->>'units')::numeric, en.created_at::date
        FROM ({ENTRIES}) en JOIN cala_accounts a ON a.id = en.account_id
        WHERE a.code IN ('BANK.CASH', 'BANK.CAPITAL') ORDER BY 1
    """).fetchall()
    amount = Decimal(CAPITAL_PER_CUSTOMER * CUSTOMERS) / 100
    start = date(2025, 1, 1)
    assert capital == [
        ("BANK.CAPITAL", "credit", amount, start),
        ("BANK.CASH", "debit", amount, start),
    ]
    days, lowest = conn.execute(f"""
        WITH moves AS (
          SELECT en.created_at::date AS day, sum(CASE v->>'direction' WHEN 'debit'
                 THEN (v->>'units')::numeric ELSE -(v->>'units')::numeric END) AS delta
          FROM ({ENTRIES}) en JOIN cala_accounts a ON a.id = en.account_id
          WHERE a.code IN ('BANK.CASH', 'DEPOSIT.OMNIBUS') AND v->>'layer' = 'settled'
          GROUP BY 1)
        SELECT count(*), min(cash) FROM (SELECT sum(delta) OVER (ORDER BY day) AS cash
                                        FROM moves) c
    """).fetchone()
    assert days > LONG // 2 and lowest > 0


def test_deposit_accounts_in_the_ledger_match_the_deposits(conn):
    """A customer's deposit account (settled) = deposits - reverted - confirmed withdrawals +
    settled disbursals - payments; its pending layer holds withdrawals not yet confirmed."""
    rows = conn.execute(f"""
        WITH acc AS (SELECT id, (account_ids->>'deposit_account_id')::uuid led FROM
          (SELECT DISTINCT ON (id) * FROM core_deposit_account_events_rollup
           ORDER BY id, version DESC) a),
        led AS (SELECT account_id,
          sum(CASE v->>'direction' WHEN 'credit' THEN (v->>'units')::numeric
              ELSE -(v->>'units')::numeric END) FILTER (WHERE v->>'layer' = 'settled') s
          FROM ({ENTRIES}) en GROUP BY 1),
        src AS (
          SELECT deposit_account_id id, amount FROM (SELECT DISTINCT ON (id) * FROM
            core_deposit_events_rollup ORDER BY id, version DESC) d WHERE status = 'Confirmed'
          UNION ALL SELECT deposit_account_id, -amount FROM (SELECT DISTINCT ON (id) * FROM
            core_withdrawal_events_rollup ORDER BY id, version DESC) w WHERE status = 'Confirmed'
          UNION ALL SELECT a.id, d.amount FROM (SELECT DISTINCT ON (id) * FROM
            core_disbursal_events_rollup ORDER BY id, version DESC) d
            JOIN acc a ON a.led = d.disbursal_credit_account_id WHERE d.is_settled
          UNION ALL SELECT a.id, -p.amount FROM core_payment_events_rollup p
            JOIN acc a ON a.led = p.payment_source_account_id)
        SELECT acc.id, coalesce(led.s, 0) * 100,
               (SELECT coalesce(sum(amount), 0) FROM src WHERE src.id = acc.id)
        FROM acc LEFT JOIN led ON led.account_id = acc.led
    """).fetchall()
    assert len(rows) > 50
    assert [r for r in rows if r[1] != r[2]] == []


def test_facility_outstanding_is_the_ledgers_receivables(conn):
    receivable = {
        (str(f), kind): v
        for f, kind, v in conn.execute(f"""
            WITH f AS (SELECT DISTINCT ON (id) id, account_ids FROM
              core_credit_facility_events_rollup ORDER BY id, version DESC),
            accts AS (
              SELECT f.id, k.key, (k.value #>> '{{}}')::uuid acct FROM f,
                jsonb_each(f.account_ids) k
              WHERE k.key LIKE '%receivable%' OR k.key LIKE '%defaulted%')
            SELECT a.id, CASE WHEN a.key LIKE 'interest%' THEN 'Interest' ELSE 'Disbursal' END,
              sum(CASE v->>'direction' WHEN 'debit' THEN (v->>'units')::numeric
                  ELSE -(v->>'units')::numeric END) * 100
            FROM accts a JOIN ({ENTRIES}) en ON en.account_id = a.acct GROUP BY 1, 2
        """)
    }
    outstanding = {
        (str(f), kind): v
        for f, kind, v in conn.execute("""
            SELECT o.beneficiary_id, o.obligation_type,
                   sum(o.amount - coalesce(p.paid, 0))
            FROM (SELECT DISTINCT ON (id) * FROM core_obligation_events_rollup
                  ORDER BY id, version DESC) o
            LEFT JOIN (SELECT obligation_id, sum(amount) paid
                       FROM core_payment_allocation_events_rollup GROUP BY 1) p
              ON p.obligation_id = o.id
            GROUP BY 1, 2
        """)
    }
    # Interest accrued in cycles not yet posted is receivable, not yet an obligation.
    for f, accrued in conn.execute("""
        SELECT c.facility_id, sum((e.event->>'amount')::bigint)
        FROM core_interest_accrual_cycle_events e
        JOIN (SELECT DISTINCT ON (id) * FROM core_interest_accrual_cycle_events_rollup
              ORDER BY id, version DESC) c ON c.id = e.id
        WHERE e.event_type = 'interest_accrued' AND NOT c.is_interest_accruals_posted
        GROUP BY 1
    """):
        key = (str(f), "Interest")
        outstanding[key] = outstanding.get(key, 0) + accrued
    assert len(receivable) > 20
    keys = set(receivable) | set(outstanding)
    assert {k: receivable.get(k, 0) for k in keys} == {k: outstanding.get(k, 0) for k in keys}
    # The facility rollup's `outstanding` at a collateralization change is the obligations'.
    (changes,) = conn.execute(
        "SELECT count(*) FROM core_credit_facility_events "
        "WHERE event_type = 'collateralization_state_changed'"
    ).fetchone()
    assert changes > 0


def test_interest_is_rate_times_principal_per_day(conn):
    """Each day's accrual = ceil(principal outstanding x annual rate / 365)."""
    from decimal import ROUND_CEILING, Decimal

    principal_moves = defaultdict(list)  # facility -> [(recorded_at, delta)]
    for f, at, amount in conn.execute("""
        SELECT o.beneficiary_id, e.recorded_at, (e.event->>'amount')::bigint
        FROM core_obligation_events e JOIN core_obligation_events_rollup o
          ON o.id = e.id AND o.version = e.sequence
        WHERE e.event_type = 'initialized' AND o.obligation_type = 'Disbursal'
        UNION ALL
        SELECT a.beneficiary_id, e.recorded_at, -a.amount
        FROM core_payment_allocation_events e JOIN core_payment_allocation_events_rollup a
          ON a.id = e.id WHERE a.obligation_type = 'Disbursal'
    """):
        principal_moves[f].append((at, amount))
    checked = 0
    for f, at, amount, rate in conn.execute("""
        SELECT c.facility_id, e.recorded_at, (e.event->>'amount')::bigint,
               c.terms->>'annual_rate'
        FROM core_interest_accrual_cycle_events e
        JOIN core_interest_accrual_cycle_events_rollup c ON c.id = e.id AND c.version = 1
        WHERE e.event_type = 'interest_accrued'
    """):
        principal = sum(d for t, d in principal_moves[f] if t < at)
        want = (Decimal(principal) * Decimal(rate) / 100 / 365).to_integral_value(ROUND_CEILING)
        assert amount == want, (f, at, principal, rate)
        checked += 1
    assert checked > 500


def test_chart_of_accounts_over_account_sets(conn):
    nodes = conn.execute("""
        SELECT n.code, r.spec, r.ledger_account_set_id, s.name, r.child_node_ids
        FROM core_chart_nodes n JOIN (SELECT DISTINCT ON (id) * FROM
          core_chart_node_events_rollup ORDER BY id, version DESC) r ON r.id = n.id
        LEFT JOIN cala_account_sets s ON s.id = r.ledger_account_set_id
    """).fetchall()
    codes = {code for code, *_ in nodes}
    assert {"1", "11", "11.01.0101", "21.01.0101", "81.02", "11.02.0202"} <= codes
    for code, spec, _set_id, set_name, _ in nodes:
        assert set_name == spec["name"]["name"]
        parent = spec["parent"]
        if "." in code:
            assert ".".join(s["code"] for s in parent["sections"]) == code.rsplit(".", 1)[0]
    # The set of a node holds its children's sets; every posting account is in a node's set.
    (unlinked,) = conn.execute("""
        SELECT count(*) FROM cala_accounts a
        WHERE NOT EXISTS (SELECT 1 FROM cala_account_sets s WHERE s.id = a.id)
          AND NOT EXISTS (SELECT 1 FROM cala_account_set_member_accounts m
                          WHERE m.member_account_id = a.id)
    """).fetchone()
    assert unlinked == 0
    (edges,) = conn.execute("SELECT count(*) FROM cala_account_set_member_account_sets").fetchone()
    assert edges == len(nodes)  # each node under its parent (top level under the chart's set)
    (deposits,) = conn.execute("""
        SELECT count(*) FROM cala_account_set_member_accounts m
        JOIN core_chart_nodes n ON n.ledger_account_set_id = m.account_set_id
        WHERE n.code = '21.01.0101'
    """).fetchone()
    (customers,) = conn.execute("SELECT count(*) FROM core_deposit_accounts").fetchone()
    assert deposits == customers


def test_proposals_become_pending_facilities_then_facilities(conn):
    rows = conn.execute("""
        SELECT p.id, p.status, pf.id IS NOT NULL, pf.is_completed, f.id IS NOT NULL,
               f.collateral, c.collateral_amount
        FROM (SELECT DISTINCT ON (id) * FROM core_credit_facility_proposal_events_rollup
              ORDER BY id, version DESC) p
        LEFT JOIN (SELECT DISTINCT ON (id) * FROM core_pending_credit_facility_events_rollup
              ORDER BY id, version DESC) pf ON pf.credit_facility_proposal_id = p.id
        LEFT JOIN core_credit_facility_events_rollup f ON f.id = pf.id AND f.version = 1
        LEFT JOIN core_collateral_events_rollup c ON c.secured_loan_id = f.id AND c.version = 2
    """).fetchall()
    statuses = {r[1] for r in rows}
    assert statuses == {"Approved", "Denied"}
    for _, status, pending, completed, facility, collateral, posted in rows:
        assert pending == facility == (status == "Approved")
        if facility:
            assert completed and collateral == posted
    # The collateral entity's amount is the BTC in its ledger account.
    diff = conn.execute(f"""
        SELECT count(*) FROM (SELECT DISTINCT ON (id) * FROM core_collateral_events_rollup
          ORDER BY id, version DESC) c
        JOIN (SELECT account_id, sum(CASE v->>'direction' WHEN 'debit'
                THEN (v->>'units')::numeric ELSE -(v->>'units')::numeric END) btc
              FROM ({ENTRIES}) en WHERE v->>'currency' = 'BTC' GROUP BY 1) l
          ON l.account_id = (c.account_ids->>'collateral_account_id')::uuid
        WHERE l.btc * 100000000 <> c.collateral_amount
    """).fetchone()[0]
    assert diff == 0


WEBHOOK_KEYS = {
    "type", "externalUserId", "applicantId", "inspectionId", "levelName", "reviewStatus",
    "createdAtMs", "sandboxMode",
}  # fmt: skip


def test_sumsub_webhooks_in_the_inbox(conn):
    hooks = conn.execute(
        "SELECT payload, status::text, idempotency_key, recorded_at, processed_at "
        "FROM inbox_events ORDER BY recorded_at"
    ).fetchall()
    assert hooks
    by_applicant = defaultdict(list)
    for payload, status, key, recorded_at, processed_at in hooks:
        assert status == "completed" and processed_at == recorded_at
        assert key == f"sumsub:{payload['correlationId']}:{payload['type']}"
        assert set(payload) >= WEBHOOK_KEYS
        assert payload["createdAtMs"] == recorded_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        by_applicant[payload["applicantId"]].append(payload)
    customers = dict(conn.execute(
        "SELECT id::text, conversion FROM core_customer_events_rollup WHERE version = 1"
    ).fetchall())  # fmt: skip
    approved = {c["applicant_id"]: cid for cid, c in customers.items()
                if c["type"] == "sumsub_approved"}  # fmt: skip
    assert approved and len(approved) < len(customers)  # some were converted by hand
    rejected = 0
    for applicant, steps in by_applicant.items():
        types = [s["type"] for s in steps]
        assert types[:2] == ["applicantCreated", "applicantPending"]
        assert types[-1] == "applicantReviewed"
        last = steps[-1]["reviewResult"]
        assert len({s["externalUserId"] for s in steps}) == 1
        if applicant in approved:
            assert last["reviewAnswer"] == "GREEN"
            assert steps[0]["externalUserId"] == approved[applicant]
        else:
            assert last == {**last, "reviewAnswer": "RED", "reviewRejectType": "FINAL"}
            assert steps[0]["externalUserId"] not in customers
            rejected += 1
    assert rejected > 0 and set(approved) <= set(by_applicant)
    retried = [s for s in by_applicant.values() if len(s) == 5]
    assert retried and all(s[2]["reviewResult"]["reviewAnswer"] == "RED" for s in retried)
