-- Cala account sets (a set's id is also the id of its own account).
with

account_sets as (
    {{ lana_dw.lana_latest_load('cala_account_sets', ['id'], [
        'id', 'journal_id', 'name', 'external_id', 'created_at'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as account_set_id,
    {{ lana_dw.as_id('journal_id') }} as journal_id,
    name,
    external_id,
    created_at,
    _sdc_batched_at as loaded_at
from account_sets
