-- Every version of every credit facility (one row per event): the collateral and the BTC price
-- Lana recorded with it, so models can read a facility's collateral and price as of a date.
with

history as (
    {{ lana_dw.lana_rollup_history('core_credit_facility_events_rollup', [
        'collateral', 'price', 'collateralization_state'
    ]) }}
)

select
    {{ lana_dw.as_id('history.id') }} as facility_id,
    history.version,
    history.event_type,
    -- 0 from the completion on: it gives the collateral back (macros/business_rules.sql)
    {{ lana_dw.completed_collateral("history.event_type = 'completed'", 'history.collateral') }}
        as collateral_sats,
    {{ lana_dw.sats_to_btc(
        lana_dw.completed_collateral("history.event_type = 'completed'", 'history.collateral')
    ) }} as collateral_btc,
    {{ lana_dw.cents_to_usd('history.price') }} as btc_price_usd,
    history.collateralization_state,
    -- the event that set the price (initialized, collateralization_state_changed) carries it
    history.event_type in ('initialized', 'collateralization_state_changed') as is_price_recorded,
    history.created_at,
    history.modified_at,
    {{ lana_dw.utc_date('history.modified_at') }} as modified_date,
    history._sdc_batched_at as loaded_at
from history
