-- Cala entries as recorded (the `initialized` event of each entry): amount, currency, direction, layer.
with

entry_events as (
    {{ lana_dw.lana_latest_load('cala_entry_events', ['id', 'sequence'], [
        'id', 'sequence', 'event_type', 'event', 'recorded_at'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as entry_id,
    sequence,
    event_type,
    {{ lana_dw.as_id(lana_dw.json_text('event', 'values.transaction_id')) }} as transaction_id,
    {{ lana_dw.as_id(lana_dw.json_text('event', 'values.journal_id')) }} as journal_id,
    {{ lana_dw.as_id(lana_dw.json_text('event', 'values.account_id')) }} as account_id,
    {{ lana_dw.json_text('event', 'values.entry_type') }} as entry_type,
    {{ lana_dw.json_text('event', 'values.currency') }} as currency,
    -- major units of `currency` (USD 2 decimals, BTC 8): exact
    cast({{ lana_dw.json_text('event', 'values.units') }} as {{ lana_dw.type_btc() }}) as units,
    {{ lana_dw.json_text('event', 'values.direction') }} as direction,
    {{ lana_dw.json_text('event', 'values.layer') }} as layer,
    {{ lana_dw.lana_date(lana_dw.json_text('event', 'values.metadata.effective')) }} as effective_date,
    {{ lana_dw.json_text('event', 'values.description') }} as description,
    recorded_at,
    _sdc_batched_at as loaded_at
from entry_events
