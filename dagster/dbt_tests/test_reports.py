"""The regulator reports on the PostgreSQL build (conftest.postgres_build): every report of
generate-es-reports' reports.yml written by the generator itself from the sandbox bank (XML
validated against its XSD with xmlschema, CSV, TXT), and the numbers checked against the bank's
own rows in lana_raw with SQL written independently of the dbt models.
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import pytest
from generate_es_reports.config import load_config
from generate_es_reports.formats import layout, xml_errors
from generate_es_reports.run import run
from generate_es_reports.warehouse import Postgres

from .conftest import run_dbt
from .raw import DBT_PROJECT

CONFIG = load_config()
# the ledger's last effective date: the default as-of date of every report
AS_OF = "(select max(effective::date) from lana_raw.cala_cumulative_effective_balances)"
LATEST = "(select distinct on (id) * from lana_raw.{} order by id, version desc)"
XS_FRACTION_DIGITS = "{http://www.w3.org/2001/XMLSchema}fractionDigits"


def cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def files(warehouse, tmp_path_factory):
    """Every report of reports.yml, written by generate-es-reports from the sandbox bank."""
    out = tmp_path_factory.mktemp("reports")
    with Postgres(warehouse) as reader:
        current = run(reader, out, config=CONFIG, run_id="sandbox")
    return out / "sandbox", current


def fetch(dsn: str, query: str) -> tuple[list[str], list[tuple]]:
    with psycopg.connect(dsn) as conn:
        cursor = conn.execute(query)
        return [c.name for c in cursor.description], cursor.fetchall()


def report(dsn: str, model: str) -> list[dict]:
    names, rows = fetch(dsn, f"select * from dbt_lana_reports.{model}")
    return [dict(zip(names, row, strict=True)) for row in rows]


def scalar(dsn: str, query: str):
    return fetch(dsn, query)[1][0][0]


def test_every_report_model_is_in_reports_yml():
    models = {p.stem for p in (DBT_PROJECT / "models" / "reports").glob("report_*.sql")}
    assert models - {CONFIG.as_of_model} == {r.model for r in CONFIG.reports}


def test_every_report_file_from_the_sandbox_bank_is_written_and_valid(warehouse, files):
    """No report failed or was left out, every XML is valid against its XSD (checked again on
    the landed file), every file holds every row of its model, the as-of date is the ledger's."""
    folder, current = files
    assert current.errors == []
    assert [s for r in current.results for s in r.skipped] == current.financial_skipped == []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of_date"] == str(scalar(warehouse, f"select {AS_OF}"))
    expected = {r.path(o.format) for r in CONFIG.reports for o in r.outputs}
    # and the bank's financial report, page and PDF (test_financial_report.py checks them)
    expected |= {"financial/financial_report.html", "financial/financial_report.pdf"}
    assert {f["path"] for f in manifest["files"]} == expected
    assert (folder / "financial/financial_report.pdf").read_bytes().startswith(b"%PDF-")
    for report_ in CONFIG.reports:
        rows = scalar(warehouse, f"select count(*) from dbt_lana_reports.{report_.model}")
        for output in report_.outputs:
            path = folder / report_.path(output.format)
            if output.format == "xml":
                assert rows > 0, f"{report_.model} is empty: its XSD was not exercised"
                assert xml_errors(path, output.xsd) == [], path
            else:
                with path.open(encoding="utf-8", newline="") as f:
                    delimiter = "," if output.format == "csv" else "|"
                    assert len(list(csv.reader(f, delimiter=delimiter))) == rows + 1, path


XML_REPORTS = {r: o.xsd for r in CONFIG.reports for o in r.outputs if o.format == "xml"}


@pytest.mark.parametrize("report_", list(XML_REPORTS), ids=lambda r: r.key)
def test_report_decimals_have_exactly_their_places(warehouse, report_):
    """Stricter than the XSD: every decimal is printed with exactly fractionDigits places."""
    shape = layout(XML_REPORTS[report_])
    decimals = {}
    for column in shape.columns:
        facets = shape.schema.find(f".//{{*}}{column.name}").type.facets
        if XS_FRACTION_DIGITS in facets:
            decimals[column.name] = facets[XS_FRACTION_DIGITS].value
    assert decimals, "no decimal column: nothing checked"
    for row in report(warehouse, report_.model):
        for name, places in decimals.items():
            value = row[name]
            if value is not None:
                whole, _, fraction = value.partition(".")
                assert len(fraction) == places and whole.lstrip("-").isdigit(), (name, value)


def test_saldo_cuenta_names_are_not_mangled(warehouse):
    """A chart name with '&' stays as is in the model (the XML writer escapes it)."""
    names = [r["nom_cuenta"] for r in report(warehouse, "report_nrp_91_01_saldo_cuenta")]
    assert "DISBURSEMENTS & REIMBURSEMENTS" in names


def test_saldo_cuenta_balances_the_books(warehouse):
    """Debit positive, credit negative: the top-level codes sum to zero."""
    rows = report(warehouse, "report_nrp_91_01_saldo_cuenta")
    top = sum(Decimal(r["valor"]) for r in rows if len(r["id_codigo_cuenta"]) == 1)
    assert top == 0
    assert any(Decimal(r["valor"]) != 0 for r in rows)


def test_one_referencia_per_non_matured_settled_disbursal(warehouse):
    expected = scalar(
        warehouse,
        f"""select count(*)
            from {LATEST.format("core_disbursal_events_rollup")} d
            join {LATEST.format("core_credit_facility_events_rollup")} f on f.id = d.facility_id
            where d.is_settled and d.effective::date <= {AS_OF}
              and (f.maturity_date at time zone 'UTC')::date > {AS_OF}""",
    )
    assert expected > 0
    expected_ids = {
        r[0]
        for r in fetch(
            warehouse,
            f"""select p.id from {LATEST.format("core_disbursal_events_rollup")} d
                join {LATEST.format("core_credit_facility_events_rollup")} f on f.id = d.facility_id
                join lana_raw.core_public_ids p on p.target_id = d.id
                where d.is_settled and d.effective::date <= {AS_OF}
                  and (f.maturity_date at time zone 'UTC')::date > {AS_OF}""",
        )[1]
    }
    for model in (
        "report_nrp_92_02_referencia",
        "report_nrp_92_03_referencia_garantia",
        "report_nrp_92_16_garantia_criptomonedas",
    ):
        ids = [r["num_referencia"] for r in report(warehouse, model)]
        assert len(ids) == expected and set(ids) == expected_ids, model
    # each referencia's amount is its disbursal's, in cents
    amounts = dict(
        fetch(
            warehouse,
            f"""select p.id, d.amount from {LATEST.format("core_disbursal_events_rollup")} d
                join lana_raw.core_public_ids p on p.target_id = d.id""",
        )[1]
    )
    for row in report(warehouse, "report_nrp_92_02_referencia"):
        assert Decimal(row["monto_referencia"]) * 100 == amounts[row["num_referencia"]]
        assert Decimal(row["reserva_referencia"]) >= 0


def test_persona_covers_every_debtor(warehouse):
    people = {r["numero_documento"] for r in report(warehouse, "report_nrp_92_01_persona")}
    debtors = {r["documento_deudor"] for r in report(warehouse, "report_nrp_92_02_referencia")}
    assert debtors and debtors <= people


def _movements_at_least(dsn: str, min_cents: int) -> list[tuple[str, int]]:
    return fetch(
        dsn,
        f"""select p.id, m.amount from (
                select id, amount from {LATEST.format("core_deposit_events_rollup")} d
                where status = 'Confirmed' and amount >= {min_cents}
                union all
                select id, amount from {LATEST.format("core_withdrawal_events_rollup")} w
                where status = 'Confirmed' and amount >= {min_cents}
            ) m join lana_raw.core_public_ids p on p.target_id = m.id""",
    )[1]


def _run_uif(dsn: str, tmp_path: Path, threshold: str) -> None:
    result = run_dbt(
        "build",
        "--select",
        "report_uif_07_diario_otros_medios_electronicos",
        "--vars",
        json.dumps({"uif_07_threshold_usd": threshold}),
        target="postgres",
        tmp=tmp_path,
        warehouse=dsn,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_uif_rows_are_the_confirmed_movements_over_the_threshold(warehouse, tmp_path):
    """At the default USD 25,000 and, so that rows exist in a small bank, at USD 5,000."""
    model = "report_uif_07_diario_otros_medios_electronicos"
    expected = _movements_at_least(warehouse, 2_500_000)
    assert len(report(warehouse, model)) == len(expected)
    try:
        _run_uif(warehouse, tmp_path, "5000.00")
        expected = dict(_movements_at_least(warehouse, 500_000))
        rows = report(warehouse, model)
        assert expected and len(rows) == len(expected)
        for row in rows:
            amount = Decimal(expected[row["numeroregistrobancario"]]) / 100
            assert Decimal(row["valorotrosmedioselectronicospo"]) == amount
            assert (row["numerocuentapo"] is None) != (row["numeroproductopb"] is None)
            assert json.loads(row["estacionservicio"]) == {
                "direccionAgencia": "Avenida Barcelona 1, CP1101, San Salvador, El Salvador",
                "idDepartamento": "06",
                "idMunicipio": "0614",
            }
            assert len(row["fechatransaccion"]) == 19
    finally:
        _run_uif(warehouse, tmp_path, "25000.00")


def test_nrp_28_reserve_is_balance_times_coefficient(warehouse):
    """Deposit balances straight from the ledger (latest balance history of every deposit
    account's Cala accounts), times 0.18 (current accounts), per row and in total."""
    ledger = f"""
        select coalesce(sum((b."values" -> 'settled' ->> 'cr_balance')::numeric
                          - (b."values" -> 'settled' ->> 'dr_balance')::numeric), 0)
        from (select distinct on (account_id, currency) * from lana_raw.cala_balance_history
              order by account_id, currency, version desc) b
        where b.currency = 'USD' and b.account_id in (
            select (account_ids ->> '{{key}}')::uuid
            from {LATEST.format("core_deposit_account_events_rollup")} a)"""
    current = scalar(warehouse, ledger.replace("{key}", "deposit_account_id"))
    frozen = scalar(warehouse, ledger.replace("{key}", "frozen_deposit_account_id"))
    rows = {
        r["codigo_cuenta"]: r for r in report(warehouse, "report_nrp_28_01_reserva_de_liquidez")
    }
    assert current > 0
    assert Decimal(rows["211001"]["saldo"]) == current
    assert Decimal(rows["211406"]["saldo"]) == frozen
    total = Decimal(0)
    for code, row in rows.items():
        if code == "TOTAL":
            continue
        reserve = cents(Decimal(row["saldo"]) * Decimal(row["coeficiente"]))
        assert Decimal(row["reserva_requerida"]) == reserve, code
        total += reserve
    assert Decimal(rows["211001"]["reserva_requerida"]) == cents(current * Decimal("0.18"))
    assert Decimal(rows["TOTAL"]["reserva_requerida"]) == total > 0


def test_nrsf_03_insures_deposits_up_to_the_limit(warehouse):
    clients = report(warehouse, "report_nrsf_03_01_cliente")
    accounts = report(warehouse, "report_nrsf_03_02_depositos")
    assert clients and accounts
    insured = [Decimal(c["Saldo garantizado"]) for c in clients]
    assert max(insured) <= Decimal("10289.00") and min(insured) >= 0
    total_deposits = sum(Decimal(a["Saldo total"]) for a in accounts)
    assert 0 < sum(insured) <= total_deposits
    assert len({a["Número de cuenta"] for a in accounts}) == len(accounts)
    assert all(len(a["Fecha de apertura"]) == 8 for a in accounts)
