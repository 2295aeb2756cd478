-- One row per payment on a credit facility, split into principal and interest by the
-- obligation types of its allocations (int_payment_splits: aggregated before joining).
select
    cast(splits.payment_id as {{ lana_dw.type_id() }}) as payment_id,
    cast(splits.facility_id as {{ lana_dw.type_id() }}) as facility_id,
    cast(facilities.customer_id as {{ lana_dw.type_id() }}) as customer_id,
    splits.effective_date as payment_date,
    cast(splits.amount_usd as {{ lana_dw.type_usd() }}) as amount_usd,
    cast(splits.principal_usd as {{ lana_dw.type_usd() }}) as principal_usd,
    cast(splits.interest_usd as {{ lana_dw.type_usd() }}) as interest_usd,
    cast(splits.unallocated_usd as {{ lana_dw.type_usd() }}) as unallocated_usd,
    cast(splits.allocation_count as {{ lana_dw.type_bigint() }}) as allocation_count,
    splits.created_at
from {{ ref('int_payment_splits') }} as splits
left join {{ ref('stg_facilities') }} as facilities
    on splits.facility_id = facilities.facility_id
