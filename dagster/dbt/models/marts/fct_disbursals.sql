-- One row per disbursal (drawdown of a credit facility), every status.
select
    cast(disbursals.disbursal_id as {{ lana_dw.type_id() }}) as disbursal_id,
    disbursals.public_id,
    cast(disbursals.facility_id as {{ lana_dw.type_id() }}) as facility_id,
    cast(facilities.customer_id as {{ lana_dw.type_id() }}) as customer_id,
    disbursals.status,
    disbursals.is_settled,
    cast(disbursals.amount_usd as {{ lana_dw.type_usd() }}) as amount_usd,
    disbursals.effective_date as disbursal_date,
    disbursals.due_date,
    disbursals.overdue_date,
    disbursals.created_at,
    disbursals.settled_at
from {{ ref('stg_lana__disbursals') }} as disbursals
left join {{ ref('stg_facilities') }} as facilities
    on disbursals.facility_id = facilities.facility_id
