-- Every obligation in its latest state, with its status, overdue flag and days overdue as of the
-- run date (var as_of_date, default today). Statuses follow Lana's dates: due on due_date,
-- overdue from overdue_date, defaulted from defaulted_date, paid when completed.
with

obligations as (
    select * from {{ ref('stg_lana__obligations') }}
),

as_of as (
    select
        obligations.*,
        {{ lana_dw.as_of_date() }} as as_of_date,
        case when obligations.is_completed then {{ lana_dw.utc_date('obligations.modified_at') }} end as paid_date
    from obligations
),

dated as (
    select
        as_of.*,
        case
            when as_of.paid_date <= as_of.as_of_date then 'PAID'
            when as_of.defaulted_date <= as_of.as_of_date then 'DEFAULTED'
            when as_of.overdue_date <= as_of.as_of_date then 'OVERDUE'
            when as_of.due_date <= as_of.as_of_date then 'DUE'
            else 'NOT_YET_DUE'
        end as status_as_of
    from as_of
)

select
    obligation_id,
    facility_id,
    obligation_type,
    reference,
    status,
    status_as_of,
    as_of_date,
    amount_usd,
    due_amount_usd,
    overdue_amount_usd,
    defaulted_amount_usd,
    effective_date,
    due_date,
    overdue_date,
    liquidation_date,
    defaulted_date,
    paid_date,
    status_as_of in ('OVERDUE', 'DEFAULTED') as is_overdue,
    -- days since the due date while unpaid (0 before it): the days past due of risk buckets
    case
        when status_as_of in ('DUE', 'OVERDUE', 'DEFAULTED')
            then {{ dbt.datediff('due_date', 'as_of_date', 'day') }}
        else 0
    end as days_past_due,
    -- days since the obligation became overdue (0 unless overdue or defaulted)
    case
        when status_as_of in ('OVERDUE', 'DEFAULTED')
            then {{ dbt.datediff('overdue_date', 'as_of_date', 'day') }}
        else 0
    end as days_overdue,
    is_completed,
    version,
    created_at,
    modified_at
from dated
