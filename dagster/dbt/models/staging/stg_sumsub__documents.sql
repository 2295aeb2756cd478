-- Metadata of the images customers uploaded to Sumsub, as of each customer's latest fetch.
with

loads as (
    {{ lana_dw.lana_latest_load('sumsub_documents', ['customer_id', 'recorded_at', 'image_id'], [
        'customer_id', 'recorded_at', 'applicant_id', 'image_id', 'added_at', 'id_doc_type',
        'id_doc_sub_type', 'country', 'file_type', 'file_size', 'review_answer', 'deactivated',
        'fetched_at'
    ], source_name='sumsub') }}
),

latest as (
    select
        loads.*,
        max(loads.recorded_at) over (partition by loads.customer_id) as latest_recorded_at
    from loads
)

select
    {{ lana_dw.as_id('customer_id') }} as customer_id,
    applicant_id,
    image_id,
    id_doc_type,
    id_doc_sub_type,
    country,
    file_type,
    file_size as file_size_bytes,
    review_answer,
    coalesce(deactivated, false) as is_deactivated,
    added_at,
    recorded_at as webhook_recorded_at,
    fetched_at,
    _sdc_batched_at as loaded_at
from latest
where recorded_at = latest_recorded_at
