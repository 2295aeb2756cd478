-- One row per customer: deposit balances and credit exposure rolled up from their
-- deposit accounts and credit facilities.
with

deposits as (
    select
        customer_id,
        count(*) as deposit_account_count,
        sum(transaction_count) as transaction_count,
        sum(deposits_usd) as total_deposits_usd,
        sum(withdrawals_usd) as total_withdrawals_usd,
        sum(balance_usd) as deposit_balance_usd,
        max(last_settled_at) as last_transaction_at
    from {{ ref('int_deposit_account_balances') }}
    group by customer_id
),

facilities as (
    select
        customer_id,
        count(*) as facility_count,
        sum(case when status = 'ACTIVE' then 1 else 0 end) as active_facility_count,
        sum(facility_amount_usd) as total_facility_amount_usd,
        sum(disbursed_usd) as total_disbursed_usd,
        sum(principal_outstanding_usd) as principal_outstanding_usd,
        sum(interest_outstanding_usd) as interest_outstanding_usd,
        sum(paid_usd) as total_paid_usd,
        sum(collateral_btc) as collateral_btc
    from {{ ref('int_facility_performance') }}
    group by customer_id
)

select
    customers.customer_id,
    coalesce(deposits.deposit_account_count, 0) as deposit_account_count,
    coalesce(deposits.transaction_count, 0) as transaction_count,
    coalesce(deposits.total_deposits_usd, cast(0 as {{ lana_dw.type_usd() }})) as total_deposits_usd,
    coalesce(deposits.total_withdrawals_usd, cast(0 as {{ lana_dw.type_usd() }})) as total_withdrawals_usd,
    coalesce(deposits.deposit_balance_usd, cast(0 as {{ lana_dw.type_usd() }})) as deposit_balance_usd,
    deposits.last_transaction_at,
    coalesce(facilities.facility_count, 0) as facility_count,
    coalesce(facilities.active_facility_count, 0) as active_facility_count,
    coalesce(facilities.total_facility_amount_usd, cast(0 as {{ lana_dw.type_usd() }})) as total_facility_amount_usd,
    coalesce(facilities.total_disbursed_usd, cast(0 as {{ lana_dw.type_usd() }})) as total_disbursed_usd,
    coalesce(facilities.principal_outstanding_usd, cast(0 as {{ lana_dw.type_usd() }})) as principal_outstanding_usd,
    coalesce(facilities.interest_outstanding_usd, cast(0 as {{ lana_dw.type_usd() }})) as interest_outstanding_usd,
    coalesce(facilities.total_paid_usd, cast(0 as {{ lana_dw.type_usd() }})) as total_paid_usd,
    coalesce(facilities.collateral_btc, cast(0 as {{ lana_dw.type_btc() }})) as collateral_btc
from {{ ref('stg_customers') }} as customers
left join deposits on customers.customer_id = deposits.customer_id
left join facilities on customers.customer_id = facilities.customer_id
