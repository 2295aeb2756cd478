-- One row per deposit account: its settled balance, as Lana's ledger moves it:
--   + Confirmed deposits (a reverted deposit no longer counts)
--   - Confirmed withdrawals
--   + settled disbursals credited to the account (disbursal_credit_account_id)
--   - facility payments taken from the account (payment_source_account_id)
-- Disbursals and payments name the account by its ledger account id. Withdrawals still
-- pending approval or confirmation are reported separately (they only encumber funds).
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
),

disbursals_credited as (
    select
        disbursal_credit_account_id as ledger_account_id,
        sum(amount_usd) as disbursals_credited_usd
    from {{ ref('stg_lana__disbursals') }}
    where is_settled
    group by disbursal_credit_account_id
),

payments_debited as (
    select
        payment_source_account_id as ledger_account_id,
        sum(amount_usd) as payments_debited_usd
    from {{ ref('stg_lana__payments') }}
    group by payment_source_account_id
),

account_totals as (
    select
        deposit_accounts.deposit_account_id,
        deposit_accounts.customer_id,
        deposit_accounts.status,
        coalesce(movements.transaction_count, 0) as transaction_count,
        coalesce(movements.deposits_usd, 0) as deposits_usd,
        coalesce(movements.withdrawals_usd, 0) as withdrawals_usd,
        coalesce(disbursals_credited.disbursals_credited_usd, 0) as disbursals_credited_usd,
        coalesce(payments_debited.payments_debited_usd, 0) as payments_debited_usd,
        coalesce(movements.pending_withdrawals_usd, 0) as pending_withdrawals_usd,
        movements.last_settled_at
    from {{ ref('stg_lana__deposit_accounts') }} as deposit_accounts
    left join movements on deposit_accounts.deposit_account_id = movements.deposit_account_id
    left join disbursals_credited on deposit_accounts.ledger_account_id = disbursals_credited.ledger_account_id
    left join payments_debited on deposit_accounts.ledger_account_id = payments_debited.ledger_account_id
)

select
    deposit_account_id,
    customer_id,
    status,
    transaction_count,
    cast(deposits_usd as {{ lana_dw.type_usd() }}) as deposits_usd,
    cast(withdrawals_usd as {{ lana_dw.type_usd() }}) as withdrawals_usd,
    cast(disbursals_credited_usd as {{ lana_dw.type_usd() }}) as disbursals_credited_usd,
    cast(payments_debited_usd as {{ lana_dw.type_usd() }}) as payments_debited_usd,
    cast(
        deposits_usd - withdrawals_usd + disbursals_credited_usd - payments_debited_usd
        as {{ lana_dw.type_usd() }}
    ) as balance_usd,
    cast(pending_withdrawals_usd as {{ lana_dw.type_usd() }}) as pending_withdrawals_usd,
    last_settled_at
from account_totals
