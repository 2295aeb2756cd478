-- One row per credit facility: its current state with the pending facility it was activated
-- from and the proposal behind that, each in its latest version. Every staging model here has
-- exactly one row per id (the latest version), and the joins follow the facility's own
-- pointers (pending_credit_facility_id, then the pending facility's proposal id), so a
-- facility never repeats: Lana's pipeline joined every proposal version and duplicated them.
with

facilities as (
    select * from {{ ref('stg_facilities') }}
),

pending as (
    select * from {{ ref('stg_lana__pending_credit_facilities') }}
),

proposals as (
    select * from {{ ref('stg_lana__credit_facility_proposals') }}
)

select
    facilities.facility_id,
    facilities.public_id,
    facilities.customer_id,
    facilities.customer_type,
    facilities.status,
    facilities.facility_amount_usd,
    facilities.collateral_btc,
    facilities.btc_price_usd,
    facilities.collateralization_state,
    facilities.collateralization_ratio,
    facilities.annual_rate_pct,
    facilities.one_time_fee_rate_pct,
    facilities.duration_months,
    facilities.accrual_interval,
    facilities.accrual_cycle_interval,
    facilities.initial_cvl_pct,
    facilities.margin_call_cvl_pct,
    facilities.liquidation_cvl_pct,
    facilities.disbursal_policy,
    facilities.activated_at,
    facilities.maturity_date,
    facilities.is_matured,
    facilities.is_completed,
    facilities.matured_at,
    facilities.completed_at,
    facilities.disbursal_credit_account_id,
    pending.pending_credit_facility_id,
    pending.created_at as pending_created_at,
    pending.completed_at as pending_completed_at,
    pending.collateral_btc as pending_collateral_btc,
    pending.btc_price_usd as pending_btc_price_usd,
    proposals.credit_facility_proposal_id,
    proposals.status as proposal_status,
    proposals.amount_usd as proposal_amount_usd,
    proposals.created_at as proposed_at,
    proposals.approval_concluded_at,
    proposals.approval_process_id,
    proposals.custodian_id,
    facilities.created_at,
    facilities.modified_at
from facilities
left join pending
    on facilities.pending_credit_facility_id = pending.pending_credit_facility_id
left join proposals
    on pending.credit_facility_proposal_id = proposals.credit_facility_proposal_id
