-- BTC/USD trades on Bitfinex, one row per trade.
with

trades as (
    {{ lana_dw.lana_latest_load('bitfinex_trades', ['symbol', 'id'], [
        'symbol', 'id', 'mts', 'executed_at', 'amount', 'price'
    ], source_name='bitfinex') }}
)

select
    symbol,
    id as trade_id,
    executed_at,
    mts as executed_at_ms,
    cast(price as {{ lana_dw.type_btc() }}) as price_usd,
    -- taker side: positive = buy, negative = sell
    cast(amount as {{ lana_dw.type_btc() }}) as amount_btc,
    case when amount >= 0 then 'buy' else 'sell' end as side,
    _sdc_batched_at as loaded_at
from trades
