"""The financial report from rows given in memory (the reader is the function's input), and the
page rendered by headless Chromium (Debian's package, installed by scripts/setup)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from generate_es_reports.financial import (
    SOURCES,
    ChromiumError,
    FinancialReportError,
    format_amount,
    format_count,
    html_to_pdf,
    html_to_png,
    render_financial_report,
    write_financial_report,
)
from generate_es_reports.testing import Tables, assert_screenshot, row

from generate_es_reports import financial

D = Decimal
AS_OF = date(2025, 3, 31)
NASTY = "R&D <loans> \"quoted\" 'single' ñandú"


def bs(currency, section, code, parent, name, balance, total=False, line_type="chart_node"):
    return {
        "as_of_date": AS_OF,
        "currency": currency,
        "line_type": line_type,
        "statement_section": section,
        "chart_node_id": None if line_type != "chart_node" else f"node-{code}",
        "chart_code": code,
        "parent_code": parent,
        "line_name": name,
        "normal_balance_type": "debit" if section == "asset" else "credit",
        "is_section_total": total,
        "balance": balance,
        "account_count": 1,
    }


def income(month, currency, section, code, parent, name, amount):
    return {
        "month_start": month,
        "currency": currency,
        "statement_section": section,
        "chart_code": code,
        "parent_code": parent,
        "line_name": name,
        "is_section_total": parent is None,
        "amount": amount,
    }


def summary(month, deposits, withdrawals):
    return {
        "month_start": month,
        "new_customers": 2,
        "deposits_usd": deposits,
        "withdrawals_usd": withdrawals,
        "net_deposits_usd": deposits - withdrawals,
        "disbursal_count": 1,
        "disbursals_usd": D("1000.00"),
        "payments_principal_usd": D("0.10"),
        "payments_interest_usd": D("0.20"),
    }


def loan(state, code, principal, outstanding, interest, collateral_btc, collateral_usd):
    return {
        "loan_state": state,
        "loan_state_code": code,
        "principal_usd": principal,
        "principal_outstanding_usd": outstanding,
        "interest_outstanding_usd": interest,
        "collateral_btc": collateral_btc,
        "collateral_usd": collateral_usd,
        "btc_price_usd": D("90000.01"),
        "price_date": AS_OF,
        "price_source": "bitfinex_candle_1d",
        "as_of_date": AS_OF,
    }


def bank() -> dict[str, list[dict]]:
    """A small bank: USD and BTC balance sheets, two months of income, two loan states."""
    jan, feb, mar = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
    last = date(2025, 3, 31)
    return {
        SOURCES["balance_sheet"]: [
            bs("USD", "asset", "1", None, "Assets", D("1234567.89"), True),
            bs("USD", "asset", "11", "1", "Current Assets", D("1234567.89")),
            bs("USD", "asset", "11.02", "11", NASTY, D("1234567.89")),
            bs("USD", "liability", "2", None, "Liabilities", D("1234000.00"), True),
            bs("USD", "equity", "3", None, "Equity", D("500.00"), True),
            bs("USD", "equity", None, None, "Current earnings", D("67.89"), True, "current"),
            bs("BTC", "asset", "1", None, "Assets", D("0.12345678"), True),
            bs("BTC", "liability", "2", None, "Liabilities", D("0.12345678"), True),
        ],
        SOURCES["income_statement"]: [
            income(m, "USD", s, c, p, n, a)
            for m, a in ((jan, D("10.00")), (feb, D("20.05")), (mar, D("30.10")))
            for s, c, p, n in (
                ("revenue", "4", None, "Revenue"),
                ("revenue", "41", "4", "Interest income"),
                ("expenses", "6", None, "Expenses"),
            )
        ],
        SOURCES["summary"]: [
            summary(jan, D("100.10"), D("0.05")),
            summary(feb, D("200.20"), D("0.05")),
            summary(mar, D("0.01"), D("1000.00")),
        ],
        SOURCES["loan_portfolio"]: [
            loan(
                "Vigente - al día",
                "1",
                D("1000.00"),
                D("900.00"),
                D("0.01"),
                D("0.1"),
                D("9000.00"),
            ),
            loan(
                "Vigente - al día",
                "1",
                D("500.00"),
                D("500.00"),
                D("0.02"),
                D("0.2"),
                D("18000.00"),
            ),
            loan("Vencido", "2", D("700.00"), D("700.00"), D("3.33"), D("0.00000001"), D("0.00")),
        ],
        SOURCES["loan_book_daily"]: [
            {  # before any price: no collateral value
                "balance_date": date(2025, 3, 29),
                "outstanding_usd": D("0.00"),
                "collateral_usd": None,
                "btc_price_usd": None,
            },
            {
                "balance_date": date(2025, 3, 30),
                "outstanding_usd": D("1003.36"),
                "collateral_usd": D("8000.00"),
                "btc_price_usd": D("80000.00"),
            },
            {  # 0.5 BTC x 90,000.01 = 45,000.005, rounded by the warehouse
                "balance_date": last,
                "outstanding_usd": D("2103.36"),
                "collateral_usd": D("45000.01"),
                "btc_price_usd": D("90000.01"),
            },
            {  # after the as-of date: not shown
                "balance_date": date(2025, 4, 1),
                "outstanding_usd": D("9999.99"),
                "collateral_usd": D("1.00"),
                "btc_price_usd": D("1.00"),
            },
        ],
    }


def render(data: dict[str, list[dict]], **kwargs) -> str:
    def read(relation: str):
        assert relation in SOURCES.values(), relation
        yield from data[relation]

    kwargs.setdefault("generated_at", datetime(2025, 4, 1, 6, 0))
    return render_financial_report(read, **kwargs)


@pytest.fixture(scope="module")
def page() -> str:
    return render(bank(), bank_name=NASTY)


def test_balance_sheet_per_currency_exact(page):
    tables = Tables(page)
    usd, btc = "balance-sheet-USD", "balance-sheet-BTC"
    assert row(tables, usd, "Total assets")[-1] == "1,234,567.89"
    assert row(tables, usd, "Total liabilities")[-1] == "1,234,000.00"
    assert row(tables, usd, "Total equity")[-1] == "567.89"  # equity + current earnings
    assert row(tables, usd, "Total liabilities and equity")[-1] == "1,234,567.89"
    assert row(tables, btc, "Total assets")[-1] == "0.12345678"
    assert row(tables, usd, "11.02")[1] == NASTY  # nested under 11, escaped
    # never added across currencies
    assert "1,234,568.01345678" not in page and "1,234,568.01" not in page
    assert page.count("Assets = liabilities + equity") == 2


def test_unbalanced_sheet_is_flagged():
    data = bank()
    data[SOURCES["balance_sheet"]][3]["balance"] = D("1233999.99")
    page = render(data)
    assert "Does not balance: assets - (liabilities + equity) = 0.01 USD." in page


def test_a_section_the_report_does_not_lay_out_is_refused():
    data = bank()
    data[SOURCES["balance_sheet"]][0]["statement_section"] = "off_balance_sheet"
    message = (
        "fct_balance_sheet: statement_section 'off_balance_sheet' is not one of asset, "
        "liability, equity"
    )
    with pytest.raises(FinancialReportError, match=message):
        render(data)


def test_income_statement_months_and_net_income(page):
    tables = Tables(page)
    table = "income-statement-USD"
    header = tables.tables[table][0]
    assert header == ["Code", "Line", "Jan 2025", "Feb 2025", "Mar 2025", "Total"]
    assert row(tables, table, "41")[2:] == ["10.00", "20.05", "30.10", "60.15"]
    assert row(tables, table, "Total revenue")[2:] == ["10.00", "20.05", "30.10", "60.15"]
    assert row(tables, table, "Total expenses")[2:] == ["10.00", "20.05", "30.10", "60.15"]
    assert row(tables, table, "Net income")[2:] == ["0.00", "0.00", "0.00", "0.00"]


def test_income_statement_shows_the_last_twelve_months():
    data = bank()
    months = [date(2024 + (m // 12), m % 12 + 1, 1) for m in range(14)]  # Jan 2024 .. Feb 2025
    data[SOURCES["income_statement"]] = [
        income(m, "USD", "revenue", "4", None, "Revenue", D(i + 1)) for i, m in enumerate(months)
    ]
    tables = Tables(render(data))
    header = tables.tables["income-statement-USD"][0]
    assert header[2] == "Mar 2024" and header[-2] == "Feb 2025" and len(header) == 15
    # the total is of the months shown: 3 + ... + 14
    assert row(tables, "income-statement-USD", "Net income")[-1] == f"{sum(range(3, 15))}.00"


def test_summary_totals_are_exact(page):
    tables = Tables(page)
    assert tables.tables["summary"][0][:3] == ["Month", "New customers", "Deposits"]
    assert row(tables, "summary", "Mar 2025")[1:5] == ["2", "0.01", "1,000.00", "-999.99"]
    # 0.10 + 0.10 + 0.10 and 0.20 * 3 in Decimal; float would print 0.30000000000000004
    assert row(tables, "summary", "Total") == [
        "Total", "6", "300.31", "1,000.10", "-699.79", "3", "3,000.00", "0.30", "0.60",
    ]  # fmt: skip


def test_loan_book_by_status(page):
    tables = Tables(page)
    assert row(tables, "loan-book", "Vigente - al día") == [
        "Vigente - al día", "2", "1,500.00", "1,400.00", "0.03", "0.30000000", "27,000.00",
    ]  # fmt: skip
    assert row(tables, "loan-book", "Vencido")[1:] == [
        "1", "700.00", "700.00", "3.33", "0.00000001", "0.00",
    ]  # fmt: skip
    assert row(tables, "loan-book", "Total")[1:] == [
        "3", "2,200.00", "2,100.00", "3.36", "0.30000001", "27,000.00",
    ]  # fmt: skip
    assert "Collateral valued at 90,000.01 USD per BTC (2025-03-31, bitfinex_candle_1d)" in page


def test_collateral_and_price_charts(page):
    # the as-of day's row of fct_loan_book_daily, exact; the day after the as-of date unseen
    assert "loans outstanding 2,103.36, collateral value 45,000.01." in page
    assert "On 2025-03-31: 90,000.01 USD per BTC." in page
    assert "9,999.99" not in page
    assert page.count("<svg ") == 3
    for chart in ("loan-book-chart", "collateral-chart", "btc-price-chart"):
        assert f'aria-label="{chart}"' in page


def test_page_is_self_contained(page):
    lowered = page.lower()
    assert "http://" not in lowered and "https://" not in lowered
    for needle in ("<script", "<link", "<img", "<iframe", "@import", "url(http", "src="):
        assert needle not in lowered, needle
    ids = [part.split('"', 1)[0] for part in page.split(' id="')[1:]]
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_names_are_escaped(page):
    assert NASTY not in page
    escaped = "R&amp;D &lt;loans&gt; &#34;quoted&#34; &#39;single&#39; ñandú"
    assert f"<title>{escaped} · Financial report as of 2025-03-31</title>" in page
    assert page.count(escaped) == 3  # title, heading, balance sheet line
    assert "<loans>" not in page


def test_money_must_be_decimal():
    data = bank()
    data[SOURCES["summary"]][0]["deposits_usd"] = 100.1
    with pytest.raises(FinancialReportError, match=r"financial_summary.deposits_usd.*float"):
        render(data)


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("1234567.8"), 2, "1,234,567.80"),
        (D("-1234.5"), 2, "-1,234.50"),
        (D("1.005"), 2, "1.005"),  # more places than the currency's: shown, never rounded
        (D("0E-8"), 2, "0.00"),
        (D("-0.00"), 2, "0.00"),
        (D("2.88449149"), 8, "2.88449149"),
        (D("1.5"), 8, "1.50000000"),
        (7, 2, "7.00"),
        (None, 2, ""),
    ],
)
def test_format_amount(value, places, text):
    assert format_amount(value, places) == text


def test_as_of_must_be_the_marts_date():
    with pytest.raises(FinancialReportError, match=r"as_of_date: 2025-02-28"):
        render(bank(), as_of=date(2025, 2, 28))
    page = render(bank(), as_of=AS_OF)
    assert "As of 2025-03-31" in page


def test_monthly_rows_stop_at_as_of():
    data = bank()
    data[SOURCES["summary"]].append(summary(date(2025, 4, 1), D("5.00"), D("0.00")))
    tables = Tables(render(data, as_of=AS_OF))
    assert [r[0] for r in tables.tables["summary"][1:]] == [
        "Jan 2025", "Feb 2025", "Mar 2025", "Total",
    ]  # fmt: skip


def test_marts_of_different_dates_are_refused():
    data = bank()
    data[SOURCES["loan_portfolio"]][0]["as_of_date"] = date(2025, 3, 30)
    with pytest.raises(FinancialReportError, match="different dates"):
        render(data)


def test_empty_warehouse_renders_a_page():
    page = render({relation: [] for relation in SOURCES.values()})
    for text in ("No activity.", "No balances.", "No loans.", "No BTC prices.", "As of no data"):
        assert text in page
    assert "<svg" not in page


def test_write_is_atomic(tmp_path, page):
    target = tmp_path / "out" / "financial_report.html"
    assert write_financial_report("old", target) == target
    write_financial_report(page, target)
    assert target.read_text(encoding="utf-8") == page
    assert [p.name for p in target.parent.iterdir()] == ["financial_report.html"]


def test_missing_chromium_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(financial.CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ChromiumError, match="scripts/setup"):
        financial.find_chromium()


# ---------------------------------------------------------------- in headless Chromium


@pytest.fixture(scope="module")
def page_file(tmp_path_factory, page):
    financial.find_chromium()  # fails (not skips) with how to install it when missing
    return write_financial_report(page, tmp_path_factory.mktemp("financial") / "report.html")


def test_page_renders_in_chromium(page_file, tmp_path):
    png = html_to_png(page_file, tmp_path / "report.png", width=1280, height=2000)
    assert_screenshot(png)


def test_page_prints_to_pdf(page_file, tmp_path):
    pdf = html_to_pdf(page_file, tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 2


def test_chromium_failure_is_reported(tmp_path, page_file, monkeypatch):
    with pytest.raises(ChromiumError, match="no page to render"):
        html_to_png(tmp_path / "missing.html", tmp_path / "out.png")
    with pytest.raises(ChromiumError, match=r"did not write .*report.pdf in 0.05 s"):
        html_to_pdf(page_file, tmp_path / "report.pdf", timeout=0.05)
    monkeypatch.setenv(financial.CHROMIUM_ENV, "/bin/false")
    with pytest.raises(ChromiumError, match=r"failed to write .*report.png \(exit 1\)"):
        html_to_png(page_file, tmp_path / "report.png")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_counts_are_whole_numbers_never_truncated():
    assert format_count(1234567) == "1,234,567" and format_count(Decimal("12")) == "12"
    assert format_count(None) == ""
    with pytest.raises(FinancialReportError, match="expected a whole number, got Decimal"):
        format_count(Decimal("2.7"))
    with pytest.raises(FinancialReportError, match="must arrive as Decimal"):
        format_count(2.7)
