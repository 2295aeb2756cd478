-- Lana's inbox of received webhooks (Sumsub), the payload's fields unpacked.
with

inbox as (
    {{ lana_dw.lana_latest_load('inbox_events', ['id'], [
        'id', 'idempotency_key', 'payload', 'status', 'error', 'recorded_at', 'processed_at'
    ]) }}
)

select
    {{ lana_dw.as_id('id') }} as inbox_event_id,
    idempotency_key,
    cast(status as {{ lana_dw.type_string() }}) as status,
    error,
    {{ lana_dw.json_text('payload', 'type') }} as webhook_type,
    {{ lana_dw.json_text('payload', 'applicantId') }} as applicant_id,
    {{ lana_dw.json_text('payload', 'inspectionId') }} as inspection_id,
    {{ lana_dw.json_text('payload', 'externalUserId') }} as external_user_id,
    {{ lana_dw.json_text('payload', 'applicantType') }} as applicant_type,
    {{ lana_dw.json_text('payload', 'levelName') }} as level_name,
    {{ lana_dw.json_text('payload', 'reviewStatus') }} as review_status,
    {{ lana_dw.json_text('payload', 'reviewResult.reviewAnswer') }} as review_answer,
    {{ lana_dw.json_text('payload', 'reviewResult.reviewRejectType') }} as reject_type,
    {{ lana_dw.json_text('payload', 'correlationId') }} as correlation_id,
    recorded_at,
    processed_at,
    _sdc_batched_at as loaded_at
from inbox
