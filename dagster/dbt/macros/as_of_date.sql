{#-
    The run date of "as of" models: var `as_of_date` ('YYYY-MM-DD') when given
    (`--vars '{as_of_date: 2025-03-31}'`), else the warehouse's current date. A DATE.
-#}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
