-- Current state of every customer: the latest version of the customer rollup.
with

customers as (
    {{ lana_dw.lana_rollup_latest('core_customer_events_rollup', [
        'public_id', 'party_id', 'customer_type', 'level', 'status', 'conversion'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as customer_id,
    public_id,
    {{ lana_dw.as_id('party_id') }} as party_id,
    customer_type,
    level as kyc_level,
    {{ lana_dw.json_text('conversion', 'type') }} as kyc_conversion_type,
    {{ lana_dw.json_text('conversion', 'applicant_id') }} as sumsub_applicant_id,
    {{ lana_dw.customer_status('status') }} as status,
    status as lana_status,
    version,
    created_at,
    modified_at,
    _sdc_batched_at as loaded_at
from customers
