-- Per customer, dim_customers' deposit balance must equal what the facts say went through
-- the customer's accounts: settled deposits and withdrawals (fct_transactions), plus settled
-- disbursals (fct_disbursals), minus payments (fct_payments). This also checks that facility
-- money flows through the borrower's own deposit account, as Lana does it.
with

movements as (
    select
        customer_id,
        signed_amount_usd as amount_usd
    from {{ ref('fct_transactions') }}
    where is_settled
    union all
    select
        customer_id,
        amount_usd
    from {{ ref('fct_disbursals') }}
    where is_settled
    union all
    select
        customer_id,
        -amount_usd as amount_usd
    from {{ ref('fct_payments') }}
),

from_facts as (
    select
        customer_id,
        sum(amount_usd) as balance_usd
    from movements
    group by customer_id
)

select
    coalesce(customers.customer_id, from_facts.customer_id) as customer_id,
    customers.deposit_balance_usd,
    from_facts.balance_usd as facts_balance_usd
from {{ ref('dim_customers') }} as customers
full outer join from_facts on customers.customer_id = from_facts.customer_id
where coalesce(customers.deposit_balance_usd, 0) != coalesce(from_facts.balance_usd, 0)
