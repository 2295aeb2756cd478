-- One row per deposit account: its balance = confirmed, non-reverted deposits minus
-- confirmed withdrawals (stg_transactions.is_settled), plus what is still pending.
with

movements as (
    select
        deposit_account_id,
        count(*) as transaction_count,
        sum(case when is_settled and transaction_type = 'DEPOSIT' then amount_usd end) as deposits_usd,
        sum(case when is_settled and transaction_type = 'WITHDRAWAL' then amount_usd end) as withdrawals_usd,
        sum(
            case
                when transaction_type = 'WITHDRAWAL' and status in ('PendingApproval', 'PendingConfirmation')
                    then amount_usd
            end
        ) as pending_withdrawals_usd,
        max(settled_at) as last_settled_at
    from {{ ref('stg_transactions') }}
    group by deposit_account_id
)

select
    deposit_accounts.deposit_account_id,
    deposit_accounts.customer_id,
    deposit_accounts.status,
    coalesce(movements.transaction_count, 0) as transaction_count,
    coalesce(movements.deposits_usd, cast(0 as {{ lana_dw.type_usd() }})) as deposits_usd,
    coalesce(movements.withdrawals_usd, cast(0 as {{ lana_dw.type_usd() }})) as withdrawals_usd,
    coalesce(movements.deposits_usd, cast(0 as {{ lana_dw.type_usd() }}))
    - coalesce(movements.withdrawals_usd, cast(0 as {{ lana_dw.type_usd() }})) as balance_usd,
    coalesce(movements.pending_withdrawals_usd, cast(0 as {{ lana_dw.type_usd() }})) as pending_withdrawals_usd,
    movements.last_settled_at
from {{ ref('stg_lana__deposit_accounts') }} as deposit_accounts
left join movements on deposit_accounts.deposit_account_id = movements.deposit_account_id
