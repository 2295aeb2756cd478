-- Current state of every credit facility proposal (a customer's request for a facility).
with

proposals as (
    {{ lana_dw.lana_rollup_latest('core_credit_facility_proposal_events_rollup', [
        'customer_id', 'customer_type', 'disbursal_credit_account_id', 'approval_process_id',
        'custodian_id', 'amount', 'status', 'terms', 'is_approval_process_concluded'
    ], event_times={'approval_concluded_at': 'approval_process_concluded'}) }}
)

select
    {{ lana_dw.as_id('proposals.id') }} as credit_facility_proposal_id,
    {{ lana_dw.as_id('proposals.customer_id') }} as customer_id,
    proposals.customer_type,
    {{ lana_dw.as_id('proposals.disbursal_credit_account_id') }} as disbursal_credit_account_id,
    {{ lana_dw.as_id('proposals.approval_process_id') }} as approval_process_id,
    {{ lana_dw.as_id('proposals.custodian_id') }} as custodian_id,
    proposals.status,
    proposals.amount as amount_cents,
    {{ lana_dw.cents_to_usd('proposals.amount') }} as amount_usd,
    {{ lana_dw.facility_terms_columns('proposals.terms') }},
    coalesce(proposals.is_approval_process_concluded, false) as is_approval_process_concluded,
    proposals.approval_concluded_at,
    proposals.version,
    proposals.created_at,
    proposals.modified_at,
    proposals._sdc_batched_at as loaded_at
from proposals
