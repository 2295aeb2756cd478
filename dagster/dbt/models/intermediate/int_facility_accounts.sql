-- The ledger accounts of every credit facility, one row per (facility, role): Lana opens one
-- Cala account per role and facility (receivables not yet due / due / overdue / defaulted for
-- principal and for interest, income, holding, ...), named in the facility's account_ids.
{%- set roles = lana_dw.facility_account_roles() %}
{%- for role in roles %}
select
    facility_id,
    '{{ role }}' as account_role,
    {{ role }}_id as account_id
from {{ ref('stg_facilities') }}
where {{ role }}_id is not null
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
