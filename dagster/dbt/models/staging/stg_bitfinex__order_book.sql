-- BTC/USD order book snapshots from Bitfinex, one row per price level and side.
with

book as (
    {{ lana_dw.lana_latest_load('bitfinex_order_book', ['symbol', 'requested_at', 'side', 'price'], [
        'symbol', 'requested_at', 'side', 'level', 'price', 'count', 'amount'
    ], source_name='bitfinex') }}
)

select
    symbol,
    requested_at,
    side,
    level as price_level,
    cast(price as {{ lana_dw.type_btc() }}) as price_usd,
    {{ adapter.quote('count') }} as order_count,
    -- as sent: positive for bids, negative for asks; size_btc is the absolute size
    cast(amount as {{ lana_dw.type_btc() }}) as amount_btc,
    cast(abs(amount) as {{ lana_dw.type_btc() }}) as size_btc,
    _sdc_batched_at as loaded_at
from book
