{#- Date helpers that differ per warehouse. -#}

{#-
    A Lana "effective"/due date. The rollups store these as 'YYYY-MM-DD' text (some
    migrations as timestamptz); a plain cast to DATE handles both on all three warehouses.
-#}
{% macro lana_date(column) -%}
    cast({{ column }} as date)
{%- endmacro %}

{# The UTC calendar date of a timestamptz, independent of the session time zone. #}
{% macro utc_date(column) -%}
    {{ adapter.dispatch('utc_date', 'lana_dw')(column) }}
{%- endmacro %}

{% macro duckdb__utc_date(column) -%}
    cast(timezone('UTC', {{ column }}) as date)
{%- endmacro %}

{% macro postgres__utc_date(column) -%}
    cast(({{ column }} at time zone 'UTC') as date)
{%- endmacro %}

{% macro bigquery__utc_date(column) -%}
    date({{ column }}, 'UTC')
{%- endmacro %}

{# First day of the month of a DATE, as a DATE. #}
{% macro month_start(date_column) -%}
    cast({{ dbt.date_trunc('month', date_column) }} as date)
{%- endmacro %}

{#-
    A date spine: one row per `unit` ('day' or 'month') from `start_column` to `end_column`
    (DATE columns of the one-row relation `bounds`), both included, in a DATE column named
    `as_column`. Empty if they are NULL. Generated in the warehouse (no compile-time query, so
    the BigQuery compile stays offline).
-#}
{% macro date_spine(bounds, start_column, end_column, unit, as_column) -%}
    {{ adapter.dispatch('date_spine', 'lana_dw')(bounds, start_column, end_column, unit, as_column) }}
{%- endmacro %}

{% macro duckdb__date_spine(bounds, start_column, end_column, unit, as_column) -%}
    select cast(unnest(generate_series(
        cast({{ start_column }} as timestamp),
        cast({{ end_column }} as timestamp),
        interval 1 {{ unit }}
    )) as date) as {{ as_column }}
    from {{ bounds }}
{%- endmacro %}

{% macro postgres__date_spine(bounds, start_column, end_column, unit, as_column) -%}
    select cast(generate_series(
        cast({{ start_column }} as timestamp),
        cast({{ end_column }} as timestamp),
        interval '1 {{ unit }}'
    ) as date) as {{ as_column }}
    from {{ bounds }}
{%- endmacro %}

{% macro bigquery__date_spine(bounds, start_column, end_column, unit, as_column) -%}
    select {{ as_column }}
    from {{ bounds }}
    cross join unnest(generate_date_array({{ start_column }}, {{ end_column }}, interval 1 {{ unit }})) as {{ as_column }}
{%- endmacro %}

{# One row `month_start` per month between two DATE month starts (see date_spine). #}
{% macro month_spine(bounds, start_column, end_column) -%}
    {{ lana_dw.date_spine(bounds, start_column, end_column, 'month', 'month_start') }}
{%- endmacro %}

{# One row `spine_date` per day between two DATEs (see date_spine). #}
{% macro day_spine(bounds, start_column, end_column) -%}
    {{ lana_dw.date_spine(bounds, start_column, end_column, 'day', 'spine_date') }}
{%- endmacro %}
