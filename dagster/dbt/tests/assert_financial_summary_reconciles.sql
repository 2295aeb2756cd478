-- The monthly summary must add up to the facts it summarises: every settled deposit,
-- withdrawal and disbursal, every payment and every customer lands in exactly one month.
with

summary as (
    select
        sum(new_customers) as new_customers,
        sum(deposits_usd) as deposits_usd,
        sum(withdrawals_usd) as withdrawals_usd,
        sum(disbursals_usd) as disbursals_usd,
        sum(payments_principal_usd) as payments_principal_usd,
        sum(payments_interest_usd) as payments_interest_usd
    from {{ ref('financial_summary') }}
),

facts as (
    select
        (select count(*) from {{ ref('dim_customers') }}) as new_customers,
        (
            select coalesce(sum(amount_usd), 0) from {{ ref('fct_transactions') }}
            where is_settled and transaction_type = 'DEPOSIT'
        ) as deposits_usd,
        (
            select coalesce(sum(amount_usd), 0) from {{ ref('fct_transactions') }}
            where is_settled and transaction_type = 'WITHDRAWAL'
        ) as withdrawals_usd,
        (
            select coalesce(sum(amount_usd), 0) from {{ ref('fct_disbursals') }}
            where is_settled
        ) as disbursals_usd,
        (select coalesce(sum(principal_usd), 0) from {{ ref('fct_payments') }}) as payments_principal_usd,
        (select coalesce(sum(interest_usd), 0) from {{ ref('fct_payments') }}) as payments_interest_usd
)

select
    summary.new_customers,
    facts.new_customers as expected_new_customers,
    summary.deposits_usd,
    facts.deposits_usd as expected_deposits_usd,
    summary.disbursals_usd,
    facts.disbursals_usd as expected_disbursals_usd
from summary
cross join facts
where
    coalesce(summary.new_customers, 0) != facts.new_customers
    or coalesce(summary.deposits_usd, 0) != facts.deposits_usd
    or coalesce(summary.withdrawals_usd, 0) != facts.withdrawals_usd
    or coalesce(summary.disbursals_usd, 0) != facts.disbursals_usd
    or coalesce(summary.payments_principal_usd, 0) != facts.payments_principal_usd
    or coalesce(summary.payments_interest_usd, 0) != facts.payments_interest_usd
