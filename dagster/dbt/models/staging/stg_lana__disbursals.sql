-- Current state of every disbursal (drawdown of a facility), with its lifecycle status.
with

disbursals as (
    {{ lana_dw.lana_rollup_latest('core_disbursal_events_rollup', [
        'facility_id', 'public_id', 'amount', 'approved', 'disbursal_credit_account_id', 'obligation_id', 'due_date',
        'overdue_date', 'liquidation_date', 'effective', 'is_approval_process_concluded',
        'is_settled', 'is_cancelled'
    ], event_times={'settled_at': 'settled'}) }}
)

select
    {{ lana_dw.as_id('disbursals.id') }} as disbursal_id,
    {{ lana_dw.as_id('disbursals.facility_id') }} as facility_id,
    disbursals.public_id,
    case
        when coalesce(disbursals.is_settled, false) then 'SETTLED'
        when coalesce(disbursals.is_cancelled, false) then 'CANCELLED'
        when coalesce(disbursals.is_approval_process_concluded, false) and not coalesce(disbursals.approved, false)
            then 'DENIED'
        when coalesce(disbursals.is_approval_process_concluded, false) then 'APPROVED'
        else 'PENDING_APPROVAL'
    end as status,
    disbursals.amount as amount_cents,
    {{ lana_dw.cents_to_usd('disbursals.amount') }} as amount_usd,
    disbursals.approved,
    {{ lana_dw.as_id('disbursals.disbursal_credit_account_id') }} as disbursal_credit_account_id,
    {{ lana_dw.as_id('disbursals.obligation_id') }} as obligation_id,
    {{ lana_dw.lana_date('disbursals.due_date') }} as due_date,
    {{ lana_dw.lana_date('disbursals.overdue_date') }} as overdue_date,
    {{ lana_dw.lana_date('disbursals.liquidation_date') }} as liquidation_date,
    {{ lana_dw.lana_date('disbursals.effective') }} as effective_date,
    coalesce(disbursals.is_approval_process_concluded, false) as is_approval_process_concluded,
    coalesce(disbursals.is_settled, false) as is_settled,
    coalesce(disbursals.is_cancelled, false) as is_cancelled,
    disbursals.settled_at,
    disbursals.version,
    disbursals.created_at,
    disbursals.modified_at,
    disbursals._sdc_batched_at as loaded_at
from disbursals
