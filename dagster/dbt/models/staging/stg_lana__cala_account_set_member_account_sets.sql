-- Account sets that are members of another account set (the chart's hierarchy).
with

members as (
    {{ lana_dw.lana_latest_load('cala_account_set_member_account_sets', ['account_set_id', 'member_account_set_id'], [
        'account_set_id', 'member_account_set_id', 'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('account_set_id') }} as account_set_id,
    {{ lana_dw.as_id('member_account_set_id') }} as member_account_set_id,
    created_at,
    _sdc_batched_at as loaded_at
from members
