"""The code location loads and is wired the way the docs say: EL → dbt → reports, daily at 02:00."""

import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from lana_dw.definitions import defs
from lana_dw.defs.bitfinex.assets import BITFINEX_TABLES
from lana_dw.defs.lana_el.assets import LANA_TABLES
from lana_dw.defs.reports.assets import (
    FINANCIAL_KEY,
    REPORTS,
    regulator_report_files,
    report_key,
)
from lana_dw.defs.shared.resources import DUCKDB_POOL, DuckDBWarehouse, tap_postgres_url
from lana_dw.defs.sumsub.assets import SUMSUB_TABLES


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def test_every_selected_table_is_an_asset_in_lana_raw(graph):
    raw = {k for k in graph.get_all_asset_keys() if k.path[0] == "lana_raw"}
    assert raw == {
        dg.AssetKey(["lana_raw", t]) for t in [*LANA_TABLES, *BITFINEX_TABLES, *SUMSUB_TABLES]
    }
    assert SUMSUB_TABLES == ["sumsub_applicants", "sumsub_documents"]
    assert len(LANA_TABLES) == 44
    assert {"core_public_ids", "inbox_events", "cala_balance_history"} <= set(LANA_TABLES)
    assert BITFINEX_TABLES == [
        "bitfinex_ticker",
        "bitfinex_trades",
        "bitfinex_candles",
        "bitfinex_order_book",
    ]


def test_dbt_sources_are_the_el_assets(graph):
    """Every dbt model reading lana_raw depends on the EL asset itself, not on a dangling key."""
    staging = graph.get(dg.AssetKey(["dbt_lana", "stg_customers"]))
    assert dg.AssetKey(["lana_raw", "core_customer_events_rollup"]) in staging.parent_keys
    materializable = {n.key for n in graph.asset_nodes if n.is_materializable}
    for node in graph.asset_nodes:
        for parent in node.parent_keys:
            assert parent in materializable, f"{node.key} depends on {parent}, which nothing builds"


def test_report_depends_on_its_mart(graph):
    report = graph.get(dg.AssetKey(["reports", "financial_summary"]))
    assert report.parent_keys == {dg.AssetKey(["dbt_lana_marts", "financial_summary"])}


def test_each_regulator_file_is_an_asset_on_its_report_model(graph):
    """["reports", norm, file] per report of reports.yml, on its dbt model, whose dbt tests are
    blocking asset checks (severity error): a failing one stops the file."""
    keys = {k for k in graph.get_all_asset_keys() if k.path[0] == "reports" and len(k.path) == 3}
    assert keys - {FINANCIAL_KEY} == {report_key(r) for r in REPORTS.reports} and len(keys) == 10
    checks = graph.asset_check_keys
    for report in REPORTS.reports:
        model = dg.AssetKey(["dbt_lana_reports", report.model])
        as_of = dg.AssetKey(["dbt_lana_reports", "report_as_of"])
        assert graph.get(report_key(report)).parent_keys == {model, as_of}
        model_checks = [c for c in checks if c.asset_key == model]
        assert model_checks, f"{report.model} has no dbt tests"
        assert all(graph.get_check_spec(c).blocking for c in model_checks)


def test_the_financial_report_is_an_asset_on_the_marts_it_reads(graph):
    """["reports", "financial", "financial_report"] on the five marts financial.py reads."""
    parents = graph.get(FINANCIAL_KEY).parent_keys
    assert parents == {
        dg.AssetKey(["dbt_lana_marts", name])
        for name in (
            "financial_summary",
            "fct_balance_sheet",
            "fct_income_statement",
            "fct_loan_portfolio",
            "fct_loan_book_daily",
        )
    }


def test_a_failing_blocking_check_upstream_stops_the_report_files(tmp_path, monkeypatch):
    """Dagster's side of it: the model's blocking check fails, so the report step never runs."""
    monkeypatch.setenv("LANA_REPORTS_DIR", str(tmp_path / "reports"))
    report = REPORTS.reports[0]
    model = dg.AssetKey(["dbt_lana_reports", report.model])

    @dg.asset(key=model, check_specs=[dg.AssetCheckSpec("not_null", asset=model, blocking=True)])
    def stand_in_model():
        return dg.MaterializeResult(
            check_results=[dg.AssetCheckResult(check_name="not_null", passed=False)]
        )

    result = dg.materialize(
        [stand_in_model, regulator_report_files],
        selection=[model, report_key(report)],
        resources={"warehouse": DuckDBWarehouse()},
        raise_on_error=False,
    )
    assert not result.success
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert started == {model.to_python_identifier()}  # the model's step, not the reports'
    assert any(
        e.is_step_failure and "blocking asset check" in str(e.event_specific_data.error)
        for e in result.all_events
    )
    assert not (tmp_path / "reports").exists()


def test_report_files_asset_writes_its_selection_with_metadata(tmp_path, monkeypatch):
    """One report file selected, on a DuckDB warehouse holding its model: the files land in
    LANA_REPORTS_DIR/<run id>/ and the asset's metadata names them and their rows."""
    warehouse = tmp_path / "lana.duckdb"
    report = next(r for r in REPORTS.reports if r.file == "referencia_garantia")
    row = ["1001", "01", "PD", "A&B <ñ>", "PC", "1234.50"]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema dbt_lana_reports")
        con.execute(
            "create table dbt_lana_reports.report_as_of as select '2025-03-31' as as_of_date"
        )
        con.execute(
            f"create table dbt_lana_reports.{report.model} (num_referencia varchar, "
            "cod_cartera varchar, cod_activo varchar, identificacion_garantia varchar, "
            "tipo_garantia varchar, valor_garantia_proporcional varchar)"
        )
        con.execute(f"insert into dbt_lana_reports.{report.model} values (?, ?, ?, ?, ?, ?)", row)
    monkeypatch.setenv("LANA_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("LANA_REPORTS_DIR", str(tmp_path / "reports"))
    result = dg.materialize(
        [regulator_report_files],
        selection=[report_key(report)],
        resources={"warehouse": DuckDBWarehouse()},
    )
    [materialization] = result.asset_materializations_for_node("regulator_report_files")
    metadata = materialization.metadata
    assert materialization.asset_key == report_key(report)
    assert (metadata["rows"].value, metadata["as_of_date"].value) == (1, "2025-03-31")
    folder = tmp_path / "reports" / result.run_id
    assert metadata["xml_path"].value == str(folder / "nrp_92" / "referencia_garantia.xml")
    assert metadata["csv_path"].value == str(folder / "nrp_92" / "referencia_garantia.csv")
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [
        "manifest.json",
        "referencia_garantia.csv",
        "referencia_garantia.xml",
    ]


def test_daily_job_covers_everything_and_is_scheduled_at_two(graph):
    job = defs.resolve_job_def("lana_dw_daily")
    assert job.asset_layer.selected_asset_keys == {
        n.key for n in graph.asset_nodes if n.is_materializable
    }
    schedule = defs.resolve_schedule_def("lana_dw_daily_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "UTC")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_prices_every_ten_minutes_load_only_bitfinex():
    job = defs.resolve_job_def("bitfinex_prices")
    assert job.asset_layer.selected_asset_keys == {
        dg.AssetKey(["lana_raw", t]) for t in BITFINEX_TABLES
    }
    schedule = defs.resolve_schedule_def("bitfinex_prices_every_10_minutes")
    assert schedule.cron_schedule == "*/10 * * * *"


def test_kyc_runs_on_new_webhooks_and_loads_only_sumsub():
    job = defs.resolve_job_def("sumsub_kyc")
    assert job.asset_layer.selected_asset_keys == {
        dg.AssetKey(["lana_raw", t]) for t in SUMSUB_TABLES
    }
    sensor = defs.resolve_sensor_def("sumsub_on_new_webhooks")
    assert sensor.job_name == "sumsub_kyc"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_warehouse_writers_share_one_pool(graph):
    """DuckDB takes one writer: EL, dbt and reports all queue on the same pool."""
    pools = {
        node.pools and next(iter(node.pools))
        for node in graph.asset_nodes
        if node.is_materializable
    }
    assert pools == {DUCKDB_POOL}


@pytest.mark.parametrize(
    ("dsn", "url"),
    [
        ("postgresql://postgres@127.0.0.1:5432/lana", "postgresql://postgres:@127.0.0.1:5432/lana"),
        (
            "postgres://u:s%40cret@db/lana?sslmode=require",
            "postgresql://u:s%40cret@db:5432/lana?sslmode=require",
        ),
        (
            "host=127.0.0.1 port=55432 user=postgres dbname=lana",
            "postgresql://postgres:@127.0.0.1:55432/lana",
        ),
        (
            "host=/var/run/postgresql user=lana dbname=lana",
            "postgresql://lana:@:5432/lana?host=%2Fvar%2Frun%2Fpostgresql",
        ),
    ],
)
def test_tap_postgres_url_always_names_a_password(dsn, url):
    assert tap_postgres_url(dsn) == url


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("mysql://u@h/db", "not a valid PostgreSQL DSN"),
        ("host=127.0.0.1 dbname=lana", "must name user"),
        ("postgresql:///lana", "must name host, user"),
    ],
)
def test_tap_postgres_url_rejects_what_tap_postgres_cannot_use(dsn, message):
    with pytest.raises(ValueError, match=message):
        tap_postgres_url(dsn)


SNAPSHOT = Path(__file__).parent / "definitions.snapshot.txt"


def _describe() -> str:
    graph = defs.resolve_asset_graph()
    lines = ["# assets"]
    lines += sorted(n.key.to_user_string() for n in graph.asset_nodes if n.is_materializable)
    lines += ["# jobs"] + sorted(
        j.name for j in defs.resolve_all_job_defs() if j.name != "__ASSET_JOB"
    )
    lines += ["# schedules"] + sorted(
        f"{s.name} {s.cron_schedule} {s.execution_timezone} -> {s.job_name}"
        for s in map(defs.resolve_schedule_def, (s.name for s in defs.schedules or []))
    )
    lines += ["# sensors"] + sorted(s.name for s in defs.sensors or [])
    return "\n".join(lines) + "\n"


def test_definitions_snapshot():
    """What the code location offers, reviewed as a diff. LANA_UPDATE_SNAPSHOTS=1 rewrites it."""
    current = _describe()
    if os.environ.get("LANA_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current)
    assert current == SNAPSHOT.read_text(), (
        "definitions changed: review, then rerun with LANA_UPDATE_SNAPSHOTS=1"
    )
