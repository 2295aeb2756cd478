{#-
    Use the custom schema verbatim (dbt_lana, dbt_lana_marts), on every adapter,
    instead of dbt's default "<target schema>_<custom schema>".
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
