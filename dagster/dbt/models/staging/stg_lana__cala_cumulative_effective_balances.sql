-- Balance of a ledger account per currency at the end of each effective date (its latest version
-- that day; major units of `currency`).
with

balances as (
    {{ lana_dw.lana_latest_load('cala_cumulative_effective_balances', [
        'journal_id', 'account_id', 'currency', 'effective', 'version'
    ], [
        'journal_id', 'account_id', 'currency', 'effective', 'version', 'all_time_version',
        'latest_entry_id', 'values', 'updated_at', 'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('journal_id') }} as journal_id,
    {{ lana_dw.as_id('account_id') }} as account_id,
    currency,
    {{ lana_dw.lana_date('effective') }} as effective_date,
    version,
    all_time_version,
    {{ lana_dw.as_id('latest_entry_id') }} as latest_entry_id,
    {{ lana_dw.cala_balance_columns(adapter.quote('values')) }},
    created_at,
    updated_at,
    _sdc_batched_at as loaded_at
from balances
