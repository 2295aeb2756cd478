-- Who each customer is, for the regulator files (NRP-92 persona, NRSF-03 cliente): one row per
-- customer. The KYC identity Sumsub verified when one is loaded; otherwise the personal info of
-- their Lana party, resident where var `residence_iso3_without_kyc` says (Lana's party records
-- no residence). That is meant for customers Lana converted by hand (`manually_converted`); a
-- Sumsub-approved customer whose applicant is not loaded gets it too, and a warning test lists
-- them (int_customer_identities.yml). Text trimmed and names upper-cased; given names and surnames split
-- at the first blank (the SSF layouts have two of each). Countries as ISO 3166 alpha-3: Sumsub
-- sends alpha-3, Lana's party nationality is mapped from alpha-2 (seed npb4_17_31_country_codes).
{%- set residence = var('residence_iso3_without_kyc') %}
{%- set residence_without_kyc = "'" ~ residence ~ "'" if residence else 'cast(null as ' ~ lana_dw.type_string() ~ ')' %}
with

customers as (
    select * from {{ ref('stg_customers') }}
),

identities as (
    select * from {{ ref('stg_sumsub__applicant_identities') }}
),

parties as (
    select * from {{ ref('stg_lana__parties') }}
),

countries as (
    select
        iso_alpha_2,
        iso_alpha_3
    from {{ ref('npb4_17_31_country_codes') }}
    where is_iso_lookup
),

people as (
    select
        customers.customer_id,
        customers.public_id,
        customers.customer_type,
        customers.kyc_conversion_type,
        lower(customers.customer_type) = 'individual' as is_natural_person,
        case when identities.customer_id is not null then 'sumsub' else 'lana_party' end
            as identity_source,
        identities.applicant_type,
        upper({{ lana_dw.report_text('coalesce(identities.first_name, parties.first_name)') }})
            as first_name,
        upper({{ lana_dw.report_text('identities.middle_name') }}) as middle_name,
        upper({{ lana_dw.report_text('coalesce(identities.last_name, parties.last_name)') }})
            as last_name,
        {{ lana_dw.report_text('coalesce(identities.company_name, parties.company_name)') }}
            as company_name,
        coalesce(identities.date_of_birth, parties.date_of_birth) as date_of_birth,
        identities.gender,
        case
            when identities.customer_id is not null
                then coalesce(identities.residence_country_iso3, identities.country_iso3)
            else {{ residence_without_kyc }}
        end as residence_iso3,
        coalesce(identities.nationality_iso3, party_nationality.iso_alpha_3) as nationality_iso3,
        parties.nationality as party_nationality,
        identities.id_doc_type,
        {{ lana_dw.report_text('identities.id_doc_number') }} as id_doc_number,
        {{ lana_dw.report_text('identities.tax_id') }} as tax_id,
        {{ lana_dw.report_text('coalesce(identities.formatted_address, parties.address)') }}
            as address,
        {{ lana_dw.report_text('identities.phone') }} as phone,
        {{ lana_dw.report_text('coalesce(identities.email, parties.email)') }} as email
    from customers
    left join identities
        on customers.customer_id = identities.customer_id
    left join parties
        on customers.party_id = parties.party_id
    left join countries as party_nationality
        on upper(parties.nationality) = party_nationality.iso_alpha_2
)

select
    people.*,
    {{ lana_dw.split_first_word('people.first_name') }} as first_given_name,
    coalesce(people.middle_name, {{ lana_dw.split_rest_words('people.first_name') }})
        as other_given_names,
    {{ lana_dw.split_first_word('people.last_name') }} as first_surname,
    {{ lana_dw.split_rest_words('people.last_name') }} as other_surnames
from people
