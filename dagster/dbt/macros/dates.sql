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
    A month spine: one row `month_start` (DATE) per month from `start_column` to `end_column`
    (both DATE month starts, columns of the one-row relation `bounds`). Empty if they are NULL.
-#}
{% macro month_spine(bounds, start_column, end_column) -%}
    {{ adapter.dispatch('month_spine', 'lana_dw')(bounds, start_column, end_column) }}
{%- endmacro %}

{% macro duckdb__month_spine(bounds, start_column, end_column) -%}
    select cast(unnest(generate_series(
        cast({{ start_column }} as timestamp),
        cast({{ end_column }} as timestamp),
        interval 1 month
    )) as date) as month_start
    from {{ bounds }}
{%- endmacro %}

{% macro postgres__month_spine(bounds, start_column, end_column) -%}
    select cast(generate_series(
        cast({{ start_column }} as timestamp),
        cast({{ end_column }} as timestamp),
        interval '1 month'
    ) as date) as month_start
    from {{ bounds }}
{%- endmacro %}

{% macro bigquery__month_spine(bounds, start_column, end_column) -%}
    select month_start
    from {{ bounds }}
    cross join unnest(generate_date_array({{ start_column }}, {{ end_column }}, interval 1 month)) as month_start
{%- endmacro %}
