-- What the marts say is lent equals what the ledger says, per facility: the principal
-- outstanding of fct_loan_portfolio (all the facility's disbursals, as of its as_of_date) =
-- the settled balance of the facility's principal receivable accounts (not yet due, due,
-- overdue, defaulted: int_facility_accounts) at the end of that date. Facilities that appear
-- on only one side fail too.
with

as_of as (
    select max(as_of_date) as as_of_date
    from {{ ref('fct_loan_portfolio') }}
),

marts as (
    select
        facility_id,
        sum(principal_outstanding_usd) as principal_outstanding_usd
    from {{ ref('fct_loan_portfolio') }}
    group by facility_id
),

receivable_balances as (
    select
        balances.account_id,
        balances.settled_balance,
        row_number() over (
            partition by balances.journal_id, balances.account_id, balances.currency
            order by balances.balance_date desc
        ) as day_rank
    from {{ ref('fct_account_balances_daily') }} as balances
    cross join as_of
    where balances.balance_date <= as_of.as_of_date and balances.currency = 'USD'
),

ledger as (
    select
        facility_accounts.facility_id,
        sum(receivable_balances.settled_balance) as principal_receivable_usd
    from {{ ref('int_facility_accounts') }} as facility_accounts
    inner join receivable_balances
        on
            facility_accounts.account_id = receivable_balances.account_id
            and receivable_balances.day_rank = 1
    where
        facility_accounts.account_role in (
            'disbursed_receivable_not_yet_due_account',
            'disbursed_receivable_due_account',
            'disbursed_receivable_overdue_account',
            'disbursed_defaulted_account'
        )
    group by facility_accounts.facility_id
)

select
    coalesce(marts.facility_id, ledger.facility_id) as facility_id,
    marts.principal_outstanding_usd,
    ledger.principal_receivable_usd
from marts
full outer join ledger on marts.facility_id = ledger.facility_id
where coalesce(marts.principal_outstanding_usd, 0) != coalesce(ledger.principal_receivable_usd, 0)
