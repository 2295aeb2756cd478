"""The simulated bank's in-flight state, and how to rebuild it from the database.

The simulator decides each day from this state only (plus the day's random streams), and every
field here can be read back from Lana's tables: latest rollup rows and a few sums over them.
That is what makes a continuation run equal to one long run: `load_bank` after day N gives the
state the long run had in memory after day N (a test checks exactly this).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

import psycopg

from lana_sandbox.entities import (
    COLLATERAL,
    CREDIT_FACILITY,
    CUSTOMER,
    DEPOSIT_ACCOUNT,
    INTEREST_ACCRUAL_CYCLE,
    OBLIGATION,
    PARTY,
    WITHDRAWAL,
)
from lana_sandbox.store import Store, fetch_latest


@dataclass
class Customer:
    id: str
    public_id: int
    party_id: str
    customer_type: str
    status: str  # active | frozen (closed customers leave the state)
    since: date  # onboarding day
    account_id: str  # the deposit account
    ledger_account_id: str  # its ledger account, credited by disbursals, debited by payments
    frozen_ledger_account_id: str = ""
    balance: int = 0  # cents, net of withdrawals still pending
    facility_id: str | None = None  # the open credit facility, if any


@dataclass
class Withdrawal:
    """A withdrawal approved but not yet confirmed (funds held)."""

    id: str
    customer_id: str
    amount: int


@dataclass
class Cycle:
    """The open interest accrual cycle of a facility."""

    id: str
    idx: int
    start: date
    end: date
    accrued: int = 0


@dataclass
class Obligation:
    id: str
    facility_id: str
    type: str  # Disbursal | Interest
    amount: int
    outstanding: int
    due: date
    overdue: date | None
    defaulted: date | None
    receivables: dict[str, str]  # not_yet_due, due, overdue ledger accounts
    defaulted_account_id: str
    due_recorded: bool = False
    overdue_recorded: bool = False
    defaulted_recorded: bool = False

    @property
    def receivable_account_id(self) -> str:
        if self.defaulted_recorded:
            return self.defaulted_account_id
        if self.overdue_recorded:
            return self.receivables["overdue"]
        if self.due_recorded:
            return self.receivables["due"]
        return self.receivables["not_yet_due"]


def _days(duration: dict[str, Any] | None) -> int | None:
    return None if duration is None else int(duration["value"])


def pct_bp(value: Any) -> int:
    """A decimal percentage ('12', '10.5', 140) in hundredths of a percent."""
    return int(Decimal(str(value)) * 100)


@dataclass
class Facility:
    id: str
    public_id: int
    customer_id: str
    amount: int
    terms: dict[str, Any]
    account_ids: dict[str, str]
    activated: date
    maturity: date
    collateral: int  # sats
    state: str  # collateralization_state
    collateral_id: str = ""
    collateral_account_id: str = ""  # its BTC ledger account
    ratio: Any = None  # last collateralization_ratio written, as JSON
    disbursed: int = 0  # settled principal
    matured: bool = False
    cycle_idx: int = 0
    cycle: Cycle | None = None
    obligations: list[str] = field(default_factory=list)  # open ones, oldest first

    @cached_property
    def rate_bp(self) -> int:
        return pct_bp(self.terms["annual_rate"])

    @cached_property
    def interest_due_days(self) -> int:
        return _days(self.terms["interest_due_duration_from_accrual"]) or 0

    @cached_property
    def overdue_days(self) -> int | None:
        return _days(self.terms.get("obligation_overdue_duration_from_due"))

    @cached_property
    def liquidation_days(self) -> int | None:
        return _days(self.terms.get("obligation_liquidation_duration_from_due"))

    @cached_property
    def margin_call_bp(self) -> int:
        return pct_bp(self.terms["margin_call_cvl"]["Finite"])

    @cached_property
    def liquidation_bp(self) -> int:
        return pct_bp(self.terms["liquidation_cvl"]["Finite"])


@dataclass
class Bank:
    next_public_id: int
    price: int  # cents per BTC, last close
    customers: dict[str, Customer] = field(default_factory=dict)  # onboarding order
    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)  # creation order
    facilities: dict[str, Facility] = field(default_factory=dict)  # creation order
    obligations: dict[str, Obligation] = field(default_factory=dict)  # creation order


def _date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, date):
        return v if type(v) is date else v.date()
    return date.fromisoformat(v[:10])


def _sums(conn: psycopg.Connection, sql: str, params: tuple = ()) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.execute(sql, params).fetchall()}


def load_bank(conn: psycopg.Connection, next_public_id: int, price: int, store: Store) -> Bank:
    """Rebuild the bank from Lana's tables, and fill the store's rollup cache with the latest
    rows of every entity that can still change (the same ones the simulator keeps cached)."""
    bank = Bank(next_public_id=next_public_id, price=price)

    customers = fetch_latest(conn, CUSTOMER, "coalesce(status, 'active') <> 'closed'")
    accounts = fetch_latest(conn, DEPOSIT_ACCOUNT, "coalesce(status, 'active') <> 'closed'")
    parties = fetch_latest(
        conn,
        PARTY,
        "id = ANY(%s::uuid[])",
        ([c["party_id"] for c in customers.values()],),
    )
    pending = fetch_latest(conn, WITHDRAWAL, "status IN ('PendingApproval', 'PendingConfirmation')")
    facilities = fetch_latest(conn, CREDIT_FACILITY, "NOT is_completed")
    cycles = fetch_latest(conn, INTEREST_ACCRUAL_CYCLE, "NOT is_interest_accruals_posted")
    obligations = fetch_latest(conn, OBLIGATION, "NOT is_completed")
    collaterals = fetch_latest(
        conn,
        COLLATERAL,
        "secured_loan_id = ANY(%s::uuid[])",
        ([f["id"] for f in facilities.values()],),
    )
    for spec, rows in (
        (CUSTOMER, customers),
        (DEPOSIT_ACCOUNT, accounts),
        (PARTY, parties),
        (WITHDRAWAL, pending),
        (CREDIT_FACILITY, facilities),
        (INTEREST_ACCRUAL_CYCLE, cycles),
        (OBLIGATION, obligations),
        (COLLATERAL, collaterals),
    ):
        store.preload(spec, rows)

    # Money in deposit accounts, by the ledger account that disbursals credit and payments debit.
    deposits = _sums(
        conn,
        f"SELECT deposit_account_id, sum(amount) FROM ({_latest_sql_for('deposit')}) d "
        "WHERE status = 'Confirmed' GROUP BY 1",
    )
    withdrawn = _sums(
        conn,
        f"SELECT deposit_account_id, sum(amount) FROM ({_latest_sql_for('withdrawal')}) w "
        "WHERE status IN ('PendingApproval', 'PendingConfirmation', 'Confirmed') GROUP BY 1",
    )
    disbursed_to = _sums(
        conn,
        f"SELECT disbursal_credit_account_id, sum(amount) FROM ({_latest_sql_for('disbursal')}) d "
        "WHERE is_settled GROUP BY 1",
    )
    disbursed_by_facility = _sums(
        conn,
        f"SELECT facility_id, sum(amount) FROM ({_latest_sql_for('disbursal')}) d "
        "WHERE is_settled GROUP BY 1",
    )
    paid_from = _sums(
        conn,
        "SELECT payment_source_account_id, sum(amount) FROM core_payment_events_rollup GROUP BY 1",
    )

    account_of = {a["account_holder_id"]: a for a in accounts.values()}
    for c in sorted(customers.values(), key=lambda r: int(r["public_id"])):
        a = account_of[c["id"]]
        ledger = a["account_ids"]["deposit_account_id"]
        bank.customers[c["id"]] = Customer(
            id=c["id"],
            public_id=int(c["public_id"]),
            party_id=c["party_id"],
            customer_type=c["customer_type"],
            status=c["status"] or "active",
            since=c["created_at"].date(),
            account_id=a["id"],
            ledger_account_id=ledger,
            frozen_ledger_account_id=a["account_ids"]["frozen_deposit_account_id"],
            balance=deposits.get(a["id"], 0)
            - withdrawn.get(a["id"], 0)
            + disbursed_to.get(ledger, 0)
            - paid_from.get(ledger, 0),
        )
    customer_of_account = {c.account_id: c.id for c in bank.customers.values()}
    for w in pending.values():
        bank.withdrawals[w["id"]] = Withdrawal(
            w["id"], customer_of_account[w["deposit_account_id"]], w["amount"]
        )

    accrued = _sums(
        conn,
        "SELECT id, sum(amount) FROM core_interest_accrual_cycle_events_rollup "
        "WHERE event_type = 'interest_accrued' AND id = ANY(%s::uuid[]) GROUP BY 1",
        (list(cycles),),
    )
    cycle_of = {}
    for y in cycles.values():
        cycle_of[y["facility_id"]] = Cycle(
            id=y["id"],
            idx=y["idx"],
            start=_date(y["period"]["start"]),
            end=_date(y["period"]["end"]),
            accrued=accrued.get(y["id"], 0),
        )
    for f in facilities.values():
        bank.facilities[f["id"]] = Facility(
            id=f["id"],
            public_id=int(f["public_id"]),
            customer_id=f["customer_id"],
            amount=f["amount"],
            terms=f["terms"],
            account_ids=f["account_ids"],
            activated=_date(f["activated_at"]),
            maturity=_date(f["maturity_date"]),
            collateral=f["collateral"],
            state=f["collateralization_state"],
            collateral_id=f["collateral_id"],
            collateral_account_id=collaterals[f["collateral_id"]]["account_ids"][
                "collateral_account_id"
            ],
            ratio=f["collateralization_ratio"],
            disbursed=disbursed_by_facility.get(f["id"], 0),
            matured=f["is_matured"],
            cycle_idx=f["interest_accrual_cycle_idx"] or 0,
            cycle=cycle_of.get(f["id"]),
        )
        if f["customer_id"] in bank.customers:
            bank.customers[f["customer_id"]].facility_id = f["id"]

    allocated = _sums(
        conn,
        "SELECT id, sum(payment_allocation_amount) FROM core_obligation_events_rollup "
        "WHERE event_type = 'payment_allocated' AND id = ANY(%s::uuid[]) GROUP BY 1",
        (list(obligations),),
    )
    for o in obligations.values():
        ob = Obligation(
            id=o["id"],
            facility_id=o["beneficiary_id"],
            type=o["obligation_type"],
            amount=o["amount"],
            outstanding=o["amount"] - allocated.get(o["id"], 0),
            due=_date(o["due_date"]),
            overdue=_date(o["overdue_date"]),
            defaulted=_date(o["defaulted_date"]),
            receivables=o["receivable_account_ids"],
            defaulted_account_id=o["defaulted_account_id"],
            due_recorded=o["is_due_recorded"],
            overdue_recorded=o["is_overdue_recorded"],
            defaulted_recorded=o["is_defaulted_recorded"],
        )
        bank.obligations[ob.id] = ob
        bank.facilities[ob.facility_id].obligations.append(ob.id)
    return bank


def _latest_sql_for(entity: str) -> str:
    return f"SELECT DISTINCT ON (id) * FROM core_{entity}_events_rollup ORDER BY id, version DESC"
