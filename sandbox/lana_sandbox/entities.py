"""The Lana entities the sandbox recreates, as specs (see spec.py).

Columns, types and event rules follow lana-source.md §1.3 (the source contract); where the
contract names a column without a type, the type is what Lana's generator derives from the
event's JSON Schema: uuid → UUID, integer → BIGINT (int32/uint → INTEGER), date-time →
TIMESTAMPTZ, date and other strings → VARCHAR, objects → JSONB, booleans → BOOLEAN.
A test checks every spec against the contract and against lana-event-schemas/.

Order matters: tables are created and loaded in this order, so foreign keys between index
tables point backwards only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lana_sandbox.spec import EntitySpec, IndexColumn, entity

PUBLIC_IDS_TABLE = "core_public_ids"


def _last_tx_if(*toggles: str):
    """Index value: the last ledger tx id once one of the toggles is on (e.g. a cancel tx)."""

    def value(row: Mapping[str, Any]) -> str | None:
        if any(row[t] for t in toggles) and row["ledger_tx_ids"]:
            return row["ledger_tx_ids"][-1]
        return None

    return value


def _facility_status(row: Mapping[str, Any]) -> str:
    return "closed" if row["is_completed"] else "matured" if row["is_matured"] else "active"


def _pending_status(row: Mapping[str, Any]) -> str:
    return "completed" if row["is_completed"] else "pending_collateralization"


def _public_id() -> IndexColumn:
    return IndexColumn("public_id", "VARCHAR", "public_id", references=PUBLIC_IDS_TABLE)


CHART = entity(
    "chart",
    "charts",
    columns="""account_set_id UUID, base_config JSONB, closed_as_of VARCHAR, name VARCHAR,
               posted_as_of VARCHAR, reference VARCHAR""",
    events={
        "initialized": "account_set_id name reference",
        "base_config_set": "base_config",
        "closed_as_of": "closed_as_of",
        "closing_transaction_posted": "posted_as_of",
    },
    index=(IndexColumn("reference", "VARCHAR", "reference", unique=True),),
)


def _node_code(row: Mapping[str, Any]) -> str:
    return ".".join(s["code"] for s in row["spec"]["code"]["sections"])


CHART_NODE = entity(
    "chart_node",
    "chart_nodes",
    columns="""chart_id UUID, ledger_account_id UUID, ledger_account_set_id UUID, spec JSONB,
               child_node_ids UUID[]""",
    events={
        "initialized": "chart_id ledger_account_set_id spec",
        "manual_transaction_account_assigned": "ledger_account_id",
        "child_node_added": "child_node_ids+=child_node_id",
    },
    index=(
        IndexColumn("chart_id", "UUID", "chart_id", references="core_charts"),
        IndexColumn("code", "VARCHAR", _node_code),
        IndexColumn("ledger_account_set_id", "UUID", "ledger_account_set_id"),
    ),
    index_constraints=("UNIQUE(chart_id, code)",),
)


PARTY = entity(
    "party",
    "parties",
    columns="customer_type VARCHAR, email VARCHAR, personal_info JSONB, telegram_handle VARCHAR",
    events={
        "initialized": "customer_type email telegram_handle",
        "email_updated": "email",
        "telegram_handle_updated": "telegram_handle",
        "personal_info_updated": "personal_info",
    },
    index=(IndexColumn("email", "VARCHAR", "email", unique=True),),
)

CUSTOMER = entity(
    "customer",
    "customers",
    columns="""conversion JSONB, customer_type VARCHAR, level VARCHAR, party_id UUID,
               public_id VARCHAR, status VARCHAR, is_kyc_approved BOOLEAN""",
    # is_kyc_approved: a toggle of the contract that no current event sets (stays false).
    events={
        "initialized": "conversion customer_type level party_id public_id",
        "frozen": "status",
        "unfrozen": "status",
        "closed": "status",
    },
    index=(
        IndexColumn("party_id", "UUID", "party_id", references="core_parties"),
        _public_id(),
    ),
    public_id=True,
)

DEPOSIT_ACCOUNT = entity(
    "deposit_account",
    "deposit_accounts",
    columns="""account_holder_id UUID, account_ids JSONB, activity VARCHAR, public_id VARCHAR,
               status VARCHAR""",
    events={
        "initialized": "account_holder_id account_ids activity public_id status",
        "activity_updated": "activity",
        "frozen": "status",
        "unfrozen": "status",
        "closed": "status",
    },
    index=(
        IndexColumn("account_holder_id", "UUID", "account_holder_id", references="core_customers"),
        _public_id(),
    ),
    public_id=True,
)

DEPOSIT = entity(
    "deposit",
    "deposits",
    columns="""amount BIGINT, deposit_account_id UUID, public_id VARCHAR, reference VARCHAR,
               status VARCHAR, ledger_tx_ids UUID[]""",
    events={
        "initialized": "amount deposit_account_id public_id reference status "
        "ledger_tx_ids+=ledger_tx_id",
        "reverted": "status ledger_tx_ids+=ledger_tx_id",
    },
    index=(
        IndexColumn(
            "deposit_account_id", "UUID", "deposit_account_id", references="core_deposit_accounts"
        ),
        IndexColumn("reference", "VARCHAR", "reference", unique=True),
        _public_id(),
    ),
    public_id=True,
)

WITHDRAWAL = entity(
    "withdrawal",
    "withdrawals",
    columns="""amount BIGINT, approval_process_id UUID, approved BOOLEAN, deposit_account_id UUID,
               public_id VARCHAR, reference VARCHAR, status VARCHAR, ledger_tx_ids UUID[],
               is_approval_process_concluded BOOLEAN, is_cancelled BOOLEAN, is_confirmed BOOLEAN""",
    events={
        "initialized": "amount approval_process_id deposit_account_id public_id reference status "
        "ledger_tx_ids+=ledger_tx_id",
        "approval_process_concluded": "approval_process_id approved status "
        "is_approval_process_concluded=true",
        "denied": "status ledger_tx_ids+=ledger_tx_id",
        "confirmed": "status ledger_tx_ids+=ledger_tx_id is_confirmed=true",
        "cancelled": "status ledger_tx_ids+=ledger_tx_id is_cancelled=true",
        "reverted": "status ledger_tx_ids+=ledger_tx_id",
    },
    index=(
        IndexColumn(
            "deposit_account_id", "UUID", "deposit_account_id", references="core_deposit_accounts"
        ),
        IndexColumn("approval_process_id", "UUID", "approval_process_id", nullable=True),
        IndexColumn("cancelled_tx_id", "UUID", _last_tx_if("is_cancelled"), nullable=True),
        IndexColumn("reference", "VARCHAR", "reference", unique=True),
        _public_id(),
    ),
    public_id=True,
)

CREDIT_FACILITY_PROPOSAL = entity(
    "credit_facility_proposal",
    "credit_facility_proposals",
    columns="""amount BIGINT, approval_process_id UUID, custodian_id UUID, customer_id UUID,
               customer_type VARCHAR, disbursal_credit_account_id UUID, status VARCHAR,
               terms JSONB, is_approval_process_concluded BOOLEAN""",
    events={
        "initialized": "amount custodian_id customer_id customer_type "
        "disbursal_credit_account_id status terms",
        "customer_approval_concluded": "status",
        "approval_process_started": "approval_process_id status",
        "approval_process_concluded": "approval_process_id status "
        "is_approval_process_concluded=true",
    },
    index=(
        IndexColumn("customer_id", "UUID", "customer_id", references="core_customers"),
        IndexColumn("approval_process_id", "UUID", "approval_process_id", nullable=True),
        IndexColumn("status", "VARCHAR", "status"),
    ),
)

PENDING_CREDIT_FACILITY = entity(
    "pending_credit_facility",
    "pending_credit_facilities",
    columns="""account_ids JSONB, amount BIGINT, approval_process_id UUID, collateral BIGINT,
               collateral_id UUID, collateralization_ratio JSONB, collateralization_state VARCHAR,
               credit_facility_proposal_id UUID, customer_id UUID, customer_type VARCHAR,
               disbursal_credit_account_id UUID, price BIGINT, terms JSONB, ledger_tx_ids UUID[],
               is_collateralization_ratio_changed BOOLEAN,
               is_collateralization_state_changed BOOLEAN, is_completed BOOLEAN""",
    events={
        "initialized": "account_ids amount approval_process_id collateral_id "
        "credit_facility_proposal_id customer_id customer_type disbursal_credit_account_id "
        "ledger_tx_ids+=ledger_tx_id terms",
        "collateralization_state_changed": "collateral collateralization_state price "
        "is_collateralization_state_changed=true",
        "collateralization_ratio_changed": "collateralization_ratio "
        "is_collateralization_ratio_changed=true",
        "completed": "is_completed=true",
    },
    index=(
        IndexColumn(
            "credit_facility_proposal_id",
            "UUID",
            "credit_facility_proposal_id",
            references="core_credit_facility_proposals",
        ),
        IndexColumn("customer_id", "UUID", "customer_id", references="core_customers"),
        IndexColumn("approval_process_id", "UUID", "approval_process_id"),
        IndexColumn("collateral_id", "UUID", "collateral_id"),
        IndexColumn("collateralization_state", "VARCHAR", "collateralization_state", nullable=True),
        IndexColumn("status", "VARCHAR", _pending_status),
    ),
)

COLLATERAL = entity(
    "collateral",
    "collaterals",
    columns="""abs_diff BIGINT, account_ids JSONB, amount BIGINT, collateral_amount BIGINT,
               custody_wallet_id UUID, direction VARCHAR,
               facility_ledger_account_ids_for_liquidation JSONB, liquidation_id UUID,
               payment_id UUID, secured_loan_id UUID, ledger_tx_ids UUID[]""",
    events={
        "initialized": "account_ids custody_wallet_id facility_ledger_account_ids_for_liquidation "
        "secured_loan_id",
        "updated_via_manual_input": "abs_diff collateral_amount direction "
        "ledger_tx_ids+=ledger_tx_id",
        "updated_via_custodian_sync": "abs_diff collateral_amount direction "
        "ledger_tx_ids+=ledger_tx_id",
        "updated_via_liquidation": "abs_diff collateral_amount direction liquidation_id "
        "ledger_tx_ids+=ledger_tx_id",
        "liquidation_started": "liquidation_id",
        "liquidation_proceeds_received": "amount liquidation_id payment_id "
        "ledger_tx_ids+=ledger_tx_id",
        "liquidation_completed": "liquidation_id",
        # In the contract, not in the current JSON Schema: the simulator never writes it.
        "updated": "ledger_tx_ids+=ledger_tx_id",
    },
    index=(
        IndexColumn("secured_loan_id", "UUID", "secured_loan_id"),
        IndexColumn("custody_wallet_id", "UUID", "custody_wallet_id", nullable=True),
    ),
)

CREDIT_FACILITY = entity(
    "credit_facility",
    "credit_facilities",
    columns="""
        account_ids JSONB, collateralization_ratio JSONB, interest_period JSONB, outstanding JSONB,
        terms JSONB,
        activated_at TIMESTAMPTZ, maturity_date TIMESTAMPTZ,
        amount BIGINT, collateral BIGINT, initially_estimated_to_liquidate BIGINT,
        initially_expected_to_receive BIGINT, price BIGINT, trigger_price BIGINT,
        collateral_id UUID, customer_id UUID, disbursal_credit_account_id UUID, liquidation_id UUID,
        pending_credit_facility_id UUID, structuring_fee_tx_id UUID,
        collateralization_state VARCHAR, customer_type VARCHAR, public_id VARCHAR,
        interest_accrual_cycle_idx INTEGER,
        interest_accrual_ids UUID[], ledger_tx_ids UUID[], obligation_ids UUID[],
        is_completed BOOLEAN, is_matured BOOLEAN""",
    events={
        "initialized": "account_ids activated_at amount collateral collateral_id "
        "collateralization_state customer_id customer_type disbursal_credit_account_id "
        "ledger_tx_ids+=ledger_tx_id maturity_date outstanding pending_credit_facility_id price "
        "public_id structuring_fee_tx_id terms",
        "interest_accrual_cycle_started": "interest_accrual_cycle_idx "
        "interest_accrual_ids+=interest_accrual_id interest_period",
        "interest_accrual_cycle_concluded": "interest_accrual_cycle_idx "
        "ledger_tx_ids+=ledger_tx_id obligation_ids+=obligation_id",
        "collateralization_state_changed": "collateral collateralization_state outstanding price",
        "collateralization_ratio_changed": "collateralization_ratio",
        "partial_liquidation_initiated": "initially_estimated_to_liquidate "
        "initially_expected_to_receive liquidation_id trigger_price",
        "proceeds_from_partial_liquidation_applied": "liquidation_id",
        "matured": "is_matured=true",
        "completed": "is_completed=true",
        # In the contract, not in the current JSON Schema: the simulator never writes it.
        "activated": "ledger_tx_ids+=ledger_tx_id",
    },
    index=(
        IndexColumn("customer_id", "UUID", "customer_id", references="core_customers"),
        IndexColumn("pending_credit_facility_id", "UUID", "pending_credit_facility_id"),
        IndexColumn("collateral_id", "UUID", "collateral_id"),
        IndexColumn("collateralization_state", "VARCHAR", "collateralization_state"),
        IndexColumn("status", "VARCHAR", _facility_status),
        _public_id(),
    ),
    public_id=True,
)

INTEREST_ACCRUAL_CYCLE = entity(
    "interest_accrual_cycle",
    "interest_accrual_cycles",
    columns="""account_ids JSONB, accrued_at TIMESTAMPTZ, amount BIGINT, effective VARCHAR,
               facility_id UUID, facility_maturity_date VARCHAR, idx INTEGER, obligation_id UUID,
               period JSONB, terms JSONB, total BIGINT, tx_ref VARCHAR, ledger_tx_ids UUID[],
               is_interest_accruals_posted BOOLEAN""",
    events={
        "initialized": "account_ids facility_id facility_maturity_date idx period terms",
        "interest_accrued": "accrued_at amount ledger_tx_ids+=ledger_tx_id tx_ref",
        "interest_accruals_posted": "effective is_interest_accruals_posted=true "
        "ledger_tx_ids+=ledger_tx_id obligation_id total tx_ref",
    },
    index=(
        IndexColumn(
            "credit_facility_id", "UUID", "facility_id", references="core_credit_facilities"
        ),
        IndexColumn("idx", "INTEGER", "idx"),
    ),
    index_constraints=("UNIQUE(credit_facility_id, idx)",),
)

OBLIGATION = entity(
    "obligation",
    "obligations",
    columns="""amount BIGINT, beneficiary_id UUID, defaulted_account_id UUID,
               defaulted_amount BIGINT, defaulted_date VARCHAR, due_amount BIGINT,
               due_date VARCHAR, effective VARCHAR, liquidation_date VARCHAR,
               obligation_type VARCHAR, overdue_amount BIGINT, overdue_date VARCHAR,
               payment_allocation_amount BIGINT, payment_id UUID, receivable_account_ids JSONB,
               reference VARCHAR, ledger_tx_ids UUID[], payment_allocation_ids UUID[],
               is_completed BOOLEAN, is_defaulted_recorded BOOLEAN, is_due_recorded BOOLEAN,
               is_overdue_recorded BOOLEAN""",
    events={
        "initialized": "amount beneficiary_id defaulted_account_id defaulted_date due_date "
        "effective liquidation_date obligation_type overdue_date receivable_account_ids reference "
        "ledger_tx_ids+=ledger_tx_id",
        "due_recorded": "due_amount ledger_tx_ids+=ledger_tx_id is_due_recorded=true",
        "overdue_recorded": "overdue_amount ledger_tx_ids+=ledger_tx_id is_overdue_recorded=true",
        "defaulted_recorded": "defaulted_amount ledger_tx_ids+=ledger_tx_id "
        "is_defaulted_recorded=true",
        "payment_allocated": "payment_allocation_amount payment_id "
        "payment_allocation_ids+=payment_allocation_id ledger_tx_ids+=ledger_tx_id",
        "completed": "effective is_completed=true",
    },
    index=(
        IndexColumn(
            "beneficiary_id", "UUID", "beneficiary_id", references="core_credit_facilities"
        ),
        IndexColumn("reference", "VARCHAR", "reference", unique=True),
    ),
)

DISBURSAL = entity(
    "disbursal",
    "disbursals",
    columns="""account_ids JSONB, amount BIGINT, approval_process_id UUID, approved BOOLEAN,
               disbursal_credit_account_id UUID, due_date VARCHAR, effective VARCHAR,
               facility_id UUID, liquidation_date VARCHAR, obligation_id UUID,
               overdue_date VARCHAR, public_id VARCHAR, ledger_tx_ids UUID[],
               is_approval_process_concluded BOOLEAN, is_cancelled BOOLEAN, is_settled BOOLEAN""",
    events={
        "initialized": "account_ids amount approval_process_id disbursal_credit_account_id "
        "due_date facility_id ledger_tx_ids+=ledger_tx_id liquidation_date overdue_date public_id",
        "approval_process_concluded": "approval_process_id approved "
        "is_approval_process_concluded=true",
        "settled": "amount effective is_settled=true ledger_tx_ids+=ledger_tx_id obligation_id",
        "cancelled": "is_cancelled=true ledger_tx_ids+=ledger_tx_id",
    },
    index=(
        IndexColumn(
            "credit_facility_id", "UUID", "facility_id", references="core_credit_facilities"
        ),
        IndexColumn("approval_process_id", "UUID", "approval_process_id"),
        IndexColumn(
            "obligation_id", "UUID", "obligation_id", nullable=True, references="core_obligations"
        ),
        IndexColumn(
            "concluded_tx_id", "UUID", _last_tx_if("is_settled", "is_cancelled"), nullable=True
        ),
        _public_id(),
    ),
    public_id=True,
)

PAYMENT = entity(
    "payment",
    "payments",
    columns="""amount BIGINT, beneficiary_id UUID, effective VARCHAR,
               facility_payment_holding_account_id UUID,
               facility_uncovered_outstanding_account_id UUID, ledger_tx_id UUID,
               payment_source_account_id UUID""",
    events={
        "initialized": "amount beneficiary_id effective facility_payment_holding_account_id "
        "facility_uncovered_outstanding_account_id ledger_tx_id payment_source_account_id",
    },
    index=(
        IndexColumn(
            "beneficiary_id", "UUID", "beneficiary_id", references="core_credit_facilities"
        ),
    ),
)

PAYMENT_ALLOCATION = entity(
    "payment_allocation",
    "payment_allocations",
    columns="""amount BIGINT, beneficiary_id UUID, effective VARCHAR, ledger_tx_id UUID,
               obligation_id UUID, obligation_type VARCHAR, payment_allocation_idx INTEGER,
               payment_holding_account_id UUID, payment_id UUID, receivable_account_id UUID""",
    events={
        "initialized": "amount beneficiary_id effective ledger_tx_id obligation_id obligation_type "
        "payment_allocation_idx payment_holding_account_id payment_id receivable_account_id",
    },
    index=(
        IndexColumn("payment_id", "UUID", "payment_id", references="core_payments"),
        IndexColumn("obligation_id", "UUID", "obligation_id", references="core_obligations"),
        IndexColumn(
            "beneficiary_id", "UUID", "beneficiary_id", references="core_credit_facilities"
        ),
    ),
)

#: All entities, in creation and load order.
ENTITIES: tuple[EntitySpec, ...] = (
    CHART,
    CHART_NODE,
    PARTY,
    CUSTOMER,
    DEPOSIT_ACCOUNT,
    DEPOSIT,
    WITHDRAWAL,
    CREDIT_FACILITY_PROPOSAL,
    PENDING_CREDIT_FACILITY,
    COLLATERAL,
    CREDIT_FACILITY,
    INTEREST_ACCRUAL_CYCLE,
    OBLIGATION,
    DISBURSAL,
    PAYMENT,
    PAYMENT_ALLOCATION,
)
BY_NAME: dict[str, EntitySpec] = {e.name: e for e in ENTITIES}
