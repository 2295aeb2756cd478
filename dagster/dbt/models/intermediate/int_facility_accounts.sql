-- The ledger accounts of every credit facility, one row per (facility, role): Lana opens one
-- Cala account per role and facility (receivables not yet due / due / overdue / defaulted for
-- principal and for interest, income, holding, ...), named in the facility's account_ids.
-- The roles are the `<role>_id` columns of stg_facilities.
with

facilities as (
    select * from {{ ref('stg_facilities') }}
),

roles as (
    select
        facility_id,
        'facility_account' as account_role,
        facility_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'disbursed_receivable_not_yet_due_account' as account_role,
        disbursed_receivable_not_yet_due_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'disbursed_receivable_due_account' as account_role,
        disbursed_receivable_due_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'disbursed_receivable_overdue_account' as account_role,
        disbursed_receivable_overdue_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'disbursed_defaulted_account' as account_role,
        disbursed_defaulted_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'interest_receivable_not_yet_due_account' as account_role,
        interest_receivable_not_yet_due_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'interest_receivable_due_account' as account_role,
        interest_receivable_due_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'interest_receivable_overdue_account' as account_role,
        interest_receivable_overdue_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'interest_defaulted_account' as account_role,
        interest_defaulted_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'interest_income_account' as account_role,
        interest_income_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'fee_income_account' as account_role,
        fee_income_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'payment_holding_account' as account_role,
        payment_holding_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'uncovered_outstanding_account' as account_role,
        uncovered_outstanding_account_id as account_id
    from facilities
    union all
    select
        facility_id,
        'proceeds_from_liquidation_account' as account_role,
        proceeds_from_liquidation_account_id as account_id
    from facilities
)

select
    facility_id,
    account_role,
    account_id
from roles
where account_id is not null
