-- NRP-92 persona (ssf_ctri_persona.xsd): one row per customer (int_customer_identities: the
-- Sumsub KYC identity, or Lana's party for customers converted by hand, so every debtor of
-- referencia is here); reserve, consolidated net risk and worst risk category from their
-- references (int_credit_risk_references). Countries mapped from ISO alpha-3 to SSF codes (seed
-- npb4_17_31_country_codes). Codes the bank has no table for (giro, ocupación, distrito) are
-- NULL rather than guessed. Text is never truncated: a value longer than the XSD allows fails
-- the length tests.
with

names as (
    select * from {{ ref('int_customer_identities') }}
),

-- the person's credit references: reserve and net risk summed, the worst risk category
references_by_customer as (
    select
        customer_id,
        sum(reserve_usd) as reserve_usd,
        sum(net_risk_usd) as net_risk_usd,
        max(days_past_due) as max_days_past_due
    from {{ ref('int_credit_risk_references') }}
    group by customer_id
),

risk_categories as (
    select * from {{ ref('ncb_022_risk_categories') }}
),

countries as (
    select
        iso_alpha_3,
        ssf_code
    from {{ ref('npb4_17_31_country_codes') }}
    where is_iso_lookup
)

select
    names.public_id as numero_documento,
    'U' as tipo_identificador,
    case when names.is_natural_person then names.first_surname end as primer_apellido,
    case when names.is_natural_person then names.other_surnames end as segundo_apellido,
    cast(null as {{ lana_dw.type_string() }}) as apellido_casada,
    case when names.is_natural_person then names.first_given_name end as primer_nombre,
    case when names.is_natural_person then names.other_given_names end as segundo_nombre,
    case when not names.is_natural_person then names.company_name end as nombre_sociedad,
    case when names.is_natural_person then '1' else '2' end as tipo_persona,
    cast(null as {{ lana_dw.type_string() }}) as tipo_relacion,
    case
        when names.residence_iso3 = 'SLV' then 'R'
        when names.residence_iso3 is not null then 'N'
    end as residente,
    cast(null as {{ lana_dw.type_string() }}) as giro_persona,
    cast(null as {{ lana_dw.type_string() }}) as tamano_empresa,
    cast(null as {{ lana_dw.type_string() }}) as tipo_empresa,
    {{ lana_dw.format_decimal('coalesce(refs.reserve_usd, 0)', 2) }} as reserva,
    cast(worst.category as {{ lana_dw.type_string() }}) as categoria_riesgo,
    names.public_id as numero_cliente,
    case when names.id_doc_type in ('PASSPORT', 'ID_CARD', 'DRIVERS') then names.id_doc_number end as id_alterno,
    case names.id_doc_type
        when 'PASSPORT' then 'PS'
        when 'ID_CARD' then 'CI'
        when 'DRIVERS' then 'LI'
    end as tipo_id_alterno,
    {{ lana_dw.format_date('names.date_of_birth', 'YYYY-MM-DD') }} as fecha_nacimiento,
    residence.ssf_code as pais_residencia,
    {{ lana_dw.format_decimal('refs.net_risk_usd', 2) }} as riesgo_consolidado,
    case when names.is_natural_person and names.gender in ('M', 'F') then names.gender end as sexo_persona,
    cast(null as {{ lana_dw.type_string() }}) as {{ adapter.quote('ocupación') }},
    case when names.residence_iso3 <> 'SLV' then names.tax_id end as id_pais_origen,
    nationality.ssf_code as nacionalidad,
    cast(null as {{ lana_dw.type_string() }}) as distrito_residencia,
    cast(null as {{ lana_dw.type_string() }}) as documento_anterior
from names
left join references_by_customer as refs
    on names.customer_id = refs.customer_id
left join risk_categories as worst
    on
        refs.max_days_past_due >= worst.min_days
        and (worst.max_days is null or refs.max_days_past_due <= worst.max_days)
left join countries as residence
    on names.residence_iso3 = residence.iso_alpha_3
left join countries as nationality
    on names.nationality_iso3 = nationality.iso_alpha_3
