-- dim_customers' deposit balances must equal the settled movements in fct_transactions,
-- per customer (no customer's money lost or duplicated between the two marts).
with

from_transactions as (
    select
        customer_id,
        sum(signed_amount_usd) as balance_usd
    from {{ ref('fct_transactions') }}
    where is_settled
    group by customer_id
)

select
    customers.customer_id,
    customers.deposit_balance_usd,
    from_transactions.balance_usd as transactions_balance_usd
from {{ ref('dim_customers') }} as customers
full outer join from_transactions on customers.customer_id = from_transactions.customer_id
where coalesce(customers.deposit_balance_usd, 0) != coalesce(from_transactions.balance_usd, 0)
