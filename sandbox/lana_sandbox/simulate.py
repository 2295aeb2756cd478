"""A deterministic bank through time, written into Lana's tables.

`simulate(dsn, days=D, customers=N, seed=S)` creates the schema if needed and drives the bank
day by day from the day after the last simulated one (or from `start` on an empty database).
Everything random comes from streams seeded by (seed, day, purpose), ids included, and all
times are simulated time; the state a day starts from is rebuilt from the database when a run
continues an existing bank. So a run of 30 days followed by one of 7 writes exactly the rows
of one 37-day run.

What one day looks like (the phases are time windows of the day):
  00:00–01:00  jobs: yesterday's interest accrual per facility, cycle posting at a cycle's end
               (an Interest obligation), maturity, collateralization after the BTC price move
  01:00–02:00  obligations fall due, overdue, defaulted
  08:00–20:00  customers: pending withdrawals confirmed or cancelled; freezes, closures;
               deposits (a few reverted), withdrawals (a few denied); borrowers pay what is due
               (interest first, then principal), top up collateral after a margin call, draw
               the rest of their facility; new facilities with their first disbursal; onboarding
  22:00–24:00  facilities that are matured and fully paid complete
"""

from __future__ import annotations

import calendar
import functools
import gc
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TextIO

import psycopg
from psycopg.types.json import Jsonb

from lana_sandbox import names
from lana_sandbox.ddl import (
    BOOKKEEPING_SCHEMA,
    CALA_TABLES,
    INBOX_EVENTS_TABLE,
    apply_ddl,
    bulk_tables,
    defer_keys,
    restore_keys,
)
from lana_sandbox.entities import (
    CHART,
    CHART_NODE,
    COLLATERAL,
    CREDIT_FACILITY,
    CREDIT_FACILITY_PROPOSAL,
    CUSTOMER,
    DEPOSIT,
    DEPOSIT_ACCOUNT,
    DISBURSAL,
    ENTITIES,
    INTEREST_ACCRUAL_CYCLE,
    OBLIGATION,
    PARTY,
    PAYMENT,
    PAYMENT_ALLOCATION,
    PENDING_CREDIT_FACILITY,
    PUBLIC_IDS_TABLE,
    WITHDRAWAL,
)
from lana_sandbox.ledger import Ledger, chart_nodes, cr, dr, load_balances
from lana_sandbox.prices import btc_price_cents
from lana_sandbox.state import (
    Bank,
    Customer,
    Cycle,
    Facility,
    Obligation,
    Withdrawal,
    load_bank,
    pct_bp,
)
from lana_sandbox.store import DayLog, Store

MODEL_VERSION = 3  # 3: paid-in capital on the first day, collateral given back at completion
DEFAULT_START = date(2025, 1, 1)
DEFAULT_CUSTOMERS = 100
DEFAULT_SEED = 42
ONBOARDING_DAYS = 365  # customers arrive over the bank's first year, front-loaded
FIRST_PUBLIC_ID = 1000
INITIAL_BTC_PRICE = 9_400_000  # cents per BTC, the close before the first day
SATS = 100_000_000

# Phases of a day, in seconds after midnight.
JOBS, OBLIGATION_JOBS, BUSINESS, CLOSE = (
    (1, 3_599),
    (3_600, 7_199),
    (28_800, 71_999),
    (79_200, 86_399),
)

# Behaviour, per customer per day unless said otherwise.
CAPITAL_PER_CUSTOMER = 500_000  # cents: the shareholders' paid-in capital, on the first day
P_DEPOSIT = 0.07
P_WITHDRAW = 0.05
P_REVERT_DEPOSIT = 0.01  # of deposits
P_DENY_WITHDRAWAL = 0.03  # of withdrawals
P_CONFIRM_AT_ONCE = 0.7  # of approved withdrawals; the others wait a day or more
P_CONFIRM_PENDING = 0.6  # per pending withdrawal per day
P_CANCEL_PENDING = 0.05
P_FREEZE = 0.0006
P_UNFREEZE = 0.08  # per frozen customer per day
P_CLOSE = 0.0004
P_EMAIL_UPDATE = 0.0004
P_TELEGRAM_UPDATE = 0.0003
P_FACILITY = 0.006  # customers with no open facility, onboarded at least 3 days ago
P_SECOND_DISBURSAL = 0.04
P_DENY_DISBURSAL = 0.02
P_DENY_PROPOSAL = 0.08
DAYS_IN_YEAR = 365  # interest per day = principal x annual rate / 365 (Lana's convention)
P_COLLATERAL_TOP_UP = 0.3  # per day under the margin call threshold
RATIO_STEP = 10  # a collateralization_ratio_changed once the CVL moved by a tenth of itself

P_SUMSUB = 0.9  # of new customers: onboarded through Sumsub (the others converted manually)
P_KYC_RETRY = 0.08  # of Sumsub applicants: RED with RETRY first, then GREEN
P_PROSPECT_REJECTED = 0.05  # per onboarding: a prospect rejected for good (RED, FINAL) first
KYC_LEVEL_NAMES = {"Basic": "basic-kyc-level", "Advanced": "advanced-kyc-level"}
REVIEW_STATUS = {
    "applicantCreated": "init",
    "applicantPending": "pending",
    "applicantReviewed": "completed",
}
RED_RETRY_LABELS = ("UNSATISFACTORY_PHOTOS", "SCREENSHOTS", "SELFIE_MISMATCH")
RED_FINAL_LABELS = ("FORGERY", "BLACKLIST", "EXTERNAL_DECISION_REJECTION")

# (weight, customer_type)
CUSTOMER_TYPES = (
    (90, "Individual"),
    (5, "PrivateCompany"),
    (2, "NonDomiciledCompany"),
    (1, "GovernmentEntity"),
    (1, "Bank"),
    (1, "FinancialInstitution"),
)
# (weight, months, annual rate %, overdue days after due, liquidation days after due)
PRODUCTS = (
    (15, 1, "12", 30, 90),
    (50, 3, "12", 50, 360),  # Lana's typical facility (lana-source.md)
    (25, 6, "10.5", 30, 120),
    (10, 12, "9", 30, 90),
)


_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_V4_SET = (0x8000 << 48) | (4 << 76)


class SandboxError(Exception):
    """Something the user asked for that the database does not allow (shown without a trace)."""


@dataclass(frozen=True)
class Config:
    seed: int
    start: date
    customers: int
    onboarding_days: int = ONBOARDING_DAYS
    model_version: int = MODEL_VERSION


@dataclass
class RunSummary:
    first_day: date | None
    last_day: date | None
    days: int
    events: int
    seconds: float
    rows_written: dict[str, int] = field(default_factory=dict)
    #: Seconds spent building the keys and indexes deferred by a new bank's load, at the end.
    keys_seconds: float = 0.0
    #: Rows per Lana table at the end: counted, or for a new bank the rows written.
    table_rows: dict[str, int] = field(default_factory=dict)


def onboarded_by(cfg: Config, day_index: int) -> int:
    """Customers onboarded by the end of day `day_index` (0-based): N·sqrt((i+1)/H), exactly."""
    if day_index < 0:
        return 0
    t = cfg.customers * cfg.customers * (day_index + 1)
    m = -(-t // cfg.onboarding_days)  # ceil(t / H)
    return min(cfg.customers, math.isqrt(m - 1) + 1 if m > 0 else 0)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def end_of_month(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def terms_for(months: int, rate: str, overdue: int, liquidation: int) -> dict[str, Any]:
    return {
        "annual_rate": rate,
        "one_time_fee_rate": "0",
        "duration": {"type": "months", "value": months},
        "accrual_interval": {"type": "end_of_day"},
        "accrual_cycle_interval": {"type": "end_of_month"},
        "interest_due_duration_from_accrual": {"type": "days", "value": 0},
        "obligation_overdue_duration_from_due": {"type": "days", "value": overdue},
        "obligation_liquidation_duration_from_due": {"type": "days", "value": liquidation},
        "initial_cvl": {"Finite": "140"},
        "margin_call_cvl": {"Finite": "125"},
        "liquidation_cvl": {"Finite": "105"},
        "disbursal_policy": "MultipleDisbursal",
    }


def _weighted(rng: random.Random, options: tuple) -> tuple:
    return rng.choices(options, weights=[o[0] for o in options])[0]


def payer_kind(facility_id: str) -> tuple[str, int]:
    """How a borrower pays, fixed by the facility id: on time (most), late by some days, never."""
    h = int(facility_id.replace("-", "")[:12], 16)
    kind = h % 100
    if kind < 85:
        return "on_time", 0
    if kind < 96:
        return "late", 5 + (h >> 8) % 60
    return "never", 0


class Simulation:
    def __init__(self, cfg: Config, bank: Bank):
        self.cfg = cfg
        self.bank = bank
        self.ledger = Ledger(cfg.seed, lambda: self._id())

    def _post(self, tx_id: str, template: str, legs: list, correlation_id: str) -> None:
        self.ledger.post(self.log, tx_id, template, legs, self.day, correlation_id)

    # -- randomness: one stream per (seed, day, purpose) --

    def _rng(self, day: date, purpose: str) -> random.Random:
        return random.Random(f"{self.cfg.seed}:{day.isoformat()}:{purpose}")

    def _id(self) -> str:
        # str(uuid.UUID(int=n, version=4)), without building the UUID object.
        h = "%032x" % ((self._ids.getrandbits(128) & _V4_CLEAR) | _V4_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _public_id(self) -> str:
        n = self.bank.next_public_id
        self.bank.next_public_id += 1
        return str(n)

    # -- one day --

    def run_day(self, day: date) -> DayLog:
        log = DayLog(day, self._rng(day, "clock"))
        self._ids = self._rng(day, "ids")
        self.day, self.log = day, log
        self.bank.price = btc_price_cents(day, self.cfg.seed)

        log.phase(*JOBS)
        if day == self.cfg.start:
            self._write_chart()
            self._raise_capital()
        for f in list(self.bank.facilities.values()):
            self._facility_jobs(f)

        log.phase(*OBLIGATION_JOBS)
        for o in list(self.bank.obligations.values()):
            self._obligation_jobs(o)

        log.phase(*BUSINESS)
        rng = self._rng(day, "business")
        for w in list(self.bank.withdrawals.values()):
            r = rng.random()
            if r < P_CONFIRM_PENDING:
                self._confirm_withdrawal(w)
                del self.bank.withdrawals[w.id]
            elif r < P_CONFIRM_PENDING + P_CANCEL_PENDING:
                self._cancel_withdrawal(w)
                del self.bank.withdrawals[w.id]
        for c in list(self.bank.customers.values()):
            self._customer_day(c, rng)
        index = (day - self.cfg.start).days
        onboarding = self._rng(day, "onboarding")
        for _ in range(onboarded_by(self.cfg, index) - onboarded_by(self.cfg, index - 1)):
            if onboarding.random() < P_PROSPECT_REJECTED:
                # A prospect whose KYC ends RED for good: webhooks, never a customer.
                customer_type = _weighted(onboarding, CUSTOMER_TYPES)[1]
                self._kyc(self._id(), customer_type, "Basic", onboarding, approve=False)
            self._onboard(onboarding)

        log.phase(*CLOSE)
        for f in list(self.bank.facilities.values()):
            if f.matured and not f.obligations and f.cycle is None:
                # Lana's completion posts REMOVE_COLLATERAL for all of it: the BTC goes back
                # to the borrower, and the bank's collateral books hold open facilities only.
                if f.collateral:
                    self._update_collateral(
                        f.collateral_id, f.collateral_account_id, -f.collateral, 0
                    )
                    f.collateral = 0
                self.log.emit(CREDIT_FACILITY, f.id, {"type": "completed"})
                self.log.forget(CREDIT_FACILITY, f.id)
                self.log.forget(COLLATERAL, f.collateral_id)
                self.ledger.forget([*f.account_ids.values(), f.collateral_account_id])
                del self.bank.facilities[f.id]
                self.bank.customers[f.customer_id].facility_id = None
        return log

    def _write_chart(self) -> None:
        chart_id = self.ledger.chart_id

        def emit_chart(payload):
            self.log.emit(CHART, chart_id, payload, new=payload["type"] == "initialized")

        def emit_node(node_id, payload, new):
            self.log.emit(CHART_NODE, node_id, payload, new=new)

        self.ledger.write_chart(self.log, emit_chart, emit_node)
        self.log.forget(CHART, chart_id)
        for node in chart_nodes():
            self.log.forget(CHART_NODE, self.ledger.node_id(node.code))

    def _raise_capital(self) -> None:
        """The shareholders pay in the bank's capital in cash: what it lends before deposits."""
        ledger, amount = self.ledger, CAPITAL_PER_CUSTOMER * self.cfg.customers
        legs = [dr(ledger.bank_cash, amount), cr(ledger.bank_capital, amount)]
        self._post(ledger.capital_tx_id, "RECORD_CAPITAL_CONTRIBUTION", legs, ledger.journal_id)
        ledger.forget([ledger.bank_cash, ledger.bank_capital])  # nothing posts to them again

    # -- customers --

    def _onboard(self, rng: random.Random) -> None:
        customer_type = _weighted(rng, CUSTOMER_TYPES)[1]
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        public_id = self._public_id()
        party_id, customer_id, account_id = self._id(), self._id(), self._id()
        email = f"{first}.{last}.{public_id}@{rng.choice(names.EMAIL_DOMAINS)}".lower()
        self.log.emit(
            PARTY,
            party_id,
            {
                "type": "initialized",
                "id": party_id,
                "email": email,
                "telegram_handle": f"@{first}{last}{public_id}".lower(),
                "customer_type": customer_type,
            },
            new=True,
        )
        company = customer_type != "Individual"
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        info = {
            "firstName": first,
            "lastName": last,
            "dateOfBirth": None if company else born.isoformat(),
            "nationality": rng.choice(names.NATIONALITIES),
            "address": f"{rng.choice(names.STREETS)} {rng.randrange(1, 400)}, "
            f"{rng.choice(names.CITIES)}",
            "companyName": (
                f"{rng.choice(names.COMPANY_WORDS)} {rng.choice(names.COMPANY_WORDS)} "
                f"{rng.choice(names.COMPANY_SUFFIXES)}"
                if company
                else None
            ),
        }
        self.log.emit(PARTY, party_id, {"type": "personal_info_updated", "personal_info": info})
        level = "Advanced" if rng.random() < 0.3 else "Basic"
        if rng.random() < P_SUMSUB:
            applicant_id = self._kyc(customer_id, customer_type, level, rng, approve=True)
            conversion = {"type": "sumsub_approved", "applicant_id": applicant_id}
        else:
            conversion = {"type": "manually_converted"}
        self.log.emit(
            CUSTOMER,
            customer_id,
            {
                "type": "initialized",
                "id": customer_id,
                "party_id": party_id,
                "customer_type": customer_type,
                "public_id": public_id,
                "conversion": conversion,
                "level": level,
            },
            new=True,
        )
        account_public_id = self._public_id()
        ledger_account_id = self._id()
        ledger_ids = {
            "deposit_account_id": ledger_account_id,
            "frozen_deposit_account_id": self._id(),
        }
        self.log.emit(
            DEPOSIT_ACCOUNT,
            account_id,
            {
                "type": "initialized",
                "id": account_id,
                "account_holder_id": customer_id,
                "account_ids": ledger_ids,
                "activity": "active",
                "status": "active",
                "public_id": account_public_id,
            },
            new=True,
        )
        c = Customer(
            id=customer_id,
            public_id=int(public_id),
            party_id=party_id,
            customer_type=customer_type,
            status="active",
            since=self.day,
            account_id=account_id,
            ledger_account_id=ledger_account_id,
            frozen_ledger_account_id=ledger_ids["frozen_deposit_account_id"],
        )
        self.bank.customers[c.id] = c
        self.ledger.open_deposit_accounts(self.log, ledger_ids, customer_type, account_public_id)
        self._deposit(c, _cents(rng.lognormvariate(math.log(1_500), 1.0)), rng)

    def _kyc(
        self, external_id: str, customer_type: str, level: str, rng: random.Random, approve: bool
    ) -> str:
        """Sumsub's webhooks for one applicant, as Lana's inbox stores them (inbox_events):
        applicantCreated, applicantPending, applicantReviewed; on the way to GREEN some
        applicants are first RED with RETRY and resubmit. Returns the applicant id."""
        applicant_id = f"{self._ids.getrandbits(96):024x}"
        inspection_id = f"{self._ids.getrandbits(96):024x}"
        base = {
            "applicantId": applicant_id,
            "inspectionId": inspection_id,
            "applicantType": "individual" if customer_type == "Individual" else "company",
            "levelName": KYC_LEVEL_NAMES[level],
            "externalUserId": external_id,
            "sandboxMode": True,
            "clientId": "lana.sandbox",
        }
        steps: list[tuple[str, dict[str, Any] | None]] = [
            ("applicantCreated", None),
            ("applicantPending", None),
        ]
        if not approve:
            labels = rng.choice(RED_FINAL_LABELS)
            steps.append(("applicantReviewed", _red("FINAL", labels)))
        else:
            if rng.random() < P_KYC_RETRY:
                steps.append(("applicantReviewed", _red("RETRY", rng.choice(RED_RETRY_LABELS))))
                steps.append(("applicantPending", None))
            steps.append(("applicantReviewed", {"reviewAnswer": "GREEN", "rejectLabels": []}))
        for type_, result in steps:
            body = {
                **base,
                "correlationId": f"req-{self._id()}",
                "type": type_,
                "reviewStatus": REVIEW_STATUS[type_],
            }
            if result is not None:
                body["reviewResult"] = result
            self._webhook(body)
        return applicant_id

    def _webhook(self, body: dict[str, Any]) -> None:
        row_id = self._id()
        key = f"sumsub:{body['correlationId']}:{body['type']}"

        def make(at):
            body["createdAtMs"] = (
                at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"
            )
            return [("inbox_events", (row_id, key, body, "completed", None, at, at))]

        self.log.row(make)

    def _customer_day(self, c: Customer, rng: random.Random) -> None:
        if c.status == "frozen":
            if rng.random() < P_UNFREEZE:
                self._set_status(c, "unfrozen", "active")
            return
        if rng.random() < P_FREEZE:
            self._set_status(c, "frozen", "frozen")
            return
        if (
            c.facility_id is None
            and rng.random() < P_CLOSE
            and not any(w.customer_id == c.id for w in self.bank.withdrawals.values())
        ):
            self._close(c, rng)
            return
        if rng.random() < P_EMAIL_UPDATE:
            self.log.emit(
                PARTY,
                c.party_id,
                {
                    "type": "email_updated",
                    "email": f"customer{c.public_id}.{self.day:%Y%m%d}@example.com",
                },
            )
        if rng.random() < P_TELEGRAM_UPDATE:
            self.log.emit(
                PARTY,
                c.party_id,
                {
                    "type": "telegram_handle_updated",
                    "telegram_handle": f"@c{c.public_id}_{self.day:%Y%m%d}",
                },
            )
        if rng.random() < P_DEPOSIT:
            self._deposit(c, _cents(rng.lognormvariate(math.log(400), 1.0)), rng)
        if c.balance >= 2_000 and rng.random() < P_WITHDRAW:
            self._withdraw(c, int(c.balance * rng.uniform(0.1, 0.7)), rng)
        if c.facility_id is not None:
            self._borrower_day(c, self.bank.facilities[c.facility_id], rng)
        elif (self.day - c.since).days >= 3 and rng.random() < P_FACILITY:
            self._open_facility(c, rng)

    def _set_status(self, c: Customer, event_type: str, status: str) -> None:
        self.log.emit(CUSTOMER, c.id, {"type": event_type, "status": status})
        self.log.emit(DEPOSIT_ACCOUNT, c.account_id, {"type": event_type, "status": status})
        c.status = status

    def _close(self, c: Customer, rng: random.Random) -> None:
        if c.balance > 0:
            self._withdraw(c, c.balance, rng, confirm=True)
        self.log.emit(DEPOSIT_ACCOUNT, c.account_id, {"type": "closed", "status": "closed"})
        self.log.emit(CUSTOMER, c.id, {"type": "closed", "status": "closed"})
        for spec, entity_id in (
            (DEPOSIT_ACCOUNT, c.account_id),
            (CUSTOMER, c.id),
            (PARTY, c.party_id),
        ):
            self.log.forget(spec, entity_id)
        self.ledger.forget((c.ledger_account_id, c.frozen_ledger_account_id))
        del self.bank.customers[c.id]

    # -- deposits and withdrawals --

    def _deposit(
        self, c: Customer, amount: int, rng: random.Random, may_revert: bool = True
    ) -> None:
        deposit_id, public_id, tx = self._id(), self._public_id(), self._id()
        self.log.emit(
            DEPOSIT,
            deposit_id,
            {
                "type": "initialized",
                "id": deposit_id,
                "ledger_tx_id": tx,
                "deposit_account_id": c.account_id,
                "amount": amount,
                "reference": f"DEP-{public_id}",
                "status": "Confirmed",
                "public_id": public_id,
            },
            new=True,
        )
        omnibus = self.ledger.deposit_omnibus
        self._post(
            tx, "RECORD_DEPOSIT", [dr(omnibus, amount), cr(c.ledger_account_id, amount)], deposit_id
        )
        c.balance += amount
        if may_revert and rng.random() < P_REVERT_DEPOSIT and c.balance >= amount:
            tx = self._id()
            self.log.emit(
                DEPOSIT,
                deposit_id,
                {"type": "reverted", "ledger_tx_id": tx, "status": "Reverted"},
            )
            self._post(
                tx,
                "REVERT_DEPOSIT",
                [dr(c.ledger_account_id, amount), cr(omnibus, amount)],
                deposit_id,
            )
            c.balance -= amount
        self.log.forget(DEPOSIT, deposit_id)

    def _withdraw(
        self, c: Customer, amount: int, rng: random.Random, confirm: bool = False
    ) -> None:
        withdrawal_id, public_id, process_id = self._id(), self._public_id(), self._id()
        tx = self._id()
        self.log.emit(
            WITHDRAWAL,
            withdrawal_id,
            {
                "type": "initialized",
                "id": withdrawal_id,
                "ledger_tx_id": tx,
                "deposit_account_id": c.account_id,
                "amount": amount,
                "reference": f"WDR-{public_id}",
                "approval_process_id": process_id,
                "status": "PendingApproval",
                "public_id": public_id,
            },
            new=True,
        )
        self._post(tx, "INITIATE_WITHDRAW", self._held(c.ledger_account_id, amount), withdrawal_id)
        c.balance -= amount
        if not confirm and rng.random() < P_DENY_WITHDRAWAL:
            self.log.emit(
                WITHDRAWAL,
                withdrawal_id,
                {
                    "type": "approval_process_concluded",
                    "approval_process_id": process_id,
                    "approved": False,
                    "status": "Denied",
                },
            )
            tx = self._id()
            self.log.emit(
                WITHDRAWAL,
                withdrawal_id,
                {"type": "denied", "ledger_tx_id": tx, "status": "Denied"},
            )
            self._post(
                tx, "DENY_WITHDRAW", self._released(c.ledger_account_id, amount), withdrawal_id
            )
            self.log.forget(WITHDRAWAL, withdrawal_id)
            c.balance += amount
            return
        self.log.emit(
            WITHDRAWAL,
            withdrawal_id,
            {
                "type": "approval_process_concluded",
                "approval_process_id": process_id,
                "approved": True,
                "status": "PendingConfirmation",
            },
        )
        if confirm or rng.random() < P_CONFIRM_AT_ONCE:
            self._confirm_withdrawal(Withdrawal(withdrawal_id, c.id, amount))
        else:
            self.bank.withdrawals[withdrawal_id] = Withdrawal(withdrawal_id, c.id, amount)

    def _held(self, account: str, amount: int) -> list:
        """A withdrawal's hold: the money leaves the deposit account in the pending layer."""
        omnibus = self.ledger.deposit_omnibus
        return [dr(account, amount, layer="pending"), cr(omnibus, amount, layer="pending")]

    def _released(self, account: str, amount: int) -> list:
        omnibus = self.ledger.deposit_omnibus
        return [dr(omnibus, amount, layer="pending"), cr(account, amount, layer="pending")]

    def _confirm_withdrawal(self, w: Withdrawal) -> None:
        tx = self._id()
        self.log.emit(
            WITHDRAWAL,
            w.id,
            {"type": "confirmed", "ledger_tx_id": tx, "status": "Confirmed"},
        )
        account = self.bank.customers[w.customer_id].ledger_account_id
        omnibus = self.ledger.deposit_omnibus
        legs = [*self._released(account, w.amount), dr(account, w.amount), cr(omnibus, w.amount)]
        self._post(tx, "CONFIRM_WITHDRAW", legs, w.id)
        self.log.forget(WITHDRAWAL, w.id)

    def _cancel_withdrawal(self, w: Withdrawal) -> None:
        tx = self._id()
        self.log.emit(
            WITHDRAWAL,
            w.id,
            {"type": "cancelled", "ledger_tx_id": tx, "status": "Cancelled"},
        )
        account = self.bank.customers[w.customer_id].ledger_account_id
        self._post(tx, "CANCEL_WITHDRAW", self._released(account, w.amount), w.id)
        self.log.forget(WITHDRAWAL, w.id)
        self.bank.customers[w.customer_id].balance += w.amount

    # -- credit --

    def _open_facility(self, c: Customer, rng: random.Random) -> None:
        _, months, rate, overdue, liquidation = _weighted(rng, PRODUCTS)
        usd = int(round(rng.lognormvariate(math.log(8_000), 0.8), -2))
        amount = max(1_000, min(250_000, usd)) * 100  # cents
        target_cvl_bp = rng.randrange(14_000, 19_000)
        price = self.bank.price
        collateral = -(-amount * target_cvl_bp * SATS // (10_000 * price))
        terms = terms_for(months, rate, overdue, liquidation)
        # Lana's proposal, pending facility and facility share one id.
        facility_id = self._id()
        proposal_status = "PendingCustomerApproval"
        self.log.emit(
            CREDIT_FACILITY_PROPOSAL,
            facility_id,
            {
                "type": "initialized",
                "id": facility_id,
                "customer_id": c.id,
                "customer_type": c.customer_type,
                "custodian_id": self.ledger.custodian_id,
                "disbursal_credit_account_id": c.ledger_account_id,
                "terms": terms,
                "amount": amount,
                "status": proposal_status,
            },
            new=True,
        )
        self.log.emit(
            CREDIT_FACILITY_PROPOSAL,
            facility_id,
            {"type": "customer_approval_concluded", "status": "PendingApproval"},
        )
        process_id = self._id()
        self.log.emit(
            CREDIT_FACILITY_PROPOSAL,
            facility_id,
            {
                "type": "approval_process_started",
                "approval_process_id": process_id,
                "status": "PendingApproval",
            },
        )
        approved = rng.random() >= P_DENY_PROPOSAL
        self.log.emit(
            CREDIT_FACILITY_PROPOSAL,
            facility_id,
            {
                "type": "approval_process_concluded",
                "approval_process_id": process_id,
                "status": "Approved" if approved else "Denied",
            },
        )
        self.log.forget(CREDIT_FACILITY_PROPOSAL, facility_id)
        if not approved:
            return
        public_id = self._public_id()
        account_ids = {
            key: self._id()
            for key in (
                "facility_account_id",
                "disbursed_receivable_not_yet_due_account_id",
                "disbursed_receivable_due_account_id",
                "disbursed_receivable_overdue_account_id",
                "disbursed_defaulted_account_id",
                "proceeds_from_liquidation_account_id",
                "interest_receivable_not_yet_due_account_id",
                "interest_receivable_due_account_id",
                "interest_receivable_overdue_account_id",
                "interest_defaulted_account_id",
                "interest_income_account_id",
                "fee_income_account_id",
                "payment_holding_account_id",
                "uncovered_outstanding_account_id",
            )
        }
        maturity = add_months(self.day, months)
        collateral_id, collateral_accounts = (
            self._id(),
            {
                "collateral_account_id": self._id(),
                "collateral_in_liquidation_account_id": self._id(),
                "liquidated_collateral_account_id": self._id(),
            },
        )
        self.ledger.open_facility_accounts(self.log, account_ids, c.customer_type, public_id)
        self.ledger.open_collateral_accounts(self.log, collateral_accounts, public_id)
        self.log.emit(
            PENDING_CREDIT_FACILITY,
            facility_id,
            {
                "type": "initialized",
                "id": facility_id,
                "credit_facility_proposal_id": facility_id,
                "ledger_tx_id": self._id(),
                "approval_process_id": process_id,
                "customer_id": c.id,
                "customer_type": c.customer_type,
                "collateral_id": collateral_id,
                "terms": terms,
                "amount": amount,
                "account_ids": {
                    "facility_account_id": account_ids["facility_account_id"],
                    "facility_payment_holding_account_id": account_ids[
                        "payment_holding_account_id"
                    ],
                    "facility_proceeds_from_liquidation_account_id": account_ids[
                        "proceeds_from_liquidation_account_id"
                    ],
                    "facility_uncovered_outstanding_account_id": account_ids[
                        "uncovered_outstanding_account_id"
                    ],
                },
                "disbursal_credit_account_id": c.ledger_account_id,
            },
            new=True,
        )
        self.log.emit(
            COLLATERAL,
            collateral_id,
            {
                "type": "initialized",
                "id": collateral_id,
                "secured_loan_id": facility_id,
                "custody_wallet_id": None,
                "account_ids": collateral_accounts,
                "facility_ledger_account_ids_for_liquidation": {
                    "proceeds_from_liquidation_account_id": account_ids[
                        "proceeds_from_liquidation_account_id"
                    ],
                    "payment_holding_account_id": account_ids["payment_holding_account_id"],
                    "uncovered_outstanding_account_id": account_ids[
                        "uncovered_outstanding_account_id"
                    ],
                },
            },
            new=True,
        )
        self._update_collateral(
            collateral_id, collateral_accounts["collateral_account_id"], collateral, collateral
        )
        self.log.emit(
            PENDING_CREDIT_FACILITY,
            facility_id,
            {
                "type": "collateralization_state_changed",
                "collateralization_state": "FullyCollateralized",
                "collateral": collateral,
                "price": price,
            },
        )
        cvl_bp = collateral * price * 10_000 // (SATS * amount)
        self.log.emit(
            PENDING_CREDIT_FACILITY,
            facility_id,
            {
                "type": "collateralization_ratio_changed",
                "collateralization_ratio": {"Finite": f"{cvl_bp // 100}.{cvl_bp % 100:02d}"},
            },
        )
        self.log.emit(PENDING_CREDIT_FACILITY, facility_id, {"type": "completed"})
        self.log.forget(PENDING_CREDIT_FACILITY, facility_id)
        tx = self._id()
        self.log.emit(
            CREDIT_FACILITY,
            facility_id,
            {
                "type": "initialized",
                "id": facility_id,
                "pending_credit_facility_id": facility_id,
                "customer_id": c.id,
                "customer_type": c.customer_type,
                "collateral_id": collateral_id,
                "ledger_tx_id": tx,
                "terms": terms,
                "amount": amount,
                "account_ids": account_ids,
                "disbursal_credit_account_id": c.ledger_account_id,
                "public_id": public_id,
                "activated_at": None,  # the event's own time, see DayLog.stamp
                "maturity_date": maturity.isoformat(),
                "collateralization_state": "FullyCollateralized",
                "collateral": collateral,
                "outstanding": {"disbursed": 0, "interest": 0},
                "price": price,
                "structuring_fee_tx_id": None,
            },
            new=True,
            time_keys=("activated_at",),
        )
        self._post(
            tx,
            "ACTIVATE_CREDIT_FACILITY",
            [
                dr(account_ids["facility_account_id"], amount),
                cr(self.ledger.facility_omnibus, amount),
            ],
            facility_id,
        )
        f = Facility(
            id=facility_id,
            public_id=int(public_id),
            customer_id=c.id,
            amount=amount,
            terms=terms,
            account_ids=account_ids,
            activated=self.day,
            maturity=maturity,
            collateral=collateral,
            state="FullyCollateralized",
            collateral_id=collateral_id,
            collateral_account_id=collateral_accounts["collateral_account_id"],
        )
        self.bank.facilities[f.id] = f
        c.facility_id = f.id
        self._start_cycle(f, self.day)
        share = 1.0 if rng.random() < 0.6 else 0.5
        self._disburse(f, c, round(amount * share), rng)

    def _update_collateral(self, collateral_id: str, account: str, diff: int, total: int) -> None:
        """Collateral added (diff > 0) or given back (diff < 0), now `total` sats."""
        tx = self._id()
        self.log.emit(
            COLLATERAL,
            collateral_id,
            {
                "type": "updated_via_manual_input",
                "ledger_tx_id": tx,
                "collateral_amount": total,
                "abs_diff": abs(diff),
                "direction": "Add" if diff > 0 else "Remove",
            },
        )
        debited, credited = account, self.ledger.collateral_omnibus
        if diff < 0:
            debited, credited = credited, debited
        template = "ADD_COLLATERAL" if diff > 0 else "REMOVE_COLLATERAL"
        legs = [dr(debited, abs(diff), "BTC"), cr(credited, abs(diff), "BTC")]
        self._post(tx, template, legs, collateral_id)

    def _disburse(self, f: Facility, c: Customer, amount: int, rng: random.Random) -> None:
        disbursal_id, public_id, process_id = self._id(), self._public_id(), self._id()
        due = f.maturity
        overdue = _plus(due, f.overdue_days)
        liquidation = _plus(due, f.liquidation_days)
        a = f.account_ids
        self.log.emit(
            DISBURSAL,
            disbursal_id,
            {
                "type": "initialized",
                "id": disbursal_id,
                "ledger_tx_id": self._id(),
                "approval_process_id": process_id,
                "facility_id": f.id,
                "amount": amount,
                "account_ids": {
                    "receivable_not_yet_due_account_id": a[
                        "disbursed_receivable_not_yet_due_account_id"
                    ],
                    "receivable_due_account_id": a["disbursed_receivable_due_account_id"],
                    "receivable_overdue_account_id": a["disbursed_receivable_overdue_account_id"],
                    "defaulted_account_id": a["disbursed_defaulted_account_id"],
                },
                "disbursal_credit_account_id": c.ledger_account_id,
                "due_date": due.isoformat(),
                "overdue_date": _iso(overdue),
                "liquidation_date": _iso(liquidation),
                "public_id": public_id,
            },
            new=True,
        )
        approved = rng.random() >= P_DENY_DISBURSAL
        self.log.emit(
            DISBURSAL,
            disbursal_id,
            {
                "type": "approval_process_concluded",
                "approval_process_id": process_id,
                "approved": approved,
            },
        )
        self.log.forget(DISBURSAL, disbursal_id)
        if not approved:
            self.log.emit(
                DISBURSAL, disbursal_id, {"type": "cancelled", "ledger_tx_id": self._id()}
            )
            return
        ob = self._new_obligation(
            f, "Disbursal", amount, due, self.day, f"{f.id}-disbursal-{public_id}"
        )
        tx = self._id()
        self.log.emit(
            DISBURSAL,
            disbursal_id,
            {
                "type": "settled",
                "ledger_tx_id": tx,
                "obligation_id": ob.id,
                "amount": amount,
                "effective": self.day.isoformat(),
            },
        )
        self._post(
            tx,
            "SETTLE_DISBURSAL",
            [
                dr(self.ledger.facility_omnibus, amount),
                cr(a["facility_account_id"], amount),
                dr(a["disbursed_receivable_not_yet_due_account_id"], amount),
                cr(c.ledger_account_id, amount),
            ],
            disbursal_id,
        )
        f.disbursed += amount
        c.balance += amount

    def _new_obligation(
        self, f: Facility, kind: str, amount: int, due: date, effective: date, reference: str
    ) -> Obligation:
        prefix = "disbursed" if kind == "Disbursal" else "interest"
        a = f.account_ids
        overdue = _plus(due, f.overdue_days)
        liquidation = _plus(due, f.liquidation_days)
        ob = Obligation(
            id=self._id(),
            facility_id=f.id,
            type=kind,
            amount=amount,
            outstanding=amount,
            due=due,
            overdue=overdue,
            defaulted=liquidation,
            receivables={
                "not_yet_due": a[f"{prefix}_receivable_not_yet_due_account_id"],
                "due": a[f"{prefix}_receivable_due_account_id"],
                "overdue": a[f"{prefix}_receivable_overdue_account_id"],
            },
            defaulted_account_id=a[f"{prefix}_defaulted_account_id"],
        )
        self.log.emit(
            OBLIGATION,
            ob.id,
            {
                "type": "initialized",
                "id": ob.id,
                "beneficiary_id": f.id,
                "obligation_type": kind,
                "amount": amount,
                "reference": reference,
                "ledger_tx_id": self._id(),
                "receivable_account_ids": ob.receivables,
                "defaulted_account_id": ob.defaulted_account_id,
                "due_date": due.isoformat(),
                "overdue_date": _iso(overdue),
                "liquidation_date": _iso(liquidation),
                "defaulted_date": _iso(liquidation),
                "effective": effective.isoformat(),
            },
            new=True,
        )
        self.bank.obligations[ob.id] = ob
        f.obligations.append(ob.id)
        return ob

    def _start_cycle(self, f: Facility, start: date) -> None:
        f.cycle_idx += 1
        end = min(end_of_month(start), f.maturity - timedelta(days=1))
        cycle = Cycle(id=self._id(), idx=f.cycle_idx, start=start, end=end)
        period = {
            "interval": {"type": "end_of_month"},
            "start": f"{start.isoformat()}T00:00:00Z",
            "end": f"{end.isoformat()}T23:59:59Z",
        }
        a = f.account_ids
        self.log.emit(
            INTEREST_ACCRUAL_CYCLE,
            cycle.id,
            {
                "type": "initialized",
                "id": cycle.id,
                "facility_id": f.id,
                "idx": cycle.idx,
                "period": period,
                "facility_maturity_date": f.maturity.isoformat(),
                "account_ids": {
                    "receivable_not_yet_due_account_id": a[
                        "interest_receivable_not_yet_due_account_id"
                    ],
                    "receivable_due_account_id": a["interest_receivable_due_account_id"],
                    "receivable_overdue_account_id": a["interest_receivable_overdue_account_id"],
                    "defaulted_account_id": a["interest_defaulted_account_id"],
                    "interest_income_account_id": a["interest_income_account_id"],
                    "uncovered_outstanding_account_id": a["uncovered_outstanding_account_id"],
                },
                "terms": f.terms,
            },
            new=True,
        )
        self.log.emit(
            CREDIT_FACILITY,
            f.id,
            {
                "type": "interest_accrual_cycle_started",
                "interest_accrual_id": cycle.id,
                "interest_accrual_cycle_idx": cycle.idx,
                "interest_period": period,
            },
        )
        f.cycle = cycle

    def _outstanding(self, f: Facility) -> tuple[int, int]:
        disbursed = interest = 0
        for oid in f.obligations:
            o = self.bank.obligations[oid]
            if o.type == "Disbursal":
                disbursed += o.outstanding
            else:
                interest += o.outstanding
        return disbursed, interest

    def _facility_jobs(self, f: Facility) -> None:
        yesterday = self.day - timedelta(days=1)
        cycle = f.cycle
        if cycle is not None and cycle.start <= yesterday <= cycle.end:
            principal, _ = self._outstanding(f)
            if principal > 0:
                amount = -(-principal * f.rate_bp // (10_000 * DAYS_IN_YEAR))
                tx = self._id()
                self.log.emit(
                    INTEREST_ACCRUAL_CYCLE,
                    cycle.id,
                    {
                        "type": "interest_accrued",
                        "ledger_tx_id": tx,
                        "tx_ref": f"{cycle.id}-accrual-{yesterday.isoformat()}",
                        "amount": amount,
                        "accrued_at": f"{yesterday.isoformat()}T23:59:59Z",
                    },
                )
                a = f.account_ids
                self._post(
                    tx,
                    "CREDIT_FACILITY_ACCRUE_INTEREST",
                    [
                        dr(a["interest_receivable_not_yet_due_account_id"], amount),
                        cr(a["interest_income_account_id"], amount),
                    ],
                    cycle.id,
                )
                cycle.accrued += amount
            if yesterday == cycle.end:
                self._post_cycle(f, cycle, yesterday)
        if not f.matured and self.day >= f.maturity:
            self.log.emit(CREDIT_FACILITY, f.id, {"type": "matured"})
            f.matured = True
        self._collateralization(f)

    def _post_cycle(self, f: Facility, cycle: Cycle, end: date) -> None:
        obligation_id = None
        if cycle.accrued > 0:
            due = end + timedelta(days=f.interest_due_days)
            ob = self._new_obligation(
                f, "Interest", cycle.accrued, due, end, f"{f.id}-interest-{cycle.idx}"
            )
            obligation_id = ob.id
        self.log.emit(
            INTEREST_ACCRUAL_CYCLE,
            cycle.id,
            {
                "type": "interest_accruals_posted",
                "ledger_tx_id": self._id(),
                "tx_ref": f"{cycle.id}-posted",
                "total": cycle.accrued,
                "effective": end.isoformat(),
                "obligation_id": obligation_id,
            },
        )
        self.log.forget(INTEREST_ACCRUAL_CYCLE, cycle.id)
        self.log.emit(
            CREDIT_FACILITY,
            f.id,
            {
                "type": "interest_accrual_cycle_concluded",
                "interest_accrual_cycle_idx": cycle.idx,
                "ledger_tx_id": self._id(),
                "obligation_id": obligation_id,
            },
        )
        f.cycle = None
        if self.day < f.maturity:
            self._start_cycle(f, self.day)

    def _collateralization(self, f: Facility) -> None:
        """Record a change of collateralization state, and of the CVL once it moved enough."""
        disbursed, interest = self._outstanding(f)
        if disbursed + interest == 0:
            return
        price = self.bank.price
        cvl_bp = f.collateral * price * 10_000 // (SATS * (disbursed + interest))
        if cvl_bp >= f.margin_call_bp:
            state = "FullyCollateralized"
        elif cvl_bp >= f.liquidation_bp:
            state = "UnderMarginCallThreshold"
        else:
            state = "UnderLiquidationThreshold"
        if state != f.state:
            self.log.emit(
                CREDIT_FACILITY,
                f.id,
                {
                    "type": "collateralization_state_changed",
                    "collateralization_state": state,
                    "collateral": f.collateral,
                    "outstanding": {"disbursed": disbursed, "interest": interest},
                    "price": price,
                },
            )
            f.state = state
        last = None if f.ratio is None else pct_bp(f.ratio["Finite"])
        if last is None or abs(cvl_bp - last) * RATIO_STEP >= last:
            f.ratio = {"Finite": f"{cvl_bp // 100}.{cvl_bp % 100:02d}"}
            self.log.emit(
                CREDIT_FACILITY,
                f.id,
                {"type": "collateralization_ratio_changed", "collateralization_ratio": f.ratio},
            )

    def _borrower_day(self, c: Customer, f: Facility, rng: random.Random) -> None:
        kind, late_days = payer_kind(f.id)
        due = [self.bank.obligations[o] for o in f.obligations]
        due = [o for o in due if o.due_recorded and o.outstanding > 0]
        if due and kind != "never":
            oldest = min(o.due for o in due)
            if kind == "on_time" or (self.day - oldest).days >= late_days:
                total = sum(o.outstanding for o in due)
                if c.balance < total:
                    top_up = -(-(total - c.balance) // 100) * 100 + rng.randrange(0, 50_000, 100)
                    self._deposit(c, top_up, rng, may_revert=False)
                self._pay(c, f, due, total)
        if (
            f.state != "FullyCollateralized"
            and kind != "never"
            and rng.random() < P_COLLATERAL_TOP_UP
        ):
            disbursed, interest = self._outstanding(f)
            if disbursed + interest > 0:
                needed = -(-(disbursed + interest) * 16_000 * SATS // (10_000 * self.bank.price))
                if needed > f.collateral:
                    self._update_collateral(
                        f.collateral_id, f.collateral_account_id, needed - f.collateral, needed
                    )
                    f.collateral = needed
                    f.state = ""  # force the state event with the new collateral
                    self._collateralization(f)
        remaining = f.amount - f.disbursed
        if (
            remaining > 0
            and not f.matured
            and self.day < f.maturity - timedelta(days=7)
            and rng.random() < P_SECOND_DISBURSAL
        ):
            self._disburse(f, c, remaining, rng)

    def _pay(self, c: Customer, f: Facility, due: list[Obligation], amount: int) -> None:
        payment_id, tx = self._id(), self._id()
        effective = self.day.isoformat()
        holding = f.account_ids["payment_holding_account_id"]
        self.log.emit(
            PAYMENT,
            payment_id,
            {
                "type": "initialized",
                "id": payment_id,
                "ledger_tx_id": tx,
                "beneficiary_id": f.id,
                "facility_payment_holding_account_id": f.account_ids["payment_holding_account_id"],
                "facility_uncovered_outstanding_account_id": f.account_ids[
                    "uncovered_outstanding_account_id"
                ],
                "payment_source_account_id": c.ledger_account_id,
                "amount": amount,
                "effective": effective,
            },
            new=True,
        )
        self.log.forget(PAYMENT, payment_id)
        self._post(
            tx, "RECORD_PAYMENT", [dr(c.ledger_account_id, amount), cr(holding, amount)], payment_id
        )
        c.balance -= amount
        left = amount
        # Interest first, then principal; oldest first within each (stable sort).
        for idx, o in enumerate(sorted(due, key=lambda o: (o.type != "Interest", o.due))):
            part = min(left, o.outstanding)
            if part == 0:
                break
            allocation_id, tx = self._id(), self._id()
            self.log.emit(
                PAYMENT_ALLOCATION,
                allocation_id,
                {
                    "type": "initialized",
                    "id": allocation_id,
                    "ledger_tx_id": tx,
                    "payment_id": payment_id,
                    "obligation_id": o.id,
                    "payment_allocation_idx": idx,
                    "obligation_type": o.type,
                    "beneficiary_id": f.id,
                    "amount": part,
                    "receivable_account_id": o.receivable_account_id,
                    "payment_holding_account_id": f.account_ids["payment_holding_account_id"],
                    "effective": effective,
                },
                new=True,
            )
            self.log.forget(PAYMENT_ALLOCATION, allocation_id)
            self._post(
                tx,
                "RECORD_PAYMENT_ALLOCATION",
                [dr(holding, part), cr(o.receivable_account_id, part)],
                allocation_id,
            )
            self.log.emit(
                OBLIGATION,
                o.id,
                {
                    "type": "payment_allocated",
                    "ledger_tx_id": tx,
                    "payment_id": payment_id,
                    "payment_allocation_id": allocation_id,
                    "payment_allocation_amount": part,
                },
            )
            o.outstanding -= part
            left -= part
            if o.outstanding == 0:
                self.log.emit(OBLIGATION, o.id, {"type": "completed", "effective": effective})
                self.log.forget(OBLIGATION, o.id)
                del self.bank.obligations[o.id]
                f.obligations.remove(o.id)

    def _obligation_jobs(self, o: Obligation) -> None:
        day = self.day
        if not o.due_recorded and o.due <= day:
            tx, before = self._id(), o.receivable_account_id
            self.log.emit(
                OBLIGATION,
                o.id,
                {"type": "due_recorded", "ledger_tx_id": tx, "due_amount": o.outstanding},
            )
            o.due_recorded = True
            self._move_receivable(tx, "RECORD_OBLIGATION_DUE_BALANCE", o, before)
        if o.due_recorded and not o.overdue_recorded and o.overdue is not None and o.overdue <= day:
            tx, before = self._id(), o.receivable_account_id
            self.log.emit(
                OBLIGATION,
                o.id,
                {
                    "type": "overdue_recorded",
                    "ledger_tx_id": tx,
                    "overdue_amount": o.outstanding,
                },
            )
            o.overdue_recorded = True
            self._move_receivable(tx, "RECORD_OBLIGATION_OVERDUE_BALANCE", o, before)
        if (
            o.due_recorded
            and not o.defaulted_recorded
            and o.defaulted is not None
            and o.defaulted <= day
        ):
            tx, before = self._id(), o.receivable_account_id
            self.log.emit(
                OBLIGATION,
                o.id,
                {
                    "type": "defaulted_recorded",
                    "ledger_tx_id": tx,
                    "defaulted_amount": o.outstanding,
                },
            )
            o.defaulted_recorded = True
            self._move_receivable(tx, "RECORD_OBLIGATION_DEFAULTED_BALANCE", o, before)

    def _move_receivable(self, tx: str, template: str, o: Obligation, before: str) -> None:
        """An obligation's outstanding moves to its next receivable account (due, overdue,
        defaulted); the transaction is still written when nothing is outstanding."""
        if o.outstanding > 0:
            legs = [dr(o.receivable_account_id, o.outstanding), cr(before, o.outstanding)]
            self._post(tx, template, legs, o.id)


def _red(reject_type: str, label: str) -> dict[str, Any]:
    return {
        "reviewAnswer": "RED",
        "rejectLabels": [label],
        "reviewRejectType": reject_type,
        "moderationComment": "Please upload a clear photo of your document."
        if reject_type == "RETRY"
        else "We cannot onboard you.",
        "clientComment": f"Rejected in the sandbox review ({label}).",
    }


def _cents(usd: float) -> int:
    return max(100, int(round(usd * 100)))


def _plus(d: date, days: int | None) -> date | None:
    return None if days is None else d + timedelta(days=days)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


# ---- running it against a database ----


def _read_config(conn: psycopg.Connection) -> tuple[Config, date | None, int] | None:
    row = conn.execute(
        f"SELECT seed, start_date, customers, onboarding_days, model_version, last_day, "
        f"next_public_id FROM {BOOKKEEPING_SCHEMA}.state"
    ).fetchone()
    if row is None:
        return None
    seed, start, customers, onboarding_days, model_version, last_day, next_public_id = row
    return Config(seed, start, customers, onboarding_days, model_version), last_day, next_public_id


def _resolve_config(
    conn: psycopg.Connection, customers: int | None, seed: int | None, start: date | None
) -> tuple[Config, date | None, int]:
    found = _read_config(conn)
    if found is not None and found[1] is None:  # a bank that never got its first day
        conn.execute(f"DELETE FROM {BOOKKEEPING_SCHEMA}.state")
        found = None
    if found is None:
        existing = conn.execute("SELECT count(*) FROM core_customers").fetchone()[0]
        if existing:
            raise SandboxError(
                "this database has Lana customers but no simulator bookkeeping "
                f"({BOOKKEEPING_SCHEMA}.state): refusing to add a simulated bank to it"
            )
        cfg = Config(
            seed=DEFAULT_SEED if seed is None else seed,
            start=start or DEFAULT_START,
            customers=DEFAULT_CUSTOMERS if customers is None else customers,
        )
        if cfg.customers < 1:
            raise SandboxError("--customers must be at least 1")
        conn.execute(
            f"INSERT INTO {BOOKKEEPING_SCHEMA}.state (seed, start_date, customers, "
            "onboarding_days, model_version, last_day, next_public_id) "
            "VALUES (%s, %s, %s, %s, %s, NULL, %s)",
            (
                cfg.seed,
                cfg.start,
                cfg.customers,
                cfg.onboarding_days,
                cfg.model_version,
                FIRST_PUBLIC_ID,
            ),
        )
        return cfg, None, FIRST_PUBLIC_ID
    cfg, last_day, next_public_id = found
    for name, given, stored in (
        ("--seed", seed, cfg.seed),
        ("--customers", customers, cfg.customers),
        ("--start", start, cfg.start),
    ):
        if given is not None and given != stored:
            raise SandboxError(
                f"this database holds a bank simulated with {name} {stored}; a continuation "
                f"must use the same value (or leave it out), not {given}"
            )
    if cfg.model_version != MODEL_VERSION:
        raise SandboxError(
            f"this bank was simulated by model version {cfg.model_version}, this is "
            f"{MODEL_VERSION}: start a new database"
        )
    return cfg, last_day, next_public_id


def _last_price(conn: psycopg.Connection, last_day: date | None) -> int:
    if last_day is None:
        return INITIAL_BTC_PRICE
    row = conn.execute(
        f"SELECT price FROM {BOOKKEEPING_SCHEMA}.btc_price WHERE day = %s", (last_day,)
    ).fetchone()
    if row is None:
        raise SandboxError(f"no BTC price recorded for the last simulated day {last_day}")
    return row[0]


def _bookkeeping(prices: list[tuple[date, int]], last_day: date, next_public_id: int):
    """What a batch records about the simulation, written in the batch's transaction (by the
    writer process: a partial of a module-level function pickles)."""
    return functools.partial(_write_bookkeeping, prices, last_day, next_public_id)


def _write_bookkeeping(
    prices: list[tuple[date, int]], last_day: date, next_public_id: int, conn: psycopg.Connection
) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {BOOKKEEPING_SCHEMA}.btc_price (day, price) VALUES (%s, %s)", prices
        )
        cur.execute(
            f"UPDATE {BOOKKEEPING_SCHEMA}.state SET last_day = %s, next_public_id = %s",
            (last_day, next_public_id),
        )


def ledger_keys(ledger: Ledger, bank: Bank) -> list[tuple[str, str]]:
    """(account, currency) of every ledger account the bank in flight can still post to."""
    keys = [
        (ledger.deposit_omnibus, "USD"),
        (ledger.facility_omnibus, "USD"),
        (ledger.collateral_omnibus, "BTC"),
    ]
    keys += [(c.ledger_account_id, "USD") for c in bank.customers.values()]
    for f in bank.facilities.values():
        keys += [(a, "USD") for a in f.account_ids.values()]
        keys.append((f.collateral_account_id, "BTC"))
    return keys


def all_empty(conn: psycopg.Connection, tables: tuple[str, ...]) -> bool:
    return not any(conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0] for t in tables)


def lana_tables() -> list[str]:
    """Lana's tables that the simulator writes."""
    tables = [PUBLIC_IDS_TABLE]
    for e in ENTITIES:
        tables += [e.index_table, e.events_table, e.rollup_table]
    return [*tables, INBOX_EVENTS_TABLE, *CALA_TABLES]


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in lana_tables()}


class _Progress:
    def __init__(self, out: TextIO | None, total_days: int):
        self.out, self.total = out, total_days
        self.tty = bool(out and out.isatty())
        self.started = self.last = time.monotonic()

    def update(self, i: int, day: date, events: int, final: bool = False) -> None:
        if self.out is None:
            return
        now = time.monotonic()
        if not final and now - self.last < (0.25 if self.tty else 5.0):
            return
        self.last = now
        line = (
            f"simulated {day} ({i}/{self.total} days): {events:,} events, "
            f"{now - self.started:.1f} s"
        )
        if self.tty:
            self.out.write("\r" + line + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


def connect(dsn: str) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


def simulate(
    dsn: str | None = None,
    *,
    days: int,
    customers: int | None = None,
    seed: int | None = None,
    start: date | None = None,
    progress: TextIO | None = None,
    on_day: Callable[[Simulation, Store, date], None] | None = None,
) -> RunSummary:
    """Simulate `days` more days of the bank in the database at `dsn` (default: $LANA_PG_DSN).

    On an empty database this creates Lana's tables and the bookkeeping schema and starts a new
    bank (`customers`, `seed`, `start` default to 100, 42 and 2025-01-01). On a database that
    already holds a simulated bank, it continues that bank; `customers`, `seed` and `start` may
    be left out, and must equal the stored ones if given.
    """
    from lana_sandbox.pg import ensure_database

    dsn = dsn or os.environ.get("LANA_PG_DSN")
    if not dsn:
        raise SandboxError(
            "no database: pass --dsn or set LANA_PG_DSN (or start a private server with "
            "`lana-dw sandbox pg start`)"
        )
    if days < 0:
        raise SandboxError("--days must not be negative")
    dsn = ensure_database(dsn)
    started = time.monotonic()
    return _simulate(dsn, days, customers, seed, start, progress, on_day, started)


def _simulate(dsn, days, customers, seed, start, progress, on_day, started) -> RunSummary:
    with connect(dsn) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(hashtext('lana_sandbox'))").fetchone()[0]:
            raise SandboxError("another simulator is writing to this database")
        apply_ddl(conn)
        with conn.transaction():
            cfg, last_day, next_public_id = _resolve_config(conn, customers, seed, start)
        # A new bank in empty tables: what it writes is all they hold, so the summary takes
        # its row counts from what was written (counting tens of millions of rows again
        # takes half a minute at the bench size).
        fresh = last_day is None and all_empty(conn, tuple(lana_tables()))
        if last_day is None and days > 0 and all_empty(conn, bulk_tables()):
            defer_keys(conn)  # a new bank: keys and indexes are built once, at the end
        else:
            restore_keys(conn)  # left over by a run that died during its initial load
        store = Store(conn, writer=dsn)
        price = _last_price(conn, last_day)
        if last_day is None:
            bank = Bank(next_public_id=next_public_id, price=price)
            first = cfg.start
        else:
            bank = load_bank(conn, next_public_id, price, store)
            first = last_day + timedelta(days=1)
        sim = Simulation(cfg, bank)
        ledger = sim.ledger

        def load(keys):
            store.wait()  # what a batch in flight writes is needed
            return load_balances(conn, ledger.journal_id, keys)

        ledger.loader = load
        if last_day is not None:
            ledger.balances.update(load(ledger_keys(ledger, bank)))
        prices: list[tuple[date, int]] = []
        done: date | None = None
        run_first = first
        events = 0
        keys_seconds = 0.0
        meter = _Progress(progress, days)

        # The days make no reference cycles (reference counting frees all they drop), and the
        # cyclic collector's passes over millions of young objects cost a fifth of the run.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for i in range(days):
                day = first + timedelta(days=i)
                log = sim.run_day(day)
                events += store.apply(log)
                prices.append((day, sim.bank.price))
                done = day
                if on_day is not None:
                    on_day(sim, store, day)
                if store.wants_flush or i == days - 1:
                    store.flush(_bookkeeping(prices, done, sim.bank.next_public_id))
                    prices = []
                meter.update(i + 1, day, events)
            store.wait()
            keys_started = time.monotonic()
            restore_keys(conn)
            keys_seconds = time.monotonic() - keys_started
        finally:
            if collecting:
                gc.enable()
            store.close()
        if done is not None:
            meter.update(days, done, events, final=True)
            with conn.transaction():
                run = conn.execute(
                    f"SELECT coalesce(max(run), 0) + 1 FROM {BOOKKEEPING_SCHEMA}.runs"
                ).fetchone()[0]
                conn.execute(
                    f"INSERT INTO {BOOKKEEPING_SCHEMA}.runs (run, first_day, last_day, rows) "
                    "VALUES (%s, %s, %s, %s)",
                    (run, run_first, done, Jsonb(dict(store.rows_written))),
                )
        conn.execute("SELECT pg_advisory_unlock(hashtext('lana_sandbox'))")
        return RunSummary(
            first_day=run_first if done else None,
            last_day=done or last_day,
            days=days,
            events=events,
            seconds=time.monotonic() - started,
            rows_written=dict(store.rows_written),
            keys_seconds=keys_seconds,
            table_rows=(
                {t: store.rows_written.get(t, 0) for t in lana_tables()}
                if fresh
                else table_counts(conn)
            ),
        )


def load_state(conn: psycopg.Connection) -> tuple[Config, Bank, Store] | None:
    """The stored configuration and the bank rebuilt from the database (for tests and tools)."""
    found = _read_config(conn)
    if found is None or found[1] is None:
        return None
    cfg, last_day, next_public_id = found
    store = Store(conn)
    bank = load_bank(conn, next_public_id, _last_price(conn, last_day), store)
    return cfg, bank, store
