"""The financial report on the PostgreSQL build (conftest.postgres_build, the 50-customer sandbox
bank): every figure in its tables is the marts' own, summed here in SQL, exact; the page is
self-contained, renders in headless Chromium (screenshot) and prints to PDF."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import psycopg
import pytest
from generate_es_reports.financial import (
    format_amount,
    html_to_pdf,
    html_to_png,
    render_financial_report,
    write_financial_report,
)
from generate_es_reports.testing import Tables, assert_screenshot, row
from psycopg import sql
from psycopg.rows import dict_row

NAME = 'Banco <Lana> & Hijos "S.A." l\'Épargne'
MONTH = "to_char(month_start, 'Mon YYYY')"


@pytest.fixture(scope="module")
def conn(warehouse):
    with psycopg.connect(warehouse, row_factory=dict_row) as connection:
        yield connection


def reader(conn: psycopg.Connection):
    """The report's input: a relation's rows, streamed by a server-side cursor (Decimal kept)."""

    def read(relation: str):
        schema, name = relation.split(".")
        query = sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
        with conn.cursor(name=f"read_{name}") as cursor:
            cursor.execute(query)
            yield from cursor

    return read


def rows(conn, query: str) -> list[dict]:
    return conn.execute(query).fetchall()


@pytest.fixture(scope="module")
def page(conn) -> str:
    return render_financial_report(reader(conn), bank_name=NAME)


@pytest.fixture(scope="module")
def tables(page) -> Tables:
    return Tables(page)


def test_balance_sheet_totals_are_the_marts(conn, tables):
    totals = rows(
        conn,
        """select currency, statement_section, sum(balance) as total
           from dbt_lana_marts.fct_balance_sheet where is_section_total group by 1, 2""",
    )
    assert {t["currency"] for t in totals} >= {"USD"}
    titles = {"asset": "Total assets", "liability": "Total liabilities", "equity": "Total equity"}
    places = {"USD": 2, "BTC": 8}
    by_currency: dict[str, dict[str, Decimal]] = {}
    for total in totals:
        currency, section = total["currency"], total["statement_section"]
        by_currency.setdefault(currency, {})[section] = total["total"]
        cells = row(tables, f"balance-sheet-{currency}", titles[section])
        assert cells[-1] == format_amount(total["total"], places[currency])
    for currency, sections in by_currency.items():
        right = sections.get("liability", 0) + sections.get("equity", 0)
        assert sections["asset"] == right  # the sandbox bank balances
        cells = row(tables, f"balance-sheet-{currency}", "Total liabilities and equity")
        assert cells[-1] == format_amount(right, places[currency])


def test_summary_is_the_mart(conn, tables):
    months = rows(conn, f"select {MONTH} as month, * from dbt_lana_marts.financial_summary")
    assert len(tables.tables["summary"]) == len(months) + 2  # header and total
    for month in months:
        cells = row(tables, "summary", month["month"])
        assert cells[2] == format_amount(month["deposits_usd"])
        assert cells[-1] == format_amount(month["payments_interest_usd"])
    total = rows(
        conn,
        """select sum(new_customers) c, sum(deposits_usd) d, sum(net_deposits_usd) n,
                  sum(payments_interest_usd) i from dbt_lana_marts.financial_summary""",
    )[0]
    cells = row(tables, "summary", "Total")
    assert cells[1] == f"{total['c']:,}"
    assert (cells[2], cells[4], cells[-1]) == tuple(format_amount(total[k]) for k in "dni")


def test_net_income_is_the_marts(conn, tables):
    net = rows(
        conn,
        f"""select currency, {MONTH} as month,
                   sum(case when statement_section = 'revenue' then amount else -amount end) net
            from dbt_lana_marts.fct_income_statement where is_section_total
            group by currency, month_start order by month_start""",
    )
    assert net, "the sandbox bank earned nothing: nothing checked"
    for currency in {n["currency"] for n in net}:
        table = f"income-statement-{currency}"
        shown = tables.tables[table][0][2:-1]
        expected = {n["month"]: n["net"] for n in net if n["currency"] == currency}
        assert shown == list(expected)[-12:]
        cells = row(tables, table, "Net income")[2:]
        assert cells[:-1] == [format_amount(expected[m]) for m in shown]
        assert cells[-1] == format_amount(sum(expected[m] for m in shown))


def test_loan_book_is_the_mart(conn, tables):
    states = rows(
        conn,
        """select loan_state, count(*) loans, sum(principal_usd) p,
                  sum(principal_outstanding_usd) po, sum(interest_outstanding_usd) io,
                  sum(collateral_btc) c, sum(collateral_usd) cu
           from dbt_lana_marts.fct_loan_portfolio group by rollup (loan_state)""",
    )
    assert len(states) >= 2, "the loan book is empty: nothing checked"
    for state in states:
        cells = row(tables, "loan-book", state["loan_state"] or "Total")
        assert cells[1:] == [
            f"{state['loans']:,}",
            *(format_amount(state[k]) for k in ("p", "po", "io")),
            format_amount(state["c"], 8),
            format_amount(state["cu"]),
        ]


def test_collateral_series_reconciles(conn, page):
    """The chart's last day (fct_loan_book_daily, from the ledger): principal matches the loan
    book's, collateral the facilities' collateral, valued at that day's price."""
    last = rows(
        conn,
        """select * from dbt_lana_marts.fct_loan_book_daily
           order by balance_date desc limit 1""",
    )[0]
    book = rows(
        conn,
        """select (select sum(principal_outstanding_usd) from dbt_lana_marts.fct_loan_portfolio) p,
                  (select sum(collateral_btc) from dbt_lana_marts.fct_facilities) c""",
    )[0]
    assert last["principal_outstanding_usd"] == book["p"]
    assert last["collateral_btc"] == book["c"] > 0
    value = (last["collateral_btc"] * last["btc_price_usd"]).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    assert last["collateral_usd"] == value
    assert (
        f"On {last['balance_date'].isoformat()}: loans outstanding "
        f"{format_amount(last['outstanding_usd'])}, collateral value {format_amount(value)}."
    ) in page
    assert f": {format_amount(last['btc_price_usd'])} USD per BTC." in page


def test_page_is_self_contained_and_escaped(page):
    assert "http://" not in page and "https://" not in page
    assert NAME not in page
    assert "Banco &lt;Lana&gt; &amp; Hijos &#34;S.A.&#34; l&#39;Épargne" in page
    assert page.count("<svg ") == 3


def test_page_renders_in_chromium_and_prints(page, tmp_path):
    html = write_financial_report(page, tmp_path / "financial_report.html")
    assert_screenshot(html_to_png(html, tmp_path / "financial_report.png"))
    pdf = html_to_pdf(html, tmp_path / "financial_report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
