-- BTC/USD per UTC day, gap-free from the first to the last day with a Bitfinex price: the close
-- of the day's 1D candle, else the close of its last intraday candle, else the last ticker price
-- of the day, else the last price Lana itself recorded that day on a facility's collateralization
-- (initialized / collateralization_state_changed events), else the previous day's price carried
-- forward (price_source says which). Lana's recorded price makes the series start with the
-- bank's first facility even when Bitfinex history is short.
with

candles as (
    select
        period_date as price_date,
        close_usd as price_usd,
        case when timeframe = '1D' then 'bitfinex_candle_1d' else 'bitfinex_candle_intraday' end as price_source,
        case when timeframe = '1D' then 1 else 2 end as source_rank,
        period_start as observed_at
    from {{ ref('stg_bitfinex__candles') }}
    where symbol = 'tBTCUSD'
),

ticker as (
    select
        requested_date as price_date,
        last_price_usd as price_usd,
        'bitfinex_ticker' as price_source,
        3 as source_rank,
        requested_at as observed_at
    from {{ ref('stg_bitfinex__ticker') }}
    where symbol = 'tBTCUSD'
),

-- the price Lana used when it (re)collateralized a facility
lana_recorded as (
    select
        modified_date as price_date,
        -- typed like Bitfinex prices (8 decimals) so the union keeps one exact type
        cast(btc_price_usd as {{ lana_dw.type_btc() }}) as price_usd,
        'lana_facility_collateralization' as price_source,
        4 as source_rank,
        modified_at as observed_at
    from {{ ref('stg_lana__credit_facility_history') }}
    where is_price_recorded
),

observations as (
    select * from candles
    union all
    select * from ticker
    union all
    select * from lana_recorded
),

ranked as (
    select
        price_date,
        price_usd,
        price_source,
        row_number() over (
            partition by price_date
            order by source_rank asc, observed_at desc
        ) as price_rank
    from observations
    where price_usd is not null
),

days_with_price as (
    select
        price_date,
        price_usd,
        price_source,
        lead(price_date) over (order by price_date) as next_price_date
    from ranked
    where price_rank = 1
),

bounds as (
    select
        min(price_date) as first_date,
        max(price_date) as last_date
    from days_with_price
),

spine as (
    {{ lana_dw.day_spine('bounds', 'first_date', 'last_date') }}
)

select
    spine.spine_date as price_date,
    priced_days.price_usd as btc_price_usd,
    case
        when spine.spine_date = priced_days.price_date then priced_days.price_source
        else 'carried_forward'
    end as price_source,
    priced_days.price_date as observed_date
from spine
inner join days_with_price as priced_days
    on
        spine.spine_date >= priced_days.price_date
        and (priced_days.next_price_date is null or spine.spine_date < priced_days.next_price_date)
