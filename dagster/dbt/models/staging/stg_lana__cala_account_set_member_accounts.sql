-- Accounts that are members of an account set.
with

members as (
    {{ lana_dw.lana_latest_load('cala_account_set_member_accounts', ['account_set_id', 'member_account_id'], [
        'account_set_id', 'member_account_id', 'transitive', 'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('account_set_id') }} as account_set_id,
    {{ lana_dw.as_id('member_account_id') }} as member_account_id,
    coalesce(transitive, false) as is_transitive,
    created_at,
    _sdc_batched_at as loaded_at
from members
