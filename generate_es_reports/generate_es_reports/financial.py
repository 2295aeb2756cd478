"""The bank's financial report: one self-contained HTML page, and a PDF of it.

    html = render_financial_report(read, as_of=None, bank_name="Lana Bank")
    path = write_financial_report(html, "out/financial_report.html")
    html_to_pdf(path, "out/financial_report.pdf")          # needs Chromium

`read(relation)` is the warehouse: given a schema-qualified relation name from `SOURCES`
(e.g. "dbt_lana_marts.fct_balance_sheet") it yields that relation's rows as dicts, money as
`Decimal` (a float is refused: tables show money exactly as the warehouse holds it).

The page holds the monthly financial summary, the balance sheet and the income statement
(per currency: USD and BTC are never added together), the loan book by status, and two
charts over time: collateral value vs loans outstanding, and the BTC price. Charts are
matplotlib SVG inlined in the page; CSS is inline; nothing is fetched when it is viewed.
Charts plot floats (their shape only); every figure in a table is the exact Decimal.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

Row = Mapping[str, Any]
Reader = Callable[[str], Iterable[Row]]

# What the report reads: a key used below -> the relation the reader is asked for.
SOURCES = {
    "summary": "dbt_lana_marts.financial_summary",
    "balance_sheet": "dbt_lana_marts.fct_balance_sheet",
    "income_statement": "dbt_lana_marts.fct_income_statement",
    "loan_portfolio": "dbt_lana_marts.fct_loan_portfolio",
    "loan_book_daily": "dbt_lana_marts.fct_loan_book_daily",
}

# Decimal places shown per currency; amounts with more significant places show them all.
PLACES = {"USD": 2, "BTC": 8}
CURRENCY_ORDER = ["USD", "BTC"]
BALANCE_SHEET_SECTIONS = [("asset", "Assets"), ("liability", "Liabilities"), ("equity", "Equity")]
INCOME_SECTIONS = [
    ("revenue", "Revenue"),
    ("cost_of_revenue", "Cost of revenue"),
    ("expenses", "Expenses"),
]
INCOME_STATEMENT_MONTHS = 12  # columns of the income statement: the last N months
CHROMIUM_ENV = "LANA_DW_CHROMIUM"
CHROMIUM_DEFAULT = "/usr/bin/chromium"
# Headless on a machine with no network: without the background-networking flags Chromium
# keeps retrying refused connections; a fresh --user-data-dir per run keeps runs independent.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


class FinancialReportError(ValueError):
    """The warehouse's rows cannot make an honest report (what and why in the message)."""


class ChromiumError(RuntimeError):
    """Chromium is missing or failed to render the page."""


# ---------------------------------------------------------------- formatting (exact)


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise FinancialReportError(
        f"{what}: money must arrive as Decimal (or int), got {type(value).__name__} {value!r}"
    )


def format_amount(value: Any, places: int = 2, what: str = "amount") -> str:
    """`value` with thousands separators and at least `places` decimals, never rounded:
    a value with more significant decimals shows them all."""
    if value is None:
        return ""
    number = _decimal(value, what)
    if number == number.quantize(Decimal(1).scaleb(-places)):
        number = number.quantize(Decimal(1).scaleb(-places))
    else:
        number = number.normalize()
    text = f"{number:,f}"
    return "0" + text[2:] if text.startswith("-0") and number == 0 else text


def format_count(value: Any, what: str = "count") -> str:
    """A whole number with thousands separators; anything else (a float, 2.5) is refused."""
    if value is None:
        return ""
    number = _decimal(value, what)
    if number != number.to_integral_value():
        raise FinancialReportError(f"{what}: expected a whole number, got {value!r}")
    return f"{int(number):,}"


def _as_date(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise FinancialReportError(f"{what}: expected a date, got {value!r}")


def _places(currency: str) -> int:
    return PLACES.get(currency, 2)


def _code_key(code: str | None) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in (code or "").split("."))


def _currency_key(currency: str) -> tuple:
    order = CURRENCY_ORDER.index(currency) if currency in CURRENCY_ORDER else len(CURRENCY_ORDER)
    return (order, currency)


# ---------------------------------------------------------------- the sections


@dataclass
class Line:
    """A table row: chart code, name (indented by depth), formatted amounts, and its kind
    (CSS class): "" a node, "subtotal" a section's top node, "section" a section's heading
    row, "total" a computed total, "net" net income."""

    code: str
    name: str
    depth: int
    amounts: list[str]
    kind: str = ""


@dataclass
class Statement:
    """One currency's table: header columns and lines (amounts already formatted)."""

    currency: str
    columns: list[str]
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    balanced: bool | None = None


def _tree_order(rows: list[Row]) -> list[tuple[Row, int]]:
    """Chart nodes depth first (children by code), each with its depth."""
    codes = {r["chart_code"] for r in rows}
    children: dict[str | None, list[Row]] = defaultdict(list)
    for row in rows:
        parent = row.get("parent_code")
        children[parent if parent in codes else None].append(row)
    ordered: list[tuple[Row, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: _code_key(r["chart_code"])):
            ordered.append((row, depth))
            walk(row["chart_code"], depth + 1)

    walk(None, 0)
    return ordered


def _known_sections(rows: list[Row], sections: list[tuple[str, str]], source: str) -> None:
    """A row of a section the report does not lay out would vanish from it: refuse it."""
    unknown = {r["statement_section"] for r in rows} - {section for section, _ in sections}
    if unknown:
        raise FinancialReportError(
            f"{source}: statement_section {', '.join(sorted(map(repr, unknown)))} is not one "
            f"of {', '.join(section for section, _ in sections)}"
        )


def _balance_sheets(rows: list[Row]) -> list[Statement]:
    _known_sections(rows, BALANCE_SHEET_SECTIONS, "fct_balance_sheet")
    by_currency: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    statements = []
    for currency in sorted(by_currency, key=_currency_key):
        places = _places(currency)
        statement = Statement(currency, [f"Balance ({currency})"])
        totals: dict[str, Decimal] = {}
        for section, title in BALANCE_SHEET_SECTIONS:
            section_rows = [r for r in by_currency[currency] if r["statement_section"] == section]
            nodes = [r for r in section_rows if r["line_type"] == "chart_node"]
            others = [r for r in section_rows if r["line_type"] != "chart_node"]
            total = Decimal(0)
            statement.lines.append(Line("", title, 0, [""], "section"))
            for row, depth in _tree_order(nodes) + [(r, 0) for r in others]:
                balance = _decimal(row["balance"], f"fct_balance_sheet.balance ({currency})")
                if row["is_section_total"]:
                    total += balance
                statement.lines.append(
                    Line(
                        row.get("chart_code") or "",
                        row["line_name"],
                        depth + 1,
                        [format_amount(balance, places)],
                        "subtotal" if row["is_section_total"] else "",
                    )
                )
            totals[section] = total
            statement.lines.append(
                Line("", f"Total {title.lower()}", 0, [format_amount(total, places)], "total")
            )
        right = totals["liability"] + totals["equity"]
        statement.lines.append(
            Line("", "Total liabilities and equity", 0, [format_amount(right, places)], "total")
        )
        statement.balanced = totals["asset"] == right
        if not statement.balanced:
            difference = format_amount(totals["asset"] - right, places)
            statement.notes.append(
                f"Does not balance: assets - (liabilities + equity) = {difference} {currency}."
            )
        statements.append(statement)
    return statements


def _income_statements(rows: list[Row], as_of: date | None) -> list[Statement]:
    _known_sections(rows, INCOME_SECTIONS, "fct_income_statement")
    rows = [r for r in rows if as_of is None or _as_date(r["month_start"], "month") <= as_of]
    by_currency: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    statements = []
    for currency in sorted(by_currency, key=_currency_key):
        places = _places(currency)
        months = sorted({_as_date(r["month_start"], "month") for r in by_currency[currency]})
        months = months[-INCOME_STATEMENT_MONTHS:]
        index = {m: i for i, m in enumerate(months)}
        statement = Statement(currency, [m.strftime("%b %Y") for m in months] + ["Total"])
        net = [Decimal(0)] * len(months)
        for section, title in INCOME_SECTIONS:
            amounts: dict[str, list[Decimal]] = {}
            nodes: dict[str, Row] = {}
            for row in by_currency[currency]:
                month = _as_date(row["month_start"], "month")
                if row["statement_section"] != section or month not in index:
                    continue
                code = row["chart_code"]
                nodes[code] = row
                amounts.setdefault(code, [Decimal(0)] * len(months))[index[month]] = _decimal(
                    row["amount"], f"fct_income_statement.amount ({currency})"
                )
            section_total = [Decimal(0)] * len(months)
            statement.lines.append(Line("", title, 0, [""] * (len(months) + 1), "section"))
            for node, depth in _tree_order(list(nodes.values())):
                values = amounts[node["chart_code"]]
                if node["is_section_total"]:
                    section_total = [a + b for a, b in zip(section_total, values, strict=True)]
                statement.lines.append(
                    Line(
                        node["chart_code"],
                        node.get("line_name") or "",
                        depth + 1,
                        [format_amount(v, places) for v in [*values, sum(values, Decimal(0))]],
                        "subtotal" if node["is_section_total"] else "",
                    )
                )
            statement.lines.append(
                Line(
                    "",
                    f"Total {title.lower()}",
                    0,
                    [format_amount(v, places) for v in [*section_total, sum(section_total)]],
                    "total",
                )
            )
            sign = 1 if section == "revenue" else -1
            net = [n + sign * t for n, t in zip(net, section_total, strict=True)]
        statement.lines.append(
            Line(
                "",
                "Net income",
                0,
                [format_amount(v, places) for v in [*net, sum(net, Decimal(0))]],
                "net",
            )
        )
        statements.append(statement)
    return statements


SUMMARY_COLUMNS = [
    ("new_customers", "New customers", "count"),
    ("deposits_usd", "Deposits", "usd"),
    ("withdrawals_usd", "Withdrawals", "usd"),
    ("net_deposits_usd", "Net deposits", "usd"),
    ("disbursal_count", "Disbursals", "count"),
    ("disbursals_usd", "Disbursed", "usd"),
    ("payments_principal_usd", "Principal repaid", "usd"),
    ("payments_interest_usd", "Interest paid", "usd"),
]


def _summary(rows: list[Row], as_of: date | None) -> dict:
    months = sorted(
        (r for r in rows if as_of is None or _as_date(r["month_start"], "month") <= as_of),
        key=lambda r: _as_date(r["month_start"], "month"),
    )
    totals = {
        column: sum(
            (_decimal(r[column], f"financial_summary.{column}") for r in months), Decimal(0)
        )
        for column, _, _ in SUMMARY_COLUMNS
    }

    def cells(values: Mapping[str, Any]) -> list[str]:
        return [
            format_count(values[c])
            if kind == "count"
            else format_amount(values[c], 2, f"financial_summary.{c}")
            for c, _, kind in SUMMARY_COLUMNS
        ]

    return {
        "columns": [title for _, title, _ in SUMMARY_COLUMNS],
        "rows": [(_as_date(r["month_start"], "month").strftime("%b %Y"), cells(r)) for r in months],
        "totals": cells(totals) if months else None,
    }


LOAN_BOOK_COLUMNS = [
    ("principal_usd", "Disbursed (USD)", 2),
    ("principal_outstanding_usd", "Principal outstanding (USD)", 2),
    ("interest_outstanding_usd", "Interest outstanding (USD)", 2),
    ("collateral_btc", "Collateral (BTC)", 8),
    ("collateral_usd", "Collateral value (USD)", 2),
]


def _loan_book(rows: list[Row]) -> dict:
    groups: dict[str, dict[str, Any]] = {}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for row in rows:
        group = groups.setdefault(
            row["loan_state"],
            {
                "code": row.get("loan_state_code") or "",
                "loans": 0,
                **{c: Decimal(0) for c, *_ in LOAN_BOOK_COLUMNS},
            },
        )
        group["loans"] += 1
        count += 1
        for column, *_ in LOAN_BOOK_COLUMNS:
            value = row.get(column)
            if value is not None:  # collateral_usd is NULL without a price
                amount = _decimal(value, f"fct_loan_portfolio.{column}")
                group[column] += amount
                totals[column] += amount
    ordered = sorted(groups.items(), key=lambda item: (item[1]["code"], item[0]))
    prices = {
        (r.get("btc_price_usd"), r.get("price_date"), r.get("price_source"))
        for r in rows
        if r.get("btc_price_usd") is not None
    }
    price = None
    if prices:
        value, day, source = max(prices, key=lambda p: _as_date(p[1], "price_date"))
        price = {
            "value": format_amount(value, 2, "fct_loan_portfolio.btc_price_usd"),
            "date": _as_date(day, "price_date").isoformat(),
            "source": source,
        }

    def cells(values: Mapping[str, Any]) -> list[str]:
        return [format_amount(values[c], places) for c, _, places in LOAN_BOOK_COLUMNS]

    return {
        "columns": [title for _, title, _ in LOAN_BOOK_COLUMNS],
        "rows": [(state, format_count(g["loans"]), cells(g)) for state, g in ordered],
        "totals": (format_count(count), cells(totals)) if rows else None,
        "outstanding": [
            (state, g["principal_outstanding_usd"] + g["interest_outstanding_usd"])
            for state, g in ordered
        ],
        "price": price,
    }


def _loan_book_daily(
    rows: Iterable[Row], as_of: date | None
) -> tuple[dict[date, Decimal], list[tuple[date, Decimal, Decimal | None]]]:
    """fct_loan_book_daily up to `as_of`: the BTC price per day (days with a price), and per
    day loans outstanding (principal and interest receivable, USD) and collateral value (USD,
    None before the first known price). Exact; the mart sums and values it in the warehouse."""
    prices: dict[date, Decimal] = {}
    series = []
    for row in rows:
        day = _as_date(row["balance_date"], "fct_loan_book_daily.balance_date")
        if as_of is not None and day > as_of:
            continue
        if row["btc_price_usd"] is not None:
            prices[day] = _decimal(row["btc_price_usd"], "fct_loan_book_daily.btc_price_usd")
        value = row["collateral_usd"]
        series.append(
            (
                day,
                _decimal(row["outstanding_usd"], "fct_loan_book_daily.outstanding_usd"),
                None if value is None else _decimal(value, "fct_loan_book_daily.collateral_usd"),
            )
        )
    series.sort()
    return dict(sorted(prices.items())), series


# ---------------------------------------------------------------- charts (matplotlib SVG)

CHART_STYLE = {
    "svg.fonttype": "none",  # text stays text: small, selectable, the page's font
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}  # none: no URLs


def _svg(name: str, draw: Callable[[Any], None], height: float = 3.4) -> Markup:
    """A chart as inline SVG: `draw(axes)` on a fresh figure; ids prefixed with `name` so the
    page's charts do not share ids; no XML prolog, DOCTYPE or metadata."""
    import matplotlib
    from matplotlib.figure import Figure

    buffer = io.StringIO()
    with matplotlib.rc_context({**CHART_STYLE, "svg.hashsalt": name}):
        figure = Figure(figsize=(9, height))
        draw(figure.add_subplot())
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=SVG_METADATA)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # HTML's parser knows SVG's namespaces: the declarations are the page's only URLs
    text = re.sub(r' xmlns(:xlink)?="[^"]*"', "", text)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)
    return Markup(text.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1))


def _thousands(axis) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))


def _dates(axis) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axis.set_major_locator(locator)
    axis.set_major_formatter(ConciseDateFormatter(locator))


def _collateral_chart(series: list[tuple[date, Decimal, Decimal | None]]) -> Markup | None:
    if not series:
        return None
    valued = [(day, value) for day, _, value in series if value is not None]

    def draw(axes) -> None:
        axes.plot(
            [day for day, _, _ in series],
            [float(outstanding) for _, outstanding, _ in series],
            label="Loans outstanding (USD)",
        )
        axes.plot(
            [day for day, _ in valued],
            [float(value) for _, value in valued],
            label="Collateral value (USD)",
        )
        axes.set_ylabel("USD")
        axes.set_ylim(bottom=0)
        _thousands(axes.yaxis)
        _dates(axes.xaxis)
        axes.legend(loc="upper left", frameon=False)

    return _svg("collateral-chart", draw)


def _price_chart(prices: Mapping[date, Decimal]) -> Markup | None:
    if not prices:
        return None

    def draw(axes) -> None:
        axes.plot(list(prices), [float(price) for price in prices.values()], color="#f7931a")
        axes.set_ylabel("USD per BTC")
        _thousands(axes.yaxis)
        _dates(axes.xaxis)

    return _svg("btc-price-chart", draw)


def _loan_book_chart(outstanding: list[tuple[str, Decimal]]) -> Markup | None:
    if not outstanding:
        return None

    def draw(axes) -> None:
        states = [state for state, _ in reversed(outstanding)]
        amounts = [float(amount) for _, amount in reversed(outstanding)]
        axes.barh(states, amounts, height=0.6, color="#3b6ea5")
        axes.set_axisbelow(True)
        axes.grid(axis="y", visible=False)
        axes.set_xlabel("Outstanding, principal + billed interest (USD)")
        _thousands(axes.xaxis)

    return _svg("loan-book-chart", draw, height=0.9 + 0.4 * len(outstanding))


# ---------------------------------------------------------------- the page


def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("financial_report.html.j2")


def _marts_as_of(balance_sheet: list[Row], loan_portfolio: list[Row]) -> date | None:
    dates = {_as_date(r["as_of_date"], "as_of_date") for r in balance_sheet + loan_portfolio}
    if len(dates) > 1:
        raise FinancialReportError(
            "fct_balance_sheet and fct_loan_portfolio are as of different dates "
            f"({', '.join(sorted(d.isoformat() for d in dates))}): rebuild the marts"
        )
    return dates.pop() if dates else None


def render_financial_report(
    read: Reader,
    *,
    as_of: date | None = None,
    bank_name: str = "Lana Bank",
    generated_at: datetime | None = None,
) -> str:
    """The financial report as one self-contained HTML document.

    `read(relation)` yields the rows of a relation named in SOURCES (schema-qualified), money
    as Decimal. The balance sheet and the loan book are the marts' snapshot, built by dbt as
    of var `as_of_date`: `as_of`, when given, must be that date (else FinancialReportError
    says how to rebuild); monthly tables and the charts stop at it. Raises
    FinancialReportError when a row cannot be shown exactly (e.g. money as float).
    """
    balance_sheet = list(read(SOURCES["balance_sheet"]))
    loan_portfolio = list(read(SOURCES["loan_portfolio"]))
    marts_as_of = _marts_as_of(balance_sheet, loan_portfolio)
    if as_of is not None and marts_as_of is not None and as_of != marts_as_of:
        raise FinancialReportError(
            f"the marts are as of {marts_as_of.isoformat()}, the report was asked as of "
            f"{as_of.isoformat()}: rebuild them with "
            f"dbt build --vars '{{as_of_date: {as_of.isoformat()}}}'"
        )
    as_of = as_of or marts_as_of
    prices, series = _loan_book_daily(read(SOURCES["loan_book_daily"]), as_of)
    loan_book = _loan_book(loan_portfolio)
    last_price = next(reversed(prices.items()), None)
    return _template().render(
        bank_name=bank_name,
        as_of=as_of.isoformat() if as_of else "no data",
        generated_at=(generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        summary=_summary(list(read(SOURCES["summary"])), as_of),
        balance_sheets=_balance_sheets(balance_sheet),
        income_statements=_income_statements(list(read(SOURCES["income_statement"])), as_of),
        income_months=INCOME_STATEMENT_MONTHS,
        loan_book=loan_book,
        loan_book_chart=_loan_book_chart(loan_book["outstanding"]),
        collateral_chart=_collateral_chart(series),
        collateral_last=(
            {
                "date": series[-1][0].isoformat(),
                "outstanding": format_amount(series[-1][1]),
                "collateral": format_amount(series[-1][2]),
            }
            if series
            else None
        ),
        price_chart=_price_chart(prices),
        price_last=(
            {"date": last_price[0].isoformat(), "value": format_amount(last_price[1])}
            if last_price
            else None
        ),
        sources=SOURCES,
    )


def write_financial_report(html: str, path: str | os.PathLike) -> Path:
    """Write the page to `path` atomically (a temporary file beside it, then a rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(html)
        os.chmod(temporary, 0o644)  # a report to read, not mkstemp's private 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------- Chromium (PDF, screenshot)


def find_chromium() -> str:
    """Chromium's path: $LANA_DW_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    candidate = os.environ.get(CHROMIUM_ENV) or CHROMIUM_DEFAULT
    if os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise ChromiumError(
        f"Chromium not found at {candidate} nor on PATH: run scripts/setup as root (it "
        f"installs Debian's package chromium) or set {CHROMIUM_ENV} to a Chromium binary"
    )


def _run_chromium(page: Path, output: Path, option: str, extra: list[str], timeout: float) -> Path:
    """Run headless Chromium on the page with `option`=<a file>, then move that file to
    `output` (atomic: a failed run leaves no file). Kills Chromium's whole process group
    when it takes longer than `timeout` seconds."""
    page = Path(page).resolve()
    if not page.is_file():
        raise ChromiumError(f"no page to render at {page}")
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="lana-chromium-") as profile:
        command = [
            find_chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"{option}={partial}",
            *extra,
            page.as_uri(),
        ]
        with subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                _, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired as error:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                partial.unlink(missing_ok=True)
                raise ChromiumError(f"Chromium did not write {output} in {timeout} s") from error
    if process.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        raise ChromiumError(
            f"Chromium failed to write {output} (exit {process.returncode}): "
            f"{stderr.strip()[-2000:]}"
        )
    os.replace(partial, output)
    return output


def html_to_pdf(
    html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, timeout: float = 120
) -> Path:
    """Print the page to PDF with headless Chromium (A4, the page's print CSS)."""
    return _run_chromium(
        Path(html_path), Path(pdf_path), "--print-to-pdf", ["--no-pdf-header-footer"], timeout
    )


def html_to_png(
    html_path: str | os.PathLike,
    png_path: str | os.PathLike,
    *,
    width: int = 1280,
    height: int = 2000,
    timeout: float = 120,
) -> Path:
    """A screenshot of the page's top `width` x `height` pixels, taken by headless Chromium."""
    return _run_chromium(
        Path(html_path),
        Path(png_path),
        "--screenshot",
        [f"--window-size={width},{height}"],
        timeout,
    )
