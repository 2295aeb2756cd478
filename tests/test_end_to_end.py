"""The whole pipeline on a real stack: sandbox PostgreSQL → Meltano → DuckDB → dbt → report.

Runs the Dagster job in process (the same job the schedule runs), then checks the warehouse
against the source with SQL written independently of the dbt models. A second run after a
week of new bank activity must load exactly the new source rows and agree again.
"""

import csv
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import dagster as dg
import duckdb
import psycopg
import pytest
from generate_es_reports.config import load_config
from generate_es_reports.formats import xml_errors
from lana_dw.definitions import defs
from lana_dw.defs.lana_el.assets import LANA_TABLES
from lana_sandbox.fake_bitfinex.clock import SystemClock
from lana_sandbox.fake_bitfinex.server import FakeBitfinex
from lana_sandbox.fake_sumsub.server import DEFAULT_SECRET, DEFAULT_TOKEN, FakeSumsub
from lana_sandbox.simulate import simulate

SEED = 7


# Key of each raw table (what the loader upserts on), where it is not (id, version) of a
# rollup or (id, sequence) of an events table.
KEYS = {
    "core_public_ids": ["id"],
    "inbox_events": ["id"],
    "cala_journals": ["id"],
    "cala_accounts": ["id"],
    "cala_account_sets": ["id"],
    "cala_transactions": ["id"],
    "cala_entries": ["id"],
    "cala_account_set_member_accounts": ["account_set_id", "member_account_id"],
    "cala_account_set_member_account_sets": ["account_set_id", "member_account_set_id"],
    "cala_balance_history": ["journal_id", "account_id", "currency", "version"],
    "cala_cumulative_effective_balances": [
        "journal_id",
        "account_id",
        "currency",
        "effective",
        "version",
    ],
}


def _key(table: str) -> list[str]:
    if table in KEYS:
        return KEYS[table]
    return ["id", "version"] if table.endswith("_rollup") else ["id", "sequence"]


def _latest(table: str) -> str:
    return f"(select distinct on (id) * from {table} order by id, version desc)"


# Independent of dbt: the bank's figures straight from the source tables, in exact cents.
SOURCE_FIGURES = {
    "customers": "select count(*) from core_customers",
    "disbursed_cents": f"""
        select coalesce(sum(amount), 0) from {_latest("core_disbursal_events_rollup")} d
        where d.is_settled""",
    "paid_cents": f"select coalesce(sum(amount), 0) from {_latest('core_payment_events_rollup')} p",
    "deposits_cents": f"""
        select coalesce(sum(amount), 0) from {_latest("core_deposit_events_rollup")} d
        where d.status = 'Confirmed'""",
    "withdrawals_cents": f"""
        select coalesce(sum(amount), 0) from {_latest("core_withdrawal_events_rollup")} w
        where w.status = 'Confirmed'""",
    # the loan book as of the ledger's last day: every settled disbursal, its principal
    # less what payments allocated to principal (Disbursal obligations)
    "loans": f"""
        select count(*) from {_latest("core_disbursal_events_rollup")} d where d.is_settled""",
    "principal_outstanding_cents": f"""
        select (select coalesce(sum(amount), 0) from {_latest("core_disbursal_events_rollup")} d
                where d.is_settled)
             - (select coalesce(sum(amount), 0)
                from {_latest("core_payment_allocation_events_rollup")} a
                where a.obligation_type = 'Disbursal')""",
}

MART_FIGURES = {
    "customers": "select count(*) from dbt_lana_marts.dim_customers",
    "disbursed_cents": "select sum(disbursed_usd) * 100 from dbt_lana_marts.fct_facilities",
    "paid_cents": "select coalesce(sum(amount_usd), 0) * 100 from dbt_lana_marts.fct_payments",
    "deposits_cents": "select sum(total_deposits_usd) * 100 from dbt_lana_marts.dim_customers",
    "withdrawals_cents": (
        "select sum(total_withdrawals_usd) * 100 from dbt_lana_marts.dim_customers"
    ),
    "loans": "select count(*) from dbt_lana_marts.fct_loan_portfolio",
    "principal_outstanding_cents": (
        "select coalesce(sum(principal_outstanding_usd), 0) * 100"
        " from dbt_lana_marts.fct_loan_portfolio"
    ),
}

# Customers per status: Lana's active (or never set) / frozen / closed.
SOURCE_STATUSES = f"""
    select case coalesce(status, 'active')
               when 'active' then 'ACTIVE'
               when 'frozen' then 'SUSPENDED'
               when 'closed' then 'INACTIVE'
           end, count(*)
    from {_latest("core_customer_events_rollup")} c group by 1
"""

# Confirmed deposits minus confirmed withdrawals per customer, in cents.
SOURCE_NET_DEPOSITS = f"""
    select a.account_holder_id::text, coalesce(sum(m.amount), 0)
    from {_latest("core_deposit_account_events_rollup")} a
    left join (
        select deposit_account_id, amount from {_latest("core_deposit_events_rollup")} d
        where status = 'Confirmed'
        union all
        select deposit_account_id, -amount from {_latest("core_withdrawal_events_rollup")} w
        where status = 'Confirmed'
    ) m on m.deposit_account_id = a.id
    group by 1
"""

# Deposit balance per customer from the source: confirmed deposits − confirmed withdrawals
# + settled disbursals credited to the account − payments taken from it.
SOURCE_BALANCES = f"""
    with accounts as (
        select id, account_holder_id as customer_id,
               (account_ids ->> 'deposit_account_id')::uuid as ledger_account_id
        from {_latest("core_deposit_account_events_rollup")} a
    ),
    movements as (
        select deposit_account_id, amount from {_latest("core_deposit_events_rollup")} d
        where status = 'Confirmed'
        union all
        select deposit_account_id, -amount from {_latest("core_withdrawal_events_rollup")} w
        where status = 'Confirmed'
        union all
        select a.id, d.amount from {_latest("core_disbursal_events_rollup")} d
        join accounts a on a.ledger_account_id = d.disbursal_credit_account_id
        where d.is_settled
        union all
        select a.id, -p.amount from {_latest("core_payment_events_rollup")} p
        join accounts a on a.ledger_account_id = p.payment_source_account_id
    )
    select a.customer_id::text, coalesce(sum(m.amount), 0)
    from accounts a left join movements m on m.deposit_account_id = a.id
    group by 1
"""


def _source(dsn: str, sql: str):
    with psycopg.connect(dsn) as con:
        return con.execute(sql).fetchall()


def _assert_per_customer(marts: list[tuple], source: list[tuple]) -> None:
    """Same amount for every customer with a deposit account; zero for the others."""
    expected = {customer: Decimal(cents) for customer, cents in source}
    got = {customer: Decimal(cents or 0) for customer, cents in marts}
    assert {c: got.get(c) for c in expected} == expected
    assert all(v == 0 for c, v in got.items() if c not in expected)


def _run_pipeline() -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def("lana_dw_daily").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    failures = [e.message for e in result.all_events if e.is_step_failure]
    assert result.success, f"pipeline failed: {failures}"
    return result


def _check_warehouse_matches_source(dsn: str, warehouse) -> dict[str, int]:
    raw_counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in LANA_TABLES:
            key = ", ".join(_key(table))
            (source_rows,) = _source(dsn, f"select count(*) from {table}")[0]
            rows, distinct_keys = con.execute(
                f"select count(*), count(distinct ({key})) from lana_raw.{table}"
            ).fetchone()
            assert (table, rows) == (table, source_rows), "raw table differs from the source"
            assert distinct_keys == rows, f"lana_raw.{table} holds a source row twice"
            raw_counts[table] = rows

        for name, sql in SOURCE_FIGURES.items():
            expected = _source(dsn, sql)[0][0]
            got = con.execute(MART_FIGURES[name]).fetchone()[0]
            assert (name, Decimal(got)) == (name, Decimal(expected))

        statuses = con.execute(
            "select status, count(*) from dbt_lana_marts.dim_customers group by 1"
        ).fetchall()
        net_deposits = con.execute(
            "select customer_id::varchar, (total_deposits_usd - total_withdrawals_usd) * 100"
            " from dbt_lana_marts.dim_customers"
        ).fetchall()
        balances = con.execute(
            "select customer_id::varchar, deposit_balance_usd * 100"
            " from dbt_lana_marts.dim_customers"
        ).fetchall()
    assert dict(statuses) == dict(_source(dsn, SOURCE_STATUSES))
    _assert_per_customer(net_deposits, _source(dsn, SOURCE_NET_DEPOSITS))
    _assert_per_customer(balances, _source(dsn, SOURCE_BALANCES))
    return raw_counts


def _check_regulator_files(run_id: str, tmp_path, warehouse) -> None:
    """The daily job's report step wrote every file of reports.yml into the run's folder: XML
    valid against its XSD, every row of its model, checksums in the manifest."""
    config = load_config()
    folder = tmp_path / "reports" / run_id
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed"] == [] and manifest["run_id"] == run_id
    files = {f["path"]: f for f in manifest["files"]}
    skipped = {s["path"] for s in manifest["skipped"]}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for report in config.reports:
            (rows,) = con.execute(
                f"select count(*) from dbt_lana_reports.{report.model}"
            ).fetchone()
            for output in report.outputs:
                path = report.path(output.format)
                if path in skipped:  # an empty report has no valid XML
                    assert rows == 0 and output.format == "xml"
                    continue
                assert files[path]["rows"] == rows, path
                if output.format == "xml":
                    assert xml_errors(folder / path, output.xsd) == []
    assert files["nrp_92/referencia.xml"]["rows"] > 0
    page = (folder / "financial/financial_report.html").read_text(encoding="utf-8")
    assert files["financial/financial_report.html"]["bytes"] == len(page.encode("utf-8"))
    assert "Balance sheet" in page and "<svg " in page


@pytest.fixture
def bitfinex(monkeypatch):
    """The fake Bitfinex on the real clock; tap-bitfinex starts two hours back on a first run."""
    with FakeBitfinex(seed=SEED, clock=SystemClock()) as fake:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        monkeypatch.setenv("BITFINEX_BASE_URL", fake.base_url)
        monkeypatch.setenv("BITFINEX_START_DATE", start.isoformat())
        fake.first_run_start_ms = int(start.timestamp() * 1000)
        yield fake


@pytest.fixture
def sumsub(fresh_database, monkeypatch):
    """The fake Sumsub, serving one applicant per customer in the bank's webhook log."""
    with FakeSumsub(fresh_database, seed=SEED, clock=SystemClock()) as fake:
        monkeypatch.setenv("TAP_SUMSUBAPI_BASE_URL", fake.base_url)
        monkeypatch.setenv("SUMSUB_KEY", DEFAULT_TOKEN)
        monkeypatch.setenv("SUMSUB_SECRET", DEFAULT_SECRET)
        yield fake


@pytest.fixture
def pipeline_env(fresh_database, bitfinex, sumsub, tmp_path, monkeypatch):
    """Point every tool at a fresh source database and a warehouse, state and reports in tmp."""
    monkeypatch.setenv("LANA_PG_DSN", fresh_database)
    monkeypatch.setenv("LANA_DUCKDB_PATH", str(tmp_path / "lana.duckdb"))
    monkeypatch.setenv("LANA_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("MELTANO_STATE_BACKEND_URI", (tmp_path / "meltano-state").as_uri())
    return fresh_database, tmp_path


def _check_kyc_matches_webhooks(dsn: str, warehouse) -> None:
    """One applicant per customer Lana received Sumsub webhooks for; nothing twice."""
    (customers,) = _source(
        dsn,
        "select array_agg(distinct payload ->> 'externalUserId'"
        " order by payload ->> 'externalUserId') from inbox_events"
        " where payload ? 'externalUserId'",
    )[0]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded, rows, keys, fetched = con.execute(
            "select list(distinct customer_id::varchar order by customer_id::varchar), count(*),"
            " count(distinct (customer_id, recorded_at)), count(*) filter (fetch_status = 'found')"
            " from lana_raw.sumsub_applicants"
        ).fetchone()
    assert customers, "the simulated bank wrote no Sumsub webhooks; the test proves nothing"
    assert loaded == customers
    assert keys == rows and fetched == rows


def _check_prices_match_bitfinex(warehouse, fake: FakeBitfinex, snapshots: int) -> None:
    """Every trade Bitfinex has from the start to the last loaded one, once, to the satoshi."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids, last_mts, amount = con.execute(
            "select list(id order by id), max(mts), sum(amount) from lana_raw.bitfinex_trades"
        ).fetchone()
        (tickers,) = con.execute("select count(*) from lana_raw.bitfinex_ticker").fetchone()
        (books,) = con.execute(
            "select count(distinct requested_at) from lana_raw.bitfinex_order_book"
        ).fetchone()
    truth = fake.market.trades("tBTCUSD", fake.first_run_start_ms, last_mts)
    assert ids == sorted(t.id for t in truth)
    assert amount * 100_000_000 == sum(t.amount for t in truth)
    assert (tickers, books) == (snapshots, snapshots)


def test_pipeline_end_to_end_and_incremental(pipeline_env, bitfinex):
    dsn, tmp_path = pipeline_env
    warehouse = tmp_path / "lana.duckdb"
    simulate(dsn, customers=50, days=90, seed=SEED)

    result = _run_pipeline()
    first = _check_warehouse_matches_source(dsn, warehouse)
    _check_regulator_files(result.run_id, tmp_path, warehouse)
    _check_prices_match_bitfinex(warehouse, bitfinex, snapshots=1)
    _check_kyc_matches_webhooks(dsn, warehouse)
    assert first["core_customer_events"] > 0 and first["core_disbursal_events"] > 0

    report = tmp_path / "reports" / "financial_summary.csv"
    with report.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, "the financial summary report is empty"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (months,) = con.execute("select count(*) from dbt_lana_marts.financial_summary").fetchone()
    assert len(rows) == months

    # A week later: only the new source rows are loaded, nothing twice, marts agree again.
    simulate(dsn, days=7, seed=SEED)
    before = datetime.now(UTC)
    result = _run_pipeline()
    second = _check_warehouse_matches_source(dsn, warehouse)
    _check_regulator_files(result.run_id, tmp_path, warehouse)
    _check_prices_match_bitfinex(warehouse, bitfinex, snapshots=2)
    _check_kyc_matches_webhooks(dsn, warehouse)
    new_rows = {t: second[t] - first[t] for t in LANA_TABLES}
    assert sum(new_rows.values()) > 0, "the week added no source rows; the test proves nothing"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in LANA_TABLES:
            (loaded,) = con.execute(
                f"select count(*) from lana_raw.{table} where _sdc_batched_at > ?", [before]
            ).fetchone()
            # tap-postgres re-reads the rows at the bookmark (>=); the loader leaves identical
            # rows untouched, so only genuinely new rows carry the second run's batch time.
            assert (table, loaded) == (table, new_rows[table])
