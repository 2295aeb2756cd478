-- One row per calendar month (UTC), from the first to the last month with any activity:
-- new customers, settled deposits and withdrawals, settled disbursals, and payments split
-- into principal and interest. All amounts in USD.
with

new_customers as (
    select
        {{ lana_dw.month_start(lana_dw.utc_date('created_at')) }} as month_start,
        count(*) as new_customers
    from {{ ref('dim_customers') }}
    group by 1
),

deposit_movements as (
    select
        {{ lana_dw.month_start('settled_date') }} as month_start,
        sum(case when transaction_type = 'DEPOSIT' then amount_usd end) as deposits_usd,
        sum(case when transaction_type = 'WITHDRAWAL' then amount_usd end) as withdrawals_usd
    from {{ ref('fct_transactions') }}
    where is_settled
    group by 1
),

disbursals as (
    select
        {{ lana_dw.month_start('disbursal_date') }} as month_start,
        count(*) as disbursal_count,
        sum(amount_usd) as disbursals_usd
    from {{ ref('fct_disbursals') }}
    where is_settled
    group by 1
),

payments as (
    select
        {{ lana_dw.month_start('payment_date') }} as month_start,
        sum(principal_usd) as payments_principal_usd,
        sum(interest_usd) as payments_interest_usd
    from {{ ref('fct_payments') }}
    group by 1
),

active_months as (
    select month_start from new_customers
    union all
    select month_start from deposit_movements
    union all
    select month_start from disbursals
    union all
    select month_start from payments
),

bounds as (
    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from active_months
),

months as (
    {{ lana_dw.month_spine('bounds', 'first_month', 'last_month') | indent(4) }}
)

select
    months.month_start,
    cast(coalesce(new_customers.new_customers, 0) as {{ lana_dw.type_bigint() }}) as new_customers,
    cast(coalesce(deposit_movements.deposits_usd, 0) as {{ lana_dw.type_usd() }}) as deposits_usd,
    cast(coalesce(deposit_movements.withdrawals_usd, 0) as {{ lana_dw.type_usd() }}) as withdrawals_usd,
    cast(
        coalesce(deposit_movements.deposits_usd, 0) - coalesce(deposit_movements.withdrawals_usd, 0)
        as {{ lana_dw.type_usd() }}
    ) as net_deposits_usd,
    cast(coalesce(disbursals.disbursal_count, 0) as {{ lana_dw.type_bigint() }}) as disbursal_count,
    cast(coalesce(disbursals.disbursals_usd, 0) as {{ lana_dw.type_usd() }}) as disbursals_usd,
    cast(coalesce(payments.payments_principal_usd, 0) as {{ lana_dw.type_usd() }}) as payments_principal_usd,
    cast(coalesce(payments.payments_interest_usd, 0) as {{ lana_dw.type_usd() }}) as payments_interest_usd
from months
left join new_customers on months.month_start = new_customers.month_start
left join deposit_movements on months.month_start = deposit_movements.month_start
left join disbursals on months.month_start = disbursals.month_start
left join payments on months.month_start = payments.month_start
