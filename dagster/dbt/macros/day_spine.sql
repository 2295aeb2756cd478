{#-
    A day spine: one row `spine_date` (DATE) per day from `start_column` to `end_column`
    (DATE columns of the one-row relation `bounds`), both included. Empty if they are NULL.
    Generated in the warehouse (no compile-time query, so the BigQuery compile stays offline).
-#}
{% macro day_spine(bounds, start_column, end_column) -%}
    {{ adapter.dispatch('day_spine', 'lana_dw')(bounds, start_column, end_column) }}
{%- endmacro %}

{% macro duckdb__day_spine(bounds, start_column, end_column) -%}
    select cast(unnest(generate_series(
        cast({{ start_column }} as timestamp),
        cast({{ end_column }} as timestamp),
        interval 1 day
    )) as date) as spine_date
    from {{ bounds }}
{%- endmacro %}

{% macro postgres__day_spine(bounds, start_column, end_column) -%}
    select cast(generate_series(
        cast({{ start_column }} as timestamp),
        cast({{ end_column }} as timestamp),
        interval '1 day'
    ) as date) as spine_date
    from {{ bounds }}
{%- endmacro %}

{% macro bigquery__day_spine(bounds, start_column, end_column) -%}
    select spine_date
    from {{ bounds }}
    cross join unnest(generate_date_array({{ start_column }}, {{ end_column }}, interval 1 day)) as spine_date
{%- endmacro %}
