-- Every balance of a ledger account per currency after each entry (major units of `currency`).
with

balances as (
    {{ lana_dw.lana_latest_load('cala_balance_history', ['journal_id', 'account_id', 'currency', 'version'], [
        'journal_id', 'account_id', 'currency', 'version', 'latest_entry_id', 'values', 'recorded_at'
    ]) }}
)

select
    {{ lana_dw.as_id('journal_id') }} as journal_id,
    {{ lana_dw.as_id('account_id') }} as account_id,
    currency,
    version,
    {{ lana_dw.as_id('latest_entry_id') }} as latest_entry_id,
    {{ lana_dw.cala_balance_columns(adapter.quote('values')) }},
    recorded_at,
    _sdc_batched_at as loaded_at
from balances
