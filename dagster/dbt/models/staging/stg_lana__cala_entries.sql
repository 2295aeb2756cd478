-- Cala ledger entries: the index row of each entry (amounts are in stg_lana__cala_entry_events).
with

entries as (
    {{ lana_dw.lana_latest_load('cala_entries', ['id'], [
        'id', 'journal_id', 'account_id', 'transaction_id', 'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as entry_id,
    {{ lana_dw.as_id('journal_id') }} as journal_id,
    {{ lana_dw.as_id('account_id') }} as account_id,
    {{ lana_dw.as_id('transaction_id') }} as transaction_id,
    created_at,
    _sdc_batched_at as loaded_at
from entries
