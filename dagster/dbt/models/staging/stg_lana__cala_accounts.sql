-- Cala ledger accounts: the accounts of deposits, facilities, collateral and the chart's sets.
with

accounts as (
    {{ lana_dw.lana_latest_load('cala_accounts', ['id'], [
        'id', 'code', 'name', 'external_id', 'normal_balance_type', 'eventually_consistent', 'status',
        'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as account_id,
    code,
    name,
    external_id,
    cast(normal_balance_type as {{ lana_dw.type_string() }}) as normal_balance_type,
    eventually_consistent as is_eventually_consistent,
    cast(status as {{ lana_dw.type_string() }}) as status,
    created_at,
    _sdc_batched_at as loaded_at
from accounts
