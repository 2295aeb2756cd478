-- Current state of every deposit account.
with

deposit_accounts as (
    {{ lana_dw.lana_rollup_latest('core_deposit_account_events_rollup', [
        'account_holder_id', 'public_id', 'status', 'activity', 'account_ids'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as deposit_account_id,
    {{ lana_dw.as_id('account_holder_id') }} as customer_id,
    public_id,
    status,
    activity,
    {{ lana_dw.json_id('account_ids', 'deposit_account_id') }} as ledger_account_id,
    {{ lana_dw.json_id('account_ids', 'frozen_deposit_account_id') }} as frozen_ledger_account_id,
    version,
    created_at,
    modified_at,
    _sdc_batched_at as loaded_at
from deposit_accounts
