-- BTC/USD candles from Bitfinex (closed periods only), prices in USD, exact.
with

candles as (
    {{ lana_dw.lana_latest_load('bitfinex_candles', ['symbol', 'timeframe', 'mts'], [
        'symbol', 'timeframe', 'mts', 'period_start', 'open', 'close', 'high', 'low', 'volume'
    ], source_name='bitfinex') }}
)

select
    symbol,
    timeframe,
    period_start,
    mts as period_start_ms,
    {{ lana_dw.utc_date('period_start') }} as period_date,
    cast({{ adapter.quote('open') }} as {{ lana_dw.type_btc() }}) as open_usd,
    cast({{ adapter.quote('close') }} as {{ lana_dw.type_btc() }}) as close_usd,
    cast(high as {{ lana_dw.type_btc() }}) as high_usd,
    cast(low as {{ lana_dw.type_btc() }}) as low_usd,
    cast(volume as {{ lana_dw.type_btc() }}) as volume_btc,
    _sdc_batched_at as loaded_at
from candles
