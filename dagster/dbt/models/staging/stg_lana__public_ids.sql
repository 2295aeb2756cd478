-- Human-readable public ids of entities (one row per public id).
with

public_ids as (
    {{ lana_dw.lana_latest_load('core_public_ids', ['id'], ['id', 'target_id', 'created_at']) }}
)

select
    id as public_id,
    {{ lana_dw.as_id('target_id') }} as target_id,
    created_at,
    _sdc_batched_at as loaded_at
from public_ids
