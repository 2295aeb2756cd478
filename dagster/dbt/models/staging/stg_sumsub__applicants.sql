-- KYC applicants from Sumsub: per customer, the applicant as fetched after their latest webhook.
with

loads as (
    {{ lana_dw.lana_latest_load('sumsub_applicants', ['customer_id', 'recorded_at'], [
        'customer_id', 'recorded_at', 'webhook_type', 'applicant_id', 'fetch_status', 'inspection_id',
        'external_user_id', 'applicant_type', 'level_name', 'review_status', 'review_answer',
        'reject_type', 'created_at', 'review_date', 'fetched_at'
    ], source_name='sumsub') }}
),

ranked as (
    select
        loads.*,
        row_number() over (partition by loads.customer_id order by loads.recorded_at desc) as recency
    from loads
)

select
    {{ lana_dw.as_id('customer_id') }} as customer_id,
    applicant_id,
    inspection_id,
    fetch_status,
    external_user_id,
    applicant_type,
    level_name,
    review_status,
    review_answer,
    reject_type,
    webhook_type as latest_webhook_type,
    recorded_at as latest_webhook_at,
    created_at as applicant_created_at,
    review_date as reviewed_at,
    fetched_at,
    _sdc_batched_at as loaded_at
from ranked
where recency = 1
