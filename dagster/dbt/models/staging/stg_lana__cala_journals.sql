-- Cala ledger journals.
with

journals as (
    {{ lana_dw.lana_latest_load('cala_journals', ['id'], ['id', 'name', 'created_at']) }}
)

select
    {{ lana_dw.as_id('id') }} as journal_id,
    name,
    created_at,
    _sdc_batched_at as loaded_at
from journals
