{#-
    Column types valid on the current warehouse, from var('lana_types')[target.type] in
    dbt_project.yml (the single place they are spelled; the marts' YAML contracts read the
    same var). E.g. {{ lana_dw.lana_type('usd') }} -> decimal(38,2) on duckdb,
    numeric(38,2) on postgres, numeric on bigquery.
-#}
{% macro lana_type(name) -%}
    {%- set types = var('lana_types') -%}
    {%- if target.type not in types -%}
        {{ exceptions.raise_compiler_error("var lana_types has no types for adapter " ~ target.type) }}
    {%- endif -%}
    {{ return(types[target.type][name]) }}
{%- endmacro %}

{% macro type_id() %}{{ return(lana_dw.lana_type('id')) }}{% endmacro %}
{% macro type_string() %}{{ return(lana_dw.lana_type('string')) }}{% endmacro %}
{% macro type_bigint() %}{{ return(lana_dw.lana_type('bigint')) }}{% endmacro %}
{% macro type_timestamptz() %}{{ return(lana_dw.lana_type('timestamptz')) }}{% endmacro %}
{% macro type_usd() %}{{ return(lana_dw.lana_type('usd')) }}{% endmacro %}
{% macro type_btc() %}{{ return(lana_dw.lana_type('btc')) }}{% endmacro %}
{% macro type_rate() %}{{ return(lana_dw.lana_type('rate')) }}{% endmacro %}

{#-
    An entity id cast to the id type. Staging casts every id it reads, so models see the same
    type whether the loader landed Lana's uuid columns as UUID or as text.
-#}
{% macro as_id(column) -%}
    cast({{ column }} as {{ lana_dw.type_id() }})
{%- endmacro %}
