-- NRSF-03 (deposit insurance) 01 cliente: one row per customer holding a deposit account as of
-- var `as_of_date`, with the insured balance: the sum of their deposit balances (ledger, as of
-- the date), capped at var `deposits_coverage_limit_usd` (USD 10,289.00). Lana capped the
-- customer's BTC collateral instead, which is not a deposit. Dates YYYYMMDD. Codes the bank has
-- no table for are NULL.
{%- set q = adapter.quote %}
{%- set null_string = 'cast(null as ' ~ lana_dw.type_string() ~ ')' %}
with

deposits as (
    select
        customer_id,
        sum(balance_usd) as balance_usd
    from {{ ref('int_deposit_account_balances_as_of') }}
    group by customer_id
),

identities as (
    select * from {{ ref('int_customer_identities') }}
),

countries as (
    select
        iso_alpha_3,
        ssf_code
    from {{ ref('npb4_17_31_country_codes') }}
    where is_iso_lookup
),

worst_category as (
    select
        refs.customer_id,
        max(refs.days_past_due) as max_days_past_due
    from {{ ref('int_credit_risk_references') }} as refs
    group by refs.customer_id
),

risk_categories as (
    select * from {{ ref('ncb_022_risk_categories') }}
),

people as (
    select
        identities.*,
        deposits.balance_usd
    from deposits
    inner join identities
        on deposits.customer_id = identities.customer_id
)

select
    cast(people.public_id as {{ lana_dw.type_string() }}) as {{ q('NIU') }},
    case when people.is_natural_person then people.first_given_name end as {{ q('Primer Nombre') }},
    case when people.is_natural_person then people.other_given_names end as {{ q('Segundo Nombre') }},
    {{ null_string }} as {{ q('Tercer Nombre') }},
    case when people.is_natural_person then people.first_surname end as {{ q('Primer Apellido') }},
    case when people.is_natural_person then people.other_surnames end
        as {{ q('Segundo Apellido') }},
    {{ null_string }} as {{ q('Apellido de casada') }},
    case when not people.is_natural_person then people.company_name end as {{ q('Razón social') }},
    case when people.is_natural_person then '1' else '2' end as {{ q('Tipo de persona') }},
    nationality.ssf_code as {{ q('Nacionalidad') }},
    {{ null_string }} as {{ q('Actividad Económica') }},
    residence.ssf_code as {{ q('País de Residencia') }},
    {{ null_string }} as {{ q('Departamento') }},
    {{ null_string }} as {{ q('Distrito') }},
    people.address as {{ q('Dirección') }},
    {{ null_string }} as {{ q('Número de teléfono fijo') }},
    people.phone as {{ q('Número de celular') }},
    people.email as {{ q('Correo electrónico') }},
    case when people.residence_iso3 = 'SLV' then '1' when people.residence_iso3 is not null then '0' end
        as {{ q('Es residente') }},
    {{ null_string }} as {{ q('Tipo de sector') }},
    {{ lana_dw.format_date('people.date_of_birth', 'YYYYMMDD') }} as {{ q('Fecha de Nacimiento') }},
    case when people.is_natural_person and people.gender in ('M', 'F') then people.gender end as {{ q('Género') }},
    {{ null_string }} as {{ q('Estado civil') }},
    cast(worst.category as {{ lana_dw.type_string() }}) as {{ q('Clasificación de Riesgo') }},
    {{ null_string }} as {{ q('Tipo de relación') }},
    {{ null_string }} as {{ q('Agencia') }},
    {{ lana_dw.format_decimal(
        "least(greatest(people.balance_usd, 0), cast('" ~ var('deposits_coverage_limit_usd') ~ "' as " ~ lana_dw.type_usd() ~ "))", 2
    ) }} as {{ q('Saldo garantizado') }}
from people
left join worst_category
    on people.customer_id = worst_category.customer_id
left join risk_categories as worst
    on
        worst_category.max_days_past_due >= worst.min_days
        and (worst.max_days is null or worst_category.max_days_past_due <= worst.max_days)
left join countries as residence
    on people.residence_iso3 = residence.iso_alpha_3
left join countries as nationality
    on people.nationality_iso3 = nationality.iso_alpha_3
