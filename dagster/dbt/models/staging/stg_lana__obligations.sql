-- Current state of every obligation: what a facility owes (type Disbursal = principal, Interest).
with

obligations as (
    {{ lana_dw.lana_rollup_latest('core_obligation_events_rollup', [
        'beneficiary_id', 'obligation_type', 'reference', 'amount', 'due_amount', 'overdue_amount',
        'defaulted_amount', 'effective', 'due_date', 'overdue_date', 'liquidation_date',
        'defaulted_date', 'is_due_recorded', 'is_overdue_recorded', 'is_defaulted_recorded',
        'is_completed'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as obligation_id,
    {{ lana_dw.as_id('beneficiary_id') }} as facility_id,
    obligation_type,
    reference,
    case
        when coalesce(is_completed, false) then 'PAID'
        when coalesce(is_defaulted_recorded, false) then 'DEFAULTED'
        when coalesce(is_overdue_recorded, false) then 'OVERDUE'
        when coalesce(is_due_recorded, false) then 'DUE'
        else 'NOT_YET_DUE'
    end as status,
    amount as amount_cents,
    {{ lana_dw.cents_to_usd('amount') }} as amount_usd,
    {{ lana_dw.cents_to_usd('due_amount') }} as due_amount_usd,
    {{ lana_dw.cents_to_usd('overdue_amount') }} as overdue_amount_usd,
    {{ lana_dw.cents_to_usd('defaulted_amount') }} as defaulted_amount_usd,
    {{ lana_dw.lana_date('effective') }} as effective_date,
    {{ lana_dw.lana_date('due_date') }} as due_date,
    {{ lana_dw.lana_date('overdue_date') }} as overdue_date,
    {{ lana_dw.lana_date('liquidation_date') }} as liquidation_date,
    {{ lana_dw.lana_date('defaulted_date') }} as defaulted_date,
    coalesce(is_due_recorded, false) as is_due_recorded,
    coalesce(is_overdue_recorded, false) as is_overdue_recorded,
    coalesce(is_defaulted_recorded, false) as is_defaulted_recorded,
    coalesce(is_completed, false) as is_completed,
    version,
    created_at,
    modified_at,
    _sdc_batched_at as loaded_at
from obligations
