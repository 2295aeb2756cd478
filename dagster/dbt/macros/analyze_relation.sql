{#-
    Post-hook: refresh planner statistics of a freshly built table. PostgreSQL does not
    analyze a table created by CTAS until autovacuum gets to it, and the next model's plan
    depends on it. A no-op for views and on the other warehouses.
-#}
{% macro analyze_relation() -%}
    {{ return(adapter.dispatch('analyze_relation', 'lana_dw')()) }}
{%- endmacro %}

{% macro default__analyze_relation() -%}
    {{ return('') }}
{%- endmacro %}

{% macro postgres__analyze_relation() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        {{ return('analyze ' ~ this) }}
    {%- else -%}
        {{ return('') }}
    {%- endif -%}
{%- endmacro %}
