-- Personal data of KYC applicants (restricted), per customer as of their latest webhook: the
-- identity fields of the applicant JSON Sumsub returned (`content`), kept apart from
-- stg_sumsub__applicants so the personal columns can be granted and masked on their own.
-- Sumsub sends countries as ISO 3166 alpha-3; `info` is what the applicant submitted.
with

loads as (
    {{ lana_dw.lana_latest_load('sumsub_applicants', ['customer_id', 'recorded_at'], [
        'customer_id', 'recorded_at', 'applicant_id', 'fetch_status', 'content'
    ], source_name='sumsub') }}
),

latest as (
    select
        loads.*,
        row_number() over (partition by loads.customer_id order by loads.recorded_at desc) as recency
    from loads
    where loads.fetch_status = 'found'
)

{%- set personal = 'questionnaires[0].sections.personalInformation.items.' %}

select
    {{ lana_dw.as_id('customer_id') }} as customer_id,
    applicant_id,
    {{ lana_dw.json_text('content', 'type') }} as applicant_type,
    {{ lana_dw.json_text('content', 'info.firstName') }} as first_name,
    {{ lana_dw.json_text('content', 'info.middleName') }} as middle_name,
    {{ lana_dw.json_text('content', 'info.lastName') }} as last_name,
    {{ lana_dw.json_text('content', 'info.companyInfo.companyName') }} as company_name,
    {{ lana_dw.json_text('content', 'info.companyInfo.registrationNumber') }} as company_registration_number,
    cast({{ lana_dw.json_text('content', 'info.dob') }} as date) as date_of_birth,
    {{ lana_dw.json_text('content', 'info.gender') }} as gender,
    coalesce(
        {{ lana_dw.json_text('content', 'info.country') }},
        {{ lana_dw.json_text('content', 'info.companyInfo.country') }}
    ) as country_iso3,
    {{ lana_dw.json_text('content', 'info.nationality') }} as nationality_iso3,
    {{ lana_dw.json_text('content', personal ~ 'countryOfResidence.value') }} as residence_country_iso3,
    {{ lana_dw.json_text('content', 'info.idDocs[0].idDocType') }} as id_doc_type,
    {{ lana_dw.json_text('content', 'info.idDocs[0].number') }} as id_doc_number,
    {{ lana_dw.json_text('content', 'info.idDocs[0].country') }} as id_doc_country_iso3,
    {{ lana_dw.json_text('content', personal ~ 'taxIdentificationNum.value') }} as tax_id,
    {{ lana_dw.json_text('content', personal ~ 'occupation.value') }} as occupation,
    {{ lana_dw.json_text('content', personal ~ 'economicActivity.value') }} as economic_activity,
    {{ lana_dw.json_text('content', 'info.addresses[0].formattedAddress') }} as formatted_address,
    {{ lana_dw.json_text('content', 'info.addresses[0].town') }} as town,
    {{ lana_dw.json_text('content', 'email') }} as email,
    {{ lana_dw.json_text('content', 'phone') }} as phone,
    recorded_at as latest_webhook_at,
    _sdc_batched_at as loaded_at
from latest
where recency = 1
