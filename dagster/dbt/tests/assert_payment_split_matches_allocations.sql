-- Principal and interest in fct_payments must add up, per facility, to exactly what the
-- payment allocations say: a join fan-out would double count, a dropped row would lose money.
with

from_payments as (
    select
        facility_id,
        sum(principal_usd) as principal_usd,
        sum(interest_usd) as interest_usd
    from {{ ref('fct_payments') }}
    group by facility_id
),

from_allocations as (
    select
        facility_id,
        sum(case when obligation_type = 'Disbursal' then amount_usd else 0 end) as principal_usd,
        sum(case when obligation_type = 'Interest' then amount_usd else 0 end) as interest_usd
    from {{ ref('stg_lana__payment_allocations') }}
    group by facility_id
)

select
    coalesce(from_payments.facility_id, from_allocations.facility_id) as facility_id,
    from_payments.principal_usd as payments_principal_usd,
    from_allocations.principal_usd as allocations_principal_usd,
    from_payments.interest_usd as payments_interest_usd,
    from_allocations.interest_usd as allocations_interest_usd
from from_payments
full outer join from_allocations on from_payments.facility_id = from_allocations.facility_id
where
    coalesce(from_payments.principal_usd, 0) != coalesce(from_allocations.principal_usd, 0)
    or coalesce(from_payments.interest_usd, 0) != coalesce(from_allocations.interest_usd, 0)
