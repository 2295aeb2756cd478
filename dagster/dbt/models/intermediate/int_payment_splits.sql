-- One row per payment: how much of it paid principal (allocations to Disbursal obligations)
-- and interest (allocations to Interest obligations). Allocations are aggregated per payment
-- before the join, so a payment with several allocations is never counted twice.
with

allocations_per_payment as (
    select
        payment_id,
        count(*) as allocation_count,
        sum(case when obligation_type = 'Disbursal' then amount_usd end) as principal_usd,
        sum(case when obligation_type = 'Interest' then amount_usd end) as interest_usd,
        sum(amount_usd) as allocated_usd
    from {{ ref('stg_lana__payment_allocations') }}
    group by payment_id
)

select
    payments.payment_id,
    payments.facility_id,
    payments.effective_date,
    payments.created_at,
    payments.amount_usd,
    cast(coalesce(allocations_per_payment.principal_usd, 0) as {{ lana_dw.type_usd() }}) as principal_usd,
    cast(coalesce(allocations_per_payment.interest_usd, 0) as {{ lana_dw.type_usd() }}) as interest_usd,
    cast(
        payments.amount_usd - coalesce(allocations_per_payment.allocated_usd, 0) as {{ lana_dw.type_usd() }}
    ) as unallocated_usd,
    coalesce(allocations_per_payment.allocation_count, 0) as allocation_count
from {{ ref('stg_lana__payments') }} as payments
left join allocations_per_payment on payments.payment_id = allocations_per_payment.payment_id
