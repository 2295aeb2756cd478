-- The credit references the bank reports to the SSF credit-risk central (NRP-92): every settled
-- disbursal whose facility has not matured as of var `as_of_date` (int_loan_portfolio), with the
-- regulator's figures in exact decimals: balance, the part past due (NRP-41 state Vencido,
-- 91+ days) and in arrears (any days overdue), net risk (balance not covered by the collateral's
-- market value, never below zero) and the NCB-022 reserve on it, rounded to cents.
with

loans as (
    select * from {{ ref('int_loan_portfolio') }}
    where not is_matured
),

figures as (
    select
        loans.*,
        loans.principal_outstanding_usd + loans.interest_outstanding_usd as balance_usd,
        case when loans.loan_state = 'Vencido' then loans.principal_outstanding_usd else 0 end
            as principal_past_due_usd,
        case when loans.loan_state = 'Vencido' then loans.interest_outstanding_usd else 0 end
            as interest_past_due_usd,
        case when loans.principal_days_overdue > 0 then loans.principal_outstanding_usd else 0 end
            as principal_in_arrears_usd,
        case when loans.interest_days_overdue > 0 then loans.interest_outstanding_usd else 0 end
            as interest_in_arrears_usd,
        greatest(
            loans.principal_outstanding_usd + loans.interest_outstanding_usd - coalesce(loans.collateral_usd, 0),
            0
        ) as net_risk_usd
    from loans
)

-- every column of int_loan_portfolio passes through: the reports pick what they need
select
    figures.*,  -- noqa: AM04
    round(figures.net_risk_usd * figures.reserve_pct / 100, 2) as reserve_usd
from figures
