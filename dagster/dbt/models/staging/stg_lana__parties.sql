-- Current state of every party (the person or company behind a customer).
with

parties as (
    {{ lana_dw.lana_rollup_latest('core_party_events_rollup', [
        'customer_type', 'email', 'telegram_handle', 'personal_info'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as party_id,
    customer_type,
    email,
    telegram_handle,
    {{ lana_dw.json_text('personal_info', 'firstName') }} as first_name,
    {{ lana_dw.json_text('personal_info', 'lastName') }} as last_name,
    {{ lana_dw.json_text('personal_info', 'nationality') }} as nationality,
    cast({{ lana_dw.json_text('personal_info', 'dateOfBirth') }} as date) as date_of_birth,
    {{ lana_dw.json_text('personal_info', 'companyName') }} as company_name,
    {{ lana_dw.json_text('personal_info', 'address') }} as address,
    version,
    created_at,
    modified_at,
    _sdc_batched_at as loaded_at
from parties
