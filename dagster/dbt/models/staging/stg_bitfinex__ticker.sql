-- BTC/USD ticker snapshots from Bitfinex (one per symbol and EL run), prices in USD, exact.
with

ticker as (
    {{ lana_dw.lana_latest_load('bitfinex_ticker', ['symbol', 'requested_at'], [
        'symbol', 'requested_at', 'bid', 'bid_size', 'ask', 'ask_size', 'daily_change',
        'daily_change_relative', 'last_price', 'volume', 'high', 'low'
    ], source_name='bitfinex') }}
)

select
    symbol,
    requested_at,
    {{ lana_dw.utc_date('requested_at') }} as requested_date,
    cast(last_price as {{ lana_dw.type_btc() }}) as last_price_usd,
    cast(bid as {{ lana_dw.type_btc() }}) as bid_usd,
    cast(bid_size as {{ lana_dw.type_btc() }}) as bid_size_btc,
    cast(ask as {{ lana_dw.type_btc() }}) as ask_usd,
    cast(ask_size as {{ lana_dw.type_btc() }}) as ask_size_btc,
    cast(daily_change as {{ lana_dw.type_btc() }}) as daily_change_usd,
    cast(daily_change_relative as {{ lana_dw.type_btc() }}) as daily_change_ratio,
    cast(volume as {{ lana_dw.type_btc() }}) as volume_24h_btc,
    cast(high as {{ lana_dw.type_btc() }}) as high_24h_usd,
    cast(low as {{ lana_dw.type_btc() }}) as low_24h_usd,
    _sdc_batched_at as loaded_at
from ticker
