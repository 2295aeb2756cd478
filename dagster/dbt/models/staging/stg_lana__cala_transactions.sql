-- Cala ledger transactions.
with

transactions as (
    {{ lana_dw.lana_latest_load('cala_transactions', ['id'], [
        'id', 'journal_id', 'tx_template_id', 'external_id', 'correlation_id', 'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as transaction_id,
    {{ lana_dw.as_id('journal_id') }} as journal_id,
    {{ lana_dw.as_id('tx_template_id') }} as tx_template_id,
    external_id,
    correlation_id,
    created_at,
    _sdc_batched_at as loaded_at
from transactions
