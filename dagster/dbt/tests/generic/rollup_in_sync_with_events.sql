{#-
    A rollup and its events table are loaded by the same EL job; per entity the rollup's max
    version must equal the events' max sequence. A difference means a partial or lagging load.
    Rows marked deleted by the loader are ignored.
-#}
{% test rollup_in_sync_with_events(model, events) %}

with

rollup_versions as (
    select
        id,
        max(version) as max_version
    from {{ model }}
    where _sdc_deleted_at is null
    group by id
),

event_sequences as (
    select
        id,
        max(sequence) as max_sequence
    from {{ events }}
    where _sdc_deleted_at is null
    group by id
)

select
    coalesce(rollup_versions.id, event_sequences.id) as entity_id,
    rollup_versions.max_version,
    event_sequences.max_sequence
from rollup_versions
full outer join event_sequences on rollup_versions.id = event_sequences.id
where
    rollup_versions.max_version is null
    or event_sequences.max_sequence is null
    or rollup_versions.max_version != event_sequences.max_sequence

{% endtest %}
