"""The bank's books: a chart of accounts over Cala account sets, and balanced transactions.

Lana keeps its books in Cala: every chart node is backed by an account set, every deposit
account, facility and collateral gets its own Cala accounts, members of the set of the chart
node its module config names (`chart/*-module-config.json`), so balances roll up the chart.
Here every money movement is one Cala transaction with balanced entries (debits = credits per
currency and layer), and each entry updates its account's balance: a new `cala_balance_history`
row (version + 1) and a new `cala_cumulative_effective_balances` row for the effective day.

Amounts are integers in minor units (USD cents, BTC sats) in memory; Cala's JSON carries
decimal strings in major units. Account set balances are not materialised (in Lana they are
eventually consistent and recomputed from their members).
"""

from __future__ import annotations

import csv
import functools
import json
import struct
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import psycopg

from lana_sandbox import copybin as cb

CHART_DIR = Path(__file__).parent / "chart"
CHART_REFERENCE = "primary-chart"
EXPONENT = {"USD": 2, "BTC": 8}
LAYERS = ("settled", "pending", "encumbrance")
NAMESPACE = uuid.UUID("6f1c4d2e-2b7a-4c1e-9a55-5a6e1d1b7c00")


_SCALE = {c: 10**e for c, e in EXPONENT.items()}


def major(units: int, currency: str) -> str:
    """Minor units as Cala's decimal string in major units: 1234 USD -> '12.34' (what
    `f"{Decimal(units).scaleb(-exponent).normalize():f}"` prints, in integer arithmetic)."""
    sign = ""
    if units < 0:
        sign, units = "-", -units
    whole, frac = divmod(units, _SCALE[currency])
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:0{EXPONENT[currency]}d}".rstrip("0")


def minor(text: str, currency: str) -> int:
    return int(Decimal(text).scaleb(EXPONENT[currency]))


@functools.cache
def fixed_id(seed: int, name: str) -> str:
    """Ids of the bank's fixed ledger objects (journal, chart, omnibus accounts, templates)."""
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{name}"))


#: The buffer of the ledger's balance rows: each is a `cala_balance_history` row followed by
#: the effective day and that day's version; the writer makes of each one row of
#: `cala_balance_history` and one of `cala_cumulative_effective_balances` (the same `values`).
BALANCES = "balances"
#: The buffer of posted transactions, as data (see `Ledger.post`): the writer renders their
#: rows (`render_ledger`), so that the simulating process does not.
LEDGER = "ledger"
#: About how many bytes of rows a leg of a transaction renders to (how full a batch is).
LEG_CHARS = 1_500

# The ledger's rows in the binary COPY format (copybin), packed with one struct each where
# their fields have fixed sizes.
_TX_HEAD = struct.Struct(">hi16si16si16s").pack  # 6 fields: id, journal, template, ...
_ENTRY_ROW = struct.Struct(">hi16si16si16si16siq").pack  # id, journal, account, tx, time
_ENTRY_EVENT_HEAD = struct.Struct(">hi16s").pack  # 5 fields: id, ...
_ENTRY_EVENT_TYPE = cb.int4(1) + cb.text("initialized")  # sequence 1, initialized
_BALANCE_HEAD = struct.Struct(">hi16si16si16s").pack  # 9 fields: journal, account, entry, ...
_BALANCE_TAIL = struct.Struct(">iqiiii").pack  # recorded_at, effective day, its version
_TIME = struct.Struct(">iq").pack
_CURRENCY = {c: cb.text(c) for c in EXPONENT}
_VERSION = struct.Struct(">ii").pack


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


# ---- the chart of accounts ----


@dataclass(frozen=True)
class Node:
    code: str  # dotted, e.g. "11.01.0101"
    sections: tuple[str, ...]
    name: str
    normal_balance_type: str  # debit | credit
    parent: str | None


def chart_nodes() -> list[Node]:
    """Lana's sample chart (coa.csv), parents before children. A first-column code is a child
    of the longest first-column code it starts with ("11" of "1"); an empty normal balance is
    the parent's."""
    nodes: list[Node] = []
    by_code: dict[str, Node] = {}
    level1: str | None = None
    level2: str | None = None
    with open(CHART_DIR / "coa.csv", newline="") as fh:
        for row in csv.reader(fh):
            row = (row + [""] * 6)[:6]
            if not any(row[:4]):
                continue
            a, b, c, name, normal = (x.strip() for x in row[:5])
            if a:
                parent = None
                for n in nodes:
                    if (
                        len(n.sections) == 1
                        and a.startswith(n.code)
                        and a != n.code
                        and (parent is None or len(n.code) > len(parent.code))
                    ):
                        parent = n
                sections: tuple[str, ...] = (a,)
                level1, level2 = a, None
            elif b:
                sections, level2 = (level1, b), b
                parent = by_code[level1]
            else:
                sections = (level1, level2, c)
                parent = by_code[f"{level1}.{level2}"]
            normal = normal.lower() or (parent.normal_balance_type if parent else "debit")
            node = Node(".".join(sections), sections, name, normal, parent.code if parent else None)
            nodes.append(node)
            by_code[node.code] = node
    return nodes


def _module_config(name: str) -> dict[str, str]:
    return json.loads((CHART_DIR / f"{name}-module-config.json").read_text())


DEPOSIT_CONFIG = _module_config("deposit")
CREDIT_CONFIG = _module_config("credit")
# The bank's own accounts (not Lana modules'): its cash and the capital its shareholders paid in.
BANK_CASH_CODE = "11.01.0101"  # Operating Cash, beside the deposit omnibus
BANK_CAPITAL_CODE = "31.01"  # Common Stock

#: Per facility account key: the credit module config entry naming its chart node.
_ST = "short_term_{t}"
FACILITY_ACCOUNT_PARENTS = {
    "facility_account_id": "facility_parent_code",
    "disbursed_receivable_not_yet_due_account_id": _ST + "_disbursed_receivable_parent_code",
    "disbursed_receivable_due_account_id": _ST + "_disbursed_receivable_parent_code",
    "disbursed_receivable_overdue_account_id": "overdue_{t}_disbursed_receivable_parent_code",
    "disbursed_defaulted_account_id": "disbursed_defaulted_parent_code",
    "proceeds_from_liquidation_account_id": "proceeds_from_liquidation_parent_code",
    "interest_receivable_not_yet_due_account_id": _ST + "_interest_receivable_parent_code",
    "interest_receivable_due_account_id": _ST + "_interest_receivable_parent_code",
    "interest_receivable_overdue_account_id": _ST + "_interest_receivable_parent_code",
    "interest_defaulted_account_id": "interest_defaulted_parent_code",
    "interest_income_account_id": "interest_income_parent_code",
    "fee_income_account_id": "fee_income_parent_code",
    "payment_holding_account_id": "payment_holding_parent_code",
    "uncovered_outstanding_account_id": "uncovered_outstanding_parent_code",
}
#: Normal balance of a facility's accounts: receivables and holdings are assets (debit).
FACILITY_ACCOUNT_NORMAL = {
    k: "credit"
    if k
    in ("interest_income_account_id", "fee_income_account_id", "uncovered_outstanding_account_id")
    else "debit"
    for k in FACILITY_ACCOUNT_PARENTS
}
COLLATERAL_ACCOUNT_PARENTS = {
    "collateral_account_id": "collateral_parent_code",
    "collateral_in_liquidation_account_id": "collateral_in_liquidation_parent_code",
    "liquidated_collateral_account_id": "liquidated_collateral_parent_code",
}


def _snake(customer_type: str) -> str:
    out = ""
    for ch in customer_type:
        out += ("_" + ch.lower()) if ch.isupper() and out else ch.lower()
    return out


# ---- balances ----


class Balance:
    """An account's balance in one currency: per layer debits, credits, last entry and time.

    A layer is `[dr, cr, entry_id, cell, dr_text, cr_text]`: `cell` holds the time of the entry
    that last changed it (filled when the day is stamped), the texts are the balances as
    Cala's decimal strings (kept up to date, so a posting formats one number, not six)."""

    __slots__ = ("version", "layers", "created", "eff_day", "eff_version")

    def __init__(self):
        self.version = 0
        self.layers: dict[str, list[Any]] = {}
        self.created: list[Any] = [None]
        self.eff_day: str | None = None
        self.eff_version = 0

    @classmethod
    def from_values(cls, values: dict[str, Any], eff_day: str, eff_version: int) -> Balance:
        b = cls()
        cur = values["currency"]
        b.version = values["version"]
        b.created = [values["created_at"]]
        for layer in LAYERS:
            v = values[layer]
            if v["entry_id"] is not None:
                dr_units, cr_units = minor(v["dr_balance"], cur), minor(v["cr_balance"], cur)
                b.layers[layer] = [
                    dr_units,
                    cr_units,
                    v["entry_id"],
                    [v["modified_at"]],
                    major(dr_units, cur),
                    major(cr_units, cur),
                ]
        b.eff_day, b.eff_version = eff_day, eff_version
        return b


class Leg(NamedTuple):
    account_id: str
    direction: str  # debit | credit
    units: int
    currency: str = "USD"
    layer: str = "settled"


def dr(account_id: str, units: int, currency: str = "USD", layer: str = "settled") -> Leg:
    return Leg(account_id, "debit", units, currency, layer)


def cr(account_id: str, units: int, currency: str = "USD", layer: str = "settled") -> Leg:
    return Leg(account_id, "credit", units, currency, layer)


class Ledger:
    """Posts transactions through a DayLog (`log.row`), keeping the balances it may touch."""

    def __init__(self, seed: int, new_id: Callable[[], str]):
        self.seed = seed
        self.new_id = new_id
        self.journal_id = fixed_id(seed, "journal")
        self.chart_id = fixed_id(seed, "chart")
        self.balances: dict[tuple[str, str], Balance] = {}
        self.loader: Callable[[list[tuple[str, str]]], dict[tuple[str, str], Balance]] | None = None
        self._node_set: dict[str, str] = {}  # chart code -> account set id

    # -- fixed accounts --

    def node_set(self, code: str) -> str:
        return fixed_id(self.seed, f"chart-node-set:{code}")

    def node_id(self, code: str) -> str:
        return fixed_id(self.seed, f"chart-node:{code}")

    @property
    def deposit_omnibus(self) -> str:
        return fixed_id(self.seed, "account:deposit-omnibus")

    @property
    def facility_omnibus(self) -> str:
        return fixed_id(self.seed, "account:facility-omnibus")

    @property
    def bank_cash(self) -> str:
        return fixed_id(self.seed, "account:bank-cash")

    @property
    def bank_capital(self) -> str:
        return fixed_id(self.seed, "account:bank-capital")

    @property
    def capital_tx_id(self) -> str:
        return fixed_id(self.seed, "tx:paid-in-capital")

    @property
    def collateral_omnibus(self) -> str:
        return fixed_id(self.seed, "account:collateral-omnibus")

    @property
    def custodian_id(self) -> str:
        """The bank's one custodian (collateral is entered by hand, no custody wallets)."""
        return fixed_id(self.seed, "custodian:manual")

    def template_id(self, code: str) -> str:
        return fixed_id(self.seed, f"tx-template:{code}")

    # -- writing accounts --

    def open_account(
        self,
        log,
        account_id: str,
        code: str,
        name: str,
        normal: str,
        parent_code: str,
        currency: str = "USD",
    ) -> None:
        set_id = self.node_set(parent_code)

        def make(at):
            ts = at
            return [
                (
                    "cala_accounts",
                    (account_id, code, name, None, normal, False, None, "active", ts),
                ),
                ("cala_account_set_member_accounts", (set_id, account_id, False, ts)),
            ]

        log.row(make)
        self.balances.setdefault((account_id, currency), Balance())

    def open_deposit_accounts(self, log, account_ids: dict[str, str], customer_type: str, pid):
        t = _snake(customer_type)
        key = f"{t}_deposit_accounts_parent_code"
        parent = DEPOSIT_CONFIG.get(key, DEPOSIT_CONFIG["individual_deposit_accounts_parent_code"])
        frozen = DEPOSIT_CONFIG.get(
            f"frozen_{key}", DEPOSIT_CONFIG["frozen_individual_deposit_accounts_parent_code"]
        )
        self.open_account(
            log,
            account_ids["deposit_account_id"],
            f"DEPOSIT.{account_ids['deposit_account_id']}",
            f"Deposit Account {pid}",
            "credit",
            parent,
        )
        self.open_account(
            log,
            account_ids["frozen_deposit_account_id"],
            f"DEPOSIT.FROZEN.{account_ids['frozen_deposit_account_id']}",
            f"Frozen Deposit Account {pid}",
            "credit",
            frozen,
        )

    def open_facility_accounts(self, log, account_ids: dict[str, str], customer_type: str, pid):
        t = _snake(customer_type)
        for key, parent_key in FACILITY_ACCOUNT_PARENTS.items():
            parent = CREDIT_CONFIG[parent_key.format(t=t)]
            name = key.removesuffix("_account_id").replace("_", " ")
            self.open_account(
                log,
                account_ids[key],
                f"CREDIT_FACILITY.{key.removesuffix('_account_id').upper()}.{account_ids[key]}",
                f"Credit Facility {pid} {name}",
                FACILITY_ACCOUNT_NORMAL[key],
                parent,
            )

    def open_collateral_accounts(self, log, account_ids: dict[str, str], pid):
        for key, parent_key in COLLATERAL_ACCOUNT_PARENTS.items():
            self.open_account(
                log,
                account_ids[key],
                f"COLLATERAL.{key.removesuffix('_account_id').upper()}.{account_ids[key]}",
                f"Credit Facility {pid} {key.removesuffix('_account_id').replace('_', ' ')}",
                "debit",
                CREDIT_CONFIG[parent_key],
                currency="BTC",
            )

    def forget(self, account_ids: Iterable[str]) -> None:
        for a in account_ids:
            for cur in ("USD", "BTC"):
                self.balances.pop((a, cur), None)

    # -- the chart, once --

    def write_chart(self, log, emit_chart: Callable, emit_node: Callable) -> None:
        """Journal, chart, chart nodes with their account sets, the omnibus accounts."""
        journal_id = self.journal_id
        log.row(lambda at: [("cala_journals", (journal_id, "Lana General Ledger", at))])
        nodes = chart_nodes()
        base = json.loads((CHART_DIR / "accounting-base-config.json").read_text())
        root_set = fixed_id(self.seed, "chart-root-set")
        self._account_set(log, root_set, "CHART.ROOT", "Chart of Accounts", "debit", None)
        emit_chart(
            {
                "type": "initialized",
                "id": self.chart_id,
                "account_set_id": root_set,
                "name": "Chart of Accounts",
                "reference": CHART_REFERENCE,
            }
        )
        emit_chart(
            {
                "type": "base_config_set",
                "base_config": {
                    k: {"sections": [{"code": s} for s in v.split(".")]} for k, v in base.items()
                },
            }
        )
        for node in nodes:
            set_id = self.node_set(node.code)
            parent_set = self.node_set(node.parent) if node.parent else root_set
            self._account_set(
                log, set_id, f"CHART.{node.code}", node.name, node.normal_balance_type, parent_set
            )
            spec = {
                "code": {"sections": [{"code": s} for s in node.sections]},
                "name": {"name": node.name},
                "normal_balance_type": node.normal_balance_type,
                "parent": None
                if node.parent is None
                else {"sections": [{"code": s} for s in node.parent.split(".")]},
            }
            emit_node(
                self.node_id(node.code),
                {
                    "type": "initialized",
                    "id": self.node_id(node.code),
                    "chart_id": self.chart_id,
                    "spec": spec,
                    "ledger_account_set_id": set_id,
                },
                True,
            )
            if node.parent:
                emit_node(
                    self.node_id(node.parent),
                    {"type": "child_node_added", "child_node_id": self.node_id(node.code)},
                    False,
                )
        self.open_account(
            log,
            self.deposit_omnibus,
            "DEPOSIT.OMNIBUS",
            "Deposit Omnibus",
            "debit",
            DEPOSIT_CONFIG["omnibus_parent_code"],
        )
        self.open_account(
            log,
            self.facility_omnibus,
            "CREDIT_FACILITY.OMNIBUS",
            "Credit Facility Omnibus",
            "credit",
            CREDIT_CONFIG["facility_omnibus_parent_code"],
        )
        self.open_account(
            log, self.bank_cash, "BANK.CASH", "Bank Operating Cash", "debit", BANK_CASH_CODE
        )
        self.open_account(
            log, self.bank_capital, "BANK.CAPITAL", "Paid-in Capital", "credit", BANK_CAPITAL_CODE
        )
        self.open_account(
            log,
            self.collateral_omnibus,
            "COLLATERAL.OMNIBUS",
            "Collateral Omnibus",
            "credit",
            CREDIT_CONFIG["collateral_omnibus_parent_code"],
            currency="BTC",
        )

    def _account_set(self, log, set_id, code, name, normal, parent_set) -> None:
        journal_id = self.journal_id

        def make(at):
            rows = [
                ("cala_accounts", (set_id, code, name, code, normal, False, None, "active", at)),
                ("cala_account_sets", (set_id, journal_id, name, code, at)),
            ]
            if parent_set is not None:
                rows.append(("cala_account_set_member_account_sets", (parent_set, set_id, at)))
            return rows

        log.row(make)

    # -- posting --

    def _balance(self, key: tuple[str, str]) -> Balance:
        b = self.balances.get(key)
        if b is None:
            found = self.loader([key]) if self.loader else {}
            b = found.get(key) or Balance()
            self.balances[key] = b
        return b

    def post(
        self,
        log,
        tx_id: str,
        template: str,
        legs: list[Leg],
        effective: date,
        correlation_id: str,
    ) -> None:
        """One balanced transaction: rows for the transaction, its entries and the balances."""
        totals: dict[tuple[str, str], int] = {}
        for leg in legs:
            if leg.units <= 0:
                raise ValueError(f"{template}: a leg of {leg.units} units")
            k = (leg.currency, leg.layer)
            totals[k] = totals.get(k, 0) + (leg.units if leg.direction == "debit" else -leg.units)
        if any(totals.values()):
            raise ValueError(f"{template}: unbalanced transaction {totals}")
        eff = effective.isoformat()
        plan = []
        cells = []
        for seq, leg in enumerate(legs, 1):
            entry_id = self.new_id()
            b = self._balance((leg.account_id, leg.currency))
            b.version += 1
            layer = b.layers.get(leg.layer)
            cell: list[Any] = [None]
            if layer is None:
                layer = b.layers[leg.layer] = [0, 0, entry_id, cell, "0", "0"]
            side = 0 if leg.direction == "debit" else 1
            layer[side] += leg.units
            layer[side + 4] = major(layer[side], leg.currency)
            layer[2], layer[3] = entry_id, cell
            if b.eff_day == eff:
                b.eff_version += 1
            else:
                b.eff_day, b.eff_version = eff, 1
            # Freeze the numbers now; the times are filled in when the day is stamped.
            snapshot = [b.layers.get(name) for name in LAYERS]
            snapshot = [None if x is None else (x[4], x[5], x[2], x[3]) for x in snapshot]
            plan.append((seq, *leg, entry_id, b.version, b.eff_version, snapshot, b.created))
            cells.append(cell)
        tx = (tx_id, self.journal_id, template, self.template_id(template), correlation_id, eff)

        def make(at):
            # The transaction as data: the writer renders its rows (render_ledger), on the
            # other core. The times are filled in here, in the order the day is stamped.
            ts = _iso(at)
            for cell in cells:
                cell[0] = ts
            for p in plan:
                if p[-1][0] is None:
                    p[-1][0] = ts
            return [(LEDGER, (ts, tx, plan))]

        log.row(make)


def render_ledger(transactions: list) -> dict[str, tuple[bytes, int]]:
    """The rows of posted transactions (what `Ledger.post` hands over, see LEDGER) in the
    binary COPY format: `cala_transactions`, `cala_entries`, `cala_entry_events` and the
    balance rows (BALANCES). The JSON is written straight as text (every value is a UUID, a
    number, a date or a code: nothing to escape), its keys in JSONB's own order (shorter
    first, then bytewise: PostgreSQL sorts the keys of every object it parses, and finds
    them sorted already); each balance's JSON once for both balance tables."""
    txs: list[bytes] = []
    entries: list[bytes] = []
    entry_events: list[bytes] = []
    balances: list[bytes] = []
    uuid_bytes = cb.uuid_bytes
    accounts: dict[str, bytes] = {}
    for ts, (tx_id, journal_id, template, template_id, correlation_id, eff), plan in transactions:
        at_us = cb.timestamp_us(datetime.fromisoformat(ts))
        time = _TIME(8, at_us)
        eff_day = cb.pg_day(date.fromisoformat(eff))
        tx = uuid_bytes(tx_id)
        journal = uuid_bytes(journal_id)
        txs.append(
            b"".join(
                (
                    _TX_HEAD(6, 16, tx, 16, journal, 16, uuid_bytes(template_id)),
                    cb.NULL,
                    cb.text(correlation_id),
                    time,
                )
            )
        )
        for (
            seq,
            account_id,
            direction,
            units,
            currency,
            layer,
            entry_id,
            version,
            eff_version,
            snapshot,
            created,
        ) in plan:
            layers = [
                f'"{name}":{{"entry_id":null,"cr_balance":"0","dr_balance":"0",'
                f'"modified_at":"{created[0]}"}}'
                if got is None
                else f'"{name}":{{"entry_id":"{got[2]}","cr_balance":"{got[1]}",'
                f'"dr_balance":"{got[0]}","modified_at":"{got[3][0]}"}}'
                for name, got in zip(LAYERS, snapshot, strict=True)
            ]
            settled, pending, encumbrance = layers
            values = (
                f'{{{pending},{settled},"version":{version},"currency":"{currency}",'
                f'"entry_id":"{entry_id}","account_id":"{account_id}",'
                f'"created_at":"{created[0]}","journal_id":"{journal_id}",'
                f'{encumbrance},"modified_at":"{ts}"}}'
            ).encode()
            entry = (
                f'{{"type":"initialized","values":{{"id":"{entry_id}",'
                f'"layer":"{layer}","units":"{major(units, currency)}",'
                f'"version":1,"currency":"{currency}",'
                f'"metadata":{{"effective":"{eff}"}},"sequence":{seq},'
                f'"direction":"{direction}","account_id":"{account_id}",'
                f'"entry_type":"{template}_{direction.upper()}","journal_id":"{journal_id}",'
                f'"description":null,"transaction_id":"{tx_id}"}}}}'
            ).encode()
            entry_bytes = uuid_bytes(entry_id)
            account = accounts.get(account_id)
            if account is None:
                account = accounts[account_id] = uuid_bytes(account_id)
            entries.append(
                _ENTRY_ROW(5, 16, entry_bytes, 16, journal, 16, account, 16, tx, 8, at_us)
            )
            entry_events.append(
                b"".join(
                    (
                        _ENTRY_EVENT_HEAD(5, 16, entry_bytes),
                        _ENTRY_EVENT_TYPE,
                        cb.jsonb_text(entry),
                        time,
                    )
                )
            )
            # One row for both balance tables (see store._write_balances).
            balances.append(
                b"".join(
                    (
                        _BALANCE_HEAD(9, 16, journal, 16, account, 16, entry_bytes),
                        _CURRENCY[currency],
                        _VERSION(4, version),
                        cb.jsonb_text(values),
                        _BALANCE_TAIL(8, at_us, 4, eff_day, 4, eff_version),
                    )
                )
            )
    out = {}
    for table, rows in (
        ("cala_transactions", txs),
        ("cala_entries", entries),
        ("cala_entry_events", entry_events),
        (BALANCES, balances),
    ):
        if rows:
            out[table] = (b"".join(rows), len(rows))
    return out


def load_balances(
    conn: psycopg.Connection, journal_id: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Balance]:
    """The latest balance of each (account, currency), with its effective day's version."""
    if not keys:
        return {}
    out: dict[tuple[str, str], Balance] = {}
    rows = conn.execute(
        "SELECT DISTINCT ON (h.account_id, h.currency) h.account_id::text, h.currency, h.values, "
        "e.effective::text, e.version FROM cala_balance_history h "
        "JOIN cala_cumulative_effective_balances e ON e.journal_id = h.journal_id "
        "AND e.account_id = h.account_id AND e.currency = h.currency "
        "AND e.all_time_version = h.version "
        "WHERE h.journal_id = %s AND (h.account_id, h.currency) IN "
        "(SELECT a::uuid, c FROM unnest(%s::text[], %s::text[]) AS k(a, c)) "
        "ORDER BY h.account_id, h.currency, h.version DESC",
        (journal_id, [k[0] for k in keys], [k[1] for k in keys]),
    ).fetchall()
    for account_id, currency, values, eff_day, eff_version in rows:
        out[(account_id, currency)] = Balance.from_values(values, eff_day, eff_version)
    return out
