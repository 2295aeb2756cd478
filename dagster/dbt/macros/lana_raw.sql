{#-
    Reading Lana tables loaded by Meltano into lana_raw.

    The loader upserts on the source key, but staging does not rely on it: for every key we
    keep the latest load (max _sdc_batched_at, then max _sdc_sequence) and drop the key if
    that latest load marks it deleted (_sdc_deleted_at set).

    Rollup tables hold one full state snapshot per event, key (id, version); the current
    state of an entity is its max version.
-#}

{# "alias.a, alias.b, ..."; reserved words (Cala's `values`) quoted for the warehouse. #}
{% macro _column_list(columns, alias=none) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- set name = adapter.quote(column) if column in ['values'] else column -%}
        {%- do qualified.append((alias ~ '.' if alias else '') ~ name) -%}
    {%- endfor -%}
    {{ return(qualified | join(', ')) }}
{%- endmacro %}

{# The columns every rollup has, then `columns`. #}
{% macro _rollup_columns(columns) -%}
    {{ return(['id', 'version', 'created_at', 'modified_at', 'event_type'] + columns) }}
{%- endmacro %}

{#-
    Latest load per key, deleted keys removed. Returns `columns` plus _sdc_batched_at.
    Any Meltano-loaded table: `source_name` is the dbt source (lana, bitfinex, sumsub).
-#}
{% macro lana_latest_load(table_name, key_columns, columns, source_name='lana') %}
    select
        {{ lana_dw._column_list(columns, 'loads') }},
        loads._sdc_batched_at
    from (
        select
            {{ lana_dw._column_list(columns) }},
            _sdc_batched_at,
            _sdc_deleted_at,
            row_number() over (
                partition by {{ lana_dw._column_list(key_columns) }}
                order by _sdc_batched_at desc, _sdc_sequence desc
            ) as load_rank
        from {{ source(source_name, table_name) }}
    ) as loads
    where loads.load_rank = 1 and loads._sdc_deleted_at is null
{% endmacro %}

{#-
    Every version of a rollup (deduplicated loads): id, version, created_at, modified_at,
    event_type, the given columns and _sdc_batched_at.
-#}
{% macro lana_rollup_history(table_name, columns=[]) %}
    {{ lana_dw.lana_latest_load(table_name, ['id', 'version'], lana_dw._rollup_columns(columns)) }}
{% endmacro %}

{# "min(case when <alias>.event_type = 'x' then <alias>.modified_at end) over (...) as col, ..." #}
{% macro _first_event_times(event_times, alias) -%}
    {%- set expressions = [] -%}
    {%- for column, event_type in event_times.items() -%}
        {%- do expressions.append(
            "min(case when " ~ alias ~ ".event_type = '" ~ event_type ~ "' then " ~ alias ~ ".modified_at end)"
            ~ " over (partition by " ~ alias ~ ".id) as " ~ column ~ ","
        ) -%}
    {%- endfor -%}
    {{ return(expressions | join(' ')) }}
{%- endmacro %}

{#-
    The latest version (current state) of every entity in a rollup. Same columns as history,
    plus one column per entry of `event_times` ({output column: event_type}): when that event
    first happened (the modified_at of the first version it produced), NULL if it never did.
    Everything is computed in one pass over the history (no self-join).
-#}
{% macro lana_rollup_latest(table_name, columns=[], event_times={}) %}
    select
        {{ lana_dw._column_list(lana_dw._rollup_columns(columns) + (event_times | list), 'versions') }},
        versions._sdc_batched_at
    from (
        select
            {{ lana_dw._column_list(lana_dw._rollup_columns(columns), 'history') }},
            {{ lana_dw._first_event_times(event_times, 'history') }}
            history._sdc_batched_at,
            max(history.version) over (partition by history.id) as latest_version
        from ({{ lana_dw.lana_rollup_history(table_name, columns) }}) as history
    ) as versions
    where versions.version = versions.latest_version
{% endmacro %}
